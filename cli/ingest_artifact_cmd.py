"""``evidencekit ingest artifact``: one loose Windows artifact (hive, LNK, jump list,
$I/INFO2, $J, $MFT, event log, Prefetch, browser history, setupapi log, UsrClass)."""

from __future__ import annotations

from pathlib import Path

import click

from cli.ingest_cmd import (
    ingest_compressed_file,
    ingest_group,
    max_decompressed_option,
    report_ingest,
)
from cli.output import err, json_option, progress, wants_json
from evidencekit.case.compressed import compression_of
from evidencekit.case.detect import detect_artifact_kind as detect_kind
from evidencekit.case.ingest import ingest_file
from evidencekit.case.workspace import Case
from evidencekit.parsers.base import parsers
from evidencekit.parsers.logdetect import InvalidTimeZone, check_zone

KINDS = (
    "registry", "setupapi", "lnk", "jumplist", "recyclebin", "usnjrnl", "mft", "evtx",
    "prefetch", "browser", "shellbags", "srum", "setupapi_xp",
)  # fmt: skip


def _zone(value: str | None) -> str | None:
    """Refuse an unknown --tz before anything is read (a parser met it as a traceback)."""
    if value is not None:
        try:
            check_zone(value)
        except InvalidTimeZone as exc:
            raise click.BadParameter(str(exc), param_hint="--tz") from exc
    return value


@ingest_group.command("artifact")
@click.argument("path", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option(
    "--kind",
    type=click.Choice(KINDS),
    help="Artifact kind (default: recognised from the file's signature).",
)
@click.option("--case", "case_dir", required=True, type=click.Path(path_type=Path))
@click.option(
    "--tz",
    "tz",
    callback=lambda _ctx, _param, value: _zone(value),
    help="Zone of local times in the artifact (setupapi.dev.log, XP setupapi.log); "
    "default Asia/Tokyo, recorded in the events.",
)
@click.option("--force", is_flag=True, help="Allow a case folder inside the evidence folder.")
@max_decompressed_option("artifact")
@json_option
def artifact(
    path: Path,
    kind: str | None,
    case_dir: Path,
    tz: str | None,
    force: bool,
    max_decompressed: int,
    as_json: bool,
) -> None:
    """Ingest one Windows artifact file: registry hive (SYSTEM, SOFTWARE, NTUSER.DAT,
    Amcache), setupapi.dev.log or XP setupapi.log, LNK, jump list, Recycle Bin $I/INFO2,
    $UsnJrnl:$J, $MFT, EVTX, Prefetch, browser history, UsrClass.dat (shellbags) or
    SRUDB.dat (srum). An .xz, .gz or .bz2 file is decompressed (bounded) into the case
    folder and its content recognised and parsed; the compressed file is the evidence."""
    if compression_of(path):
        _compressed(path, kind, Case(case_dir), tz, force, max_decompressed, as_json)
        return
    if kind is None:
        kind = detect_kind(path)
        if kind is None:
            raise click.ClickException(
                f"{path.name}: not recognised as any of {', '.join(KINDS)}; give --kind"
            )
        if not wants_json(as_json):
            err.print(f"{path.name}: recognised as {kind}")
    if kind not in parsers:
        raise click.ClickException(f"the {kind} parser is not available in this installation")
    case = Case(case_dir)
    with progress(f"hashing {path.name}", path.stat().st_size, as_json) as advance:
        summary = ingest_file(case, path, kind, time_zone=tz, force=force, progress=advance)
    report_ingest(summary, as_json)


def _compressed(
    path: Path, kind: str | None, case: Case, tz: str | None, force: bool, limit: int, as_json: bool
) -> None:
    summary = ingest_compressed_file(case, path, kind, tz, {}, (force, limit, as_json, "artifact"))
    if kind is None and not wants_json(as_json):
        err.print(f"{path.name}: content recognised as {summary.source.parser}")
    report_ingest(summary, as_json)

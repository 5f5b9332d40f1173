"""``evidencekit ingest log``: log exports (CSV/TSV audit exports, proxy logs, event logs)."""

from __future__ import annotations

import hashlib
from pathlib import Path
from typing import Any

import click

from cli.ingest_cmd import (
    ingest_compressed_file,
    ingest_group,
    max_decompressed_option,
    report_ingest,
)
from cli.output import err, json_option, progress, wants_json
from evidencekit.case.compressed import compression_of
from evidencekit.case.ingest import ingest_file
from evidencekit.case.workspace import Case
from evidencekit.parsers.logdetect import check_zone, detect_log_format, log_formats, log_time_zone

_COUNT_OPTIONS = frozenset({"upload_min_bytes", "tunnel_upload_min_bytes", "max_line"})


@ingest_group.command("log")
@click.argument("path", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option(
    "--format",
    "fmt",
    default="auto",
    show_default=True,
    help="Log format name, or 'auto' to recognise it from the file's header.",
)
@click.option(
    "--mapping",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="Mapping profile (TOML or YAML) for any CSV/TSV export; implies --format mapped_csv.",
)
@click.option(
    "--tz",
    "tz",
    help="Zone of local times in the export (default: the format's, "
    "Asia/Tokyo for Japanese exports). Formats that record UTC are never shifted.",
)
@click.option("--encoding", help="Text encoding (default: detected).")
@click.option(
    "--domains",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="Domain category list (TOML, like evidencekit/parsers/data/domains.toml).",
)
@click.option(
    "-o",
    "--option",
    "extra",
    multiple=True,
    metavar="KEY=VALUE",
    help="Parser option, e.g. internal_domains=example.co.jp or upload_min_bytes=1024.",
)
@max_decompressed_option("log")
@click.option("--case", "case_dir", required=True, type=click.Path(path_type=Path))
@click.option("--force", is_flag=True, help="Allow a case folder inside the evidence folder.")
@json_option
def log(
    path: Path,
    fmt: str,
    mapping: Path | None,
    tz: str | None,
    encoding: str | None,
    domains: Path | None,
    extra: tuple[str, ...],
    max_decompressed: int,
    case_dir: Path,
    force: bool,
    as_json: bool,
) -> None:
    """Ingest a log export: Microsoft 365 / Google Workspace audit CSV, message trace,
    proxy logs, Purview / Code42 exports, door and HR CSVs, Windows event logs, or any
    CSV/TSV through --mapping. Records read and failed are counted per source. A rotated
    log compressed with xz, gzip or bzip2 is decompressed (bounded) into the case folder and
    read; the compressed file is the evidence."""
    options: dict[str, Any] = {}
    compressed = compression_of(path) is not None
    if mapping is not None:
        if fmt not in ("auto", "mapped_csv"):
            raise click.UsageError("--mapping goes with --format mapped_csv (or no --format)")
        fmt = "mapped_csv"
        options["mapping"] = str(mapping)
        options["mapping_sha256"] = hashlib.sha256(mapping.read_bytes()).hexdigest()
    elif fmt == "auto" and compressed:
        pass  # recognised on the decompressed bytes
    elif fmt == "auto":
        fmt = detect_log_format(path)
        if not wants_json(as_json):
            err.print(f"format: {fmt} (recognised from the file's header)")
    elif fmt not in log_formats():
        raise click.UsageError(f"unknown log format {fmt!r}; known: {', '.join(log_formats())}")
    if encoding:
        options["encoding"] = encoding
    if domains is not None:
        options["domains_file"] = str(domains)
        options["domains_sha256"] = hashlib.sha256(domains.read_bytes()).hexdigest()
    for item in extra:
        key, sep, value = item.partition("=")
        if not sep or not key.isidentifier():
            raise click.UsageError(f"--option takes KEY=VALUE, not {item!r}")
        if key in _COUNT_OPTIONS and not value.isdigit():
            raise click.UsageError(f"--option {key} takes a whole number, not {value!r}")
        options[key] = int(value) if key in _COUNT_OPTIONS else value
    if compressed:
        _compressed(path, fmt, tz, options, Case(case_dir), (force, max_decompressed, as_json))
        return
    zone = log_time_zone(fmt, tz, options)
    if tz is not None and zone != tz and not wants_json(as_json):
        err.print(f"note: {fmt} records {zone} by definition; --tz {tz} is not applied")
    case = Case(case_dir)
    with progress(f"hashing {path.name}", path.stat().st_size, as_json) as advance:
        summary = ingest_file(
            case, path, fmt, time_zone=zone, options=options, force=force, progress=advance
        )
    report_ingest(summary, as_json)


def _compressed(
    path: Path,
    fmt: str,
    tz: str | None,
    options: dict[str, Any],
    case: Case,
    how: tuple[bool, int, bool],
) -> None:
    as_json = how[2]
    if tz is not None:
        check_zone(tz)  # before the file is hashed and unpacked
    parser = None if fmt == "auto" else fmt
    summary = ingest_compressed_file(case, path, parser, tz, options, (*how, "log"))
    if fmt == "auto" and not wants_json(as_json):
        err.print(f"format: {summary.source.parser} (recognised from the decompressed header)")
    report_ingest(summary, as_json)

"""``evidencekit ingest image``: read a disk image (raw, split, E01) into a case."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import click
from rich.progress import BarColumn, DownloadColumn, Progress, TextColumn, TimeElapsedColumn

from cli.ingest_cmd import ingest_group
from cli.output import emit, err, interactive, json_option, out
from evidencekit.case.ingest_image import ImageIngestSummary, ingest_image
from evidencekit.case.ingest_image import Progress as ProgressFn
from evidencekit.case.workspace import Case
from evidencekit.sources.markings import DEFAULT_MARKINGS


@contextmanager
def _progress(name: str, as_json: bool) -> Iterator[ProgressFn | None]:
    """A bar for bytes (hashing and content) and a counter for entries, on a terminal."""
    if not interactive(as_json):
        yield None
        return
    columns = (TextColumn("{task.description}"), BarColumn(), DownloadColumn(),
               TextColumn("{task.fields[entries]} entries"), TimeElapsedColumn())  # fmt: skip
    with Progress(*columns, console=err, transient=True) as bar:
        task = bar.add_task(name, total=None, entries=0)
        counts = {"entries": 0}

        def advance(kind: str, n: int) -> None:
            if kind == "entries":
                counts["entries"] += n
                if counts["entries"] % 64 == 0:
                    bar.update(task, entries=counts["entries"])
            else:
                bar.advance(task, n)

        yield advance


def _report(summary: ImageIngestSummary, as_json: bool) -> None:
    s, c = summary.source, summary.counts
    data = {
        "source": s.model_dump(mode="json"),
        "events": summary.events,
        "issues": summary.issues,
        "entries": c.entries,
        "files": c.files,
        "directories": c.dirs,
        "deleted": c.deleted,
        "recovered": c.recovered,
        "unrecoverable": c.unrecoverable,
        "marked": c.marked,
        "streams": c.streams,
        "inventory": str(summary.inventory),
        "body_file": str(summary.body),
        "problems": list(summary.problems),
    }

    def human() -> None:
        out.print(f"{s.name} ({s.format}, {s.size} bytes) SHA-256 {s.sha256} (source {s.id})")
        out.print(
            f"  {c.entries} entries: {c.files} files, {c.dirs} directories, {c.deleted} deleted "
            f"({c.recovered} recovered, {c.unrecoverable} unrecoverable), {c.marked} marked, "
            f"{c.streams} alternate data streams"
        )
        out.print(f"  {summary.events} events, {summary.issues} parse issues")
        out.print(f"  inventory {summary.inventory}\n  body file {summary.body}")
        for problem in summary.problems:
            out.print(f"  problem: {problem}")

    emit(data, as_json, human)
    if summary.nothing_read:
        reasons = "; ".join(summary.problems) or "no file system was found"
        err.print(f"Nothing could be read from {s.name}: {reasons}")
        raise SystemExit(1)


@ingest_group.command("image")
@click.argument("path", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--case", "case_dir", required=True, type=click.Path(path_type=Path),
              help="The case folder (from 'case init').")  # fmt: skip
@click.option("--tz", "time_zone", default=None,
              help="Zone the FAT/exFAT/ISO 9660 clock ran in (default: case zone).")  # fmt: skip
@click.option("--marking", "markings", multiple=True,
              help="Marking term to look for (repeatable; replaces the default list).")  # fmt: skip
@click.option("--force", is_flag=True, help="Allow a case folder inside the evidence folder.")
@json_option
def image(
    path: Path,
    case_dir: Path,
    time_zone: str | None,
    markings: tuple[str, ...],
    force: bool,
    as_json: bool,
) -> None:
    """Ingest a disk image: raw/dd, split raw (.001) or EWF (.E01, multi-segment).

    Hashes the media (MD5, SHA-1, SHA-256; EWF also checked against its stored
    hashes), walks every file system including deleted entries, hashes and types
    every file, finds confidentiality markings, and writes events, an inventory and a
    body file. The image is hashed again afterwards; any change is an error.
    """
    case = Case(case_dir)
    with _progress(path.name, as_json) as advance:
        summary = ingest_image(
            case, path, time_zone, force, markings or DEFAULT_MARKINGS, progress=advance
        )
    _report(summary, as_json)

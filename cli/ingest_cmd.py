"""``evidencekit ingest``: read evidence into a case."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import click

from cli.lazy import LazyGroup
from cli.output import F, emit, err, json_option, out, progress, wants_json
from evidencekit.case.ingest import IngestSummary, ingest_file
from evidencekit.case.workspace import Case


@click.group(
    "ingest",
    cls=LazyGroup,
    lazy={
        "image": "cli.ingest_image_cmd",
        "log": "cli.ingest_log_cmd",
        "artifact": "cli.ingest_artifact_cmd",
    },
)
def ingest_group() -> None:
    """Read evidence (images, logs, artifacts, structured events) into a case."""


def max_decompressed_option(what: str) -> Callable[[F], F]:
    """``--max-decompressed`` for a command that unpacks .xz/.gz/.bz2 ``what`` (bounded)."""
    from evidencekit.case.compressed import DEFAULT_LIMIT

    option: Callable[[F], F] = click.option(
        "--max-decompressed",
        type=click.IntRange(min=1),
        default=DEFAULT_LIMIT,
        show_default=True,
        help=f"Largest decompressed size (bytes) of an .xz/.gz/.bz2 {what}; beyond it, refused.",
    )
    return option


def ingest_compressed_file(
    case: Case,
    path: Path,
    parser: str | None,
    tz: str | None,
    options: dict[str, Any],
    how: tuple[bool, int, bool, str],
) -> IngestSummary:
    """Ingest an .xz/.gz/.bz2 file with progress (``how``: force, the decompressed-size
    limit, JSON output, and ``artifact`` or ``log``); a damaged or oversized stream is a
    clean CLI error."""
    from evidencekit.case.compressed import ingest_compressed
    from evidencekit.errors import UnreadableInput

    force, limit, as_json, kind = how
    with progress(f"hashing {path.name}", path.stat().st_size, as_json) as advance:
        try:
            return ingest_compressed(
                case, path, parser, tz, options, force=force, progress=advance, limit=limit,
                kind=kind,
            )  # fmt: skip
        except UnreadableInput as exc:
            raise click.ClickException(exc.diagnostics()) from exc


def report_ingest(summary: IngestSummary, as_json: bool) -> None:
    """Print an ingest summary; exit non-zero when nothing at all could be read."""
    s = summary.source
    data = {"source": s.model_dump(mode="json"), "events": summary.events, "issues": summary.issues}
    if summary.unused_options:
        data["unused_options"] = list(summary.unused_options)
        if not wants_json(as_json):
            err.print(
                f"note: option(s) {', '.join(summary.unused_options)} were given but never read "
                f"by {s.parser} (misspelt, or not this format's); recorded as given"
            )
    emit(
        data,
        as_json,
        lambda: out.print(
            f"{s.name}: {summary.events} events, {s.records_read} records read, "
            f"{s.records_failed} failed, {summary.issues} parse issues (source {s.id})"
        ),
    )
    if summary.nothing_read:
        why = "see the parse issues in the case" if summary.issues else "it holds no records"
        err.print(f"Nothing could be read from {s.name}; {why}.")
        raise SystemExit(1)


@ingest_group.command("events")
@click.argument("path", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--case", "case_dir", required=True, type=click.Path(path_type=Path))
@click.option("--force", is_flag=True, help="Allow a case folder inside the evidence folder.")
@json_option
def events(path: Path, case_dir: Path, force: bool, as_json: bool) -> None:
    """Ingest structured events (evidencekit event JSON lines) from another tool.

    One JSON object a line: the content of an event (schemas/event.schema.json) without
    id, salt, source and locator, which are assigned here (the locator is the line and byte
    offset in this file; keep the producer's own in attributes). time is the canonical UTC
    form or ISO 8601 with an offset.
    """
    case = Case(case_dir)
    with progress(f"hashing {path.name}", path.stat().st_size, as_json) as advance:
        summary = ingest_file(case, path, "events_jsonl", force=force, progress=advance)
    report_ingest(summary, as_json)

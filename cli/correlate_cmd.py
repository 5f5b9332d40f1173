"""``evidencekit correlate``: derive *copy to removable media* events in a case."""

from __future__ import annotations

from pathlib import Path

import click

from cli.output import emit, json_option, out
from evidencekit.case.workspace import Case
from evidencekit.events.correlate import RULE, store_correlations
from evidencekit.events.devices import events_from_lines


@click.command("correlate")
@click.option("--case", "case_dir", required=True, type=click.Path(path_type=Path))
@json_option
def correlate(case_dir: Path, as_json: bool) -> None:
    """Derive copy-to-removable events: a file opened from a removable volume whose name
    and size match a fixed-disk file, on a volume tied to a USB device connected at the
    time. Each derived event cites the ids of the events it rests on."""
    case = Case(case_dir)
    source, stored = store_correlations(case.store, events_from_lines(case.store.event_lines()))
    if stored:
        case.custody.append(
            "analysis",
            f"correlation {RULE}: {stored} derived events",
            details={"source_id": source.id, "events": stored, "cited_sha256": source.sha256},
        )
    data = {
        "rule": RULE,
        "source": source.model_dump(mode="json"),
        "stored": stored,
        "found": source.events,
    }
    emit(
        data,
        as_json,
        lambda: out.print(f"{RULE}: {source.events} found, {stored} stored (source {source.id})"),
    )

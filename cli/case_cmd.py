"""``evidencekit case``: create and inspect case folders."""

from __future__ import annotations

from pathlib import Path

import click

from cli.output import emit, json_option, out
from evidencekit.case.workspace import Case


@click.group("case")
def case_group() -> None:
    """Create and inspect case folders."""


@case_group.command("init")
@click.argument("directory", type=click.Path(path_type=Path))
@click.option("--id", "case_id", required=True, help="Case number, e.g. EK-2025-001.")
@click.option("--title", default="", help="Short case title.")
@click.option("--examiner", default=None, help="Examiner name (recorded in the custody log).")
@click.option("--organisation", default=None, help="Examiner's organisation.")
@click.option(
    "--tz",
    "time_zone",
    default="Asia/Tokyo",
    show_default=True,
    help="Default zone of local times in sources.",
)
@json_option
def init(
    directory: Path,
    case_id: str,
    title: str,
    examiner: str | None,
    organisation: str | None,
    time_zone: str,
    as_json: bool,
) -> None:
    """Create a case folder with a fresh case secret and a custody log."""
    case = Case.init(directory, case_id, title, examiner, organisation, time_zone)
    emit(
        {"case": str(case.root), "case_id": case_id},
        as_json,
        lambda: out.print(
            f"Created case {case_id} in {case.root}\n"
            "The case secret (secret.key) stays in this folder and is never "
            "packaged."
        ),
    )


@case_group.command("info")
@click.option("--case", "case_dir", required=True, type=click.Path(path_type=Path))
@json_option
def info(case_dir: Path, as_json: bool) -> None:
    """Show a case's sources, timeline versions and custody entries."""
    case = Case(case_dir)
    sources = case.store.sources()
    data = {
        "case_id": case.meta.case_id,
        "title": case.meta.title,
        "sources": [
            s.model_dump(
                mode="json", include={"id", "name", "format", "sha256", "events", "records_failed"}
            )
            for s in sources
        ],
        "timeline_versions": case.timeline_versions(),
        "custody_entries": len(case.custody.entries()),
    }

    def human() -> None:
        out.print(f"Case {case.meta.case_id} {case.meta.title}")
        for s in sources:
            out.print(f"  {s.id}  {s.format:<16} {s.events:>9} events  {s.name}")
        out.print(
            f"Timeline versions: {data['timeline_versions'] or 'none'}; "
            f"custody entries: {data['custody_entries']}"
        )

    emit(data, as_json, human)

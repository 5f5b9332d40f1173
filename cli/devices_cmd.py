"""``evidencekit devices``: the removable-device inventory of a case."""

from __future__ import annotations

from pathlib import Path

import click

from cli.output import emit, json_option, out
from evidencekit.case.workspace import Case
from evidencekit.events.devices import build_inventory, events_from_lines


@click.command("devices")
@click.option("--case", "case_dir", required=True, type=click.Path(path_type=Path))
@json_option
def devices(case_dir: Path, as_json: bool) -> None:
    """Removable devices seen in the case: vendor, product, serial, volume serial, label,
    drive letter, first and last connection, users, and the events each rests on."""
    case = Case(case_dir)
    rows = build_inventory(events_from_lines(case.store.event_lines()))
    data = [row.as_dict() for row in rows]

    def human() -> None:
        if not rows:
            out.print("No removable devices in this case.")
            return
        for row in rows:
            if not row.identified:
                out.print("(unidentified removable drive: no serial, volume serial or label "
                          "in the records)")  # fmt: skip
            else:
                out.print(f"{row.usb_serial}  {' '.join(sorted(row.vendor | row.product))}")
            for label, value in (
                ("volume serial", ", ".join(sorted(row.volume_serials))),
                ("label", ", ".join(sorted(row.labels))),
                ("drive letter", ", ".join(sorted(row.drive_letters))),
                ("first connection", row.first_connection),
                ("last connection", row.last_connection),
                ("last removal", row.last_removal),
                ("users", ", ".join(sorted(row.users))),
                ("events", str(len(row.event_ids))),
            ):
                out.print(f"  {label:<17} {value or '-'}")

    emit(data, as_json, human)

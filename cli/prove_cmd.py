"""``evidencekit prove``: export one event with its inclusion proof and signed tree head."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from cli.output import emit, json_option, out
from evidencekit.verify.proof import export_event_proof, write_bundle


@click.command("prove")
@click.argument("package", type=click.Path(exists=True, path_type=Path))
@click.argument("event_id")
@click.option("-o", "--out", "out_file", type=click.Path(path_type=Path), help="Output file.")
@json_option
def prove(package: Path, event_id: str, out_file: Path | None, as_json: bool) -> None:
    """Export EVENT_ID from PACKAGE with its Merkle proof, head, manifest and signatures.

    Counsel checks the result with ``evidencekit verify-proof FILE --trust ...`` without
    receiving the rest of the timeline.
    """
    bundle = export_event_proof(package, event_id)
    if out_file is None:
        sys.stdout.write(bundle.canonical_bytes().decode("utf-8") + "\n")
        return
    write_bundle(bundle, out_file)
    data = {"event_id": event_id, "leaf_index": bundle.proof.leaf_index, "file": str(out_file)}
    emit(
        data,
        as_json,
        lambda: out.print(
            f"Proof of event {event_id} (leaf {bundle.proof.leaf_index}) written to {out_file}"
        ),
    )

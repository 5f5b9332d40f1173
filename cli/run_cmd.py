"""``evidencekit run`` and ``evidencekit demo``: the whole job for one case."""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import click
from rich.table import Table

from cli.output import emit, err, interactive, json_option, out
from evidencekit.case.pipeline import RunSummary, Step, run
from evidencekit.demo import build_sample_case
from evidencekit.demo.build import CASE_TOML
from evidencekit.demo.keys import DEMO_PASSPHRASE


@contextmanager
def _steps(as_json: bool) -> Iterator[Step]:
    """One progress display: a spinner with the current step on a terminal, plain lines
    on stderr elsewhere (stdout stays clean for --json)."""
    if interactive(as_json):
        with err.status("starting") as status:
            yield lambda text: status.update(text)
    else:
        yield lambda text: err.print(f"· {text}")


def _data(summary: RunSummary) -> dict[str, object]:
    return {
        "case": str(summary.case_dir),
        "sources": [vars(s) for s in summary.sources],
        "events": summary.events,
        "parse_issues": summary.parse_issues,
        "timeline_version": summary.timeline_version,
        "merkle_root": summary.merkle_root,
        "findings": summary.findings,
        "elements": summary.elements,
        "report": str(summary.report),
        "annex": str(summary.annex),
        "package": str(summary.package),
        "archive": str(summary.archive),
        "verified": summary.verified,
        "verification": summary.verification,
    }


def _print(summary: RunSummary) -> None:
    table = Table(title="Sources", show_lines=False)
    for col in ("source", "format", "events", "read", "failed", "issues"):
        table.add_column(col, justify="right" if col not in ("source", "format") else "left")
    for s in summary.sources:
        note = " (already ingested)" if s.reused else ""
        table.add_row(
            s.path + note,
            s.format,
            str(s.events),
            str(s.records_read),
            str(s.records_failed),
            str(s.issues),
        )
    out.print(table)
    elements = Table(title="Legal elements (records, not conclusions)")
    for col in ("element", "status", "findings"):
        elements.add_column(col)
    for e in summary.elements:
        elements.add_row(
            f"{e['label_ja']} / {e['label_en']}",
            f"{e['status_ja']} ({e['status']})",
            str(e["findings"]),
        )
    out.print(elements)
    out.print(
        f"Timeline v{summary.timeline_version}: {summary.events} events, "
        f"{summary.parse_issues} parse issues, {summary.findings} findings"
    )
    out.print(f"Merkle tree head: {summary.merkle_root}")
    out.print(f"Report:  {summary.report}\nAnnex (sealed, 別紙・非開示): {summary.annex}")
    out.print(f"Package: {summary.package}\nArchive: {summary.archive}")
    for line in summary.verification:
        out.print(f"  {line}")


@click.command("run")
@click.argument("definition", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@json_option
def run_cmd(definition: Path, as_json: bool) -> None:
    """Run the whole job for a case.toml: ingest, timeline, analysis, report, package, verify."""
    with _steps(as_json) as step:
        summary = run(definition, step)
    emit(_data(summary), as_json, lambda: _print(summary))
    if not summary.verified:
        raise SystemExit(1)


@click.command("demo")
@click.argument(
    "directory", type=click.Path(file_okay=False, path_type=Path), default=Path("evidencekit-demo")
)
@json_option
def demo_cmd(directory: Path, as_json: bool) -> None:
    """Build the bundled sample case into DIRECTORY from scratch and run it."""
    own = directory / "case.toml"
    if own.is_file() and own.read_text("utf-8", errors="replace") != CASE_TOML:
        raise click.ClickException(
            f"{own} is not the sample case's; the demo would overwrite it (and sources/, keys/)."
            " Choose a new folder."
        )
    with _steps(as_json) as step:
        step("build the sample case (image with mkfs.vfat + mtools, log exports, keys)")
        definition, keys = build_sample_case(directory.resolve())
        # Demo keys only: their passphrase is published in evidencekit.demo.keys; it wins
        # over one set for the examiner's own keys, which cannot open these.
        os.environ["EVIDENCEKIT_KEY_PASSPHRASE"] = DEMO_PASSPHRASE
        summary = run(definition, step)
    data = _data(summary)
    data["trust_anchors"] = [str(keys.ca_cert), str(keys.reviewer_public)]

    def human() -> None:
        _print(summary)
        out.print("\nTrust anchors (give these to counsel out of band):")
        out.print(f"  {keys.ca_cert}\n  {keys.reviewer_public}")
        out.print(
            f"Verify: evidencekit verify {summary.archive} --trust {keys.ca_cert} "
            f"--trust {keys.reviewer_public}"
        )

    emit(data, as_json, human)
    if not summary.verified:
        raise SystemExit(1)

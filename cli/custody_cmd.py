"""``evidencekit custody``: record the physical steps software cannot see; show and check
the hash-chained chain-of-custody log."""

from __future__ import annotations

import re
from pathlib import Path
from typing import get_args

import click

from cli.output import emit, json_option, out
from evidencekit.case.custody import CustodyAction
from evidencekit.case.workspace import Case
from evidencekit.errors import CaseError, TimelineError
from evidencekit.timeline.chain import chain_tail

#: Actions a person records; the others are written by the software itself.
MANUAL_ACTIONS = ("seizure", "sealing", "transfer", "acquisition", "analysis", "export",
                  "verification", "report", "note")  # fmt: skip
assert set(MANUAL_ACTIONS) <= set(get_args(CustodyAction))  # noqa: S101 - import-time invariant


def _pairs(values: tuple[str, ...], what: str, check: str | None = None) -> dict[str, str]:
    found: dict[str, str] = {}
    for value in values:
        name, sep, text = value.partition("=")
        if not sep or not name:
            raise click.BadParameter(f"{value!r} is not NAME=VALUE", param_hint=what)
        if check and not re.fullmatch(check, text):
            raise click.BadParameter(
                f"{value!r}: not a 64-digit lower-case hex SHA-256", param_hint=what
            )
        found[name] = text
    return found


@click.group("custody")
def custody_group() -> None:
    """The chain-of-custody log (hash-chained, starts at case init)."""


@custody_group.command("add")
@click.option("--case", "case_dir", required=True, type=click.Path(path_type=Path))
@click.option("--action", required=True, type=click.Choice(MANUAL_ACTIONS))
@click.option("--who", required=True, help="Person who acted.")
@click.option("--witness", default=None, help="Witness (立会人).")
@click.option("--what", required=True, help="What was done, to what (seal numbers, bags...).")
@click.option("--evidence", multiple=True, help="NAME=SHA256 of an item (repeatable).")
@click.option("--detail", multiple=True, help="KEY=VALUE, e.g. seal=JP-000123 (repeatable).")
@click.option("--notes", default=None)
@json_option
def add(
    case_dir: Path,
    action: str,
    who: str,
    witness: str | None,
    what: str,
    evidence: tuple[str, ...],
    detail: tuple[str, ...],
    notes: str | None,
    as_json: bool,
) -> None:
    """Record a physical step (seizure, sealing, transfer, ...) in the custody log."""
    case = Case(case_dir)
    digest = case.custody.append(
        action,  # type: ignore[arg-type]  # checked by click.Choice against CustodyAction
        what,
        who=who,
        witness=witness,
        notes=notes,
        evidence=_pairs(evidence, "--evidence", r"[0-9a-f]{64}"),
        details=_pairs(detail, "--detail"),
    )
    emit({"entry_sha256": digest}, as_json, lambda: out.print(f"Recorded {action}: {digest}"))


@custody_group.command("show")
@click.option("--case", "case_dir", required=True, type=click.Path(path_type=Path))
@json_option
def show(case_dir: Path, as_json: bool) -> None:
    """List every custody entry (after checking the chain)."""
    custody = Case(case_dir).custody
    try:
        entries = custody.entries()
    except (TimelineError, ValueError) as exc:
        raise CaseError(f"custody log {custody.path} is damaged: {exc}") from exc

    def human() -> None:
        for n, e in enumerate(entries):
            witness = f" (witness {e.witness})" if e.witness else ""
            out.print(f"{n:>4} {e.time} {e.action:<15} {e.who}{witness}: {e.what}", markup=False)
            for name, sha in e.evidence.items():
                out.print(f"       {name} sha256 {sha}", markup=False)

    emit([e.model_dump(mode="json", exclude_none=True) for e in entries], as_json, human)


@custody_group.command("verify")
@click.option("--case", "case_dir", required=True, type=click.Path(path_type=Path))
@json_option
def verify(case_dir: Path, as_json: bool) -> None:
    """Check every link of the custody log; exit non-zero when it is damaged."""
    case = Case(case_dir)
    try:
        entries = case.custody.entries()
        _, head = chain_tail(case.custody.path, "entry")
    except (TimelineError, CaseError, ValueError) as exc:
        raise CaseError(f"custody log {case.custody.path} is damaged: {exc}") from exc
    emit(
        {"entries": len(entries), "head": head},
        as_json,
        lambda: out.print(f"Custody log intact: {len(entries)} entries, head {head}"),
    )

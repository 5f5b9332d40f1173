"""``evidencekit timeline``: seal, verify and prove."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from cli.output import emit, err, json_option, out
from evidencekit.case.workspace import Case
from evidencekit.errors import EvidenceKitError
from evidencekit.timeline.seal import (
    HEAD_FILE,
    InclusionProof,
    prove_event,
    read_head,
    verify_inclusion_proof,
    verify_timeline,
)


@click.group("timeline")
def timeline_group() -> None:
    """Seal the case timeline, verify timeline files, export inclusion proofs."""


@timeline_group.command("seal")
@click.option("--case", "case_dir", required=True, type=click.Path(path_type=Path))
@click.option(
    "--append",
    is_flag=True,
    help="Keep the previous version as a prefix (supplementary evidence) so a "
    "consistency proof links the two.",
)
@json_option
def seal_cmd(case_dir: Path, append: bool, as_json: bool) -> None:
    """Build a new timeline version from everything ingested."""
    case = Case(case_dir)
    head = case.seal(append=append)
    data = head.model_dump(mode="json", exclude_none=True)
    data["path"] = str(case.timeline_dir(head.version))

    def human() -> None:
        out.print(
            f"Timeline version {head.version}: {head.size} events "
            f"({head.undated} without a usable time, {head.duplicates_dropped} duplicates "
            f"dropped)"
        )
        out.print(f"  Merkle tree head: {head.merkle_root}")
        out.print(f"  chain head:       {head.chain_head}")
        if head.consistency_proof is not None and head.previous is not None:
            out.print(
                f"  consistent with version {head.previous.version} ({head.previous.size} events)"
            )
        out.print(f"  {data['path']}")

    emit(data, as_json, human)


@timeline_group.command("verify")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option(
    "--head",
    "head_file",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="Head file (default: head.json beside the timeline).",
)
@json_option
def verify_cmd(file: Path, head_file: Path | None, as_json: bool) -> None:
    """Check a timeline file line by line; exit 0 only when it is intact."""
    head_path = head_file or file.with_name(HEAD_FILE)
    result: dict[str, object] = {"file": str(file), "head": str(head_path)}
    try:
        if not head_path.is_file():
            raise EvidenceKitError(
                f"no head file {head_path}: the end of the timeline and its "
                "tree head cannot be checked"
            )
        head = read_head(head_path)
        result["events"] = verify_timeline(file, head)
        result.update(intact=True, merkle_root=head.merkle_root)
    except EvidenceKitError as exc:
        result.update(intact=False, error=exc.diagnostics(), line=getattr(exc, "line", None))
    emit(
        result,
        as_json,
        lambda: (
            out.print(f"INTACT: {result['events']} events, tree head {result['merkle_root']}")
            if result["intact"]
            else err.print(f"DAMAGED: {result['error']}")
        ),
    )
    sys.exit(0 if result["intact"] else 1)


@timeline_group.command("prove")
@click.argument("event_id")
@click.option("--case", "case_dir", required=True, type=click.Path(path_type=Path))
@click.option("--version", "version", type=int, default=None, help="Timeline version.")
@click.option("-o", "--output", type=click.Path(dir_okay=False, path_type=Path), default=None)
@json_option
def prove_cmd(
    event_id: str, case_dir: Path, version: int | None, output: Path | None, as_json: bool
) -> None:
    """Export one event with its Merkle inclusion proof (to stdout without -o)."""
    case = Case(case_dir)
    folder = case.timeline_dir(version)
    proof = prove_event(folder / "timeline.jsonl", read_head(folder / HEAD_FILE), event_id)
    text = proof.model_dump_json(indent=2)
    if output:
        output.write_text(text + "\n")
        data = {"event_id": event_id, "leaf_index": proof.leaf_index, "file": str(output)}
        emit(
            data | {"tree_size": proof.tree_size},
            as_json,
            lambda: out.print(
                f"Proof for event {event_id} (leaf {proof.leaf_index} of {proof.tree_size}) "
                f"written to {output}"
            ),
        )
    else:
        sys.stdout.write(text + "\n")


@timeline_group.command("check-proof")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option(
    "--root",
    "expected_root",
    default=None,
    help="The tree head you trust (e.g. from a signed manifest).",
)
@json_option
def check_proof_cmd(file: Path, expected_root: str | None, as_json: bool) -> None:
    """Check an inclusion proof file against its tree head (and a trusted head)."""
    result: dict[str, object] = {"file": str(file)}
    try:
        proof = InclusionProof.model_validate_json(file.read_bytes())
        verify_inclusion_proof(proof)
        if expected_root and proof.merkle_root != expected_root.lower():
            raise EvidenceKitError("the proof's tree head is not the trusted one")
        result.update(
            valid=True,
            event_id=proof.event.get("id"),
            leaf_index=proof.leaf_index,
            merkle_root=proof.merkle_root,
            trusted_root=bool(expected_root),
        )
    except (EvidenceKitError, ValueError) as exc:
        result.update(valid=False, error=str(exc))
    emit(
        result,
        as_json,
        lambda: (
            out.print(
                f"VALID: event {result.get('event_id')} is leaf {result.get('leaf_index')} under "
                f"{result.get('merkle_root')}"
                + ("" if expected_root else " (tree head not checked against a trusted one)")
            )
            if result["valid"]
            else err.print(f"INVALID: {result['error']}")
        ),
    )
    sys.exit(0 if result["valid"] and expected_root else (0 if result["valid"] else 1))

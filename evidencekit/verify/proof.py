"""Selective disclosure: one event, its Merkle inclusion proof and the signed tree head.

The bundle carries the event, the audit path, ``head.json`` and ``manifest.json``
(whose hashes the tag manifest lists), the tag manifest itself and the signature
files over it. Checking it proves the event belongs to the signed timeline without
the rest of the timeline. Event leaves are salted (see the timeline), so the other
hashes on the path reveal nothing guessable.
"""

from __future__ import annotations

import base64
import hashlib
import tempfile
from collections.abc import Sequence
from pathlib import Path
from typing import Literal

from cryptography import x509
from pydantic import BaseModel, ConfigDict

from evidencekit.errors import EvidenceKitError, ProofError
from evidencekit.package import bagit
from evidencekit.package.archive import safe_extract
from evidencekit.package.bagit import SIGNATURES, TAGMANIFEST
from evidencekit.package.manifest import PackageManifest
from evidencekit.timeline.canonical import dumps, loads_strict
from evidencekit.timeline.seal import (
    InclusionProof,
    TimelineHead,
    prove_event,
    read_head,
    verify_inclusion_proof,
)
from evidencekit.verify.policy import Anchor, Policy, policy_for
from evidencekit.verify.report import PackageVerificationError, VerificationReport
from evidencekit.verify.signatures import check_signatures
from evidencekit.verify.tsa import check_timestamp


class EventProofBundle(BaseModel):
    """An exported event with everything needed to check it belongs to a signed head."""

    model_config = ConfigDict(frozen=True, extra="forbid")
    format: Literal["evidencekit-event-proof/1"] = "evidencekit-event-proof/1"
    proof: InclusionProof
    head_json: str
    manifest_json: str
    tagmanifest: str
    signatures: dict[str, str]

    def canonical_bytes(self) -> bytes:
        """RFC 8785 bytes of the bundle, as written by :func:`write_bundle`."""
        return dumps(self.model_dump(mode="json"))


def export_event_proof(package: Path, event_id: str) -> EventProofBundle:
    """Build the proof bundle for ``event_id`` from a package folder or archive."""
    if package.is_file():
        with tempfile.TemporaryDirectory(prefix="evidencekit-prove-") as tmp:
            return _export(safe_extract(package, Path(tmp) / "x"), event_id)
    return _export(package, event_id)


def _export(bag: Path, event_id: str) -> EventProofBundle:
    meta = bag / "metadata"
    head = read_head(meta / "head.json")
    proof = prove_event(meta / "timeline.jsonl", head, event_id)
    folder = bag / SIGNATURES
    sigs = {
        p.name: base64.b64encode(p.read_bytes()).decode()
        for p in sorted(folder.iterdir() if folder.is_dir() else [])
        if p.is_file()
    }
    return EventProofBundle(
        proof=proof,
        head_json=(meta / "head.json").read_text(encoding="utf-8"),
        manifest_json=(meta / "manifest.json").read_text(encoding="utf-8"),
        tagmanifest=(bag / TAGMANIFEST).read_text(encoding="utf-8"),
        signatures=sigs,
    )


def read_bundle(path: Path) -> EventProofBundle:
    """Read a proof bundle (duplicate keys refused)."""
    return EventProofBundle.model_validate(loads_strict(path.read_bytes()))


def verify_event_proof(
    bundle: EventProofBundle,
    anchors: Sequence[Anchor],
    tsa_roots: Sequence[x509.Certificate] = (),
    policy: Policy | None = None,
) -> VerificationReport:
    """Check the bundle: signatures and trust, head and manifest under the tag manifest,
    and the event's inclusion under the head. Raises PackageVerificationError."""
    report = VerificationReport(package="event proof")
    tagmanifest = bundle.tagmanifest.encode("utf-8")
    files = {k: base64.b64decode(v, validate=True) for k, v in bundle.signatures.items()}
    results = check_signatures(files, tagmanifest, anchors, tsa_roots)
    report.signatures = results
    for r in results:
        report.add(f"signature {r.file}", list(r.problems), f"{r.signer}, key {r.key_fingerprint}")
    failures = (policy or policy_for(anchors)).failures(results) if anchors else []
    if not anchors:
        failures = ["signer not trusted: no trusted key or certificate given (--trust)"]
    report.add("signer trust", failures, "a signer vouched for by an outside anchor")
    if "tagmanifest-sha256.txt.tsr" in files:
        stamp = check_timestamp(files["tagmanifest-sha256.txt.tsr"], tagmanifest, tsa_roots)
        report.timestamp = stamp.time
        if stamp.problems or stamp.trusted:
            report.add("time stamp", list(stamp.problems), f"tag manifest existed at {stamp.time}")
        else:
            report.skip("time stamp", f"claims {stamp.time}; no --tsa-root given to check it")
    report.add("tree head", _head_problems(bundle, tagmanifest), "head and manifest are signed")
    problems = _inclusion_problems(bundle.proof)
    report.add("inclusion", problems, _inclusion_detail(bundle.proof, not problems))
    if not report.passed:
        raise PackageVerificationError(report)
    return report


def _head_problems(bundle: EventProofBundle, tagmanifest: bytes) -> list[str]:
    problems: list[str] = []
    listed = bagit.parse_manifest(tagmanifest, TAGMANIFEST, problems)
    for name, text in (("metadata/head.json", bundle.head_json),
                       ("metadata/manifest.json", bundle.manifest_json)):  # fmt: skip
        if listed.get(name) != hashlib.sha256(text.encode("utf-8")).hexdigest():
            problems.append(f"{name} in the bundle is not the one the tag manifest lists")
    try:
        head = TimelineHead.model_validate(loads_strict(bundle.head_json))
        manifest = PackageManifest.from_bytes(bundle.manifest_json.encode("utf-8"))
    except (EvidenceKitError, ValueError) as exc:
        return [*problems, f"head or manifest unreadable: {exc}"]
    proof = bundle.proof
    if (head.merkle_root, head.size) != (proof.merkle_root, proof.tree_size):
        problems.append("the proof names another tree head than the signed head.json")
    if manifest.timeline.merkle_root != head.merkle_root:
        problems.append("the manifest names another Merkle root than head.json")
    return problems


def _inclusion_problems(proof: InclusionProof) -> list[str]:
    try:
        verify_inclusion_proof(proof)
    except ProofError as exc:
        return [f"event is not in the tree: {exc}"]
    return []


def _inclusion_detail(proof: InclusionProof, included: bool) -> str:
    # A failed check must not state the inclusion its problem denies.
    where = "is" if included else "claimed as"
    return (
        f"event {proof.event.get('id')} {where} leaf {proof.leaf_index} of {proof.tree_size} "
        f"under root {proof.merkle_root}"
    )


def write_bundle(bundle: EventProofBundle, out: Path) -> None:
    """Write the bundle as canonical JSON (refuses to overwrite)."""
    with open(out, "xb") as fp:
        fp.write(bundle.canonical_bytes() + b"\n")

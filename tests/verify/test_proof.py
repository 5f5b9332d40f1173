"""Event proofs: a disclosed event checks against the signed head; altered proofs do not."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from evidencekit.package.build import PackageOptions, build_package
from evidencekit.package.signing import load_signer
from evidencekit.verify.policy import load_anchors
from evidencekit.verify.proof import EventProofBundle, export_event_proof, verify_event_proof
from evidencekit.verify.report import PackageVerificationError
from tests.package.conftest import PASSPHRASE, MakeCase, Pki


@pytest.fixture
def bundle(make_case: MakeCase, pki: Pki, tmp_path: Path) -> EventProofBundle:
    signer = load_signer(pki.examiner.sign_spec, PASSPHRASE)
    bag = build_package(make_case(), PackageOptions(out=tmp_path / "pkg", signers=[signer])).path
    line = (bag / "metadata/timeline.jsonl").read_bytes().splitlines()[6]
    return export_event_proof(bag, json.loads(line)["event"]["id"])


def _failed(bundle: EventProofBundle, pki: Pki) -> dict[str, list[str]]:
    with pytest.raises(PackageVerificationError) as info:
        verify_event_proof(bundle, load_anchors(str(pki.root.cert_pem)))
    return {c.name: list(c.problems) for c in info.value.report.checks if c.status == "failed"}


def _with_proof(bundle: EventProofBundle, **changes: object) -> EventProofBundle:
    proof = bundle.proof.model_copy(update=changes)
    return bundle.model_copy(update={"proof": proof})


def test_untouched_bundle_verifies(bundle: EventProofBundle, pki: Pki) -> None:
    report = verify_event_proof(bundle, load_anchors(str(pki.root.cert_pem)))
    assert report.passed
    assert bundle.proof.leaf_index == 6 and bundle.proof.tree_size == 15


def test_flipped_bit_in_audit_path(bundle: EventProofBundle, pki: Pki) -> None:
    path = list(bundle.proof.path)
    path[0] = f"{int(path[0][0], 16) ^ 1:x}" + path[0][1:]
    failed = _failed(_with_proof(bundle, path=path), pki)
    assert list(failed) == ["inclusion"]
    assert failed["inclusion"][0].startswith("event is not in the tree")


def test_wrong_index(bundle: EventProofBundle, pki: Pki) -> None:
    failed = _failed(_with_proof(bundle, leaf_index=7), pki)
    assert list(failed) == ["inclusion"]


@pytest.mark.parametrize("size", [14, 16])
def test_wrong_size_is_caught_by_the_signed_head(
    bundle: EventProofBundle, pki: Pki, size: int
) -> None:
    # An audit path can fit several tree sizes; the size is bound by the signed head.json.
    failed = _failed(_with_proof(bundle, tree_size=size), pki)
    assert failed["tree head"] == ["the proof names another tree head than the signed head.json"]


def test_short_hash_in_path_is_refused(bundle: EventProofBundle, pki: Pki) -> None:
    path = [bundle.proof.path[0][:62], *bundle.proof.path[1:]]
    failed = _failed(_with_proof(bundle, path=path), pki)
    assert failed["inclusion"][0].startswith("event is not in the tree")


def test_proof_against_an_unsigned_head(bundle: EventProofBundle, pki: Pki) -> None:
    head = json.loads(bundle.head_json)
    head["merkle_root"] = "ab" * 32
    forged = bundle.model_copy(update={"head_json": json.dumps(head)})
    failed = _failed(forged, pki)
    assert (
        "metadata/head.json in the bundle is not the one the tag manifest lists"
        in (failed["tree head"])
    )


def test_event_edited(bundle: EventProofBundle, pki: Pki) -> None:
    event = dict(bundle.proof.event)
    event["action"] = "download"
    failed = _failed(_with_proof(bundle, event=event), pki)
    assert list(failed) == ["inclusion"]

"""Signer policies compose and fail closed; trust anchors come only from outside."""

from __future__ import annotations

from pathlib import Path

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ed25519

from evidencekit.package.signing import Signer, generate_ed25519, key_fingerprint, load_signer
from evidencekit.verify.policy import (
    AllOf,
    AnyOf,
    SignedBy,
    TrustError,
    load_anchors,
    policy_for,
)
from evidencekit.verify.signatures import check_signatures
from tests.package.conftest import PASSPHRASE, Pki

DATA = b"0" * 64 + b"  bagit.txt\n"


def _ed_signer(tmp_path: Path, name: str) -> tuple[Signer, Path]:
    key_path, pub_path, _ = generate_ed25519(tmp_path / name, PASSPHRASE)
    return load_signer(str(key_path), PASSPHRASE), pub_path


def test_empty_policies_fail_closed() -> None:
    assert AnyOf(()).failures([]) == ["empty policy: nothing is trusted (fails closed)"]
    assert AllOf(()).failures([]) == ["empty policy: nothing is trusted (fails closed)"]
    assert policy_for([]).failures([]) == ["empty policy: nothing is trusted (fails closed)"]


def test_all_of_needs_every_signer_any_of_one(tmp_path: Path) -> None:
    alice, alice_pub = _ed_signer(tmp_path, "alice")
    bob, bob_pub = _ed_signer(tmp_path, "bob")
    anchors = load_anchors(str(alice_pub)) + load_anchors(str(bob_pub))
    only_alice = check_signatures(alice.signature_files(DATA), DATA, anchors)
    assert [r.trusted_by for r in only_alice] == [(anchors[0].label,)]
    assert AnyOf(tuple(SignedBy(a) for a in anchors)).failures(only_alice) == []
    missing = AllOf(tuple(SignedBy(a) for a in anchors)).failures(only_alice)
    assert missing == [f"no valid signature by a signer trusted through {anchors[1].label}"]
    both = check_signatures({**alice.signature_files(DATA), **bob.signature_files(DATA)}, DATA,
                            anchors)  # fmt: skip
    assert policy_for(anchors, require_all=True).failures(both) == []


def test_carried_public_key_is_shown_but_never_trusted(tmp_path: Path) -> None:
    mallory, _ = _ed_signer(tmp_path, "mallory")
    _, alice_pub = _ed_signer(tmp_path, "alice")
    (result,) = check_signatures(mallory.signature_files(DATA), DATA, load_anchors(str(alice_pub)))
    assert result.valid and result.trusted_by == ()
    assert result.key_fingerprint == key_fingerprint(mallory.key)


def test_fingerprint_received_out_of_band_trusts_the_carried_key(tmp_path: Path) -> None:
    alice, _ = _ed_signer(tmp_path, "alice")
    anchors = load_anchors(key_fingerprint(alice.key))
    (result,) = check_signatures(alice.signature_files(DATA), DATA, anchors)
    assert result.trusted_by == (anchors[0].label,)


def test_swapped_public_key_beside_the_signature_is_caught(tmp_path: Path) -> None:
    alice, _ = _ed_signer(tmp_path, "alice")
    files = alice.signature_files(DATA)
    other = ed25519.Ed25519PrivateKey.generate().public_key()
    files["alice.ed25519.pub"] = other.public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    (result,) = check_signatures(files, DATA, [])
    assert result.problems == (
        "signature does not verify over tagmanifest-sha256.txt (signs other content)",
    )


def test_cms_trusted_by_signer_certificate_pin(pki: Pki) -> None:
    signer = load_signer(pki.examiner.sign_spec, PASSPHRASE)
    files = signer.signature_files(DATA)
    (pinned,) = check_signatures(files, DATA, load_anchors(str(pki.examiner.cert_pem)))
    assert pinned.valid and pinned.trusted_by
    (by_fp,) = check_signatures(files, DATA, load_anchors(key_fingerprint(pki.examiner.cert)))
    assert by_fp.trusted_by
    (other_root,) = check_signatures(files, DATA, load_anchors(str(pki.attacker_root.cert_pem)))
    assert other_root.valid and not other_root.trusted_by
    assert "does not chain to a trusted certificate" in other_root.details["not trusted because"]


def test_bad_trust_arguments_are_errors(tmp_path: Path) -> None:
    with pytest.raises(TrustError, match="no such file and not a sha256: fingerprint"):
        load_anchors(str(tmp_path / "missing.pem"))
    empty = tmp_path / "empty.pem"
    empty.write_text("nothing here\n")
    with pytest.raises(TrustError, match="no certificate or public key found"):
        load_anchors(str(empty))


def test_ed25519_signature_over_other_content_is_caught(tmp_path: Path) -> None:
    alice, alice_pub = _ed_signer(tmp_path, "alice")
    moved = alice.signature_files(b"another package's tag manifest\n")
    (result,) = check_signatures(moved, DATA, load_anchors(str(alice_pub)))
    assert not result.valid and result.trusted_by == ()
    assert result.problems == (
        "signature does not verify over tagmanifest-sha256.txt (signs other content)",
    )


def test_key_generation_refuses_empty_passphrase_and_overwrite(tmp_path: Path) -> None:
    from evidencekit.package.signing import SigningKeyError

    with pytest.raises(SigningKeyError, match="must be encrypted"):
        generate_ed25519(tmp_path / "k", b"")
    generate_ed25519(tmp_path / "k", PASSPHRASE)
    with pytest.raises(SigningKeyError, match="refusing to overwrite a key"):
        generate_ed25519(tmp_path / "k", PASSPHRASE)

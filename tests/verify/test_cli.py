"""The commands counsel and examiners run, end to end: keys, package, verify, countersign,
prove / verify-proof and custody, with exit codes and --json."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from cli.main import cli
from evidencekit.case.workspace import Case
from tests.package.conftest import PASSPHRASE, MakeCase, Pki

ENV = {"EVIDENCEKIT_KEY_PASSPHRASE": PASSPHRASE.decode()}


def run(*args: str | Path) -> Result:
    return CliRunner().invoke(cli, [str(a) for a in args], env=ENV, catch_exceptions=False)


@pytest.fixture
def signed(make_case: MakeCase, pki: Pki, tsa_url: str, tmp_path: Path) -> dict[str, Path]:
    """A case packaged by an X.509 examiner and an Ed25519 key, with a time stamp."""
    keys = run("keys", "generate", tmp_path / "field-key")
    assert keys.exit_code == 0, keys.output
    case = make_case()
    out = tmp_path / "EK-2026-007-001"
    done = run(
        "package", "--case", case.root, "--sign", pki.examiner.sign_spec,
        "--sign", tmp_path / "field-key.key", "--tsa", tsa_url, "--out", out, "--archive",
    )  # fmt: skip
    assert done.exit_code == 0, done.output
    return {"case": case.root, "bag": out, "tar": out.with_name(out.name + ".tar"),
            "key": tmp_path / "field-key.key", "pub": tmp_path / "field-key.pub"}  # fmt: skip


def test_generated_key_is_encrypted_and_fingerprint_matches_openssl(
    signed: dict[str, Path],
) -> None:
    assert b"ENCRYPTED PRIVATE KEY" in signed["key"].read_bytes()
    assert signed["key"].stat().st_mode & 0o077 == 0
    shown = run("keys", "fingerprint", signed["pub"], "--json")
    ours = json.loads(shown.output)[0]["key"]
    der = subprocess.run(
        ["openssl", "pkey", "-pubin", "-in", str(signed["pub"]), "-outform", "DER"],
        capture_output=True, check=True,
    ).stdout  # fmt: skip
    digest = subprocess.run(["sha256sum"], input=der, capture_output=True, check=True).stdout
    assert ours == "sha256:" + digest.split()[0].decode()


def test_openssl_checks_the_ed25519_signature(signed: dict[str, Path]) -> None:
    sig = next((signed["bag"] / "signatures").glob("*.ed25519.sig"))
    done = subprocess.run(
        ["openssl", "pkeyutl", "-verify", "-pubin", "-inkey", str(signed["pub"]), "-rawin",
         "-in", "tagmanifest-sha256.txt", "-sigfile", str(sig)],
        cwd=signed["bag"], capture_output=True, text=True,
    )  # fmt: skip
    assert done.returncode == 0 and "Signature Verified Successfully" in done.stdout


def test_verify_without_trust_checks_integrity_but_exits_non_zero(
    signed: dict[str, Path],
) -> None:
    done = run("verify", signed["bag"])
    assert done.exit_code == 1
    assert "VERDICT: NOT VERIFIED: contents intact, but the signer is not trusted" in done.output
    assert "PASS  payload files" in done.output and "PASS  tag files" in done.output
    assert "CN=Examiner Yamada" in done.output and "key sha256:" in done.output
    assert "FAIL  signer trust" in done.output


def test_verify_with_trust_passes_for_folder_and_archive(signed: dict[str, Path], pki: Pki) -> None:
    done = run("verify", signed["bag"], "--trust", pki.root.cert_pem, "--trust", signed["pub"],
               "--tsa-root", pki.tsa_root.cert_pem, "--require-all")  # fmt: skip
    assert done.exit_code == 0, done.output
    assert "VERDICT: VERIFIED" in done.output and "PASS  time stamp" in done.output
    fingerprint = json.loads(run("keys", "fingerprint", signed["pub"], "--json").output)[0]["key"]
    as_json = run(
        "verify", signed["tar"], "--trust", fingerprint, "--json", "--case", signed["case"]
    )
    assert as_json.exit_code == 0, as_json.output
    data = json.loads(as_json.output)
    assert data["passed"] is True and data["checks"][0]["name"] == "archive"
    assert Case(signed["case"]).custody.entries()[-1].action == "verification"


def test_verify_tampered_package_exits_2(signed: dict[str, Path], pki: Pki) -> None:
    victim = signed["bag"] / "metadata/head.json"
    victim.write_bytes(victim.read_bytes().replace(b'"version":1', b'"version":2'))
    done = run("verify", signed["bag"], "--trust", pki.root.cert_pem)
    assert done.exit_code == 2
    assert "FAIL  tag files" in done.output and "metadata/head.json: SHA-256" in done.output


def test_countersign_and_require_all(signed: dict[str, Path], pki: Pki) -> None:
    both = ("--trust", pki.examiner.cert_pem, "--trust", pki.reviewer.cert_pem, "--require-all")
    before = run("verify", signed["bag"], *both)
    assert before.exit_code == 1 and "Reviewer Suzuki" in before.output
    added = run("package", "countersign", signed["bag"], "--sign", pki.reviewer.sign_spec)
    assert added.exit_code == 0, added.output
    assert "signatures/Reviewer-Suzuki.p7s" in added.output
    after = run("verify", signed["bag"], *both)
    assert after.exit_code == 0, after.output


def test_countersign_refuses_a_damaged_package(signed: dict[str, Path], pki: Pki) -> None:
    (signed["bag"] / "data" / "added.txt").write_bytes(b"x")
    from evidencekit.errors import VerificationError

    with pytest.raises(VerificationError, match="refusing to countersign"):
        run("package", "countersign", signed["bag"], "--sign", pki.reviewer.sign_spec)
    assert not (signed["bag"] / "signatures/Reviewer-Suzuki.p7s").exists()


def test_prove_and_verify_proof(signed: dict[str, Path], pki: Pki, tmp_path: Path) -> None:
    first = (signed["bag"] / "metadata/timeline.jsonl").read_bytes().splitlines()[4]
    event_id = json.loads(first)["event"]["id"]
    proof = tmp_path / "proof.json"
    assert run("prove", signed["tar"], event_id, "-o", proof).exit_code == 0
    done = run("verify-proof", proof, "--trust", pki.root.cert_pem)
    assert done.exit_code == 0, done.output
    assert f"event {event_id} is leaf 4 of 15" in done.output
    assert run("verify-proof", proof).exit_code == 1  # untrusted without --trust
    data = json.loads(proof.read_bytes())
    data["proof"]["event"]["actor"]["user"] = "someone-else"
    proof.write_text(json.dumps(data))
    bad = run("verify-proof", proof, "--trust", pki.root.cert_pem)
    assert bad.exit_code == 2 and "FAIL  inclusion" in bad.output


def test_custody_add_show_verify(signed: dict[str, Path]) -> None:
    case_dir = signed["case"]
    sha = "ab" * 32
    done = run("custody", "add", "--case", case_dir, "--action", "seizure", "--who", "田中",
               "--witness", "佐藤 (総務部)", "--what", "laptop PC-0042 seized, bag sealed",
               "--evidence", f"PC-0042={sha}", "--detail", "seal=JP-000123")  # fmt: skip
    assert done.exit_code == 0, done.output
    shown = json.loads(run("custody", "show", "--case", case_dir, "--json").output)
    last = shown[-1]
    assert (last["action"], last["who"], last["witness"]) == ("seizure", "田中", "佐藤 (総務部)")
    assert last["evidence"] == {"PC-0042": sha} and last["details"] == {"seal": "JP-000123"}
    assert [e["action"] for e in shown][:1] == ["case_created"]
    assert "packaging" in [e["action"] for e in shown] and "export" in [e["action"] for e in shown]
    assert run("custody", "verify", "--case", case_dir).exit_code == 0
    bad = run("custody", "add", "--case", case_dir, "--action", "seizure", "--who", "x",
              "--what", "y", "--evidence", "PC=nothex")  # fmt: skip
    assert bad.exit_code == 2 and "not a 64-digit lower-case hex SHA-256" in bad.output
    log = case_dir / "custody.jsonl"
    log.write_bytes(log.read_bytes().replace("田中".encode(), "山本".encode()))
    from evidencekit.errors import CaseError

    with pytest.raises(CaseError, match=r"custody log .* is damaged"):
        run("custody", "verify", "--case", case_dir)


def test_prove_unknown_event_is_an_error(signed: dict[str, Path], tmp_path: Path) -> None:
    from evidencekit.errors import ProofError

    with pytest.raises(ProofError, match=r"no event with id 0+ in timeline version 1"):
        run("prove", signed["bag"], "0" * 32, "-o", tmp_path / "p.json")
    assert not (tmp_path / "p.json").exists()


def test_countersign_an_archive_writes_a_new_one(signed: dict[str, Path], pki: Pki) -> None:
    original = signed["tar"].read_bytes()
    done = run("package", "countersign", signed["tar"], "--sign", pki.reviewer.sign_spec)
    assert done.exit_code == 0, done.output
    new = signed["tar"].with_name("EK-2026-007-001-countersigned.tar")
    assert signed["tar"].read_bytes() == original
    both = ("--trust", pki.examiner.cert_pem, "--trust", pki.reviewer.cert_pem, "--require-all")
    assert run("verify", new, *both).exit_code == 0
    assert run("verify", signed["tar"], *both).exit_code == 1


def test_default_package_names_count_up(make_case: MakeCase, pki: Pki) -> None:
    case = make_case()
    for expected in ("EK-2026-007-001", "EK-2026-007-002"):
        done = run("package", "--case", case.root, "--sign", pki.examiner.sign_spec, "--json")
        assert done.exit_code == 0, done.output
        assert Path(json.loads(done.output)["package"]) == case.root / "packages" / expected
    missing = run("package", "--case", case.root)
    assert missing.exit_code == 2 and "needs --case DIR and at least one --sign" in missing.output


def test_require_all_counts_each_trust_argument_once(
    signed: dict[str, Path], pki: Pki, tmp_path: Path
) -> None:
    bundle = tmp_path / "ca-bundle.pem"  # a CA bundle: only one of its roots issued the signer
    bundle.write_bytes(pki.tsa_root.cert_pem.read_bytes() + pki.root.cert_pem.read_bytes())
    done = run(
        "verify", signed["bag"], "--trust", bundle, "--trust", signed["pub"], "--require-all"
    )
    assert done.exit_code == 0, done.output
    alone = run("verify", signed["bag"], "--trust", pki.tsa_root.cert_pem, "--trust",
                signed["pub"], "--require-all")  # fmt: skip
    assert alone.exit_code == 1 and "no valid signature by a signer trusted through" in alone.output

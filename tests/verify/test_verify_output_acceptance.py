"""What outside counsel reads from ``evidencekit verify``: a FAIL line never states the
passing text (``N files match ...; none missing or extra``) above the problems that
contradict it, and a failed trust policy says its reason once."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner

from cli.main import cli
from tests.package.conftest import PASSPHRASE, MakeCase, Pki

ENV = {"EVIDENCEKIT_KEY_PASSPHRASE": PASSPHRASE.decode()}


@pytest.fixture
def bag(make_case: MakeCase, pki: Pki, tmp_path: Path) -> Path:
    case = make_case()
    out = tmp_path / "EK-2026-007-001"
    args = ["package", "--case", str(case.root), "--sign", pki.examiner.sign_spec]
    done = CliRunner().invoke(cli, [*args, "--out", str(out)], env=ENV, catch_exceptions=False)
    assert done.exit_code == 0, done.output
    return out


def _verify(bag: Path, trust: Path) -> tuple[int, list[str]]:
    run = CliRunner().invoke(cli, ["verify", str(bag), "--trust", str(trust)], env=ENV)
    return run.exit_code, run.output.splitlines()


def _line(lines: list[str], start: str) -> str:
    (found,) = [line for line in lines if line.startswith(start)]
    return found


def test_intact_bag_states_the_counts(bag: Path, pki: Pki) -> None:
    code, lines = _verify(bag, pki.root.cert_pem)
    assert code == 0
    payload = sum(1 for p in (bag / "data").rglob("*") if p.is_file())
    assert _line(lines, "PASS  payload files") == (
        f"PASS  payload files: {payload} files match manifest-sha256.txt; none missing or extra"
    )


def test_failed_fixity_lines_do_not_claim_a_match(bag: Path, pki: Pki, tmp_path: Path) -> None:
    tampered = tmp_path / "tampered"
    shutil.copytree(bag, tampered)
    (tampered / "data" / "extra.txt").write_text("added after signing\n")
    head = tampered / "metadata" / "head.json"
    head.write_bytes(head.read_bytes().replace(b"{", b"{ ", 1))
    code, lines = _verify(tampered, pki.root.cert_pem)
    assert code == 2
    payload = _line(lines, "FAIL  payload files")
    tags = _line(lines, "FAIL  tag files")
    assert "none missing or extra" not in payload and " match " not in payload
    assert " match " not in tags
    assert payload.endswith("checked against manifest-sha256.txt")
    assert tags.endswith("checked against tagmanifest-sha256.txt")
    assert any("data/extra.txt: present but not listed" in line for line in lines)
    assert any("metadata/head.json: SHA-256" in line for line in lines)


def test_untrusted_signer_reason_is_said_once(bag: Path, pki: Pki) -> None:
    code, lines = _verify(bag, pki.attacker_root.cert_pem)
    assert code == 1
    reasons = [line for line in lines if "no signature by any trusted signer" in line]
    assert len(reasons) == 1
    assert reasons[0].count("no signature by any trusted signer") == 1
    assert "trusted through attacker-root.crt.pem" in reasons[0]


def test_failed_inclusion_line_does_not_state_the_inclusion(
    bag: Path, pki: Pki, tmp_path: Path
) -> None:
    lines = (bag / "metadata" / "timeline.jsonl").read_text("utf-8").splitlines()
    event_id = json.loads(lines[0])["event"]["id"]
    proof = tmp_path / "event.proof.json"
    made = CliRunner().invoke(cli, ["prove", str(bag), event_id, "-o", str(proof)], env=ENV)
    assert made.exit_code == 0, made.output
    bundle = json.loads(proof.read_text("utf-8"))
    bundle["proof"]["event"]["action"] = "delete"  # the disclosed event edited
    proof.write_text(json.dumps(bundle), encoding="utf-8")
    args = ["verify-proof", str(proof), "--trust", str(pki.root.cert_pem)]
    run = CliRunner().invoke(cli, args, env=ENV)
    assert run.exit_code == 2
    line = _line(run.output.splitlines(), "FAIL  inclusion")
    assert f"event {event_id} claimed as leaf 0 of " in line
    assert "event is not in the tree" in run.output

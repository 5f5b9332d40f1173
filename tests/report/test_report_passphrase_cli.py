"""``evidencekit report --sign-key``: the key passphrase comes the way README.md says
signing-key passphrases come (EVIDENCEKIT_KEY_PASSPHRASE, as for ``package``; the
report's own EVIDENCEKIT_SIGN_PASSPHRASE first), and a wrong or missing one is one clear
error, not a library traceback."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from cli.main import cli
from tests.report.conftest import BuiltCase, SigningPki

REPO = Path(__file__).resolve().parents[2]


def _report(built: BuiltCase, pki: SigningPki, out: Path) -> tuple[int, str]:
    args = ["report", "--case", str(built.case.root), "--lang", "en", "--out", str(out)]
    args += ["--sign-cert", str(pki.cert), "--sign-key", str(pki.key)]
    run = CliRunner().invoke(cli, args)
    return run.exit_code, run.output


def test_key_passphrase_variable_signs_the_report(
    built: BuiltCase, pki: SigningPki, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("EVIDENCEKIT_SIGN_PASSPHRASE", raising=False)
    monkeypatch.setenv("EVIDENCEKIT_KEY_PASSPHRASE", pki.passphrase.decode())
    code, output = _report(built, pki, tmp_path / "r.pdf")
    assert code == 0, output
    assert "Signed by: " in output and "Examiner Hanako Yamada" in output
    assert b"/ETSI.CAdES.detached" in (tmp_path / "r.pdf").read_bytes()


def test_wrong_passphrase_is_one_clear_error(
    built: BuiltCase, pki: SigningPki, tmp_path: Path
) -> None:
    out = tmp_path / "r.pdf"
    args = ["report", "--case", str(built.case.root), "--lang", "en", "--out", str(out)]
    args += ["--sign-cert", str(pki.cert), "--sign-key", str(pki.key)]
    env = {**os.environ, "EVIDENCEKIT_SIGN_PASSPHRASE": "not the passphrase"}
    entries = len(built.case.custody.entries())
    run = subprocess.run(
        [sys.executable, "-m", "cli.main", *args],
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert run.returncode == 1
    assert f"error: cannot load the private key {pki.key}" in run.stderr
    assert "Incorrect password" in run.stderr
    assert "Traceback" not in run.stderr
    assert not out.exists() and not out.with_name("r-annex-sealed.pdf").exists()
    assert len(built.case.custody.entries()) == entries

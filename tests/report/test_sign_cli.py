"""PAdES signature validated with pyHanko's validator, and the ``report`` command."""

from __future__ import annotations

import hashlib
import io
import json
from pathlib import Path

import pytest
from click.testing import CliRunner
from pyhanko.keys import load_cert_from_pemder
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.sign.validation import validate_pdf_signature
from pyhanko_certvalidator import ValidationContext

from cli.main import cli
from evidencekit.report import SigningIdentity, build_report
from tests.report.conftest import BuiltCase, SigningPki, build_case, pdf_text


def _validate(pdf: bytes, pki: SigningPki) -> tuple[bool, bool]:
    """(intact, trusted) of the only embedded signature."""
    reader = PdfFileReader(io.BytesIO(pdf))
    (signature,) = reader.embedded_signatures
    context = ValidationContext(
        trust_roots=[load_cert_from_pemder(str(pki.root_pem))],
        allow_fetching=False,
        revocation_mode="soft-fail",
    )
    status = validate_pdf_signature(signature, context)
    return bool(status.intact and status.valid), bool(status.trusted)


@pytest.fixture(scope="module")
def signed(built: BuiltCase, pki: SigningPki) -> bytes:
    identity = SigningIdentity(pki.cert, pki.key, pki.passphrase)
    result = build_report(built.case, "both", identity, out=built.case.root / "signed" / "r.pdf")
    assert result.signer is not None and "Examiner Hanako Yamada" in result.signer
    return result.report.read_bytes()


def test_pades_signature_validates(signed: bytes, pki: SigningPki) -> None:
    assert b"/ETSI.CAdES.detached" in signed
    assert _validate(signed, pki) == (True, True)


def test_pades_with_a_signature_time_stamp(built: BuiltCase, pki: SigningPki) -> None:
    """PAdES B-T: the RFC 3161 token (local test TSA) validates against the same root."""
    from pyhanko.keys import load_private_key_from_pemder
    from pyhanko.sign.timestamps import DummyTimeStamper

    stamper = DummyTimeStamper(
        tsa_cert=load_cert_from_pemder(str(pki.tsa_cert)),
        tsa_key=load_private_key_from_pemder(str(pki.tsa_key), passphrase=None),
    )
    identity = SigningIdentity(pki.cert, pki.key, pki.passphrase, timestamper=stamper)
    result = build_report(built.case, "en", identity, out=built.case.root / "tst" / "r.pdf")
    (signature,) = PdfFileReader(io.BytesIO(result.report.read_bytes())).embedded_signatures
    context = ValidationContext(
        trust_roots=[load_cert_from_pemder(str(pki.root_pem))],
        allow_fetching=False,
        revocation_mode="soft-fail",
    )
    status = validate_pdf_signature(signature, context, ts_validation_context=context)
    assert status.bottom_line
    assert status.timestamp_validity is not None and status.timestamp_validity.trusted
    assert "RFC3161timestamp" in "".join(pdf_text(result.report).split())


def test_one_changed_byte_breaks_the_signature(signed: bytes, pki: SigningPki) -> None:
    start = signed.index(b"stream\n", len(signed) // 3) + len(b"stream\n") + 5
    tampered = bytearray(signed)
    tampered[start] ^= 0x01
    intact, _ = _validate(bytes(tampered), pki)
    assert not intact


def test_signer_is_named_in_the_hash_register(signed: bytes, tmp_path: Path) -> None:
    path = tmp_path / "s.pdf"
    path.write_bytes(signed)
    assert "ExaminerHanakoYamada" in "".join(pdf_text(path).split())


def test_cli_writes_report_and_annex_and_records_custody(
    tmp_path: Path, pki: SigningPki, monkeypatch: pytest.MonkeyPatch
) -> None:
    built = build_case(tmp_path)
    monkeypatch.setenv("EVIDENCEKIT_SIGN_PASSPHRASE", pki.passphrase.decode())
    args = [
        "--json",
        "report",
        "--case",
        str(built.case.root),
        "--lang",
        "ja",
        "--sign-cert",
        str(pki.cert),
        "--sign-key",
        str(pki.key),
    ]
    run = CliRunner().invoke(cli, args, catch_exceptions=False)
    assert run.exit_code == 0, run.output
    data = json.loads(run.output)
    report = built.case.root / "report" / "report.pdf"
    annex = built.case.root / "report" / "annex-sealed.pdf"
    assert Path(data["report"]) == report and Path(data["annex"]) == annex
    assert data["report_sha256"] == hashlib.sha256(report.read_bytes()).hexdigest()
    assert _validate(report.read_bytes(), pki) == (True, True)
    entry = built.case.custody.entries()[-1]
    assert entry.action == "report"
    assert entry.evidence == {
        "report/report.pdf": data["report_sha256"],
        "report/annex-sealed.pdf": data["annex_sha256"],
    }


def test_cli_refuses_output_inside_the_evidence_folder(tmp_path: Path) -> None:
    built = build_case(tmp_path)
    target = built.evidence.parent / "report.pdf"
    run = CliRunner().invoke(cli, ["report", "--case", str(built.case.root), "--out", str(target)])
    assert run.exit_code != 0 and not target.exists()


def test_cli_needs_cert_and_key_together(built: BuiltCase, pki: SigningPki) -> None:
    run = CliRunner().invoke(
        cli, ["report", "--case", str(built.case.root), "--sign-cert", str(pki.cert)]
    )
    assert run.exit_code == 2 and "go together" in run.output

"""A real case built through the public API, and a test PKI made with cryptography."""

from __future__ import annotations

import datetime as dt
import functools
import hashlib
import json
import subprocess
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

from evidencekit.case.ingest import ingest_file
from evidencekit.case.workspace import Case

SECRET_DIR = "\\\\fs01\\設計部\\【社外秘】新型ポンプ"
SECRET_NAMES = [f"製造条件表_{i:02d}.xlsx" for i in range(6)]
JST = dt.timezone(dt.timedelta(hours=9))


def file_hash(name: str) -> str:
    """Stand-in content hash of a secret file (the test files have no content)."""
    return hashlib.sha256(name.encode()).hexdigest()


def _events() -> list[dict[str, Any]]:
    """Four weeks of activity across a national holiday (2025-03-20, 春分の日)."""
    start = dt.datetime(2025, 3, 3, 9, 0, tzinfo=JST)
    actions = ["read", "copy", "device_connect", "upload", "delete", "logon", "modify"]
    events: list[dict[str, Any]] = []
    for i in range(140):
        when = start + dt.timedelta(hours=4 * i + (i % 3))
        name = SECRET_NAMES[i % len(SECRET_NAMES)]
        event: dict[str, Any] = {
            "time": when.isoformat(),
            "time_role": "logged",
            "action": actions[i % len(actions)],
            "kind": "dlp.file_event",
            "actor": {"user": "tanaka", "domain": "CORP"},
            "object": {
                "path": f"{SECRET_DIR}\\{name}",
                "name": name,
                "size": 20_000 + i,
                "sha256": file_hash(name),
            },
        }
        events.append(event)
    events.append(
        {
            "time": "2025-03-10T09:30:00+09:00",
            "time_role": "logged",
            "action": "hr_event",
            "kind": "hr.resignation_notice",
        }
    )
    events.append(
        {
            "time": "2025-03-28T18:00:00+09:00",
            "time_role": "logged",
            "action": "hr_event",
            "kind": "hr.last_day",
        }
    )
    return events


@dataclass
class BuiltCase:
    case: Case
    evidence: Path


def build_case(root: Path, extra_lines: str = "{not json\n") -> BuiltCase:
    """Case.init → ingest_file(events_jsonl) → seal, with one corrupt line."""
    evidence = root / "evidence"
    evidence.mkdir(parents=True)
    path = evidence / "dlp-export.jsonl"
    lines = "".join(json.dumps(e, ensure_ascii=False) + "\n" for e in _events())
    path.write_text(lines + extra_lines, encoding="utf-8")
    case = Case.init(
        root / "case",
        "EK-2025-007",
        title="ポンプ設計情報事案",
        examiner="山田 花子",
        organisation="証拠解析ラボ",
    )
    ingest_file(case, path, "events_jsonl")
    case.seal()
    return BuiltCase(case, path)


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> BuiltCase:
    return build_case(tmp_path_factory.mktemp("report-case"))


def pdf_text(path: Path, layout: bool = False) -> str:
    """Text of a PDF as poppler's pdftotext extracts it (cached per file version)."""
    return _pdf_text(path, layout, path.stat().st_mtime_ns, path.stat().st_size)


@functools.lru_cache(maxsize=64)
def _pdf_text(path: Path, layout: bool, mtime: int, size: int) -> str:
    args = ["pdftotext", "-enc", "UTF-8", *(["-layout"] if layout else []), str(path), "-"]
    return subprocess.run(args, check=True, capture_output=True).stdout.decode("utf-8")


@dataclass
class SigningPki:
    root_pem: Path
    cert: Path
    key: Path
    passphrase: bytes
    tsa_cert: Path
    tsa_key: Path


def _name(cn: str) -> x509.Name:
    return x509.Name(
        [
            x509.NameAttribute(NameOID.COMMON_NAME, cn),
            x509.NameAttribute(NameOID.ORGANIZATION_NAME, "evidencekit test"),
        ]
    )


def _tsa(
    root: x509.Certificate, root_key: rsa.RSAPrivateKey, now: dt.datetime, out: SigningPki
) -> None:
    """A time-stamp authority certificate (critical timeStamping EKU, RFC 3161 §2.3)."""
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    cert = (
        x509.CertificateBuilder()
        .subject_name(_name("Test TSA"))
        .issuer_name(root.subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(hours=1))
        .not_valid_after(now + dt.timedelta(days=7))
        .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.TIME_STAMPING]), critical=True)
        .add_extension(
            x509.KeyUsage(True, True, False, False, False, False, False, False, False),
            critical=True,
        )
        .sign(root_key, hashes.SHA256())
    )
    out.tsa_cert.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    out.tsa_key.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )


@pytest.fixture(scope="session")
def pki(tmp_path_factory: pytest.TempPathFactory) -> SigningPki:
    """A root CA and an examiner certificate whose key is stored encrypted."""
    folder = tmp_path_factory.mktemp("pki")
    now = dt.datetime.now(dt.UTC)
    root_key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    root = (
        x509.CertificateBuilder()
        .subject_name(_name("Test Root CA"))
        .issuer_name(_name("Test Root CA"))
        .public_key(root_key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(days=1))
        .not_valid_after(now + dt.timedelta(days=30))
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .add_extension(
            x509.KeyUsage(False, False, False, False, False, True, True, False, False),
            critical=True,
        )
        .sign(root_key, hashes.SHA256())
    )
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    cert = (
        x509.CertificateBuilder()
        .subject_name(_name("Examiner Hanako Yamada"))
        .issuer_name(root.subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(hours=1))
        .not_valid_after(now + dt.timedelta(days=7))
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(
            x509.KeyUsage(True, True, False, False, False, False, False, False, False),
            critical=True,
        )
        .sign(root_key, hashes.SHA256())
    )
    passphrase = b"correct horse battery staple"
    out = SigningPki(
        folder / "root.pem",
        folder / "examiner.pem",
        folder / "examiner.key",
        passphrase,
        folder / "tsa.pem",
        folder / "tsa.key",
    )
    _tsa(root, root_key, now, out)
    out.root_pem.write_bytes(root.public_bytes(serialization.Encoding.PEM))
    out.cert.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    out.key.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.BestAvailableEncryption(passphrase),
        )
    )
    return out

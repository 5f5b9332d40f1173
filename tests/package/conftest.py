"""Fixtures for packaging and verification: a throwaway PKI, a local TSA, small cases.

The PKI is generated with cryptography for the session: a root CA, signers with
digitalSignature + nonRepudiation and the emailProtection EKU, an expired signer,
a signer without digital-signature usage, an attacker CA with the root's very
name, and an RSA TSA with a critical timeStamping EKU. The TSA is pyHanko's
DummyTimeStamper behind an HTTP server on 127.0.0.1 started by the test itself.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
from asn1crypto import keys as asn1_keys
from asn1crypto import tsp as asn1_tsp
from asn1crypto import x509 as asn1_x509
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID
from pyhanko.sign.timestamps.dummy_client import DummyTimeStamper

from evidencekit.case.ingest import ingest_file
from evidencekit.case.workspace import Case

NOW = dt.datetime.now(dt.UTC)
PASSPHRASE = b"correct horse battery staple"


@dataclass(frozen=True)
class Identity:
    """A certificate and key, with their PEM files."""

    cert: x509.Certificate
    key: Any
    cert_pem: Path
    key_pem: Path

    @property
    def sign_spec(self) -> str:
        return f"{self.cert_pem}:{self.key_pem}"


@dataclass(frozen=True)
class Pki:
    root: Identity
    examiner: Identity
    rsa_examiner: Identity
    reviewer: Identity
    expired: Identity
    short_lived: Identity
    no_signing_usage: Identity
    attacker_root: Identity
    forged_examiner: Identity
    tsa_root: Identity
    tsa: Identity
    other_tsa_root: Identity


def _name(cn: str) -> x509.Name:
    return x509.Name(
        [x509.NameAttribute(NameOID.ORGANIZATION_NAME, "evidencekit test"),
         x509.NameAttribute(NameOID.COMMON_NAME, cn)]
    )  # fmt: skip


def _cert(
    subject: str,
    key: Any,
    issuer: tuple[x509.Certificate, Any] | None,
    *,
    ca: bool = False,
    usage: str = "sign",
    days: tuple[int, int] = (-1, 365),
) -> x509.Certificate:
    issuer_name = issuer[0].subject if issuer else _name(subject)
    issuer_key = issuer[1] if issuer else key
    builder = (
        x509.CertificateBuilder()
        .subject_name(_name(subject))
        .issuer_name(issuer_name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(NOW + dt.timedelta(days=days[0]))
        .not_valid_after(NOW + dt.timedelta(days=days[1]))
        .add_extension(x509.BasicConstraints(ca=ca, path_length=None), critical=True)
    )
    flags = dict.fromkeys(
        ("digital_signature", "content_commitment", "key_encipherment", "data_encipherment",
         "key_agreement", "key_cert_sign", "crl_sign", "encipher_only", "decipher_only"),
        False,
    )  # fmt: skip
    if ca:
        flags.update(key_cert_sign=True, crl_sign=True)
    elif usage == "sign":
        flags.update(digital_signature=True, content_commitment=True)
        builder = builder.add_extension(
            x509.ExtendedKeyUsage([ExtendedKeyUsageOID.EMAIL_PROTECTION]), critical=False
        )
    elif usage == "tsa":
        flags.update(digital_signature=True, content_commitment=True)
        builder = builder.add_extension(
            x509.ExtendedKeyUsage([ExtendedKeyUsageOID.TIME_STAMPING]), critical=True
        )
    else:
        flags.update(key_encipherment=True)
    builder = builder.add_extension(x509.KeyUsage(**flags), critical=True)
    return builder.sign(issuer_key, hashes.SHA256())


def _save(folder: Path, stem: str, cert: x509.Certificate, key: Any) -> Identity:
    cert_pem = folder / f"{stem}.crt.pem"
    key_pem = folder / f"{stem}.key.pem"
    cert_pem.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_pem.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.BestAvailableEncryption(PASSPHRASE),
        )
    )
    return Identity(cert, key, cert_pem, key_pem)


@pytest.fixture(scope="session")
def pki(tmp_path_factory: pytest.TempPathFactory) -> Pki:
    folder = tmp_path_factory.mktemp("pki")

    def ident(
        stem: str, cn: str, issuer: Identity | None, rsa_key: bool = False, **kw: Any
    ) -> Identity:
        key: Any = (
            rsa.generate_private_key(65537, 2048)
            if rsa_key
            else ec.generate_private_key(ec.SECP256R1())
        )
        parent = (issuer.cert, issuer.key) if issuer else None
        return _save(folder, stem, _cert(cn, key, parent, **kw), key)

    root = ident("root", "evidencekit Test Root CA", None, ca=True, days=(-30, 3650))
    attacker = ident("attacker-root", "evidencekit Test Root CA", None, ca=True)
    tsa_root = ident("tsa-root", "evidencekit Test TSA Root", None, rsa_key=True, ca=True)
    return Pki(
        root=root,
        examiner=ident("examiner", "Examiner Yamada", root),
        rsa_examiner=ident("rsa-examiner", "Examiner Kato", root, rsa_key=True),
        reviewer=ident("reviewer", "Reviewer Suzuki", root),
        expired=ident("expired", "Expired Examiner", root, days=(-400, -30)),
        short_lived=ident("short", "Short Lived", root, days=(-1, 100)),
        no_signing_usage=ident("nousage", "Encryption Only", root, usage="encrypt"),
        attacker_root=attacker,
        forged_examiner=ident("forged", "Examiner Yamada", attacker),
        tsa_root=tsa_root,
        tsa=ident("tsa", "evidencekit Test TSA", tsa_root, rsa_key=True, usage="tsa"),
        other_tsa_root=ident("other-tsa-root", "Other TSA Root", None, rsa_key=True, ca=True),
    )


class _TsaHandler(BaseHTTPRequestHandler):
    stamper: DummyTimeStamper

    def do_POST(self) -> None:
        body = self.rfile.read(int(self.headers["Content-Length"]))
        request = asn1_tsp.TimeStampReq.load(body)
        reply = self.stamper.request_tsa_response(request).dump()
        self.send_response(200)
        self.send_header("Content-Type", "application/timestamp-reply")
        self.send_header("Content-Length", str(len(reply)))
        self.end_headers()
        self.wfile.write(reply)

    def log_message(self, format: str, *args: Any) -> None:
        return


def stamper(pki: Pki, fixed: dt.datetime | None = None) -> DummyTimeStamper:
    """pyHanko's test TSA signing with the session's TSA certificate (at ``fixed`` time)."""
    cert = asn1_x509.Certificate.load(pki.tsa.cert.public_bytes(serialization.Encoding.DER))
    key = asn1_keys.PrivateKeyInfo.load(
        pki.tsa.key.private_bytes(
            serialization.Encoding.DER,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    return DummyTimeStamper(cert, key, fixed_dt=fixed)


def stamp_locally(pki: Pki, data: bytes, fixed: dt.datetime | None = None) -> bytes:
    """An RFC 3161 response over SHA-256(``data``) from the test TSA, without HTTP."""
    request = asn1_tsp.TimeStampReq(
        {
            "version": 1,
            "message_imprint": {
                "hash_algorithm": {"algorithm": "sha256"},
                "hashed_message": hashlib.sha256(data).digest(),
            },
            "cert_req": True,
        }
    )
    return bytes(stamper(pki, fixed).request_tsa_response(request).dump())


@pytest.fixture(scope="session")
def tsa_url(pki: Pki) -> Iterator[str]:
    """URL of a local RFC 3161 TSA running in a thread for this session."""
    handler = type("Handler", (_TsaHandler,), {"stamper": stamper(pki)})
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}/tsa"
    server.shutdown()
    server.server_close()


def events(n: int, user: str = "e1") -> list[dict[str, Any]]:
    """Small real-shaped file-server audit events (JST times)."""
    return [
        {
            "time": f"2024-04-{1 + i % 3:02d}T{9 + i % 8:02d}:{i % 60:02d}:00+09:00",
            "action": "read",
            "kind": "fileserver.read",
            "time_role": "logged",
            "actor": {"user": user},
            "object": {"path": f"\\\\fs01\\設計\\図面{i:03d}.dwg", "size": 1000 + i},
        }
        for i in range(n)
    ]


def write_jsonl(path: Path, items: list[dict[str, Any]], extra_lines: tuple[str, ...] = ()) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    text = "".join(json.dumps(e, ensure_ascii=False) + "\n" for e in items)
    path.write_text(text + "".join(line + "\n" for line in extra_lines), encoding="utf-8")
    return path


MakeCase = Callable[..., Case]


def build_case(root: Path, name: str = "case", n: int = 12) -> Case:
    """Init a case under ``root``, ingest two event files (one with a malformed line,
    giving one parse issue) from ``root/evidence-<name>``, and seal."""
    case = Case.init(
        root / name, "EK-2026-007", title="設計図面持ち出し",
        examiner="Examiner Yamada", organisation="Test Law Office",
    )  # fmt: skip
    evidence = root / f"evidence-{name}"
    a = write_jsonl(evidence / "fileserver.jsonl", events(n), ('{"broken": ',))
    b = write_jsonl(evidence / "vpn.jsonl", events(3, user="e2"))
    ingest_file(case, a, "events_jsonl")
    ingest_file(case, b, "events_jsonl")
    case.seal()
    return case


@pytest.fixture
def make_case(tmp_path: Path) -> MakeCase:
    """Build a case through the public API (see :func:`build_case`)."""

    def make(name: str = "case", n: int = 12) -> Case:
        return build_case(tmp_path, name, n)

    return make

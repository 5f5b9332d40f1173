"""Throwaway signing identities for the demo: a CA, an examiner certificate (X.509, for
CMS and PAdES) and a reviewer Ed25519 key. Private keys are stored encrypted.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, ed25519
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

DEMO_PASSPHRASE = "evidencekit-demo"  # noqa: S105 - published on purpose: demo keys only


@dataclass(frozen=True)
class DemoKeys:
    ca_cert: Path
    examiner_cert: Path
    examiner_key: Path
    reviewer_key: Path
    reviewer_public: Path


def _name(cn: str) -> x509.Name:
    return x509.Name(
        [
            x509.NameAttribute(NameOID.COUNTRY_NAME, "JP"),
            x509.NameAttribute(NameOID.ORGANIZATION_NAME, "Sample Forensics K.K."),
            x509.NameAttribute(NameOID.COMMON_NAME, cn),
        ]
    )


def _encrypted(key: ec.EllipticCurvePrivateKey | ed25519.Ed25519PrivateKey) -> bytes:
    return key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.BestAvailableEncryption(DEMO_PASSPHRASE.encode()),
    )


def make_demo_keys(folder: Path) -> DemoKeys:
    """Create the demo CA, examiner certificate and reviewer key under ``folder``."""
    folder.mkdir(parents=True, exist_ok=True)
    now = dt.datetime.now(dt.UTC) - dt.timedelta(minutes=5)
    ca_key = ec.generate_private_key(ec.SECP256R1())
    ca = (
        x509.CertificateBuilder()
        .subject_name(_name("evidencekit demo root CA"))
        .issuer_name(_name("evidencekit demo root CA"))
        .public_key(ca_key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now)
        .not_valid_after(now + dt.timedelta(days=3650))
        .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
        .add_extension(
            x509.KeyUsage(False, False, False, False, False, True, True, False, False),
            critical=True,
        )
        .sign(ca_key, hashes.SHA256())
    )
    key = ec.generate_private_key(ec.SECP256R1())
    cert = (
        x509.CertificateBuilder()
        .subject_name(_name("山田 太郎 (examiner)"))
        .issuer_name(ca.subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now)
        .not_valid_after(now + dt.timedelta(days=825))
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(
            x509.KeyUsage(True, True, False, False, False, False, False, False, False),
            critical=True,
        )
        .add_extension(
            x509.ExtendedKeyUsage([ExtendedKeyUsageOID.EMAIL_PROTECTION]), critical=False
        )
        .sign(ca_key, hashes.SHA256())
    )
    reviewer = ed25519.Ed25519PrivateKey.generate()
    keys = DemoKeys(
        folder / "demo-root-ca.pem",
        folder / "examiner.pem",
        folder / "examiner.key",
        folder / "reviewer.key",
        folder / "reviewer.pub",
    )
    keys.ca_cert.write_bytes(ca.public_bytes(serialization.Encoding.PEM))
    keys.examiner_cert.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    keys.examiner_key.write_bytes(_encrypted(key))
    keys.reviewer_key.write_bytes(_encrypted(reviewer))
    keys.reviewer_public.write_bytes(
        reviewer.public_key().public_bytes(
            serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
        )
    )
    for private in (keys.examiner_key, keys.reviewer_key):
        private.chmod(0o600)
    return keys

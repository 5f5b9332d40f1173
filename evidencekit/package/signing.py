"""Signers of the tag manifest: X.509 (detached CMS) and Ed25519 keys.

X.509 signers give a PEM certificate (plus any intermediates) and an encrypted
PKCS#8 PEM private key (RSA or EC); the result is a detached CAdES-BES signature
in DER (:mod:`evidencekit.package.cades`) that ``openssl cms -verify -binary`` checks.
Ed25519 signers give an (encrypted) PKCS#8 key; the result is the raw 64-byte signature, which
``openssl pkeyutl -verify -rawin`` checks, with the public key beside it for
display only (a key the package carries is never trusted by itself).
"""

from __future__ import annotations

import hashlib
import os
import re
from dataclasses import dataclass
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, ed25519, rsa

from evidencekit.errors import EvidenceKitError
from evidencekit.package.cades import sign_detached

_PEM_KEY = re.compile(
    rb"-----BEGIN ((?:ENCRYPTED |RSA |EC )?PRIVATE KEY)-----.*?-----END \1-----", re.DOTALL
)


class SigningKeyError(EvidenceKitError):
    """A key or certificate file cannot be used."""


@dataclass(frozen=True)
class Signer:
    """A loaded signing identity."""

    name: str
    key: rsa.RSAPrivateKey | ec.EllipticCurvePrivateKey | ed25519.Ed25519PrivateKey
    certificate: x509.Certificate | None = None
    chain: tuple[x509.Certificate, ...] = ()

    def signature_files(self, data: bytes) -> dict[str, bytes]:
        """The files (name under ``signatures/`` -> bytes) of this signer's signature."""
        if isinstance(self.key, ed25519.Ed25519PrivateKey):
            pub = self.key.public_key().public_bytes(
                serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
            )
            return {
                f"{self.name}.ed25519.sig": self.key.sign(data),
                f"{self.name}.ed25519.pub": pub,
            }
        if self.certificate is None:
            raise SigningKeyError(f"{self.name}: an RSA or EC key needs its X.509 certificate")
        der = sign_detached(data, self.certificate, self.key, self.chain)
        return {f"{self.name}.p7s": der}


def key_fingerprint(key: object) -> str:
    """``sha256:`` + hex SHA-256 of the public key's DER SubjectPublicKeyInfo.

    The same value comes from ``openssl pkey -pubin -outform DER | sha256sum``.
    """
    if isinstance(key, x509.Certificate):
        key = key.public_key()
    public = getattr(key, "public_key", None)
    if callable(public):
        key = public()
    der = key.public_bytes(  # type: ignore[attr-defined]
        serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    return "sha256:" + hashlib.sha256(der).hexdigest()


def cert_fingerprint(cert: x509.Certificate) -> str:
    """SHA-256 of the certificate's DER (``openssl x509 -fingerprint -sha256``)."""
    return "sha256:" + cert.fingerprint(hashes.SHA256()).hex()


def load_signer(spec: str, passphrase: bytes | None, name: str | None = None) -> Signer:
    """Load a signer from ``KEY.pem`` (Ed25519), a PEM bundle of certificate(s) and key,
    or ``CERT.pem:KEY.pem``. The first certificate is the signer's, the rest its chain.
    """
    paths = [Path(spec)]
    if not Path(spec).is_file() and ":" in spec:
        cert_part, _, key_part = spec.rpartition(":")
        paths = [Path(cert_part), Path(key_part)]
    blobs = []
    for path in paths:
        if not path.is_file():
            raise SigningKeyError(f"{path}: no such key or certificate file")
        blobs.append(path.read_bytes())
    data = b"\n".join(blobs)
    key = _load_private_key(data, passphrase, paths[-1])
    certs = x509.load_pem_x509_certificates(data) if b"CERTIFICATE-----" in data else []
    if isinstance(key, ed25519.Ed25519PrivateKey):
        return Signer(name or safe_name(paths[-1].name.split(".")[0]), key)
    if not isinstance(key, rsa.RSAPrivateKey | ec.EllipticCurvePrivateKey):
        raise SigningKeyError(f"{spec}: only RSA, EC and Ed25519 keys can sign")
    if not certs:
        raise SigningKeyError(f"{spec}: an RSA or EC key needs its certificate (CERT.pem:KEY.pem)")
    leaf = certs[0]
    if key_fingerprint(leaf) != key_fingerprint(key):
        raise SigningKeyError(f"{spec}: the private key does not belong to the first certificate")
    return Signer(name or signer_name_of(leaf), key, leaf, tuple(certs[1:]))


def _load_private_key(data: bytes, passphrase: bytes | None, path: Path) -> object:
    match = _PEM_KEY.search(data)
    if not match:
        raise SigningKeyError(f"{path}: no PEM private key found")
    block = match[0]
    encrypted = match[1].startswith(b"ENCRYPTED")
    if not encrypted:
        raise SigningKeyError(
            f"{path}: the private key is not encrypted; keys must be kept encrypted "
            "(e.g. openssl pkcs8 -topk8 -v2 aes-256-cbc -in KEY -out KEY.enc)"
        )
    if not passphrase:
        raise SigningKeyError(f"{path}: the key is encrypted; give its passphrase")
    try:
        return serialization.load_pem_private_key(block, passphrase)
    except (ValueError, TypeError) as exc:
        raise SigningKeyError(
            f"{path}: cannot load the private key (wrong passphrase?): {exc}"
        ) from exc


def signer_name_of(cert: x509.Certificate) -> str:
    """A file-name-safe signer name from the certificate's common name."""
    cns = cert.subject.get_attributes_for_oid(x509.NameOID.COMMON_NAME)
    value = cns[0].value if cns else cert_fingerprint(cert)[7:23]
    return safe_name(str(value))


def safe_name(text: str) -> str:
    """ASCII letters, digits, ``.``, ``_`` and ``-`` only (a hash stands in for the rest)."""
    clean = re.sub(r"[^A-Za-z0-9._-]+", "-", text).strip("-._")[:60]
    if not clean or re.search(r"[^A-Za-z0-9._ -]", text):
        suffix = hashlib.sha256(text.encode()).hexdigest()[:8]
        clean = f"{clean}-{suffix}" if clean else f"signer-{suffix}"
    return clean


def generate_ed25519(out_stem: Path, passphrase: bytes) -> tuple[Path, Path, str]:
    """Write ``<stem>.key`` (PKCS#8 PEM, encrypted) and ``<stem>.pub``; return paths and
    the public key fingerprint. Refuses an empty passphrase and existing files.
    """
    if not passphrase:
        raise SigningKeyError("a private key must be encrypted: give a non-empty passphrase")
    key_path = out_stem.with_name(out_stem.name + ".key")
    pub_path = out_stem.with_name(out_stem.name + ".pub")
    for path in (key_path, pub_path):
        if path.exists():
            raise SigningKeyError(f"{path} exists; refusing to overwrite a key")
    key = ed25519.Ed25519PrivateKey.generate()
    pem = key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.BestAvailableEncryption(passphrase),
    )
    pub = key.public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    fd = os.open(key_path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "wb") as fp:
        fp.write(pem)
    pub_path.write_bytes(pub)
    return key_path, pub_path, key_fingerprint(key)

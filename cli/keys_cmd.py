"""``evidencekit keys``: generate signing keys and print fingerprints for counsel."""

from __future__ import annotations

import os
from pathlib import Path

import click
from cryptography import x509
from cryptography.hazmat.primitives import serialization

from cli.output import emit, json_option, out
from evidencekit.package.signing import (
    SigningKeyError,
    cert_fingerprint,
    generate_ed25519,
    key_fingerprint,
    load_signer,
)

PASSPHRASE_ENV = "EVIDENCEKIT_KEY_PASSPHRASE"  # noqa: S105 - a variable name, not a secret


def passphrase(spec: str | None = None, confirm: bool = False) -> bytes | None:
    """The key passphrase: from EVIDENCEKIT_KEY_PASSPHRASE, else a hidden prompt (only when
    ``spec`` names an encrypted key, or when creating a key)."""
    env = os.environ.get(PASSPHRASE_ENV)
    if env:
        return env.encode("utf-8")
    if spec is not None and not _is_encrypted(spec):
        return None
    what = f" for {spec}" if spec else ""
    try:
        text = click.prompt(f"Passphrase{what}", hide_input=True, confirmation_prompt=confirm)
    except click.Abort:  # no terminal (stdin closed in a script) or Ctrl-C at the prompt
        raise click.UsageError(
            f"no passphrase{what}: set {PASSPHRASE_ENV} or type it at the prompt"
        ) from None
    return str(text).encode("utf-8")


def _is_encrypted(spec: str) -> bool:
    paths = [Path(spec)] if Path(spec).is_file() else [Path(p) for p in spec.rsplit(":", 1)]
    return any(p.is_file() and b"ENCRYPTED PRIVATE KEY" in p.read_bytes() for p in paths)


@click.group("keys")
def keys_group() -> None:
    """Signing keys: generate Ed25519 keys, show fingerprints."""


@keys_group.command("generate")
@click.argument("stem", type=click.Path(path_type=Path))
@json_option
def generate(stem: Path, as_json: bool) -> None:
    """Create STEM.key (Ed25519, PKCS#8 PEM, encrypted) and STEM.pub.

    The passphrase comes from EVIDENCEKIT_KEY_PASSPHRASE or a prompt; an empty one is refused.
    """
    secret = passphrase(confirm=True) or b""
    key_path, pub_path, fingerprint = generate_ed25519(stem, secret)
    emit(
        {"private_key": str(key_path), "public_key": str(pub_path), "fingerprint": fingerprint},
        as_json,
        lambda: out.print(
            f"Private key (encrypted): {key_path}\nPublic key: {pub_path}\n"
            f"Fingerprint (give this to counsel out of band): {fingerprint}"
        ),
    )


@keys_group.command("fingerprint")
@click.argument("path", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@json_option
def fingerprint(path: Path, as_json: bool) -> None:
    """Print the fingerprint of a public key, private key or certificate(s) in PATH.

    Key fingerprints are SHA-256 of the DER SubjectPublicKeyInfo, the same value as
    ``openssl pkey -pubin -outform DER | sha256sum``.
    """
    data = path.read_bytes()
    rows: list[dict[str, str]] = []
    if b"CERTIFICATE-----" in data:
        rows.extend(_cert_row(c) for c in x509.load_pem_x509_certificates(data))
    elif b"PUBLIC KEY-----" in data:
        rows.append({"key": key_fingerprint(serialization.load_pem_public_key(data))})
    elif b"PRIVATE KEY-----" in data:
        rows.append({"key": key_fingerprint(load_signer(str(path), passphrase(str(path))).key)})
    else:
        raise SigningKeyError(f"{path}: no PEM certificate or key found")

    def human() -> None:
        for row in rows:
            for label, value in row.items():
                out.print(f"{label:>12}: {value}")
        if any("certificate" in row for row in rows):  # verify --trust sha256: pins keys only
            out.print("(for verify --trust sha256:..., give counsel the key fingerprint)")

    emit(rows, as_json, human)


def _cert_row(cert: x509.Certificate) -> dict[str, str]:
    return {
        "subject": cert.subject.rfc4514_string(),
        "key": key_fingerprint(cert),
        "certificate": cert_fingerprint(cert),
        "valid": f"{cert.not_valid_before_utc:%Y-%m-%d} to {cert.not_valid_after_utc:%Y-%m-%d}",
    }

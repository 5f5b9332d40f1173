"""Certificate paths to trust anchors given from outside the package.

Deliberately small: a path is built from the signer certificate through
certificates the package carries, and must end at a certificate byte-identical to
one the verifier was given (an attacker's CA of the same name does not). Every
certificate must be valid at the time that matters (the signing or stamp time),
issuers must be CAs, and the signer must have digital-signature or
non-repudiation key usage (and, with an extended key usage, e-mail protection).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from cryptography import x509
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.serialization import Encoding
from cryptography.x509.oid import ExtendedKeyUsageOID

_MAX_DEPTH = 8
_DER = Encoding.DER


def validity_problem(cert: x509.Certificate, at: datetime) -> str | None:
    """Why ``cert`` was not valid at ``at``, or None."""
    if at < cert.not_valid_before_utc:
        return f"certificate {_cn(cert)} not yet valid at {at:%Y-%m-%dT%H:%M:%SZ}"
    if at > cert.not_valid_after_utc:
        return (
            f"certificate {_cn(cert)} expired ({cert.not_valid_after_utc:%Y-%m-%d}) "
            f"before {at:%Y-%m-%dT%H:%M:%SZ}"
        )
    return None


def signer_usage_problem(cert: x509.Certificate) -> str | None:
    """Why ``cert`` may not sign a document, or None."""
    try:
        usage = cert.extensions.get_extension_for_class(x509.KeyUsage).value
    except x509.ExtensionNotFound:
        return f"certificate {_cn(cert)} has no key usage extension"
    if not (usage.digital_signature or usage.content_commitment):
        return f"certificate {_cn(cert)} lacks digitalSignature/nonRepudiation key usage"
    try:
        eku = cert.extensions.get_extension_for_class(x509.ExtendedKeyUsage).value
    except x509.ExtensionNotFound:
        return None
    allowed = {ExtendedKeyUsageOID.EMAIL_PROTECTION, ExtendedKeyUsageOID.ANY_EXTENDED_KEY_USAGE}
    if not allowed & set(eku):
        return f"certificate {_cn(cert)} extended key usage does not allow document signing"
    return None


def _is_ca(cert: x509.Certificate) -> bool:
    try:
        return bool(cert.extensions.get_extension_for_class(x509.BasicConstraints).value.ca)
    except x509.ExtensionNotFound:
        return False


def _issued_by(child: x509.Certificate, parent: x509.Certificate) -> bool:
    try:
        child.verify_directly_issued_by(parent)
    except (ValueError, TypeError, InvalidSignature):
        return False
    return True


def trusted_path(
    leaf: x509.Certificate,
    carried: Sequence[x509.Certificate],
    anchors: Sequence[x509.Certificate],
    at: datetime,
) -> tuple[list[x509.Certificate] | None, list[str]]:
    """A path from ``leaf`` to one of ``anchors`` valid at ``at``, or None and the reasons."""
    problems: list[str] = []
    anchor_ders = {a.public_bytes(_DER) for a in anchors}
    pool = list(anchors) + [c for c in carried if c.public_bytes(_DER) not in anchor_ders]
    path = _search([leaf], pool, anchor_ders, at, problems)
    if path is None and not problems:
        problems.append(f"certificate {_cn(leaf)} does not chain to a trusted certificate")
    return path, problems


def _search(
    path: list[x509.Certificate],
    pool: list[x509.Certificate],
    anchor_ders: set[bytes],
    at: datetime,
    problems: list[str],
) -> list[x509.Certificate] | None:
    current = path[-1]
    why = validity_problem(current, at)
    if current.public_bytes(_DER) in anchor_ders:
        if why:
            problems.append(why)
            return None
        return path
    if why or len(path) > _MAX_DEPTH:
        if why:
            problems.append(why)
        return None
    for candidate in pool:
        if candidate in path or candidate.subject != current.issuer:
            continue
        if not _is_ca(candidate) or not _issued_by(current, candidate):
            continue
        found = _search([*path, candidate], pool, anchor_ders, at, problems)
        if found is not None:
            return found
    return None


def _cn(cert: x509.Certificate) -> str:
    names = cert.subject.get_attributes_for_oid(x509.NameOID.COMMON_NAME)
    return repr(str(names[0].value)) if names else cert.subject.rfc4514_string()


def describe(cert: x509.Certificate) -> str:
    """Subject and issuer, for people."""
    return f"{cert.subject.rfc4514_string()} (issued by {cert.issuer.rfc4514_string()})"

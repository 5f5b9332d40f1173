"""Check every signature file over the tag manifest, and which outside anchor trusts it."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime

from cryptography import x509
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ed25519

from evidencekit.package.signing import cert_fingerprint, key_fingerprint
from evidencekit.verify.cms import CmsSignature, check_detached
from evidencekit.verify.policy import Anchor, SignatureResult
from evidencekit.verify.tsa import check_timestamp
from evidencekit.verify.x509path import (
    describe,
    signer_usage_problem,
    trusted_path,
    validity_problem,
)


def check_signatures(
    files: dict[str, bytes],
    tagmanifest: bytes,
    anchors: Sequence[Anchor],
    tsa_roots: Sequence[x509.Certificate] = (),
) -> list[SignatureResult]:
    """One result per ``*.p7s`` / ``*.ed25519.sig`` in ``files`` (name -> bytes).

    A CMS signature's certificate is checked at the time of its signature time stamp
    (CAdES-T) when a TSA root in ``tsa_roots`` vouches for it, else at the signing time
    the signature claims.
    """
    results = []
    for name in sorted(files):
        if name.endswith(".p7s"):
            results.append(_check_cms(name, files[name], tagmanifest, anchors, tsa_roots))
        elif name.endswith(".ed25519.sig"):
            pub = files.get(name[: -len(".sig")] + ".pub")
            results.append(_check_ed25519(name, files[name], pub, tagmanifest, anchors))
    return results


def _check_cms(
    name: str,
    der: bytes,
    tagmanifest: bytes,
    anchors: Sequence[Anchor],
    tsa_roots: Sequence[x509.Certificate],
) -> SignatureResult:
    sig = check_detached(der, tagmanifest)
    if sig.signer is None:
        return SignatureResult(name, "cms", "unknown", "", False, sig.problems)
    cert = sig.signer
    problems = list(sig.problems)
    details: dict[str, str] = {"certificate": cert_fingerprint(cert)}
    at = _trusted_time(sig, tsa_roots, problems, details) or sig.signing_time or datetime.now(UTC)
    problems.extend(p for p in (validity_problem(cert, at), signer_usage_problem(cert)) if p)
    trusted: list[str] = []
    untrusted: list[str] = []
    for anchor in anchors:
        if anchor.fingerprint and anchor.fingerprint == key_fingerprint(cert):
            trusted.append(anchor.label)
        elif anchor.certificate is not None:
            path, why = trusted_path(cert, sig.carried, [anchor.certificate], at)
            if path is not None:
                trusted.append(anchor.label)
            untrusted.extend(why)
    if untrusted and not trusted:
        details["not trusted because"] = "; ".join(dict.fromkeys(untrusted))
    return SignatureResult(
        file=name,
        kind="cms",
        signer=describe(cert),
        key_fingerprint=key_fingerprint(cert),
        valid=not problems,
        problems=tuple(dict.fromkeys(problems)),
        trusted_by=tuple(trusted) if not problems else (),
        signing_time=f"{sig.signing_time:%Y-%m-%dT%H:%M:%SZ}" if sig.signing_time else None,
        details=details,
    )


def _trusted_time(
    sig: CmsSignature,
    roots: Sequence[x509.Certificate],
    problems: list[str],
    details: dict[str, str],
) -> datetime | None:
    """The signature time stamp's time when trusted; records its problems and status."""
    if sig.stamp_response is None:
        return None
    stamp = check_timestamp(sig.stamp_response, sig.value, roots, "the signature value")
    problems.extend(f"signature time stamp: {p}" for p in stamp.problems)
    if stamp.trusted:
        details["signature time stamp"] = f"{stamp.time} by {stamp.tsa} (trusted)"
        return stamp.when
    if not stamp.problems:
        details["signature time stamp"] = f"{stamp.time} by {stamp.tsa} (no --tsa-root to check)"
    return None


def _check_ed25519(
    name: str, sig: bytes, pub: bytes | None, tagmanifest: bytes, anchors: Sequence[Anchor]
) -> SignatureResult:
    signer = name[: -len(".ed25519.sig")]
    carried = _load_pub(pub)
    claimed = key_fingerprint(carried) if carried else "(no public key beside it)"
    keys: list[tuple[Anchor, ed25519.Ed25519PublicKey]] = []
    for anchor in anchors:
        if anchor.ed25519_key is not None:
            keys.append((anchor, anchor.ed25519_key))
        elif carried is not None and anchor.fingerprint == claimed:
            keys.append((anchor, carried))
    trusted = [a.label for a, k in keys if _ed_ok(k, sig, tagmanifest)]
    problems: list[str] = []
    if carried is not None and not _ed_ok(carried, sig, tagmanifest):
        problems.append(
            "signature does not verify over tagmanifest-sha256.txt (signs other content)"
        )
    elif carried is None and not trusted:
        problems.append("no public key beside the signature and no trusted key verifies it")
    return SignatureResult(
        file=name,
        kind="ed25519",
        signer=signer,
        key_fingerprint=claimed,
        valid=not problems,
        problems=tuple(problems),
        trusted_by=tuple(trusted) if not problems else (),
    )


def _ed_ok(key: ed25519.Ed25519PublicKey, sig: bytes, data: bytes) -> bool:
    try:
        key.verify(sig, data)
    except InvalidSignature:
        return False
    return True


def _load_pub(pem: bytes | None) -> ed25519.Ed25519PublicKey | None:
    if pem is None:
        return None
    try:
        key = serialization.load_pem_public_key(pem)
    except ValueError:
        return None
    return key if isinstance(key, ed25519.Ed25519PublicKey) else None

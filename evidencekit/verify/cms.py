"""Check a detached CMS (RFC 5652) signature over given bytes, without trusting it yet.

The CMS structure is parsed with asn1crypto; the signature over the DER of the
signed attributes is checked with cryptography against the signer certificate the
structure names. Whether that certificate is trusted is decided elsewhere
(:mod:`evidencekit.verify.x509path`), only against anchors given from outside.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import datetime

from asn1crypto import cms, tsp
from cryptography import x509
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec, padding, rsa
from cryptography.hazmat.primitives.serialization import Encoding

_HASHES: dict[str, hashes.HashAlgorithm] = {
    "sha256": hashes.SHA256(),
    "sha384": hashes.SHA384(),
    "sha512": hashes.SHA512(),
}


@dataclass(frozen=True)
class CmsSignature:
    """What a CMS signature claims and whether it is mathematically sound."""

    signer: x509.Certificate | None
    carried: tuple[x509.Certificate, ...]
    signing_time: datetime | None
    problems: tuple[str, ...]
    value: bytes = b""
    stamp_response: bytes | None = None  # the CAdES-T token, wrapped as an RFC 3161 response


def check_detached(der: bytes, content: bytes) -> CmsSignature:
    """Parse ``der`` and check its one signer's signature over ``content``."""
    try:
        info = cms.ContentInfo.load(der, strict=True)
        if info["content_type"].native != "signed_data":
            return CmsSignature(None, (), None, ("not a CMS SignedData structure",))
        signed = info["content"]
        carried = tuple(
            x509.load_der_x509_certificate(c.chosen.dump()) for c in signed["certificates"] or []
        )
        signer_infos = list(signed["signer_infos"])
    except (ValueError, TypeError, KeyError) as exc:
        return CmsSignature(None, (), None, (f"malformed CMS signature (DER): {exc}",))
    if len(signer_infos) != 1:
        return CmsSignature(None, carried, None, (f"{len(signer_infos)} signers, expected 1",))
    if signed["encap_content_info"]["content"].native is not None:
        return CmsSignature(None, carried, None, ("signature is not detached",))
    return _check_signer(signer_infos[0], carried, content)


def _check_signer(
    si: cms.SignerInfo, carried: tuple[x509.Certificate, ...], content: bytes
) -> CmsSignature:
    problems: list[str] = []
    sid = si["sid"]
    cert = None
    if sid.name == "issuer_and_serial_number":
        issuer, serial = sid.chosen["issuer"].dump(), sid.chosen["serial_number"].native
        cert = next(
            (c for c in carried if c.issuer.public_bytes() == issuer and c.serial_number == serial),
            None,
        )
    if cert is None:
        return CmsSignature(None, carried, None, ("signer certificate not in the signature",))
    attrs = si["signed_attrs"]
    if not attrs:
        return CmsSignature(cert, carried, None, ("no signed attributes",))
    values = {a["type"].native: a["values"][0] for a in attrs}
    algorithm = si["digest_algorithm"]["algorithm"].native
    if algorithm not in _HASHES:
        return CmsSignature(cert, carried, None, (f"digest {algorithm} not accepted",))
    digest = hashlib.new(algorithm, content).digest()
    if "message_digest" not in values or values["message_digest"].native != digest:
        problems.append("signed digest does not match tagmanifest-sha256.txt (signs other content)")
    if "signing_certificate_v2" in values:
        ids = values["signing_certificate_v2"]["certs"]
        cert_der = cert.public_bytes(Encoding.DER)
        ess_hash = ids[0]["hash_algorithm"]["algorithm"].native if ids else "sha256"
        if (
            ess_hash not in _HASHES
            or ids[0]["cert_hash"].native != hashlib.new(ess_hash, cert_der).digest()
        ):
            problems.append("signing-certificate-v2 does not name the signer certificate")
    signing_time = values["signing_time"].native if "signing_time" in values else None
    signed_bytes = b"\x31" + attrs.dump()[1:]  # signed over as SET OF, not as [0]
    why = _verify_raw(cert, si["signature"].native, signed_bytes, _HASHES[algorithm])
    if why:
        problems.append(why)
    value = bytes(si["signature"].native)
    return CmsSignature(cert, carried, signing_time, tuple(problems), value, _stamp(si))


def _stamp(si: cms.SignerInfo) -> bytes | None:
    """The signature-time-stamp token (unsigned attribute), as a granted TimeStampResp."""
    for attr in si["unsigned_attrs"] or []:
        if attr["type"].native == "signature_time_stamp_token":
            status = tsp.PKIStatusInfo({"status": "granted"})
            response = tsp.TimeStampResp({"status": status, "time_stamp_token": attr["values"][0]})
            return bytes(response.dump())
    return None


def _verify_raw(
    cert: x509.Certificate, signature: bytes, data: bytes, algorithm: hashes.HashAlgorithm
) -> str | None:
    key = cert.public_key()
    try:
        if isinstance(key, rsa.RSAPublicKey):
            key.verify(signature, data, padding.PKCS1v15(), algorithm)
        elif isinstance(key, ec.EllipticCurvePublicKey):
            key.verify(signature, data, ec.ECDSA(algorithm))
        else:
            return f"signer key type {type(key).__name__} not accepted"
    except InvalidSignature:
        return "signature value does not verify with the signer certificate"
    return None

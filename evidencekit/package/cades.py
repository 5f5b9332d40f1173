"""Detached CAdES-BES signatures (ETSI EN 319 122-1) over the tag manifest.

A CMS SignedData (RFC 5652) in DER whose signed attributes are content type,
signing time, message digest and the ESS signing-certificate-v2 (RFC 5035), which
binds the signature to the signer's certificate so it cannot be swapped for another
certificate with the same key. Built with asn1crypto, signed with cryptography
(RSA PKCS#1 v1.5 or ECDSA, SHA-256); ``openssl cms -verify -binary`` checks it.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from datetime import UTC, datetime

from asn1crypto import algos, cms, core, tsp
from asn1crypto import x509 as asn1_x509
from cryptography import x509
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec, padding, rsa
from cryptography.hazmat.primitives.serialization import Encoding


def sign_detached(
    data: bytes,
    cert: x509.Certificate,
    key: rsa.RSAPrivateKey | ec.EllipticCurvePrivateKey,
    chain: Sequence[x509.Certificate] = (),
    signing_time: datetime | None = None,
) -> bytes:
    """DER of a detached CAdES-BES signature over ``data``."""
    signer = asn1_x509.Certificate.load(cert.public_bytes(Encoding.DER))
    attrs = _signed_attributes(data, signer, signing_time or datetime.now(UTC))
    if isinstance(key, rsa.RSAPrivateKey):
        value = key.sign(attrs.dump(), padding.PKCS1v15(), hashes.SHA256())
        algorithm = "sha256_rsa"
    else:
        value = key.sign(attrs.dump(), ec.ECDSA(hashes.SHA256()))
        algorithm = "sha256_ecdsa"
    signer_info = cms.SignerInfo(
        {
            "version": "v1",
            "sid": cms.SignerIdentifier(
                {
                    "issuer_and_serial_number": cms.IssuerAndSerialNumber(
                        {"issuer": signer.issuer, "serial_number": signer.serial_number}
                    )
                }
            ),
            "digest_algorithm": algos.DigestAlgorithm({"algorithm": "sha256"}),
            "signed_attrs": attrs,
            "signature_algorithm": algos.SignedDigestAlgorithm({"algorithm": algorithm}),
            "signature": value,
        }
    )
    certificates = [signer] + [
        asn1_x509.Certificate.load(c.public_bytes(Encoding.DER)) for c in chain
    ]
    signed_data = cms.SignedData(
        {
            "version": "v1",
            "digest_algorithms": [algos.DigestAlgorithm({"algorithm": "sha256"})],
            "encap_content_info": {"content_type": "data"},
            "certificates": certificates,
            "signer_infos": [signer_info],
        }
    )
    info = cms.ContentInfo({"content_type": "signed_data", "content": signed_data})
    return bytes(info.dump())


def _signed_attributes(
    data: bytes, signer: asn1_x509.Certificate, when: datetime
) -> cms.CMSAttributes:
    ess = tsp.SigningCertificateV2(
        {
            "certs": [
                tsp.ESSCertIDv2(
                    {
                        "hash_algorithm": algos.DigestAlgorithm({"algorithm": "sha256"}),
                        "cert_hash": hashlib.sha256(signer.dump()).digest(),
                        "issuer_serial": {
                            "issuer": [
                                asn1_x509.GeneralName(name="directory_name", value=signer.issuer)
                            ],
                            "serial_number": signer.serial_number,
                        },
                    }
                )
            ]
        }
    )
    attributes = [
        cms.CMSAttribute({"type": "content_type", "values": ["data"]}),
        cms.CMSAttribute(
            {"type": "signing_time", "values": [cms.Time({"utc_time": core.UTCTime(when)})]}
        ),
        cms.CMSAttribute({"type": "message_digest", "values": [hashlib.sha256(data).digest()]}),
        cms.CMSAttribute({"type": "signing_certificate_v2", "values": [ess]}),
    ]
    # DER orders a SET OF by the encodings of its members; verifiers re-encode to check.
    return cms.CMSAttributes(sorted(attributes, key=lambda a: a.dump()))


def signature_value(der: bytes) -> bytes:
    """The signature value of the one signer of a CMS signature (what CAdES-T stamps)."""
    info = cms.ContentInfo.load(der)
    return bytes(info["content"]["signer_infos"][0]["signature"].native)


def add_signature_timestamp(der: bytes, tsr: bytes) -> bytes:
    """Embed the time-stamp token of the RFC 3161 response ``tsr`` (over the signature
    value) as the unsigned signature-time-stamp attribute: CAdES-BES becomes CAdES-T.
    The signed attributes and signature keep their bytes."""
    token = tsp.TimeStampResp.load(tsr)["time_stamp_token"]
    info = cms.ContentInfo.load(der)
    signer_info = info["content"]["signer_infos"][0]
    signer_info["unsigned_attrs"] = cms.CMSAttributes(
        [cms.CMSAttribute({"type": "signature_time_stamp_token", "values": [token]})]
    )
    return bytes(info.dump(force=False))

"""PAdES signature of the report with pyHanko (an X.509 identity given by the caller)."""

from __future__ import annotations

import io
from dataclasses import dataclass
from pathlib import Path

from pyhanko.keys import load_cert_from_pemder, load_private_key_from_pemder
from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
from pyhanko.sign import fields, signers
from pyhanko.sign.timestamps import HTTPTimeStamper, TimeStamper

from evidencekit.errors import EvidenceKitError


class SigningError(EvidenceKitError):
    """The signing identity could not be loaded or the PDF could not be signed."""


@dataclass(frozen=True)
class SigningIdentity:
    """Certificate, private key (PEM; encrypted keys need ``passphrase``) and chain.

    Attributes:
        cert: Signer certificate (PEM or DER).
        key: Private key (PEM or DER, may be encrypted).
        passphrase: Passphrase of an encrypted key.
        chain: Intermediate (and optionally root) certificates to embed.
        tsa_url: RFC 3161 time-stamp authority for a signature time stamp (PAdES B-T).
        timestamper: A pyHanko time stamper to use instead of ``tsa_url`` (tests use a
            local ``DummyTimeStamper``).
    """

    cert: Path
    key: Path
    passphrase: bytes | None = None
    chain: tuple[Path, ...] = ()
    tsa_url: str | None = None
    timestamper: TimeStamper | None = None

    def time_stamper(self) -> TimeStamper | None:
        """The time stamper for this identity, if any."""
        if self.timestamper is not None:
            return self.timestamper
        return HTTPTimeStamper(self.tsa_url) if self.tsa_url else None


def certificate_subject(path: Path) -> str:
    """Human-readable subject of a PEM or DER certificate file."""
    try:
        subject: str = load_cert_from_pemder(str(path)).subject.human_friendly  # type: ignore[no-untyped-call]
    except (OSError, ValueError) as exc:
        raise SigningError(f"cannot read the certificate {path}: {exc}") from exc
    return subject


def _check_key(identity: SigningIdentity) -> None:
    # SimpleSigner.load logs a traceback and returns None on a wrong or missing passphrase;
    # loading the key first gives the caller the reason as one SigningError.
    try:
        load_private_key_from_pemder(str(identity.key), passphrase=identity.passphrase)
    except (OSError, ValueError, TypeError) as exc:
        raise SigningError(f"cannot load the private key {identity.key}: {exc}") from exc


def sign_pdf(pdf: bytes, identity: SigningIdentity, reason: str) -> tuple[bytes, str]:
    """Sign ``pdf`` with a PAdES baseline signature; return (signed bytes, signer subject).

    Args:
        pdf: The unsigned PDF.
        identity: The signing identity.
        reason: Reason string shown by PDF readers.

    Returns:
        The signed PDF and the signer certificate's subject (human-readable).
    """
    _check_key(identity)
    signer = signers.SimpleSigner.load(  # type: ignore[no-untyped-call]
        str(identity.key),
        str(identity.cert),
        ca_chain_files=tuple(str(p) for p in identity.chain) or None,
        key_passphrase=identity.passphrase,
    )
    if signer is None:
        raise SigningError(f"could not load the signing key {identity.key} / {identity.cert}")
    meta = signers.PdfSignatureMetadata(
        field_name="EvidenceKitSignature",
        md_algorithm="sha256",
        subfilter=fields.SigSeedSubFilter.PADES,
        reason=reason,
    )
    out = io.BytesIO()
    try:
        signers.sign_pdf(
            IncrementalPdfFileWriter(io.BytesIO(pdf)),
            meta,
            signer=signer,
            timestamper=identity.time_stamper(),
            output=out,
        )
    except Exception as exc:  # pyHanko raises several unrelated types; report them as one
        raise SigningError(f"PDF signing failed: {exc}") from exc
    subject = signer.signing_cert.subject.human_friendly if signer.signing_cert else "?"
    return out.getvalue(), subject

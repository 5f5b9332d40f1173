"""RFC 3161 trusted time stamps over the tag manifest.

The request asks for the TSA certificate and carries a nonce; the whole response
is kept (``signatures/tagmanifest-sha256.txt.tsr``) so that ``openssl ts -verify
-data tagmanifest-sha256.txt`` can check it. Reads are bounded.
"""

from __future__ import annotations

import hashlib
import urllib.parse
import urllib.request

from rfc3161_client import (
    HashAlgorithm,
    PKIStatus,
    TimestampRequestBuilder,
    decode_timestamp_response,
)

from evidencekit.errors import EvidenceKitError

TSR_NAME = "tagmanifest-sha256.txt.tsr"
_MAX_RESPONSE = 1 << 20


class TimeStampError(EvidenceKitError):
    """A time-stamp authority could not be reached or gave an unusable answer."""


def request_timestamp(url: str, data: bytes, timeout: float = 30.0) -> bytes:
    """Ask the TSA at ``url`` to stamp the SHA-256 of ``data``; return the DER response.

    Raises:
        TimeStampError: on a network error, a refusal, or a response that does not
            answer this request (other digest, other nonce).
    """
    scheme = urllib.parse.urlsplit(url).scheme
    if scheme not in ("http", "https"):
        raise TimeStampError(f"TSA URL must be http or https, not {scheme!r}")
    request = (
        TimestampRequestBuilder()
        .data(data)
        .hash_algorithm(HashAlgorithm.SHA256)
        .cert_request(cert_request=True)
        .build()
    )
    http = urllib.request.Request(  # noqa: S310 - scheme checked above
        url,
        data=request.as_bytes(),
        headers={"Content-Type": "application/timestamp-query"},
        method="POST",
    )
    try:
        with urllib.request.urlopen(http, timeout=timeout) as reply:  # noqa: S310
            body: bytes = reply.read(_MAX_RESPONSE + 1)
    except OSError as exc:
        raise TimeStampError(f"time-stamp authority {url} failed: {exc}") from exc
    if len(body) > _MAX_RESPONSE:
        raise TimeStampError(f"time-stamp response from {url} is larger than 1 MiB")
    try:
        response = decode_timestamp_response(body)
    except ValueError as exc:
        raise TimeStampError(f"time-stamp response from {url} is malformed: {exc}") from exc
    if response.status not in (PKIStatus.GRANTED, PKIStatus.GRANTED_WITH_MODS):
        raise TimeStampError(f"time-stamp authority refused: status {response.status}")
    if response.tst_info.message_imprint.message != hashlib.sha256(data).digest():
        raise TimeStampError("time-stamp response is over a different digest")
    if request.nonce is not None and response.tst_info.nonce != request.nonce:
        raise TimeStampError("time-stamp response carries a different nonce")
    return body

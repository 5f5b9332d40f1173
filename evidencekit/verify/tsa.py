"""Check an RFC 3161 time-stamp response over the tag manifest against outside TSA roots.

The message imprint is compared first (a stamp over other data gets its own
message), then rfc3161-client checks the token's signature and the TSA chain as
of the stamp's time, and the TSA certificate's critical timeStamping EKU.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from cryptography import x509
from rfc3161_client import VerificationError, VerifierBuilder, decode_timestamp_response


@dataclass(frozen=True)
class StampResult:
    """The outcome of checking a time stamp."""

    time: str | None
    tsa: str
    problems: tuple[str, ...]
    trusted: bool
    when: datetime | None = None


def check_timestamp(
    tsr: bytes, data: bytes, roots: Sequence[x509.Certificate], what: str = "tagmanifest-sha256.txt"
) -> StampResult:
    """Check ``tsr`` over ``data`` (named ``what`` in messages); ``trusted`` only when a root
    in ``roots`` vouches for it."""
    try:
        response = decode_timestamp_response(tsr)
        info = response.tst_info
        gen_time = f"{info.gen_time:%Y-%m-%dT%H:%M:%SZ}"
        imprint = info.message_imprint
        tsa = _tsa_name(response)
    except (ValueError, TypeError) as exc:
        return StampResult(None, "unknown", (f"malformed time-stamp response: {exc}",), False)
    if imprint.hash_algorithm.dotted_string != "2.16.840.1.101.3.4.2.1":
        return StampResult(gen_time, tsa, ("time stamp does not use SHA-256",), False)
    if imprint.message != hashlib.sha256(data).digest():
        problem = f"time stamp is over a different digest than {what}"
        return StampResult(gen_time, tsa, (problem,), False)
    if not roots:
        return StampResult(gen_time, tsa, (), False)
    failures = []
    for root in roots:
        try:
            VerifierBuilder(roots=[root]).build().verify_message(response, data)
        except (VerificationError, ValueError) as exc:
            failures.append(f"{root.subject.rfc4514_string()}: {exc}")
            continue
        return StampResult(gen_time, tsa, (), True, info.gen_time)
    return StampResult(gen_time, tsa, tuple(f"TSA not trusted: {f}" for f in failures), False)


def _tsa_name(response: object) -> str:
    try:
        name = response.tst_info.name  # type: ignore[attr-defined]
        return str(name.value.rfc4514_string())
    except (AttributeError, ValueError):
        return "unnamed TSA"

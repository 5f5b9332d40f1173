"""Keyed event ids and salts.

An event's id and its 128-bit salt are HMAC-SHA256 values of its canonical content
under keys derived from the case secret. The timeline stays deterministic for the
same inputs and secret, yet an id printed in a report, or a disclosed inclusion
proof, does not let anyone confirm a guessed event by hashing candidates.
"""

from __future__ import annotations

import hashlib
import hmac
from typing import Any

from evidencekit.model import Event
from evidencekit.timeline.canonical import dumps_fast

_ID_LABEL = b"evidencekit/event-id/v1"
_SALT_LABEL = b"evidencekit/event-salt/v1"


class EventKeyer:
    """Assigns ``id`` and ``salt`` to events under one case secret."""

    def __init__(self, secret: bytes) -> None:
        if len(secret) < 16:
            raise ValueError("case secret must be at least 128 bits")
        # Keyed HMAC states, copied per event: cheaper than re-deriving the pads each time.
        self._id_mac = hmac.new(hmac.digest(secret, _ID_LABEL, "sha256"), digestmod="sha256")
        self._salt_mac = hmac.new(hmac.digest(secret, _SALT_LABEL, "sha256"), digestmod="sha256")

    def key_content(self, content: dict[str, Any]) -> dict[str, Any]:
        """Return ``content`` (canonical dict without id/salt) with its id and salt added."""
        data = dumps_fast(content)
        id_mac = self._id_mac.copy()
        id_mac.update(data)
        salt_mac = self._salt_mac.copy()
        salt_mac.update(data)
        out = dict(content)
        out["id"] = id_mac.digest()[:16].hex()
        out["salt"] = salt_mac.digest()[:16].hex()
        return out

    def key(self, event: Event) -> Event:
        """Return a copy of ``event`` with its keyed id and salt."""
        keyed = self.key_content(event.content())
        return event.model_copy(update={"id": keyed["id"], "salt": keyed["salt"]})

    def check(self, canonical: dict[str, Any]) -> bool:
        """Whether a canonical event dict carries the id and salt this secret gives it."""
        content = {k: v for k, v in canonical.items() if k not in ("id", "salt")}
        keyed = self.key_content(content)
        return bool(
            hmac.compare_digest(keyed["id"], str(canonical.get("id", "")))
            and hmac.compare_digest(keyed["salt"], str(canonical.get("salt", "")))
        )


def sha256_hex(data: bytes) -> str:
    """SHA-256 of raw record bytes, as stored in ``Event.raw_sha256``."""
    return hashlib.sha256(data).hexdigest()

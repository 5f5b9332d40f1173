"""Keyed event ids and salts.

An event's id and its 128-bit salt are HMAC-SHA256 values of its canonical content
under keys derived from the case secret. The timeline stays deterministic for the
same inputs and secret, yet an id printed in a report, or a disclosed inclusion
proof, does not let anyone confirm a guessed event by hashing candidates.

:meth:`EventKeyer.keyed_line` (every stored event) runs in the optional C extension
``_sealcore`` (its ``Keyer``) when it is built; without it, with
``EVIDENCEKIT_PURE_PYTHON=1``, or for content the C scanner declines, the Python reference
:meth:`EventKeyer.keyed_line_py` is used. A property test holds the two byte-identical.
:data:`IMPLEMENTATION` says which is active (``"c"`` or ``"python"``).
"""

from __future__ import annotations

import hashlib
import hmac
from typing import Any

import orjson

from evidencekit.extensions import optional_extension
from evidencekit.model import Event
from evidencekit.timeline.canonical import dumps_fast

_ID_LABEL = b"evidencekit/event-id/v1"
_SALT_LABEL = b"evidencekit/event-salt/v1"
_SORT = orjson.OPT_SORT_KEYS


_SEALCORE = optional_extension("evidencekit.timeline._sealcore", "Keyer")
_NATIVE: Any = _SEALCORE.Keyer if _SEALCORE else None  # the C Keyer type
IMPLEMENTATION = "python" if _NATIVE is None else "c"
"""Where :meth:`EventKeyer.keyed_line` runs: ``"c"`` or ``"python"``."""


class PadMac:
    """HMAC-SHA256 under one key, from precomputed inner and outer pad states (RFC 2104).

    Copying two ``hashlib`` states per message gives the same output as ``hmac`` at a
    lower per-call cost than copying an ``hmac`` object through its Python wrapper.
    """

    def __init__(self, key: bytes) -> None:
        if len(key) > 64:  # RFC 2104: a key longer than the block is hashed first
            key = hashlib.sha256(key).digest()
        block = key.ljust(64, b"\0")
        self._inner = hashlib.sha256(bytes(b ^ 0x36 for b in block))
        self._outer = hashlib.sha256(bytes(b ^ 0x5C for b in block))

    def digest(self, message: bytes) -> bytes:
        """HMAC-SHA256 of ``message``."""
        inner = self._inner.copy()
        inner.update(message)
        outer = self._outer.copy()
        outer.update(inner.digest())
        return outer.digest()


class EventKeyer:
    """Assigns ``id`` and ``salt`` to events under one case secret."""

    def __init__(self, secret: bytes) -> None:
        if len(secret) < 16:
            raise ValueError("case secret must be at least 128 bits")
        self._setup(
            hmac.digest(secret, _ID_LABEL, "sha256"), hmac.digest(secret, _SALT_LABEL, "sha256")
        )

    @classmethod
    def from_keys(cls, keys: tuple[bytes, bytes]) -> EventKeyer:
        """A keyer from the two derived keys of :attr:`keys` (how worker processes that key
        events get one without the case secret itself)."""
        keyer = cls.__new__(cls)
        keyer._setup(*keys)
        return keyer

    @property
    def keys(self) -> tuple[bytes, bytes]:
        """The derived (id, salt) HMAC keys: what a worker process needs to key events."""
        return self._keys

    def _setup(self, id_key: bytes, salt_key: bytes) -> None:
        self._keys = (id_key, salt_key)
        # Keyed HMAC pad states, copied per event: cheaper than re-deriving the pads each time.
        self._id_mac, self._salt_mac = PadMac(id_key), PadMac(salt_key)
        self._id_inner, self._id_outer = self._id_mac._inner, self._id_mac._outer
        self._salt_inner, self._salt_outer = self._salt_mac._inner, self._salt_mac._outer
        if _NATIVE is not None:
            self._c_line = _NATIVE(id_key, salt_key).line
            self.keyed_line = self._keyed_line_c  # type: ignore[method-assign]

    def key_content(self, content: dict[str, Any]) -> dict[str, Any]:
        """Return ``content`` (canonical dict without id/salt) with its id and salt added."""
        data = dumps_fast(content)
        out = dict(content)
        out["id"] = self._id_mac.digest(data)[:16].hex()
        out["salt"] = self._salt_mac.digest(data)[:16].hex()
        return out

    def keyed_line(self, content: dict[str, Any]) -> tuple[bytes, str]:
        """Canonical bytes of ``content`` with its id and salt added, and the id (store path).

        The same bytes as ``dumps_fast(key_content(content))``; with the C extension an
        instance runs :meth:`_keyed_line_c` in its place.
        """
        return self.keyed_line_py(content)

    def _keyed_line_c(self, content: dict[str, Any]) -> tuple[bytes, str]:
        data = orjson.dumps(content, option=_SORT)
        keyed: tuple[bytes, str] | None = self._c_line(data)
        return self.keyed_line_py(content, data) if keyed is None else keyed

    def keyed_line_py(
        self, content: dict[str, Any], data: bytes | None = None
    ) -> tuple[bytes, str]:
        """The Python reference of :meth:`keyed_line`; ``data`` is ``content`` dumped, if known."""
        if data is None:
            data = orjson.dumps(content, option=_SORT)
        # PadMac.digest written out twice: two method calls fewer per event.
        inner = self._id_inner.copy()
        inner.update(data)
        outer = self._id_outer.copy()
        outer.update(inner.digest())
        out = dict(content)
        out["id"] = ident = outer.digest()[:16].hex()
        inner = self._salt_inner.copy()
        inner.update(data)
        outer = self._salt_outer.copy()
        outer.update(inner.digest())
        out["salt"] = outer.digest()[:16].hex()
        return orjson.dumps(out, option=_SORT), ident

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

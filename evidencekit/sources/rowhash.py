"""SHA-256 of many raw records at once (each event's ``raw_sha256``), as hex text.

The optional C extension ``_rowhash`` does it with one OpenSSL context for all records
(hashlib sets one up per call, which costs more than hashing a log line);
:func:`sha256_hex_all_py` is the reference, used when the extension is not built or
``EVIDENCEKIT_PURE_PYTHON=1``. A property test holds the two equal.
"""

from __future__ import annotations

from collections.abc import Callable
from hashlib import sha256

from evidencekit.extensions import optional_extension


def sha256_hex_all_py(raws: list[bytes]) -> list[str]:
    """``[sha256(raw).hexdigest() for raw in raws]``."""
    return [sha256(raw).hexdigest() for raw in raws]


_EXT = optional_extension("evidencekit.sources._rowhash", "sha256_hex_all")
_C: Callable[[list[bytes]], list[str]] | None = _EXT.sha256_hex_all if _EXT else None
sha256_hex_all: Callable[[list[bytes]], list[str]] = _C or sha256_hex_all_py
"""SHA-256 hex of each raw record in a list (C when built, else the reference)."""
IMPLEMENTATION = "c" if _C is not None else "python"
"""Where :data:`sha256_hex_all` runs: ``"c"`` or ``"python"``."""

"""SHA-256 of many raw records at once (each event's ``raw_sha256``), as hex text.

The optional C extension ``_rowhash`` does it with one OpenSSL context for all records
(hashlib sets one up per call, which costs more than hashing a log line);
:func:`sha256_hex_all_py` is the reference, used when the extension is not built or
``EVIDENCEKIT_PURE_PYTHON=1``. A property test holds the two equal.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from hashlib import sha256


def sha256_hex_all_py(raws: list[bytes]) -> list[str]:
    """``[sha256(raw).hexdigest() for raw in raws]``."""
    return [sha256(raw).hexdigest() for raw in raws]


def _native() -> Callable[[list[bytes]], list[str]] | None:
    if os.environ.get("EVIDENCEKIT_PURE_PYTHON") == "1":
        return None
    try:
        from evidencekit.sources._rowhash import sha256_hex_all  # type: ignore[import-not-found]
    except ImportError:
        return None
    return sha256_hex_all  # type: ignore[no-any-return]


_C = _native()
sha256_hex_all: Callable[[list[bytes]], list[str]] = _C or sha256_hex_all_py
"""SHA-256 hex of each raw record in a list (C when built, else the reference)."""
IMPLEMENTATION = "c" if _C is not None else "python"
"""Where :data:`sha256_hex_all` runs: ``"c"`` or ``"python"``."""

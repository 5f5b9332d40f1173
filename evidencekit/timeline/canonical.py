"""RFC 8785 (JSON Canonicalization Scheme) serialisation.

:func:`dumps` is the exact, general implementation (the vetted ``rfc8785``
package). :func:`dumps_fast` uses orjson with sorted keys, which yields the same
bytes for the subset the models allow (no floats, integers below 2**53, attribute
keys in ASCII); a property test holds the two equal on that subset.
"""

from __future__ import annotations

import json
from typing import Any

import orjson
import rfc8785

from evidencekit.errors import ModelError

_SORT = orjson.OPT_SORT_KEYS


def dumps(obj: Any) -> bytes:
    """Canonical RFC 8785 bytes of any I-JSON value."""
    try:
        return rfc8785.dumps(obj)
    except (rfc8785.CanonicalizationError, TypeError, ValueError) as exc:
        raise ModelError("json", f"cannot canonicalize: {exc}") from exc


def dumps_fast(obj: Any) -> bytes:
    """Canonical bytes of model-validated data (no floats, safe integers, ASCII keys)."""
    return orjson.dumps(obj, option=_SORT)


def loads_strict(data: bytes | str) -> Any:
    """Parse JSON, rejecting duplicate keys and the non-JSON constants NaN/Infinity."""

    def pairs(items: list[tuple[str, Any]]) -> dict[str, Any]:
        out: dict[str, Any] = {}
        for k, v in items:
            if k in out:
                raise ModelError("json", f"duplicate key {k!r}")
            out[k] = v
        return out

    def bad_constant(name: str) -> Any:
        raise ModelError("json", f"non-JSON constant {name}")

    try:
        return json.loads(data, object_pairs_hook=pairs, parse_constant=bad_constant)
    except json.JSONDecodeError as exc:
        raise ModelError("json", f"invalid JSON at character {exc.pos}: {exc.msg}") from exc


def is_canonical(line: bytes) -> bool:
    """Whether ``line`` is exactly the canonical form of what it encodes (fast subset)."""
    try:
        return orjson.dumps(orjson.loads(line), option=_SORT) == line
    except orjson.JSONDecodeError:
        return False

"""Hash-chained canonical JSON lines (timeline, custody log, store index).

Each line is the canonical JSON object ``{"<payload>": …, "prev": …, "seq": …,
"sha256": …}``: ``sha256`` is the SHA-256 of the canonical object without it, and
``prev`` is the previous line's ``sha256`` (64 zeros for the first line). Because
the payload key sorts before ``prev`` and ``sha256`` sorts last, a line is built
from already-canonical payload bytes without re-serialising them.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Iterator
from hashlib import sha256
from pathlib import Path
from typing import IO, Any

import orjson

from evidencekit.errors import TimelineError
from evidencekit.timeline.canonical import dumps_fast

GENESIS = "0" * 64
_LINE_KEYS = {"prev", "seq", "sha256"}


def build_line(payload_key: str, payload: bytes, prev: str, seq: int) -> tuple[bytes, str]:
    """Return the full line (with newline) and its hash, from canonical ``payload`` bytes."""
    body = b'{"%s":%s,"prev":"%s","seq":%d' % (payload_key.encode(), payload, prev.encode(), seq)
    digest = hashlib.sha256(body + b"}").hexdigest()
    return b'%s,"sha256":"%s"}\n' % (body, digest.encode()), digest


class ChainWriter:
    """Appends chained lines to a binary file object."""

    def __init__(self, fp: IO[bytes], payload_key: str, prev: str = GENESIS, seq: int = 0) -> None:
        if not payload_key < "prev":
            raise ValueError("payload key must sort before 'prev'")
        self._fp = fp
        self._prefix = b'{"%s":' % payload_key.encode()
        self._head = prev.encode()
        self.seq = seq

    def write(self, payload: bytes) -> str:
        """Append canonical ``payload`` bytes; return the new line's hash."""
        body = self._prefix + payload + b',"prev":"%s","seq":%d' % (self._head, self.seq)
        digest = sha256(body + b"}").hexdigest().encode()
        self._fp.write(b'%s,"sha256":"%s"}\n' % (body, digest))
        self._head = digest
        self.seq += 1
        return self.head

    @property
    def head(self) -> str:
        return self._head.decode()

    def write_obj(self, obj: Any) -> str:
        return self.write(dumps_fast(obj))


def chain_tail(path: Path, payload_key: str) -> tuple[int, str]:
    """Next sequence number and last hash of a chained file (checked), or a fresh start."""
    if not path.exists():
        return 0, GENESIS
    seq, head = 0, GENESIS
    with open(path, "rb") as fp:
        for number, digest, _ in read_chain(fp, payload_key):
            seq, head = number + 1, digest
    return seq, head


def read_chain(
    lines: Iterable[bytes], payload_key: str, prev: str = GENESIS
) -> Iterator[tuple[int, str, Any]]:
    """Yield ``(seq, line_hash, payload)`` per line; raise :class:`TimelineError` on the first
    bad line.

    Detects changed bytes, non-canonical formatting, duplicate keys and dropped,
    inserted, duplicated or reordered lines (broken ``seq``/``prev`` links).
    """
    for number, raw in enumerate(lines, start=1):
        digest, payload = check_line(raw, number, payload_key, prev)
        yield number - 1, digest, payload
        prev = digest


def check_line(raw: bytes, number: int, key: str, prev: str) -> tuple[str, Any]:
    """Check one chained line (1-based ``number``) against the previous hash; return its
    hash and payload."""
    if not raw.endswith(b"\n"):
        raise TimelineError(number, "line is not terminated (file truncated?)")
    line = raw[:-1]
    try:
        obj = orjson.loads(line)
    except orjson.JSONDecodeError as exc:
        raise TimelineError(number, f"not valid JSON: {exc}") from None
    if not isinstance(obj, dict) or set(obj) != _LINE_KEYS | {key}:
        raise TimelineError(number, f"expected exactly the keys {sorted(_LINE_KEYS | {key})}")
    digest, seq, link = obj["sha256"], obj["seq"], obj["prev"]
    if not (isinstance(digest, str) and isinstance(seq, int) and isinstance(link, str)):
        raise TimelineError(number, "seq, prev or sha256 has the wrong type")
    body = dumps_fast({key: obj[key], "prev": link, "seq": seq})
    if body[:-1] + b',"sha256":"' + digest.encode() + b'"}' != line:
        raise TimelineError(number, "line is not in canonical form (bytes changed)")
    if hashlib.sha256(body).hexdigest() != digest:
        raise TimelineError(number, "line hash does not match its content (bytes changed)")
    if seq != number - 1:
        raise TimelineError(
            number,
            f"sequence number {seq}, expected {number - 1} "
            "(a line was dropped, inserted, duplicated or moved)",
        )
    if link != prev:
        raise TimelineError(number, "previous-line hash does not match (chain broken)")
    return digest, obj[key]

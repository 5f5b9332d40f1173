"""Encoding and physical lines of an Event Viewer CSV export (used by :mod:`evtx_csv`):
the encoding from a BOM or the fewest undecodable sequences, and the file's lines with their
byte offsets, UTF-16 lines ending at an aligned LF unit, a line over the record limit read
through in bounded pieces and given as a :class:`LongLine`. Registers no parser.
"""

from __future__ import annotations

import codecs
import hashlib
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from evidencekit.errors import ModelError
from evidencekit.sources import textlog

MAX_RECORD = textlog.DEFAULT_MAX_LINE  # a longer record (row with its message) is refused


def detect_encoding(head: bytes) -> str:
    """The encoding of a text export from its first bytes: a BOM, else the reading with
    the fewest undecodable sequences (:func:`~evidencekit.sources.textlog.detect_encoding`)."""
    if head.startswith(codecs.BOM_UTF8):
        return "utf-8-sig"
    if head.startswith(codecs.BOM_UTF16_LE):
        return "utf-16-le"
    if head.startswith(codecs.BOM_UTF16_BE):
        return "utf-16-be"
    return textlog.detect_encoding(head).name


def resolve_encoding(name: str, head: bytes) -> str:
    """A codec name as this reader uses it: ``utf-16`` resolved by the byte order mark
    (little-endian without one), ``utf-8`` with a BOM read as ``utf-8-sig``.

    Raises:
        ModelError: ``name`` is not a known codec (an error of the call, not the evidence).
    """
    try:
        canonical = codecs.lookup(name).name
    except LookupError as exc:
        raise ModelError("options.encoding", f"unknown encoding {name!r}") from exc
    if canonical == "utf-16":
        return "utf-16-be" if head.startswith(codecs.BOM_UTF16_BE) else "utf-16-le"
    if canonical == "utf-8" and head.startswith(codecs.BOM_UTF8):
        return "utf-8-sig"
    return canonical


@dataclass(frozen=True)
class LongLine:
    """A physical line longer than the record limit: skipped, its size and hash kept."""

    length: int
    sha256: str


def physical_lines(fp: Any, unit: int, bom: int) -> Iterator[tuple[int, bytes | LongLine]]:
    """(byte offset, line bytes with terminator); UTF-16 lines end at an aligned LF unit. A
    line longer than the record limit is read through in bounded pieces and given as a
    :class:`LongLine` (memory stays bounded)."""
    offset = bom
    fp.seek(bom)
    newline = b"\n" if unit == 1 else "\n".encode("utf-16-le" if unit == 2 else "utf-16-be")
    pending = b""
    long: Any = None  # hashlib object while inside an overlong line
    length = 0
    while block := fp.read(1 << 20):
        pending += block
        start = 0
        while (end := _aligned(pending, newline, start, unit)) >= 0:
            stop = end + len(newline)
            if long is not None:
                long.update(pending[start:stop])
                yield offset, LongLine(length + stop - start, long.hexdigest())
                offset, long, length = offset + length + stop - start, None, 0
            elif stop - start > MAX_RECORD:
                yield offset, _long_line(pending[start:stop])
                offset += stop - start
            else:
                yield offset, pending[start:stop]
                offset += stop - start
            start = stop
        pending = pending[start:]
        if len(pending) > MAX_RECORD:  # no line end in sight: hash and drop what is held
            cut = len(pending) - len(pending) % unit
            if long is None:
                long = hashlib.sha256()
            long.update(pending[:cut])
            length += cut
            pending = pending[cut:]
    if long is not None:
        long.update(pending)
        yield offset, LongLine(length + len(pending), long.hexdigest())
    elif pending:
        yield offset, pending if len(pending) <= MAX_RECORD else _long_line(pending)


def _long_line(data: bytes) -> LongLine:
    return LongLine(len(data), hashlib.sha256(data).hexdigest())


def _aligned(data: bytes, newline: bytes, start: int, unit: int) -> int:
    at = data.find(newline, start)
    while at >= 0 and (at - start) % unit:
        at = data.find(newline, at + 1)
    return at

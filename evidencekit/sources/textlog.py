"""Streaming, read-only access to text log exports (CSV, TSV, line logs).

Every record comes with the exact place of its bytes: 1-based physical line number of its
first line, byte offset, byte length (without the final line terminator) and those raw
bytes, so ``dd skip=OFFSET count=LENGTH`` reproduces :attr:`Record.raw` and its SHA-256.

Encodings detected: UTF-8 (with or without BOM), UTF-16 (BOM), CP932/Shift_JIS, EUC-JP.
Decoding is strict; undecodable bytes are replaced (U+FFFD), the record keeps
``replaced=True`` and a :class:`Problem` names the byte offset. Lines longer than
``max_line`` are hashed while skipped (memory stays bounded) and reported. Quoted CSV
fields may span lines (at most ``max_record_lines``); bad quoting, wrong column counts
and unterminated quotes are reported, and reading goes on with the next line.
"""

from __future__ import annotations

import hashlib
from collections.abc import Generator, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

from evidencekit.sources.csv_safety import escape_csv_cell, looks_like_formula, may_hold_formula
from evidencekit.sources.lineblocks import SPLITTABLE as _SPLITTABLE
from evidencekit.sources.lineblocks import LineBlock
from evidencekit.sources.text_encoding import (
    Encoding,
    _given_encoding,
    detect_encoding,
    sniff_encoding,
)

__all__ = [
    "DEFAULT_MAX_LINE",
    "Encoding",
    "Problem",
    "Record",
    "TextLog",
    "detect_encoding",
    "escape_csv_cell",
    "line_records",
    "looks_like_formula",
    "may_hold_formula",
    "sniff_encoding",
]

_NEWLINES = {"utf-16-le": b"\n\x00", "utf-16-be": b"\x00\n"}
DEFAULT_MAX_LINE = 1 << 20
_BLOCK = 1 << 18


@dataclass(slots=True)
class Record:
    """One logical record (one or more physical lines) and where its bytes are."""

    fields: list[str]
    line: int
    offset: int
    length: int
    raw: bytes
    replaced: bool = False
    formula: bool = False


@dataclass(frozen=True, slots=True)
class Problem:
    """Something in the text that could not be read as it stands, and where."""

    code: str
    message: str
    line: int
    offset: int
    length: int
    raw_sha256: str | None
    severity: str = "error"


class TextLog:
    """Physical lines of a text file, decoded, with their line numbers and offsets.

    Args:
        path: the file (opened read-only).
        encoding: a codec name or ``"auto"``.
        max_line: longest line kept, in bytes; longer lines become problems.
    """

    block_size = _BLOCK

    def __init__(self, path: Path, encoding: str = "auto", max_line: int = DEFAULT_MAX_LINE):
        self.path = path
        self.max_line = max_line
        detected = sniff_encoding(path)
        if encoding == "auto":
            self.encoding = detected
        else:
            self.encoding = _given_encoding(encoding, detected)

    @property
    def splittable(self) -> bool:
        """Whether :meth:`blocks` can read this encoding (see ``_SPLITTABLE``)."""
        return self.encoding.name in _SPLITTABLE

    def lines(self) -> Iterator[tuple[int, int, bytes, str, int | None] | Problem]:
        """Yield ``(line, offset, raw, text, bad)`` per physical line, or a :class:`Problem`.

        ``raw`` and ``text`` keep the line terminator; ``bad`` is the offset inside the
        line of the first undecodable byte (text then holds U+FFFD replacements).
        """
        name = self.encoding.name
        if name in _SPLITTABLE:
            for block in self.blocks():
                if isinstance(block, Problem):
                    yield block
                else:
                    yield from block.lines(name)
            return
        with open(self.path, "rb") as fp:
            fp.seek(self.encoding.bom)
            if name in _NEWLINES:
                yield from self._decoded(self._wide_lines(fp, _NEWLINES[name]))
                return
            limit = self.max_line + 2
            readline = fp.readline
            number, offset = 0, self.encoding.bom
            while raw := readline(limit):
                number += 1
                if len(raw) == limit and raw[-1:] != b"\n":
                    problem = self._skip_long(number, offset, raw, fp)
                    offset += problem.length
                    yield problem
                    continue
                try:
                    text = raw.decode(name)
                except UnicodeDecodeError as exc:
                    yield number, offset, raw, raw.decode(name, errors="replace"), exc.start
                else:
                    yield number, offset, raw, text, None
                offset += len(raw)

    def blocks(self) -> Iterator[LineBlock | Problem]:
        """The same lines as :meth:`lines`, up to 256 KiB of whole lines at a time.

        Only for :attr:`splittable` encodings. Over-long lines become problems between
        blocks; memory stays bounded by the block size plus ``max_line``.
        """
        with open(self.path, "rb") as fp:
            fp.seek(self.encoding.bom)
            number, offset, carry = 0, self.encoding.bom, b""
            limit = self.max_line + 2
            while True:
                chunk = fp.read(self.block_size)
                if not chunk:
                    if carry:
                        yield from self._split(carry, number, offset, limit, False)
                    return
                data = carry + chunk if carry else chunk
                cut = data.rfind(b"\n") + 1
                if not cut:
                    carry = data
                    if len(data) >= limit:  # no line end within the limit: skip the line
                        fp.seek(offset + limit)
                        problem = self._skip_long(number + 1, offset, data[:limit], fp)
                        number, offset, carry = number + 1, offset + problem.length, b""
                        yield problem
                    continue
                block, carry = data[:cut], data[cut:]
                number += yield from self._split(block, number, offset, limit, True)
                offset += cut

    def _split(
        self, block: bytes, number: int, offset: int, limit: int, terminated: bool
    ) -> Generator[LineBlock | Problem, None, int]:
        """``block`` (whole lines) as line blocks, with over-long lines as problems;
        returns the number of lines when ``terminated``."""
        name = self.encoding.name
        if len(block) < limit or (terminated and len(block) == limit):
            lines = LineBlock.read(number + 1, offset, block, terminated, name)
            yield lines
            return len(lines.raws)
        if not terminated:  # the last line, without a line end, at the limit or over
            yield self._long_problem(number + 1, offset, block)
            return 0
        start = pos = 0
        while pos < len(block):
            end = block.index(b"\n", pos) + 1
            if end - pos > limit:
                if pos > start:
                    yield LineBlock.read(number + 1, offset + start, block[start:pos], True, name)
                    number += block.count(b"\n", start, pos)
                number += 1
                yield self._long_problem(number, offset + pos, block[pos:end])
                start = end
            pos = end
        if start < len(block):
            yield LineBlock.read(number + 1, offset + start, block[start:], True, name)
        return block.count(b"\n")

    def _long_problem(self, number: int, offset: int, raw: bytes) -> Problem:
        return _too_long(number, offset, len(raw), hashlib.sha256(raw).hexdigest(), self.max_line)

    def _decoded(
        self, physical: Iterator[tuple[int, int, bytes] | Problem]
    ) -> Iterator[tuple[int, int, bytes, str, int | None] | Problem]:
        name = self.encoding.name
        for item in physical:
            if isinstance(item, Problem):
                yield item
                continue
            number, offset, raw = item
            try:
                yield number, offset, raw, raw.decode(name), None
            except UnicodeDecodeError as exc:
                yield number, offset, raw, raw.decode(name, errors="replace"), exc.start

    def _skip_long(self, number: int, offset: int, head: bytes, fp: BinaryIO) -> Problem:
        digest, total = hashlib.sha256(head), len(head)
        while chunk := fp.readline(1 << 20):
            digest.update(chunk)
            total += len(chunk)
            if chunk.endswith(b"\n"):
                break
        return _too_long(number, offset, total, digest.hexdigest(), self.max_line)

    def _wide_lines(
        self, fp: BinaryIO, newline: bytes
    ) -> Iterator[tuple[int, int, bytes] | Problem]:
        buf, start, number, offset = b"", 0, 0, self.encoding.bom
        while True:
            pos = _aligned_find(buf, newline, start)
            if pos >= 0:
                number += 1
                raw, start = buf[start : pos + 2], pos + 2
                yield number, offset, raw
                offset += len(raw)
                continue
            if len(buf) - start > 2 * self.max_line:
                number += 1
                problem = self._skip_long_wide(number, offset, buf[start:], fp, newline)
                offset += problem.length
                buf, start = b"", 0
                yield problem
                continue
            chunk = fp.read(1 << 20)
            if not chunk:
                if len(buf) > start:
                    yield number + 1, offset, buf[start:]
                return
            buf, start = buf[start:] + chunk, 0

    def _skip_long_wide(
        self, number: int, offset: int, buffer: bytes, fp: BinaryIO, newline: bytes
    ) -> Problem:
        digest, total = hashlib.sha256(), 0
        while True:
            pos = _aligned_find(buffer, newline)
            if pos >= 0:
                # Rewind to just after the newline so the next line is read normally.
                digest.update(buffer[: pos + 2])
                total += pos + 2
                fp.seek(offset + total)
                break
            digest.update(buffer)
            total += len(buffer)
            buffer = fp.read(1 << 20)
            if not buffer:
                break
        return _too_long(number, offset, total, digest.hexdigest(), self.max_line)


def _too_long(number: int, offset: int, total: int, digest: str, max_line: int) -> Problem:
    return Problem(
        "line_too_long",
        f"line of {total} bytes exceeds the limit of {max_line} bytes; skipped",
        number,
        offset,
        total,
        digest,
    )


def _aligned_find(buffer: bytes, newline: bytes, start: int = 0) -> int:
    """Position of a two-byte newline at an even offset (UTF-16 code unit boundary)."""
    pos = buffer.find(newline, start)
    while pos >= 0 and pos % 2:
        pos = buffer.find(newline, pos + 1)
    return pos


def line_records(log: TextLog) -> Iterator[Record | Problem]:
    """Non-blank lines of a line-oriented log as records (``fields`` holds the one text).

    Undecodable bytes give a warning :class:`Problem` at their byte offset and the record
    with ``replaced=True``; over-long lines give an error :class:`Problem`.
    """
    enc = log.encoding.name
    crlf, lf = len("\r\n".encode(enc)), len("\n".encode(enc))
    for item in log.lines():
        if isinstance(item, Problem):
            yield item
            continue
        number, offset, raw, text, bad = item
        if text.endswith("\r\n"):
            body, size = text[:-2], len(raw) - crlf
        elif text.endswith("\n"):
            body, size = text[:-1], len(raw) - lf
        else:
            body, size = text, len(raw)
        if not body.strip():
            continue
        data = raw[:size]
        if bad is not None:
            yield Problem(
                "undecodable_bytes",
                f"bytes not valid {enc} at offset {offset + bad} (line {number}); "
                "replaced with U+FFFD",
                number,
                offset + bad,
                size - bad,
                hashlib.sha256(data[bad:]).hexdigest(),  # the located bytes
                "warning",
            )
        yield Record([body], number, offset, size, data, bad is not None)

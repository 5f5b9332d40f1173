"""EWF-E01 table sections and the chunks they locate, each checked against its checksum.

Split from ewf_chunks.py (which walks the segment files and sections and holds the
public entry points): the problem and state types, reading a table/table2 section
(header and offset array under Adler-32), and checking each chunk it locates (a
compressed chunk must inflate to a whole chunk, an uncompressed one ends with the
Adler-32 of its data). Layout after Joachim Metz, "Expert Witness Compression Format
(EWF)", libewf documentation.
"""

from __future__ import annotations

import hashlib
import struct
import zlib
from collections.abc import Iterator
from dataclasses import dataclass, field, replace
from typing import BinaryIO, Literal

from evidencekit.model import Locator, ParseIssue

_DESCRIPTOR = 76
_TABLE_HEADER = 24
_MAX_ENTRIES = 1 << 20  # EnCase 6 writes at most 65534 entries a table
_MAX_CHUNK = 16 << 20  # EnCase allows at most 32768 sectors of 512 bytes a chunk
_COMPRESSED = 0x80000000


@dataclass(frozen=True)
class ChunkProblem:
    """A place in a segment file whose bytes fail their checksum or layout."""

    segment: str
    offset: int
    length: int | None
    code: str
    message: str
    chunk: int | None = None
    sectors: tuple[int, int] | None = None
    raw_sha256: str | None = None
    severity: Literal["info", "warning", "error"] = "error"

    def issue(self, source: str, parser: str, version: str) -> ParseIssue:
        """This problem as a parse issue of the image source."""
        where = Locator(
            path=self.segment,
            offset=str(self.offset),
            length=self.length,
            record=None if self.chunk is None else str(self.chunk),
        )
        return ParseIssue(
            source=source,
            locator=where,
            parser=parser,
            parser_version=version,
            code=self.code,
            message=self.message,
            severity=self.severity,
            raw_sha256=self.raw_sha256,
        )


@dataclass
class ChunkCheck:
    """What checking the chunks of one image found."""

    chunks_checked: int = 0
    chunks_expected: int | None = None
    problems: list[ChunkProblem] = field(default_factory=list)


@dataclass
class _Geometry:
    chunk_size: int
    sectors_per_chunk: int
    bytes_per_sector: int
    sectors: int


@dataclass
class _State:
    check: ChunkCheck
    geometry: _Geometry | None = None
    next_chunk: int | None = 0
    sectors_end: int | None = None
    table_failed: ChunkProblem | None = None
    size: int = 0  # of the segment file being read
    checked_to: int = 0  # chunks lie in file order: the end of the last one checked
    ended: bool = False  # the segment file's sections were followed to next/done


def _flush(state: _State) -> Iterator[ChunkProblem]:
    """A failed table with no readable table2 copy: its chunks are lost, and so is
    the numbering of every later chunk."""
    if state.table_failed is not None:
        yield state.table_failed
        state.table_failed = None
        state.next_chunk = None


def _table(
    fp: BinaryIO, name: str, offset: int, length: int, state: _State, mirror: bool
) -> Iterator[ChunkProblem]:
    """Check the chunks a table locates; a damaged table waits for its table2 copy."""
    entries, base, problem = _read_table(fp, name, offset, length)
    if problem is not None:
        if mirror:
            yield problem
            yield from _flush(state)
        else:
            state.table_failed = problem
        return
    if mirror and state.table_failed is not None:
        failed = state.table_failed
        state.table_failed = None
        yield replace(
            failed,
            severity="warning",
            message=failed.message + "; its table2 copy is intact and was used",
        )
    # EnCase 2+ keeps the chunks in the sectors section before the table; EnCase 1 and
    # SMART inside the table section itself, after the offsets.
    end = state.sectors_end
    if end is None or (entries and base + (entries[-1] & ~_COMPRESSED) >= end):
        end = offset + length
    array = offset + _DESCRIPTOR + _TABLE_HEADER
    yield from _chunks(fp, name, _Table(entries, base, end, array), state)


@dataclass(frozen=True)
class _Table:
    entries: list[int]
    base: int
    end: int  # where the last chunk ends
    array: int  # segment-file offset of the offset array


def _read_table(
    fp: BinaryIO, name: str, offset: int, length: int
) -> tuple[list[int], int, ChunkProblem | None]:
    fp.seek(offset + _DESCRIPTOR)
    header = fp.read(_TABLE_HEADER)
    where = offset + _DESCRIPTOR
    if len(header) < _TABLE_HEADER:
        return (
            [],
            0,
            ChunkProblem(name, where, len(header), "ewf_table_truncated", "table header cut short"),
        )
    count, base = struct.unpack_from("<I4xQ", header)
    if zlib.adler32(header[:20]) != struct.unpack_from("<I", header, 20)[0]:
        return (
            [],
            0,
            ChunkProblem(
                name,
                where,
                _TABLE_HEADER,
                "ewf_table_corrupt",
                "table header fails its Adler-32",
                raw_sha256=hashlib.sha256(header).hexdigest(),
            ),
        )
    if count > _MAX_ENTRIES:
        return (
            [],
            0,
            ChunkProblem(
                name, where, _TABLE_HEADER, "ewf_table_corrupt", f"table declares {count} entries"
            ),
        )
    array = fp.read(4 * count + 4)
    if len(array) < 4 * count + 4:
        return (
            [],
            0,
            ChunkProblem(
                name,
                where + _TABLE_HEADER,
                len(array),
                "ewf_table_truncated",
                f"table of {count} entries cut short",
            ),
        )
    if zlib.adler32(array[:-4]) != struct.unpack_from("<I", array, 4 * count)[0]:
        return (
            [],
            0,
            ChunkProblem(
                name,
                where + _TABLE_HEADER,
                len(array),
                "ewf_table_corrupt",
                f"offset array of {count} entries fails its Adler-32",
                raw_sha256=hashlib.sha256(array).hexdigest(),
            ),
        )
    return list(struct.unpack_from(f"<{count}I", array)), base, None


def _chunks(fp: BinaryIO, name: str, table: _Table, state: _State) -> Iterator[ChunkProblem]:
    geometry = state.geometry
    entries = table.entries
    starts = [table.base + (e & ~_COMPRESSED) for e in entries]
    for i, entry in enumerate(entries):
        start = starts[i]
        stop = starts[i + 1] if i + 1 < len(entries) else table.end
        index = state.next_chunk
        state.next_chunk = None if index is None else index + 1
        state.check.chunks_checked += 1
        bound = (2 * geometry.chunk_size if geometry else _MAX_CHUNK) + 64
        if start >= state.size or start < state.checked_to:  # the table entry is at fault
            yield _misplaced(fp, name, table.array + 4 * i, start, index, geometry, state)
            continue
        if not 0 < stop - start <= bound:
            yield _bad(name, start, None, index, geometry,
                       f"chunk size {stop - start} from the table is impossible")  # fmt: skip
            continue
        fp.seek(start)
        data = fp.read(stop - start)
        state.checked_to = stop
        expected = _expected_size(geometry, index)
        reason = _chunk_fault(data, bool(entry & _COMPRESSED), expected, stop - start)
        if reason is not None:
            yield _bad(name, start, data, index, geometry, reason)


def _misplaced(
    fp: BinaryIO,
    name: str,
    at: int,
    start: int,
    index: int | None,
    geometry: _Geometry | None,
    state: _State,
) -> ChunkProblem:
    """A table entry that locates its chunk past the end of the segment file, or among
    chunks already checked (a forged table could otherwise make each 108-byte section
    cost a whole chunk read)."""
    fp.seek(at)
    raw = fp.read(4)
    bad = _bad(name, at, raw, index, geometry, "")
    where = bad.message.split(" at byte ", 1)[0]
    if start >= state.size:
        why = f"past the end of the segment file ({state.size} bytes)"
    else:
        why = f"inside the chunks already checked (up to byte {state.checked_to})"
    return replace(
        bad,
        message=f"{where}: the table entry at byte {at} of {name} locates it at byte "
        f"{start}, {why}",
    )


def _expected_size(geometry: _Geometry | None, index: int | None) -> int | None:
    if geometry is None or index is None:
        return None
    media = geometry.sectors * geometry.bytes_per_sector
    return max(0, min(geometry.chunk_size, media - index * geometry.chunk_size))


def _chunk_fault(data: bytes, compressed: bool, expected: int | None, length: int) -> str | None:
    """Why a stored chunk is bad, or None when it checks out."""
    if len(data) < length:
        return f"chunk cut short: {len(data)} of {length} bytes (segment file truncated)"
    if compressed:
        inflater = zlib.decompressobj()
        try:
            out = inflater.decompress(data, (expected or _MAX_CHUNK) + 1)
        except zlib.error as exc:
            return f"zlib stream invalid: {exc}"
        if not inflater.eof:
            return "zlib stream incomplete (no end of stream where the chunk ends)"
        if expected is not None and len(out) != expected:
            return f"zlib stream inflates to {len(out)} bytes, not {expected}"
        return None
    body = data[:-4]
    if expected is not None and len(body) != expected:
        return f"uncompressed chunk holds {len(body)} bytes, not {expected}"
    if zlib.adler32(body) != int.from_bytes(data[-4:], "little"):
        return "uncompressed chunk fails its Adler-32 checksum"
    return None


def _bad(
    name: str,
    start: int,
    data: bytes | None,
    index: int | None,
    geometry: _Geometry | None,
    reason: str,
) -> ChunkProblem:
    sectors = None
    where = "chunk (number unknown: an earlier table was unreadable)"
    if (
        index is not None
        and geometry is not None
        and index * geometry.sectors_per_chunk >= geometry.sectors
    ):
        where = f"chunk {index} (past the {geometry.sectors} sectors of the volume section)"
    elif index is not None and geometry is not None:
        first = index * geometry.sectors_per_chunk
        last = min(first + geometry.sectors_per_chunk, geometry.sectors) - 1
        sectors = (first, last)
        size = geometry.bytes_per_sector
        media = f"media bytes {first * size}+{(last + 1 - first) * size}"
        where = f"chunk {index} (sectors {first}-{last}, {media})"
    return ChunkProblem(
        name,
        start,
        None if data is None else len(data),
        "ewf_chunk_corrupt",
        f"{where} at byte {start} of {name}: {reason}; libewf reads it as zeros",
        chunk=index,
        sectors=sectors,
        raw_sha256=None if data is None else hashlib.sha256(data).hexdigest(),
    )

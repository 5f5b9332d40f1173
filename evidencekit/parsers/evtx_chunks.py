"""EVTX file and chunk structure, read independently of the ``evtx`` package.

The ``evtx`` package (0.14) skips an all-zero chunk or a truncated tail without a word and
raises on a garbage chunk. So the reader checks the structure itself: the file header,
every 64 KiB chunk header (signature, record ranges, header CRC32, records CRC32) and
every record header (``2a 2a 00 00`` signature, size, copy of the size at the end), which
also gives each record's exact byte offset and the SHA-256 of its raw bytes.

Reference: libevtx "Windows XML Event Log (EVTX) format" (Joachim Metz), sections 2-4.
Registers no parser.
"""

from __future__ import annotations

import struct
import zlib
from dataclasses import dataclass, field
from hashlib import sha256
from typing import Any, NamedTuple

from evidencekit.extensions import optional_extension

FILE_MAGIC = b"ElfFile\x00"
CHUNK_MAGIC = b"ElfChnk\x00"
RECORD_MAGIC = b"\x2a\x2a\x00\x00"
HEADER_SIZE = 4096
CHUNK_SIZE = 65536
CHUNK_HEADER = 512
_RECORD_MIN = 28  # header (24) + trailing size copy (4)
_ZERO_CHUNK = bytes(CHUNK_SIZE)
_RECORD_HEAD = struct.Struct("<4sIQ")  # signature, size, record number
_U32 = struct.Struct("<I")
_COPY_MISMATCH = "trailing size copy does not match"


@dataclass(frozen=True, slots=True)
class FileHeader:
    """The 4 KiB file header (only the fields the checks use)."""

    valid_magic: bool
    crc_ok: bool
    first_chunk: int
    last_chunk: int
    next_record: int
    chunk_count: int
    flags: int


class RawRecord(NamedTuple):
    """One record found by walking a chunk: id from its header, where it is, its hash."""

    number: int
    offset: int
    size: int
    sha256: str
    damaged: bool = False  # the trailing size copy disagrees with the header size


@dataclass(slots=True)
class ChunkScan:
    """The structure of one chunk: its state, checks and the records it holds."""

    index: int
    offset: int
    state: str  # ok | zero | garbage | truncated
    header_crc_ok: bool = True
    records_crc_ok: bool = True
    first: int | None = None
    last: int | None = None
    records: list[RawRecord] = field(default_factory=list)
    breaks: list[tuple[int, str]] = field(default_factory=list)  # (file offset, reason)

    def slim(self) -> None:
        """Keep only the first and last record once the chunk is decoded (the continuity
        check needs no more; a multi-GB log would otherwise hold every record here)."""
        if len(self.records) > 2:
            self.records = [self.records[0], self.records[-1]]


def read_file_header(head: bytes) -> FileHeader:
    """Decode the file header from the first bytes of the file (short input tolerated)."""
    head = head[:128].ljust(128, b"\x00")
    first, last, nxt = struct.unpack_from("<QQQ", head, 8)
    chunks = struct.unpack_from("<H", head, 42)[0]
    flags, crc = struct.unpack_from("<II", head, 120)
    return FileHeader(
        valid_magic=head[:8] == FILE_MAGIC,
        crc_ok=zlib.crc32(head[:120]) == crc,
        first_chunk=first,
        last_chunk=last,
        next_record=nxt,
        chunk_count=chunks,
        flags=flags,
    )


def chunk_count(file_size: int) -> int:
    """Number of chunk slots after the file header (a partial last slot counts)."""
    return max(0, -(-(file_size - HEADER_SIZE) // CHUNK_SIZE))


def scan_chunk(index: int, data: bytes) -> ChunkScan:
    """Check one chunk (``data`` may be shorter than 64 KiB at a truncated tail)."""
    offset = HEADER_SIZE + index * CHUNK_SIZE
    if len(data) == CHUNK_SIZE and data == _ZERO_CHUNK:
        return ChunkScan(index, offset, "zero")
    if (not data or data[0] == 0) and not data.strip(b"\x00"):  # (strip copies the chunk)
        return ChunkScan(index, offset, "zero" if len(data) == CHUNK_SIZE else "truncated")
    state = "truncated" if len(data) < CHUNK_SIZE else "ok"
    scan = ChunkScan(index, offset, state)
    if data[:8] != CHUNK_MAGIC:
        scan.state = "garbage"
        _walk(scan, data, CHUNK_SIZE)
        return scan
    padded = data.ljust(CHUNK_HEADER, b"\x00")
    first, last = struct.unpack_from("<QQ", padded, 8)
    free, records_crc = struct.unpack_from("<II", padded, 48)
    header_crc = struct.unpack_from("<I", padded, 124)[0]
    scan.header_crc_ok = zlib.crc32(padded[:120] + padded[128:CHUNK_HEADER]) == header_crc
    end = free if CHUNK_HEADER <= free <= CHUNK_SIZE else CHUNK_SIZE
    # a truncated chunk cannot be checked; its own issue says so
    scan.records_crc_ok = (
        len(data) < end or zlib.crc32(memoryview(data)[CHUNK_HEADER:end]) == records_crc
    )  # (a view: the slice would copy the chunk)
    scan.first, scan.last = first, last
    _walk(scan, data, end)
    return scan


def _walk(scan: ChunkScan, data: bytes, end: int) -> None:
    """Collect every record from byte 512 up to the free-space offset. Each break in the
    chain of records is noted and the walk resumes at the next offset that holds a
    well-formed record. A record whose only flaw is its trailing size copy is kept (marked
    damaged): its header still says where its bytes are. Runs of well-formed records go
    through the C helper when it is built (:func:`walk_py` is its reference)."""
    if _C_WALK is None or type(data) is not bytes:
        walk_py(scan, data, end)
        return
    pos = CHUNK_HEADER
    limit = min(end, CHUNK_SIZE, len(data))
    while pos + _RECORD_MIN <= limit:
        pos = _C_WALK(data, pos, limit, scan.offset, scan.records, RawRecord)
        if pos + _RECORD_MIN > limit:
            return
        pos = _walk_odd(scan, data, pos, limit)
        if pos < 0:
            return


def walk_py(scan: ChunkScan, data: bytes, end: int) -> None:
    """The pure-Python walk (the reference of the C helper's ``walk``)."""
    pos = CHUNK_HEADER
    limit = min(end, CHUNK_SIZE, len(data))
    size_of, copy_of, new = _RECORD_HEAD.unpack_from, _U32.unpack_from, tuple.__new__
    view, top, base, records = memoryview(data), len(data), scan.offset, scan.records
    while pos + _RECORD_MIN <= limit:
        magic, size, number = size_of(data, pos)
        stop = pos + size
        # the common case inline (the checks of _problem, in its order); hashed from a view
        if (
            magic == RECORD_MAGIC
            and size >= _RECORD_MIN
            and stop <= top
            and copy_of(data, stop - 4)[0] == size
        ):
            digest = sha256(view[pos:stop]).hexdigest()
            records.append(new(RawRecord, (number, base + pos, size, digest, False)))
            pos = stop
            continue
        pos = _walk_odd(scan, data, pos, limit)
        if pos < 0:
            return


def _c_walk() -> Any:
    ext = optional_extension("evidencekit.parsers._evtxcore", "walk")
    return ext.walk if ext else None


_C_WALK = _c_walk()


def _walk_odd(scan: ChunkScan, data: bytes, pos: int, limit: int) -> int:
    """A record with a flaw at ``pos``: keep it (size copy only) or note the break and
    resync. Returns where the walk goes on, or -1 when it ends."""
    problem = _problem(data, pos)
    if problem is None or problem == _COPY_MISMATCH:
        size: int
        number: int
        size, number = _RECORD_HEAD.unpack_from(data, pos)[1:]
        digest = sha256(data[pos : pos + size]).hexdigest()
        damaged = problem is not None
        scan.records.append(RawRecord(number, scan.offset + pos, size, digest, damaged))
        if damaged:
            scan.breaks.append((scan.offset + pos, problem or ""))
        return pos + size
    if problem == "no record signature" and not data[pos:limit].strip(b"\x00"):
        return -1  # zero padding up to the free space: the normal end
    scan.breaks.append((scan.offset + pos, problem))
    return _resync(data, pos + 1, limit)


def _problem(data: bytes, pos: int) -> str | None:
    """Why the bytes at ``pos`` are not a complete record (None when they are)."""
    magic, size, _ = _RECORD_HEAD.unpack_from(data, pos)
    if magic != RECORD_MAGIC:
        return "no record signature"
    if size < _RECORD_MIN or pos + size > CHUNK_SIZE:
        return f"record size {size} out of bounds"
    if pos + size > len(data):
        return "record cut off by the end of the file"
    if _U32.unpack_from(data, pos + size - 4)[0] != size:
        return _COPY_MISMATCH
    return None


def _resync(data: bytes, start: int, limit: int) -> int:
    """The next offset after ``start`` where a well-formed record begins, or -1."""
    at = data.find(RECORD_MAGIC, start, limit)
    while at >= 0 and at + _RECORD_MIN <= limit:
        if _problem(data, at) is None:
            return at
        at = data.find(RECORD_MAGIC, at + 1, limit)
    return -1

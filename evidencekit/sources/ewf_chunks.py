"""Check every chunk of an EWF-E01 image against its own checksum.

libewf returns a chunk whose checksum fails as zeros without saying so (and pyewf
exposes no checksum errors), so only the stored media hash would show that something
is wrong, not where. This module reads the segment files itself, following the
EWF-E01 layout (Joachim Metz, "Expert Witness Compression Format (EWF)", libewf
documentation): each section descriptor (76 bytes: type, next offset, size,
Adler-32), the volume/disk/data section (sectors per chunk, bytes per sector, sector
count), the table/table2 sections (chunk offsets from a base offset, the top bit
flagging a zlib-compressed chunk; header and offset array each under Adler-32) and
the chunks in the sectors sections: a compressed chunk must inflate to a whole chunk
(zlib's own Adler-32 included), an uncompressed one ends with the Adler-32 of its data.

Every read is bounded (one section descriptor, one table, one chunk at a time). Each
problem names the segment file, the byte offset in it and, for a chunk, its index
and the media sectors it holds.
"""

from __future__ import annotations

import hashlib
import struct
import zlib
from collections.abc import Iterator, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from pathlib import Path
from typing import BinaryIO

from evidencekit.sources.ewf_tables import (
    _DESCRIPTOR,
    _MAX_CHUNK,
    ChunkCheck,
    ChunkProblem,
    _flush,
    _Geometry,
    _State,
    _table,
)

__all__ = ["ChunkCheck", "ChunkProblem", "check_segments", "start_check"]

_SIGNATURES = (b"EVF\x09\x0d\x0a\xff\x00", b"LVF\x09\x0d\x0a\xff\x00")
_VOLUME_TYPES = ("volume", "disk", "data")
# Problems listed one by one per segment file: a 2 GiB segment of 32 KiB chunks holds
# 65536, while forged tables could name one every 4 bytes (memory without bound).
_LISTED = 1 << 17


def start_check(segments: Sequence[Path]) -> Future[ChunkCheck]:
    """Check the chunks in a worker thread (reads, zlib and Adler-32 run without the
    GIL, so this overlaps the media hashing)."""
    pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="ek-ewf-chunks")
    future = pool.submit(check_segments, segments)
    pool.shutdown(wait=False)
    return future


def check_segments(segments: Sequence[Path]) -> ChunkCheck:
    """Check every section descriptor, table and chunk of the segment files, in order."""
    state = _State(ChunkCheck())
    for path in segments:
        try:
            state.sectors_end, state.ended, state.checked_to = None, False, 0
            state.size = path.stat().st_size
            with open(path, "rb") as fp:
                found = _segment(fp, path.name, state.size, state)
                state.check.problems.extend(_listed(found, path.name))
                state.check.problems.extend(_flush(state))
        except (OSError, ValueError, struct.error) as exc:
            state.check.problems.append(
                ChunkProblem(path.name, 0, None, "ewf_segment_unreadable", str(exc))
            )
        if not state.ended:  # chunks of this segment may be lost: later numbers unknown
            state.next_chunk = None
    geometry = state.geometry
    if geometry is not None:
        expected = -(-geometry.sectors // geometry.sectors_per_chunk)
        state.check.chunks_expected = expected
        if state.check.chunks_checked != expected:
            state.check.problems.append(
                ChunkProblem(
                    segments[-1].name if segments else "",
                    0,
                    None,
                    "ewf_chunks_missing",
                    f"the volume section declares {expected} chunks; the tables locate "
                    f"{state.check.chunks_checked}",
                )
            )
    return state.check


def _listed(found: Iterator[ChunkProblem], name: str) -> Iterator[ChunkProblem]:
    """The first ``_LISTED`` problems of a segment file, then one that counts the rest."""
    more, first = 0, None
    for n, problem in enumerate(found):
        if n < _LISTED:
            yield problem
        else:
            more, first = more + 1, first or problem
    if first is not None:
        yield ChunkProblem(
            name,
            first.offset,
            None,
            "ewf_problems_not_listed",
            f"{more} more problems in {name} from byte {first.offset} (first: "
            f"{first.code}) are counted here, not listed one by one",
        )


def _segment(fp: BinaryIO, name: str, size: int, state: _State) -> Iterator[ChunkProblem]:
    head = fp.read(13)
    if len(head) < 13 or head[:8] not in _SIGNATURES:
        yield ChunkProblem(name, 0, 13, "ewf_header_invalid", "no EWF segment file signature")
        return
    offset = 13
    while True:
        fp.seek(offset)
        desc = fp.read(_DESCRIPTOR)
        if len(desc) < _DESCRIPTOR:
            yield ChunkProblem(
                name,
                offset,
                len(desc),
                "ewf_section_truncated",
                "section descriptor cut short: segment file truncated",
            )
            return
        kind = desc[:16].split(b"\0", 1)[0].decode("ascii", "replace")
        following, length = struct.unpack_from("<QQ", desc, 16)
        if zlib.adler32(desc[:72]) != struct.unpack_from("<I", desc, 72)[0]:
            yield ChunkProblem(
                name,
                offset,
                _DESCRIPTOR,
                "ewf_section_corrupt",
                f"section descriptor ({kind!r}) fails its Adler-32; "
                "the rest of this segment file cannot be followed",
                raw_sha256=hashlib.sha256(desc).hexdigest(),
            )
            return
        if kind in ("next", "done"):
            state.ended = True
            return
        yield from _section(fp, name, kind, offset, length, state)
        if following <= offset or following > size:
            yield ChunkProblem(
                name,
                offset,
                _DESCRIPTOR,
                "ewf_section_chain_broken",
                f"section {kind!r} points to byte {following} of {size}",
            )
            return
        offset = following


def _section(
    fp: BinaryIO, name: str, kind: str, offset: int, length: int, state: _State
) -> Iterator[ChunkProblem]:
    if kind == "table2" and state.table_failed is not None:
        yield from _table(fp, name, offset, length, state, mirror=True)
        return
    yield from _flush(state)
    if kind in _VOLUME_TYPES and state.geometry is None:
        state.geometry = _volume(fp, offset)
        if state.geometry is None:
            yield ChunkProblem(
                name,
                offset,
                length,
                "ewf_volume_invalid",
                f"{kind} section holds no usable chunk geometry",
            )
    elif kind == "sectors":
        state.sectors_end = offset + length
    elif kind == "table":
        yield from _table(fp, name, offset, length, state, mirror=False)


def _volume(fp: BinaryIO, offset: int) -> _Geometry | None:
    fp.seek(offset + _DESCRIPTOR)
    data = fp.read(24)
    if len(data) < 24:
        return None
    per_chunk, per_sector = struct.unpack_from("<II", data, 8)
    sectors = struct.unpack_from("<Q", data, 16)[0]
    chunk = per_chunk * per_sector
    if not 0 < chunk <= _MAX_CHUNK or not sectors:
        return None
    return _Geometry(chunk, per_chunk, per_sector, sectors)

"""Windows XML event log files (``.evtx``), read with the Rust ``evtx`` package.

Each 64 KiB chunk is checked by :mod:`evtx_chunks` (signature, CRCs, record walk) and then
decoded on its own by ``evtx`` (the file header followed by that one chunk), so a damaged
chunk never hides records of another, every record gets its exact byte offset and the
SHA-256 of its raw bytes, and every record the walk found but ``evtx`` could not decode
becomes an error issue at its offset. Record-id continuity across chunks is checked; gaps
become issues with the number of records lost. Option ``workers`` (int) decodes chunk
ranges (at most ``chunks_per_task`` chunks each, default 64) in that many worker
processes, this one helping when it would wait (:mod:`evtx_workers`); the output is merged
in chunk order, so it is byte-identical to a one-process run. Option ``ansi_codec``
(default ``windows-1252``; ``shift_jis`` for Japanese systems) decodes the rare 8-bit
strings inside records.

Reference: libevtx "Windows XML Event Log (EVTX) format"; events normalized by
:mod:`evidencekit.events.windows`.
"""

from __future__ import annotations

import io
from collections.abc import Iterator
from pathlib import Path
from typing import Any, ClassVar

import evtx

from evidencekit.errors import ModelError
from evidencekit.model import Locator, ParseIssue
from evidencekit.parsers.base import EventContent, KeyedLines, ParseContext, parsers
from evidencekit.parsers.evtx_chunks import (
    FILE_MAGIC,
    HEADER_SIZE,
    ChunkScan,
    chunk_count,
    read_file_header,
)
from evidencekit.parsers.evtx_continuity import continuity_issues
from evidencekit.parsers.evtx_decode import Job
from evidencekit.parsers.evtx_workers import results

_BATCH = 64  # chunks per worker task (4 MiB)


@parsers.register("evtx")
class EvtxParser:
    """Windows event log files (.evtx): every record, every damaged chunk reported."""

    name: ClassVar[str] = "evtx"
    version: ClassVar[str] = "1"
    source_kind: ClassVar[str] = "log"
    default_time_zone: ClassVar[str] = "UTC"
    utc_by_definition: ClassVar[bool] = True  # FILETIMEs: never shifted
    image_globs: ClassVar[tuple[str, ...]] = ("Windows/System32/winevt/Logs/*.evtx",)
    # options that spread the work over processes: never part of the source record
    execution_options: ClassVar[frozenset[str]] = frozenset({"workers", "chunks_per_task"})

    @classmethod
    def check(cls, head: bytes, path: Path) -> bool:
        return head[:8] == FILE_MAGIC

    def parse(self, ctx: ParseContext) -> Iterator[ParseIssue | EventContent | KeyedLines]:
        size = ctx.path.stat().st_size
        with open(ctx.path, "rb") as fp:
            header = fp.read(HEADER_SIZE)
        yield from _header_issues(ctx, header, size)
        if len(header) < HEADER_SIZE:
            return
        scans: list[ChunkScan] = []
        workers = int(ctx.options.get("workers", 1))
        per_task = int(ctx.options.get("chunks_per_task", _BATCH))
        chunks = chunk_count(size)
        # evtx reads chunks only behind a header that has the signature: give it one (in the
        # in-memory view only; the file is never written)
        view = header if header[:8] == FILE_MAGIC else FILE_MAGIC + header[8:]
        # with workers, they key the content into store lines (the parent only writes them)
        keys = ctx.keyer.keys if ctx.keyer is not None and workers > 1 else None
        job = Job(ctx.source_id, _codec(ctx.options.get("ansi_codec", "windows-1252")), keys)
        for result in results(ctx.path, view, chunks, workers, per_task, job):
            if result.keyed is not None and result.packed is not None:
                ctx.records_read += result.keyed
                yield KeyedLines(result.packed, result.keyed)
            else:
                ctx.records_read += len(result.contents)
                yield from result.contents
            for code, message, loc, raw, severity, lost in result.issues:
                yield ctx.issue(code, message, Locator(**loc), raw, severity, lost)  # type: ignore[arg-type]
            scans.append(result.scan)
        for code, message, loc, lost, severity in continuity_issues(
            scans, read_file_header(header)
        ):
            yield ctx.issue(code, message, Locator(**loc), None, severity, lost)  # type: ignore[arg-type]
            if lost and severity == "error":
                ctx.records_failed += lost - 1  # every record known to be lost counts


def _codec(name: Any) -> str:
    """The ``ansi_codec`` option, checked before anything is read (a bad option is an
    error of the call, not of the evidence)."""
    try:
        evtx.PyEvtxParser(io.BytesIO(FILE_MAGIC.ljust(HEADER_SIZE, b"\x00")), 1, str(name))
    except ValueError as exc:
        raise ModelError("options.ansi_codec", str(exc)) from exc
    return str(name)


def _header_issues(ctx: ParseContext, header: bytes, size: int) -> Iterator[ParseIssue]:
    at_start = Locator(offset="0", length=min(size, HEADER_SIZE))
    fh = read_file_header(header)
    if len(header) < HEADER_SIZE:
        yield ctx.issue(
            "file_truncated",
            f"file of {size} bytes has no complete header",
            at_start,
            header,
            "error",
        )
    elif not fh.valid_magic:
        yield ctx.issue(
            "file_header_signature",
            "file header lacks the ElfFile signature; chunks are read at their fixed offsets",
            at_start,
            header[:128],
        )
    elif not fh.crc_ok:
        yield ctx.issue(
            "file_header_crc", "file header CRC32 does not match", at_start, header[:128]
        )

"""Windows XML event log files (``.evtx``), read with the Rust ``evtx`` package.

Each 64 KiB chunk is checked by :mod:`evtx_chunks` (signature, CRCs, record walk) and then
decoded on its own by ``evtx`` (the file header followed by that one chunk), so a damaged
chunk never hides records of another, every record gets its exact byte offset and the
SHA-256 of its raw bytes, and every record the walk found but ``evtx`` could not decode
becomes an error issue at its offset. Record-id continuity across chunks is checked; gaps
become issues with the number of records lost. Option ``workers`` (int) decodes chunk
ranges (``chunks_per_task`` chunks each, default 64) in that many processes; the output is
merged in chunk order, so it is byte-identical to a one-process run. Option ``ansi_codec``
(default ``windows-1252``; ``shift_jis`` for Japanese systems) decodes the rare 8-bit
strings inside records.

Reference: libevtx "Windows XML Event Log (EVTX) format"; events normalized by
:mod:`evidencekit.events.windows`.
"""

from __future__ import annotations

import io
import marshal
import multiprocessing
from collections import deque
from collections.abc import Iterator
from concurrent.futures import Future, ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, ClassVar, NamedTuple

import evtx
import orjson

from evidencekit.errors import ModelError
from evidencekit.events.windows import WinRecord, normalize
from evidencekit.model import Locator, ParseIssue
from evidencekit.parsers.base import EventContent, ParseContext, parsers
from evidencekit.parsers.evtx_chunks import (
    CHUNK_SIZE,
    FILE_MAGIC,
    HEADER_SIZE,
    ChunkScan,
    RawRecord,
    chunk_count,
    read_file_header,
    scan_chunk,
)
from evidencekit.parsers.evtx_continuity import continuity_issues
from evidencekit.parsers.evtx_json import record_from_json

IssueArgs = tuple[str, str, dict[str, Any], bytes | None, str, int | None]
_BATCH = 64  # chunks per worker task (4 MiB)


class Job(NamedTuple):
    """What every chunk of one parse needs (sent to worker processes as it is)."""

    source_id: str
    ansi_codec: str = "windows-1252"


@dataclass(slots=True)
class ChunkResult:
    """What one chunk gave: events (content dicts), issues and its record-id range."""

    scan: ChunkScan
    contents: list[EventContent] = field(default_factory=list)
    issues: list[IssueArgs] = field(default_factory=list)
    packed: bytes | None = None  # contents marshalled on their way from a worker


@parsers.register("evtx")
class EvtxParser:
    """Windows event log files (.evtx): every record, every damaged chunk reported."""

    name: ClassVar[str] = "evtx"
    version: ClassVar[str] = "1"
    source_kind: ClassVar[str] = "log"
    default_time_zone: ClassVar[str] = "UTC"
    utc_by_definition: ClassVar[bool] = True  # FILETIMEs: never shifted
    image_globs: ClassVar[tuple[str, ...]] = ("Windows/System32/winevt/Logs/*.evtx",)

    @classmethod
    def check(cls, head: bytes, path: Path) -> bool:
        return head[:8] == FILE_MAGIC

    def parse(self, ctx: ParseContext) -> Iterator[ParseIssue | EventContent]:
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
        job = Job(ctx.source_id, _codec(ctx.options.get("ansi_codec", "windows-1252")))
        for result in _results(ctx.path, view, chunks, workers, per_task, job):
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


def _results(
    path: Path, header: bytes, chunks: int, workers: int, per_task: int, job: Job
) -> Iterator[ChunkResult]:
    per_task = max(1, per_task)
    ranges = [(a, min(a + per_task, chunks)) for a in range(0, chunks, per_task)]
    if workers <= 1 or len(ranges) < 2:
        for start, stop in ranges:
            yield from process_range(path, header, start, stop, job)
        return
    pool = _pool(workers)
    pending: deque[Future[list[ChunkResult]]] = deque()
    try:
        for start, stop in ranges:
            pending.append(pool.submit(_packed_range, path, header, start, stop, job))
            if len(pending) > 2 * workers:
                yield from _unpacked(pending.popleft().result())
        while pending:
            yield from _unpacked(pending.popleft().result())
    except BrokenProcessPool:
        _POOLS.pop(workers, None)  # a dead worker: the next parse starts a fresh pool
        raise


def _packed_range(path: Path, header: bytes, start: int, stop: int, job: Job) -> list[ChunkResult]:
    """:func:`process_range` in a worker: content travels marshalled (about twice as fast
    as pickled dicts; it holds only dicts, lists, text and integers)."""
    results = process_range(path, header, start, stop, job)
    for result in results:
        result.packed = marshal.dumps(result.contents)
        result.contents = []
    return results


def _unpacked(results: list[ChunkResult]) -> Iterator[ChunkResult]:
    for result in results:
        if result.packed is not None:
            result.contents = marshal.loads(result.packed)  # noqa: S302 - our own worker's output
            result.packed = None
        yield result


_POOLS: dict[int, ProcessPoolExecutor] = {}


def _pool(workers: int) -> ProcessPoolExecutor:
    """A process pool kept for the life of the process (worker start-up costs ~0.5 s)."""
    pool = _POOLS.get(workers)
    if pool is None:
        # spawn, not fork: the parent may hold threads (evtx's own, the CLI's progress)
        pool = ProcessPoolExecutor(workers, mp_context=multiprocessing.get_context("spawn"))
        _POOLS[workers] = pool
    return pool


def process_range(path: Path, header: bytes, start: int, stop: int, job: Job) -> list[ChunkResult]:
    """Scan and decode chunks ``start``..``stop - 1`` of ``path`` (runs in workers too)."""
    with open(path, "rb") as fp:
        fp.seek(HEADER_SIZE + start * CHUNK_SIZE)
        return [process_chunk(header, i, fp.read(CHUNK_SIZE), job) for i in range(start, stop)]


def process_chunk(header: bytes, index: int, data: bytes, job: Job) -> ChunkResult:
    """Check one chunk and turn every decodable record into event content."""
    scan = scan_chunk(index, data)
    result = ChunkResult(scan)
    where = {"offset": str(scan.offset), "length": len(data)}
    if scan.state == "zero":
        return result
    if scan.state == "garbage":
        found = len(scan.records)
        result.issues.append(
            (
                "chunk_signature",
                "chunk lacks the ElfChnk signature; "
                f"{found} record headers seen in it are not decoded",
                where,
                data,
                "warning",
                found or None,
            )
        )
        scan.slim()
        return result
    flags = _chunk_flags(scan, result, where, data)
    for at, reason in scan.breaks:
        then = (
            "record kept, flagged record_damaged"
            if "copy" in reason
            else ("walk resumed at the next well-formed record")
        )
        where_break = {"offset": str(at)}
        result.issues.append(("record_structure", f"{reason}; {then}", where_break, None,
                              "warning", None))  # fmt: skip
    _decode(header, data, scan, flags, job, result)
    scan.slim()
    return result


def _chunk_flags(
    scan: ChunkScan, result: ChunkResult, where: dict[str, Any], data: bytes
) -> tuple[str, ...]:
    flags: list[str] = []
    if scan.state == "truncated":
        flags.append("chunk_truncated")
        result.issues.append(
            (
                "chunk_truncated",
                f"file ends {len(data)} bytes into this chunk; "
                "complete records before the end are read",
                where,
                None,
                "warning",
                None,
            )
        )
    if not scan.header_crc_ok or not scan.records_crc_ok:
        flags.append("chunk_crc_mismatch")
        which = "header" if not scan.header_crc_ok else "event records"
        result.issues.append(
            (
                "chunk_crc",
                f"chunk {which} CRC32 does not match; its records "
                "are read and flagged chunk_crc_mismatch",
                where,
                data[:512],
                "warning",
                None,
            )
        )
    return tuple(flags)


def _decode(
    header: bytes,
    data: bytes,
    scan: ChunkScan,
    flags: tuple[str, ...],
    job: Job,
    result: ChunkResult,
) -> None:
    pending, twins = _by_number(scan.records)
    errors: list[str] = []
    for number, text in _evtx_records(header, data, errors, job.ansi_codec):
        raw = pending.pop(number, None)
        if raw is None and twins:
            raw = next((t for t in twins if t.number == number), None)
            if raw is not None:
                twins.remove(raw)
        try:  # a damaged record may decode to unexpected shapes: it is reported, never fatal
            rec = record_from_json(orjson.loads(text)["Event"])
            content = _content(rec, raw, number, scan, flags, job.source_id, result)
        except (orjson.JSONDecodeError, KeyError, TypeError, ValueError, AttributeError) as exc:
            if raw is not None:
                twins.append(raw)
            errors.append(f"record {number}: {type(exc).__name__}: {exc}")
            continue
        if content is not None:
            result.contents.append(content)
    _unparsed(data, scan, [*pending.values(), *twins], errors, result)


def _by_number(records: list[RawRecord]) -> tuple[dict[int, RawRecord], list[RawRecord]]:
    """Walked records by number; a number seen twice in one chunk (damage) goes aside."""
    pending: dict[int, RawRecord] = {}
    twins: list[RawRecord] = []
    for walked in records:
        if walked.number in pending:
            twins.append(walked)
        else:
            pending[walked.number] = walked
    return pending, twins


def _unparsed(
    data: bytes, scan: ChunkScan, left: list[RawRecord], errors: list[str], result: ChunkResult
) -> None:
    """Every walked record evtx did not decode is an error at its offset."""
    why = "; ".join(errors)[:500] or "evtx returned nothing for it"
    for raw in sorted(left, key=lambda r: r.offset):
        where = {"record": str(raw.number), "offset": str(raw.offset), "length": raw.size}
        message = f"record {raw.number} could not be decoded ({why})"
        result.issues.append(
            ("record_unparsed", message, where, _raw(data, scan, raw), "error", None)
        )
    if errors and not left:
        where = {"offset": str(scan.offset)}
        result.issues.append(("evtx_error", why, where, None, "warning", None))


def _content(
    rec: WinRecord,
    raw: RawRecord | None,
    number: int,
    scan: ChunkScan,
    flags: tuple[str, ...],
    source_id: str,
    result: ChunkResult,
) -> EventContent | None:
    rid = rec.record_id
    record = rid if rid and rid.isascii() and rid.isdigit() and rid[0] != "0" else str(number)
    if raw is None and scan.state == "truncated":
        return None  # decoded from the zero padding past the end of the file: not evidence
    if raw is None:
        locator: dict[str, Any] = {"record": record, "offset": str(scan.offset)}
        result.issues.append(
            (
                "record_offset_unknown",
                f"record {number} was decoded but not "
                "found by the record walk; its locator gives the chunk offset",
                locator,
                None,
                "warning",
                None,
            )
        )
        return normalize(rec, source_id, locator, None, (*flags, "offset_is_chunk"))
    locator = {"record": record, "offset": str(raw.offset), "length": raw.size}
    if rec.record_id is not None and rec.record_id != str(number):
        rec.system["record_number"] = str(number)
    if raw.damaged:
        flags = (*flags, "record_damaged")
    return normalize(rec, source_id, locator, raw.sha256, flags)


def _raw(data: bytes, scan: ChunkScan, raw: RawRecord) -> bytes:
    start = raw.offset - scan.offset
    return data[start : start + raw.size]


def _evtx_records(
    header: bytes, data: bytes, errors: list[str], ansi_codec: str = "windows-1252"
) -> Iterator[tuple[int, str]]:
    """(record number, JSON text) for every record ``evtx`` decodes in this one chunk."""
    view = io.BytesIO(header + data.ljust(CHUNK_SIZE, b"\x00"))
    try:
        records = evtx.PyEvtxParser(view, 1, ansi_codec).records_json()
    except (RuntimeError, OSError, ValueError) as exc:
        errors.append(str(exc))
        return
    while True:
        try:
            record = next(records)
        except StopIteration:
            return
        except (RuntimeError, OSError, ValueError) as exc:  # one bad record; go on
            errors.append(str(exc).splitlines()[0] if str(exc) else type(exc).__name__)
            continue
        if record is not None:
            yield record["event_record_id"], record["data"]

"""One EVTX chunk -> event content and issues (used by :mod:`evtx` in the parsing process
and in worker processes).

The chunk is checked by :mod:`evtx_chunks` (signature, CRCs, record walk) and decoded on
its own by ``evtx`` (the file header followed by that one chunk), so a damaged chunk never
hides records of another; every record the walk found but ``evtx`` could not decode becomes
an error issue at its offset. Registers no parser.
"""

from __future__ import annotations

import io
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, NamedTuple

import evtx
import orjson

from evidencekit.events.windows import WinRecord, normalize
from evidencekit.parsers.base import EventContent
from evidencekit.parsers.evtx_chunks import (
    CHUNK_SIZE,
    HEADER_SIZE,
    ChunkScan,
    RawRecord,
    scan_chunk,
)
from evidencekit.parsers.evtx_fast import fast_content
from evidencekit.parsers.evtx_json import record_from_json

IssueArgs = tuple[str, str, dict[str, Any], bytes | None, str, int | None]


class Job(NamedTuple):
    """What every chunk of one parse needs (sent to worker processes as it is)."""

    source_id: str
    ansi_codec: str = "windows-1252"
    keys: tuple[bytes, bytes] | None = None  # set: workers key the content into store lines


@dataclass(slots=True)
class ChunkResult:
    """What one chunk gave: events (content dicts), issues and its record-id range."""

    scan: ChunkScan
    contents: list[EventContent] = field(default_factory=list)
    issues: list[IssueArgs] = field(default_factory=list)
    packed: bytes | None = None  # contents marshalled on their way from a worker
    keyed: int | None = None  # set: ``packed`` holds this many keyed store lines instead


def process_range(path: Path, header: bytes, start: int, stop: int, job: Job) -> list[ChunkResult]:
    """Scan and decode chunks ``start``..``stop - 1`` of ``path`` (runs in workers too)."""
    return list(iter_range(path, header, start, stop, job))


def iter_range(path: Path, header: bytes, start: int, stop: int, job: Job) -> Iterator[ChunkResult]:
    """:func:`process_range` one chunk at a time: a consumer in this process holds only
    one chunk's content at once (a whole range of it, built and then freed, runs ~10%
    slower for want of cache)."""
    with open(path, "rb") as fp:
        fp.seek(HEADER_SIZE + start * CHUNK_SIZE)
        for i in range(start, stop):
            yield process_chunk(header, i, fp.read(CHUNK_SIZE), job)


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
                data,  # the chunk the locator names
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
    walked = scan.records
    pending = {raw.number: raw for raw in walked}
    twins: list[RawRecord] = []
    if len(pending) != len(walked):
        pending, twins = _by_number(walked)
    errors: list[str] = []  # what evtx said of the chunk (records it gave nothing for)
    failed: dict[int, str] = {}  # record number -> why its decoded form was refused
    contents, loads, source_id = result.contents, orjson.loads, job.source_id
    records = _evtx_iter(header, data, errors, job.ansi_codec)
    while records is not None:  # inline: a generator here cost ~0.3 us a record
        try:
            record = next(records)
        except StopIteration:
            break
        except (RuntimeError, OSError, ValueError) as exc:  # one bad record; go on
            errors.append(_first_line(exc))
            continue
        if record is None:
            continue
        number, text = record["event_record_id"], record["data"]
        raw = pending.pop(number, None)
        if raw is None and twins:
            raw = _twin(twins, number)
        try:  # a damaged record may decode to unexpected shapes: it is reported, never fatal
            event = loads(text)["Event"]
            content = None if raw is None else fast_content(event, raw, number, flags, source_id)
            if content is None:
                rec = record_from_json(event)
                content = _content(rec, raw, number, scan, flags, source_id, result)
        except (orjson.JSONDecodeError, KeyError, TypeError, ValueError, AttributeError) as exc:
            why = f"evtx decoded it to a form not read here: {type(exc).__name__}: {exc}"
            if raw is None:
                errors.append(f"record {number}: {why}")
            else:
                twins.append(raw)
                failed[number] = why
            continue
        if content is not None:
            contents.append(content)
    _unparsed(data, scan, [*pending.values(), *twins], (errors, failed), result)


def _twin(twins: list[RawRecord], number: int) -> RawRecord | None:
    """Take the set-aside walked record numbered ``number``, if any."""
    raw = next((t for t in twins if t.number == number), None)
    if raw is not None:
        twins.remove(raw)
    return raw


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
    data: bytes,
    scan: ChunkScan,
    left: list[RawRecord],
    reasons: tuple[list[str], dict[int, str]],
    result: ChunkResult,
) -> None:
    """Every walked record not decoded is an error at its offset, with its own reason when
    there is one (``reasons``: evtx's errors for the chunk, and per record number why its
    decoded form was refused)."""
    errors, failed = reasons
    why = "; ".join(errors)[:500]
    for raw in sorted(left, key=lambda r: r.offset):
        where = {"record": str(raw.number), "offset": str(raw.offset), "length": raw.size}
        own = failed.get(raw.number)
        if own is None:
            own = f"evtx gave no record for it{'; evtx said: ' + why if why else ''}"
        message = f"record {raw.number} could not be decoded ({own[:500]})"
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


def _evtx_iter(
    header: bytes, data: bytes, errors: list[str], ansi_codec: str = "windows-1252"
) -> Iterator[dict[str, Any] | None] | None:
    """``evtx``'s record iterator over this one chunk, or None (the error noted) when it
    cannot be opened; its ``next`` may raise for one bad record and go on after."""
    view = io.BytesIO(header + data.ljust(CHUNK_SIZE, b"\x00"))
    try:
        records: Iterator[dict[str, Any] | None] = evtx.PyEvtxParser(
            view, 1, ansi_codec
        ).records_json()
    except (RuntimeError, OSError, ValueError) as exc:
        errors.append(str(exc))
        return None
    return records


def _first_line(exc: Exception) -> str:
    return str(exc).splitlines()[0] if str(exc) else type(exc).__name__

"""Record-id continuity of an EVTX file: where records are missing and how many.

Works on the chunk scans of :mod:`evtx_chunks` once the whole file has been read. Record
numbers come from the record headers the walk found (chunk headers may lie). Registers
no parser.
"""

from __future__ import annotations

from itertools import pairwise
from typing import Any

from evidencekit.parsers.evtx_chunks import FileHeader

Gap = tuple[str, str, dict[str, Any], int | None, str]


def continuity_issues(scans: list[Any], header: FileHeader) -> list[Gap]:
    """Issues for zero chunks inside the file, record-id gaps and overlaps between
    chunks, records missing inside a chunk and at the end of the log."""
    last_used = max((s.index for s in scans if s.state != "zero"), default=-1)
    out = _zero_chunks(scans, last_used)
    for scan in scans:
        out.extend(_inside(scan))
    out.extend(_missing_chunks(scans, header))
    by_index = {s.index: s for s in scans}
    ranges = sorted(
        (s.records[0].number, s.records[-1].number, s.index)
        for s in scans
        if s.state in ("ok", "truncated") and s.records
    )
    for (_, a_last, a_idx), (b_first, _, b_idx) in pairwise(ranges):
        out.extend(_between(a_last, a_idx, b_first, b_idx, by_index))
    if ranges and header.valid_magic:
        top = max(r[1] for r in ranges)
        if 0 < header.next_record - 1 - top < 2**32:
            lost = header.next_record - 1 - top
            message = (
                f"file header expects records up to {header.next_record - 1}; "
                f"the last record found is {top}"
            )
            where = {"offset": str(by_index[last_used].offset)}
            out.append(("records_missing_at_end", message, where, lost, "error"))
    return out


def _zero_chunks(scans: list[Any], last_used: int) -> list[Gap]:
    """All-zero chunks: a warning each between used chunks, one note for the tail."""
    out: list[Gap] = []
    for scan in scans:
        if scan.state == "zero" and scan.index < last_used:
            where = {"offset": str(scan.offset), "length": 65536}
            out.append(("chunk_zero", "chunk is all zero bytes between used chunks", where,
                        None, "warning"))  # fmt: skip
    trailing = [s for s in scans if s.state == "zero" and s.index > last_used]
    if trailing:
        message = (
            f"{len(trailing)} all-zero chunk(s) after the last used chunk "
            "(preallocated space, or wiped records)"
        )
        out.append(("unused_chunks", message, {"offset": str(trailing[0].offset)}, None, "info"))
    return out


def _missing_chunks(scans: list[Any], header: FileHeader) -> list[Gap]:
    """Chunks the file header counts that are not in the file at all (cut file)."""
    if not header.valid_magic or len(scans) >= header.chunk_count:
        return []
    end = 4096 + len(scans) * 65536
    return [
        (
            "chunks_missing",
            f"file header counts {header.chunk_count} chunks; the file holds "
            f"{len(scans)} (cut short)",
            {"offset": str(end)},
            None,
            "error",
        )
    ]


def _inside(scan: Any) -> list[Gap]:
    """Records the chunk header announces but the walk did not reach."""
    if scan.state not in ("ok", "truncated") or scan.last is None or scan.first is None:
        return []
    found = scan.records[-1].number if scan.records else scan.first - 1
    lost = scan.last - found
    if not 0 < lost <= 65536 // 28:
        return []
    where = scan.breaks[0][0] if scan.breaks else scan.offset
    return [
        (
            "chunk_records_missing",
            f"chunk header lists records {scan.first}..{scan.last}; "
            f"records after {found} were not found",
            {"offset": str(where)},
            lost,
            "error",
        )
    ]


def _between(
    a_last: int, a_idx: int, b_first: int, b_idx: int, by_index: dict[int, Any]
) -> list[Gap]:
    if b_first == a_last + 1:
        return []
    lo, hi = sorted((a_idx, b_idx))
    bad = [by_index[i] for i in range(lo + 1, hi) if i in by_index]
    bad = [s for s in bad if s.state in ("zero", "garbage")]
    where = bad[0].offset if bad else by_index[b_idx].offset
    if b_first <= a_last:
        return [
            (
                "record_id_overlap",
                f"records up to {a_last} are followed by a chunk "
                f"starting at {b_first} (duplicate record numbers)",
                {"offset": str(where)},
                None,
                "warning",
            )
        ]
    lost = b_first - a_last - 1
    detail = ", ".join(f"{s.state} chunk at {s.offset}" for s in bad) or "no damaged chunk between"
    return [
        (
            "record_id_gap",
            f"records {a_last + 1}..{b_first - 1} are missing ({detail})",
            {"offset": str(where)},
            lost,
            "error",
        )
    ]

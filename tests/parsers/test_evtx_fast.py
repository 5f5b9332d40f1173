"""The .evtx reader's fast paths give exactly what their general references give.

* ``record_from_json`` reads the usual shape of a record inline; ``_general`` reads any
  shape. ``fast_content`` (record straight to event content) against ``record_from_json``
  and ``normalize``. All run on every record of the real corpus and of written logs, and
  on records whose System block hypothesis bends (other types, other time forms, missing
  parts).
* The chunk walk's inline case against ``_walk_odd`` (the checks of ``_problem``) on
  every chunk of the corpus and on chunks with one byte changed.
* Several processes (this one taking its share) against one process.
"""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

import evtx
import orjson
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from evidencekit.parsers.base import ParseContext
from evidencekit.parsers.evtx import EvtxParser
from evidencekit.parsers.evtx_chunks import CHUNK_SIZE, HEADER_SIZE, ChunkScan, RawRecord, _walk_odd
from evidencekit.parsers.evtx_chunks import scan_chunk as fast_scan
from evidencekit.parsers.evtx_decode import ChunkResult, _content
from evidencekit.parsers.evtx_fast import fast_content
from evidencekit.parsers.evtx_json import _general, record_from_json
from evidencekit.parsers.evtx_workers import _ranges
from tests.writers import evtx_writer as w

LOGONS = "evtx/security_logons_python-evtx.evtx"


def _events(path: Path) -> list[dict[str, Any]]:
    records = evtx.PyEvtxParser(str(path), 1).records_json()
    return [orjson.loads(r["data"])["Event"] for r in records]


def _both(event: dict[str, Any]) -> tuple[Any, Any]:
    """(fast, general) on separate copies (both may turn integer values into text in place)."""
    one, two = copy.deepcopy(event), copy.deepcopy(event)
    _same_content(event)
    return record_from_json(one), _general(two, two["System"])


_RAWS = (RawRecord(7, 4096 + 65536 + 512, 1000, "ab" * 32),
         RawRecord(7, 4096 + 700, 88, "cd" * 32, damaged=True))  # fmt: skip


def _same_content(event: dict[str, Any]) -> int:
    """fast_content equals record_from_json + normalize (the reader's general path) for the
    event under two record numbers, two walk results and with and without chunk flags;
    returns how many times the fast path answered."""
    answered = 0
    for raw, number, flags in ((_RAWS[0], 7, ()), (_RAWS[1], 12, ("chunk_crc_mismatch",))):
        scan = ChunkScan(1, 4096 + 65536, "ok")
        fast = fast_content(copy.deepcopy(event), raw, number, flags, "0" * 16)
        try:
            rec = record_from_json(copy.deepcopy(event))
        except (TypeError, ValueError, KeyError, AttributeError):
            assert fast is None
            continue
        general = _content(rec, raw, number, scan, flags, "0" * 16, ChunkResult(scan))
        if fast is not None:
            answered += 1
            assert orjson.dumps(fast, option=orjson.OPT_SORT_KEYS) == orjson.dumps(
                general, option=orjson.OPT_SORT_KEYS
            )
    return answered


def test_fast_content_answers_for_usual_records(corpus: Path) -> None:
    """The one-pass path is taken for the corpus's records (not only its fallback)."""
    events = _events(corpus / LOGONS)
    assert sum(_same_content(event) for event in events) == 2 * len(events)


def test_fast_record_equals_general_on_every_corpus_record(corpus: Path) -> None:
    seen = 0
    for path in sorted((corpus / "evtx").glob("*.evtx")):
        for event in _events(path):
            fast, general = _both(event)
            assert fast == general, (path.name, event["System"].get("EventRecordID"))
            seen += 1
    assert seen > 4700


def test_fast_record_equals_general_on_written_records(tmp_path: Path) -> None:
    data = {"SubjectUserName": "山田", "ObjectName": r"D:\設計\a.dwg", "AccessMask": "0x1"}
    written = [
        w.event("Microsoft-Windows-Security-Auditing", 4663, 1, "2024-04-01T00:00:01.1234567Z",
                data),
        w.event("Microsoft-Windows-PrintService", 307, 2, "2024-04-01T00:00:02.5Z",
                {"Param1": "1", "Param2": "x.pdf"}, user_data="DocumentPrinted"),
    ]  # fmt: skip
    path = tmp_path / "w.evtx"
    path.write_bytes(w.evtx_file([w.chunk(1, [(0, e) for e in written])], 3))
    events = _events(path)
    assert len(events) == 2
    for event in events:
        fast, general = _both(event)
        assert fast == general


_SCALARS = st.one_of(
    st.none(), st.integers(-5, 2**40), st.text(max_size=12), st.booleans(), st.floats(0, 9)
)
_TIMES = st.one_of(
    st.just("2016-07-08T18:12:51.681640Z"),
    st.just("2016-07-08T18:12:51.681640+09:00"),
    st.just("２016-07-08T18:12:51.681640Z"),  # a full-width digit: not the usual form
    st.just("2016-07-08 18:12:51.681640Z"),
    st.text(min_size=27, max_size=27),
    _SCALARS,
)


@settings(max_examples=300, deadline=None)
@given(
    name=st.one_of(st.just("Microsoft-Windows-Security-Auditing"), _SCALARS),
    eid=st.one_of(
        st.integers(0, 70000),
        st.just({"#attributes": {"Qualifiers": 16384}, "#text": 7045}),
        _SCALARS,
    ),
    when=_TIMES,
    extra=st.dictionaries(
        st.sampled_from(
            [
                "Version",
                "Level",
                "Task",
                "Opcode",
                "Keywords",
                "Channel",
                "Computer",
                "EventRecordID",
            ]
        ),
        _SCALARS,
    ),
    execution=st.one_of(
        st.none(),
        st.just({"#attributes": {"ProcessID": 4}}),
        st.just({"#attributes": {"ProcessID": 4, "ThreadID": "8"}}),
    ),
    security=st.one_of(
        st.none(),
        st.just({"#attributes": {"UserID": "S-1-5-18"}}),
        st.just({"#attributes": {"UserID": 5}}),
        st.just([1]),
    ),
    data=st.one_of(st.none(), st.dictionaries(st.sampled_from(["A", "B c", "D"]), _SCALARS)),
)
def test_fast_record_equals_general_on_bent_records(
    name: Any, eid: Any, when: Any, extra: dict[str, Any], execution: Any, security: Any,
    data: Any,
) -> None:  # fmt: skip
    system: dict[str, Any] = {
        "Provider": {"#attributes": {"Name": name}},
        "EventID": eid,
        "TimeCreated": {"#attributes": {"SystemTime": when}},
        "Execution": execution,
        "Security": security,
        **extra,
    }
    event = {"System": system, "EventData": data}
    _same_content(event)
    try:
        general = _general(copy.deepcopy(event), copy.deepcopy(system))
    except (TypeError, ValueError) as exc:  # the reader reports these records as undecodable
        with pytest.raises(type(exc)):
            record_from_json(copy.deepcopy(event))
        return
    assert record_from_json(copy.deepcopy(event)) == general


def _slow_scan(index: int, data: bytes) -> ChunkScan:
    """The walk with every record taken through ``_walk_odd`` (the reference checks)."""
    scan = fast_scan(index, data)
    if scan.state in ("zero",) or data[:8] != b"ElfChnk\x00":
        return scan
    slow = ChunkScan(index, scan.offset, scan.state, scan.header_crc_ok, scan.records_crc_ok,
                     scan.first, scan.last)  # fmt: skip
    free = int.from_bytes(data[48:52].ljust(4, b"\x00"), "little")
    end = free if 512 <= free <= CHUNK_SIZE else CHUNK_SIZE
    pos, limit = 512, min(end, CHUNK_SIZE, len(data))
    while pos + 28 <= limit and pos >= 0:
        pos = _walk_odd(slow, data, pos, limit)
    return slow


def test_chunk_walk_equals_the_reference_checks(corpus: Path) -> None:
    blob = (corpus / LOGONS).read_bytes()
    slots = range((len(blob) - HEADER_SIZE) // CHUNK_SIZE)
    chunks = [
        blob[HEADER_SIZE + i * CHUNK_SIZE : HEADER_SIZE + (i + 1) * CHUNK_SIZE] for i in slots
    ]
    bent = []
    for i, chunk in enumerate(chunks[:12]):
        where = 512 + (i * 977) % (CHUNK_SIZE - 600)
        bent.append(chunk[:where] + bytes([chunk[where] ^ 0x5A]) + chunk[where + 1 :])
    bent.append(chunks[3][:30000])  # cut inside a record
    for i, (at, value) in enumerate(((0, b"XX"), (4, b"\xff\xff"), (-4, b"\x01\x00"))):
        rec = fast_scan(5 + i, chunks[5 + i]).records[2 + i]  # a record header or size copy
        start = rec.offset - (HEADER_SIZE + (5 + i) * CHUNK_SIZE) + (at % rec.size)
        bent.append(chunks[5 + i][:start] + value + chunks[5 + i][start + 2 :])
    breaks = 0
    for i, chunk in enumerate(chunks + bent):
        fast, slow = fast_scan(i, chunk), _slow_scan(i, chunk)
        assert (fast.records, fast.breaks) == (slow.records, slow.breaks), i
        breaks += len(fast.breaks)
    assert breaks >= 3
    assert sum(len(fast_scan(i, c).records) for i, c in enumerate(chunks)) == 2261


def test_ranges_cover_every_chunk_once() -> None:
    for chunks in (0, 1, 7, 33, 64, 1000):
        for workers in (1, 2, 3):
            for per_task in (1, 8, 64):
                ranges = _ranges(chunks, workers, per_task)
                assert [i for a, b in ranges for i in range(a, b)] == list(range(chunks))
                assert all(0 < b - a <= per_task for a, b in ranges)
    assert len(_ranges(33, 2, 64)) == 7  # a small file still gives each process ranges


@pytest.mark.parametrize("workers", [2, 3])
def test_processes_taking_turns_give_identical_output(corpus: Path, workers: int) -> None:
    def run(**options: Any) -> list[Any]:
        ctx = ParseContext(source_id="0" * 16, path=corpus / LOGONS, parser="evtx",
                           version="1", options=options)  # fmt: skip
        items = list(EvtxParser().parse(ctx))
        return [*items, ctx.records_read, ctx.records_failed]

    assert run(workers=workers, chunks_per_task=4) == run()


def test_worker_count_is_not_part_of_the_source_record(corpus: Path, tmp_path: Path) -> None:
    """Two processes give the same source record as one; the custody log says how it ran."""
    from evidencekit.case.ingest import ingest_file
    from evidencekit.case.workspace import Case

    one = ingest_file(Case.init(tmp_path / "one", "c"), corpus / LOGONS, "evtx")
    case = Case.init(tmp_path / "two", "c")
    two = ingest_file(case, corpus / LOGONS, "evtx", options={"workers": 2, "chunks_per_task": 4})
    assert one.source == two.source and one.source.parameters == {}
    assert case.custody.entries()[-1].details["execution"] == {"workers": 2, "chunks_per_task": 4}

"""The optional C helper ``_evtxcore.read_usual`` gives exactly what its Python reference
``evtx_fast.read_usual`` gives: the same tuple (compared as sorted-key JSON, so text stays
text and integers integers) and the same in-place changes to the record it reads, on
every record of the real corpus and on records hypothesis bends (EventData names at the
edges of ``safe_key``, values of every JSON type, other payload elements, odd System
values). Skipped when the helper is not built.
"""

from __future__ import annotations

import copy
import struct
import subprocess
import sys
from pathlib import Path
from typing import Any

import evtx
import orjson
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from evidencekit.parsers import evtx_fast
from evidencekit.parsers.evtx_chunks import RawRecord

C_READ = evtx_fast._C_READ
pytestmark = pytest.mark.skipif(C_READ is None, reason="_evtxcore is not built (or pure Python)")


_RAW = RawRecord(7, 4096 + 65536 + 512, 1000, "ab" * 32)


def _same(event: Any, number: int) -> Any:
    """Run both on separate copies; assert equal results and equal records afterwards."""
    one, two = copy.deepcopy(event), copy.deepcopy(event)
    assert C_READ is not None
    got = C_READ(one, number, _RAW, "0" * 16)
    want = evtx_fast.read_usual(two, number, _RAW, "0" * 16)
    dump = orjson.OPT_SORT_KEYS
    assert orjson.dumps(got, option=dump) == orjson.dumps(want, option=dump)
    assert orjson.dumps(one, option=dump) == orjson.dumps(two, option=dump)
    if want is not None:
        assert [type(v) for v in got] == [type(v) for v in want]
    return got


def test_c_reader_equals_python_on_every_corpus_record(corpus: Path) -> None:
    answered = 0
    for path in sorted((corpus / "evtx").glob("*.evtx")):
        for record in evtx.PyEvtxParser(str(path), 1).records_json():
            event = orjson.loads(record["data"])["Event"]
            number = record["event_record_id"]
            answered += _same(event, number) is not None
            _same(event, number + 1)  # a record id that is not the header's number
    assert answered > 4200  # 4249: the rest (event ids with qualifiers...) go the general way


_VALUES = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(-(2**63), 2**64 - 1),  # what orjson reads
    st.floats(allow_nan=False),
    st.text(max_size=6),
    st.lists(st.one_of(st.none(), st.integers(0, 9), st.text(max_size=3)), max_size=2),
    st.dictionaries(st.sampled_from(["#text", "#attributes", "a b"]), st.text(max_size=3)),
)
_NAMES = st.one_of(
    st.sampled_from(
        [
            "A",
            "B c",
            "D:E-F.G_H",
            "a\n",
            "\n",
            "",
            "x" * 80,
            "x" * 81,
            "ａ",
            "y" * 80 + "\n",
            "a\n\n",
            "#text",
        ]
    ),
    st.text(max_size=4),
)
_SYSTEM_KEYS = ["Version", "Level", "Task", "Opcode", "Keywords", "Channel", "Computer",
                "EventRecordID", "Security", "Execution"]  # fmt: skip


@settings(max_examples=400, deadline=None)
@given(
    data=st.one_of(_VALUES, st.dictionaries(_NAMES, _VALUES, max_size=5)),
    system=st.dictionaries(
        st.sampled_from(_SYSTEM_KEYS),
        st.one_of(
            _VALUES,
            st.just({"#attributes": {"UserID": "S-1-5-18", "ProcessID": 4, "ThreadID": None}}),
            st.just({"#attributes": {}}),
            st.just({"#attributes": [1]}),
        ),
    ),
    time=st.sampled_from(
        [
            *["2016-07-08T18:12:51.681640Z"] * 6,  # mostly the usual shape: read through
            "2016-07-08T18:12:51.681640+09",
            "２016-07-08T18:12:51.681640Z",
            "2016-07-08T18:12:51.68164Z",
        ]
    ),
    eid=st.sampled_from([4624] * 6 + [0, True, "4624", None]),
    name=st.sampled_from(["Microsoft-Windows-Security-Auditing"] * 6 + ["", 5]),
    extra=st.sampled_from(
        [
            {},
            {"#attributes": {"xmlns": "x"}},
            {"UserData": {"a": {"b": "c"}}},
            {"RenderingInfo": None},
        ]
    ),
    with_data=st.booleans(),
    number=st.integers(0, 2**40),
)
def test_c_reader_equals_python_on_bent_records(
    data: Any, system: dict[str, Any], time: str, eid: Any, name: Any,
    extra: dict[str, Any], with_data: bool, number: int,
) -> None:  # fmt: skip
    system = {
        "Provider": {"#attributes": {"Name": name}},
        "EventID": eid,
        "TimeCreated": {"#attributes": {"SystemTime": time}},
        **system,
    }
    event: dict[str, Any] = {"System": system, **extra}
    if with_data:
        event["EventData"] = data
    if _same(event, number) is not None:
        COUNT["answered"] += 1


COUNT = {"answered": 0}


def test_bent_records_were_mostly_read_through() -> None:
    """The hypothesis run above reached the C reader's whole path, not only its refusals."""
    if COUNT["answered"] == 0:
        pytest.skip("run together with test_c_reader_equals_python_on_bent_records")
    assert COUNT["answered"] >= 100


@pytest.mark.parametrize(
    "event",
    [
        [],
        "Event",
        {},
        {"System": []},
        {"System": {"Provider": [], "EventID": 1}},
        {"System": {"Provider": {"#attributes": "x"}, "EventID": 1}},
        {"System": {"Provider": {"#attributes": {"Name": "P"}}, "EventID": 1}},
    ],
)
def test_c_reader_declines_what_python_declines(event: Any) -> None:
    assert _same(event, 1) is None


LOGONS = "evtx/security_logons_python-evtx.evtx"


def _walks(index: int, chunk: bytes) -> tuple[Any, Any]:
    """(records, breaks) of the active walk and of the pure-Python walk on one chunk."""
    from evidencekit.parsers import evtx_chunks as c

    free = int.from_bytes(chunk[48:52].ljust(4, b"\x00"), "little")
    end = free if 512 <= free <= c.CHUNK_SIZE else c.CHUNK_SIZE
    one = c.ChunkScan(index, c.HEADER_SIZE + index * c.CHUNK_SIZE, "ok")
    two = c.ChunkScan(index, one.offset, "ok")
    c._walk(one, chunk, end)
    c.walk_py(two, chunk, end)
    return (one.records, one.breaks), (two.records, two.breaks)


class _Chunks(list[bytes]):
    def __repr__(self) -> str:  # hypothesis prints the arguments of a failing example
        return f"<{len(self)} chunks of {LOGONS}>"


@pytest.fixture(scope="module")
def logon_chunks(corpus: Path) -> list[bytes]:
    blob = (corpus / LOGONS).read_bytes()
    return _Chunks(
        [
            blob[4096 + i * 65536 : 4096 + (i + 1) * 65536]
            for i in range((len(blob) - 4096) // 65536)
        ]
    )


def test_c_walk_equals_python_on_every_corpus_chunk(logon_chunks: list[bytes]) -> None:
    from evidencekit.parsers import evtx_chunks as c

    assert c._C_WALK is not None
    total = 0
    for i, chunk in enumerate(logon_chunks):
        fast, slow = _walks(i, chunk)
        assert fast == slow
        total += len(fast[0])
    assert total == 2261


@settings(max_examples=200, deadline=None)
@given(
    which=st.integers(0, 32),
    hits=st.lists(
        st.tuples(st.integers(512, 65535), st.binary(min_size=1, max_size=4)), max_size=4
    ),
    fields=st.lists(
        st.tuples(
            st.integers(0, 80),
            st.sampled_from([0, 2, 4, 5, 7, 8, -4, -3, -1]),
            st.binary(min_size=1, max_size=4),
        ),
        max_size=3,
    ),
    cut=st.one_of(st.none(), st.integers(0, 65536)),
)
def test_c_walk_equals_python_on_damaged_chunks(
    logon_chunks: list[bytes],
    which: int,
    hits: list[tuple[int, bytes]],
    fields: list[tuple[int, int, bytes]],
    cut: int | None,
) -> None:
    from evidencekit.parsers import evtx_chunks as c

    chunk = bytearray(logon_chunks[which % len(logon_chunks)])
    clean = c.ChunkScan(which, c.HEADER_SIZE + which * c.CHUNK_SIZE, "ok")
    c.walk_py(clean, bytes(chunk), c.CHUNK_SIZE)
    for n, field, value in fields if clean.records else ():  # a signature, size, number,
        rec = clean.records[n % len(clean.records)]  # or size copy of a record
        at = rec.offset - clean.offset + (field % rec.size)
        chunk[at : at + len(value)] = value
    for at, value in hits:  # and bytes anywhere
        chunk[at : at + len(value)] = value
    data = bytes(chunk[:65536])[:cut]
    fast, slow = _walks(which, data)
    assert fast == slow


_WALK_WITHOUT_MEMORY = """
import struct, sys, _testcapi
from evidencekit.parsers import _evtxcore
from evidencekit.parsers.evtx_chunks import RawRecord
size = 100  # record number 5 and size 100: small ints whose reference counts show a slip
rec = b"**\\0\\0" + struct.pack("<IQ", size, 5) + b"y" * (size - 20) + struct.pack("<I", size)
data = b"\\0" * 512 + rec * 3
for start in range(40):  # each allocation of the walk fails once, in turn
    out = []
    before = sys.getrefcount(5), sys.getrefcount(100)
    _testcapi.set_nomemory(start, start + 1)
    try:
        _evtxcore.walk(data, 512, len(data), 0, out, RawRecord)
    except MemoryError:
        pass
    finally:
        _testcapi.remove_mem_hooks()
    del out
    assert (sys.getrefcount(5), sys.getrefcount(100)) == before, start
print("ok")
"""


def test_c_walk_out_of_memory_releases_each_reference_once() -> None:
    """A MemoryError while a RawRecord is made leaves no reference released twice (the
    items already in the tuple were released by the loop and again with the tuple: a
    use after free, a crash). Run in a child: a crash must fail the test, not the run."""
    pytest.importorskip("_testcapi")
    done = subprocess.run(
        [sys.executable, "-c", _WALK_WITHOUT_MEMORY], capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 0, done.stderr[-2000:]
    assert done.stdout.strip() == "ok"


def _three_records() -> bytes:
    size = 100
    rec = b"**\0\0" + struct.pack("<IQ", size, 5) + b"y" * (size - 20) + struct.pack("<I", size)
    return b"\0" * 512 + rec * 3


def test_c_walk_positions_at_the_top_of_the_range_read_nothing() -> None:
    """pos + 28 wrapped past Py_ssize_t's top and the walk read far outside the data (a
    segfault); now such a pos is where the walk stops, as in Python. In a child process."""
    code = (
        "import sys; from evidencekit.parsers import _evtxcore as e, evtx_chunks as c\n"
        f"data = {_three_records()!r}\n"
        "M = sys.maxsize\n"
        "for pos, limit in [(M, M), (M - 10, -5), (M, -M), (-1, 10), (512, -M - 1)]:\n"
        "    assert e.walk(data, pos, limit, 0, [], c.RawRecord) == pos, (pos, limit)\n"
        "print('ok')\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr[-2000:]
    assert done.stdout.strip() == "ok"


def test_c_walk_offsets_past_long_long_equal_python() -> None:
    """base + pos past long long (signed overflow) wrapped to negative offsets; now the C
    walk stops there and the Python walk goes on, so the records equal walk_py's."""
    from evidencekit.parsers import evtx_chunks as c

    data = _three_records()
    fast = c.ChunkScan(0, sys.maxsize - 600, "ok")
    slow = c.ChunkScan(0, sys.maxsize - 600, "ok")
    c._walk(fast, data, len(data))
    c.walk_py(slow, data, len(data))
    assert [r.offset for r in fast.records] == [sys.maxsize - 600 + 512 + 100 * i for i in range(3)]
    assert fast == slow

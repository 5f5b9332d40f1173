"""The optional C helper ``_evtxcore.read_usual`` gives exactly what its Python reference
``evtx_fast.read_usual`` gives: the same tuple (compared as sorted-key JSON, so text stays
text and integers integers) and the same in-place changes to the record it reads, on
every record of the real corpus and on records hypothesis bends (EventData names at the
edges of ``safe_key``, values of every JSON type, other payload elements, odd System
values). Skipped when the helper is not built.
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

from evidencekit.parsers import evtx_fast

C_READ = evtx_fast._C_READ
pytestmark = pytest.mark.skipif(C_READ is None, reason="_evtxcore is not built (or pure Python)")


def _same(event: Any, number: int) -> Any:
    """Run both on separate copies; assert equal results and equal records afterwards."""
    one, two = copy.deepcopy(event), copy.deepcopy(event)
    assert C_READ is not None
    got = C_READ(one, number)
    want = evtx_fast.read_usual(two, number)
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

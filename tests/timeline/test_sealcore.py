"""The sealer core: the C extension and the pure-Python reference give the same bytes.

Both are also held against the independent pieces they replace: chain.ChainWriter and
chain.read_chain for the lines, merkle.leaf_hash and merkle.root for the tree head, and
order.py_sort_key for the sort key.
"""

from __future__ import annotations

import importlib
import io
import itertools
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import orjson
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from evidencekit.events.keys import EventKeyer
from evidencekit.timeline import merkle, order
from evidencekit.timeline import seal as seal_module
from evidencekit.timeline.canonical import dumps_fast
from evidencekit.timeline.chain import GENESIS, ChainWriter, read_chain
from evidencekit.timeline.order import py_sort_item, py_sort_key
from evidencekit.timeline.sealcore import IMPLEMENTATION, PySealer, Sealer

try:
    _c: Any = importlib.import_module("evidencekit.timeline._sealcore")
except ImportError:
    _c = None
needs_c = pytest.mark.skipif(
    _c is None,
    reason="C extension evidencekit.timeline._sealcore is not built (no C compiler or "
    "OpenSSL headers when the package was installed); the Python sealer is in use",
)
SETTINGS = settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)

json_scalars = st.none() | st.booleans() | st.integers(-(2**53) + 1, 2**53 - 1) | st.text()
json_values = st.recursive(
    json_scalars,
    lambda inner: (
        st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner, max_size=4)
    ),
    max_leaves=12,
)
payload_lists = st.lists(json_values.map(dumps_fast), max_size=70)


def _blocks(payloads: list[bytes], cuts: list[int]) -> list[list[bytes]]:
    edges = sorted({0, len(payloads), *(c % (len(payloads) + 1) for c in cuts)})
    return [payloads[a:b] for a, b in itertools.pairwise(edges)]


def _run(cls: Any, blocks: list[list[bytes]]) -> tuple[bytes, list[bytes], str, bytes, int]:
    sealer = cls()
    leaves: list[bytes] = []
    out = b"".join(sealer.add_block(block, leaves) for block in blocks)
    return out, leaves, sealer.head, sealer.root(), sealer.size


def test_implementation_is_named() -> None:
    assert IMPLEMENTATION in ("c", "python")
    assert (Sealer is PySealer) == (IMPLEMENTATION == "python")


def test_pure_python_can_be_forced() -> None:
    code = "from evidencekit.timeline import order, sealcore as s; " + (
        "print(s.IMPLEMENTATION, s.sha256_backend(), order.sort_item is order.py_sort_item)"
    )
    env = dict(os.environ, EVIDENCEKIT_PURE_PYTHON="1")
    out = subprocess.run(
        [sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True
    )
    assert out.stdout.split() == ["python", "hashlib", "True"]


@SETTINGS
@given(payloads=payload_lists, cuts=st.lists(st.integers(0, 100), max_size=6))
def test_python_sealer_matches_chain_and_merkle(payloads: list[bytes], cuts: list[int]) -> None:
    lines, leaves, head, root, size = _run(PySealer, _blocks(payloads, cuts))
    expected = io.BytesIO()
    writer = ChainWriter(expected, "event")
    for payload in payloads:
        writer.write(payload)
    assert lines == expected.getvalue()
    assert head == writer.head
    assert size == len(payloads)
    assert leaves == [merkle.leaf_hash(p) for p in payloads]
    assert root == merkle.root(leaves)
    read = list(read_chain(io.BytesIO(lines), "event"))
    assert [payload for _, _, payload in read] == [orjson.loads(p) for p in payloads]
    assert (read[-1][1] if read else GENESIS) == head


@pytest.fixture(params=["sha-ni", "openssl"])
def c_backend(request: pytest.FixtureRequest) -> Iterator[Any]:
    """The C sealer with SHA-256 on the x86 SHA extensions, then on OpenSSL."""
    if _c is None:
        pytest.skip("C extension evidencekit.timeline._sealcore is not built")
    before = _c._sha_ni()
    if request.param == "sha-ni" and not _c._sha_ni(True):
        pytest.skip("this CPU has no SHA extensions")
    _c._sha_ni(request.param == "sha-ni")
    yield _c
    _c._sha_ni(before)


@SETTINGS
@given(
    payloads=payload_lists,
    cuts_c=st.lists(st.integers(0, 100), max_size=6),
    cuts_py=st.lists(st.integers(0, 100), max_size=6),
)
def test_c_and_python_sealers_are_byte_identical(
    c_backend: Any, payloads: list[bytes], cuts_c: list[int], cuts_py: list[int]
) -> None:
    c_result = _run(c_backend.Sealer, _blocks(payloads, cuts_c))
    assert c_result == _run(PySealer, _blocks(payloads, cuts_py))
    assert c_result[3] == merkle.root([merkle.leaf_hash(p) for p in payloads])


def test_every_sha256_block_boundary(c_backend: Any) -> None:
    """Payloads of 0-300 bytes put lines and leaves on every padding case (55/56/64...)."""
    payloads = [b"", b"1", *(b'"%s"' % (b"x" * n) for n in range(299))]
    assert _run(c_backend.Sealer, [payloads]) == _run(PySealer, [payloads])


@pytest.mark.parametrize("size", [0, 1, 2, 3, 4, 5, 7, 8, 9, 31, 32, 33, 1000])
@pytest.mark.parametrize("impl", ["c", "python"])
def test_tree_heads_for_many_sizes(size: int, impl: str) -> None:
    if impl == "c" and _c is None:
        pytest.skip("C extension evidencekit.timeline._sealcore is not built")
    cls = _c.Sealer if impl == "c" else PySealer
    payloads = [b'{"n":%d}' % i for i in range(size)]
    sealer = cls()
    sealer.add_block(payloads)
    assert sealer.root() == merkle.root([merkle.leaf_hash(p) for p in payloads])
    assert cls().root() == merkle.EMPTY_ROOT


@pytest.mark.parametrize("impl", ["c", "python"])
def test_bad_block_is_refused_whole(impl: str) -> None:
    if impl == "c" and _c is None:
        pytest.skip("C extension evidencekit.timeline._sealcore is not built")
    cls = _c.Sealer if impl == "c" else PySealer
    sealer = cls()
    first = sealer.add_block([b'{"a":1}'])
    with pytest.raises(ValueError, match="payload 1 contains a newline"):
        sealer.add_block([b'{"b":2}', b'{"c":\n3}'])
    with pytest.raises(TypeError, match="payload 0 is str"):
        sealer.add_block(['{"d":4}'])  # type: ignore[list-item]
    assert (sealer.size, sealer.add_block([])) == (1, b"")
    fresh = cls()
    assert fresh.add_block([b'{"a":1}']) == first
    assert sealer.add_block([b'{"b":2}']) == fresh.add_block([b'{"b":2}'])
    assert (sealer.head, sealer.root()) == (fresh.head, fresh.root())


locator_values = (
    st.none()
    | st.booleans()
    | st.integers(-5, 2**70)
    | st.text(alphabet="0123456789٣", max_size=300)
    | st.text(max_size=12)
    | st.just("a\x00b")
    | st.lists(st.integers(), max_size=2)
)
event_dicts = st.fixed_dictionaries(
    {"source": st.text(max_size=16) | st.none()},
    optional={
        "time": st.none() | st.just("") | st.text(max_size=30) | st.integers(),
        "locator": st.none()
        | st.dictionaries(
            st.sampled_from(["partition", "inode", "sequence", "path", "line", "offset", "x"]),
            locator_values,
        )
        | st.integers(),
        "kind": locator_values,
        "id": st.text(max_size=32) | st.none(),
    },
)


def _outcome(func: Any, event: dict[str, Any]) -> Any:
    try:
        return func(event)
    except Exception as exc:  # the two must fail alike, whatever the error
        return type(exc)


@needs_c
@settings(max_examples=300, deadline=None)
@given(event=event_dicts)
def test_c_sort_key_equals_python_reference(event: dict[str, Any]) -> None:
    assert _outcome(lambda e: _c.sort_key(py_sort_key, e), event) == _outcome(py_sort_key, event)


wide_ints = st.integers(-(2**63), 2**64 - 1)  # what orjson writes as integers
string_values = st.text(max_size=12) | st.sampled_from(["", "0", "007", "a\x00b", 'q"\\/\n\x1f'])
line_events = st.fixed_dictionaries(
    {
        "source": st.text(max_size=16) | st.none(),
        "id": st.text(max_size=32) | st.none() | wide_ints,
        "actor": json_values,
    },
    optional={
        "time": st.none() | st.just("") | st.text(max_size=30) | wide_ints,
        "locator": st.none()
        | wide_ints
        | st.dictionaries(
            st.sampled_from(["partition", "inode", "line", "offset", "path", "x"]),
            st.none() | st.booleans() | wide_ints | string_values | json_values,
        ),
        "kind": st.none() | st.integers(-3, 10**19) | string_values,
    },
)

# The shapes the store writes, which the C scanner reads itself rather than falling back.
store_events = st.fixed_dictionaries(
    {"source": st.text(max_size=16), "id": st.text(max_size=32), "actor": json_values},
    optional={
        "time": st.none() | st.text(max_size=30),
        "locator": st.dictionaries(
            st.sampled_from(["partition", "inode", "sequence", "path", "line", "offset"]),
            st.integers(0, 10**18) | string_values,
        ),
        "kind": string_values | st.integers(0, 10**18),
    },
)
any_events = store_events | line_events


@needs_c
@settings(max_examples=300, deadline=None)
@given(event=any_events)
def test_c_sort_item_of_canonical_lines_equals_python_reference(event: dict[str, Any]) -> None:
    line = dumps_fast(event)
    assert _outcome(lambda x: _c.sort_item(py_sort_item, x), line) == _outcome(py_sort_item, line)


@needs_c
@settings(max_examples=300, deadline=None)
@given(event=any_events, data=st.data())
def test_c_sort_item_of_damaged_lines_equals_python_reference(
    event: dict[str, Any], data: st.DataObject
) -> None:
    """Byte changes, insertions and cuts: the C scanner never accepts what orjson refuses."""
    line = bytearray(dumps_fast(event))
    for _ in range(data.draw(st.integers(1, 3))):
        pos = data.draw(st.integers(0, len(line)))
        op = data.draw(st.sampled_from(["set", "insert", "cut"]))
        byte = data.draw(
            st.sampled_from(b'{}[]",:\\0u- \x00\x80\xc3\xa9\xed\xff') | st.integers(0, 255)
        )
        if op == "set" and pos < len(line):
            line[pos] = byte
        elif op == "insert":
            line.insert(pos, byte)
        else:
            del line[pos:]
    raw = bytes(line)
    assert _outcome(lambda x: _c.sort_item(py_sort_item, x), raw) == _outcome(py_sort_item, raw)


def _seal_both(tmp: Path, lines: list[bytes]) -> list[bytes]:
    """Seal twice (append mode: the second keeps the leaves for a consistency proof)."""
    seal_module.seal(lines[:30], tmp / "v1", 1, buffer_bytes=3000)
    head1 = seal_module.read_head(tmp / "v1" / seal_module.HEAD_FILE)
    previous = (head1, tmp / "v1" / seal_module.TIMELINE_FILE)
    head2 = seal_module.seal(lines, tmp / "v2", 2, previous, append=True, buffer_bytes=3000)
    assert head2.consistency_proof is not None
    return [
        (tmp / v / name).read_bytes()
        for v in ("v1", "v2")
        for name in (seal_module.TIMELINE_FILE, seal_module.HEAD_FILE)
    ]


def _event(keyer: EventKeyer, i: int) -> bytes:
    content: dict[str, Any] = {
        "action": "read",
        "kind": "test.event",
        "time_role": "logged",
        "source": f"00000000000000a{i % 3}",
        "locator": {"path": f"C:\\x\\f{i % 7}", "line": i, "offset": str(i)},
    }
    if i % 4:
        content["time"] = f"2024-04-0{1 + i % 5}T00:00:00.000000000Z"
    return dumps_fast(keyer.key_content(content))


def test_sealed_timelines_do_not_depend_on_the_implementation(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    keyer = EventKeyer(bytes(range(32)))
    lines = [_event(keyer, i) for i in range(80)]
    active = _seal_both(tmp_path / "active", lines)
    monkeypatch.setattr(seal_module, "Sealer", PySealer)
    monkeypatch.setattr(seal_module, "sort_key", py_sort_key)
    assert _seal_both(tmp_path / "python", lines) == active
    v2 = tmp_path / "python" / "v2"
    head = seal_module.read_head(v2 / seal_module.HEAD_FILE)
    assert seal_module.verify_timeline(v2 / seal_module.TIMELINE_FILE, head) == 80


def _items(pairs: list[tuple[bytes, bytes]]) -> list[bytes]:
    return sorted(key + line + len(key).to_bytes(4, "big") for key, line in pairs)


# Keys from a small alphabet so that repeats (duplicates and conflicts) are common.
item_pairs = st.lists(
    st.tuples(st.sampled_from([b"\x00a", b"\x00b", b"\x01c", b"\x01c\x05"]), st.binary(max_size=3)),
    max_size=30,
)


@needs_c
@settings(max_examples=200, deadline=None)
@given(pairs=item_pairs, cut=st.integers(0, 30), chunk=st.binary(max_size=40))
def test_c_run_functions_equal_python_references(
    pairs: list[tuple[bytes, bytes]], cut: int, chunk: bytes
) -> None:
    items = _items(pairs)
    packed = order.py_pack_items(items)
    assert _c.pack_items(items) == packed
    for data in (packed, packed[: cut * 3], chunk, packed[:cut] + chunk):
        assert _c.unpack_items(data) == order.py_unpack_items(data)
    assert order.py_unpack_items(packed) == (items, len(packed))
    previous = items[cut % len(items)] if items else b""
    for head, tail in ((b"", items), (previous, items[cut % (len(items) + 1) :])):
        assert _c.split_sorted(tail, head) == order.py_split_sorted(tail, head)


def test_split_sorted_drops_repeats_and_stops_at_a_conflict() -> None:
    a, b, c = _items([(b"\x00a", b"1"), (b"\x00b", b"2"), (b"\x00b", b"3")])
    for split in (order.split_sorted, order.py_split_sorted):
        assert split([a, a, b, b], a) == ([b"\x00b"], [b"2"], 3, -1)
        assert split([a, b, c], b"") == ([b"\x00a", b"\x00b"], [b"1", b"2"], 0, 2)
        with pytest.raises(ValueError, match="item 0 is not"):
            split([b"\x00\x00\x00\x09"], b"")


def test_two_events_with_one_id_are_refused(tmp_path: Path) -> None:
    first = orjson.loads(_event(EventKeyer(bytes(range(32))), 1))
    second = dict(first, action="delete")
    with pytest.raises(seal_module.TimelineError, match="share one id"):
        seal_module.seal([dumps_fast(first), dumps_fast(second)], tmp_path, 1)


def test_many_runs_are_merged_in_passes(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A tiny buffer spills ~60 runs; with at most 3 merged at once, runs are merged in
    several passes first. The timeline is the one sealed without any spill."""
    keyer = EventKeyer(bytes(range(32)))
    lines = [_event(keyer, i) for i in range(120)]
    lines += lines[:7]  # exact duplicates land in different runs
    seal_module.seal(lines, tmp_path / "memory", 1)
    monkeypatch.setattr(order, "MAX_FAN_IN", 3)
    sorter = order.ExternalSorter(tmp_path, buffer_bytes=1500)
    for line in reversed(lines):
        sorter.add_item(order.sort_item(line))
    assert len(sorter._runs) > 27  # more than three levels of three
    assert list(sorter.items()) == sorted(order.py_sort_item(line) for line in lines)
    sorter.close()
    head = seal_module.seal(lines[::-1], tmp_path / "spilled", 1, buffer_bytes=1500)
    assert head.duplicates_dropped == 7
    for name in (seal_module.TIMELINE_FILE, seal_module.HEAD_FILE):
        assert (tmp_path / "spilled" / name).read_bytes() == (
            tmp_path / "memory" / name
        ).read_bytes()

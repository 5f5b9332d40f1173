"""Sealed timelines: every tamper is detected and named; order and bytes are deterministic."""

from __future__ import annotations

import random
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from evidencekit.errors import TimelineError
from evidencekit.events.keys import EventKeyer
from evidencekit.timeline.canonical import dumps_fast
from evidencekit.timeline.seal import (
    HEAD_FILE,
    TIMELINE_FILE,
    prove_event,
    read_head,
    seal,
    verify_inclusion_proof,
    verify_timeline,
)

KEYER = EventKeyer(bytes(range(32)))
SETTINGS = settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)


def make_events(n: int, seed: int) -> list[bytes]:
    rng = random.Random(seed)
    events = []
    for i in range(n):
        content: dict[str, Any] = {
            "action": rng.choice(["read", "copy", "delete"]),
            "kind": "test.event",
            "time_role": "logged",
            "source": rng.choice(["00000000000000aa", "00000000000000bb"]),
            "locator": {"line": i + 1, "offset": str(i * 100)},
        }
        if rng.random() > 0.1:  # some events have no usable time
            content["time"] = (
                f"2024-04-{rng.randint(1, 3):02d}T0{rng.randint(0, 9)}:00:00.000000000Z"
            )
        events.append(dumps_fast(KEYER.key_content(content)))
    return events


def sealed(tmp: Path, lines: list[bytes], buffer_bytes: int = 1 << 20) -> Path:
    seal(lines, tmp, 1, buffer_bytes=buffer_bytes)
    return tmp / TIMELINE_FILE


@pytest.fixture
def timeline(tmp_path: Path) -> Path:
    return sealed(tmp_path / "t", make_events(25, 7))


def _expect_damage(path: Path) -> TimelineError:
    head = read_head(path.with_name(HEAD_FILE))
    with pytest.raises(TimelineError) as info:
        verify_timeline(path, head)
    # the error names the damaged file (report, package and analyze print it as it is)
    assert info.value.path == str(path) and str(info.value).startswith(f"{path}: line ")
    return info.value


def test_intact_timeline_verifies(timeline: Path) -> None:
    assert verify_timeline(timeline, read_head(timeline.with_name(HEAD_FILE))) == 25


@SETTINGS
@given(data=st.data())
def test_every_single_byte_change_is_detected(timeline: Path, data: st.DataObject) -> None:
    original = timeline.read_bytes()
    pos = data.draw(st.integers(0, len(original) - 1))
    new = data.draw(st.integers(0, 255).filter(lambda b: b != original[pos]))
    try:
        timeline.write_bytes(original[:pos] + bytes([new]) + original[pos + 1 :])
        error = _expect_damage(timeline)
        line_of_change = original[:pos].count(b"\n") + 1
        assert error.line <= line_of_change + 1
    finally:
        timeline.write_bytes(original)


@SETTINGS
@given(data=st.data())
def test_dropped_inserted_duplicated_and_swapped_lines_are_detected(
    timeline: Path, data: st.DataObject
) -> None:
    original = timeline.read_bytes()
    lines = original.splitlines(keepends=True)
    op = data.draw(st.sampled_from(["drop", "duplicate", "insert", "swap"]))
    i = data.draw(st.integers(0, len(lines) - 1))
    changed = list(lines)
    if op == "drop":
        del changed[i]
    elif op == "duplicate":
        changed.insert(i, lines[i])
    elif op == "insert":
        changed.insert(i, b'{"event":{},"prev":"x","seq":0,"sha256":"y"}\n')
    else:
        j = data.draw(st.integers(0, len(lines) - 1).filter(lambda j: j != i))
        changed[i], changed[j] = changed[j], changed[i]
    try:
        timeline.write_bytes(b"".join(changed))
        error = _expect_damage(timeline)
        # The first bad line: a duplicate is only wrong from the second copy on; a line
        # dropped at the end shows as the missing line after the last one.
        expected = {"drop": i + 1, "duplicate": i + 2, "insert": i + 1}.get(op)
        if op == "swap":
            expected = min(i, j) + 1
        assert error.line == expected
    finally:
        timeline.write_bytes(original)


@SETTINGS
@given(seed=st.integers(0, 10_000), n=st.integers(0, 60))
def test_order_does_not_depend_on_input_order(
    tmp_path_factory: pytest.TempPathFactory, seed: int, n: int
) -> None:
    events = make_events(n, seed)
    shuffled = list(events)
    random.Random(seed + 1).shuffle(shuffled)
    a = sealed(tmp_path_factory.mktemp("a"), events)
    # A tiny buffer forces the external merge sort through many spilled runs.
    b = sealed(tmp_path_factory.mktemp("b"), shuffled, buffer_bytes=2000)
    assert a.read_bytes() == b.read_bytes()
    assert a.with_name(HEAD_FILE).read_bytes() == b.with_name(HEAD_FILE).read_bytes()


def test_undated_events_go_last_and_are_counted(tmp_path: Path) -> None:
    events = make_events(40, 3)
    path = sealed(tmp_path, events)
    head = read_head(tmp_path / HEAD_FILE)
    import orjson

    times = [orjson.loads(line)["event"].get("time") for line in path.read_bytes().splitlines()]
    undated = sum(1 for t in times if t is None)
    assert head.undated == undated > 0
    assert all(t is None for t in times[-undated:])
    dated = [t for t in times if t]
    assert dated == sorted(dated)


def test_exact_duplicates_are_dropped_and_counted(tmp_path: Path) -> None:
    events = make_events(10, 5)
    seal(events + events[:3], tmp_path, 1)
    head = read_head(tmp_path / HEAD_FILE)
    assert (head.size, head.duplicates_dropped) == (10, 3)


def test_truncated_final_line_is_named(timeline: Path) -> None:
    data = timeline.read_bytes()
    timeline.write_bytes(data[:-10])
    error = _expect_damage(timeline)
    assert error.line == 25
    assert "not terminated" in error.reason or "JSON" in error.reason


def test_inclusion_proof_for_each_event(timeline: Path) -> None:
    import orjson

    head = read_head(timeline.with_name(HEAD_FILE))
    for line in timeline.read_bytes().splitlines()[:5]:
        event_id = orjson.loads(line)["event"]["id"]
        proof = prove_event(timeline, head, event_id)
        verify_inclusion_proof(proof)
        assert proof.merkle_root == head.merkle_root

"""Event time fields of file-system entries (image_events) against the plain formulas
they were written from: FAT/ISO wall-clock times (now placed once per second and zone,
cached) and NTFS FILETIMEs, on arbitrary values, DST changes included, under more than
one process time zone (the FAT seconds TSK gives depend on it)."""

from __future__ import annotations

import os
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from evidencekit.case.image_events import _filetime, _wall_time
from evidencekit.events.time import TimeError, from_filetime, from_local
from evidencekit.model import TimePrecision

_ZONES = ["Asia/Tokyo", "UTC", "America/New_York", "Europe/London", "Australia/Lord_Howe"]
# Around DST changes in New York and London, and anywhere in FAT's years (1980..2107).
_SECONDS = st.one_of(
    st.integers(315532800, 4354819199),
    st.integers(1710054000 - 7200, 1710054000 + 7200),  # 2024-03-10 New York spring forward
    st.integers(1730613600 - 7200, 1730613600 + 7200),  # 2024-11-03 New York fall back
    st.integers(1729990800 - 7200, 1729990800 + 7200),  # 2024-10-27 London fall back
    st.integers(-(2**40), 2**40),
)


def _reference_wall(role: str, seconds: int, nanos: int, zone: str, fat: bool) -> dict[str, Any]:
    """_wall_time as first written: every time through datetime and from_local."""
    try:
        wall = datetime.fromtimestamp(seconds)  # noqa: DTZ006 - the process zone, as TSK
    except (OverflowError, OSError, ValueError):
        return {"time_role": role, "time_original": str(seconds), "flags": ["time_unparseable"]}
    original = wall.strftime("%Y-%m-%d %H:%M:%S")
    if fat and role == "crtime":
        original += f".{nanos // 10**7:02d}"
    fields: dict[str, Any] = {"time_role": role, "time_original": original, "time_zone": zone}
    try:
        fields["time"], fields["time_offset"] = from_local(wall, zone, nanos)
    except TimeError:
        fields["flags"] = ["time_unparseable"]
        return fields
    precisions = {"crtime": TimePrecision.S, "mtime": TimePrecision.S2, "atime": TimePrecision.DAY}
    fields["time_precision"] = (precisions[role] if fat else TimePrecision.S).value
    return fields


@contextmanager
def _process_zone(name: str) -> Iterator[None]:
    saved = os.environ.get("TZ")
    os.environ["TZ"] = name
    time.tzset()
    try:
        yield
    finally:
        if saved is None:
            del os.environ["TZ"]
        else:
            os.environ["TZ"] = saved
        time.tzset()


@pytest.fixture(params=["Asia/Tokyo", "America/New_York", "UTC"])
def process_zone(request: pytest.FixtureRequest) -> Iterator[str]:
    with _process_zone(request.param):
        yield request.param


@settings(max_examples=400, deadline=None)
@given(st.sampled_from(["Asia/Tokyo", "America/New_York", "UTC"]),
       st.sampled_from(["crtime", "mtime", "atime"]), _SECONDS,
       st.one_of(st.integers(0, 999).map(lambda c: c * 10**7), st.integers(0, 2**32 - 1)),
       st.sampled_from(_ZONES), st.booleans())  # fmt: skip
def test_wall_times_are_the_reference(
    process: str, role: str, seconds: int, nanos: int, zone: str, fat: bool
) -> None:
    with _process_zone(process):
        expected = _reference_wall(role, seconds, nanos, zone, fat)
        assert _wall_time(role, seconds, nanos, zone, fat) == expected
        assert _wall_time(role, seconds, nanos, zone, fat) == expected  # and from the cache


def test_the_process_zone_is_part_of_the_cache_key(process_zone: str) -> None:
    seconds = 1700000000
    first = _wall_time("mtime", seconds, 0, "UTC", True)
    other = "Asia/Tokyo" if process_zone != "Asia/Tokyo" else "UTC"
    os.environ["TZ"] = other
    time.tzset()
    assert _wall_time("mtime", seconds, 0, "UTC", True) == _reference_wall(
        "mtime", seconds, 0, "UTC", True
    )
    assert _wall_time("mtime", seconds, 0, "UTC", True) != first


@settings(max_examples=300, deadline=None)
@given(st.sampled_from(["si_crtime", "fn_mtime"]), st.one_of(
    st.integers(1, 2**64 - 1), st.integers(2650467743990000000 - 10**8, 2650467743990000000 + 10**8)
))  # fmt: skip
def test_filetimes_are_from_filetime(role: str, value: int) -> None:
    try:
        text = from_filetime(value)
    except TimeError:
        text = None
    fields = _filetime(role, value)
    assert fields["time_role"] == role and fields["time_original"] == str(value)
    if text is None:
        assert fields == {"time_role": role, "time_original": str(value),
                          "flags": ["time_unparseable"]}  # fmt: skip
    else:
        ns100 = TimePrecision.NS100.value
        assert fields == {"time_role": role, "time_original": str(value), "time": text,
                          "time_offset": "Z", "time_precision": ns100}  # fmt: skip

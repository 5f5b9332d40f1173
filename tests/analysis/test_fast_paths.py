"""Shortcuts taken for speed must answer exactly what the plain computation answers."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from hypothesis import given, settings
from hypothesis import strategies as st

from evidencekit.analysis.config import load_parameters
from evidencekit.analysis.jpcal import Calendar, utc_hour

_HOURS = st.datetimes(min_value=datetime(1, 1, 1), max_value=datetime(9999, 12, 31, 23))


def _strptime(key: str) -> datetime | str:
    try:
        return datetime.strptime(key, "%Y-%m-%dT%H").replace(tzinfo=UTC)
    except ValueError:
        return "ValueError"


def _fast(key: str) -> datetime | str:
    try:
        return utc_hour(key)
    except ValueError:
        return "ValueError"


@settings(deadline=None)  # timing is not what these check (a shared machine)
@given(_HOURS)
def test_utc_hour_equals_strptime_on_canonical_hours(dt: datetime) -> None:
    key = dt.strftime("%Y-%m-%dT%H").zfill(13)
    assert _fast(key) == _strptime(key)


@settings(deadline=None)  # timing is not what these check (a shared machine)
@given(
    st.text(alphabet="0123456789-T:Z ٣２+", max_size=16)
    | st.from_regex(r"[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}", fullmatch=True)
)
def test_utc_hour_equals_strptime_on_any_text(key: str) -> None:
    assert _fast(key) == _strptime(key)


@settings(max_examples=60, deadline=None)
@given(
    _HOURS.filter(lambda d: 1900 < d.year < 2200),
    st.sampled_from(["Asia/Tokyo", "America/New_York", "Europe/Berlin", "Asia/Kolkata"]),
)
def test_local_hour_holds_for_every_minute_it_claims(dt: datetime, zone: str) -> None:
    """The stream keeps one classification per UTC hour only when ``local_hour`` says it
    holds for the whole hour; then every minute of that hour must classify the same."""
    params = load_parameters(None)
    params["timezone"] = zone
    start = dt.replace(minute=0, second=0, microsecond=0)
    text = start.strftime("%Y-%m-%dT%H:%M:%S.000000000Z").zfill(30)
    lt, whole = Calendar(params).local_hour(text)
    assert whole == (zone != "Asia/Kolkata")
    for minute in range(0, 60, 7):
        t = (start + timedelta(minutes=minute)).strftime("%Y-%m-%dT%H:%M:%S.000000000Z")
        plain = Calendar(params).local(t.zfill(30))  # a fresh calendar: nothing cached
        if whole or minute == 0:
            assert plain == lt


@settings(deadline=None)  # timing is not what these check (a shared machine)
@given(st.dictionaries(st.integers(0, 400), st.integers(0, 50), min_size=1, max_size=60))
def test_r02_30_day_sums_equal_the_plain_sums(files: dict[int, int]) -> None:
    """R02's rolling criterion reads 30-day sums from one precomputed list."""
    from evidencekit.analysis.rules.r02_bulk import _REACH, _sum30, _sums30

    first, last = 700_000 + min(files), 700_000 + max(files)
    cum, acc = [], 0
    for o in range(first, last + 1):
        acc += files.get(o - 700_000, 0)
        cum.append(acc)
    start, s30 = _sums30((first, cum))
    assert start == first
    for end in range(first, last + 1):
        at = end - first + _REACH
        assert s30[at] == _sum30((first, cum), end)
        assert s30[at - 150 : at - 59 : 5] == [
            _sum30((first, cum), end - k) for k in range(150, 59, -5)
        ]

"""``local_offset`` (the minute cache's offset check) agrees with ``from_local``."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from hypothesis import given, settings
from hypothesis import strategies as st

from evidencekit.events.jptime import TimeParser, local_offset
from evidencekit.events.time import TimeError, from_local

# Zones with DST gaps and folds, half- and quarter-hour offsets, and LMT offsets with seconds.
ZONES = ["Asia/Tokyo", "Europe/Berlin", "America/New_York", "Australia/Lord_Howe"]
ZONES += ["Asia/Kathmandu", "America/St_Johns", "UTC", "Pacific/Apia"]


def _outcome(call: Callable[[], str]) -> tuple[str, str]:
    try:
        return "ok", call()
    except TimeError as exc:
        return "error", str(exc)


@settings(max_examples=400, deadline=None)
@given(
    naive=st.datetimes(min_value=datetime(1850, 1, 1), max_value=datetime(2100, 12, 31)),
    zone=st.sampled_from(ZONES),
)
def test_local_offset_matches_from_local(naive: datetime, zone: str) -> None:
    expected = _outcome(lambda: from_local(naive, zone)[1])
    assert _outcome(lambda: local_offset(naive, zone)) == expected


def test_dst_edges_give_the_same_results_and_errors() -> None:
    """Around the 2024 Berlin changes: gap at 02:00 on 31 March, fold at 02:00 on 27 October."""
    days = [(3, 31), (10, 27)]
    for month, day in days:
        for hour in (1, 2, 3):
            for minute in (0, 30, 59):
                for second in (0, 59):
                    naive = datetime(2024, month, day, hour, minute, second)
                    assert _outcome(lambda n=naive: local_offset(n, "Europe/Berlin")) == _outcome(
                        lambda n=naive: from_local(n, "Europe/Berlin")[1]
                    )


def test_parser_places_dst_edge_minutes_like_from_local() -> None:
    parser = TimeParser(("ymd",), zone="Europe/Berlin")
    for text, naive in [
        ("2024/10/27 1:59:30", datetime(2024, 10, 27, 1, 59, 30)),
        ("2024/10/27 3:00:10", datetime(2024, 10, 27, 3, 0, 10)),
        ("2024/03/31 3:00:10", datetime(2024, 3, 31, 3, 0, 10)),
    ]:
        parsed = parser.parse(text)
        assert (parsed.time, parsed.offset) == from_local(naive, "Europe/Berlin")
    for text in ("2024/10/27 2:30:00", "2024/03/31 2:30:00"):
        try:
            parser.parse(text)
        except TimeError:
            continue
        raise AssertionError(f"{text} should be refused (DST change)")

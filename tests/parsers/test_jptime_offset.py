"""``local_minute`` and ``local_offset`` (the minute cache's placing) agree with ``from_local``."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from hypothesis import given, settings
from hypothesis import strategies as st

from evidencekit.events.jptime import TimeParser
from evidencekit.events.time import TimeError, from_local
from evidencekit.events.zoneplace import local_minute, local_offset

# Zones with DST gaps and folds, half- and quarter-hour offsets, and LMT offsets with seconds.
ZONES = ["Asia/Tokyo", "Europe/Berlin", "America/New_York", "Australia/Lord_Howe"]
ZONES += ["Asia/Kathmandu", "America/St_Johns", "UTC", "Pacific/Apia"]


def _outcome(call: Callable[[], object]) -> tuple[str, object]:
    try:
        return "ok", call()
    except (TimeError, OverflowError) as exc:  # both raise the same, message included
        return type(exc).__name__, str(exc)


@settings(max_examples=400, deadline=None)
@given(
    naive=st.datetimes(min_value=datetime(1850, 1, 1), max_value=datetime(2100, 12, 31)),
    zone=st.sampled_from(ZONES),
)
def test_local_offset_matches_from_local(naive: datetime, zone: str) -> None:
    expected = _outcome(lambda: from_local(naive, zone)[1])
    assert _outcome(lambda: local_offset(naive, zone)) == expected


@settings(max_examples=400, deadline=None)
@given(
    naive=st.datetimes(min_value=datetime(1850, 1, 1), max_value=datetime(2100, 12, 31))
    | st.datetimes(min_value=datetime(1600, 12, 30), max_value=datetime(1601, 1, 2))
    | st.datetimes(min_value=datetime(9999, 12, 30), max_value=datetime(9999, 12, 31, 23, 59)),
    zone=st.sampled_from([*ZONES, "Etc/GMT+12", "Etc/GMT-14"]),
)
def test_local_minute_matches_from_local(naive: datetime, zone: str) -> None:
    """Times, offsets and errors, near the 1601 and 9999 limits too."""
    assert _outcome(lambda: local_minute(naive, zone)) == _outcome(lambda: from_local(naive, zone))


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


def test_historic_offsets_keep_their_seconds() -> None:
    """Tokyo ran on local mean time (+09:18:59) before 1888: the cached minute path must not
    drop the offset's seconds, and the offset text keeps them."""

    parser = TimeParser(zone="Asia/Tokyo")
    for second in (0, 5, 6, 59, 5):  # the repeat hits any cache
        text = f"1880/01/01 9:00:{second:02d}"
        parsed = parser.parse(text)
        assert (parsed.time, parsed.offset) == from_local(
            datetime(1880, 1, 1, 9, 0, second), "Asia/Tokyo"
        )
    assert parsed.offset == "+09:18:59"
    day = parser.parse("1880/01/01")
    assert day.time == from_local(datetime(1880, 1, 1), "Asia/Tokyo")[0]

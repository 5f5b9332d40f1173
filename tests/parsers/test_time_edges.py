"""Times at the edges of the caches and of the calendar: the minute cache gives what the
careful parse gives (whatever was parsed before), and local times whose UTC day leaves
years 1..9999 are parse issues, not a crash that stops the ingest."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from evidencekit.events.jptime import TimeParser
from evidencekit.events.time import TimeError, from_local
from evidencekit.events.zoneplace import local_minute, local_offset, steady_minute
from evidencekit.parsers.base import ParseContext
from evidencekit.parsers.mapped_csv import MappedCsv

PROFILE = Path(__file__).resolve().parents[2] / "examples" / "profiles" / "operation_log.toml"


@pytest.mark.parametrize(
    "text",
    ["2024/04/01 9:05:0３", "2024/04/01 9:05:1²", "2024/04/01 9:05:0٣", "2024/04/01 9:05:３３"],
)
def test_minute_cache_gives_what_a_fresh_parser_gives(text: str) -> None:
    """A second written with other than ASCII digits, after the same minute in ASCII."""
    warm = TimeParser(("ymd", "jp"))
    warm.parse("2024/04/01 9:05:03")  # caches the minute "2024/04/01 9:05:"
    fresh = TimeParser(("ymd", "jp"))
    assert warm.parse(text) == fresh.parse(text)
    assert warm.parse(text).time[:20].isascii()


@pytest.mark.parametrize(
    ("naive", "zone"),
    [
        (datetime(1, 1, 1, 0, 0), "Asia/Tokyo"),  # UTC day is year 0
        (datetime(9999, 12, 31, 23, 0), "America/New_York"),  # UTC day is year 10000
    ],
)
def test_utc_day_outside_the_calendar_is_a_time_error(naive: datetime, zone: str) -> None:
    for place in (from_local, local_minute):
        with pytest.raises(TimeError, match=r"outside years 1601\.\.9999"):
            place(naive, zone)


def test_such_times_in_an_export_are_issues_and_the_rest_is_read(tmp_path: Path) -> None:
    rows = ["0001/01/01 0:00:00", "9999/12/31 23:59:59", "2024/04/01 9:05:03"]
    header = "日時,ユーザー名,PC名,操作,ファイル名,送信先,ドライブ種別,サイズ\r\n"
    text = header + "".join(f"{t},yamada,PC-1,印刷,a.txt,,,1\r\n" for t in rows)
    path = tmp_path / "oplog.csv"
    path.write_bytes(text.encode("cp932"))
    for zone, bad in (("Asia/Tokyo", 2), ("America/New_York", 3)):
        ctx = ParseContext("0" * 16, path, "mapped_csv", "1", zone, {"mapping": str(PROFILE)})
        items = list(MappedCsv().parse(ctx))
        events = [i for i in items if isinstance(i, dict)]
        issues = [i for i in items if not isinstance(i, dict)]
        assert len(events) == 3  # every record kept, its time text with it
        assert [e["time_original"] for e in events] == rows
        placed = [e for e in events if "time" in e]
        assert len(placed) == 3 - (bad - 1)
        assert [i.code for i in issues] == ["time_impossible"] * (bad - 1)
        assert all("outside years 1601..9999" in i.message for i in issues)
        assert ctx.records_read == 3


_ZONES = ["Asia/Tokyo", "Europe/Berlin", "America/New_York", "Australia/Lord_Howe"]
_ZONES += ["Asia/Kathmandu", "America/St_Johns", "UTC", "Pacific/Apia", "Europe/Amsterdam"]


@settings(max_examples=600, deadline=None)
@given(
    naive=st.datetimes(min_value=datetime(1850, 1, 1), max_value=datetime(2100, 12, 31))
    | st.datetimes(min_value=datetime(1601, 12, 30), max_value=datetime(1602, 1, 2))
    | st.datetimes(min_value=datetime(9998, 12, 30), max_value=datetime(9999, 1, 2)),
    zone=st.sampled_from(_ZONES),
)
def test_steady_minute_is_what_the_careful_placing_caches(naive: datetime, zone: str) -> None:
    """Where it answers, the minute start and offset of local_minute, and the minute's last
    second has that offset too (so the parser's cache holds exactly what it held)."""
    y, mo, d, h, mi = naive.year, naive.month, naive.day, naive.hour, naive.minute
    got = steady_minute(y, mo, d, h, mi, ZoneInfo(zone))
    start = datetime(y, mo, d, h, mi)
    if got is None:
        return
    assert got == local_minute(start, zone)
    assert local_offset(start.replace(second=59), zone) == got[1]


def test_steady_minute_declines_dst_changes_lmt_seconds_and_calendar_ends() -> None:
    berlin, amsterdam = ZoneInfo("Europe/Berlin"), ZoneInfo("Europe/Amsterdam")
    assert steady_minute(2024, 3, 31, 2, 30, berlin) is None  # skipped hour
    assert steady_minute(2024, 10, 27, 2, 30, berlin) is None  # repeated hour
    assert steady_minute(1900, 1, 1, 12, 0, amsterdam) is None  # LMT +00:19:32
    assert steady_minute(1601, 6, 1, 12, 0, berlin) is None
    assert steady_minute(9999, 6, 1, 12, 0, berlin) is None
    assert steady_minute(2024, 4, 1, 9, 5, ZoneInfo("Asia/Tokyo")) == (
        "2024-04-01T00:05:00.000000000Z",
        "+09:00",
    )


_plain_text = st.builds(
    "{}{}{}{}{}{}{}:{}:{}".format,
    st.integers(1599, 2100).map(str),
    st.sampled_from("/-."),
    st.integers(0, 13).map(lambda v: f"{v:02d}") | st.integers(1, 12).map(str),
    st.sampled_from("/-."),
    st.integers(0, 32).map(str),
    st.sampled_from([" ", "T"]),
    st.integers(0, 25).map(str),
    st.integers(0, 61).map(lambda v: f"{v:02d}"),
    st.integers(0, 61).map(lambda v: f"{v:02d}"),
)


def _outcome(parser: TimeParser, text: str) -> object:
    try:
        return parser.parse(text)
    except TimeError as exc:
        return str(exc)


@settings(max_examples=300, deadline=None)
@given(
    st.lists(_plain_text, min_size=1, max_size=20),
    st.sampled_from(["Asia/Tokyo", "Europe/Berlin", "America/New_York", "Europe/Amsterdam"]),
    st.sampled_from([("ymd", "jp"), ("auto",), ("iso",)]),
)
def test_plain_form_shortcut_gives_what_the_general_reading_gives(
    texts: list[str], zone: str, formats: tuple[str, ...]
) -> None:
    """'2024/04/01 9:05:03' and its kin, read directly or through the format loop."""
    fast, general = TimeParser(formats, zone), TimeParser(formats, zone)
    general._plain_first = False
    for text in texts:
        assert _outcome(fast, text) == _outcome(general, text)

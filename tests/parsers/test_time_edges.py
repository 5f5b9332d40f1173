"""Times at the edges of the caches and of the calendar: the minute cache gives what the
careful parse gives (whatever was parsed before), and local times whose UTC day leaves
years 1..9999 are parse issues, not a crash that stops the ingest."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

import pytest

from evidencekit.events.jptime import TimeParser
from evidencekit.events.time import TimeError, from_local
from evidencekit.events.zoneplace import local_minute
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

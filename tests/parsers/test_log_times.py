"""Japanese and export time forms -> UTC, checked against zoneinfo/datetime computed here."""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from evidencekit.events.jptime import TimeParser, era_to_year
from evidencekit.events.time import TimeError

TOKYO = ZoneInfo("Asia/Tokyo")


def _utc(dt: datetime) -> str:
    return dt.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.") + f"{dt.microsecond * 1000:09d}Z"


@pytest.mark.parametrize(
    ("text", "local", "precision"),
    [
        ("2024/04/01 9:05:03", datetime(2024, 4, 1, 9, 5, 3), "1s"),
        ("2024-04-01 09:05", datetime(2024, 4, 1, 9, 5), "1min"),
        ("2024年4月1日 9時5分3秒", datetime(2024, 4, 1, 9, 5, 3), "1s"),
        ("２０２４年４月１日（月） ９：０５：０３", datetime(2024, 4, 1, 9, 5, 3), "1s"),
        ("2024/04/01 午後 3:05:03", datetime(2024, 4, 1, 15, 5, 3), "1s"),
        ("2024/04/01 午前0:00:00", datetime(2024, 4, 1, 0, 0, 0), "1s"),
        ("4/1/2024 3:05:03 PM", datetime(2024, 4, 1, 15, 5, 3), "1s"),
        ("2024/04/01 09:05:03.250", datetime(2024, 4, 1, 9, 5, 3, 250000), "1ms"),
    ],
)
def test_local_forms_in_tokyo(text: str, local: datetime, precision: str) -> None:
    parsed = TimeParser().parse(text)
    assert parsed.time == _utc(local.replace(tzinfo=TOKYO))
    assert (parsed.offset, parsed.zone, parsed.precision) == ("+09:00", "Asia/Tokyo", precision)


@pytest.mark.parametrize(
    ("text", "day"),
    [
        ("令和6年4月1日", datetime(2024, 4, 1)),
        ("令和元年5月1日", datetime(2019, 5, 1)),
        ("平成元年1月8日", datetime(1989, 1, 8)),
        ("平成31年4月30日", datetime(2019, 4, 30)),
        ("昭和64年1月7日", datetime(1989, 1, 7)),
        ("大正15年12月24日", datetime(1926, 12, 24)),
        ("明治45年7月29日", datetime(1912, 7, 29)),
        ("R6.4.1", datetime(2024, 4, 1)),
        ("H31.4.30", datetime(2019, 4, 30)),
    ],
)
def test_japanese_eras_give_date_only_midnight(text: str, day: datetime) -> None:
    parsed = TimeParser().parse(text)
    assert parsed.time == _utc(day.replace(tzinfo=TOKYO))
    assert parsed.precision == "1d" and parsed.date_only


@pytest.mark.parametrize(
    "text",
    [
        "平成31年5月1日",
        "昭和64年1月8日",
        "令和元年4月30日",
        "2024/02/30 10:00",
        "2024/04/01 25:00",
        "2024/04/01 13:00 PM",
        "not a time",
        "",
    ],
)
def test_impossible_or_unparseable_raise(text: str) -> None:
    with pytest.raises(TimeError):
        TimeParser().parse(text)


def test_era_year_arithmetic() -> None:
    assert era_to_year("令和", "元", 5, 1) == 2019
    assert era_to_year("H", "1", 1, 8) == 1989


def test_explicit_offsets_are_kept_not_shifted_by_zone() -> None:
    parsed = TimeParser(zone="America/New_York").parse("2024-04-01T09:05:03.1234567+09:00")
    assert parsed.time == "2024-04-01T00:05:03.123456700Z"
    assert (parsed.offset, parsed.zone, parsed.precision) == ("+09:00", None, "100ns")


def test_utc_formats_are_never_shifted() -> None:
    parser = TimeParser(["ymd"], zone="Asia/Tokyo", utc=True)
    parsed = parser.parse("2024-04-01 09:05:03")
    assert parsed.time == "2024-04-01T09:05:03.000000000Z" and parsed.zone == "UTC"
    epoch = TimeParser(["epoch"], utc=True).parse("1711962303.120")
    assert epoch.time == _utc(
        datetime.fromtimestamp(1711962303.12, UTC).replace(microsecond=120000)
    )
    assert (epoch.offset, epoch.precision) == ("Z", "1ms")


def test_excel_serial_and_strptime_pattern() -> None:
    # 45383 days after 1899-12-30 is 2024-04-01 (Excel's 1900 date system).
    parsed = TimeParser(["excel"]).parse("45383.5")
    assert parsed.time == _utc(datetime(2024, 4, 1, 12, tzinfo=TOKYO))
    custom = TimeParser(["%d.%m.%Y %H:%M:%S"]).parse("01.04.2024 09:05:03")
    assert custom.time == _utc(datetime(2024, 4, 1, 9, 5, 3, tzinfo=TOKYO))


def test_dst_gap_and_overlap_in_a_non_japanese_zone() -> None:
    parser = TimeParser(zone="America/New_York")
    with pytest.raises(TimeError, match="impossible"):
        parser.parse("2024-03-10 02:30:00")  # skipped hour
    with pytest.raises(TimeError, match="ambiguous"):
        parser.parse("2024-11-03 01:30:00")  # repeated hour
    before = parser.parse("2024-03-10 01:59:59")
    after = parser.parse("2024-03-10 03:00:00")
    assert (before.offset, after.offset) == ("-05:00", "-04:00")
    assert before.time == "2024-03-10T06:59:59.000000000Z"
    assert after.time == "2024-03-10T07:00:00.000000000Z"


def test_unknown_zone_is_refused() -> None:
    with pytest.raises(ValueError, match="unknown time zone"):
        TimeParser(zone="Mars/Olympus")


@settings(max_examples=200, deadline=None)
@given(
    st.datetimes(min_value=datetime(1990, 1, 1), max_value=datetime(2037, 12, 31)),
    st.sampled_from(["Asia/Tokyo", "Europe/Berlin", "America/New_York"]),
)
def test_cached_fast_path_agrees_with_zoneinfo(local: datetime, zone: str) -> None:
    local = local.replace(microsecond=0)
    tz = ZoneInfo(zone)
    first, second = local.replace(tzinfo=tz, fold=0), local.replace(tzinfo=tz, fold=1)
    parser = TimeParser(zone=zone)
    text = local.strftime("%Y/%m/%d %H:%M:%S")
    if first.utcoffset() != second.utcoffset():
        with pytest.raises(TimeError):
            parser.parse(text)
        return
    for _ in range(2):  # second parse comes from the caches
        assert parser.parse(text).time == _utc(first)
    # Another second of the same minute comes from the cached minute prefix, in each of
    # the written forms (zero-padded hour, bare hour, Japanese 午後, US month-first).
    other = first.replace(second=(local.second + 17) % 60)
    forms = [
        lambda t: t.strftime("%Y/%m/%d %H:%M:%S"),
        lambda t: f"{t:%Y/%m/%d} {t.hour}:{t:%M:%S}",
        lambda t: f"{t:%Y/%m/%d} {'午後' if t.hour >= 12 else '午前'}{t.hour % 12}:{t:%M:%S}",
        lambda t: f"{t.month}/{t.day}/{t.year} {t:%H:%M:%S}",
    ]
    for form in forms:
        fresh = TimeParser(zone=zone)
        assert fresh.parse(form(first)).time == _utc(first)
        assert fresh.parse(form(other)).time == _utc(other)


def test_strptime_zone_names_and_offsets() -> None:
    gmt = TimeParser(["%b %d, %Y, %I:%M:%S %p GMT%z"]).parse("Apr 1, 2024, 9:05:03 AM GMT+09:00")
    assert (gmt.time, gmt.offset, gmt.zone) == ("2024-04-01T00:05:03.000000000Z", "+09:00", None)
    utc = TimeParser(["%b %d, %Y, %I:%M:%S %p %Z"]).parse("Apr 1, 2024, 9:05:03 AM UTC")
    assert (utc.time, utc.offset) == ("2024-04-01T09:05:03.000000000Z", "Z")

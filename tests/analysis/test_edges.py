"""Threshold and time-zone edge cases: 23:59 JST before a holiday, DST in a non-Japanese
source, a resignation date without a time, threshold boundaries."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

import pytest

from evidencekit.analysis.config import AnalysisError, load_parameters
from evidencekit.analysis.engine import AnalysisOptions, analyze
from evidencekit.analysis.hr import HrFact, PersonHr, read_hr_csv, window_for
from evidencekit.analysis.jpcal import Calendar
from evidencekit.events.time import TimeError, from_local
from tests.analysis.builder import Scenario
from tests.analysis.scenarios import rules_fired


def _utc(local: str, zone: str = "Asia/Tokyo") -> str:
    return from_local(datetime.fromisoformat(local), zone)[0]


def test_copy_at_2359_jst_before_a_holiday_is_not_on_the_holiday() -> None:
    cal = Calendar(load_parameters())
    before = cal.local(_utc("2025-02-10 23:59:59"))
    after = cal.local(_utc("2025-02-11 00:00:00"))
    assert (before.day, before.holiday, before.late_night) == ("2025-02-10", None, True)
    assert (after.day, after.holiday) == ("2025-02-11", "建国記念の日")


def test_holiday_eve_copy_in_a_case(tmp_path: Path) -> None:
    """A USB copy at 23:59 JST on 2025-02-10 (Mon) is 'outside business hours', and the next
    minute's copy falls on 建国記念の日; both are combined with the copy (R03)."""
    s = Scenario(tmp_path, "EDGE1")
    s.write("ids.toml", '[[person]]\nperson = "e1"\naccounts = ["X\\\\e1"]\n')
    usb = {"usb_serial": "USB-Q", "drive_type": "removable"}
    for t in ("2025-02-10 23:59", "2025-02-11 00:01"):
        for i in range(12):
            s.add(
                "endpoint",
                f"{t}:{i:02d}",
                "copy",
                "e1",
                domain="X",
                path=f"C:\\w\\f{t[-5:-3]}{i}.dwg",
                target=f"E:\\f{i}.dwg",
                device=usb,
                size=10_000_000,
            )
    case = s.seal()
    result = analyze(case, AnalysisOptions(identities=s.files["ids.toml"]))
    r09 = {f.facts["day"]: f for f in result.findings if f.rule == "R09"}
    assert {d: f.facts["holiday"] for d, f in r09.items()} == {
        "2025-02-10": None,
        "2025-02-11": "建国記念の日",
    }
    # 23:59 is in the late-night band (22:00-05:00), and the sentence says so
    assert "including the late-night band 22:00–05:00" in r09["2025-02-10"].explanation_en
    assert "深夜帯（22:00–05:00）を含む" in r09["2025-02-10"].explanation_ja
    r03_days = sorted(f.facts["day"] for f in result.findings if f.rule == "R03")
    assert r03_days == ["2025-02-10", "2025-02-11"]


def test_dst_in_a_non_japanese_source_lands_on_the_right_jst_day() -> None:
    cal = Calendar(load_parameters())
    # New York: 2025-03-09 02:30 does not exist (spring forward): the parser must refuse it.
    with pytest.raises(TimeError, match="impossible"):
        from_local(datetime(2025, 3, 9, 2, 30), "America/New_York")
    with pytest.raises(TimeError, match="ambiguous"):
        from_local(datetime(2025, 11, 2, 1, 30), "America/New_York")
    est = _utc("2025-03-08 22:30", "America/New_York")  # UTC-5
    edt = _utc("2025-03-09 22:30", "America/New_York")  # UTC-4
    assert est == "2025-03-09T03:30:00.000000000Z" and edt == "2025-03-10T02:30:00.000000000Z"
    assert (cal.local(est).day, cal.local(est).hour) == ("2025-03-09", 12)
    assert (cal.local(edt).day, cal.local(edt).hour) == ("2025-03-10", 11)


def test_analysis_zone_with_dst_and_half_hour_offsets() -> None:
    params = load_parameters()
    params["timezone"] = "America/New_York"
    ny = Calendar(params)
    assert ny.local("2025-03-09T06:30:00.000000000Z").hour == 1  # EST
    assert ny.local("2025-03-09T07:30:00.000000000Z").hour == 3  # EDT, 02:xx skipped
    params["timezone"] = "Asia/Kolkata"
    assert Calendar(params).local("2025-03-09T18:29:00.000000000Z").day == "2025-03-09"
    assert Calendar(params).local("2025-03-09T18:30:00.000000000Z").day == "2025-03-10"


def test_resignation_and_last_day_without_time_cover_whole_local_days(tmp_path: Path) -> None:
    csv = tmp_path / "hr.csv"
    csv.write_text(
        "person,hr_type,date,end_date\n"
        "e1,resignation_notice,2025-03-03,\n"
        "e1,last_attendance,2025-03-14,\n"
        "e1,retirement_date,2025-03-31,\n",
        encoding="utf-8",
    )
    facts, source = read_hr_csv(csv)
    assert [f.hr_type for f in facts] == ["resignation_notice", "last_working_day", "retirement"]
    assert source.records == 3
    hr = PersonHr(facts)
    params = load_parameters()
    cal = Calendar(params)
    late = cal.local(_utc("2025-03-14 23:30")).day  # 14:30 UTC, still the last working day
    early = cal.local(_utc("2025-03-15 00:30")).day
    assert window_for(hr, late, params)[0] == "hot"
    assert window_for(hr, early, params)[0] == "exit_leave"
    assert window_for(hr, cal.local(_utc("2025-02-17 00:05")).day, params)[0] == "hot"  # T-14d
    assert window_for(hr, "2025-02-16", params)[0] == "pre"
    assert window_for(hr, "2024-12-02", params)[0] == "none"  # T-91d
    assert window_for(hr, "2025-04-01", params)[0] == "post"


def test_pre_window_can_be_widened() -> None:
    params = load_parameters()
    params["departure_window"] = {**params["departure_window"], "pre_days": 180}
    hr = PersonHr([HrFact("e6", "resignation_notice", "2025-03-03")])
    assert window_for(hr, "2024-09-10", params)[0] == "pre"
    assert window_for(hr, "2024-09-10", load_parameters())[0] == "none"


def test_bad_hr_rows_name_the_line(tmp_path: Path) -> None:
    csv = tmp_path / "hr.csv"
    csv.write_text("person,hr_type,date\ne1,resignation_notice,2025-02-30\n", encoding="utf-8")
    with pytest.raises(AnalysisError, match="line 2"):
        read_hr_csv(csv)


def test_hr_dates_in_japanese_forms(tmp_path: Path) -> None:
    """HR exports from Japanese systems write 2025/03/03, 2025年3月14日 or 令和7年3月31日;
    the simple HR CSV reads them as the same local days; a day-first date is refused."""
    csv = tmp_path / "hr.csv"
    csv.write_text(
        "person,hr_type,date,end_date\n"
        "e1,resignation_notice,2025/03/03,\n"
        "e1,last_attendance,2025年3月14日,\n"
        "e1,approved_overtime,令和7年2月3日,令和7年2月7日\n",
        encoding="utf-8",
    )
    facts, _ = read_hr_csv(csv)
    assert [(f.day, f.end_day) for f in facts] == [
        ("2025-03-03", None),
        ("2025-03-14", None),
        ("2025-02-03", "2025-02-07"),
    ]
    csv.write_text("person,hr_type,date\ne1,resignation_notice,03/03/2025\n", encoding="utf-8")
    with pytest.raises(AnalysisError, match="line 2: bad date"):
        read_hr_csv(csv)


def test_removable_threshold_boundary(tmp_path: Path) -> None:
    """R03 'medium' needs >= 20 value-class files a day: 19 stays below, 20 reaches it."""
    results = {}
    for n in (19, 20):
        s = Scenario(tmp_path / str(n), f"T{n}")
        s.write("assets.toml", '[[device]]\nserial = "USB-REG"\n')
        for i in range(n):
            s.add(
                "endpoint",
                f"2025-06-02 10:{i:02d}",
                "copy",
                "u1",
                path=f"C:\\w\\p{i}.dwg",
                target=f"E:\\p{i}.dwg",
                device={"usb_serial": "USB-REG", "drive_type": "removable"},
            )
        case = s.seal()
        results[n] = rules_fired(
            analyze(case, AnalysisOptions(assets=s.files["assets.toml"])), "info"
        )
    assert results[19]["R03"] == "info"  # registered corporate device, below threshold
    assert results[20]["R03"] == "medium"

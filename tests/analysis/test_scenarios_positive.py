"""P3, P5, P7 (Denso, GM and Yoshitsuka patterns): rules, elements, gaps and tiers as the
domain map's §6.3 "Expected" lines state them."""

from __future__ import annotations

from pathlib import Path

from tests.analysis.conftest import Built, rerun, statuses
from tests.analysis.scenarios import rules_fired


def test_p3_no_hr_data_means_not_assessed_never_silence(p3: Built) -> None:
    result = p3[2]
    fired = rules_fired(result)
    assert fired["R02"] == "high" and fired["R03"] == "high" and fired["R08"] == "high"
    assert fired["R10"] == "medium"  # need-to-know deviation (product lines never used)
    assert fired["R07"] == "medium"  # (b) mass deletion; (a) is silent: 23 days after the copy
    assert fired["R17"] == "low" and fired["R09"] == "low"
    r07 = next(f for f in result.findings if f.rule == "R07")
    assert r07.facts["conditions"] == ["b"]
    r01 = next(r for r in result.rules if r.rule == "R01")
    assert r01.status == "not_assessed" and "GAP.BF.01" in (r01.reason or "")
    assert "GAP.BF.01" in {g.id for g in result.gaps}
    assert {f.window for f in result.findings if f.rule.startswith("R") and f.window} == {
        "not_assessed"
    }


def test_p3_holidays_national_and_company(p3: Built) -> None:
    r09 = [f for f in p3[2].findings if f.rule == "R09" and f.severity == "low"]
    holidays = {f.facts["day"]: f.facts["holiday"] for f in r09}
    assert holidays.get("2024-11-04") == "振替休日"
    company = {f.facts["day"] for f in r09 if f.facts["company_day"]}
    assert "2024-12-28" in company  # this org's calendar: 12-28..01-05 (params file)


def test_p3_elements_tier_and_dtsa_seizure(p3: Built) -> None:
    status = statuses(p3[2])
    assert status["secrecy_management.measures"] == "supported"
    assert "GAP.ACT.04" in {g.id for g in p3[2].gaps}
    assert p3[2].persons[0].tier == "重大"
    criminal = statuses(rerun(p3, legal="jp_ucpa_criminal"))
    assert criminal["crim.ryotoku"] == "supported"
    dtsa = statuses(rerun(p3, legal="us_dtsa_civil"))
    assert dtsa["dtsa.seizure_grounds"] == "supported"


def test_p5_severance_offer_and_transmissions(p5: Built) -> None:
    result = p5[2]
    fired = rules_fired(result)
    for rule in ("R02", "R03", "R05", "R06", "R15"):
        assert fired[rule] == "high", rule
    assert fired["R09"] == "low" and fired["R17"] == "low"
    assert not {"R04", "R07", "R08"} & set(fired)
    kinds = {f.facts["recipient_kind"] for f in result.findings if f.rule == "R05"}
    assert kinds == {"self", "competitor"}
    assert {f.window for f in result.findings if f.rule in ("R02", "R03", "R05")} == {"hot"}
    assert statuses(result)["misappropriation_act.disclosure"] == "supported"
    assert result.persons[0].tier == "重大"


def test_p7_small_targeted_theft_is_still_seen(p7: Built) -> None:
    result = p7[2]
    fired = rules_fired(result)
    assert "R02" not in fired  # 86 files an hour stays below the bulk thresholds
    assert fired["R15"] == "high" and fired["R03"] == "high" and fired["R07"] == "high"
    optical = [f for f in result.findings if f.rule == "R03" and f.facts["medium"] == "optical"]
    assert optical and max(f.facts["files"] for f in optical) == 258
    windows = {f.rule: f.window for f in result.findings if f.rule in ("R15", "R03")}
    assert windows == {"R15": "pre", "R03": "hot"}
    criminal = rerun(p7, legal="jp_ucpa_criminal")
    former = next(e for e in criminal.elements if e.element == "crim.former_employee")
    assert former.strength == "strong_indirect"
    assert result.persons[0].tier == "重大"


def test_p2_photos_shown_apart_and_not_offsetting_the_secret_copy(p2: Built) -> None:
    result = p2[2]
    fired = rules_fired(result)
    assert fired["R02"] == "high" and fired["R03"] == "high" and fired["R17"] == "low"
    assert "R16" not in fired  # nothing after the exit pledge
    r03 = [f for f in result.findings if f.rule == "R03"]
    personal = [f for f in r03 if f.facts["personal"]]
    assert len(personal) == 1 and personal[0].facts["files"] == 312
    assert [c.id for c in personal[0].counter_indicators] == ["CI.05"]
    assert all(not f.counter_indicators and f.severity == "high" for f in r03 if f not in personal)
    holiday = {f.facts["day"]: f.facts["holiday"] for f in result.findings if f.rule == "R09"}
    assert holiday.get("2025-07-21") == "海の日"
    assert "GAP.ACT.04" in {g.id for g in result.gaps}
    assert statuses(result)["secrecy_management.defendant_awareness"] == "supported"
    assert result.persons[0].tier == "重大"


def test_p4_mtp_channel_switch_and_repetition(p4: Built) -> None:
    result = p4[2]
    fired = rules_fired(result)
    for rule in ("R02", "R03", "R07", "R12"):
        assert fired[rule] == "high", rule
    assert fired["R17"] == "low" and fired["R09"] == "low"
    r03 = [f for f in result.findings if f.rule == "R03"]
    assert len(r03) == 20 and {f.facts["medium"] for f in r03} == {"mtp"}
    assert not [f for f in r03 if f.facts["day"] in ("2025-05-13", "2025-05-20")]  # charging
    switch = next(f for f in result.findings if f.rule == "R12")
    assert switch.facts["switched_to"] == ["mtp"] and "channel_switch" in switch.indicators
    r02 = [f for f in result.findings if f.rule == "R02"]
    assert max(f.facts["max_rows"] for f in r02) == 18_800_000
    assert all(f.window == "none" for f in r02)  # contract end 09-30 is no trigger yet
    (person,) = result.persons
    assert person.repetition_raise and person.tier == "重大"
    status = statuses(result)
    assert status["usefulness"] == "supported" and status["actor_attribution"] == "supported"


def test_p8_colleague_credentials_from_the_partner_workstation(p8: Built) -> None:
    result = p8[2]
    fired = rules_fired(result)
    assert fired["R10"] == "high" and fired["R02"] == "high" and fired["R03"] == "high"
    assert fired["R17"] == "low" and fired["R09"] == "low"
    r10 = {f.facts["condition"]: f for f in result.findings if f.rule == "R10"}
    assert r10["c"].person == "p8" and r10["c"].facts["account_owner"] == "h9"
    assert r10["a"].severity == "medium" and r10["a"].evidence_total == 14
    roles = {e.role for e in r10["c"].evidence}
    assert roles == {"logon_while_owner_on_leave"}  # h9 was on leave 02-17..02-21
    bulk = {f.person for f in result.findings if f.rule == "R02"}
    assert "h9" in bulk  # the reads are recorded under h9's account (§2.1)
    e06 = {f.person: f.strength for f in result.findings if f.rule == "E06"}
    assert e06 == {"h9": "negative", "p8": "strong_indirect"}
    assert {f.window for f in result.findings if f.rule == "R03"} == {"pre"}  # contract end
    status = statuses(result)
    assert status["misappropriation_act.improper_means"] == "supported"
    assert status["misappropriation_act.shown_by_holder"] == "supported"  # JDA


def test_p6_slow_exfiltration_company_holidays_and_cloud(p6: Built, tmp_path: Path) -> None:
    result = p6[2]
    fired = rules_fired(result)
    for rule in ("R03", "R04", "R06"):
        assert fired[rule] == "high", rule
    r02 = [f for f in result.findings if f.rule == "R02"]
    assert r02 and "rolling30" in r02[0].facts["criteria"]  # no single day crosses a minimum
    assert "hourly_files" not in r02[0].facts["criteria"]
    uploads = [f for f in result.findings if f.rule == "R04"]
    assert sorted(f.facts["service"] for f in uploads) == ["gigafile.nu", "gigafile.nu", "mega.nz"]
    assert all(f.facts["after_staging"] and f.window == "pre" for f in uploads)
    r09 = {f.facts["day"]: f for f in result.findings if f.rule == "R09" and f.severity == "low"}
    for day in ("2024-12-30", "2025-01-02"):  # company calendar only: not national holidays
        assert r09[day].facts["company_day"] and r09[day].facts["holiday"] is None
    assert r09["2025-02-11"].facts["holiday"] == "建国記念の日"
    assert {f.window for f in result.findings if f.rule == "R03"} == {"hot"}
    assert r09["2024-09-16"].window == "none"  # 90-day pre window does not reach September
    person = result.persons[0]
    assert person.tier == "重大" and person.repetition_raise
    e04 = next(f for f in result.findings if f.rule == "E04")
    assert "production_method" in e04.facts["art5_2_t1_suggestion"]


def test_p6_wider_pre_window_covers_september(p6: Built, tmp_path: Path) -> None:
    params = tmp_path / "params.toml"
    params.write_text("[departure_window]\npre_days = 180\n", encoding="utf-8")
    wide = rerun(p6, params=params)
    r09 = {f.facts["day"]: f for f in wide.findings if f.rule == "R09" and f.severity == "low"}
    assert r09["2024-09-16"].window == "pre"


def test_art5_2_checklist_is_a_suggestion_for_counsel(p6: Built, p1: Built) -> None:
    check = p6[2].art5_2
    assert check["T1_secret_type"]["status"] == "suggested"
    assert "production_method" in check["T1_secret_type"]["suggestions"]
    assert check["T2_qualifying_act"]["status"] == "supported"
    assert check["T3_production_by_defendant"] == {"status": "out_of_scope"}
    assert "代理人の判断事項" in check["note_ja"]
    assert p1[2].art5_2["T1_secret_type"]["status"] == "not_assessed"

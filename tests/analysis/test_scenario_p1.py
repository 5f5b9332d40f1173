"""P1 (Mazak pattern): the right rules fire, citing the right events, with the map's
elements, statuses, gaps and tier (UCPA_EVIDENCE_MAP.md §6.2 expect block)."""

from __future__ import annotations

from pathlib import Path

import orjson
import pytest

from evidencekit.analysis.model import AnalysisResult
from evidencekit.timeline.seal import TIMELINE_FILE, prove_event, verify_inclusion_proof
from tests.analysis.conftest import Built
from tests.analysis.scenarios import rules_fired


@pytest.fixture(scope="module")
def p1(p1: Built) -> tuple[AnalysisResult, Path]:  # type: ignore[no-redef]
    return p1[2], p1[0].timeline_dir()


def test_expected_rules_fire_and_others_stay_silent(p1: tuple[AnalysisResult, Path]) -> None:
    fired = rules_fired(p1[0])
    assert fired["R02"] == "high"
    assert fired["R03"] == "high"
    assert fired["R07"] == "high"
    assert fired["R11"] == "high"
    assert fired["R17"] == "low"
    assert fired["R09"] == "low"  # combined with acquisition/transfer
    silent = {"R04", "R05", "R06", "R08", "R10", "R12", "R13", "R14", "R15", "R16", "R18"}
    assert not silent & set(fired)


def test_windows_follow_the_hr_dates(p1: tuple[AnalysisResult, Path]) -> None:
    result = p1[0]
    by_rule = {f.rule: f for f in result.findings if f.severity != "info"}
    assert by_rule["R02"].window == "hot"  # 03-04..03-13, after the 03-03 notice
    assert by_rule["R03"].window == "exit_leave"  # 03-20, paid leave after 03-14
    holiday = [f for f in result.findings if f.rule == "R09" and f.facts.get("holiday")]
    assert [f.facts["holiday"] for f in holiday] == ["春分の日"]


def test_findings_cite_events_that_are_in_the_sealed_tree(p1: tuple[AnalysisResult, Path]) -> None:
    result, folder = p1
    lines = (folder / TIMELINE_FILE).read_bytes().splitlines()
    copy = next(f for f in result.findings if f.rule == "R03")
    assert copy.evidence and copy.timeline_version == result.timeline_version
    for ref in copy.evidence:
        event = orjson.loads(lines[ref.leaf_index])["event"]
        assert event["id"] == ref.event_id
        assert event["device"]["usb_serial"] == "USB-SN-A1"
    head = result.merkle_root
    from evidencekit.timeline.seal import read_head

    proof = prove_event(
        folder / TIMELINE_FILE, read_head(folder / "head.json"), copy.evidence[0].event_id
    )
    assert proof.leaf_index == copy.evidence[0].leaf_index and proof.merkle_root == head
    verify_inclusion_proof(proof)


def test_element_statuses_match_the_map(p1: tuple[AnalysisResult, Path]) -> None:
    status = {e.element: e.status for e in p1[0].elements}
    assert status["secrecy_management.measures"] == "supported"
    assert status["secrecy_management.defendant_awareness"] == "supported"
    assert status["usefulness"] == "supported"
    assert status["non_public"] == "not_assessed"
    assert status["misappropriation_act.acquisition"] == "supported"
    assert status["misappropriation_act.use"] == "not_found"
    assert status["misappropriation_act.disclosure"] == "not_found"
    assert status["bad_faith.tori_kagai"] == "partially_supported"
    labels = {e.element: e.status_ja for e in p1[0].elements}
    assert labels["non_public"] == "未評価" and labels["misappropriation_act.use"] == "該当記録なし"


def test_gaps_and_tier(p1: tuple[AnalysisResult, Path]) -> None:
    result = p1[0]
    gaps = {g.id for g in result.gaps}
    assert {"GAP.NP.01", "GAP.ACT.03", "GAP.BF.03"} <= gaps
    assert "GAP.BF.01" not in gaps  # HR dates were supplied
    (person,) = result.persons
    assert person.person == "e1" and person.tier == "重大"
    copy_episode = next(
        e
        for e in result.episodes
        if any(next(f for f in result.findings if f.id == fid).rule == "R03" for fid in e.findings)
    )
    items = {i.indicator: i.points for i in copy_episode.indicators}
    assert items["private_dest"] == 3 and items["deletion"] == 2 and items["hot"] == 2
    assert copy_episode.points == sum(items.values()) >= 10

"""Benign scenarios (map §6.4) never reach 要確認; the N1 guard variant must fire."""

from __future__ import annotations

from evidencekit.analysis.model import TIER_ORDER
from tests.analysis.conftest import Built
from tests.analysis.scenarios import rules_fired


def _max_tier(built: Built) -> int:
    tiers = [e.tier for e in built[2].episodes] + [p.tier for p in built[2].persons if p.tier]
    return max((TIER_ORDER.index(t) for t in tiers), default=-1)


def test_no_benign_scenario_reaches_review(benign: dict[str, Built]) -> None:
    for name, built in benign.items():
        assert _max_tier(built) <= 0, name


def test_n1_backup_job_stays_below_info(n1: Built) -> None:
    assert rules_fired(n1[2]) == {}
    assert not n1[2].episodes


def test_n1_guard_unregistered_usb_fires(n1_guard: Built) -> None:
    fired = rules_fired(n1_guard[2])
    assert fired["R03"] == "high"  # allow-lists key on the destination, not the account


def test_n2_approved_overtime_is_info_only(n2: Built) -> None:
    result = n2[2]
    assert rules_fired(result) == {}
    r09 = [f for f in result.findings if f.rule == "R09"]
    assert r09 and all(f.severity == "info" for f in r09)
    assert all("CI.07" in {c.id for c in f.counter_indicators} for f in r09)
    holiday = [f for f in r09 if f.facts["holiday"]]
    assert [f.facts["holiday"] for f in holiday] == ["勤労感謝の日"]
    assert all(p.tier is None for p in result.persons)


def test_n3_ticketed_migration_is_suppressed(n3: Built) -> None:
    result = n3[2]
    assert rules_fired(result) == {}
    r02 = [f for f in result.findings if f.rule == "R02"]
    assert r02 and all("CI.02" in {c.id for c in f.counter_indicators} for f in r02)
    assert not [f for f in result.findings if f.rule in ("R04", "R07")]


def test_b4_personal_files_points_net_to_zero(b4: Built) -> None:
    result = b4[2]
    assert rules_fired(result)["R03"] == "low"
    (episode,) = result.episodes
    points = {i.indicator: i.points for i in episode.indicators}
    assert points == {"hot": 2, "private_dest": 3, "CI.05": -3, "CI.06": -2}
    assert episode.points == 0 and episode.tier == "参考"

"""Own and peer baselines (map §3.1): R02P peer z-scores for persons without 20 active days
of their own, the baseline stated on every R02 finding, and CI.01 for a person whose heavy
volume is their normal pattern. Real keyed events in a real sealed case (builder.py).

People (fictional): five engineers of 設計部 (four with months of ~25 files a day, one of
them with a spike); a new joiner of 設計部 with ten ordinary days, then a spike below R02's
absolute minimums; a lone new joiner of 法務部 (a peer group of one) with a spike above
them; a sales person (営業部) who reads ~260 files every working day for eight months and
hands in a resignation notice.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from evidencekit.analysis.baseline import robust_z
from evidencekit.analysis.engine import AnalysisOptions, analyze
from evidencekit.analysis.model import AnalysisResult, Finding
from tests.analysis.builder import Scenario, days
from tests.analysis.conftest import Built

PEERS = ("p1", "p2", "p3", "p4")
DEPT = {"nj": "設計部", "nj2": "設計部", "sp": "設計部", "solo": "法務部", "hv": "営業部"}
DEPT.update(dict.fromkeys(PEERS, "設計部"))
ROLE = {"solo": "counsel", "hv": "sales"}


def _ids() -> str:
    rows = []
    for p, dept in DEPT.items():
        rows.append(
            f'[[person]]\nperson = "{p}"\naccounts = ["CORP\\\\{p}"]\n'
            f'department = "{dept}"\nrole = "{ROLE.get(p, "engineer")}"\n'
        )
    return "\n".join(rows)


def _read(s: Scenario, who: str, day: str, n: int, i: int) -> None:
    s.add(
        "fileserver",
        f"{day} 10:{i % 50:02d}",
        "read",
        who,
        domain="CORP",
        path=f"\\\\fs01\\{DEPT[who]}\\f{i:05d}.dwg",
        attrs={"file_count": n, "bytes": n * 1_000_000},
    )


def build(root: Path) -> tuple[Any, AnalysisOptions]:
    s = Scenario(root, "BASE")
    s.write("ids.toml", _ids())
    for k, p in enumerate((*PEERS, "sp")):
        for i, day in enumerate(days("2025-03-03", "2025-09-30", weekdays_only=True)):
            n = 400 if (p == "sp" and day == "2025-09-29") else 20 + (i * 7 + k * 3) % 11
            _read(s, p, day, n, i)
    for p, spike in (("nj", 160), ("solo", 300)):
        for i, day in enumerate(days("2025-09-15", "2025-09-26", weekdays_only=True)):
            _read(s, p, day, 20 + (i * 5) % 11, i)
        _read(s, p, "2025-09-29", spike, 99)
    for i, day in enumerate(days("2025-09-15", "2025-09-30", weekdays_only=True)):
        _read(s, "nj2", day, 45, i)  # far above peers in z, below the 50-file floor
    for i, day in enumerate(days("2025-02-03", "2025-09-30", weekdays_only=True)):
        _read(s, "hv", day, 240 + (i * 13) % 41, i)
    s.hr("hv", "resignation_notice", "2025-09-01")
    case = s.seal()
    return case, AnalysisOptions(identities=s.files["ids.toml"])


@pytest.fixture(scope="module")
def result(tmp_path_factory: pytest.TempPathFactory) -> AnalysisResult:
    case, opts = build(tmp_path_factory.mktemp("baselines"))
    return analyze(case, opts)


def _of(result: AnalysisResult, rule: str, person: str) -> list[Finding]:
    return [f for f in result.findings if f.rule == rule and f.person == person]


def test_new_joiner_is_judged_against_peers(result: AnalysisResult) -> None:
    assert _of(result, "R02", "nj") == []  # 160 files: below every absolute minimum
    (f,) = _of(result, "R02P", "nj")
    assert f.facts["days"] == ["2025-09-29"]
    base = f.facts["baseline"]
    assert base["used"] == "peer" and base["own"]["active_days"] == 10
    assert base["peer"]["group"] == "設計部 / engineer" and base["peer"]["peers"] == 6
    assert "peer_z:files" in f.facts["criteria"]
    assert float(base["peer"]["z"]["files"]) >= 3
    assert f.severity == "medium" and "volume" in f.indicators
    assert f.evidence and all(e.time and e.time.startswith("2025-09-29") for e in f.evidence)
    assert "fewer than 20" in f.explanation_en and "稼働日は10日" in f.explanation_ja
    (gap,) = [g for g in result.gaps if g.id == "GAP.ACT.02"]  # no transfer path found
    assert f.id in gap.findings
    # a peer-judged acquisition is scored in an episode like an own-baseline one
    (ep,) = [e for e in result.episodes if f.id in e.findings]
    assert any(i.indicator == "volume" for i in ep.indicators)


def test_peers_with_ordinary_days_do_not_fire(result: AnalysisResult) -> None:
    for p in (*PEERS, "nj2"):
        assert _of(result, "R02P", p) == [] and _of(result, "R02", p) == []
    assert _of(result, "R02P", "sp") == []  # has its own baseline: R02 judges it


def test_peer_group_of_one_is_not_a_peer_group(result: AnalysisResult) -> None:
    assert _of(result, "R02P", "solo") == []
    (f,) = _of(result, "R02", "solo")  # 300 files in an hour: R02's absolute minimum
    base = f.facts["baseline"]
    assert base["used"] == "absolute_minimums"
    assert base["own"] == {
        "active_days": 10,
        "period": ["2025-07-31", "2025-09-28"],
        "sufficient": False,
    }
    assert base["peer"]["applied"] is False and base["peer"]["peers"] == 0
    assert "not a peer group" in base["peer"]["reason_en"]
    assert "not a peer group" in f.explanation_en and "比較集団の要件" in f.explanation_ja


def test_r02_states_own_baseline_and_peer_second_test(result: AnalysisResult) -> None:
    (f,) = _of(result, "R02", "sp")
    base = f.facts["baseline"]
    assert base["used"] == "own" and base["own"]["sufficient"] is True
    assert base["own"]["active_days"] >= 40
    assert base["peer"]["applied"] is True and "files" in base["peer"]["over"]
    ci01 = f.facts["ci01"]
    assert ci01["assessed"] is True and ci01["matches"] is False  # a spike is a change
    assert not [c for c in f.counter_indicators if c.id == "CI.01"]


def test_heavy_normal_volume_gets_ci01(result: AnalysisResult) -> None:
    (f,) = _of(result, "R02", "hv")
    ci01 = f.facts["ci01"]
    # review window = the days in R01 windows (pre starts 90 days before the notice)
    assert ci01["review_days"][0] == "2025-06-03"
    assert ci01["baseline_period"] == ["2025-04-04", "2025-06-02"]
    assert ci01["assessed"] is True and ci01["matches"] is True
    assert ci01["baseline_active_days"] >= 20
    (c,) = [c for c in f.counter_indicators if c.id == "CI.01"]
    assert c.points == -2 and c.note_en and "median" in c.note_en
    assert f.severity in ("medium", "high")  # stated, never hidden or downgraded
    (ep,) = [e for e in result.episodes if f.id in e.findings]
    assert any(i.indicator == "CI.01" and i.points == -2 for i in ep.indicators)
    assert ep.tier == "参考"  # volume +2, CI.01 -2
    assert any(
        row.element == "bad_faith.tori_kagai"
        and any("baseline" in w.text_en for w in row.weakening_facts)
        for row in result.elements
    )


def test_robust_z_reference_values() -> None:
    # median 3, MAD 1 -> scale 1.4826
    assert round(robust_z(6, [1, 2, 3, 4, 5]), 4) == round(3 / 1.4826, 4)
    # MAD 0: mean absolute deviation fallback (values 5,5,5,9: median 5, meanAD 1)
    assert round(robust_z(10, [5, 5, 5, 9]), 4) == round(5 / 1.2533, 4)
    assert robust_z(5, [5, 5, 5]) == 0 and robust_z(6, [5, 5, 5]) == float("inf")


def test_low_and_slow_change_before_the_window_is_not_ci01(p6: Built) -> None:
    """P6 (Valspar pattern): ~8 files a day, then ~40 from September; the notice comes in
    March, so the R01 window alone looks like "no change" — the run's start shows one."""
    result = p6[2]
    rolling = [f for f in result.findings if f.rule == "R02" and "rolling30" in f.facts["criteria"]]
    assert rolling
    for f in rolling:
        assert not [c for c in f.counter_indicators if c.id == "CI.01"]
        ci01 = f.facts["ci01"]
        if ci01.get("assessed"):
            assert ci01["matches"] is False
    assert any(float(f.facts["ci01"].get("run_start", {}).get("z", "0")) >= 3 for f in rolling)


_ints = st.integers(min_value=-10_000, max_value=10_000)


@given(st.lists(_ints, min_size=1, max_size=40), _ints, _ints, st.integers(1, 50))
def test_robust_z_is_shift_and_scale_invariant(
    values: list[int], x: int, shift: int, k: int
) -> None:
    z = robust_z(x, values)
    moved = robust_z(k * x + shift, [k * v + shift for v in values])
    assert (z == moved) if abs(z) == float("inf") else abs(z - moved) < 1e-6 * max(1, abs(z))

"""Usefulness signals (map §2.3.2): SIG.US.02 business use and SIG.US.03 edits on register
entries (E07), SIG.US.04 selective taking (E08), and the gap checklist naming the inputs
that were missing (GAP.US.03/04/05). Real keyed events in a real sealed case.

People (fictional): ``tk`` reads mostly office documents and some drawings, then copies
almost only drawings to an unregistered USB stick (enriched); ``cad`` reads and copies
drawings only (the same share: not selective); three colleagues read and edit the
product-A folder on many days (business use by persons who took nothing).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from evidencekit.analysis.engine import AnalysisOptions, analyze
from evidencekit.analysis.model import AnalysisResult
from tests.analysis.builder import Scenario, days, spread
from tests.analysis.conftest import Built, rerun

PEOPLE = ("tk", "cad", "c1", "c2", "c3")
ASSETS = """
[[asset]]
id = "SF-A"
path = '\\\\fs01\\設計\\製品A'
value_class = "drawings"
description = "製品Aの組立図"

[[asset]]
id = "SF-B"
path = '\\\\fs01\\設計\\製品B'
value_class = "drawings"
"""


def _usb(s: Scenario, who: str, t: str, src: str) -> None:
    name = src.rsplit("\\", 1)[-1]
    s.add(
        "endpoint",
        t,
        "copy",
        who,
        domain="CORP",
        path=src,
        target=f"F:\\x\\{name}",
        device={"usb_serial": f"USB-{who}", "drive_type": "removable"},
        size=2_000_000,
    )


def build(root: Path) -> tuple[Any, AnalysisOptions]:
    s = Scenario(root, "USE")
    s.write(
        "ids.toml",
        "\n".join(f'[[person]]\nperson = "{p}"\naccounts = ["CORP\\\\{p}"]\n' for p in PEOPLE),
    )
    s.write("assets.toml", ASSETS)
    base = "\\\\fs01\\設計"
    for i, day in enumerate(days("2025-06-02", "2025-06-13", weekdays_only=True)):
        for j, t in enumerate(spread(day, "09:00", "17:00", 44)):
            n = i * 44 + j
            path = f"{base}\\製品B\\d{n:04d}.dwg" if j < 4 else f"{base}\\総務\\m{n:04d}.docx"
            s.add("fileserver", t, "read", "tk", domain="CORP", path=path, size=100_000)
            s.add(
                "fileserver", t, "read", "cad", domain="CORP", path=f"{base}\\製品B\\c{n:04d}.dwg"
            )
        for k, who in enumerate(("c1", "c2", "c3")):
            s.add("fileserver", f"{day} 1{k}:00", "read", who, domain="CORP",
                  path=f"{base}\\製品A\\assy{i:02d}.dwg")  # fmt: skip
            if who == "c1" and i % 3 == 0:
                s.add("fileserver", f"{day} 15:00", "modify", who, domain="CORP",
                      path=f"{base}\\製品A\\assy{i:02d}.dwg")  # fmt: skip
    for j, t in enumerate(spread("2025-06-16", "18:00", "18:30", 30)):
        src = f"{base}\\製品B\\d{j:04d}.dwg" if j < 28 else f"{base}\\総務\\m{j:04d}.docx"
        _usb(s, "tk", t, src)
        if j < 25:
            _usb(s, "cad", t, f"{base}\\製品B\\c{j:04d}.dwg")
    case = s.seal()
    return case, AnalysisOptions(identities=s.files["ids.toml"], assets=s.files["assets.toml"])


@pytest.fixture(scope="module")
def result(tmp_path_factory: pytest.TempPathFactory) -> AnalysisResult:
    case, opts = build(tmp_path_factory.mktemp("usefulness"))
    return analyze(case, opts)


def test_selective_taking_fires_for_an_enriched_set(result: AnalysisResult) -> None:
    assert {f.person for f in result.findings if f.rule == "R03"} >= {"tk", "cad"}
    (f,) = [f for f in result.findings if f.rule == "E08"]
    assert f.person == "tk" and f.signals == ("SIG.US.04",)
    assert f.facts["taken"] == 30 and f.facts["taken_value"] == 28
    assert f.facts["read"] == 440 and f.facts["read_value"] == 40
    assert f.facts["taken_percent"] == 93 and f.facts["read_percent"] == 9
    assert {(e.element, e.strength) for e in f.elements} == {
        ("usefulness", "strong_indirect"),
        ("bad_faith.tori_kagai", "strong_indirect"),
    }
    assert f.evidence and all(e.kind == "ntfs.usn" for e in f.evidence)  # the copies
    assert "lower bound" in f.explanation_en and "権限一覧" in f.explanation_ja


def test_same_share_taken_and_read_is_not_selective(result: AnalysisResult) -> None:
    assert not [f for f in result.findings if f.rule == "E08" and f.person == "cad"]


def test_business_use_and_edits_of_register_entries(result: AnalysisResult) -> None:
    use = [f for f in result.findings if f.rule == "E07" and "SIG.US.02" in f.signals]
    (f,) = use
    assert f.facts["assets"] == {"SF-A": {"readers": 3, "days": 10}}  # SF-B: takers only
    assert f.input_refs and f.input_refs[0].entry == "asset[0]"
    assert f.evidence and all(e.action == "read" for e in f.evidence)
    (e,) = [f for f in result.findings if f.rule == "E07" and "SIG.US.03" in f.signals]
    assert e.facts["assets"]["SF-A"] == {
        "edits": 4,
        "editors": 1,
        "span": ["2025-06-02", "2025-06-13"],  # i = 0, 3, 6, 9 of ten weekdays
    }
    assert {(x.element, x.strength) for x in e.elements} == {("usefulness", "context")}
    row = next(r for r in result.elements if r.element == "usefulness")
    assert f.id in row.supporting_findings and e.id not in row.supporting_findings


def test_gap_checklist_names_what_was_missing(result: AnalysisResult) -> None:
    ids = {g.id for g in result.gaps}
    assert "GAP.US.05" not in ids and "GAP.US.03" not in ids
    (g,) = [g for g in result.gaps if g.id == "GAP.US.04"]
    assert "no per-account permission export" in g.statement_en
    assert "No enrichment" not in g.statement_en
    assert "アカウント別のアクセス権限一覧（閲覧可能なファイル）" in g.next_evidence


def test_without_register_the_gaps_say_so(n2: Built) -> None:
    result = rerun(n2, assets=None)
    by = {g.id: g for g in result.gaps}
    assert "no asset register was supplied" in by["GAP.US.05"].statement_en
    assert "PLM/PDM/ERP" in by["GAP.US.05"].statement_en
    assert "revision history" in by["GAP.US.03"].statement_en
    assert not [f for f in result.findings if f.rule in ("E07", "E08")]


def test_benign_scenarios_have_no_selective_taking(benign: dict[str, Built]) -> None:
    for name, built in benign.items():
        assert not [f for f in built[2].findings if f.rule == "E08"], name

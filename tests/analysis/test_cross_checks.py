"""Cross-scenario assertions of the domain map (§6.5, items 1-6)."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from evidencekit.analysis.config import load_parameters
from evidencekit.analysis.engine import write_result
from evidencekit.analysis.jpcal import Calendar
from evidencekit.analysis.wording import banned_in
from evidencekit.timeline.canonical import dumps
from tests.analysis.conftest import Built, rerun, statuses
from tests.analysis.scenarios import rules_fired


def _texts(built: Built) -> list[str]:
    r = built[2]
    out = [
        t for f in r.findings for t in (f.title_ja, f.title_en, f.explanation_ja, f.explanation_en)
    ]
    return out + [t for g in r.gaps for t in (g.statement_ja, g.statement_en)]


def test_1_direct_acquisition_and_strong_purpose_facts_without_banned_words(
    positives: dict[str, Built],
) -> None:
    for name, built in positives.items():
        supports = [(s.element, s.strength) for f in built[2].findings for s in f.elements]
        assert ("misappropriation_act.acquisition", "direct") in supports, name
        assert ("bad_faith.tori_kagai", "strong_indirect") in supports, name
        assert not [t for t in _texts(built) if banned_in(t)], name


def test_2_dtsa_seizure_grounds_only_where_cover_up_facts_exist(
    positives: dict[str, Built], benign: dict[str, Built]
) -> None:
    for name in ("P1", "P3", "P4", "P7"):
        dtsa = rerun(positives[name], legal="us_dtsa_civil")
        row = next(e for e in dtsa.elements if e.element == "dtsa.seizure_grounds")
        assert row.status == "supported" and row.supporting_findings, name
    for name, built in benign.items():
        dtsa = rerun(built, legal="us_dtsa_civil")
        row = next(e for e in dtsa.elements if e.element == "dtsa.seizure_grounds")
        assert row.status != "supported" and not row.supporting_findings, name


def test_3_removing_hr_turns_r01_into_not_assessed(p1: Built) -> None:
    without = rerun(p1, hr=None)
    r01 = next(r for r in without.rules if r.rule == "R01")
    assert r01.status == "not_assessed"
    assert "GAP.BF.01" in {g.id for g in without.gaps}
    assert {"R02", "R03", "R07"} <= set(rules_fired(without))
    assert "GAP.BF.01" not in {g.id for g in p1[2].gaps}


def test_4_public_corpus_gaps_and_one_contradicted_file(p1: Built, tmp_path: Path) -> None:
    assert {"GAP.NP.01", "GAP.NP.03"} <= {g.id for g in p1[2].gaps}
    base = Path(str(p1[1].assets)).read_text(encoding="utf-8")
    extra = (
        '\n[[asset]]\nid = "SF-002"\npath = \'\\\\fs-design\\見積\'\nsha256 = ["'
        + "b2" * 32
        + '"]\n'
        '\n[public_corpus]\ndescription = "製品カタログ2024（公開）"\nsha256 = ["'
        + "a1" * 32
        + '"]\n'
    )
    assets = tmp_path / "assets_with_corpus.toml"
    assets.write_text(base + extra, encoding="utf-8")
    with_corpus = rerun(p1, assets=assets)
    row = next(e for e in with_corpus.elements if e.element == "non_public")
    assert row.status == "contradicted"
    assert "SF-001" in (row.note_en or "") and "SF-002" not in (row.note_en or "")
    gaps = {g.id: g for g in with_corpus.gaps}
    assert "GAP.NP.01" not in gaps and "GAP.NP.03" in gaps
    assert "SF-001" in gaps["GAP.NP.02"].statement_en


def test_5_rerun_gives_identical_bytes(p1: Built) -> None:
    again = rerun(p1)
    assert dumps(again.canonical_dict()) == dumps(p1[2].canonical_dict())
    first = write_result(p1[0], p1[2])
    second = write_result(p1[0], again)
    assert first == second
    entries = [e for e in p1[0].custody.entries() if e.action == "analysis"]
    assert entries[-1].evidence == second


@pytest.mark.parametrize(
    ("day", "name"),
    [
        ("2025-03-20", "春分の日"),
        ("2024-11-04", "振替休日"),
        ("2025-07-21", "海の日"),
        ("2025-02-11", "建国記念の日"),
        ("2025-11-23", "勤労感謝の日"),
    ],
)
def test_6_japanese_holidays(day: str, name: str) -> None:
    cal = Calendar(load_parameters())
    assert cal.holiday_name(date.fromisoformat(day)) == name


def test_6_company_calendar_only_days() -> None:
    cal = Calendar(load_parameters())
    for day in ("2024-12-30", "2025-01-02"):
        assert cal.holiday_name(date.fromisoformat(day)) is None
        assert cal.is_company_day(date.fromisoformat(day))
    assert not cal.is_company_day(date(2025, 3, 20))


def test_statuses_use_the_six_japanese_labels(p1: Built) -> None:
    labels = {e.status: e.status_ja for e in p1[2].elements}
    expected = {
        "supported": "裏付けあり",
        "partially_supported": "一部裏付けあり",
        "not_found": "該当記録なし",
        "not_assessed": "未評価",
        "out_of_scope": "本ツールの対象外",
    }
    assert {k: v for k, v in labels.items() if k in expected} == expected
    assert statuses(p1[2])["misappropriation_act.goods_transfer"] == "out_of_scope"


def test_hr_export_through_the_log_reader_gives_the_same_windows(p1: Built, tmp_path: Path) -> None:
    """--hr with the HR export layout (社員番号, 区分, 日付) goes through parser ``hr``."""
    hr = tmp_path / "人事イベント.csv"
    hr.write_text(
        "社員番号,氏名,メールアドレス,区分,日付,備考\n"
        "e1,田中 一郎,e1.tanaka@smt.example.co.jp,退職届,2025-03-03,\n"
        "e1,田中 一郎,e1.tanaka@smt.example.co.jp,最終出社日,2025-03-14,\n"
        "e1,田中 一郎,e1.tanaka@smt.example.co.jp,退職日,2025-03-31,\n",
        encoding="utf-8",
    )
    via_parser = rerun(p1, hr=hr)
    windows = {f.rule: f.window for f in via_parser.findings if f.rule in ("R02", "R03", "R11")}
    assert windows == {"R02": "hot", "R03": "exit_leave", "R11": "exit_leave"}
    r01 = next(f for f in via_parser.findings if f.rule == "R01")
    assert {i.name for i in r01.input_refs} == {"人事イベント.csv"}
    assert {i.entry for i in r01.input_refs} == {"line 2", "line 3", "line 4"}


def test_every_finding_cites_events_or_input_files(
    positives: dict[str, Built], benign: dict[str, Built]
) -> None:
    """The report refuses a finding without evidence references (map §9 item 4)."""
    for name, built in {**positives, **benign}.items():
        for f in built[2].findings:
            if f.rule.startswith("R"):
                assert f.evidence, (name, f.id, f.rule)
            else:
                assert f.evidence or f.input_refs, (name, f.id, f.rule)


def test_5_identical_bytes_across_processes_and_hash_seeds(p7: Built) -> None:
    """Set and dict orders must not leak into the output (PYTHONHASHSEED differs)."""
    import hashlib
    import os
    import subprocess
    import sys

    case, opts, result = p7
    code = (
        "import sys, hashlib; from pathlib import Path\n"
        "from evidencekit.case.workspace import Case\n"
        "from evidencekit.analysis.engine import AnalysisOptions, analyze\n"
        "from evidencekit.timeline.canonical import dumps\n"
        "r = analyze(Case(Path(sys.argv[1])), AnalysisOptions(identities=Path(sys.argv[2]),"
        " assets=Path(sys.argv[3])))\n"
        "print(hashlib.sha256(dumps(r.canonical_dict())).hexdigest())\n"
    )
    expected = hashlib.sha256(dumps(result.canonical_dict())).hexdigest()
    for seed in ("1", "2"):
        env = {**os.environ, "PYTHONHASHSEED": seed}
        args = [sys.executable, "-c", code, str(case.root), str(opts.identities), str(opts.assets)]
        out = subprocess.run(args, capture_output=True, text=True, env=env, check=True)
        assert out.stdout.strip() == expected, seed

"""The report over a real analysis run (the analysis engine on scenario P7 of the map)."""

from __future__ import annotations

import json
import re

import pytest

from evidencekit.analysis.engine import analyze, write_result
from evidencekit.analysis.model import AnalysisResult
from evidencekit.case.workspace import Case
from evidencekit.report import ReportOptions, ReportResult, build_report
from evidencekit.report.wording import banned_phrases
from tests.analysis.scenarios import build_p7
from tests.report.conftest import pdf_text


@pytest.fixture(scope="module")
def p7(tmp_path_factory: pytest.TempPathFactory) -> tuple[Case, AnalysisResult, ReportResult]:
    case, opts = build_p7(tmp_path_factory.mktemp("p7"))
    result = analyze(case, opts)
    write_result(case, result)
    report = build_report(case, "both", options=ReportOptions(client="テスト株式会社"))
    return case, result, report


def _flat(text: str) -> str:
    return re.sub(r"\s+", "", text)


def test_every_element_row_shows_the_analysis_status(
    p7: tuple[Case, AnalysisResult, ReportResult],
) -> None:
    _, result, report = p7
    text = _flat(pdf_text(report.report))
    for element in result.elements:
        row = _flat(f"{element.label_ja} / {element.label_en}")
        status = _flat(f"{element.status_ja} / {element.status_en}")
        assert row in text and status in text, element.element
    for gap in result.gaps:
        assert gap.id in text


def test_every_finding_and_cited_event_is_printed(
    p7: tuple[Case, AnalysisResult, ReportResult],
) -> None:
    _, result, report = p7
    text = _flat(pdf_text(report.report))
    for finding in result.findings:
        assert finding.id in text
        for ref in finding.evidence:
            assert ref.event_id in text


def test_paths_of_the_scenario_stay_in_the_annex(
    p7: tuple[Case, AnalysisResult, ReportResult],
) -> None:
    case, _, report = p7
    lines = (case.timeline_dir() / "timeline.jsonl").read_bytes().splitlines()
    paths = {
        obj["path"]
        for line in lines
        if (obj := json.loads(line)["event"].get("object")) and obj.get("path")
    }
    assert paths
    body, annex = _flat(pdf_text(report.report)), _flat(pdf_text(report.annex))
    leaked = [p for p in paths if _flat(p) in body]
    assert not leaked
    assert all(_flat(p) in annex for p in sorted(paths)[:20])


def test_art_5_2_lists_the_qualifying_findings(
    p7: tuple[Case, AnalysisResult, ReportResult],
) -> None:
    _, result, report = p7
    text = _flat(pdf_text(report.report))
    qualifying = [
        f.id for f in result.findings if f.rule in {"R02", "R03", "R04", "R05", "R10", "R16"}
    ]
    assert qualifying
    section = text[text.rindex(_flat("9. 使用等の推定")) : text.rindex(_flat("10. 立証上の課題"))]
    assert all(f in section for f in qualifying)
    assert "推定の成否は代理人の判断事項です" in section


def test_no_banned_phrase(p7: tuple[Case, AnalysisResult, ReportResult]) -> None:
    _, _, report = p7
    text = pdf_text(report.report).lower()
    assert not [p for p in banned_phrases() if p.lower() in text]


def test_episodes_show_tier_and_contributing_facts(
    p7: tuple[Case, AnalysisResult, ReportResult],
) -> None:
    _, result, report = p7
    assert result.episodes
    text = _flat(pdf_text(report.report))
    for episode in result.episodes:
        assert episode.id in text and _flat(episode.tier) in text
        for item in episode.indicators:
            assert _flat(item.label_ja) in text

"""The act-type split of the element matrix (map §1.2.3, §1.4; scenario P8's "act-type
split"): Art. 2(1)(iv) rests on improper means, (vii) on access the holder gave plus use
or disclosure; criminal 21(1)(i) vs 21(2)(i). Scenario cases from conftest (real sealed
timelines)."""

from __future__ import annotations

from evidencekit.analysis.model import AnalysisResult, ElementStatus
from tests.analysis.conftest import Built, rerun


def _row(result: AnalysisResult, element: str) -> ElementStatus:
    return next(e for e in result.elements if e.element == element)


def _rules(result: AnalysisResult, ids: tuple[str, ...]) -> set[str]:
    by = {f.id: f.rule for f in result.findings}
    return {by[i] for i in ids}


def test_p8_credential_misuse_supports_item_iv_copying_alone_not_vii(p8: Built) -> None:
    result = p8[2]
    iv = _row(result, "act_type.ucpa_2_1_iv")
    assert iv.status == "supported" and iv.statute == "Art. 2(1)(iv)"
    assert "R10" in _rules(result, iv.supporting_findings)
    vii = _row(result, "act_type.ucpa_2_1_vii")
    # shown by the holder (JDA, E03) and copies exist, but no use or disclosure record
    assert vii.status == "not_found" and vii.supporting_findings == ()
    assert _row(result, "misappropriation_act.shown_by_holder").status == "supported"
    (gap,) = [g for g in result.gaps if g.id == "GAP.AT.ucpa_2_1_vii"]
    assert "Use (No record found)" in gap.statement_en
    assert gap.id in vii.gaps and vii.missing_evidence
    assert _row(result, "act_type.recipient_side").status == "out_of_scope"
    assert not [g for g in result.gaps if g.id == "GAP.AT.ucpa_2_1_iv"]


def test_p5_transmission_to_competitor_supports_vii_as_far_as_records_go(p5: Built) -> None:
    result = p5[2]
    vii = _row(result, "act_type.ucpa_2_1_vii")
    # purpose is subjective: never more than partially supported
    assert vii.status == "partially_supported"
    assert "R05" in _rules(result, vii.supporting_findings)
    assert vii.note_en and "own rights" in vii.note_en  # no NDA: access under own account
    iv = _row(result, "act_type.ucpa_2_1_iv")
    assert iv.status == "not_found" and iv.supporting_findings == ()
    assert "R10" not in _rules(result, vii.supporting_findings)


def test_criminal_profile_splits_improper_acquisition_and_ryotoku(p8: Built, p5: Built) -> None:
    r8 = rerun(p8, legal="jp_ucpa_criminal")
    row = _row(r8, "act_type.crim_improper_acquisition")
    assert row.status == "partially_supported" and row.statute == "Art. 21(1)(i)"
    assert "R10" in _rules(r8, row.supporting_findings)
    r5 = rerun(p5, legal="jp_ucpa_criminal")
    assert _row(r5, "act_type.crim_improper_acquisition").status == "not_found"
    ryo = _row(r5, "act_type.crim_ryotoku")
    assert ryo.status == "partially_supported" and ryo.statute == "Art. 21(2)(i)"
    assert {"R03", "E03"} <= _rules(r5, ryo.supporting_findings)


def test_benign_scenarios_support_no_act_type(benign: dict[str, Built]) -> None:
    for name, built in benign.items():
        for e in built[2].elements:
            if e.element.startswith("act_type."):
                assert e.status not in ("supported", "partially_supported"), (name, e.element)

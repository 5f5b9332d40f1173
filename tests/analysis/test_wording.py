"""Generated wording states facts; conclusory phrases are refused (map §0.2 item 3)."""

from __future__ import annotations

import pytest

from evidencekit.analysis.wording import BANNED_PHRASES, WordingError, banned_in, check_text
from tests.analysis.conftest import Built


@pytest.mark.parametrize(
    "phrase", ["窃取した", "盗んだ", "悪意が証明された", "stole", "proved bad faith"]
)
def test_map_phrases_are_banned(phrase: str) -> None:
    assert phrase in BANNED_PHRASES
    with pytest.raises(WordingError, match=phrase):
        check_text([f"記録によれば、対象者は図面を{phrase}。"])


def test_variants_after_nfkc_and_case_folding_are_caught() -> None:
    assert banned_in("The employee ＳＴＯＬＥ the drawings") == ["stole"]
    assert banned_in("It PROVED BAD FAITH.") == ["proved bad faith"]


def test_factual_wording_passes() -> None:
    check_text(
        ["USBへの複製の記録がある。", "これは退職前の行動と整合する。", "Records show a copy."]
    )


def test_every_scenario_sentence_is_factual(
    positives: dict[str, Built], benign: dict[str, Built]
) -> None:
    for name, built in {**positives, **benign}.items():
        r = built[2]
        texts = [t for f in r.findings for t in (f.explanation_ja, f.explanation_en)]
        texts += [t for g in r.gaps for t in (g.statement_ja, g.statement_en, *g.interview_topics)]
        assert texts, name
        check_text(texts)
        ja = [
            f.explanation_ja for f in r.findings if f.rule.startswith("R") and f.severity != "info"
        ]
        assert all("記録" in t for t in ja), name  # facts are stated as records


def test_unattributed_findings_name_the_account_not_the_person(n1_guard: Built, b4: Built) -> None:
    # No MFA, entry log or sole-use host for the backup account -> "account" wording (§2.1).
    r03 = next(f for f in n1_guard[2].findings if f.rule == "R03")
    assert r03.attribution == "account"
    assert "アカウント" in r03.explanation_ja and "account" in r03.explanation_en
    # B4's person works on a sole-assigned host (identity map), which E06 cites.
    assert next(f for f in b4[2].findings if f.rule == "R03").attribution == "person"

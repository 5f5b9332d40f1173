"""The PDF report rendered from a real case, read back with poppler (pdftotext, pdftoppm)."""

from __future__ import annotations

import hashlib
import json
import re
import subprocess
from dataclasses import replace
from pathlib import Path

import pytest

from evidencekit.analysis.model import STATUS_EN, STATUS_JA
from evidencekit.report import ReportOptions, build_report
from evidencekit.report.fonts import load_fonts
from evidencekit.report.sec_timeline import MERKLE_SCRIPT
from evidencekit.report.wording import WordingError, banned_phrases
from tests.report.analysis_input import make_analysis, timeline_events, write_analysis
from tests.report.conftest import SECRET_NAMES, BuiltCase, build_case, file_hash, pdf_text

FIXED = ReportOptions(created="2025-04-01T01:02:03.000000000Z", package_id="EK-EK-2025-007-0001")
QUICK = replace(FIXED, pdfa=False)  # tests not about PDF/A skip the pyHanko pass


@pytest.fixture(scope="module")
def rendered(built: BuiltCase) -> dict[str, object]:
    """Reports in each language, with an analysis result present."""
    write_analysis(built.case, make_analysis(built.case))
    out: dict[str, object] = {}
    for lang in ("ja", "en", "both"):
        target = built.case.root / "report" / lang / "report.pdf"
        out[lang] = build_report(built.case, lang, out=target, options=FIXED)
    return out


def _text(rendered: dict[str, object], lang: str, which: str = "report") -> str:
    return pdf_text(getattr(rendered[lang], which))


def _flat(text: str) -> str:
    """Text with line breaks and spaces removed (CJK wrapping splits words anywhere)."""
    return re.sub(r"\s+", "", text)


@pytest.mark.parametrize(
    ("lang", "expected"),
    [
        (
            "ja",
            [
                "要旨",
                "証拠保全の経緯",
                "要件事実マトリクス",
                "立証上の課題",
                "ハッシュ値一覧",
                "目次",
            ],
        ),
        (
            "en",
            ["Executive Summary", "Chain of Custody", "Element Matrix", "Proof Gaps", "Contents"],
        ),
        ("both", ["証拠保全の経緯 / Chain of Custody", "要件事実マトリクス / Element Matrix"]),
    ],
)
def test_headings_in_each_language(
    rendered: dict[str, object], lang: str, expected: list[str]
) -> None:
    text = _flat(_text(rendered, lang))
    for heading in expected:
        assert _flat(heading) in text, heading
    if lang == "en":
        assert "証拠保全の経緯" not in text


def test_every_element_status_is_printed(rendered: dict[str, object]) -> None:
    ja, en = _flat(_text(rendered, "ja")), _flat(_text(rendered, "en"))
    for status in STATUS_JA:
        assert _flat(STATUS_JA[status]) in ja
        assert _flat(STATUS_EN[status]) in en


def test_hashes_and_tree_head_match_the_case(built: BuiltCase, rendered: dict[str, object]) -> None:
    text = _flat(_text(rendered, "both"))
    head = built.case.head()
    assert head.merkle_root in text and head.chain_head in text and head.timeline_sha256 in text
    evidence = built.evidence.read_bytes()
    for digest in (hashlib.sha256(evidence), hashlib.md5(evidence), hashlib.sha1(evidence)):  # noqa: S324
        assert digest.hexdigest() in text
    annex_sha = hashlib.sha256(rendered["both"].annex.read_bytes()).hexdigest()  # type: ignore[attr-defined]
    assert annex_sha in text


def test_events_carry_their_leaf_index(built: BuiltCase, rendered: dict[str, object]) -> None:
    """Every listed event id stands beside its Merkle leaf index (the appendix and tables)."""
    events = timeline_events(built.case)
    leaf_of = {e["id"]: i for i, e in enumerate(events)}
    layout = pdf_text(rendered["en"].report, layout=True)  # type: ignore[attr-defined]
    listed = re.findall(r"^\s*(\d+) .* ([0-9a-f]{32})\b", layout, re.M)
    pairs = {(int(leaf), eid) for leaf, eid in listed if eid in leaf_of}
    assert {eid for _, eid in pairs} == set(leaf_of)
    assert all(leaf_of[eid] == leaf for leaf, eid in pairs)


def test_secret_paths_only_in_the_sealed_annex(rendered: dict[str, object]) -> None:
    for lang in ("ja", "en", "both"):
        body, annex = _flat(_text(rendered, lang)), _flat(_text(rendered, lang, "annex"))
        for name in SECRET_NAMES:
            assert name not in body
            assert name in annex
        assert "設計部" not in body and "設計部" in annex
        assert "FILE-0001" in body and "FILE-0001" in annex
        digest = file_hash(SECRET_NAMES[1])  # the first copy the finding cites
        assert digest in annex
        # the body prints it in 16-hex lines of a table cell; text extraction may interleave cells
        assert all(digest[i : i + 16] in body for i in range(0, 64, 16))


def test_no_banned_phrase_in_any_report(rendered: dict[str, object]) -> None:
    phrases = banned_phrases()
    assert "窃取した" in phrases and "stole" in phrases
    for lang in ("ja", "en", "both"):
        text = _text(rendered, lang).lower()
        assert not [p for p in phrases if p.lower() in text]


def test_conclusory_wording_refuses_to_render(tmp_path: Path) -> None:
    built = build_case(tmp_path)
    write_analysis(built.case, make_analysis(built.case, explanation_ja="対象者が図面を盗んだ。"))
    with pytest.raises(WordingError, match="盗んだ"):
        build_report(built.case, "ja", options=FIXED)
    assert not (built.case.root / "report" / "report.pdf").exists()


def test_fonts_embedded_and_japanese_readable(rendered: dict[str, object]) -> None:
    fonts = load_fonts()
    if not fonts.embedded:
        pytest.skip("IPAex fonts are not installed here (fonts-ipaexfont)")
    report = rendered["ja"].report  # type: ignore[attr-defined]
    listing = subprocess.run(
        ["pdffonts", str(report)], check=True, capture_output=True, text=True
    ).stdout
    ipa = [line for line in listing.splitlines() if "IPAex" in line]
    assert ipa and all(line.split()[-5] == "yes" for line in ipa)  # emb column
    text = _flat(_text(rendered, "ja"))
    assert _flat(fonts.description) in text
    assert "署名なし" in text and "�" not in text


def test_cid_fallback_renders_japanese(tmp_path: Path) -> None:
    from evidencekit.report import render
    from evidencekit.report.data import collect

    built = build_case(tmp_path)
    pdf, _ = render(collect(built.case), QUICK, fonts=load_fonts(prefer_embedded=False))
    path = tmp_path / "fallback.pdf"
    path.write_bytes(pdf)
    text = _flat(pdf_text(path))
    assert "証拠保全の経緯" in text and "HeiseiKakuGo-W5" in text


def test_pages_render_with_pdftoppm(rendered: dict[str, object], tmp_path: Path) -> None:
    report = rendered["both"].report  # type: ignore[attr-defined]
    run = subprocess.run(
        ["pdftoppm", "-png", "-r", "30", str(report), str(tmp_path / "p")],
        capture_output=True,
        text=True,
        check=True,
    )
    pages = sorted(tmp_path.glob("p-*.png"))
    info = subprocess.run(["pdfinfo", str(report)], capture_output=True, text=True, check=True)
    count = int(re.search(r"Pages:\s+(\d+)", info.stdout).group(1))  # type: ignore[union-attr]
    assert len(pages) == count >= 10 and not run.stderr
    assert f"page {count}/{count}" in pdf_text(report)


def test_printed_merkle_command_recomputes_the_tree_head(built: BuiltCase) -> None:
    script = MERKLE_SCRIPT.format(path="timeline.jsonl")
    run = subprocess.run(
        ["bash", "-c", script],
        cwd=built.case.timeline_dir(),
        capture_output=True,
        text=True,
        check=True,
    )
    assert run.stdout.strip() == built.case.head().merkle_root


def test_same_inputs_give_identical_bytes(built: BuiltCase) -> None:
    """Same case state and options → identical bytes (build_report then adds a custody
    entry, which the next report lists, so the case state is read once here)."""
    from evidencekit.report import render
    from evidencekit.report.data import collect

    fixed = replace(FIXED, pdfa=False)  # pyHanko stamps "now" as the PDF/A modification time
    assert render(collect(built.case), fixed) == render(collect(built.case), fixed)


def test_custody_records_the_report(built: BuiltCase, rendered: dict[str, object]) -> None:
    entries = [e for e in built.case.custody.entries() if e.action == "report"]
    assert entries
    result = rendered["both"]
    last = next(e for e in reversed(entries) if any("both" in k for k in e.evidence))
    hashes = set(last.evidence.values())
    assert hashlib.sha256(result.report.read_bytes()).hexdigest() in hashes  # type: ignore[attr-defined]
    assert hashlib.sha256(result.annex.read_bytes()).hexdigest() in hashes  # type: ignore[attr-defined]


def test_parse_issue_is_counted_with_its_location(
    rendered: dict[str, object], built: BuiltCase
) -> None:
    text = pdf_text(rendered["en"].report, layout=True)  # type: ignore[attr-defined]
    lines = built.evidence.read_bytes().splitlines(keepends=True)
    offset = sum(len(x) for x in lines[:-1])
    assert "malformed_record" in text
    assert f"line={len(lines)}" in text and f"offset={offset}" in text


def test_report_without_analysis_marks_elements_not_assessed(tmp_path: Path) -> None:
    built = build_case(tmp_path)
    result = build_report(built.case, "ja", options=QUICK)
    text = _flat(pdf_text(result.report))
    assert "未評価" in text and built.case.head().merkle_root in text
    assert json.loads((built.case.root / "case.json").read_text())["case_id"] == "EK-2025-007"


def test_pdfa_identification_and_every_font_embedded(rendered: dict[str, object]) -> None:
    """PDF/A-2b identification (XMP pdfaid, sRGB output intent); every font embedded."""
    from pyhanko.pdf_utils.reader import PdfFileReader

    if not load_fonts().embedded:
        pytest.skip("IPAex / DejaVu fonts are not installed here")
    for which in ("report", "annex"):
        path = getattr(rendered["ja"], which)
        listing = subprocess.run(
            ["pdffonts", str(path)], check=True, capture_output=True, text=True
        )
        rows = listing.stdout.splitlines()[2:]
        assert rows and all(row.split()[-5] == "yes" for row in rows), listing.stdout
        with open(path, "rb") as fp:
            root = PdfFileReader(fp).root
            xmp = root["/Metadata"].get_object().data.decode("utf-8")
            intent = root["/OutputIntents"][0].get_object()
            assert intent["/S"] == "/GTS_PDFA1"
            profile = intent["/DestOutputProfile"].get_object().data
        assert 'pdfaid:part="2"' in xmp and 'pdfaid:conformance="B"' in xmp
        assert profile[36:40] == b"acsp"  # ICC profile signature


def test_findings_must_cite_events_at_their_leaf(tmp_path: Path) -> None:
    """A finding without evidence, or citing a wrong leaf index, is refused (§9 item 4)."""
    from evidencekit.errors import CaseError

    built = build_case(tmp_path)
    good = make_analysis(built.case)
    finding = good.findings[0]
    bare = good.model_copy(update={"findings": (finding.model_copy(update={"evidence": ()}),)})
    write_analysis(built.case, bare)
    with pytest.raises(CaseError, match="without evidence"):
        build_report(built.case, "en", options=FIXED)
    ref = finding.evidence[0]
    moved = finding.model_copy(
        update={"evidence": (ref.model_copy(update={"leaf_index": ref.leaf_index + 1}),)}
    )
    write_analysis(built.case, good.model_copy(update={"findings": (moved,)}))
    with pytest.raises(CaseError, match="leaf indices disagree"):
        build_report(built.case, "en", options=FIXED)


def test_japanese_lines_obey_kinsoku(rendered: dict[str, object]) -> None:
    """No rendered line starts with closing punctuation (行頭禁則), and the long Japanese
    paragraphs do wrap (more than one line)."""
    text = pdf_text(rendered["ja"].report)  # type: ignore[attr-defined]
    lines = [line.strip() for line in text.splitlines() if line.strip()]
    japanese = [line for line in lines if re.search(r"[\u3040-\u30ff\u4e00-\u9fff]", line)]
    assert len(japanese) > 50
    assert not [line for line in japanese if line[0] in "、。，．）」』】〕！？ゃゅょっー"]
    intro = next(i for i, line in enumerate(lines) if line.startswith("主要イベント"))
    assert not lines[intro].endswith("。")  # the paragraph continues on the next line


def test_a_persons_mapped_accounts_are_named_as_such(built: BuiltCase) -> None:
    """The identity map's accounts of a person are not all in the cited events: the report
    names them as the map's, beside the person."""
    from evidencekit.report.i18n import Labels
    from evidencekit.report.sec_analysis import _subject

    finding = make_analysis(built.case).findings[0]
    mapped = finding.model_copy(update={"person": "e1", "accounts": ("CORP\\e1", "SALES\\e1")})
    assert _subject(Labels("en"), mapped) == (
        "e1 (accounts in the identity map: CORP\\e1, SALES\\e1)"
    )
    assert "ID対応表上のアカウント" in _subject(Labels("ja"), mapped)
    unmapped = finding.model_copy(update={"person": "account:CORP\\x", "accounts": ()})
    assert _subject(Labels("en"), unmapped) == "account:CORP\\x"

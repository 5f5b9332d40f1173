"""The marking scanner reads pdftotext's output only up to its byte bound: a small
crafted PDF (pages sharing one content stream) prints far more text than it holds."""

from __future__ import annotations

from evidencekit.sources.markings import MarkingScanner
from tests.analysis.test_hostile_pdf import amplifying_pdf


def test_pdf_text_beyond_the_bound_is_cut_and_said() -> None:
    data = amplifying_pdf(40)
    whole = MarkingScanner().scan_pdf(data)
    assert not any(p.startswith("pdf_text_cut") for p in whole.problems)
    bounded = MarkingScanner(max_bytes=4096).scan_pdf(data)
    assert any(p.startswith("pdf_text_cut: text beyond 4096 bytes") for p in bounded.problems)


def test_marking_on_a_pdf_page_is_still_found() -> None:
    from tests.analysis.textdocs import make_pdf

    result = MarkingScanner().scan_pdf(make_pdf(["社外秘 設計仕様書", "本文"]))
    assert [(m.term, m.where) for m in result.markings] == [("社外秘", "page 1")]
    assert result.problems == []

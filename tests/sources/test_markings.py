"""Confidentiality markings in text encodings, OOXML parts and PDF pages; bomb safety."""

from __future__ import annotations

import io
import zipfile

from reportlab.pdfgen import canvas

from evidencekit.sources.markings import DEFAULT_MARKINGS, MarkingScanner
from tests.sources.conftest import make_docx

scanner = MarkingScanner()


def found(data: bytes) -> set[tuple[str, str]]:
    return {(m.term, m.where) for m in scanner.scan(data).markings}


def test_default_terms_cover_the_required_list() -> None:
    required = {"社外秘", "秘密", "極秘", "機密", "部外秘", "関係者外秘", "マル秘", "㊙",
                "Confidential", "Strictly Confidential", "Proprietary", "Internal Use Only",
                "Do Not Distribute"}  # fmt: skip
    assert required <= set(DEFAULT_MARKINGS)


def test_text_encodings() -> None:
    text = "営業秘密：関係者外秘 マル秘"
    for encoding in ("utf-8", "cp932", "euc_jp", "utf-16", "utf-16-le"):
        terms = {t for t, _ in found(text.encode(encoding))}
        assert terms == {"関係者外秘", "マル秘", "秘密"}, encoding
    # ㊙ (U+3299) has no CP932 / EUC-JP code; it appears in Unicode text only.
    assert found("㊙ 資料".encode("utf-16")) == {("㊙", "text")}
    result = scanner.scan("部外秘".encode("cp932"))
    assert [(m.term, m.encoding) for m in result.markings] == [("部外秘", "cp932")]


def test_english_terms_case_and_word_boundaries() -> None:
    assert found(b"STRICTLY CONFIDENTIAL - do not distribute") == {
        ("Strictly Confidential", "text"), ("Do Not Distribute", "text")
    }  # fmt: skip
    assert found(b"confidentiality agreement, proprietors") == set()
    counts = scanner.scan(b"Proprietary. proprietary! PROPRIETARY").markings
    assert [(m.term, m.count) for m in counts] == [("Proprietary", 3)]


def test_configurable_terms() -> None:
    custom = MarkingScanner(terms=("取扱注意",))
    assert [m.term for m in custom.scan("取扱注意 社外秘".encode()).markings] == ["取扱注意"]


def test_docx_header_split_across_runs() -> None:
    assert found(make_docx("社外秘", "body text")) == {("社外秘", "word/header1.xml")}


def test_xlsx_footer_and_doc_properties() -> None:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("[Content_Types].xml", "<Types/>")
        zf.writestr("xl/worksheets/sheet1.xml",
                    "<worksheet><headerFooter><oddFooter>&amp;C極秘</oddFooter>"
                    "</headerFooter></worksheet>")  # fmt: skip
        zf.writestr("docProps/core.xml", "<cp:coreProperties><dc:title>Internal Use Only"
                                         "</dc:title></cp:coreProperties>")  # fmt: skip
    assert found(buffer.getvalue()) == {
        ("極秘", "xl/worksheets/sheet1.xml"), ("Internal Use Only", "docProps/core.xml")
    }  # fmt: skip


def test_pdf_page_numbers() -> None:
    buffer = io.BytesIO()
    pdf = canvas.Canvas(buffer)
    pdf.drawString(72, 720, "Page one, nothing to see")
    pdf.showPage()
    pdf.drawString(72, 720, "CONFIDENTIAL: board minutes")
    pdf.showPage()
    pdf.save()
    assert found(buffer.getvalue()) == {("Confidential", "page 2")}


def test_zip_bomb_refused() -> None:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("[Content_Types].xml", "<Types/>")
        zf.writestr("word/document.xml", b"<w:t>" + b" " * (40 << 20) + b"</w:t>")
    result = scanner.scan(buffer.getvalue())
    assert result.markings == []
    assert result.problems[0].startswith("zip_bomb_refused: word/document.xml expands")


def test_xml_entity_bomb_refused() -> None:
    bomb = ('<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "社外秘">'
            '<!ENTITY lol2 "&lol;&lol;&lol;&lol;">]><w:t>&lol2;</w:t>')  # fmt: skip
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as zf:
        zf.writestr("[Content_Types].xml", "<Types/>")
        zf.writestr("word/document.xml", bomb)
    result = scanner.scan(buffer.getvalue())
    assert result.problems == ["xml_doctype_refused: word/document.xml"]
    assert result.markings == []


def test_damaged_zip_is_a_problem_not_a_crash() -> None:
    data = make_docx("社外秘", "x")
    result = scanner.scan(data[: len(data) // 2])
    assert result.kind == "ooxml"
    assert result.problems and result.problems[0].startswith("ooxml_unreadable")


def test_corrupt_deflate_stream_is_a_problem_not_a_crash() -> None:
    data = bytearray(make_docx("社外秘", "x" * 2000))
    header_at = data.find(b"word/header1.xml") + len("word/header1.xml")
    data[header_at + 5 : header_at + 25] = b"\xff" * 20  # inside the compressed bytes
    result = scanner.scan(bytes(data))
    assert any(p.startswith("ooxml_part_unreadable: word/header1.xml") for p in result.problems)

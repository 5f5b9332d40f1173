"""A hostile PDF for the public-corpus text check: a few kilobytes of pages that all
draw one compressed content stream make pdftotext print hundreds of times more text.
Its output is read only up to the size bound; the document is listed as cut."""

from __future__ import annotations

import zlib
from pathlib import Path

from evidencekit.analysis.folders import load_folder
from evidencekit.analysis.publicity import compare
from evidencekit.analysis.textsim import extract_text
from tests.analysis.test_hostile_folders import _PARAMS

_LINE = b"1 0 0 1 10 %d Tm (AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA) Tj\n"


def amplifying_pdf(pages: int) -> bytes:
    """``pages`` page objects sharing one Flate content stream of 780 text lines
    (PDF 1.4, Helvetica; every page prints the same 31 kB of text)."""
    content = b"BT /F1 1 Tf\n" + b"".join(_LINE % y for y in range(10, 790)) + b"ET"
    stream = zlib.compress(content, 9)
    kids = b" ".join(b"%d 0 R" % (5 + i) for i in range(pages))
    page = (
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 600 800] /Contents 3 0 R"
        b" /Resources << /Font << /F1 4 0 R >> >> >>"
    )
    objs = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [" + kids + b"] /Count %d >>" % pages,
        b"<< /Length %d /Filter /FlateDecode >>\nstream\n" % len(stream) + stream + b"\nendstream",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
        *[page] * pages,
    ]
    out = bytearray(b"%PDF-1.4\n")
    offsets = []
    for number, body in enumerate(objs, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % number + body + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objs) + 1)
    out += b"".join(b"%010d 00000 n \n" % o for o in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objs) + 1, xref)
    return bytes(out)


def test_pdf_text_is_read_only_up_to_the_bound(tmp_path: Path) -> None:
    data = amplifying_pdf(20)
    path = tmp_path / "catalogue.pdf"
    path.write_bytes(data)
    whole = extract_text(path, max_bytes=8 << 20)
    assert whole.kind == "pdf" and not whole.truncated
    assert len(whole.text) > 100 * len(data)  # the amplification is real: ~600 kB of text
    bound = 64 << 10
    cut = extract_text(path, max_bytes=bound)
    assert cut.truncated and cut.problems == ()
    assert len(cut.text.encode("utf-8")) <= bound + 64  # page separators become newlines
    assert whole.text.startswith(cut.text.rstrip("\n")[: bound // 2])


def test_a_cut_pdf_is_listed_as_compared_on_a_prefix(tmp_path: Path) -> None:
    (tmp_path / "public").mkdir()
    (tmp_path / "public" / "big.pdf").write_bytes(amplifying_pdf(20))
    listed = load_folder(tmp_path, "public", "public_corpus")
    got = compare([], listed.files, {**_PARAMS, "max_file_bytes": 64 << 10})
    assert got.truncated == ["public_corpus/big.pdf"] and got.unreadable == []

"""Hostile OOXML for the public-corpus text check: a document part of ``<`` never
closed (each rescanned the rest of the part: 1 MB took 20 CPU s) and elements nested
120 000 deep. Text is read in linear time."""

from __future__ import annotations

import io
import random
import time
import zipfile
from pathlib import Path

from evidencekit.analysis.textsim import extract_text
from tests.analysis.textdocs import SPEC, make_docx


def _docx_with_part(xml: bytes) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("[Content_Types].xml", b"<Types/>")
        zf.writestr("word/document.xml", xml)
    return buffer.getvalue()


def _cpu(path: Path) -> tuple[float, str, tuple[str, ...]]:
    start = time.process_time()
    got = extract_text(path)
    return time.process_time() - start, got.text, got.problems


def test_unclosed_angle_brackets_are_linear(tmp_path: Path) -> None:
    rng = random.Random(5)  # random letters: compresses about 1.6:1, under the ratio limit
    junk = bytes(rng.choice(b"<abcdefghijklmnopqrstuvwxyz") for _ in range(2_000_000))
    path = tmp_path / "junk.docx"
    path.write_bytes(_docx_with_part(b"<w:t>tail " + junk))
    used, text, problems = _cpu(path)
    assert (
        problems == () and text.lstrip().startswith("tail ") and text.count("<") == junk.count(b"<")
    )
    assert used < 10, f"{used:.1f} CPU seconds for a 2 MB part"


def test_deeply_nested_elements_are_read_without_recursion(tmp_path: Path) -> None:
    # 120 000 levels: just under 1 MiB, so the expansion-ratio bound lets it through.
    xml = b"<a>" * 120_000 + b"<w:t>deep text</w:t>" + b"</a>" * 120_000
    path = tmp_path / "deep.docx"
    path.write_bytes(_docx_with_part(xml))
    used, text, problems = _cpu(path)
    assert problems == () and "deep text" in text and used < 10


def test_well_formed_docx_text_is_unchanged(tmp_path: Path) -> None:
    path = tmp_path / "spec.docx"
    path.write_bytes(make_docx(SPEC))
    got = extract_text(path)
    assert got.kind == "ooxml" and [t for t in got.text.split("\n") if t] == SPEC

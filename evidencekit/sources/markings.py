"""Confidentiality markings (社外秘, Confidential, ...) in text, Office Open XML and PDF.

A marking is evidence that the holder treated information as secret (秘密管理性, the
first element of a trade secret under the UCPA). Each hit records the term, where it
is (``text``, an OOXML part such as ``word/header1.xml``, or ``page N`` of a PDF),
how many times, and for text the encoding it was read in.

Safety: the caller passes at most :attr:`MarkingScanner.max_bytes` of content; OOXML
archives are refused beyond a member count, an uncompressed total, a per-part size
and a compression ratio (zip bombs); XML with a DOCTYPE is refused (entity bombs,
external entities) and is never given to an XML parser; PDF text comes from
``pdftotext`` with a time limit and a bound on its output.
"""

from __future__ import annotations

import codecs
import html
import io
import re
import tempfile
import zipfile
import zlib
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

from evidencekit.sources.bounded_run import run_bounded

DEFAULT_MARKINGS: tuple[str, ...] = (
    "社外秘", "秘密", "極秘", "機密", "部外秘", "関係者外秘", "マル秘", "㊙",
    "Strictly Confidential", "Confidential", "Proprietary", "Internal Use Only",
    "Do Not Distribute",
)  # fmt: skip
_TEXT_ENCODINGS = ("utf-8", "cp932", "euc_jp")
PDF_TEXT_CUT = "pdf_text_cut"  # problem prefix: pdftotext printed more than the byte bound
_PARA_END = re.compile(rb"</(?:w:p|a:p|x:si|si|row|dc:title|cp:keywords)>|<w:br/>|<w:tab/>")
_TAG = re.compile(rb"<[^<>]*>")  # not [^>]*: a "<" never closed would rescan to the end


@dataclass(frozen=True)
class Marking:
    """One marking term found in one place of a file."""

    term: str
    where: str
    count: int
    encoding: str | None = None

    def as_dict(self) -> dict[str, object]:
        data: dict[str, object] = {"term": self.term, "where": self.where, "count": self.count}
        if self.encoding:
            data["encoding"] = self.encoding
        return data


@dataclass
class ScanResult:
    """Markings found, the kind of content scanned, and problems met on the way."""

    kind: str
    markings: list[Marking] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)


@dataclass
class MarkingScanner:
    """Find marking terms in file content, within fixed size limits."""

    terms: tuple[str, ...] = DEFAULT_MARKINGS
    max_bytes: int = 32 << 20
    max_members: int = 2000
    max_part: int = 16 << 20
    max_total: int = 64 << 20
    max_ratio: int = 200
    pdf_timeout: float = 30.0
    _pattern: re.Pattern[str] = field(init=False, repr=False)

    def __post_init__(self) -> None:
        ordered = sorted(set(self.terms), key=lambda t: (-len(t), t))
        parts = [rf"\b{re.escape(t)}\b" if t.isascii() else re.escape(t) for t in ordered]
        self._pattern = re.compile("|".join(parts), re.IGNORECASE)
        self._canonical = {t.casefold(): t for t in ordered}

    def scan(self, data: bytes, name: str = "") -> ScanResult:
        """Scan ``data`` (the head of a file, at most ``max_bytes``) for markings."""
        if data.startswith(b"%PDF-"):
            return self.scan_pdf(data)
        if data.startswith(b"PK\x03\x04") and _looks_ooxml(data):
            return self.scan_ooxml(data)
        return self.scan_text(data)

    def find(self, text: str, where: str, encoding: str | None = None) -> list[Marking]:
        """Marking terms in ``text``, counted per term."""
        counts = Counter(
            self._canonical[m.group(0).casefold()] for m in self._pattern.finditer(text)
        )
        return [Marking(t, where, n, encoding) for t, n in sorted(counts.items())]

    def scan_text(self, data: bytes) -> ScanResult:
        """Plain text in UTF-8, UTF-16 (BOM or NUL pattern), CP932 or EUC-JP."""
        result = ScanResult("text")
        for encoding, text in _decodings(data):
            seen = {(m.term, m.where) for m in result.markings}
            found = self.find(text, "text", encoding)
            result.markings.extend(m for m in found if (m.term, m.where) not in seen)
        if not result.markings and not _is_texty(data):
            result.kind = "binary"
        return result

    def scan_ooxml(self, data: bytes) -> ScanResult:
        """Every XML part of a docx/xlsx/pptx: body, headers, footers, properties."""
        result = ScanResult("ooxml")
        try:
            archive = zipfile.ZipFile(io.BytesIO(data))
            members = archive.infolist()
        except (zipfile.BadZipFile, ValueError, OSError, EOFError, zlib.error) as exc:
            result.problems.append(f"ooxml_unreadable: {exc}")
            return result
        refusal = self._zip_refusal(members)
        if refusal:
            result.problems.append(refusal)
            return result
        for info in sorted(members, key=lambda i: i.filename):
            if info.filename.lower().endswith((".xml", ".rels")) and info.file_size:
                self._scan_part(archive, info, result)
        return result

    def _zip_refusal(self, members: list[zipfile.ZipInfo]) -> str | None:
        total = sum(i.file_size for i in members)
        if len(members) > self.max_members:
            return f"zip_bomb_refused: {len(members)} members (limit {self.max_members})"
        if total > self.max_total:
            return f"zip_bomb_refused: {total} bytes uncompressed (limit {self.max_total})"
        for i in members:
            if i.file_size > (1 << 20) and i.file_size > self.max_ratio * max(i.compress_size, 1):
                return f"zip_bomb_refused: {i.filename} expands {i.file_size}/{i.compress_size}"
        return None

    def _scan_part(self, archive: zipfile.ZipFile, info: zipfile.ZipInfo, out: ScanResult) -> None:
        try:
            with archive.open(info) as fp:
                xml = fp.read(self.max_part + 1)
        except (zipfile.BadZipFile, OSError, ValueError, NotImplementedError, RuntimeError,
                EOFError, zlib.error) as exc:  # fmt: skip
            out.problems.append(f"ooxml_part_unreadable: {info.filename}: {exc}")
            return
        if len(xml) > self.max_part:
            out.problems.append(f"ooxml_part_too_large: {info.filename}")
            return
        if b"<!DOCTYPE" in xml or b"<!ENTITY" in xml:
            out.problems.append(f"xml_doctype_refused: {info.filename}")
            return
        text = html.unescape(_TAG.sub(b"", _PARA_END.sub(b"\n", xml)).decode("utf-8", "replace"))
        out.markings.extend(self.find(text, info.filename))

    def scan_pdf(self, data: bytes) -> ScanResult:
        """Text of each page, as extracted by poppler's ``pdftotext``."""
        result = ScanResult("pdf")
        with tempfile.TemporaryDirectory(prefix="ek-pdf-") as tmp:
            path = Path(tmp) / "in.pdf"
            path.write_bytes(data)
            command = ["pdftotext", "-q", "-enc", "UTF-8", str(path), "-"]
            try:
                out, status, problem = run_bounded(command, self.pdf_timeout, self.max_bytes)
            except OSError as exc:
                result.problems.append(f"pdf_text_failed: {exc}")
                return result
        if problem == "timeout":
            result.problems.append(f"pdf_text_failed: no end within {self.pdf_timeout} s")
            return result
        if problem == "cut":
            result.problems.append(
                f"{PDF_TEXT_CUT}: text beyond {self.max_bytes} bytes was not scanned"
            )
        elif status != 0:
            result.problems.append(f"pdf_text_failed: pdftotext exit status {status}")
        pages = out.decode("utf-8", "replace").split("\f")
        for number, page in enumerate(pages, start=1):
            result.markings.extend(self.find(page, f"page {number}"))
        return result


def _looks_ooxml(data: bytes) -> bool:
    return b"[Content_Types].xml" in data[:65536] or b"[Content_Types].xml" in data[-65536:]


def _decodings(data: bytes) -> Iterable[tuple[str, str]]:
    """Every reading of ``data`` that decodes without error (UTF-16 by BOM or NULs)."""
    for bom, encoding in ((codecs.BOM_UTF8, "utf-8-sig"), (codecs.BOM_UTF16_LE, "utf-16"),
                          (codecs.BOM_UTF16_BE, "utf-16")):  # fmt: skip
        if data.startswith(bom):
            yield encoding, data.decode(encoding, "replace")
            return
    sample = data[:4096]
    if len(sample) >= 4 and sample[1::2].count(0) > len(sample) // 4:
        yield "utf-16-le", data[: len(data) & ~1].decode("utf-16-le", "replace")
        return
    if len(sample) >= 4 and sample[0::2].count(0) > len(sample) // 4:
        yield "utf-16-be", data[: len(data) & ~1].decode("utf-16-be", "replace")
        return
    for encoding in _TEXT_ENCODINGS:
        try:
            yield encoding, data.decode(encoding)
        except UnicodeDecodeError as exc:
            # A truncated read may cut the last character; accept an error only at the end.
            if exc.start >= len(data) - 3:
                yield encoding, data[: exc.start].decode(encoding)
    # UTF-16 without a BOM holding only CJK text has no NUL bytes: accept it when
    # every decoded character is printable.
    for encoding in ("utf-16-le", "utf-16-be"):
        try:
            text = data[: len(data) & ~1].decode(encoding)
        except UnicodeDecodeError:
            continue
        if text and all(c.isprintable() or c in "\r\n\t" for c in text):
            yield encoding, text


def _is_texty(data: bytes) -> bool:
    sample = data[:4096]
    return bool(sample) and sample.count(0) == 0

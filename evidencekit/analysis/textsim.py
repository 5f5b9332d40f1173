"""Document text, character shingles and a deterministic MinHash (SIG.NP.02/03).

Text extraction reuses the bounded, bomb-safe readers of
:class:`~evidencekit.sources.markings.MarkingScanner` (OOXML parts with member, size
and ratio limits and no DOCTYPE; PDF through ``pdftotext`` with a time limit and an
output bound; plain text in UTF-8/UTF-16/CP932/EUC-JP, first reading that decodes).
HTML tags, scripts and styles are removed.

Normalisation: NFKC (full-width and half-width digits and letters become one form),
casefold, every punctuation or symbol character and every whitespace run becomes one
space. Japanese has no word breaks, so a document is the set of its character
5-grams (``shingle_chars``) of the normalised text.

MinHash is the bottom-k variant: each shingle is hashed once with keyed BLAKE2b
(64 bits, fixed key, so the same text gives the same sketch in every process; Python's
``hash()`` is randomised and never used) and the ``k`` smallest hashes are the sketch.
The Jaccard estimate of two sets is the share of the ``k`` smallest hashes of the
union of both sketches that lie in both; it is exact when the union has at most ``k``
shingles. Candidates are confirmed with the exact Jaccard of the shingle sets.
"""

from __future__ import annotations

import hashlib
import heapq
import re
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path

from evidencekit.analysis.folders import open_regular
from evidencekit.sources.markings import PDF_TEXT_CUT, Marking, MarkingScanner

_KEY = b"evidencekit.textsim.v1"
_KEYED = hashlib.blake2b(digest_size=8, key=_KEY)
_HTML_OPEN = re.compile(r"(?i)<(script|style)\b")
_HTML_CLOSE = {
    "script": re.compile(r"(?i)</script\s*>"),
    "style": re.compile(r"(?i)</style\s*>"),
    "-->": re.compile(r"-->"),
    ">": re.compile(r">"),
}
_HTML_EXT = (".htm", ".html", ".xhtml")


@dataclass
class _Collector(MarkingScanner):
    """A marking scanner whose ``find`` keeps the text instead of searching it."""

    texts: list[tuple[str, str]] = field(default_factory=list)

    def find(self, text: str, where: str, encoding: str | None = None) -> list[Marking]:
        if where == "text" and any(w == "text" for w, _ in self.texts):
            return []  # plain text: keep the first decoding that succeeds only
        if not where.endswith(".rels") and not where.startswith("docProps/"):
            self.texts.append((where, text))
        return []


@dataclass(frozen=True)
class Extracted:
    """Text of one document, its kind, and why it could not be read (if so)."""

    kind: str
    text: str
    problems: tuple[str, ...] = ()
    truncated: bool = False


def extract_text(path: Path, max_bytes: int = 32 << 20) -> Extracted:
    """The text of a txt/html/docx/xlsx/pptx/pdf file, reading at most ``max_bytes``.

    Raises:
        OSError: The file cannot be read (see :func:`read_regular`).
    """
    data = read_regular(path, max_bytes + 1)
    truncated = len(data) > max_bytes
    data = data[:max_bytes]
    collector = _Collector(max_bytes=max_bytes)
    result = collector.scan(data, path.name)
    text = "\n".join(t for _, t in collector.texts)
    if result.kind == "binary" and _printable(text):
        result.kind = "text"  # UTF-16 holds NUL bytes, which the marking scanner calls binary
    if result.kind == "text" and path.suffix.lower() in _HTML_EXT:
        text = strip_html(text)
        result.kind = "html"
    # text cut at the bound is still compared (on its prefix): a truncation, not a failure
    cut = any(p.startswith(PDF_TEXT_CUT) for p in result.problems)
    problems = tuple(p for p in result.problems if not p.startswith(PDF_TEXT_CUT))
    return Extracted(result.kind, text, problems, truncated or cut)


def read_regular(path: Path, limit: int) -> bytes:
    """At most ``limit`` bytes of a regular file (see :func:`open_regular`).

    Raises:
        OSError: The file cannot be opened or is not a regular file.
    """
    with open_regular(path) as fp:
        return fp.read(limit)


def strip_html(text: str) -> str:
    """Text without tags, comments, scripts and styles, in one linear pass.

    A ``<`` whose end never comes stays as text (a script or comment never closed keeps
    its content, as a lazy regex would), but the search for that end is made once: a
    regex like ``<script.*?</script>`` rescans to the end of the document for every
    unclosed ``<script`` (quadratic; 180 kB of ``<script>`` took 13 s)."""
    out: list[str] = []
    missing: set[str] = set()  # ends known absent from here on: never searched again
    i = 0
    while (j := text.find("<", i)) >= 0:
        out.append(text[i:j])
        opened = _HTML_OPEN.match(text, j)
        if opened:
            end, start = opened.group(1).lower(), opened.end()
        elif text.startswith("<!--", j):
            end, start = "-->", j + 4
        else:
            end, start = ">", j + 1
        found = None if end in missing else _HTML_CLOSE[end].search(text, start)
        if found is None and end != ">":
            missing.add(end)
            end, found = ">", None if ">" in missing else _HTML_CLOSE[">"].search(text, j + 1)
        if found is None:
            missing.add(">")
            out.append("<")
            i = j + 1
            continue
        out.append(" ")
        i = found.end()
    out.append(text[i:])
    return "".join(out)


def _printable(text: str) -> bool:
    """Decoded text with at most 1 % control or unassigned characters."""
    bad = sum(1 for c in text if not (c.isprintable() or c in "\r\n\t"))
    return bool(text.strip()) and bad * 100 <= len(text)


def normalise(text: str, chunk: int = 1 << 20) -> str:
    """NFKC, casefold, punctuation/symbols and whitespace runs to one space.

    Done ``chunk`` characters at a time, cut where no normalisation reaches across (a
    whole 32 MiB text at once peaked at 40 bytes per character)."""
    out: list[str] = []
    start, pending = 0, False  # pending: a space run is open at the end of ``out``
    while start < len(text):
        end = _cut(text, start, chunk)
        folded = unicodedata.normalize("NFKC", text[start:end]).casefold()
        mapped = "".join(" " if unicodedata.category(c)[0] in "PSZC" else c for c in folded)
        start = end
        words = mapped.split()
        if not words:
            pending = pending or bool(mapped)
            continue
        if out and (pending or mapped[0].isspace()):
            out.append(" ")
        out.append(" ".join(words))
        pending = mapped[-1].isspace()
    return "".join(out)


def _cut(text: str, start: int, chunk: int) -> int:
    """An end for the chunk from ``start``: after the last whitespace in the window, else
    before a character that never joins the one before it (ASCII, kana, CJK)."""
    end = start + chunk
    if end >= len(text):
        return len(text)
    for i in range(end, max(end - 4096, start + 1), -1):
        if text[i - 1].isspace():
            return i
    for i in range(end, max(end - 4096, start + 1), -1):
        c = text[i]
        if (
            ord(c) < 0x300
            or "\u3041" <= c <= "\u3096"
            or "\u30a1" <= c <= "\u30fa"
            or ("\u4e00" <= c <= "\u9fff")
        ):
            return i
    return end  # no safe point near: cut anyway (same text, same cut: still deterministic)


def shingles(norm: str, size: int, limit: int) -> frozenset[str]:
    """The set of character ``size``-grams of ``norm``, from at most ``limit`` positions."""
    count = min(max(len(norm) - size + 1, 0), limit)
    return frozenset(norm[i : i + size] for i in range(count))


def shingle_hash(shingle: str) -> bytes:
    """Keyed BLAKE2b-64 of a shingle (deterministic across processes); the bytes order
    as the big-endian number they spell."""
    h = _KEYED.copy()  # copying the keyed state skips the key block on every shingle
    h.update(shingle.encode("utf-8"))
    return h.digest()


def sketch(items: frozenset[str], k: int) -> tuple[bytes, ...]:
    """Bottom-k MinHash sketch: the ``k`` smallest shingle hashes, ascending."""
    return tuple(heapq.nsmallest(k, {shingle_hash(s) for s in items}))


def estimate(a: tuple[bytes, ...], b: tuple[bytes, ...], k: int) -> tuple[int, int]:
    """MinHash estimate of the Jaccard of two sketched sets, as (shared, of)."""
    union = heapq.nsmallest(k, set(a) | set(b))
    both = set(a) & set(b)
    return sum(1 for h in union if h in both), max(len(union), 1)


def jaccard(a: frozenset[str], b: frozenset[str]) -> tuple[int, int]:
    """Exact Jaccard of two shingle sets, as (intersection, union) sizes."""
    inter = len(a & b)
    return inter, max(len(a) + len(b) - inter, 1)


def ratio_text(num: int, den: int) -> str:
    """``num/den`` as text with three decimals, rounded down (canonical JSON has no floats)."""
    permille = num * 1000 // den
    return f"{permille // 1000}.{permille % 1000:03d}"

"""Near-duplicate text of secret-set copies in the public corpus, and OSS licence
headers in secret-set source files (map §2.3.3, SIG.NP.02/03/07).

Each document is read once (bounded, see :mod:`evidencekit.analysis.textsim`); the
corpus keeps only sketches. A pair whose MinHash estimate reaches the threshold less
a margin is confirmed with the exact Jaccard of the shingle sets (the corpus file is
read again); only confirmed pairs count. Nothing is sent anywhere.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from evidencekit.analysis.folders import FolderFile
from evidencekit.analysis.textsim import (
    estimate,
    extract_text,
    jaccard,
    normalise,
    shingles,
    sketch,
)

_SPDX = re.compile(r"SPDX-License-Identifier:\s*([A-Za-z0-9.+\-() ]+?)\s*(?:\*/|-->|$)", re.M)
# Phrases that open well-known licence texts and headers (matched on normalised text).
_LICENCE_PHRASES: tuple[tuple[str, str], ...] = (
    ("gnu general public license", "GPL"),
    ("gnu lesser general public license", "LGPL"),
    ("gnu affero general public license", "AGPL"),
    ("licensed under the apache license", "Apache-2.0"),
    ("permission is hereby granted free of charge to any person obtaining a copy", "MIT"),
    ("redistribution and use in source and binary forms with or without modification", "BSD"),
    ("mozilla public license", "MPL"),
)

_SOURCE_EXT = frozenset(
    {
        ".c", ".h", ".cc", ".cpp", ".cxx", ".hpp", ".hh", ".py", ".js", ".mjs", ".ts", ".tsx",
        ".jsx", ".java", ".kt", ".go", ".rs", ".rb", ".php", ".cs", ".swift", ".m", ".mm",
        ".scala", ".sh", ".pl", ".lua", ".vhd", ".vhdl", ".v", ".sv", ".sql", ".r", ".f90",
        ".asm", ".s",
    }
)  # fmt: skip


@dataclass(frozen=True)
class Doc:
    """A compared document: file, sketch and shingle count."""

    file: FolderFile
    sketch: tuple[bytes, ...]
    size: int


@dataclass(frozen=True)
class NearDuplicate:
    """A secret-set copy and a public file whose shingle sets overlap >= the threshold."""

    secret: FolderFile
    public: FolderFile
    inter: int
    union: int


@dataclass
class Comparison:
    """Everything the near-duplicate pass found, for E05."""

    secret: list[Doc] = field(default_factory=list)
    public: list[Doc] = field(default_factory=list)
    near: list[NearDuplicate] = field(default_factory=list)
    unreadable: list[dict[str, str]] = field(default_factory=list)
    too_short: list[FolderFile] = field(default_factory=list)
    truncated: list[str] = field(default_factory=list)  # compared on a bounded prefix only
    licences: dict[str, list[str]] = field(default_factory=dict)  # secret file name -> ids


def _sh(text: str, p: dict[str, Any]) -> frozenset[str]:
    return shingles(normalise(text), int(p["shingle_chars"]), int(p["max_shingles"]))


def _bounded(f: FolderFile, text: str, p: dict[str, Any], out: Comparison) -> frozenset[str]:
    """The shingles of ``text``; a file cut by a size bound is listed, never silent."""
    norm = normalise(text)
    size, limit = int(p["shingle_chars"]), int(p["max_shingles"])
    if (len(norm) - size + 1 > limit or f.size > int(p["max_file_bytes"])) and (
        f.name not in out.truncated
    ):
        out.truncated.append(f.name)
    return shingles(norm, size, limit)


def _text(f: FolderFile, p: dict[str, Any], out: Comparison) -> str | None:
    """The file's text; problems are recorded as an unreadable input (text kept if any)."""
    try:
        ex = extract_text(f.path, int(p["max_file_bytes"]))
    except OSError as exc:  # removed, replaced or unreadable since it was hashed
        problem = f"unreadable: {exc.strerror or exc}"
        out.unreadable.append({"file": f.name, "sha256": f.sha256, "problem": problem})
        return None
    if ex.truncated and f.name not in out.truncated:
        out.truncated.append(f.name)  # text cut at the bound (a PDF printing too much)
    if ex.problems or ex.kind == "binary":
        why = "; ".join(ex.problems) or "no text (binary content)"
        out.unreadable.append({"file": f.name, "sha256": f.sha256, "problem": why})
        if ex.kind == "binary" or not ex.text.strip():
            return None
    return ex.text


def _doc(
    f: FolderFile, text: str, p: dict[str, Any], out: Comparison
) -> tuple[Doc, frozenset[str]] | None:
    items = _bounded(f, text, p, out)
    if len(items) < int(p["min_shingles"]):
        out.too_short.append(f)
        return None
    return Doc(f, sketch(items, int(p["minhash_k"])), len(items)), items


def _licences(f: FolderFile, text: str) -> list[str]:
    """SPDX ids anywhere; licence phrases only in source files and LICENSE-like files
    (a specification may mention the GPL without containing GPL code)."""
    found = {m.group(1).strip() for m in _SPDX.finditer(text)}
    suffix, stem = f.path.suffix.lower(), f.path.stem.upper()
    if suffix in _SOURCE_EXT or stem.startswith(("LICENSE", "LICENCE", "COPYING", "NOTICE")):
        norm = normalise(text)
        found |= {lic for phrase, lic in _LICENCE_PHRASES if phrase in norm}
    return sorted(found)


def compare(secret: list[FolderFile], public: list[FolderFile], p: dict[str, Any]) -> Comparison:
    """Sketch both folders, confirm candidate pairs exactly, look for licence headers."""
    out = Comparison()
    for f in public:
        text = _text(f, p, out)
        got = _doc(f, text, p, out) if text is not None else None
        if got:
            out.public.append(got[0])
    for f in secret:
        text = _text(f, p, out)
        if text is None:
            continue
        lic = _licences(f, text)
        if lic:
            out.licences[f.name] = lic
        got = _doc(f, text, p, out)
        if got is not None:
            out.secret.append(got[0])
            out.near.extend(_confirm(got, out.public, p))
    return out


def _confirm(
    got: tuple[Doc, frozenset[str]], public: list[Doc], p: dict[str, Any]
) -> list[NearDuplicate]:
    """Public documents whose estimate is near the threshold, kept if the exact Jaccard
    of the shingle sets reaches it (the public file is read again)."""
    doc, items = got
    k, pct = int(p["minhash_k"]), int(p["near_duplicate_percent"])
    floor = max(pct - int(p["candidate_margin_percent"]), 0)
    hits = []
    mine = frozenset(doc.sketch)
    for pub in public:
        both = len(mine.intersection(pub.sketch))
        if both * 100 < floor * min(k, len(mine) + len(pub.sketch) - both):
            continue  # the estimate counts at most these shared hashes: it cannot pass
        shared, of = estimate(doc.sketch, pub.sketch, k)
        if shared * 100 < floor * of:
            continue
        text = _text(pub.file, p, Comparison())
        if text is None:
            continue
        inter, union = jaccard(items, _sh(text, p))
        if inter * 100 >= pct * union:
            hits.append(NearDuplicate(doc.file, pub.file, inter, union))
    return hits

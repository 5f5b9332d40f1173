"""Keep trade-secret paths and names out of the report body (domain map §0.2 item 4).

Text that comes from the analysis (explanations, gap statements) may name a file.
The body must name files only by reference and hash, so every known path and file
name is replaced by its ``FILE-nnnn`` reference; the sealed annex maps references back.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

from evidencekit.report.data import ReportData

_MIN_LEN = 4  # shorter names ("a.c") would also match ordinary words
_ALL_FILES_LIMIT = 20_000  # beyond this, only files the findings touch are matched
_CACHE: dict[int, tuple[ReportData, Redactor]] = {}


class Redactor:
    """Replaces known paths and file names with their neutral references."""

    def __init__(self, data: ReportData) -> None:
        self.mapping = dict(_pairs(data))
        names = sorted(self.mapping, key=len, reverse=True)
        self.pattern = re.compile("|".join(map(re.escape, names))) if names else None

    def __call__(self, text: str) -> str:
        """``text`` with every known path or name replaced by its reference."""
        if self.pattern is None or not text:
            return text
        return self.pattern.sub(lambda m: self.mapping[m.group(0)], text)


def redactor(data: ReportData) -> Redactor:
    """The redactor of ``data``, built once per report."""
    cached = _CACHE.get(id(data))
    if cached is not None and cached[0] is data:
        return cached[1]
    _CACHE.clear()
    made = Redactor(data)
    _CACHE[id(data)] = (data, made)
    return made


def _pairs(data: ReportData) -> Iterator[tuple[str, str]]:
    wanted = {r.file_ref for r in data.rows_by_id.values() if r.file_ref}
    everything = len(data.files) <= _ALL_FILES_LIMIT
    for ref in data.files.values():
        if everything or ref.ref in wanted:
            for text in (ref.path, ref.name, ref.path.replace("\\", "/").rsplit("/", 1)[-1]):
                if text and len(text) >= _MIN_LEN:
                    yield text, ref.ref
    if data.analysis is not None:
        for f in data.analysis.findings:
            for text in _fact_strings(f.facts):
                yield text, f"[{f.id}: 別紙参照 / see sealed annex]"


def _fact_strings(value: Any) -> Iterator[str]:
    """String facts that look like paths or file names (they go to the annex only)."""
    if isinstance(value, str):
        if len(value) >= _MIN_LEN and ("/" in value or "\\" in value or "." in value[-6:]):
            yield value
    elif isinstance(value, dict):
        for v in value.values():
            yield from _fact_strings(v)
    elif isinstance(value, list | tuple):
        for v in value:
            yield from _fact_strings(v)

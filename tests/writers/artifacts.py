"""Test helpers for the Windows artifact parsers: run a registered parser on a file and
split its output; look up a corpus file's facts in FACTS.json."""

from __future__ import annotations

import lzma
import shutil
from pathlib import Path
from typing import Any

import pytest

from evidencekit.model import Event, ParseIssue
from evidencekit.parsers.base import ParseContext, parsers


def run_parser(
    name: str, path: Path, **options: Any
) -> tuple[list[Event], list[ParseIssue], ParseContext]:
    """Parse ``path`` with the registered parser ``name``; validate every event."""
    cls = parsers.get(name)
    ctx = ParseContext(
        source_id="0" * 16, path=path, parser=name, version=cls.version, options=options
    )
    events: list[Event] = []
    issues: list[ParseIssue] = []
    for item in cls().parse(ctx):
        if isinstance(item, ParseIssue):
            issues.append(item)
        elif isinstance(item, Event):
            events.append(Event.model_validate(item.model_dump()))
        else:
            events.append(Event.model_validate(item))
    return events, issues, ctx


def facts_for(corpus_facts: dict[str, Any], file: str) -> dict[str, Any]:
    """The ``facts`` entry of one corpus file (skip when FACTS.json lacks it)."""
    for entry in corpus_facts["files"]:
        if entry["file"] == file:
            facts: dict[str, Any] = entry["facts"]
            return facts
    pytest.skip(f"FACTS.json has no entry for {file}")


def corpus_file(corpus: Path, rel: str) -> Path:
    path = corpus / rel
    if not path.exists():
        pytest.skip(f"{path} is absent from the corpus")
    return path


def decompress_xz(src: Path, dest: Path) -> Path:
    """Decompress a corpus ``.xz`` hive to ``dest`` (the evidence stays untouched)."""
    with lzma.open(src) as fin, open(dest, "wb") as fout:
        shutil.copyfileobj(fin, fout)
    return dest


def to7(text: str | None) -> str | None:
    """Our nine-digit UTC text in FACTS.json's seven-digit (100 ns) form."""
    return None if text is None else text[:27] + "Z"

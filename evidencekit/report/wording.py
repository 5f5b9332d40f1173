"""Neutral wording guard: generated text states recorded facts, never legal conclusions.

Domain map §0.2 item 3 bans conclusions such as 「窃取した」「盗んだ」「悪意が証明された」
and "stole", "proved bad faith"; §9 item 4 says the PDF generator must refuse to render
a sentence that matches the banned-phrase list. The analysis stage owns the list
(``evidencekit.analysis.wording.BANNED_PHRASES``); until it ships, the map's own words
are used here.
"""

from __future__ import annotations

import importlib
import re

from evidencekit.errors import EvidenceKitError

_MAP_PHRASES: tuple[str, ...] = (
    "窃取した",
    "盗んだ",
    "悪意が証明された",
    "stole",
    "proved bad faith",
)


class WordingError(EvidenceKitError):
    """Generated report text contains a banned (conclusory) phrase."""


def banned_phrases() -> tuple[str, ...]:
    """The banned phrases: the analysis stage's list when available, plus the map's."""
    try:
        module = importlib.import_module("evidencekit.analysis.wording")
        extra = tuple(getattr(module, "BANNED_PHRASES", ()))
    except ImportError:
        extra = ()
    return tuple(dict.fromkeys((*_MAP_PHRASES, *extra)))


def find_banned(text: str) -> list[str]:
    """Banned phrases that occur in ``text`` (case-insensitive for Latin script)."""
    lowered = text.lower()
    hits = []
    for phrase in banned_phrases():
        needle = phrase.lower()
        if needle.isascii():
            if re.search(rf"\b{re.escape(needle)}\b", lowered):
                hits.append(phrase)
        elif needle in lowered:
            hits.append(phrase)
    return hits


def check_texts(texts: list[str], where: str) -> None:
    """Raise :class:`WordingError` naming every banned phrase found in ``texts``."""
    found = sorted({p for t in texts for p in find_banned(t)})
    if found:
        raise WordingError(f"{where}: banned conclusory wording {found}; state recorded facts")

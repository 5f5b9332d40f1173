"""Wording rules for generated text: facts, never legal conclusions (map §0.2 item 3).

The report stage imports :data:`BANNED_PHRASES` and :func:`check_text` too: any
sentence that matches refuses to render ([P23]: examiners give no legal conclusions).
Use 「…の記録がある」「…と整合する」 / "records show", "consistent with".
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable

from evidencekit.errors import EvidenceKitError

BANNED_PHRASES: tuple[str, ...] = (
    "窃取した",
    "盗んだ",
    "盗み出した",
    "悪意が証明された",
    "故意が証明された",
    "図利加害目的が認められる",
    "営業秘密侵害が成立",
    "犯人",
    "有罪",
    "stole",
    "stolen by",
    "theft was committed",
    "proved bad faith",
    "proves bad faith",
    "bad faith is proven",
    "is guilty",
    "committed the crime",
    "misappropriated the",
)
"""Phrases that state a legal conclusion; compared after NFKC and case folding."""


def _pattern(phrase: str) -> re.Pattern[str]:
    """English phrases match as whole words: a custodian named "Stoler" or an address
    such as j.stoler@… is not the word "stole". Japanese has no word breaks."""
    text = re.escape(unicodedata.normalize("NFKC", phrase).casefold())
    return re.compile(rf"(?<![a-z0-9]){text}(?![a-z0-9])" if phrase.isascii() else text)


_PATTERNS = tuple(_pattern(p) for p in BANNED_PHRASES)


class WordingError(EvidenceKitError):
    """Generated text contains a banned (conclusory) phrase."""


def banned_in(text: str) -> list[str]:
    """The banned phrases found in ``text`` (empty when the text is acceptable)."""
    folded = unicodedata.normalize("NFKC", text).casefold()
    return [p for p, rx in zip(BANNED_PHRASES, _PATTERNS, strict=True) if rx.search(folded)]


def check_text(texts: Iterable[str]) -> None:
    """Raise :class:`WordingError` listing every banned phrase in ``texts``."""
    problems = [f"{p!r} in {t[:80]!r}" for t in texts for p in banned_in(t)]
    if problems:
        raise WordingError("conclusory wording in generated text: " + "; ".join(problems))

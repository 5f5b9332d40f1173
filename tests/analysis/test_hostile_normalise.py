"""Normalisation of very large texts is done in chunks (memory bounded); the chunks are
cut only where NFKC, case folding and the whitespace rule never reach across, so the
result equals normalising the whole text at once."""

from __future__ import annotations

import tracemalloc
import unicodedata

from hypothesis import given, settings
from hypothesis import strategies as st

from evidencekit.analysis.textsim import normalise

# Marks that compose or reorder (acute, dot below, dakuten), Hangul jamo, half-width
# kana with its voicing mark, full-width forms, final sigma, punctuation.
_HARD = "aAeΣς\u0301\u0323か\u3099\u1100\u1161\u11a8ﾊﾞＡ１、。\t"
_SAFE = st.sampled_from([" ", "x", "か", "\n", "Z", "漢"])


def _whole(text: str) -> str:
    folded = unicodedata.normalize("NFKC", text).casefold()
    chars = [" " if unicodedata.category(c)[0] in "PSZC" else c for c in folded]
    return " ".join("".join(chars).split())


@settings(max_examples=300, deadline=None)
@given(
    st.lists(st.tuples(st.text(alphabet=_HARD, max_size=3), _SAFE), max_size=60),
    st.integers(min_value=8, max_value=40),
)
def test_chunked_normalisation_equals_whole(parts: list[tuple[str, str]], chunk: int) -> None:
    text = "".join(a + b for a, b in parts)
    assert normalise(text, chunk=chunk) == _whole(text)


@settings(max_examples=100, deadline=None)
@given(st.text(alphabet=_HARD, max_size=200), st.integers(min_value=1, max_value=16))
def test_any_text_is_normalised_deterministically(text: str, chunk: int) -> None:
    # Without a safe cut in reach the chunk is cut anyway: same input, same output.
    assert normalise(text, chunk=chunk) == normalise(text, chunk=chunk)
    assert normalise(text) == _whole(text)  # default chunk: one piece here


def test_japanese_text_is_cut_at_a_kana_not_inside_a_voiced_pair() -> None:
    text = "か\u3099" * 5000  # no whitespace, no ASCII: cuts fall before a か
    assert normalise(text, chunk=1001) == _whole(text) == "が" * 5000


def test_memory_stays_a_few_bytes_per_character() -> None:
    text = "仕様書 ABC, def. 123\n" * 150_000  # 2.7 M characters
    tracemalloc.start()
    try:
        got = normalise(text, chunk=1 << 16)  # the whole text at once: about 40 per character
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert got.startswith("仕様書 abc def 123 仕様書")
    assert peak < 12 * len(text), f"{peak / len(text):.1f} bytes per character"

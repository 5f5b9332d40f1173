"""Hostile HTML for the public-corpus text check: unclosed scripts, comments and ``<``
by the thousand must not make text extraction quadratic; markup is still removed."""

from __future__ import annotations

import re
import time
from pathlib import Path

from hypothesis import given, settings
from hypothesis import strategies as st

from evidencekit.analysis.textsim import extract_text, strip_html

# The documented semantics, as two lazy regexes (quadratic on hostile input: only ever
# run here on small well-formed documents).
_DROP = re.compile(r"(?is)<(script|style)\b.*?</\1\s*>|<!--.*?-->")
_TAG = re.compile(r"(?s)<[^>]*>")

_WORDS = st.text(alphabet="abcあい漢 \n", min_size=0, max_size=8)
_PART = st.one_of(
    _WORDS,
    st.builds(lambda w: f"<p class='{w}'>", _WORDS),
    st.just("</p>"),
    st.builds(lambda w: f"<script>{w}</script>", _WORDS),
    st.builds(lambda w: f"<STYLE>{w}</style >", _WORDS),
    st.builds(lambda w: f"<!--{w}-->", _WORDS),
)


@settings(max_examples=200, deadline=None)
@given(st.lists(_PART, max_size=20))
def test_well_formed_html_loses_the_same_markup_as_the_lazy_regexes(parts: list[str]) -> None:
    doc = "".join(parts)
    assert strip_html(doc).split() == _TAG.sub(" ", _DROP.sub(" ", doc)).split()


@settings(max_examples=200, deadline=None)
@given(st.lists(st.sampled_from(["<script>", "</script>", "<!--", "-->", "<", ">", "x", "あ"])))
def test_any_token_soup_is_handled_and_plain_text_is_kept(parts: list[str]) -> None:
    doc = "".join(parts)
    out = strip_html(doc)
    assert len(out) <= len(doc)
    assert strip_html(doc.replace("<", "")) == doc.replace("<", "")


def test_thousands_of_unclosed_openings_take_linear_time(tmp_path: Path) -> None:
    # 60 000 unclosed '<script>' (and comments, and bare '<'): the lazy regexes rescan
    # to the end for each, about 10**10 steps (hours); a linear pass takes milliseconds.
    body = "<script>x" * 60_000 + "<!--y" * 60_000 + "<z" * 60_000
    path = tmp_path / "hostile.html"
    path.write_text(body, encoding="utf-8")
    start = time.process_time()
    got = extract_text(path)
    used = time.process_time() - start
    assert got.kind == "html"
    assert got.text.count("x") == 60_000  # an unclosed script keeps its content
    assert "<script>" not in got.text
    assert got.text.count("<!--y") == 60_000 and got.text.count("<z") == 60_000
    assert used < 10, f"{used:.1f} CPU seconds for {len(body)} characters"

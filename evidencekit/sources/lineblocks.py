"""Blocks of whole lines of a text export, split and decoded at once (the CSV hot path).

:meth:`evidencekit.sources.textlog.TextLog.blocks` reads them; the per-line view
(:meth:`LineBlock.lines`) is what :meth:`~evidencekit.sources.textlog.TextLog.lines` yields.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass

# Codecs that are stateless and never use the byte "\n" inside a character: a block of
# lines splits on b"\n" exactly as its text splits on "\n".
SPLITTABLE = frozenset({"utf-8", "cp932", "euc_jp", "ascii", "iso8859-1", "cp1252"})
# A "-" or tab opening a field or a line, a CR not ending a line (literal first: fast scan)
_DASH_START = re.compile(rb'-(?<=[,";|\t\n]-)')
_TAB_START = re.compile(rb'\t(?<=[,";|\t\n]\t)')
_LONE_CR = re.compile(rb"\r(?!\n)")


@dataclass(slots=True)
class LineBlock:
    """Consecutive physical lines: ``number`` and ``offset`` of the first; ``raws`` without
    their ``\\n`` (and without ``\\r\\n`` when ``eol`` is 2); ``texts`` decoded (None when some
    bytes do not decode); ``terminated``: the last line ends with ``\\n``."""

    number: int
    offset: int
    raws: list[bytes]
    texts: list[str] | None
    terminated: bool
    formula_signs: bool
    """Some line might hold a formula (:func:`block_may_hold_formula`)."""
    eol: int = 0
    """2: every line ends with ``\\r\\n``, left out of ``raws`` and ``texts``; 1: no line
    ends with ``\\r\\n``; 0: some do (their ``raws`` and ``texts`` keep the ``\\r``)."""

    @classmethod
    def read(
        cls, number: int, offset: int, data: bytes, terminated: bool, encoding: str
    ) -> LineBlock:
        """Split and decode ``data`` (whole lines, the last one ending ``\\n`` if
        ``terminated``). One decode of the block equals the decodes of its lines for the
        stateless ``SPLITTABLE`` codecs, in which no character holds the byte ``\\n``."""
        try:
            text = data.decode(encoding)
        except UnicodeDecodeError:
            raws = data.split(b"\n")
            return cls(number, offset, raws[:-1] if terminated else raws, None, terminated, True)
        # Every line ending CR LF (the usual Windows export): split on both at once, so the
        # CR need not be cut from each line later. In these codecs b"\r\n" is "\r\n".
        eol, sep = 1, "\n"
        if b"\r" in data:
            raws = data.split(b"\r\n")
            eol = 2 if terminated and len(raws) - 1 == data.count(b"\n") else 0
        if eol == 2:
            sep = "\r\n"
        else:
            raws = data.split(b"\n")
        texts = text.split(sep)
        if terminated:
            raws.pop()
            texts.pop()
        signs = block_may_hold_formula(data, text)
        return cls(number, offset, raws, texts, terminated, signs, eol)

    def lines(self, encoding: str) -> Iterator[tuple[int, int, bytes, str, int | None]]:
        """The block as :meth:`TextLog.lines` tuples (terminators kept)."""
        number, offset, last = self.number, self.offset, len(self.raws) - 1
        end = "\r\n" if self.eol == 2 else "\n"
        end_raw = end.encode()
        for k, body in enumerate(self.raws):
            raw = body + end_raw if self.terminated or k < last else body
            if self.texts is not None:
                text = self.texts[k] + end if self.terminated or k < last else self.texts[k]
                yield number, offset, raw, text, None
            else:
                try:
                    yield number, offset, raw, raw.decode(encoding), None
                except UnicodeDecodeError as exc:
                    yield number, offset, raw, raw.decode(encoding, errors="replace"), exc.start
            number += 1
            offset += len(raw)


def block_may_hold_formula(data: bytes, text: str) -> bool:
    """Whether any line of ``data`` (whole lines; ``text`` decoded) may hold a formula
    (:func:`may_hold_formula` of each line body, at once). The tests run on the bytes
    (memchr-fast): in the ``SPLITTABLE`` codecs these ASCII characters are bytes of their
    own, except ``@``, a CP932 trail byte, looked for in the text."""
    return (
        b"=" in data
        or b"+" in data
        or "@" in text
        or data[:1] in (b"-", b"\t", b"\r")
        or (b"-" in data and _DASH_START.search(data) is not None)
        or (b"\t" in data and _TAB_START.search(data) is not None)
        or (b"\r" in data and _LONE_CR.search(data) is not None)
    )

"""Text encoding of a log export: a BOM, else the reading with the fewest undecodable
sequences (UTF-8, CP932/Shift_JIS, EUC-JP), and the user's choice resolved.

Split from :mod:`evidencekit.sources.textlog` (the line reader), which re-exports
:class:`Encoding`, :func:`detect_encoding` and :func:`sniff_encoding`.
"""

from __future__ import annotations

import codecs
from dataclasses import dataclass
from pathlib import Path

from evidencekit.errors import UnreadableInput

_BOMS = (
    (codecs.BOM_UTF8, "utf-8"),
    (codecs.BOM_UTF16_LE, "utf-16-le"),
    (codecs.BOM_UTF16_BE, "utf-16-be"),
)


@dataclass(frozen=True, slots=True)
class Encoding:
    """A detected text encoding and the length of its byte-order mark."""

    name: str
    bom: int = 0


def detect_encoding(head: bytes) -> Encoding:
    """Guess the encoding of a text export from its first bytes: a BOM, else the reading
    with the fewest undecodable sequences (UTF-8 on a tie, then the likelier Japanese).

    A few bad bytes (a damaged sector, one stray character) must not turn a CP932 export
    into UTF-8 and lose every row to a header that no longer matches: the bad bytes are
    then reported line by line under the encoding the rest of the file is written in.
    """
    for bom, name in _BOMS:
        if head.startswith(bom):
            return Encoding(name, len(bom))
    errors = {name: _decode_errors(head, name) for name in ("utf-8", "cp932", "euc_jp")}
    if errors["utf-8"] <= min(errors["cp932"], errors["euc_jp"]):
        return Encoding("utf-8")
    if errors["cp932"] == errors["euc_jp"]:
        return Encoding(_likelier_japanese(head))
    return Encoding("cp932" if errors["cp932"] < errors["euc_jp"] else "euc_jp")


def sniff_encoding(path: Path, sample: int = 64 * 1024) -> Encoding:
    """Detect a file's encoding from its head; when the head is plain ASCII, also from
    samples further in (an English header can precede CP932 or EUC-JP rows)."""
    with open(path, "rb") as fp:
        head = fp.read(sample)
        detected = detect_encoding(head)
        if detected.name != "utf-8" or detected.bom or not head.isascii():
            return detected
        size = fp.seek(0, 2)
        for k in range(1, 8):
            if size <= sample:
                break
            fp.seek(size * k // 8)
            chunk = fp.read(sample)
            chunk = chunk[chunk.find(b"\n") + 1 :]  # start at a line, so at a character
            if not chunk.isascii():
                return Encoding(detect_encoding(chunk).name)
    return detected


def _given_encoding(encoding: str, detected: Encoding) -> Encoding:
    """The encoding named by the user, with the BOM skipped when the file has one."""
    try:
        name = codecs.lookup(encoding).name
    except LookupError as exc:
        raise UnreadableInput(f"unknown text encoding {encoding!r}") from exc
    if name == "shift_jis":  # Windows writes CP932 (NEC/IBM extensions such as ① and ㈱)
        name = "cp932"
    if name in ("utf-16", "utf-8-sig"):  # the BOM decides the byte order / is skipped
        base = "utf-8" if name == "utf-8-sig" else "utf-16-le"
        return detected if detected.bom else Encoding(base)
    bom = detected.bom if detected.name.replace("_", "-") == name.replace("_", "-") else 0
    return Encoding(name, bom)


def _decode_errors(data: bytes, name: str, limit: int = 256) -> int:
    """Undecodable sequences in ``data`` read as ``name``, counted up to ``limit`` (a
    multi-byte sequence cut at the end is not one)."""
    decoder = codecs.getincrementaldecoder(name)(errors="strict")
    errors, view = 0, memoryview(data)
    while errors < limit:
        try:
            decoder.decode(view, final=False)
            break
        except UnicodeDecodeError as exc:
            errors += 1
            view = view[exc.end :]
            decoder.reset()
    return errors


def _likelier_japanese(head: bytes) -> str:
    """Between CP932 and EUC-JP, the reading with more kana and common kanji wins."""

    def score(text: str) -> int:
        return sum(1 for c in text if "\u3040" <= c <= "\u30ff" or "\u4e00" <= c <= "\u9fff")

    sjis = head.decode("cp932", errors="ignore")
    euc = head.decode("euc_jp", errors="ignore")
    return "euc_jp" if score(euc) > score(sjis) else "cp932"

"""The CSV hot path reads exactly what the line-by-line path reads.

Block reading (``TextLog.blocks``), the delimited reader's fast path (``batches``) and the
block-wide formula pre-test are held against references built from their definitions:
``readline`` with the documented length limit, the reader's own per-line state machine
fed one physical line at a time, and :func:`may_hold_formula` applied to every line.
"""

from __future__ import annotations

import hashlib
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from evidencekit.sources.delimited import DelimitedReader
from evidencekit.sources.lineblocks import block_may_hold_formula
from evidencekit.sources.textlog import Problem, TextLog, looks_like_formula, may_hold_formula

_PIECES = [
    b"a",
    b"9",
    b",",
    b",",
    b'"',
    b"\n",
    b"\r\n",
    b"\r",
    b"=",
    b"-",
    b"+",
    b"@",
    b"\t",
    b";",
    "漢".encode("cp932"),
    "日本".encode(),
    "表".encode("euc_jp"),
    b"\xff",
    b"\x81",
]
_bytes = st.lists(st.sampled_from(_PIECES), max_size=80).map(b"".join)
_ENCODINGS = st.sampled_from(["utf-8", "cp932", "euc_jp"])
_SETTINGS = settings(max_examples=150, deadline=None)


def _readline_reference(path: Path, name: str, bom: int, max_line: int) -> list[Any]:
    """Physical lines as ``readline(max_line + 2)`` cuts them; longer lines hashed whole."""
    out: list[Any] = []
    limit = max_line + 2
    with open(path, "rb") as fp:
        fp.seek(bom)
        number, offset = 0, bom
        while raw := fp.readline(limit):
            number += 1
            if len(raw) == limit and not raw.endswith(b"\n"):
                rest = raw
                while not rest.endswith(b"\n") and (more := fp.readline(1 << 20)):
                    rest += more
                out.append(("long", number, offset, len(rest), hashlib.sha256(rest).hexdigest()))
                offset += len(rest)
                continue
            try:
                out.append((number, offset, raw, raw.decode(name), None))
            except UnicodeDecodeError as exc:
                out.append((number, offset, raw, raw.decode(name, errors="replace"), exc.start))
            offset += len(raw)
    return out


def _write(tmp: Path, data: bytes) -> Path:
    path = tmp / "export.csv"
    path.write_bytes(data)
    return path


@_SETTINGS
@given(data=_bytes, name=_ENCODINGS, max_line=st.integers(1, 40), block=st.integers(1, 64))
def test_block_lines_equal_readline_lines(
    tmp_path_factory: Any, data: bytes, name: str, max_line: int, block: int
) -> None:
    path = _write(tmp_path_factory.mktemp("lines"), data)
    log = TextLog(path, name, max_line)
    log.block_size = block
    got = [
        ("long", i.line, i.offset, i.length, i.raw_sha256) if isinstance(i, Problem) else i
        for i in log.lines()
    ]
    assert got == _readline_reference(path, log.encoding.name, log.encoding.bom, max_line)


def _as_tuples(items: Any) -> list[tuple[Any, ...]]:
    return [(type(i).__name__, *(getattr(i, k) for k in i.__slots__)) for i in items]


_cell = st.sampled_from(
    ["v", "漢字", r"C:\a", "12", "", "-1", "=1", '"q,x"', "a\tb", "@", '"x""y"']
)
_row = st.lists(_cell, min_size=1, max_size=4).map(",".join)
_line = _row | st.lists(st.sampled_from(_PIECES), max_size=12).map(
    lambda p: b"".join(p).decode("utf-8", errors="replace")
)


@_SETTINGS
@given(
    lines=st.lists(st.tuples(_line, st.sampled_from(["\r\n", "\n"])), max_size=14),
    name=_ENCODINGS,
    max_line=st.sampled_from([12, 30, 1 << 20]),
    skip=st.sampled_from([0, 1]),
    block=st.sampled_from([5, 23, 64, 1 << 18]),
    tail=st.booleans(),
    header=st.sampled_from(["h1,h2,h3", "h1", "h1,h2", '"h,1",h2']),
    crlf=st.booleans(),
)
def test_fast_records_equal_line_by_line_records(
    tmp_path_factory: Any,
    lines: list[tuple[str, str]],
    name: str,
    max_line: int,
    skip: int,
    block: int,
    tail: bool,
    header: str,
    crlf: bool,
) -> None:
    if crlf:  # blocks of CR LF lines only: the reader's split-once path
        lines = [(a, "\r\n") for a, _ in lines]
    text = f"{header}\r\n" + "".join(a + b for a, b in lines) + ("9,9,9" if tail else "")
    path = _write(tmp_path_factory.mktemp("csv"), text.encode(name, errors="replace"))
    options: dict[str, Any] = {"encoding": name, "max_line": max_line, "skip_lines": skip}
    fast = DelimitedReader(path, **options)
    fast.log.block_size = block
    careful = DelimitedReader(path, **options)
    expected = _as_tuples(careful._run(careful.log.lines()))
    assert _as_tuples(fast.records()) == expected
    assert fast.header == careful.header


@_SETTINGS
@given(st.lists(_line, min_size=1, max_size=10), st.sampled_from(["\r\n", "\n"]), _ENCODINGS)
def test_block_formula_pretest_misses_no_line(lines: list[str], end: str, name: str) -> None:
    data = "".join(line + end for line in lines).encode(name, errors="replace")
    text = data.decode(name, errors="replace")
    bodies = [line.removesuffix("\r") for line in text.split("\n")[:-1]]
    if any(may_hold_formula(body) for body in bodies):
        assert block_may_hold_formula(data, text)


def test_formula_free_block_is_seen_as_such() -> None:
    data = "2024/04/01 9:05:03,山田,PC-001,コピー,C:\\設計\\図面.dwg\r\n".encode("cp932") * 3
    assert not block_may_hold_formula(data, data.decode("cp932"))
    assert block_may_hold_formula(data + b"x,-1\r\n", (data + b"x,-1\r\n").decode("cp932"))


@pytest.mark.parametrize("delimiter", [",", ";", "|", "\t"])
@pytest.mark.parametrize("field", ["-cmd!A1", "\tcalc"])
def test_formula_pretests_see_a_field_after_any_delimiter(delimiter: str, field: str) -> None:
    line = f"2024-04-01{delimiter}{field}{delimiter}end"
    assert looks_like_formula(field)
    assert may_hold_formula(line)
    data = (line + "\n").encode("cp932")
    assert block_may_hold_formula(data, data.decode("cp932"))

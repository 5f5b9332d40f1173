"""The streaming text-log layer: encodings, exact byte locations, hostile input.

Expected values come from how each test builds its bytes (offsets computed from the
encoded rows) and from Python's own csv module as an independent reader of clean input.
"""

from __future__ import annotations

import csv
import hashlib
import io
import tempfile
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from evidencekit.errors import UnreadableInput
from evidencekit.sources.delimited import DelimitedReader
from evidencekit.sources.textlog import (
    Problem,
    Record,
    TextLog,
    detect_encoding,
    escape_csv_cell,
    line_records,
    looks_like_formula,
)

HEADER = ["日時", "ユーザー名", "PC名", "操作", "ファイル名"]
ROWS = [
    ["2024/04/01 9:05:03", "山田太郎", "PC-001", "ファイルコピー", r"C:\共有\設計図Ａ,v2.xlsx"],
    ["2024/04/01 9:06:00", "佐藤花子", "PC-002", "印刷", "ｶﾀｶﾅ仕様書.docx"],
    ["2024年4月1日 9時7分0秒", "鈴木", "PC-003", "ファイル削除", "議事録\n(改行入り).txt"],
]


def _csv_bytes(rows: list[list[str]], encoding: str, bom: bytes = b"") -> bytes:
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator="\r\n").writerows([HEADER, *rows])
    return bom + buffer.getvalue().encode(encoding)


def _records(path: Path, **kwargs: object) -> tuple[list[Record], list[Problem], DelimitedReader]:
    reader = DelimitedReader(path, **kwargs)  # type: ignore[arg-type]
    items = list(reader.records())
    return (
        [i for i in items if isinstance(i, Record)],
        [i for i in items if isinstance(i, Problem)],
        reader,
    )


@pytest.mark.parametrize(
    ("encoding", "bom", "expected"),
    [
        ("utf-8", b"", "utf-8"),
        ("utf-8", b"\xef\xbb\xbf", "utf-8"),
        ("utf-16-le", b"\xff\xfe", "utf-16-le"),
        ("utf-16-be", b"\xfe\xff", "utf-16-be"),
        ("cp932", b"", "cp932"),
        ("euc_jp", b"", "euc_jp"),
    ],
)
def test_encodings_detected_and_rows_match_csv_module(
    tmp_path: Path, encoding: str, bom: bytes, expected: str
) -> None:
    data = _csv_bytes(ROWS, encoding, bom)
    path = tmp_path / "export.csv"
    path.write_bytes(data)
    assert detect_encoding(data[:4096]).name == expected
    records, problems, reader = _records(path)
    assert problems == []
    assert reader.header == HEADER
    text = data[len(bom) :].decode(encoding)
    oracle = list(csv.reader(io.StringIO(text, newline="")))
    assert [r.fields for r in records] == oracle[1:]


@pytest.mark.parametrize(("encoding", "bom"), [("cp932", b""), ("utf-16-le", b"\xff\xfe")])
def test_offsets_lengths_and_hashes_point_at_the_exact_bytes(
    tmp_path: Path, encoding: str, bom: bytes
) -> None:
    data = _csv_bytes(ROWS, encoding, bom)
    path = tmp_path / "export.csv"
    path.write_bytes(data)
    records, _, _ = _records(path)
    terminator = "\r\n".encode(encoding)
    # Independent expectation: re-encode each row as csv.writer wrote it.
    offset = len(bom) + len(_csv_bytes([], encoding))
    line = 2
    for row, record in zip(ROWS, records, strict=True):
        buffer = io.StringIO()
        csv.writer(buffer, lineterminator="\r\n").writerow(row)
        encoded = buffer.getvalue().encode(encoding)
        assert (record.offset, record.line) == (offset, line)
        assert record.length == len(encoded) - len(terminator)
        assert data[record.offset : record.offset + record.length] == record.raw
        assert (
            hashlib.sha256(record.raw).hexdigest()
            == hashlib.sha256(encoded[: -len(terminator)]).hexdigest()
        )
        offset += len(encoded)
        line += buffer.getvalue().count("\n")


def test_undecodable_bytes_are_replaced_flagged_and_located(tmp_path: Path) -> None:
    good = _csv_bytes(ROWS[:1], "cp932")
    bad_row = "2024/04/01 9:08:00,".encode("cp932") + b"\x81\x7f" + b",PC-9,x,y\r\n"
    path = tmp_path / "export.csv"
    path.write_bytes(good + bad_row)
    records, problems, _ = _records(path, encoding="cp932")
    assert len(records) == 2
    assert records[1].replaced and "\ufffd" in records[1].fields[1]
    [problem] = problems
    assert problem.code == "undecodable_bytes" and problem.line == 3
    assert problem.offset == len(good) + len("2024/04/01 9:08:00,")
    assert problem.severity == "warning"


@pytest.mark.parametrize(("encoding", "stray"), [("cp932", b"\x81\x7f"), ("euc_jp", b"\x8e\x20"),
                                               ("utf-8", b"\xff")])  # fmt: skip
def test_a_stray_byte_does_not_change_the_detected_encoding(
    tmp_path: Path, encoding: str, stray: bytes
) -> None:
    """One undecodable sequence in the head: still read in the file's own encoding, every
    row kept, the bad bytes reported where they are (not the whole file read as UTF-8)."""
    rows = [[f"2024/04/01 9:{m:02d}:00", "山田太郎", "PC-001", "ファイルコピー", "設計図.xlsx"]
            for m in range(40)]  # fmt: skip
    data = _csv_bytes(rows, encoding)
    cut = data.index("山田太郎".encode(encoding), len(data) // 2)
    path = tmp_path / "export.csv"
    path.write_bytes(data[:cut] + stray + data[cut:])
    assert detect_encoding(path.read_bytes()).name == encoding
    records, problems, reader = _records(path)
    assert reader.header == HEADER
    assert len(records) == len(rows)
    assert [p.code for p in problems] == ["undecodable_bytes"]
    assert [r.fields[1] for r in records if not r.replaced] == ["山田太郎"] * (len(rows) - 1)


def test_ten_megabyte_line_is_reported_and_reading_continues(tmp_path: Path) -> None:
    head = _csv_bytes(ROWS[:1], "utf-8")
    huge = b"A" * (10 * 1024 * 1024) + b"\r\n"
    tail = b"2024/04/01 9:09:00,b,c,d,e\r\n"
    path = tmp_path / "export.csv"
    path.write_bytes(head + huge + tail)
    records, problems, _ = _records(path)
    [problem] = problems
    assert problem.code == "line_too_long" and problem.line == 3
    assert (problem.offset, problem.length) == (len(head), len(huge))
    assert problem.raw_sha256 == hashlib.sha256(huge).hexdigest()
    assert [r.line for r in records] == [2, 4]
    assert records[1].offset == len(head) + len(huge)


def test_ten_megabyte_line_in_utf16_is_bounded_too(tmp_path: Path) -> None:
    lines = ["a,b", "x" * (3 * 1024 * 1024), "c,d"]
    data = b"\xff\xfe" + "\r\n".join(lines).encode("utf-16-le") + "\r\n".encode("utf-16-le")
    path = tmp_path / "wide.log"
    path.write_bytes(data)
    items = list(TextLog(path, max_line=1024 * 1024).lines())
    assert isinstance(items[1], Problem) and items[1].code == "line_too_long"
    assert items[1].length == len(("x" * 3 * 1024 * 1024 + "\r\n").encode("utf-16-le"))
    last = items[2]
    assert not isinstance(last, Problem)
    assert last[3] == "c,d\r\n" and last[0] == 3


def test_malformed_quoting_wrong_columns_and_unterminated_quote(tmp_path: Path) -> None:
    lines = [
        ",".join(HEADER),
        "2024/04/01 9:05:03,a,b,c,d",
        '"bad"quote,a,b,c,d',
        "2024/04/01 9:06:03,only,three",
        "2024/04/01 9:07:03,a,b,c,d",
        '2024/04/01 9:08:03,a,b,c,"never closed',
        "2024/04/01 9:09:03,a,b,c,d",
    ]
    path = tmp_path / "export.csv"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    records, problems, _ = _records(path, max_record_lines=64)
    codes = {p.line: p.code for p in problems}
    assert codes == {3: "malformed_quoting", 4: "column_count", 6: "unterminated_quote"}
    assert all(p.severity == "error" for p in problems)
    # Lines after the unterminated quote are read again, not swallowed.
    assert [r.line for r in records] == [2, 5, 7]


def test_multiline_quoted_record_spans_lines(tmp_path: Path) -> None:
    path = tmp_path / "export.csv"
    path.write_bytes(_csv_bytes(ROWS, "utf-8"))
    records, _, _ = _records(path)
    assert records[2].fields[4] == "議事録\n(改行入り).txt"
    assert records[2].line == 4 and records[2].raw.count(b"\n") == 1


def test_csv_injection_kept_verbatim_flagged_and_escaped(tmp_path: Path) -> None:
    payloads = ["=cmd|' /C calc'!A0", "+SUM(1+1)", "-2+3+cmd|' /C calc'!A0", "@SUM(1)"]
    rows = [["2024/04/01 9:05:03", p, "PC-1", "印刷", "a.txt"] for p in payloads]
    rows.append(["2024/04/01 9:05:04", "-", "PC-1", "印刷", "-"])
    path = tmp_path / "export.csv"
    path.write_bytes(_csv_bytes(rows, "utf-8"))
    records, _, _ = _records(path)
    assert [r.fields[1] for r in records] == [*payloads, "-"]
    assert [r.formula for r in records] == [True, True, True, True, False]
    for payload in payloads:
        assert escape_csv_cell(payload) == "'" + payload
        assert looks_like_formula(payload)
    assert escape_csv_cell("山田") == "山田"


def test_preamble_lines_and_tsv(tmp_path: Path) -> None:
    text = "操作ログ出力\t2024/04/02\n" + "\t".join(HEADER) + "\n" + "\t".join(ROWS[0]) + "\n"
    path = tmp_path / "export.tsv"
    path.write_text(text, encoding="utf-8")
    records, problems, reader = _records(path, skip_lines=1)
    assert reader.delimiter == "\t" and reader.header == HEADER
    assert [(p.code, p.severity, p.line) for p in problems] == [("skipped_line", "info", 1)]
    assert records[0].fields == ROWS[0]


def test_line_records_of_a_plain_log(tmp_path: Path) -> None:
    path = tmp_path / "access.log"
    path.write_bytes(b"first line\r\n\r\nthird \xff line\n")
    items = list(line_records(TextLog(path, encoding="utf-8")))
    kinds = [(type(i).__name__, i.line) for i in items]
    assert kinds == [("Record", 1), ("Problem", 3), ("Record", 3)]
    third = items[2]
    assert isinstance(third, Record) and third.replaced and third.offset == 14


def test_ascii_head_then_cp932_rows_is_detected_as_cp932(tmp_path: Path) -> None:
    rows = [["2024/04/01 9:05:03", "user", "PC-1", "print", "a.txt"]] * 4000
    rows += [["2024/04/02 9:05:03", "山田①", "PC-1", "印刷", "設計図㈱.dwg"]] * 10
    path = tmp_path / "export.csv"
    body = "".join(",".join(r) + "\r\n" for r in rows)
    path.write_bytes(b"Date,User,Host,Operation,File\r\n" + body.encode("cp932"))
    assert path.read_bytes()[: 64 * 1024].isascii()  # the head alone cannot tell
    records, problems, reader = _records(path)
    assert reader.encoding == "cp932" and problems == []
    assert records[-1].fields[1] == "山田①"


def test_given_encodings_utf16_sjis_and_unknown(tmp_path: Path) -> None:
    path = tmp_path / "export.csv"
    path.write_bytes(_csv_bytes(ROWS, "utf-16-le", b"\xff\xfe"))
    records, problems, reader = _records(path, encoding="utf-16")
    assert reader.encoding == "utf-16-le" and problems == [] and len(records) == 3
    path.write_bytes(_csv_bytes([["2024/04/01 9:05:03", "①", "PC", "印刷", "x"]], "cp932"))
    records, problems, reader = _records(path, encoding="shift_jis")
    assert reader.encoding == "cp932" and records[0].fields[1] == "①" and problems == []
    with pytest.raises(UnreadableInput, match="unknown text encoding"):
        TextLog(path, encoding="klingon-8")


_CELL = st.text(alphabet=st.sampled_from(list('ab,"\n\r 山田①=-+@\t')), max_size=12)


@settings(max_examples=150, deadline=None)
@given(st.lists(st.lists(_CELL, min_size=3, max_size=3), min_size=1, max_size=20))
def test_round_trip_of_anything_csv_writer_writes(rows: list[list[str]]) -> None:
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator="\r\n").writerows([["x", "y", "z"], *rows])
    data = buffer.getvalue().encode("utf-8")
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "export.csv"
        path.write_bytes(data)
        records, problems, _ = _records(path, encoding="utf-8")
    assert problems == [r for r in problems if r.code == "repeated_header"]
    expected = [r for r in rows if r != ["x", "y", "z"]]
    assert [r.fields for r in records] == expected
    for record in records:
        assert data[record.offset : record.offset + record.length] == record.raw


@settings(max_examples=150, deadline=None)
@given(st.binary(max_size=400).map(lambda b: b"a,b,c\n" + b.replace(b"\x00", b'"')))
def test_every_byte_of_hostile_input_is_accounted_for(data: bytes) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "export.csv"
        path.write_bytes(data)
        items = list(DelimitedReader(path, encoding="utf-8", max_line=64).records())
    covered = bytearray(len(data))
    covered[:6] = b"\x01" * 6  # the header line
    for item in items:
        if isinstance(item, Problem) and item.code == "undecodable_bytes":
            continue  # points inside a record that is also yielded
        for i in range(item.offset, item.offset + item.length):
            assert not covered[i], "two results claim the same byte"
            covered[i] = 1
    # What no record or problem claims is line terminators and blank lines only.
    assert all(data[i] in b"\r\n" for i, c in enumerate(covered) if not c)

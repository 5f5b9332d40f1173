"""Size columns: digits int() refuses are kept as text, never a crash of the whole ingest."""

from __future__ import annotations

from pathlib import Path

from evidencekit.model import Event
from evidencekit.parsers.base import ParseContext
from evidencekit.parsers.mapped_csv import MappedCsv
from evidencekit.parsers.tabular import to_size

PROFILE = Path(__file__).resolve().parents[2] / "examples" / "profiles" / "operation_log.toml"


def test_sizes_in_every_digit_script_int_accepts() -> None:
    assert to_size("1048576") == 1048576
    assert to_size("１２３") == 123  # full-width digits, as Japanese exports write them
    assert to_size("1,024 バイト") == 1024
    assert to_size("²") is None and to_size("12²") is None and to_size("⑤") is None


def test_superscript_size_is_kept_as_text_and_the_rest_is_read(tmp_path: Path) -> None:
    path = tmp_path / "oplog.csv"
    rows = ["日時,ユーザー名,PC名,操作,ファイル名,送信先,ドライブ種別,サイズ"]
    rows += [
        f"2024/04/01 9:05:0{i},山田,PC-001,印刷,a.txt,,,{size}"
        for i, size in enumerate(["12²", "１２３", "²"])
    ]
    path.write_bytes(("\r\n".join(rows) + "\r\n").encode("utf-8"))
    ctx = ParseContext(
        "0123456789abcdef", path, "mapped_csv", "1", options={"mapping": str(PROFILE)}
    )
    events = [Event.model_validate(i) for i in MappedCsv().parse(ctx) if isinstance(i, dict)]
    assert len(events) == 3 and ctx.records_read == 3
    assert events[0].object is not None and events[0].object.size is None
    assert events[0].attributes["object.size"] == "12²"
    assert events[1].object is not None and events[1].object.size == 123
    assert events[2].attributes["object.size"] == "²"

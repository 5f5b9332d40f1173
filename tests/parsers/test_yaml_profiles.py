"""YAML mapping profiles: the same schema as TOML, read with safe_load only, same events."""

from __future__ import annotations

import csv
import io
from dataclasses import asdict
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from cli.main import cli
from evidencekit.case.workspace import Case
from evidencekit.model import Event, ParseIssue
from evidencekit.parsers.base import ParseContext
from evidencekit.parsers.mapped_csv import MappedCsv
from evidencekit.parsers.profile import MAX_PROFILE_BYTES, ProfileError, load_profile

EXAMPLES = Path(__file__).resolve().parents[2] / "examples" / "profiles"
HEADER = ["日時", "ユーザー名", "PC名", "操作", "ファイル名", "送信先", "ドライブ種別", "サイズ"]
ROWS = [
    [
        "2024/04/01 9:05:03",
        "山田太郎",
        "PC-001",
        "ファイルコピー",
        r"C:\設計\図面Ａ.dwg",
        r"E:\図面Ａ.dwg",
        "リムーバブル",
        "1048576",
    ],
    ["2024年4月1日 9時7分0秒", "佐藤", "PC-002", "印刷", r"C:\共有\見積,v2.xlsx", "", "", ""],
    ["令和6年4月2日", "鈴木", "PC-003", "未知の操作", "=HYPERLINK(1)", "", "固定", "12 345"],
    ["2024/13/40 25:00:00", "高橋", "PC-004", "ログオン", "", "", "", ""],
    ["2024/04/03 10:00:00", "渡辺", "PC-005", "ファイル削除"],  # too few columns
]


def _export(tmp_path: Path) -> Path:
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator="\r\n").writerows([HEADER, *ROWS])
    path = tmp_path / "evidence" / "oplog.csv"
    path.parent.mkdir()
    path.write_bytes(buffer.getvalue().encode("cp932"))
    return path


def _parsed(path: Path, profile: Path) -> list[Any]:
    options = {"mapping": str(profile)}
    ctx = ParseContext("0123456789abcdef", path, "mapped_csv", "1", options=options)
    return [i.model_dump() if isinstance(i, ParseIssue) else i for i in MappedCsv().parse(ctx)]


def test_yaml_example_is_the_toml_example() -> None:
    toml, yaml = (asdict(load_profile(EXAMPLES / f"operation_log.{s}")) for s in ("toml", "yaml"))
    assert toml.pop("source").endswith(".toml") and yaml.pop("source").endswith(".yaml")
    assert toml == yaml


def test_yaml_and_toml_profiles_give_identical_events_and_issues(tmp_path: Path) -> None:
    path = _export(tmp_path)
    from_toml = _parsed(path, EXAMPLES / "operation_log.toml")
    from_yaml = _parsed(path, EXAMPLES / "operation_log.yaml")
    assert from_yaml == from_toml
    events = [Event.model_validate(i) for i in from_yaml if "kind" in i]
    issues = [i for i in from_yaml if "code" in i]
    assert len(events) == 4  # the short row is an issue, not an event
    assert {i["code"] for i in issues} >= {"column_count", "csv_formula"}
    assert events[0].action == "copy" and events[0].device and events[0].device.drive_type


def test_ingest_log_with_a_yaml_mapping(tmp_path: Path) -> None:
    path = _export(tmp_path)
    case_dir = tmp_path / "case"
    mapping = EXAMPLES / "operation_log.yaml"
    Case.init(case_dir, case_id="Y-1")
    args = ["ingest", "log", str(path), "--mapping", str(mapping), "--case", str(case_dir)]
    result = CliRunner().invoke(cli, args)
    assert result.exit_code == 0, result.output
    [source] = Case(case_dir).store.sources()
    assert source.records_read == 4 and source.records_failed >= 1
    assert source.parameters["mapping"] == str(mapping)


@pytest.mark.parametrize(
    ("text", "fragment"),
    [
        ("a: &x [1, 2]\nb: [*x, *x]\n", "anchors and aliases"),
        ("name: !!python/object:os.system echo\n", "tag"),
        ("name: !custom x\n", "tag"),
        ("kind: x\nfields:\n  on: 日時\n", "not text"),
        ("- just\n- a list\n", "must be a mapping"),
        ("name: [unclosed\n", "not valid YAML"),
    ],
)
def test_hostile_yaml_profiles_are_refused(tmp_path: Path, text: str, fragment: str) -> None:
    path = tmp_path / "bad.yaml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(ProfileError) as info:
        load_profile(path)
    assert fragment in str(info.value)


def test_oversized_yaml_profile_is_refused_before_parsing(tmp_path: Path) -> None:
    path = tmp_path / "huge.yml"
    path.write_bytes(b"# " + b"x" * MAX_PROFILE_BYTES + b"\n")
    with pytest.raises(ProfileError, match="larger than 1 MiB"):
        load_profile(path)


def test_yaml_profile_problems_are_all_reported_like_toml(tmp_path: Path) -> None:
    path = tmp_path / "bad.yml"
    path.write_text(
        'kind: "bad kind"\ntime:\n  formats: [nonsense]\naction:\n  map: {x: steal}\n'
        "fields:\n  actor.nickname: a\n",
        encoding="utf-8",
    )
    with pytest.raises(ProfileError) as info:
        load_profile(path)
    text = " ".join(info.value.problems)
    for fragment in ("steal", "actor.nickname", "bad kind", "time.column", "nonsense"):
        assert fragment in text

"""``evidencekit ingest log``: auto-detection, --mapping profiles, --tz, errors; and the
real NetworkMiner CSV of the shared corpus read through a mapping profile."""

from __future__ import annotations

import csv
import hashlib
import io
import json
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from cli.main import cli
from evidencekit.case.workspace import Case
from evidencekit.model import Event
from evidencekit.parsers.logdetect import (
    FormatNotRecognised,
    InvalidTimeZone,
    detect_log_format,
    log_time_zone,
)
from evidencekit.parsers.profile import ProfileError, load_profile

CORPUS = Path(__file__).resolve().parents[2] / ".." / "shared" / "corpus"

PROFILE = """
name = "kintai"
kind = "attendance"
encoding = "auto"
delimiter = "auto"
time_zone = "Asia/Tokyo"

[time]
columns = ["日付", "時刻"]
formats = ["ymd", "jp"]

[action]
column = "種別"
map = { "出勤" = "logon", "退勤" = "logoff" }

[fields]
"actor.user" = "社員"
"actor.host" = "端末"

[constants]
"attributes.system" = "kintai-cloud"
"""


def _export(tmp_path: Path, name: str, rows: list[list[str]], encoding: str = "utf-8") -> Path:
    folder = tmp_path / "evidence"
    folder.mkdir(exist_ok=True)
    buffer = io.StringIO()
    csv.writer(buffer, delimiter="\t", lineterminator="\n").writerows(rows)
    path = folder / name
    path.write_bytes(buffer.getvalue().encode(encoding))
    return path


def _run(*args: str) -> Any:
    return CliRunner().invoke(cli, list(args), catch_exceptions=False)


def _case(tmp_path: Path) -> Path:
    case_dir = tmp_path / "case"
    assert _run("case", "init", str(case_dir), "--id", "EK-5B").exit_code == 0
    return case_dir


def _events(case_dir: Path) -> list[dict[str, Any]]:
    return [json.loads(line) for line in Case(case_dir).store.event_lines()]


def test_mapping_profile_tsv_two_time_columns(tmp_path: Path) -> None:
    profile = tmp_path / "kintai.toml"
    profile.write_text(PROFILE, encoding="utf-8")
    rows = [
        ["日付", "時刻", "社員", "端末", "種別", "備考"],
        ["2024/04/06", "22:10", "山田", "PC-1", "出勤", "休日"],
        ["2024/04/07", "1:55", "山田", "PC-1", "退勤", ""],
    ]
    path = _export(tmp_path, "勤怠.tsv", rows, "euc_jp")
    case_dir = _case(tmp_path)
    result = _run(
        "ingest", "log", str(path), "--mapping", str(profile), "--case", str(case_dir), "--json"
    )
    assert result.exit_code == 0, result.output
    source = json.loads(result.output)["source"]
    assert source["format"] == "mapped_csv" and source["time_zone"] == "Asia/Tokyo"
    assert (
        source["parameters"]["mapping_sha256"] == hashlib.sha256(profile.read_bytes()).hexdigest()
    )
    assert (source["records_read"], source["records_failed"]) == (2, 0)
    events = _events(case_dir)
    assert [e["action"] for e in events] == ["logon", "logoff"]
    assert events[0]["time"] == "2024-04-06T13:10:00.000000000Z"
    assert events[0]["time_original"] == "2024/04/06 22:10"
    assert events[0]["attributes"] == {"system": "kintai-cloud", "col_6": "休日"}
    Event.model_validate(events[0])
    issues = list(Case(case_dir).store.issue_dicts())
    assert [(i["code"], i["message"]) for i in issues] == [
        ("columns_renamed", "non-ASCII column names kept as attributes under: col_6=備考")
    ]


def test_auto_detection_says_which_format(tmp_path: Path) -> None:
    rows = [
        ["日時", "ユーザー名", "PC名", "操作", "ファイル名", "送信先", "ドライブ種別", "サイズ"],
        ["2024/04/01 9:05:03", "yamada", "PC-001", "印刷", "a.docx", "", "", ""],
    ]
    path = _export(tmp_path, "oplog.tsv", rows, "cp932")
    case_dir = _case(tmp_path)
    result = CliRunner().invoke(cli, ["ingest", "log", str(path), "--case", str(case_dir)])
    assert result.exit_code == 0, result.output
    assert "format: operation_log" in result.output
    assert "1 events, 1 records read, 0 failed" in result.output


def test_unknown_format_lists_candidates(tmp_path: Path) -> None:
    path = _export(tmp_path, "unknown.csv", [["a", "b"], ["1", "2"]])
    case_dir = _case(tmp_path)
    result = CliRunner().invoke(cli, ["ingest", "log", str(path), "--case", str(case_dir)])
    assert result.exit_code != 0
    assert "not a recognised log format" in str(result.exception or result.output)
    assert "operation_log" in str(result.exception or result.output)
    bad = CliRunner().invoke(
        cli, ["ingest", "log", str(path), "--format", "nope", "--case", str(case_dir)]
    )
    assert bad.exit_code == 2 and "unknown log format" in bad.output


def test_time_column_missing_reads_nothing_and_exits_nonzero(tmp_path: Path) -> None:
    profile = tmp_path / "kintai.toml"
    profile.write_text(PROFILE, encoding="utf-8")
    path = _export(tmp_path, "other.tsv", [["社員", "種別"], ["山田", "出勤"]])
    case_dir = _case(tmp_path)
    result = CliRunner().invoke(
        cli, ["ingest", "log", str(path), "--mapping", str(profile), "--case", str(case_dir)]
    )
    assert result.exit_code == 1
    [issue] = list(Case(case_dir).store.issue_dicts())
    assert issue["code"] == "missing_columns" and issue["severity"] == "error"


def test_profile_errors_are_all_reported(tmp_path: Path) -> None:
    bad = tmp_path / "bad.toml"
    bad.write_text(
        'kind = "bad kind"\n[time]\nformats = ["nonsense"]\n[action]\nmap = { "x" = "steal" }\n'
        '[fields]\n"actor.nickname" = "a"\n',
        encoding="utf-8",
    )
    with pytest.raises(ProfileError) as info:
        load_profile(bad)
    text = " ".join(info.value.problems)
    for fragment in ("steal", "actor.nickname", "bad kind", "time.column", "nonsense"):
        assert fragment in text


def test_shipped_example_profile_is_valid() -> None:
    example = Path(__file__).resolve().parents[2] / "examples" / "profiles" / "operation_log.toml"
    profile = load_profile(example)
    assert profile.detect and profile.action_map["印刷"] == "print"


NETWORKMINER = """
name = "networkminer_fileinfos"
kind = "networkminer.file"
utc = false
time_zone = "UTC"

[time]
column = "Timestamp"
formats = ["iso"]
role = "captured"

[action]
default = "download"

[fields]
"actor.ip" = "DestinationIP"
"object.name" = "Filename"
"object.path" = "Path"
"object.size" = "FileSize"
"object.md5" = "MD5"
"target.url" = "Details"
"attributes.source_ip" = "SourceIP"
"""


@pytest.mark.corpus
def test_networkminer_csv_from_the_corpus(tmp_path: Path) -> None:
    source = CORPUS / "text_logs" / "networkminer.pcap.FileInfos.csv"
    if not source.exists():
        pytest.skip(f"{source} is absent (../shared/corpus is not beside this checkout)")
    facts = json.loads((CORPUS / "FACTS.json").read_text(encoding="utf-8"))
    [entry] = [
        f for f in facts["files"] if f["file"] == "text_logs/networkminer.pcap.FileInfos.csv"
    ]
    profile = tmp_path / "networkminer.toml"
    profile.write_text(NETWORKMINER, encoding="utf-8")
    case_dir = _case(tmp_path)
    result = _run(
        "ingest", "log", str(source), "--mapping", str(profile), "--case", str(case_dir), "--json"
    )
    assert result.exit_code == 0, result.output
    summary = json.loads(result.output)
    assert summary["source"]["sha256"] == entry["facts"]["sha256"]
    assert summary["source"]["records_read"] == entry["facts"]["row_count"]
    events = _events(case_dir)
    expected = entry["facts"]["rows"]
    assert [e["object"]["name"] for e in events] == [r["Filename"] for r in expected]
    assert [e["object"]["md5"] for e in events] == [r["MD5"] for r in expected]
    assert [e["time_original"] for e in events] == [r["Timestamp"] for r in expected]
    # "98 500 B" is NetworkMiner's size text; the digits are the byte count.
    assert [e["object"]["size"] for e in events] == [
        int(r["FileSize"].removesuffix(" B").replace(" ", "")) for r in expected
    ]
    # The +01:00 rows keep their offset; the instant is an hour earlier in UTC.
    assert events[1]["time"] == "2007-12-17T03:32:30.981834000Z"
    assert events[1]["time_offset"] == "+01:00"
    data = source.read_bytes()
    for event in events:
        start, length = int(event["locator"]["offset"]), event["locator"]["length"]
        assert hashlib.sha256(data[start : start + length]).hexdigest() == event["raw_sha256"]


def test_domain_list_and_parser_options(tmp_path: Path) -> None:
    domains = tmp_path / "domains.toml"
    domains.write_text('[categories]\nfile_transfer = ["example.net"]\n', encoding="utf-8")
    lines = [
        {
            "timestamp": "2024-04-01T00:05:03Z",
            "method": "POST",
            "url": "https://up.example.net/",
            "bytes_out": 2048,
        },
        {
            "timestamp": "2024-04-01T00:05:04Z",
            "method": "POST",
            "url": "https://up.example.net/",
            "bytes_out": 8192,
        },
    ]
    folder = tmp_path / "evidence"
    folder.mkdir()
    path = folder / "proxy.jsonl"
    path.write_text("".join(json.dumps(x) + "\n" for x in lines), encoding="utf-8")
    case_dir = _case(tmp_path)
    result = _run(
        "ingest",
        "log",
        str(path),
        "--domains",
        str(domains),
        "-o",
        "upload_min_bytes=4096",
        "--case",
        str(case_dir),
        "--json",
    )
    assert result.exit_code == 0, result.output
    parameters = json.loads(result.output)["source"]["parameters"]
    assert parameters["upload_min_bytes"] == 4096
    assert parameters["domains_sha256"] == hashlib.sha256(domains.read_bytes()).hexdigest()
    events = _events(case_dir)
    assert [e["action"] for e in events] == ["visit", "upload"]
    assert all(e["flags"] == ["domain.file_transfer"] for e in events)
    bad = CliRunner().invoke(
        cli, ["ingest", "log", str(path), "-o", "upload_min_bytes=lots", "--case", str(case_dir)]
    )
    assert bad.exit_code == 2 and "whole number" in bad.output


def test_headerless_export_with_profile_columns(tmp_path: Path) -> None:
    profile = tmp_path / "vpn.toml"
    profile.write_text(
        'name = "vpn"\nkind = "vpn.session"\ncolumns = ["when", "who", "what", "from"]\n'
        'delimiter = ","\n[time]\ncolumn = "when"\nformats = ["jp"]\n'
        '[action]\ncolumn = "what"\nmap = { "接続" = "logon", "切断" = "logoff" }\n'
        '[fields]\n"actor.user" = "who"\n"actor.ip" = "from"\n',
        encoding="utf-8",
    )
    folder = tmp_path / "evidence"
    folder.mkdir()
    path = folder / "vpn.csv"
    path.write_bytes("令和6年4月6日 22時01分,yamada,接続,198.51.100.7\n".encode("euc_jp"))
    case_dir = _case(tmp_path)
    result = _run("ingest", "log", str(path), "--mapping", str(profile), "--case", str(case_dir))
    assert result.exit_code == 0, result.output
    [event] = _events(case_dir)
    assert event["time"] == "2024-04-06T13:01:00.000000000Z" and event["action"] == "logon"
    assert event["actor"] == {"user": "yamada", "ip": "198.51.100.7"}
    assert event["locator"] == {
        "record": "1",
        "line": 1,
        "offset": "0",
        "length": len(path.read_bytes()) - 1,
    }


def test_unknown_tz_is_a_clear_error(tmp_path: Path) -> None:
    path = _export(tmp_path, "oplog.tsv", [["日時", "ユーザー名", "PC名", "操作"]])
    with pytest.raises(InvalidTimeZone, match="Mars/Olympus"):
        log_time_zone("operation_log", "Mars/Olympus", {})
    case_dir = _case(tmp_path)
    result = CliRunner().invoke(
        cli, ["ingest", "log", str(path), "--tz", "Mars/Olympus", "--case", str(case_dir)]
    )
    assert result.exit_code != 0 and isinstance(result.exception, InvalidTimeZone)
    assert Case(case_dir).store.sources() == []  # nothing half-ingested


def test_ambiguous_header_lists_the_candidates(tmp_path: Path) -> None:
    header = ["日時", "ユーザー名", "PC名", "操作", "扉", "区分"]
    path = _export(tmp_path, "mixed.tsv", [header, ["2024/04/01 9:00:00", "a", "b", "c", "d", "e"]])
    with pytest.raises(FormatNotRecognised) as info:
        detect_log_format(path)
    assert info.value.candidates == ["door", "operation_log"]
    assert "door, operation_log" in info.value.diagnostics()

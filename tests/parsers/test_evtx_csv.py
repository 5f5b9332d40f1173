"""Event Viewer CSV exports rendered here from the real corpus logs, and hostile CSV.

The rows are rendered from the bare ``evtx`` package's JSON (not from our reader) in the
Event Viewer layout: Japanese or English headers, local times of the exporting machine,
the message as a quoted multi-line last column.
"""

from __future__ import annotations

import hashlib
import json
from collections import Counter
from datetime import datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import evtx
import pytest
from click.testing import CliRunner

from cli.main import cli
from evidencekit.case.workspace import Case
from evidencekit.errors import ModelError
from evidencekit.model import Event, ParseIssue
from evidencekit.parsers.base import ParseContext, parsers
from evidencekit.parsers.evtx_csv import EvtxCsvParser, parse_local

SID = "0123456789abcdef"
HEAD = {
    "ja": "レベル,日付と時刻,ソース,イベント ID,タスクのカテゴリ",
    "en": "Level,Date and Time,Source,Event ID,Task Category",
}
LEVEL = {
    "ja": {
        0: "情報",
        1: "重大",
        2: "エラー",
        3: "警告",
        4: "情報",
        5: "詳細",
        "ok": "成功の監査",
        "ng": "失敗の監査",
    },
    "en": {
        0: "Information",
        1: "Critical",
        2: "Error",
        3: "Warning",
        4: "Information",
        5: "Verbose",
        "ok": "Audit Success",
        "ng": "Audit Failure",
    },
}
LABEL = {
    "ja": {"AccessMask": "アクセス マスク", "ObjectName": "オブジェクト名"},
    "en": {"AccessMask": "Access Mask"},
}
TITLE = {
    "ja": "オブジェクトへのアクセスが試行されました。",
    "en": "An attempt was made to access an object.",
}


def _flat(event: dict[str, Any]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for part in ("EventData", "UserData"):
        value = event.get(part)
        if isinstance(value, dict):
            for key, item in value.items():
                if isinstance(item, dict):
                    out.update({k: v for k, v in item.items() if k != "#attributes"})
                elif key != "#attributes":
                    out[key] = item
    return out


def _row(event: dict[str, Any], lang: str, zone: str) -> tuple[str, dict[str, Any]]:
    system = event["System"]
    eid = system["EventID"]["#text"] if isinstance(system["EventID"], dict) else system["EventID"]
    keywords = int(system.get("Keywords") or "0x0", 16)
    level = LEVEL[lang][
        "ok" if keywords & (1 << 53) else "ng" if keywords & (1 << 52) else system.get("Level", 4)
    ]
    utc = datetime.fromisoformat(
        system["TimeCreated"]["#attributes"]["SystemTime"].replace("Z", "+00:00")
    )
    local = utc.astimezone(ZoneInfo(zone))
    if lang == "ja":
        when = f"{local:%Y/%m/%d} {local.hour}:{local:%M:%S}"
    else:
        when = f"{local.month}/{local.day}/{local.year} {local:%I:%M:%S %p}".replace(" 0", " ", 1)
    fields = "\n".join(f"\t{LABEL[lang].get(k, k)}:\t{v}" for k, v in _flat(event).items())
    message = f"{TITLE[lang]}\n\n{fields}".replace('"', '""')
    provider = system["Provider"]["#attributes"]["Name"]
    row = f'{level},{when},{provider},{eid},{system.get("Task", 0)},"{message}"'
    return row, {"event_id": int(eid), "utc": utc, "record": system["EventRecordID"]}


def _export(path: Path, lang: str, zone: str = "Asia/Tokyo") -> tuple[str, list[dict[str, Any]]]:
    rows, truth = [HEAD[lang]], []
    for record in evtx.PyEvtxParser(str(path)).records_json():
        row, fact = _row(json.loads(record["data"])["Event"], lang, zone)
        rows.append(row)
        truth.append(fact)
    return "\r\n".join(rows) + "\r\n", truth


def _parse(
    path: Path, **options: Any
) -> tuple[ParseContext, list[dict[str, Any]], list[ParseIssue]]:
    zone = options.pop("tz", None)
    ctx = ParseContext(
        source_id=SID, path=path, parser="evtx_csv", version="1", time_zone=zone, options=options
    )
    items = list(EvtxCsvParser().parse(ctx))
    return (
        ctx,
        [i for i in items if isinstance(i, dict)],
        [i for i in items if isinstance(i, ParseIssue)],
    )


def _write(path: Path, text: str, encoding: str) -> Path:
    if encoding == "utf-16":
        path.write_bytes(b"\xff\xfe" + text.encode("utf-16-le"))
    else:  # an ANSI (CP932) export writes "?" for what CP932 lacks, as Windows does
        path.write_bytes(text.encode(encoding, "replace" if encoding == "cp932" else "strict"))
    return path


def _decoder(encoding: str) -> str:
    return {"utf-16": "utf-16-le", "utf-8-sig": "utf-8"}.get(encoding, encoding)


def test_registered_and_detected(tmp_path: Path) -> None:
    assert parsers.get("evtx_csv") is EvtxCsvParser
    for lang, enc in (("ja", "cp932"), ("ja", "utf-8-sig"), ("en", "utf-16"), ("en", "utf-8")):
        head = _write(tmp_path / "h.csv", HEAD[lang] + "\r\n", enc).read_bytes()
        assert EvtxCsvParser.check(head, tmp_path / "h.csv"), (lang, enc)
    assert not EvtxCsvParser.check(
        "日時,ユーザー名,PC名,操作\r\n".encode("cp932"), tmp_path / "o.csv"
    )
    assert not EvtxCsvParser.check(b"ElfFile\x00", tmp_path / "a.evtx")


@pytest.mark.parametrize(
    ("lang", "encoding"),
    [("ja", "cp932"), ("ja", "utf-8-sig"), ("en", "utf-16"), ("en", "utf-8-sig")],
)
def test_export_of_a_real_log_reads_back(
    corpus: Path, tmp_path: Path, corpus_facts: dict[str, Any], lang: str, encoding: str
) -> None:
    name = "evtx/security_4663_file_read_browser_creds.evtx"
    text, truth = _export(corpus / name, lang)
    path = _write(tmp_path / "export.csv", text, encoding)
    ctx, events, issues = _parse(path)
    assert issues == []
    assert ctx.records_read == len(events) == len(truth) == 5
    blob = path.read_bytes()
    for event, fact in zip(events, truth, strict=True):
        assert event["attributes"]["event_id"] == fact["event_id"]
        assert event["time"] == f"{fact['utc']:%Y-%m-%dT%H:%M:%S}.000000000Z"
        assert (event["time_zone"], event["time_offset"]) == ("Asia/Tokyo", "+09:00")
        offset, length = int(event["locator"]["offset"]), event["locator"]["length"]
        raw = blob[offset : offset + length]
        assert hashlib.sha256(raw).hexdigest() == event["raw_sha256"]
        assert raw.decode(_decoder(encoding)).startswith(LEVEL[lang]["ok"])
        assert Event.model_validate(event).content() == event
    reads = [e for e in events if e["attributes"]["event_id"] == 4663]
    assert [e["action"] for e in reads] == ["read"] * 4
    assert all(e["attributes"]["access_rights"] == ["ReadData/ListDirectory"] for e in reads)
    assert [e["action"] for e in events if e["attributes"]["event_id"] == 1102] == ["log_cleared"]


def test_large_system_export_counts_and_lines(
    corpus: Path, tmp_path: Path, corpus_facts: dict[str, Any]
) -> None:
    name = "evtx/system_usbstor_driverframeworks.evtx"
    (facts,) = [f["facts"] for f in corpus_facts["files"] if f["file"] == name]
    text, _ = _export(corpus / name, "ja")
    path = _write(tmp_path / "system.csv", text, "cp932")
    ctx, events, issues = _parse(path)
    assert issues == [] and ctx.records_failed == 0
    assert Counter(str(e["attributes"]["event_id"]) for e in events) == Counter(
        facts["event_id_counts"]
    )
    times = sorted(e["time"] for e in events)
    assert times[0][:19] == facts["time_created_min"][:19]
    blob = path.read_bytes()
    for event in events[::50]:
        offset = int(event["locator"]["offset"])
        assert event["locator"]["line"] == blob[:offset].count(b"\n") + 1


def test_hostile_rows_are_issues_and_the_rest_is_read(tmp_path: Path) -> None:
    good = (
        '情報,2024/04/01 9:05:03,Microsoft-Windows-Security-Auditing,4624,Logon,"ログオン\n\t成功"'
    )
    rows = [
        HEAD["ja"],
        good,
        "情報,2024/04/01 9:05:04,壊れた行",
        '情報,2024/04/01 9:05:05,Microsoft-Windows-Security-Auditing,46X4,Logon,"x"',
        '情報,2024/13/45 99:00:00,Microsoft-Windows-Security-Auditing,4634,Logoff,"時刻が不正"',
        '情報,2024/04/01 9:05:06,Service Control Manager,7045,なし,"=HYPERLINK(""http://x"",""c"")"',
        good.replace("4624", "4647"),
        '情報,2024/04/01 9:05:07,EventLog,6005,なし,"閉じない引用符',
    ]
    blob = "\r\n".join(rows).encode("cp932") + b"\r\n"
    blob = blob.replace("成功".encode("cp932"), b"\x82\xff", 1)  # one undecodable CP932 pair
    path = tmp_path / "hostile.csv"
    path.write_bytes(blob)
    ctx, events, issues = _parse(path)
    codes = [(i.code, i.locator.line) for i in issues]
    assert codes == [
        ("undecodable_bytes", 2),
        ("wrong_column_count", 4),
        ("bad_event_id", 5),
        ("time_impossible", 6),  # as the CSV profile readers code an impossible date
        ("unterminated_quote", 10),
    ]
    assert [e["attributes"]["event_id"] for e in events] == [4624, 4634, 7045, 4647]
    assert "text_replaced" in events[0]["flags"]
    assert events[1]["flags"] == ["time_unparseable"] and "time" not in events[1]
    assert events[1]["time_original"] == "2024/13/45 99:00:00"
    assert events[2]["attributes"]["message"] == '=HYPERLINK("http://x","c")'
    assert events[3]["locator"]["line"] == 8  # the first record's message spans two lines
    assert ctx.records_read == 4 and ctx.records_failed == 3


def test_unterminated_quote_in_the_middle_loses_one_line_only(tmp_path: Path) -> None:
    row = '情報,2024/04/01 9:05:0{},EventLog,6005,なし,"開始"'
    rows = [
        HEAD["ja"],
        row.format(1),
        row.format(2).replace('"開始"', '"開始'),
        row.format(3),
        row.format(4),
    ]
    path = _write(tmp_path / "mid.csv", "\r\n".join(rows) + "\r\n", "utf-8-sig")
    _, events, issues = _parse(path)
    assert [(i.code, i.locator.line) for i in issues] == [("unterminated_quote", 3)]
    assert [e["time_original"][-1] for e in events] == ["1", "3", "4"]


@pytest.mark.parametrize("encoding", ["utf-8", "utf-16"])
def test_ten_megabyte_single_line_is_an_issue_and_the_rest_is_read(
    tmp_path: Path, encoding: str
) -> None:
    big = "あ" * ((10 << 20) // 3)  # 10 MiB of UTF-8 on one line
    row = '情報,2024/04/01 9:05:0{},EventLog,6005,なし,"{}"\r\n'
    text = HEAD["ja"] + "\r\n" + row.format(3, big) + row.format(4, "次の行")
    path = _write(tmp_path / "big.csv", text, encoding)
    ctx, events, issues = _parse(path)
    (issue,) = issues
    assert (issue.code, issue.severity, issue.locator.line) == ("line_too_long", "error", 2)
    blob = path.read_bytes()
    start = int(issue.locator.offset)
    line = blob[start : start + issue.locator.length]  # type: ignore[operator]
    assert line.decode(encoding.replace("utf-16", "utf-16-le")).endswith('"\r\n')
    assert hashlib.sha256(line).hexdigest() == issue.raw_sha256
    assert [e["attributes"]["message"] for e in events] == ["次の行"]
    assert (ctx.records_read, ctx.records_failed) == (1, 1)


def test_dst_ambiguous_and_impossible_local_times(tmp_path: Path) -> None:
    row = 'Information,{},EventLog,6005,None,"started"'
    rows = [
        HEAD["en"],
        row.format("11/3/2019 1:30:00 AM"),
        row.format("3/10/2019 2:30:00 AM"),
        row.format("7/1/2019 1:30:00 PM"),
    ]
    path = _write(tmp_path / "ny.csv", "\r\n".join(rows) + "\r\n", "utf-8")
    _, events, issues = _parse(path, tz="America/New_York")
    assert [i.code for i in issues] == ["time_ambiguous", "time_impossible"]
    assert "ambiguous" in issues[0].message and "impossible" in issues[1].message
    assert len(events) == 3
    assert (
        events[2]["time"] == "2019-07-01T17:30:00.000000000Z"
        and events[2]["time_offset"] == "-04:00"
    )


def test_time_text_forms() -> None:
    assert parse_local("2024/04/01 9:05:03") == datetime(2024, 4, 1, 9, 5, 3)
    assert parse_local("2024/04/01 午後 9:05:03") == datetime(2024, 4, 1, 21, 5, 3)
    assert parse_local("4/1/2024 12:05:03 AM") == datetime(2024, 4, 1, 0, 5, 3)
    assert parse_local("1/4/2024 21:05:03", "dmy") == datetime(2024, 4, 1, 21, 5, 3)


def test_ingest_log_auto_detects_each_windows_export(corpus: Path, tmp_path: Path) -> None:
    """``evidencekit ingest log --format auto`` picks the right reader and records the zone."""
    name = "evtx/eventlog_104_1102_log_cleared.evtx"
    evidence = tmp_path / "evidence"
    evidence.mkdir()
    text, _ = _export(corpus / name, "ja")
    records = [
        r["data"].split("?>", 1)[-1] for r in evtx.PyEvtxParser(str(corpus / name)).records()
    ]
    inputs = {
        "evtx": corpus / name,
        "evtx_xml": _write(
            evidence / "export.xml", "<Events>" + "".join(records) + "</Events>", "utf-8"
        ),
        "evtx_csv": _write(evidence / "export.csv", text, "cp932"),
    }
    runner = CliRunner()
    case_dir = tmp_path / "case"
    assert runner.invoke(cli, ["case", "init", str(case_dir), "--id", "EK-5A"]).exit_code == 0
    for fmt, path in inputs.items():
        result = runner.invoke(cli, ["ingest", "log", str(path), "--case", str(case_dir), "--json"])
        assert result.exit_code == 0, result.output
        source = json.loads(result.output)["source"]
        assert source["format"] == fmt
        assert source["records_read"] == 91 and source["records_failed"] == 0
        assert source["time_zone"] == ("Asia/Tokyo" if fmt == "evtx_csv" else "UTC")
    actions = Counter(json.loads(line)["action"] for line in Case(case_dir).store.event_lines())
    assert actions == {"log_cleared": 91 * 3}


MSG_4663_EN = """An attempt was made to access an object.

Subject:
\tSecurity ID:\t\tS-1-5-21-1-2-3-1104
\tAccount Name:\t\tyamada
\tAccount Domain:\t\tCORP
\tLogon ID:\t\t0x3E7A1

Object:
\tObject Server:\t\tSecurity
\tObject Type:\t\tFile
\tObject Name:\t\tD:\\設計\\図面A.dwg
\tHandle ID:\t\t0x1a4
\tResource Attributes:\t

Process Information:
\tProcess ID:\t\t0x1f0
\tProcess Name:\t\tC:\\Windows\\explorer.exe

Access Request Information:
\tAccesses:\t\tDELETE
\t\t\t\t
\tAccess Mask:\t\t0x10000"""

MSG_4663_JA = """オブジェクトへのアクセスが試行されました。

サブジェクト:
\tセキュリティ ID:\t\tS-1-5-21-1-2-3-1104
\tアカウント名:\t\tyamada
\tアカウント ドメイン:\t\tCORP
\tログオン ID:\t\t0x3E7A1

オブジェクト:
\tオブジェクト サーバー:\tSecurity
\tオブジェクトの種類:\tFile
\tオブジェクト名:\tD:\\設計\\図面A.dwg
\tハンドル ID:\t0x1a4

プロセス情報:
\tプロセス ID:\t0x1f0
\tプロセス名:\tC:\\Windows\\explorer.exe

アクセス要求情報:
\tアクセス:\tReadData (または ListDirectory)
\t\t\t\t
\tアクセス マスク:\t0x1"""

MSG_4624_EN = """An account was successfully logged on.

Subject:
\tSecurity ID:\t\tS-1-5-18
\tAccount Name:\t\tPC01$
\tAccount Domain:\t\tCORP

Logon Information:
\tLogon Type:\t\t10

New Logon:
\tSecurity ID:\t\tS-1-5-21-1-2-3-1104
\tAccount Name:\t\tyamada
\tAccount Domain:\t\tCORP

Network Information:
\tWorkstation Name:\tPC01
\tSource Network Address:\t10.0.0.9
\tSource Port:\t\t50112"""


def test_fields_are_read_from_rendered_messages(tmp_path: Path) -> None:
    def row(level: str, when: str, eid: int, message: str) -> str:
        return f'{level},{when},Microsoft-Windows-Security-Auditing,{eid},x,"{message}"'

    rows = [
        HEAD["en"],
        row("Audit Success", "4/1/2024 9:05:03 AM", 4663, MSG_4663_EN),
        row("Audit Success", "4/1/2024 9:05:04 AM", 4624, MSG_4624_EN),
        row("Audit Failure", "4/1/2024 9:05:05 AM", 4663, MSG_4663_EN),
    ]
    ja = [
        HEAD["ja"],
        f'成功の監査,2024/04/01 9:05:03,Microsoft-Windows-Security-Auditing,4663,x,"{MSG_4663_JA}"',
    ]
    en_events = _parse(_write(tmp_path / "en.csv", "\r\n".join(rows) + "\r\n", "utf-8"))[1]
    (ja_event,) = _parse(_write(tmp_path / "ja.csv", "\r\n".join(ja) + "\r\n", "cp932"))[1]
    deleted, logon, denied = en_events
    assert deleted["action"] == "delete" and denied["action"] == "access_denied"
    assert deleted["object"] == {"kind": "file", "path": "D:\\設計\\図面A.dwg"}
    assert deleted["actor"] == {
        "user": "yamada",
        "domain": "CORP",
        "sid": "S-1-5-21-1-2-3-1104",
        "process": "C:\\Windows\\explorer.exe",
    }
    assert "fields_from_message" in deleted["flags"]
    assert logon["action"] == "logon" and logon["actor"]["user"] == "yamada"
    assert logon["attributes"]["logon_type"] == 10 and logon["actor"]["ip"] == "10.0.0.9"
    assert ja_event["action"] == "read"
    assert ja_event["object"] == deleted["object"] and ja_event["actor"] == deleted["actor"]


@pytest.mark.parametrize(
    ("given", "stored"),
    [("utf-16", "utf-16"), ("shift_jis", "cp932"), ("utf-8", "utf-8-sig"), ("UTF8", "utf-8")],
)
def test_encoding_option(tmp_path: Path, given: str, stored: str) -> None:
    text = HEAD["ja"] + '\r\n情報,2024/04/01 9:05:03,EventLog,6005,なし,"開始"\r\n'
    path = _write(tmp_path / "e.csv", text, stored)
    _, events, issues = _parse(path, encoding=given)
    assert issues == [] and len(events) == 1
    assert events[0]["attributes"]["message"] == "開始"
    assert events[0]["locator"]["offset"] == str(
        len(_write(tmp_path / "h.csv", HEAD["ja"] + "\r\n", stored).read_bytes())
    )


def test_unknown_encoding_is_an_error_of_the_call(tmp_path: Path) -> None:
    path = _write(tmp_path / "e.csv", HEAD["en"] + "\r\n", "utf-8")
    with pytest.raises(ModelError, match="encoding"):
        _parse(path, encoding="no-such-codec")


def test_rows_carry_record_numbers_and_stray_quotes_are_said(tmp_path: Path) -> None:
    rows = [
        HEAD["en"],
        'Information,4/1/2024 9:05:03 AM,EventLog,6005,None,"started"',
        'Information,4/1/2024 9:05:04 AM,EventLog,6006,None,"quoted" word',
        'Information,4/1/2024 9:05:05 AM,EventLog,6005,None,"again"',
    ]
    path = _write(tmp_path / "q.csv", "\r\n".join(rows) + "\r\n", "utf-8")
    _, events, issues = _parse(path)
    assert [e["locator"]["record"] for e in events] == ["1", "2", "3"]
    (stray,) = issues
    assert (stray.code, stray.severity) == ("irregular_quoting", "warning")
    assert stray.locator.record == "2"
    assert events[1]["attributes"]["event_id"] == 6006  # read, not lost


def test_rows_under_an_unknown_header_say_why_they_are_not_read(tmp_path: Path) -> None:
    rows = ["Niveau,Date et heure,Source,ID,Catégorie", "Information,x,y,1,z", "a,b,c,2,d"]
    path = _write(tmp_path / "fr.csv", "\r\n".join(rows) + "\r\n", "utf-8")
    ctx, events, issues = _parse(path)
    assert events == []
    assert [i.code for i in issues] == ["unknown_header", *["not_read_unknown_header"] * 2]
    assert "header is not an Event Viewer CSV header" in issues[1].message
    assert ctx.records_failed == 3

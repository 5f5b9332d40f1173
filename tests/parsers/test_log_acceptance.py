"""Acceptance regressions for the log-export readers (issue 5): each case here failed once.

Inputs are generated at test time; every stored event is checked against its raw bytes.
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
from pathlib import Path
from typing import Any

import orjson
import pytest
from click.testing import CliRunner

from cli.main import cli
from evidencekit.analysis.config import AnalysisError
from evidencekit.analysis.identities import load_identities
from evidencekit.case.ingest import IngestSummary, ingest_file
from evidencekit.case.workspace import Case
from evidencekit.model import Event
from evidencekit.parsers.logdetect import detect_log_format, log_time_zone


def _csv(header: list[str], rows: list[list[str]], bom: bool = True) -> bytes:
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator="\r\n").writerows([header, *rows])
    return (b"\xef\xbb\xbf" if bom else b"") + buffer.getvalue().encode("utf-8")


def _ingest(
    tmp_path: Path, name: str, data: bytes, parser: str, **options: Any
) -> tuple[list[dict[str, Any]], list[dict[str, Any]], IngestSummary]:
    evidence = tmp_path / "evidence"
    evidence.mkdir(exist_ok=True)
    path = evidence / name
    path.write_bytes(data)
    case = Case.init(tmp_path / f"case-{name}", case_id="T-ACC5")
    summary = ingest_file(
        case, path, parser, time_zone=log_time_zone(parser, None, options), options=options
    )
    events = [orjson.loads(line) for line in case.store.event_lines()]
    for event in events:
        Event.model_validate(event)
        loc = event["locator"]
        raw = data[int(loc["offset"]) : int(loc["offset"]) + loc["length"]]
        assert hashlib.sha256(raw).hexdigest() == event["raw_sha256"]
    return events, list(case.store.issue_dicts()), summary


def _audit(operation: str, **extra: Any) -> str:
    record = {"CreationTime": "2024-04-01T00:05:03", "Operation": operation, **extra}
    return json.dumps({"UserId": "taro@example.co.jp", **record}, ensure_ascii=False)


def test_m365_mail_items_accessed_with_folder_items_not_a_list(tmp_path: Path) -> None:
    # A MailItemsAccessed record whose FolderItems is null (or a number) stopped the whole
    # ingest with a TypeError: nothing of the file was stored.
    header = ["RecordId", "CreationDate", "RecordType", "Operation", "UserId", "AuditData"]
    folders: list[Any] = [
        [{"Path": "\\Inbox", "FolderItems": None}],
        [{"FolderItems": 5}, {"FolderItems": [{"Id": "1"}, {"Id": "2"}]}, "x"],
    ]
    rows = [
        [
            f"r{n}",
            "2024-04-01T00:05:03.0000000Z",
            "ExchangeItemAggregated",
            "MailItemsAccessed",
            "taro@example.co.jp",
            _audit("MailItemsAccessed", Folders=f),
        ]
        for n, f in enumerate(folders)
    ]
    events, issues, summary = _ingest(tmp_path, "ual.csv", _csv(header, rows), "m365_ual")
    assert (summary.source.records_read, summary.source.records_failed) == (2, 0)
    assert [e["attributes"]["m365.items_accessed"] for e in events] == [0, 2]
    assert [e["action"] for e in events] == ["read", "read"]
    assert issues == []


BLUECOAT = (
    "#Software: SGOS 6.7.5.1\r\n#Version: 1.0\r\n#Date: 2024-04-01 00:00:00\r\n"
    "#Fields: date time c-ip cs-username sc-status cs-method rs(Content-Type) cs-uri-scheme "
    "cs-host cs-uri-port cs-uri-path cs-uri-query cs(User-Agent) sc-bytes cs-bytes\r\n"
    "2024-04-01 00:05:03 10.0.0.5 yamada 200 POST application/json https upload.box.com 443 "
    '/api/2.0/files/content - "Mozilla/5.0 (Windows NT 10.0; Win64; x64)" 512 10485760\r\n'
    "2024-04-01 00:06:03 10.0.0.5 yamada 200 GET text/html http www.example.jp 80 /a.html "
    'q=1 "say ""hi"" " 900 300\r\n'
)


def test_w3c_quoted_values_and_blue_coat_uri_fields(tmp_path: Path) -> None:
    # Blue Coat quotes string values holding spaces; split on white space, every such line
    # was lost as a column_count error (here: a 10 MB upload to a cloud-storage domain).
    # Its URL fields are cs-uri-scheme / cs-uri-path, which gave URLs without their path.
    events, issues, summary = _ingest(tmp_path, "bc.log", BLUECOAT.encode(), "proxy_w3c")
    assert (summary.source.records_read, summary.source.records_failed, issues) == (2, 0, [])
    upload, visit = events
    assert upload["action"] == "upload" and upload["object"]["size"] == 10485760
    assert upload["object"]["url"] == "https://upload.box.com/api/2.0/files/content"
    assert upload["attributes"]["user_agent"] == "Mozilla/5.0 (Windows NT 10.0; Win64; x64)"
    assert upload["flags"] == ["domain.cloud_storage"]
    assert visit["object"]["url"] == "http://www.example.jp/a.html?q=1"
    assert visit["attributes"]["user_agent"] == 'say "hi" '


IDS = (
    "person,display_name,accounts,sids,emails,hosts,devices,service_account,role,department\r\n"
    "P001,山田 太郎,CORP\\yamada,S-1-5-21-1-2-3-1001,taro@example.co.jp,PC-001,,,設計,開発部\r\n"
)


@pytest.mark.parametrize(
    ("codec", "bom"), [("cp932", b""), ("euc_jp", b""), ("utf-16-le", b"\xff\xfe"), ("utf-8", b"")]
)
def test_identity_map_in_japanese_encodings(tmp_path: Path, codec: str, bom: bytes) -> None:
    # A CP932 identity map (Excel's CSV on Japanese Windows) stopped analyze with a raw
    # UnicodeDecodeError: the map was read as UTF-8 only.
    path = tmp_path / "ids.csv"
    path.write_bytes(bom + IDS.encode(codec))
    ids = load_identities(path)
    assert ids.people["P001"].display_name == "山田 太郎"
    assert ids.people["P001"].department == "開発部"
    assert ids.resolve({"user": "yamada", "domain": "CORP"}) == "P001"
    assert ids.source is not None
    assert ids.source.sha256 == hashlib.sha256(path.read_bytes()).hexdigest()


def test_identity_map_errors_are_typed(tmp_path: Path) -> None:
    bad_toml = tmp_path / "ids.toml"
    bad_toml.write_text('person = "P001"\n', encoding="utf-8")
    with pytest.raises(AnalysisError, match=r"\[\[person\]\] tables"):
        load_identities(bad_toml)
    broken = tmp_path / "ids.csv"
    broken.write_bytes(IDS.encode("utf-8")[:60] + b"\xff\xfe\xfd" + IDS.encode("utf-8")[60:])
    broken.write_bytes(b"\xef\xbb\xbf" + broken.read_bytes())
    with pytest.raises(AnalysisError, match=r"not readable as utf-8 \(byte 63\)"):
        load_identities(broken)


def test_google_drive_dates_with_short_gmt_offsets(tmp_path: Path) -> None:
    # The Admin console writes whole-hour offsets as "GMT+9"; %z takes only "+09:00" /
    # "+0900", so every such row lost its time (time_unparseable).
    header = ["Date", "Event", "Actor", "Item ID", "Title", "Item type", "Owner", "Visibility"]
    dates = [
        "Apr 1, 2024, 9:08:03 AM GMT+9",
        "Apr 1, 2024, 10:08:03 AM GMT+10",
        "Mar 31, 2024, 6:38:03 PM GMT-5:30",
        "Apr 1, 2024, 9:08:03 AM GMT+09:00",
        "Apr 1, 2024, 9:08:03 AM GMT+123",  # not an offset: stays an issue
    ]
    rows = [[d, "download", "h@example.co.jp", "1", "a", "PDF", "o", "private"] for d in dates]
    events, issues, _ = _ingest(tmp_path, "drive.csv", _csv(header, rows), "gws_drive")
    assert [e.get("time") for e in events] == [*(["2024-04-01T00:08:03.000000000Z"] * 4), None]
    assert [e.get("time_offset") for e in events] == ["+09:00", "+10:00", "-05:30", "+09:00", None]
    assert [e["time_original"] for e in events] == dates
    located = [(i["code"], i["locator"]["line"]) for i in issues]
    assert [x for x in located if x[0] != "missing_columns"] == [("time_unparseable", 6)]


OPLOG = "日時,ユーザー名,PC名,操作,ファイル名,送信先,ドライブ種別,サイズ\r\n"


def _oplog_row(minute: int, path: str = "f") -> str:
    return f"2024/04/01 9:{minute:02d}:00,u{minute},PC-1,印刷,{path}{minute},,,\r\n"


def _located_bytes_match(data: bytes, item: dict[str, Any]) -> bool:
    loc = item["locator"]
    raw = data[int(loc["offset"]) : int(loc["offset"]) + loc["length"]]
    return hashlib.sha256(raw).hexdigest() == item["raw_sha256"]


def test_quote_left_open_does_not_cost_a_later_multi_line_record(tmp_path: Path) -> None:
    # After a record with a quote never closed, the lines read again were read as a run of
    # their own: the quoted field of a later record that spans two lines was cut at the end
    # of that run (unterminated_quote + column_count) and the record was lost.
    text = (
        OPLOG
        + _oplog_row(1)
        + '2024/04/01 9:02:00,u2,PC-1,印刷,"never closed,,,\r\n'
        + _oplog_row(3)
        + '2024/04/01 9:04:00,u4,PC-1,印刷,"二行の\r\nファイル名",,,\r\n'
        + _oplog_row(5)
    )
    for codec in ("cp932", "utf-8"):
        data = text.encode(codec)
        events, issues, summary = _ingest(tmp_path, f"op-{codec}.csv", data, "operation_log")
        assert [e["actor"]["user"] for e in events] == ["u1", "u3", "u4", "u5"]
        assert events[2]["object"]["path"] == "二行の\r\nファイル名"
        assert events[2]["locator"]["line"] == 5
        assert [(i["code"], i["locator"]["line"]) for i in issues] == [("malformed_quoting", 3)]
        assert (summary.source.records_read, summary.source.records_failed) == (4, 1)


def test_undecodable_bytes_issue_hash_is_of_its_located_bytes(tmp_path: Path) -> None:
    # The issue points at the first bad byte (offset, length to the record end) but its
    # raw_sha256 was the whole record's: the located bytes did not give the hash.
    bad = (
        "2024/04/01 9:02:00,u".encode("cp932")
        + b"\x81\x7f"
        + ",PC-1,印刷,f2,,,\r\n".encode("cp932")
    )
    data = (OPLOG + _oplog_row(1)).encode("cp932") + bad + _oplog_row(3).encode("cp932")
    events, issues, _ = _ingest(tmp_path, "op.csv", data, "operation_log")
    [issue] = issues
    assert issue["code"] == "undecodable_bytes"
    start = len((OPLOG + _oplog_row(1)).encode("cp932"))
    assert int(issue["locator"]["offset"]) == start + len("2024/04/01 9:02:00,u")
    assert _located_bytes_match(data, issue)
    assert events[1]["flags"] == ["decode_replaced"] and _located_bytes_match(data, events[1])


def test_epoch_milliseconds_are_read(tmp_path: Path) -> None:
    # epoch_ms took at most 12 digits, so no millisecond time after 2001-09-09 (13 digits)
    # was readable, through a profile or in a JSON-lines proxy log.
    profile = tmp_path / "ms.toml"
    profile.write_text(
        'name = "ms"\nkind = "x.ms"\nutc = true\n[time]\ncolumn = "t"\nformats = ["epoch_ms"]\n'
        '[fields]\n"actor.user" = "u"\n',
        encoding="utf-8",
    )
    data = b"t,u\n1711929903120,a\n1711929903120.5,b\n253402300800000,c\n"
    events, issues, _ = _ingest(tmp_path, "ms.csv", data, "mapped_csv", mapping=str(profile))
    assert [e.get("time") for e in events] == [
        "2024-04-01T00:05:03.120000000Z",
        "2024-04-01T00:05:03.120500000Z",
        None,  # after 9999: an issue, not a guess
    ]
    assert [(i["code"], i["locator"]["line"]) for i in issues] == [("time_impossible", 4)]
    lines = [
        {"ts": 1711929903120, "method": "GET", "url": "https://a.example/"},
        {"ts": 1711929903, "method": "GET", "url": "https://a.example/"},
    ]
    data = "".join(json.dumps(x) + "\n" for x in lines).encode()
    events, issues, _ = _ingest(tmp_path, "p.jsonl", data, "proxy_jsonl")
    assert [e["time"] for e in events] == [
        "2024-04-01T00:05:03.120000000Z",
        "2024-04-01T00:05:03.000000000Z",
    ]
    assert issues == []


DOOR = "日時,社員番号,氏名,カード番号,扉,エリア,区分,結果\r\n"
DOOR_ROW = "2024/04/01 8:55:10,E001,山田,C-1,正面玄関,1F,入室,OK\r\n"


def test_records_not_read_for_want_of_a_time_column_are_counted(tmp_path: Path) -> None:
    # The header lacked the time column: reading stopped after one issue, which counted one
    # failed record whatever the file held (3 here), and a header-only file gave nothing.
    header = DOOR.replace("日時", "日付時刻")
    data = (header + DOOR_ROW * 3 + "short,row\r\n").encode("cp932")
    events, issues, summary = _ingest(tmp_path, "door.csv", data, "door")
    assert events == []
    assert (summary.source.records_read, summary.source.records_failed) == (0, 4)
    codes = [(i["code"], i["locator"]["line"]) for i in issues]
    assert codes == [("column_count", 5), ("missing_columns", 1), ("columns_renamed", 1)]
    assert "3 record(s) not read" in issues[1]["message"]
    _, issues, summary = _ingest(tmp_path, "door-h.csv", header.encode("cp932"), "door")
    assert (summary.source.records_read, summary.source.records_failed) == (0, 0)
    assert [i["code"] for i in issues] == ["missing_columns", "columns_renamed"]


def test_a_file_without_records_says_so(tmp_path: Path) -> None:
    # "see the parse issues in the case" was printed when there were none.
    evidence = tmp_path / "evidence"
    evidence.mkdir()
    (evidence / "header-only.csv").write_bytes(DOOR.encode("cp932"))
    case = tmp_path / "case-cli"
    Case.init(case, case_id="T-ACC5")
    args = ["ingest", "log", str(evidence / "header-only.csv"), "--format", "door"]
    result = CliRunner().invoke(cli, [*args, "--case", str(case)])
    assert result.exit_code == 1
    assert "header-only.csv; it holds no records" in result.output


def test_m365_creation_date_that_disagrees_with_auditdata_is_not_trusted(tmp_path: Path) -> None:
    # Search-UnifiedAuditLog | Export-Csv writes CreationDate in the session's culture (here
    # a JST session: 9:05 local); AuditData's CreationTime is UTC by definition. The event
    # took the column and was 9 hours off, with nothing said.
    header = ["CreationDate", "UserIds", "Operations", "AuditData"]
    rows = [
        ["2024/04/01 9:05:03", "taro@example.co.jp", "FileDownloaded"],
        ["2024/04/01 0:06:03", "taro@example.co.jp", "FileDownloaded"],
    ]
    times = ["2024-04-01T00:05:03", "2024-04-01T00:06:03"]
    data = _csv(
        header,
        [[*r, _audit("FileDownloaded", CreationTime=t)] for r, t in zip(rows, times, strict=True)],
    )
    events, issues, _ = _ingest(tmp_path, "ual.csv", data, "m365_ual")
    assert [e["time"] for e in events] == [
        "2024-04-01T00:05:03.000000000Z",
        "2024-04-01T00:06:03.000000000Z",
    ]
    assert events[0]["time_original"] == "2024-04-01T00:05:03"
    assert events[0]["attributes"]["m365.CreationDate"] == "2024/04/01 9:05:03"
    assert events[1]["time_original"] == "2024/04/01 0:06:03"  # they agree: as before
    located = [(i["code"], i["locator"]["line"]) for i in issues if i["code"] != "missing_columns"]
    assert located == [("time_disagrees", 2)]


def test_analyze_hr_says_why_a_row_is_unusable(tmp_path: Path) -> None:
    # analyze --hr refused the file with "line N: unusable HR row" and no reason.
    from evidencekit.analysis.hr import read_hr_file

    rows = [
        "社員番号,氏名,メールアドレス,区分,日付,備考",
        "E001,山田,taro@example.co.jp,退職届,令和6年3月15日,",
        "E001,山田,taro@example.co.jp,競合転職,2024/04/10,",
        "E003,佐藤,,退職,平成31年5月1日,",
    ]
    path = tmp_path / "hr.csv"
    path.write_bytes("\r\n".join(rows).encode("cp932") + b"\r\n")
    with pytest.raises(AnalysisError) as caught:
        read_hr_file(path, "Asia/Tokyo")
    message = str(caught.value)
    assert "line 3: unusable HR row (no known type; HR event type '競合転職'" in message
    assert "line 4: unusable HR row (no date; 平成31年5月1日 is outside the 平成 era" in message
    assert "line 2" not in message


TRACE_PS = (
    "#TYPE Deserialized.Microsoft.Exchange.Management.FfoReporting.MessageTrace\r\n"
    '"Organization","MessageId","Received","SenderAddress","RecipientAddress","Subject",'
    '"Status","ToIP","FromIP","Size","MessageTraceId"\r\n'
    '"contoso.onmicrosoft.com","<x@y>","2024/04/01 0:05:03","taro@example.co.jp",'
    '"me@gmail.com","設計図","Delivered",,"10.0.0.5","10485760","t-1"\r\n'
)


@pytest.mark.parametrize(("codec", "bom"), [("utf-8", b""), ("utf-16-le", b"\xff\xfe")])
def test_powershell_type_line_above_the_header(tmp_path: Path, codec: str, bom: bytes) -> None:
    # Windows PowerShell's Export-Csv writes "#TYPE <class>" first (without
    # -NoTypeInformation): it was taken as the header, auto detection failed and with
    # --format every row was lost to column_count.
    data = bom + TRACE_PS.encode(codec)
    path = tmp_path / "evidence" / "trace.csv"
    path.parent.mkdir()
    path.write_bytes(data)
    assert detect_log_format(path) == "message_trace"
    events, issues, summary = _ingest(tmp_path, "trace2.csv", data, "message_trace")
    assert (summary.source.records_read, summary.source.records_failed) == (1, 0)
    assert events[0]["object"] == {"kind": "message", "name": "設計図", "size": 10485760}
    assert events[0]["time"] == "2024-04-01T00:05:03.000000000Z"
    assert [(i["code"], i["locator"]["line"], i["severity"]) for i in issues] == [
        ("skipped_line", 1, "info")
    ]
    assert _located_bytes_match(data, issues[0])


def test_action_values_in_full_width_or_padded_are_mapped(tmp_path: Path) -> None:
    # 区分 "ＩＮ" (full-width, as many Japanese systems write it) or " 退室 " (padded) was
    # not found in the profile's map: the badge event became action "other".
    rows = [
        "2024/04/01 8:55:10,E001,山田,C-1,正面玄関,1F,ＩＮ,OK",
        "2024/04/01 18:55:10,E001,山田,C-1,正面玄関,1F, 退室 ,OK",
        "2024/04/01 19:55:10,E001,山田,C-1,正面玄関,1F,ｏｕｔ,OK",  # case is not folded
    ]
    data = (DOOR + "\r\n".join(rows) + "\r\n").encode("cp932")
    events, issues, _ = _ingest(tmp_path, "door.csv", data, "door")
    assert [e["action"] for e in events] == ["badge_in", "badge_out", "other"]
    assert [e["attributes"]["direction"] for e in events] == ["ＩＮ", " 退室 ", "ｏｕｔ"]
    assert issues == []


def test_hr_types_written_full_width_or_padded(tmp_path: Path) -> None:
    # " 退職届" (padded) or "ｈｉｒｅ" (full-width) were unknown_hr_type: the resignation
    # notice, the anchor of the analysis' time windows, did not count as one.
    rows = [
        "社員番号,氏名,メールアドレス,区分,日付,備考",
        "E001,山田,taro@example.co.jp, 退職届 ,2024/03/15,",
        "E002,鈴木,,ｈｉｒｅ,2024/04/01,",
        "E003,佐藤,,競合転職,2024/04/10,",
    ]
    data = ("\r\n".join(rows) + "\r\n").encode("cp932")
    events, issues, _ = _ingest(tmp_path, "hr.csv", data, "hr")
    assert [e["kind"] for e in events] == ["hr.resignation_notice", "hr.hire", "hr.event"]
    assert events[0]["attributes"]["hr_type_text"] == " 退職届 "
    assert events[1]["attributes"]["hr_type"] == "hire"
    assert events[2]["attributes"]["hr_type_text"] == "競合転職"
    assert [(i["code"], i["locator"]["line"]) for i in issues] == [("unknown_hr_type", 4)]


def test_zeroed_bytes_before_a_record_keep_the_issue_short(tmp_path: Path) -> None:
    # 4 KiB of zeroed sectors before a row: the row's time became unparseable (kept in
    # time_original) and the issue message repeated all 4,096 '\x00' escapes (16 KiB).
    data = (OPLOG + _oplog_row(1)).encode("cp932") + b"\x00" * 4096 + _oplog_row(2).encode()
    events, issues, _ = _ingest(tmp_path, "op.csv", data, "operation_log")
    assert events[1]["time_original"] == "\x00" * 4096 + "2024/04/01 9:02:00"
    [issue] = issues
    assert issue["code"] == "time_unparseable" and issue["locator"]["line"] == 3
    assert len(issue["message"]) < 600 and "characters)" in issue["message"]
    assert _located_bytes_match(data, issue)


def test_a_host_with_its_port_is_still_a_listed_domain(tmp_path: Path) -> None:
    # A host column holding "upload.dropbox.com:443" matched no listed domain: no
    # domain.cloud_storage flag, and a POST without a recorded size stayed a "visit".
    lines = [
        {"ts": "2024-04-01T00:05:03Z", "method": "POST", "url": "/2/files/upload",
         "host": "content.dropboxapi.com:443"},
        {"ts": "2024-04-01T00:05:04Z", "method": "GET", "url": "/", "host": "www.example.jp:8080"},
    ]  # fmt: skip
    data = "".join(json.dumps(x) + "\n" for x in lines).encode()
    events, issues, _ = _ingest(tmp_path, "p.jsonl", data, "proxy_jsonl")
    assert [e["action"] for e in events] == ["upload", "visit"]
    assert events[0]["flags"] == ["domain.cloud_storage", "request_size_unknown"]
    assert events[0]["attributes"]["host"] == "content.dropboxapi.com:443"  # as written
    assert "flags" not in events[1] and issues == []

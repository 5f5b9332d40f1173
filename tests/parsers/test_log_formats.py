"""Every log-export format, from generated exports with realistic Japanese content,
ingested into a real case; each stored event is validated by the public model."""

from __future__ import annotations

import csv
import hashlib
import io
import json
from pathlib import Path
from typing import Any

import orjson
import pytest

from evidencekit.case.ingest import IngestSummary, ingest_file
from evidencekit.case.workspace import Case
from evidencekit.model import Event, ParseIssue
from evidencekit.parsers.base import ParseContext, parsers
from evidencekit.parsers.logdetect import detect_log_format, log_time_zone

Rows = list[list[str]]


def _csv(header: list[str], rows: Rows, encoding: str = "utf-8", bom: bool = False) -> bytes:
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator="\r\n").writerows([header, *rows])
    return (b"\xef\xbb\xbf" if bom else b"") + buffer.getvalue().encode(encoding)


def ingest(
    tmp_path: Path, name: str, data: bytes, parser: str, tz: str | None = None, **options: Any
) -> tuple[list[dict[str, Any]], list[dict[str, Any]], IngestSummary]:
    """Write ``data`` as evidence, ingest it, and return the stored events and issues."""
    evidence = tmp_path / "evidence"
    evidence.mkdir(exist_ok=True)
    path = evidence / name
    path.write_bytes(data)
    case = Case.init(tmp_path / f"case-{name}", case_id="T-5B")
    zone = log_time_zone(parser, tz, options)
    summary = ingest_file(case, path, parser, time_zone=zone, options=options)
    events = [orjson.loads(line) for line in case.store.event_lines()]
    for event in events:
        content = {k: v for k, v in event.items() if k not in ("id", "salt")}
        assert Event.model_validate(event).content() == content  # exact canonical shape
        assert case.keyer.check(event)
        assert _raw_matches(data, event)  # locator offset/length -> the hashed raw bytes
    return events, list(case.store.issue_dicts()), summary


def _raw_matches(data: bytes, event: dict[str, Any]) -> bool:
    loc = event["locator"]
    start = int(loc["offset"])
    return hashlib.sha256(data[start : start + loc["length"]]).hexdigest() == event["raw_sha256"]


OPLOG_HEADER = [
    "日時",
    "ユーザー名",
    "PC名",
    "操作",
    "ファイル名",
    "送信先",
    "ドライブ種別",
    "サイズ",
]


def test_operation_log_cp932_with_hostile_rows(tmp_path: Path) -> None:
    rows = [
        [
            "2024/04/01 9:05:03",
            "yamada",
            "PC-001",
            "ファイルコピー",
            r"C:\設計\図面Ａ.dwg",
            r"E:\図面Ａ.dwg",
            "リムーバブル",
            "1,048,576",
        ],
        ["2024年4月1日 9時6分0秒", "yamada", "PC-001", "印刷", r"C:\設計\仕様書.docx", "", "", ""],
        ["2024/04/01 9:07:00", "=cmd|' /C calc'!A0", "PC-001", "ファイル削除", "x", "", "", ""],
        ["2024/13/01 9:08:00", "yamada", "PC-001", "ログオン", "", "", "", ""],
        ["2024/04/01 9:09:00", "yamada", "PC-001", "未知の操作", "", "", "固定", "12 KB"],
    ]
    data = _csv(OPLOG_HEADER, rows, "cp932") + "2024/04/01,too,few\r\n".encode("cp932")
    events, issues, summary = ingest(tmp_path, "oplog.csv", data, "operation_log")
    assert summary.source.records_read == 5 and summary.source.records_failed == 1
    assert summary.source.time_zone == "Asia/Tokyo"
    assert [e["action"] for e in events] == ["copy", "print", "delete", "logon", "other"]
    first = events[0]
    assert first["time"] == "2024-04-01T00:05:03.000000000Z"
    assert (first["time_offset"], first["time_zone"]) == ("+09:00", "Asia/Tokyo")
    assert first["object"] == {"path": r"C:\設計\図面Ａ.dwg", "size": 1048576}
    assert first["device"] == {"drive_type": "removable"}
    assert first["actor"] == {"host": "PC-001", "user": "yamada"}
    assert events[2]["actor"]["user"] == "=cmd|' /C calc'!A0"  # verbatim
    assert "csv_formula" in events[2]["flags"]
    assert events[3]["flags"] == ["time_unparseable"] and "time" not in events[3]
    assert events[4]["attributes"] == {"operation": "未知の操作", "object.size": "12 KB"}
    by_code = {i["code"]: i for i in issues}
    assert set(by_code) == {"csv_formula", "time_impossible", "column_count"}
    assert by_code["column_count"]["locator"]["line"] == 7
    assert by_code["time_impossible"]["locator"]["line"] == 5
    assert by_code["column_count"]["severity"] == "error"


def test_tz_override_is_used_and_recorded(tmp_path: Path) -> None:
    rows = [["2024/07/01 9:00:00", "u", "PC", "印刷", "f", "", "", ""]]
    events, _, summary = ingest(
        tmp_path,
        "oplog.csv",
        _csv(OPLOG_HEADER, rows, bom=True),
        "operation_log",
        tz="Europe/Berlin",
    )
    assert summary.source.time_zone == "Europe/Berlin"
    assert events[0]["time"] == "2024-07-01T07:00:00.000000000Z"
    assert (events[0]["time_offset"], events[0]["time_zone"]) == ("+02:00", "Europe/Berlin")


M365_HEADER = ["RecordId", "CreationDate", "RecordType", "Operation", "UserId", "AuditData"]


def _ual_row(operation: str, when: str, **extra: Any) -> list[str]:
    audit = {
        "CreationTime": when.replace(" ", "T"),
        "Id": f"id-{operation}",
        "Operation": operation,
        "UserId": "taro.yamada@example.co.jp",
        "ClientIP": "203.0.113.7",
        "Workload": "SharePoint",
        **extra,
    }
    return [
        f"rec-{operation}",
        when,
        "SharePointFileOperation",
        operation,
        "taro.yamada@example.co.jp",
        json.dumps(audit, ensure_ascii=False),
    ]


def test_m365_unified_audit_log(tmp_path: Path) -> None:
    site = "https://contoso.sharepoint.com/sites/設計部/Shared Documents/"
    rows = [
        _ual_row(
            "FileDownloaded",
            "2024-04-01T00:05:03",
            ObjectId=site + "図面.dwg",
            SourceFileName="図面.dwg",
        ),
        _ual_row("FileSyncDownloadedFull", "2024-04-01T00:06:03", ObjectId=site + "a.xlsx"),
        _ual_row("SharingSet", "2024-04-01T00:07:03", TargetUserOrGroupName="x@gmail.com"),
        _ual_row("AnonymousLinkCreated", "2024-04-01T00:08:03"),
        _ual_row("FileRecycled", "2024-04-01T00:09:03"),
        _ual_row(
            "MailItemsAccessed",
            "2024-04-01T00:10:03",
            Folders=[{"FolderItems": [{"Id": "1"}, {"Id": "2"}]}],
        ),
        _ual_row(
            "Send",
            "2024-04-01T00:11:03",
            Item={"Subject": "見積書送付", "SizeInBytes": 52311, "Attachments": "見積.pdf"},
        ),
        _ual_row("BrandNewOperation", "2024-04-01T00:12:03"),
        ["rec-bad", "2024-04-01T00:13:03", "x", "FileUploaded", "u@example.co.jp", "{not json"],
    ]
    data = _csv(M365_HEADER, rows, bom=True)
    events, issues, summary = ingest(tmp_path, "ual.csv", data, "m365_ual", tz="Asia/Tokyo")
    assert summary.source.time_zone == "UTC"  # UTC by definition, --tz ignored
    assert [e["action"] for e in events] == [
        "download",
        "download",
        "share",
        "share",
        "delete",
        "read",
        "send",
        "other",
        "upload",
    ]
    assert events[0]["kind"] == "m365.FileDownloaded"
    assert events[0]["time"] == "2024-04-01T00:05:03.000000000Z"
    assert events[0]["object"] == {"url": site + "図面.dwg", "name": "図面.dwg"}
    assert events[0]["actor"] == {"email": "taro.yamada@example.co.jp", "ip": "203.0.113.7"}
    assert events[2]["target"] == {"name": "x@gmail.com"}
    assert events[5]["attributes"]["m365.items_accessed"] == 2
    assert events[6]["object"] == {"kind": "message", "name": "見積書送付", "size": 52311}
    assert "AuditData" not in events[0]["attributes"]
    assert [i["code"] for i in issues] == ["malformed_auditdata"]
    assert issues[0]["locator"]["line"] == 10


def test_google_drive_audit(tmp_path: Path) -> None:
    header = [
        "Date",
        "Event",
        "Actor",
        "Item ID",
        "Title",
        "Item type",
        "Owner",
        "Visibility",
        "IP address",
    ]
    rows = [
        [
            "2024-04-01T09:05:03+09:00",
            "download",
            "hanako@example.co.jp",
            "1AbC",
            "顧客リスト",
            "Google Sheets",
            "sales@example.co.jp",
            "private",
            "198.51.100.2",
        ],
        [
            "2024-04-01T09:06:03+09:00",
            "change_user_access",
            "hanako@example.co.jp",
            "1AbC",
            "顧客リスト",
            "Google Sheets",
            "sales@example.co.jp",
            "people_with_link",
            "",
        ],
        [
            "2024-04-01T09:07:03+09:00",
            "view",
            "hanako@example.co.jp",
            "2XyZ",
            "設計",
            "PDF",
            "x@example.co.jp",
            "private",
            "",
        ],
        [
            "Apr 1, 2024, 9:08:03 AM GMT+09:00",
            "print",
            "hanako@example.co.jp",
            "2XyZ",
            "設計",
            "PDF",
            "x@example.co.jp",
            "private",
            "",
        ],
    ]
    data = _csv(header, rows)
    events, issues, _ = ingest(tmp_path, "drive.csv", data, "gws_drive")
    assert [e["action"] for e in events] == ["download", "share", "read", "print"]
    assert events[3]["time"] == "2024-04-01T00:08:03.000000000Z"
    assert [e["kind"] for e in events][:2] == ["gdrive.download", "gdrive.change_user_access"]
    assert events[0]["time"] == "2024-04-01T00:05:03.000000000Z"
    assert events[0]["object"] == {"name": "顧客リスト", "kind": "Google Sheets"}
    assert [i["code"] for i in issues] == ["missing_columns"]  # optional columns, info only
    assert issues[0]["severity"] == "info"


def test_message_trace(tmp_path: Path) -> None:
    header = [
        "Received",
        "SenderAddress",
        "RecipientAddress",
        "Subject",
        "Status",
        "ToIP",
        "FromIP",
        "Size",
        "MessageId",
        "MessageTraceId",
    ]
    rows = [
        [
            "2024/04/01 0:05:03",
            "taro@example.co.jp",
            "me@gmail.com;boss@example.co.jp",
            "設計図面の件",
            "Delivered",
            "",
            "10.0.0.5",
            "10485760",
            "<a@x>",
            "t-1",
        ],
        [
            "4/1/2024 12:06:03 AM",
            "partner@other.jp",
            "taro@example.co.jp",
            "Re: 見積",
            "Delivered",
            "",
            "",
            "2048",
            "<b@x>",
            "t-2",
        ],
    ]
    events, issues, _ = ingest(
        tmp_path, "trace.csv", _csv(header, rows), "message_trace", internal_domains="example.co.jp"
    )
    assert issues == []
    first, second = events
    assert first["action"] == "send" and first["time_role"] == "sent"
    assert first["time"] == "2024-04-01T00:05:03.000000000Z"
    assert first["attributes"]["recipients"] == ["me@gmail.com", "boss@example.co.jp"]
    assert first["attributes"]["direction"] == "outbound"
    assert first["object"] == {"kind": "message", "name": "設計図面の件", "size": 10485760}
    assert second["time"] == "2024-04-01T00:06:03.000000000Z"
    assert second["attributes"]["direction"] == "inbound"


def test_purview_activity_and_alerts(tmp_path: Path) -> None:
    header = [
        "Activity",
        "Happened",
        "User",
        "File",
        "File path",
        "Device name",
        "Removable media",
        "Sensitivity label",
        "Policy",
    ]
    rows = [
        [
            "FileCopiedToRemovableMedia",
            "2024-04-01T00:05:03Z",
            "taro@example.co.jp",
            "設計.dwg",
            r"C:\設計\設計.dwg",
            "PC-001",
            "Yes",
            "社外秘",
            "DLP-1",
        ],
        [
            "FileUploadedToCloud",
            "2024-04-01T00:06:03Z",
            "taro@example.co.jp",
            "a.xlsx",
            r"C:\a.xlsx",
            "PC-001",
            "",
            "",
            "",
        ],
    ]
    events, _, _ = ingest(tmp_path, "purview.csv", _csv(header, rows), "purview")
    assert [e["action"] for e in events] == ["copy", "upload"]
    assert events[0]["device"] == {"drive_type": "removable"}
    assert events[0]["kind"] == "dlp.purview.FileCopiedToRemovableMedia"
    alerts = _csv(
        ["Alert ID", "Time detected", "User", "Policy", "Severity", "Status"],
        [
            [
                "A-1",
                "2024-04-02T01:00:00Z",
                "taro@example.co.jp",
                "Data theft by departing users",
                "High",
                "Active",
            ]
        ],
    )
    events, _, _ = ingest(tmp_path, "alerts.csv", alerts, "purview_alerts")
    assert events[0]["attributes"]["severity"] == "High"
    assert events[0]["time_role"] == "detected"


def test_code42_file_events(tmp_path: Path) -> None:
    header = [
        "eventId",
        "eventType",
        "eventTimestamp",
        "filePath",
        "fileName",
        "fileSize",
        "md5Checksum",
        "sha256Checksum",
        "deviceUsername",
        "osHostName",
        "exposure",
        "destinationCategory",
        "removableMediaVendor",
        "removableMediaSerialNumber",
    ]
    md5, sha = "d41d8cd98f00b204e9800998ecf8427e", "e3b0c44298fc1c149afbf4c8996fb924" * 2
    rows = [
        [
            "e1",
            "CREATED",
            "2024-04-01T00:05:03.123Z",
            "E:/",
            "図面.dwg",
            "4096",
            md5.upper(),
            sha,
            "taro",
            "PC-001",
            "RemovableMedia",
            "",
            "SanDisk",
            "4C530001",
        ],
        [
            "e2",
            "READ_BY_APP",
            "2024-04-01T00:06:03.000Z",
            "C:/設計/",
            "a.xlsx",
            "10",
            md5,
            sha,
            "taro",
            "PC-001",
            "ApplicationRead",
            "Cloud Storage",
            "",
            "",
        ],
        [
            "e3",
            "MODIFIED",
            "2024-04-01T00:07:03.000Z",
            "C:/x/",
            "b.txt",
            "n/a",
            "zz",
            sha,
            "taro",
            "PC-001",
            "",
            "",
            "",
            "",
        ],
    ]
    events, _, _ = ingest(tmp_path, "code42.csv", _csv(header, rows), "code42")
    assert [e["action"] for e in events] == ["copy", "upload", "modify"]
    assert events[0]["device"] == {
        "drive_type": "removable",
        "vendor": "SanDisk",
        "usb_serial": "4C530001",
    }
    assert events[0]["object"]["md5"] == md5 and events[0]["time_precision"] == "1ms"
    assert "code42.RemovableMedia" in events[0]["flags"]
    assert events[2]["attributes"]["object.size"] == "n/a"
    assert events[2]["attributes"]["object.md5"] == "zz"


def test_door_access_log(tmp_path: Path) -> None:
    header = ["日時", "社員番号", "氏名", "カード番号", "扉", "エリア", "区分", "結果"]
    rows = [
        [
            "2024/04/06 22:10:05",
            "E1001",
            "山田太郎",
            "C-77",
            "研究棟B 正面",
            "研究棟",
            "入室",
            "許可",
        ],
        [
            "2024/04/06 23:40:11",
            "E1001",
            "山田太郎",
            "C-77",
            "研究棟B 正面",
            "研究棟",
            "退室",
            "許可",
        ],
        [
            "2024/04/07 01:02:03",
            "E1001",
            "山田太郎",
            "C-77",
            "サーバ室",
            "サーバ室",
            "入室",
            "拒否",
        ],
    ]
    events, _, _ = ingest(tmp_path, "door.csv", _csv(header, rows, "cp932"), "door")
    assert [e["action"] for e in events] == ["badge_in", "badge_out", "access_denied"]
    assert events[0]["object"] == {"kind": "door", "name": "研究棟B 正面"}
    assert events[0]["attributes"]["person"] == "E1001"
    assert events[0]["time"] == "2024-04-06T13:10:05.000000000Z"
    assert events[2]["flags"] == ["badge_denied"]


def test_hr_events_contract(tmp_path: Path) -> None:
    header = ["社員番号", "氏名", "メールアドレス", "区分", "日付", "備考"]
    rows = [
        ["E1001", "山田太郎", "taro@example.co.jp", "退職届", "2024/03/15", ""],
        ["E1001", "山田太郎", "taro@example.co.jp", "最終出社日", "令和6年4月10日", ""],
        ["E1001", "山田太郎", "", "retirement", "2024-04-30", "有給消化"],
        ["E2002", "佐藤花子", "", "休日出勤承認", "2024/04/06 9:00", ""],
        ["E3003", "鈴木", "", "昇給", "2024/04/01", ""],
    ]
    events, issues, _ = ingest(tmp_path, "hr.csv", _csv(header, rows, "cp932"), "hr")
    assert {e["action"] for e in events} == {"hr_event"}
    types = [e["attributes"].get("hr_type") for e in events]
    assert types == [
        "resignation_notice",
        "last_working_day",
        "retirement",
        "approved_holiday_work",
        None,
    ]
    first = events[0]
    assert first["time"] == "2024-03-14T15:00:00.000000000Z"
    assert first["time_precision"] == "1d" and first["flags"] == ["date_only"]
    assert first["attributes"]["person"] == "E1001"
    assert [e["kind"] for e in events] == [
        "hr.resignation_notice",
        "hr.last_working_day",
        "hr.retirement",
        "hr.approved_holiday_work",
        "hr.event",
    ]
    assert first["actor"] == {"user": "山田太郎", "email": "taro@example.co.jp"}
    assert events[3]["time_precision"] == "1min" and "flags" not in events[3]
    assert events[4]["attributes"]["hr_type_text"] == "昇給"
    assert [i["code"] for i in issues] == ["unknown_hr_type"]


SQUID = (
    "1711929903.120    350 192.168.1.5 TCP_MISS/200 5120 POST https://www.dropbox.com/upload"
    " taro HIER_DIRECT/162.125.1.1 application/json\n"
    "1711929904.500     20 192.168.1.5 TCP_TUNNEL/200 3900 CONNECT mail.google.com:443 -"
    " HIER_DIRECT/142.250.1.1 -\n"
    "1711929905.000     10 192.168.1.5 TCP_MISS/200 900 GET http://example.jp/ - HIER_DIRECT/"
    "203.0.113.1 text/html\n"
    "garbage line\n"
)


def test_squid_native(tmp_path: Path) -> None:
    events, issues, summary = ingest(
        tmp_path, "access.log", SQUID.encode(), "proxy_squid", tz="Asia/Tokyo"
    )
    assert summary.source.time_zone == "UTC"
    upload, tunnel, plain = events
    assert upload["action"] == "upload" and upload["time"] == "2024-04-01T00:05:03.120000000Z"
    assert set(upload["flags"]) == {"domain.cloud_storage", "request_size_unknown"}
    assert upload["actor"] == {"user": "taro", "ip": "192.168.1.5"}
    assert tunnel["action"] == "visit" and tunnel["flags"] == ["domain.webmail"]
    assert plain["action"] == "visit" and "flags" not in plain
    assert [(i["code"], i["locator"]["line"]) for i in issues] == [("malformed_line", 4)]
    assert summary.source.records_failed == 1


W3C = (
    "#Software: Microsoft Internet Information Services 10.0\n#Version: 1.0\n"
    "#Date: 2024-04-01 00:00:00\n"
    "#Fields: date time c-ip cs-username cs-method cs-host cs-uri-stem cs-uri-query s-port "
    "sc-status cs-bytes sc-bytes cs(User-Agent)\n"
    "2024-04-01 00:05:03 10.0.0.5 CORP\\taro PUT drive.google.com /upload/a.zip - 443 200 "
    "73400320 512 Mozilla/5.0+(Windows+NT+10.0)\n"
    "2024-04-01 00:05:04 10.0.0.5 CORP\\taro GET www.example.jp /index.html - 80 200 300 "
    "9000 Mozilla/5.0\n"
    "2024-04-01 00:05:05 10.0.0.5 - POST files.example.net /api - 443 200 100\n"
)


def test_w3c_extended(tmp_path: Path) -> None:
    events, issues, _ = ingest(tmp_path, "u_ex240401.log", W3C.encode(), "proxy_w3c")
    upload, visit = events
    assert upload["action"] == "upload" and upload["object"]["size"] == 73400320
    assert upload["object"]["url"] == "https://drive.google.com/upload/a.zip"
    assert upload["flags"] == ["domain.cloud_storage"]
    assert upload["attributes"]["user_agent"] == "Mozilla/5.0 (Windows NT 10.0)"
    assert visit["action"] == "visit" and visit["time"] == "2024-04-01T00:05:04.000000000Z"
    assert [(i["code"], i["locator"]["line"]) for i in issues] == [("column_count", 7)]


def test_proxy_json_lines_with_custom_domain_list(tmp_path: Path) -> None:
    domains = tmp_path / "domains.toml"
    domains.write_text('[categories]\nfile_transfer = ["example.net"]\n', encoding="utf-8")
    lines = [
        {
            "timestamp": "2024-04-01T09:05:03+09:00",
            "method": "POST",
            "url": "https://up.example.net/f",
            "bytes_out": 2048,
            "user": "taro",
        },
        {"timestamp": 1711929904.25, "method": "GET", "url": "https://www.dropbox.com/"},
        {
            "timestamp": "2024-04-01 00:05:05",
            "method": "PUT",
            "url": "https://a.jp/x",
            "request_bytes": 0,
        },
    ]
    data = "".join(json.dumps(x) + "\n" for x in lines).encode() + b"{broken\n"
    events, issues, _ = ingest(
        tmp_path, "proxy.jsonl", data, "proxy_jsonl", domains_file=str(domains)
    )
    assert [e["action"] for e in events] == ["upload", "visit", "visit"]
    assert events[0]["flags"] == ["domain.file_transfer"]
    assert events[0]["time"] == "2024-04-01T00:05:03.000000000Z"
    assert events[1]["time"] == "2024-04-01T00:05:04.250000000Z"
    assert "flags" not in events[1]  # dropbox is not in the custom list
    assert events[2]["time_zone"] == "UTC"
    assert [i["code"] for i in issues] == ["malformed_json"]


@pytest.mark.parametrize(
    ("name", "data", "expected"),
    [
        ("oplog.csv", _csv(OPLOG_HEADER, [], "cp932"), "operation_log"),
        ("ual.csv", _csv(M365_HEADER, [], bom=True), "m365_ual"),
        ("access.log", SQUID.encode(), "proxy_squid"),
        ("u_ex.log", W3C.encode(), "proxy_w3c"),
        ("door.csv", _csv(["日時", "社員番号", "扉", "区分"], [], "cp932"), "door"),
        ("hr.csv", _csv(["社員番号", "区分", "日付"], []), "hr"),
        ("c42.csv", _csv(["eventId", "eventType", "eventTimestamp", "filePath"], []), "code42"),
        ("p.jsonl", b'{"method": "GET", "url": "https://a.jp/"}\n', "proxy_jsonl"),
    ],
)
def test_auto_detection_is_unambiguous(
    tmp_path: Path, name: str, data: bytes, expected: str
) -> None:
    path = tmp_path / name
    path.write_bytes(data)
    assert detect_log_format(path) == expected


@pytest.mark.parametrize(
    ("name", "parser", "data"),
    [
        (
            "oplog.csv",
            "operation_log",
            _csv(
                OPLOG_HEADER,
                [
                    ["2024/04/01 9:05:03", "u", "PC", "印刷", "=1+1", "", "", ""],
                    ["bad", "u", "PC", "印刷", "f", "", "", ""],
                ],
                "cp932",
            )
            + b"x,y\r\n",
        ),
        ("access.log", "proxy_squid", SQUID.encode()),
        ("u_ex.log", "proxy_w3c", W3C.encode()),
    ],
)
def test_same_input_gives_identical_output(
    tmp_path: Path, name: str, parser: str, data: bytes
) -> None:
    path = tmp_path / name
    path.write_bytes(data)

    def run() -> list[Any]:
        cls = parsers.get(parser)
        ctx = ParseContext(
            source_id="0123456789abcdef",
            path=path,
            parser=parser,
            version=cls.version,
            time_zone=log_time_zone(parser, None, {}),
        )
        out = [i.canonical_dict() if isinstance(i, ParseIssue) else i for i in cls().parse(ctx)]
        return [orjson.dumps(i, option=orjson.OPT_SORT_KEYS) for i in out]

    first = run()
    assert first == run() and len(first) > 2


def test_message_trace_internal_domains_cover_sub_domains() -> None:
    """Mail between a listed domain's sub-domains stays internal; a look-alike is outside."""
    from evidencekit.parsers.base import ParseContext
    from evidencekit.parsers.message_trace import _direction

    ctx = ParseContext("0" * 16, Path("t.csv"), "message_trace", "1",
                       options={"internal_domains": "example.co.jp"})  # fmt: skip
    assert _direction(ctx, "a@tokyo.example.co.jp", ["b@osaka.example.co.jp"]) == "internal"
    assert _direction(ctx, "a@example.co.jp", ["b@badexample.co.jp"]) == "outbound"
    assert _direction(ctx, "a@mail.example.co.jp", ["b@gmail.com"]) == "outbound"
    assert _direction(ctx, "x@example.co.jp.evil.test", ["a@example.co.jp"]) == "inbound"


def test_w3c_connect_tunnel_with_many_bytes_sent_is_an_upload(tmp_path: Path) -> None:
    """Without TLS inspection, an upload to a cloud service is a CONNECT tunnel: 40 MiB sent
    through one to Dropbox is an upload flagged tls_tunnel; a small tunnel, or a large one
    to an unlisted host, stays a visit."""
    head = (
        "#Version: 1.0\n#Fields: date time c-ip cs-username cs-method cs-host cs-uri-stem "
        "cs-uri-query s-port sc-status cs-bytes sc-bytes\n"
    )
    rows = (
        "2024-04-01 00:05:03 10.0.0.5 taro CONNECT content.dropboxapi.com - - 443 200 "
        "41943040 9000\n"
        "2024-04-01 00:05:04 10.0.0.5 taro CONNECT www.dropbox.com - - 443 200 20480 90000\n"
        "2024-04-01 00:05:05 10.0.0.5 taro CONNECT files.example.org - - 443 200 41943040 900\n"
    )
    events, issues, _ = ingest(tmp_path, "bc.log", (head + rows).encode(), "proxy_w3c")
    assert issues == []
    tunnel, small, unlisted = events
    assert tunnel["action"] == "upload" and tunnel["object"]["size"] == 41943040
    assert "tls_tunnel" in tunnel["flags"] and "domain.cloud_storage" in tunnel["flags"]
    assert (small["action"], unlisted["action"]) == ("visit", "visit")


def test_proxy_json_lines_sizes_that_are_no_byte_count_are_said(tmp_path: Path) -> None:
    """A whole number written as 2048.0 is read; a fractional or negative size is kept as
    written in the attributes with a size_unreadable issue at its line, never dropped."""
    rows = [
        {
            "ts": 1711929903,
            "method": "POST",
            "url": "https://www.dropbox.com/u",
            "bytes_out": 2048.0,
        },
        {"ts": 1711929904, "method": "POST", "url": "https://www.dropbox.com/u", "bytes_out": 1.5},
        {"ts": 1711929905, "method": "GET", "url": "https://example.jp/", "bytes_in": -3},
    ]
    data = b"".join(orjson.dumps(r) + b"\n" for r in rows)
    events, issues, _ = ingest(tmp_path, "p.jsonl", data, "proxy_jsonl")
    whole, fractional, negative = events
    assert whole["action"] == "upload" and whole["object"]["size"] == 2048
    assert fractional["attributes"]["request_bytes_text"] == "1.5"
    assert negative["attributes"]["response_bytes_text"] == "-3"
    assert [(i["code"], i["locator"]["line"]) for i in issues] == [
        ("size_unreadable", 2),
        ("size_unreadable", 3),
    ]


def test_day_first_dates_are_said_once_per_file(tmp_path: Path) -> None:
    """A trace exported with UK dates: 13/04/2024 cannot be month-first, so the file gets
    one date_order_suspect warning (04/05/2024 was read as 5 April and cannot be told)."""
    header = ["Received", "SenderAddress", "RecipientAddress", "Subject", "Status", "Size"]
    rows = [
        ["04/05/2024 10:00:00", "a@example.co.jp", "b@gmail.com", "s", "Delivered", "10"],
        ["13/04/2024 10:00:00", "a@example.co.jp", "b@gmail.com", "s", "Delivered", "10"],
        ["25/04/2024 11:00:00", "a@example.co.jp", "b@gmail.com", "s", "Delivered", "10"],
    ]
    events, issues, _ = ingest(tmp_path, "uk.csv", _csv(header, rows), "message_trace")
    assert events[0]["time"] == "2024-04-05T10:00:00.000000000Z"  # month-first, as written
    codes = [i["code"] for i in issues]
    assert codes.count("time_impossible") == 2 and codes.count("date_order_suspect") == 1
    (suspect,) = [i for i in issues if i["code"] == "date_order_suspect"]
    assert suspect["message"].startswith("2 time text")
    us = [["4/13/2024 10:00:00 AM", *rows[0][1:]]]
    _, clean, _ = ingest(tmp_path, "us.csv", _csv(header, us), "message_trace")
    assert not [i for i in clean if i["code"] == "date_order_suspect"]


def test_an_option_the_parser_never_reads_is_said(tmp_path: Path) -> None:
    """A misspelt -o option changes nothing: the ingest says it was never read (CLI note,
    JSON and custody) and keeps it as given; options the parser reads are not named."""
    from click.testing import CliRunner

    from cli.main import cli

    evidence = tmp_path / "ev"
    evidence.mkdir()
    log = evidence / "access.log"
    log.write_text(SQUID, encoding="utf-8")
    case = Case.init(tmp_path / "case", case_id="T-OPT")
    args = ["ingest", "log", str(log), "--case", str(case.root), "--format", "proxy_squid"]
    typo = ["-o", "upload_min_byte=1024", "-o", "upload_min_bytes=10"]
    result = CliRunner().invoke(cli, [*args, *typo])
    assert result.exit_code == 0, result.output
    assert "upload_min_byte were given but never read by proxy_squid" in result.output
    (entry,) = [e for e in case.custody.entries() if e.action == "ingest"]
    assert entry.details["unused_options"] == ["upload_min_byte"]
    assert case.store.sources()[0].parameters["upload_min_byte"] == "1024"  # as given

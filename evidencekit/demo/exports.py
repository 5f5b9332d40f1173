"""Writers for the sample case's log exports, in the layouts the real products produce.

Each writer is deterministic: the same scenario gives the same bytes.
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
from datetime import datetime
from pathlib import Path
from xml.sax.saxutils import escape

from evidencekit.demo import scenario as s

_EVENT_NS = "http://schemas.microsoft.com/win/2004/08/events/event"


def _utc(local: datetime) -> datetime:
    return local - s.JST_OFFSET


def security_log_xml(path: Path) -> None:
    """File-server Security log, saved from Event Viewer as XML (4663 object access)."""
    out = io.StringIO()
    out.write('<?xml version="1.0" encoding="UTF-8"?>\r\n<Events>\r\n')
    for record, (local, person, name) in enumerate(s.file_reads(), start=880_001):
        data = {
            "SubjectUserSid": person.sid,
            "SubjectUserName": person.account,
            "SubjectDomainName": "CORP",
            "SubjectLogonId": f"0x{0x3A0000 + person.rid:x}",
            "ObjectServer": "Security",
            "ObjectType": "File",
            "ObjectName": f"{s.SHARE}\\{name}",
            "HandleId": f"0x{0x1F00 + record % 4096:x}",
            "AccessList": "%%4416\r\n\t\t\t\t",
            "AccessMask": "0x1",
            "ProcessId": "0x4",
            "ProcessName": "",
            "ResourceAttributes": "S:AI",
        }
        fields = "".join(f'<Data Name="{k}">{escape(v)}</Data>' for k, v in data.items())
        when = _utc(local).strftime("%Y-%m-%dT%H:%M:%S.%f") + "0Z"
        out.write(
            f'<Event xmlns="{_EVENT_NS}"><System>'
            '<Provider Name="Microsoft-Windows-Security-Auditing" '
            'Guid="{54849625-5478-4994-A5BA-3E3B0328C30D}"/>'
            "<EventID>4663</EventID><Version>1</Version><Level>0</Level><Task>12800</Task>"
            "<Opcode>0</Opcode><Keywords>0x8020000000000000</Keywords>"
            f'<TimeCreated SystemTime="{when}"/><EventRecordID>{record}</EventRecordID>'
            '<Correlation/><Execution ProcessID="4" ThreadID="5120"/><Channel>Security</Channel>'
            f"<Computer>FS01.{s.DOMAIN}</Computer><Security/></System>"
            f"<EventData>{fields}</EventData></Event>\r\n"
        )
    out.write("</Events>\r\n")
    path.write_text(out.getvalue(), encoding="utf-8", newline="")


def _csv(rows: list[list[str]], encoding: str) -> bytes:
    buf = io.StringIO()
    csv.writer(buf, lineterminator="\r\n").writerows(rows)
    return buf.getvalue().encode(encoding)


def operation_log(path: Path) -> None:
    """Endpoint-monitoring operation log (操作ログ), CP932 with Japanese headers."""
    rows = [
        ["日時", "ユーザー名", "PC名", "操作", "ファイル名", "送信先", "ドライブ種別", "サイズ"]
    ]
    for local, person, op, name, dest, drive, size in s.operations():
        rows.append(
            [
                f"{local:%Y/%m/%d} {local.hour}:{local:%M:%S}",
                person.account,
                person.host,
                op,
                name,
                dest,
                drive,
                str(size) if size else "",
            ]
        )
    path.write_bytes(_csv(rows, "cp932"))


def door_log(path: Path) -> None:
    """Badge reader log (入退室記録), UTF-8 with BOM as the access-control system exports it."""
    rows = [["日時", "社員番号", "氏名", "カード番号", "扉", "エリア", "区分", "結果"]]
    for local, person, kind in s.door_entries():
        rows.append(
            [
                f"{local:%Y/%m/%d %H:%M:%S}",
                person.person,
                person.name,
                person.badge,
                "本社3F 設計室",
                "設計部",
                kind,
                "許可",
            ]
        )
    path.write_bytes(b"\xef\xbb\xbf" + _csv(rows, "utf-8"))


def hr_events(path: Path) -> None:
    """HR events: the resignation notice and last working day (dates only)."""
    rows = [
        ["社員番号", "氏名", "メールアドレス", "区分", "日付", "備考"],
        [s.SATO.person, s.SATO.name, s.SATO.email, "入社", "2016/04/01", ""],
        [s.TANAKA.person, s.TANAKA.name, s.TANAKA.email, "入社", "2014/04/01", ""],
        [
            s.TANAKA.person,
            s.TANAKA.name,
            s.TANAKA.email,
            "退職届",
            f"{s.RESIGNATION:%Y/%m/%d}",
            "一身上の都合",
        ],
        [
            s.TANAKA.person,
            s.TANAKA.name,
            s.TANAKA.email,
            "最終出社日",
            f"{s.LAST_DAY:%Y/%m/%d}",
            "有給休暇消化後 3/31 退職",
        ],
    ]
    path.write_bytes(b"\xef\xbb\xbf" + _csv(rows, "utf-8"))


def m365_audit(path: Path) -> None:
    """Microsoft 365 Unified Audit Log CSV (Purview audit search export, times in UTC)."""
    rows = [["RecordId", "CreationDate", "RecordType", "Operation", "UserId", "AuditData"]]
    for n, (local, person, op, extra) in enumerate(s.cloud_records()):
        when = _utc(local)
        record_id = f"5f1c{n:04x}-0b7e-4c1a-9d2e-{n:012x}"
        audit = {
            "CreationTime": f"{when:%Y-%m-%dT%H:%M:%S}",
            "Id": record_id,
            "Operation": op,
            "OrganizationId": "0b3c5f9a-7d21-4f1e-8a6b-2c9d4e8f1a37",
            "RecordType": 6,
            "UserKey": f"i:0h.f|membership|{person.email}",
            "UserType": 0,
            "Version": 1,
            "Workload": "SharePoint",
            "UserId": person.email,
            **extra,
        }
        rows.append(
            [
                record_id,
                f"{when:%Y-%m-%dT%H:%M:%S}",
                "SharePointFileOperation",
                op,
                person.email,
                json.dumps(audit, ensure_ascii=False, sort_keys=True),
            ]
        )
    path.write_bytes(b"\xef\xbb\xbf" + _csv(rows, "utf-8"))


def proxy_log(path: Path) -> None:
    """Squid native access.log from the TLS-inspecting proxy (epoch seconds, UTC)."""
    lines = []
    for local, person, method, url, size in s.proxy_requests():
        epoch = (_utc(local) - datetime(1970, 1, 1)).total_seconds()
        lines.append(
            f"{epoch:.3f}    412 {person.ip} TCP_MISS/200 {size} {method} {url} "
            f"{person.account} HIER_DIRECT/203.0.113.10 text/html\n"
        )
    path.write_text("".join(lines), encoding="ascii", newline="")


def identities(path: Path) -> None:
    """Identity map: accounts, SIDs, addresses and hosts of each person."""
    rows = [
        [
            "person",
            "display_name",
            "accounts",
            "sids",
            "emails",
            "hosts",
            "devices",
            "service_account",
            "role",
            "department",
        ]
    ]
    for p in s.PEOPLE:
        emails = ";".join(e for e in (p.email, p.private_email) if e)
        rows.append(
            [
                p.person,
                p.name,
                f"{p.account};CORP\\{p.account}",
                p.sid,
                emails,
                f"{p.host};{p.ip}",
                "",
                "false",
                "設計技術者",
                "設計部",
            ]
        )
    path.write_bytes(_csv(rows, "utf-8"))


def _public_catalogue_hashes() -> list[str]:
    """SHA-256 of the company's published material (catalogue, web pages, patent gazette
    copies) that the client searched, stood in for by fixed sample documents."""
    names = ["総合カタログ2024.pdf", "製品ページ_筐体シリーズ.html", "特許公報_特開2021-012345.pdf"]
    return [hashlib.sha256(f"public:{n}".encode()).hexdigest() for n in names]


def assets(path: Path) -> None:
    """Asset register: the drawing share is the trade secret, with its protections."""
    drawing_hashes = ",\n  ".join(
        f'"{hashlib.sha256(s.drawing_bytes(i)).hexdigest()}"' for i in range(len(s.COPIED))
    )
    public = ", ".join(f'"{h}"' for h in _public_catalogue_hashes())
    path.write_text(
        f"""# Trade-secret asset register (営業秘密管理台帳), sample case
[[asset]]
id = "A-001"
path = '{s.SHARE}'
description = "筐体・金型の設計図面一式（量産品の製造方法に関する技術情報）"
value_class = "technical"
protection = ["access_restricted", "marking", "nda"]
acl = "restricted"
marking = "極秘"
origin = "internal"
technical = "production_method"
confirmed = true

[[asset]]
id = "A-002"
path = '{s.SITE}/Shared Documents/極秘'
description = "設計図面の SharePoint 保管分"
value_class = "technical"
protection = ["access_restricted", "marking"]
acl = "restricted"
marking = "極秘"
origin = "internal"
confirmed = true

[[asset]]
id = "A-003"
path = 'C:\\Users\\tanaka\\Documents\\設計'
description = "設計担当者の作業用コピー（図面 120 件、ハッシュ値で特定）"
value_class = "technical"
protection = ["marking"]
acl = "restricted"
marking = "社外秘"
origin = "internal"
sha256 = [
  {drawing_hashes}
]

[public_corpus]
description = "自社総合カタログ2024、製品ウェブページ、関連特許公報（依頼者提供、2025-04-01 検索）"
sha256 = [{public}]

[[governance]]
type = "confidentiality_pledge"
person = "{s.TANAKA.person}"
title = "秘密保持誓約書"
date = "2014-04-01"

[[governance]]
type = "confidentiality_rules"
title = "営業秘密管理規程"
date = "2019-04-01"
""",
        encoding="utf-8",
    )

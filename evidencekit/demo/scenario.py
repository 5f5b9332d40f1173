"""The bundled sample case: a departing design engineer and a benign colleague.

Fictional company 株式会社サンプル精機 (sample-seiki.example). 田中 一郎 (P-1001) hands in
his resignation notice on Monday 2025-03-03, last working day 2025-03-28. Records show:
bulk reads of the 極秘 drawing share on the evening of 2025-03-05; a Saturday badge-in on
2025-03-08 with 120 drawings copied to a USB drive and the staging archive deleted
afterwards; on 2025-03-10 a SharePoint bulk download, a sharing link to his personal
address, and uploads to a webmail and a personal cloud service. His colleague 佐藤 花子
(P-1002) works normal hours on the same share and copies nothing.

Everything is generated deterministically from this module: same code, same bytes.
"""

from __future__ import annotations

import hashlib
import io
import zipfile
from dataclasses import dataclass
from datetime import date, datetime, timedelta

DOMAIN = "sample-seiki.example"
JST_OFFSET = timedelta(hours=9)
SID_PREFIX = "S-1-5-21-1844237615-1957994488-1801674531"


@dataclass(frozen=True)
class Person:
    person: str
    name: str
    account: str
    rid: int
    host: str
    ip: str
    badge: str
    private_email: str | None = None

    @property
    def sid(self) -> str:
        return f"{SID_PREFIX}-{self.rid}"

    @property
    def email(self) -> str:
        return f"{self.account}@{DOMAIN}"


TANAKA = Person(
    "P-1001",
    "田中 一郎",
    "tanaka",
    1104,
    "PC-D012",
    "10.1.20.12",
    "C-0451",
    "tanaka.ichiro.home@gmail.com",
)
SATO = Person("P-1002", "佐藤 花子", "sato", 1105, "PC-D015", "10.1.20.15", "C-0388")
PEOPLE = (TANAKA, SATO)

RESIGNATION = date(2025, 3, 3)
LAST_DAY = date(2025, 3, 28)
SHARE = r"D:\Shares\設計\極秘"
UNC = r"\\FS01\設計\極秘"
USB = {
    "serial": "AA12345678901234",
    "vendor": "Generic",
    "product": "Flash Disk",
    "label": "BACKUP",
    "letter": "E:",
}

DRAWINGS = [
    f"A-{1000 + i:04d}_{kind}.dwg"
    for i, kind in enumerate(["筐体図", "組立図", "部品図", "配線図", "治具図", "金型図"] * 70)
]  # 420 drawings


def jst(day: date, hour: int, minute: int = 0, second: int = 0) -> datetime:
    """A wall-clock time in Japan (naive; the exporters write local time)."""
    return datetime(day.year, day.month, day.day, hour, minute, second)


def weekdays(start: date, end: date) -> list[date]:
    days, day = [], start
    while day <= end:
        if day.weekday() < 5:
            days.append(day)
        day += timedelta(days=1)
    return days


BASELINE_DAYS = weekdays(date(2025, 2, 3), date(2025, 3, 14))
HOLIDAYS_2025 = {date(2025, 2, 11), date(2025, 2, 24)}  # 建国記念の日, 振替休日


def office_days() -> list[date]:
    return [d for d in BASELINE_DAYS if d not in HOLIDAYS_2025]


def file_reads() -> list[tuple[datetime, Person, str]]:
    """Security 4663 reads on the file server: a daily baseline for both, then the bulk."""
    reads: list[tuple[datetime, Person, str]] = []
    for n, day in enumerate(office_days()):
        for person, offset in ((TANAKA, 0), (SATO, 3)):
            for k in range(6 + (n + offset) % 5):
                name = DRAWINGS[(n * 7 + k * 13 + offset) % 60]
                reads.append((jst(day, 10 + k, (k * 11 + offset) % 60), person, name))
    bulk_day = date(2025, 3, 5)
    for k, name in enumerate(DRAWINGS):  # 19:30-21:10, 420 files
        reads.append((jst(bulk_day, 19, 30) + timedelta(seconds=14 * k), TANAKA, name))
    return sorted(reads, key=lambda r: (r[0], r[1].person, r[2]))


SATURDAY = date(2025, 3, 8)
COPIED = DRAWINGS[:120]
ARCHIVE = "図面一式.zip"
DOCS = r"C:\Users\tanaka\Documents\設計"


def drawing_bytes(index: int) -> bytes:
    """A drawing file's content: a DWG header and deterministic filler of a known size."""
    size = 18_000 + 97 * index
    seed = hashlib.sha256(f"drawing-{index}".encode()).digest()
    return (b"AC1032\x00\x00" + seed * (size // 32 + 1))[:size]


def archive_bytes() -> bytes:
    """The staging archive of the copied drawings (stored, fixed member dates)."""
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_STORED) as zf:
        for index, name in enumerate(COPIED):
            info = zipfile.ZipInfo(name, date_time=(2025, 3, 8, 10, 1, 0))
            zf.writestr(info, drawing_bytes(index))
    return buf.getvalue()


def operations() -> list[tuple[datetime, Person, str, str, str, str, int]]:
    """Endpoint operation log: (time, person, operation, file, destination, drive, size)."""
    docs = DOCS
    archive_size = len(archive_bytes())
    ops: list[tuple[datetime, Person, str, str, str, str, int]] = [
        (jst(SATURDAY, 10, 3), TANAKA, "デバイス接続", "", USB["letter"], "リムーバブル", 0),
    ]
    for k, name in enumerate(COPIED):
        ops.append(
            (
                jst(SATURDAY, 10, 5) + timedelta(seconds=17 * k),
                TANAKA,
                "ファイルコピー",
                f"{docs}\\{name}",
                f"{USB['letter']}\\backup\\{name}",
                "リムーバブル",
                len(drawing_bytes(k)),
            )
        )
    ops.append(
        (
            jst(SATURDAY, 10, 42),
            TANAKA,
            "ファイルコピー",
            f"{docs}\\{ARCHIVE}",
            f"{USB['letter']}\\backup\\{ARCHIVE}",
            "リムーバブル",
            archive_size,
        )
    )
    ops.append(
        (
            jst(SATURDAY, 12, 31),
            TANAKA,
            "ファイル削除",
            f"{docs}\\{ARCHIVE}",
            "",
            "固定",
            archive_size,
        )
    )
    ops.append(
        (jst(SATURDAY, 12, 35), TANAKA, "デバイス切断", "", USB["letter"], "リムーバブル", 0)
    )
    for n, day in enumerate(office_days()):
        ops.append(
            (
                jst(day, 14, (n * 7) % 60),
                SATO,
                "ファイル更新",
                rf"C:\Users\sato\Documents\設計\検討メモ{n % 4 + 1}.docx",
                "",
                "固定",
                48_000 + n,
            )
        )
    return sorted(ops, key=lambda o: (o[0], o[1].person))


def door_entries() -> list[tuple[datetime, Person, str]]:
    """Badge log: weekday entries and exits for both, and Tanaka's Saturday visit."""
    rows: list[tuple[datetime, Person, str]] = []
    for n, day in enumerate(office_days()):
        for person, late in ((TANAKA, 0), (SATO, 1)):
            rows.append((jst(day, 8, 40 + (n + late) % 15), person, "入室"))
            leave = 21 if (person is TANAKA and day == date(2025, 3, 5)) else 18
            rows.append((jst(day, leave, 10 + (n * 3 + late) % 40), person, "退室"))
    rows.append((jst(SATURDAY, 9, 58), TANAKA, "入室"))
    rows.append((jst(SATURDAY, 12, 40), TANAKA, "退室"))
    return sorted(rows, key=lambda r: (r[0], r[1].person))


CLOUD_DAY = date(2025, 3, 10)
SITE = "https://sampleseiki.sharepoint.com/sites/design"


def cloud_records() -> list[tuple[datetime, Person, str, dict[str, object]]]:
    """Microsoft 365 audit records (times in JST here; the export writes UTC)."""
    recs: list[tuple[datetime, Person, str, dict[str, object]]] = []
    for k, name in enumerate(DRAWINGS[120:150]):
        recs.append(
            (
                jst(CLOUD_DAY, 20, 5) + timedelta(seconds=40 * k),
                TANAKA,
                "FileDownloaded",
                {
                    "ObjectId": f"{SITE}/Shared Documents/極秘/{name}",
                    "SourceFileName": name,
                    "SiteUrl": f"{SITE}/",
                    "ClientIP": TANAKA.ip,
                },
            )
        )
    recs.append(
        (
            jst(CLOUD_DAY, 20, 41),
            TANAKA,
            "SharingSet",
            {
                "ObjectId": f"{SITE}/Shared Documents/極秘/{DRAWINGS[120]}",
                "SourceFileName": DRAWINGS[120],
                "TargetUserOrGroupName": TANAKA.private_email,
                "TargetUserOrGroupType": "Guest",
                "SiteUrl": f"{SITE}/",
            },
        )
    )
    for n, day in enumerate(office_days()[::3]):
        recs.append(
            (
                jst(day, 11, 20 + n),
                SATO,
                "FileAccessed",
                {
                    "ObjectId": f"{SITE}/Shared Documents/共有/議事録{n}.docx",
                    "SourceFileName": f"議事録{n}.docx",
                    "SiteUrl": f"{SITE}/",
                },
            )
        )
    return sorted(recs, key=lambda r: (r[0], r[1].person, r[2]))


def proxy_requests() -> list[tuple[datetime, Person, str, str, int]]:
    """Proxy requests: (time, person, method, url, bytes)."""
    standards = "https://www.jisc.go.jp/app/jis/general/GnrJISSearch.html"
    reqs: list[tuple[datetime, Person, str, str, int]] = [
        (jst(day, 9, 15 + n % 30), person, "GET", standards, 18_420)
        for n, day in enumerate(office_days())
        for person in PEOPLE
    ]
    reqs.append(
        (
            jst(CLOUD_DAY, 20, 45),
            TANAKA,
            "POST",
            "https://mail.google.com/mail/u/0/?ui=2&view=up&act=af",
            25_165_824,
        )
    )
    reqs.append(
        (
            jst(CLOUD_DAY, 20, 52),
            TANAKA,
            "PUT",
            "https://drive.google.com/upload/drive/v3/files?uploadType=resumable",
            52_428_800,
        )
    )
    return sorted(reqs, key=lambda r: (r[0], r[1].person))

"""The domain map's §6 scenarios (P1–P8 positive, N1–N3 and B4 benign) as events.

Companies and people are fictional; the patterns follow the cases in [S3] Ⅴ.1. Volumes
follow the map where they matter for a threshold; large volumes are scaled down where the
rule's logic does not depend on the absolute number (noted per scenario).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from evidencekit.analysis.engine import AnalysisOptions
from evidencekit.case.workspace import Case
from tests.analysis.builder import Scenario, days, spread

GOV_E1 = """
[[governance]]
type = "work_rules"
title = "就業規則 第32条（秘密保持）"
date = "2019-04-01"

[[governance]]
type = "classification_rule"
title = "情報区分規程（極秘・秘・社外秘）"
date = "2020-10-01"
"""


def _p1_inputs(s: Scenario, corpus: str | None) -> None:
    s.write(
        "ids.toml",
        """
[[person]]
person = "e1"
display_name = "田中 一郎 (fictional)"
accounts = ["SMT\\\\e1.tanaka"]
emails = ["e1.tanaka@smt.example.co.jp"]
hosts = ["LT-0101"]
department = "設計部"
""",
    )
    s.write(
        "assets.toml",
        '''
[[asset]]
id = "SF-001"
path = '\\\\fs-design\\製品図面\\【秘】'
description = "製品系列Aの設計図面"
value_class = "cad"
marking = "秘"
acl = "restricted"
protection = ["acl:G_Design_Core", "marking:title_block"]
origin = "internal"
sha256 = ["'''
        + "a1" * 32
        + """"]

[[device]]
serial = "USB-SN-CORP-0001"

[[device]]
serial = "USB-SN-CORP-0002"
"""
        + GOV_E1
        + """
[[governance]]
type = "pledge_entry"
person = "e1"
title = "秘密保持誓約書（入社時）"
date = "2016-04-01"

[[governance]]
type = "training"
person = "e1"
title = "情報管理eラーニング"
date = "2024-10-15"
"""
        + (corpus or ""),
    )


def build_p1(
    root: Path, hr: bool = True, corpus: str | None = None
) -> tuple[Case, AnalysisOptions]:
    """P1 — post-notice bulk download, USB copy on 春分の日 during paid leave, clean-up (Mazak).

    Reads scaled to 600 an evening or weekend day (map: 17,600 + 3,800) with 4 MB drawings,
    so the daily-bytes criterion (>= 2 GiB) carries R02 where the hourly one does in the map;
    the 21,400-file copy is one endpoint summary record plus 200 per-file traces on the USB
    volume (their names link them to the reads).
    """
    s = Scenario(root, "P1")
    _p1_inputs(s, corpus)
    u = {"user": "e1.tanaka", "domain": "SMT", "host": "LT-0101"}
    share = "\\\\fs-design\\製品図面\\【秘】"
    n = 0
    for day in days("2025-01-06", "2025-02-28", weekdays_only=True):
        for t in spread(day, "09:00", "19:00", 60):
            n += 1
            s.add(
                "fileserver",
                t,
                "read",
                path=f"{share}\\A\\base_{n % 400:05d}.dwg",
                size=300_000,
                **u,
            )
    bulk = list(days("2025-03-04", "2025-03-13", weekdays_only=True))
    n = 0
    for day in bulk:
        for t in spread(day, "18:30", "23:50", 600):
            n += 1
            ext = (".dwg", ".sldprt", ".icd")[n % 3]
            s.add(
                "fileserver", t, "read", path=f"{share}\\B\\drw_{n:05d}{ext}", size=4_000_000, **u
            )
    for day in ("2025-03-08", "2025-03-09"):
        for t in spread(day, "13:00", "23:30", 600):
            n += 1
            s.add("fileserver", t, "read", path=f"{share}\\B\\drw_{n:05d}.dwg", size=4_000_000, **u)
    # HR comes as the HR export CSV (--hr); build_p1(hr=False) leaves it out (§6.5 item 3)
    s.write(
        "hr.csv",
        "person,hr_type,date,end_date\n"
        "e1,resignation_notice,2025-03-03,\n"
        "e1,last_working_day,2025-03-14,\n"
        "e1,leave_start,2025-03-17,2025-03-31\n"
        "e1,retirement,2025-03-31,\n",
    )
    s.add("vpn", "2025-03-20 13:40", "logon", attrs={"remote": True, "mfa": True}, **u)
    usb = {"usb_serial": "USB-SN-A1", "drive_type": "removable"}
    s.add(
        "endpoint",
        "2025-03-20 13:58:11",
        "device_connect",
        kind="evtx.partition.1006",
        host="LT-0101",
        device=usb,
        attrs={"device_class": "storage", "vid_pid": "0781:5583"},
    )
    work = "C:\\Users\\e1\\Desktop\\work\\"
    s.add(
        "endpoint",
        "2025-03-20 14:05",
        "copy",
        kind="endpoint.copy",
        path=work,
        target="E:\\backup\\",
        device=usb,
        attrs={"file_count": 21400, "bytes": 40802189312},
        **u,
    )
    for i, t in enumerate(spread("2025-03-20", "14:05", "14:51", 200), start=1):
        s.add(
            "endpoint",
            t,
            "create",
            path=f"{work}drw_{i:05d}.dwg",
            target=f"E:\\backup\\drw_{i:05d}.dwg",
            device=usb,
            **u,
        )
    s.add(
        "endpoint",
        "2025-03-20 14:52:40",
        "device_disconnect",
        kind="evtx.partition.1006",
        host="LT-0101",
        device=usb,
    )
    s.add("endpoint", "2025-03-21 10:12", "delete", path=work, attrs={"file_count": 21400}, **u)
    s.add(
        "endpoint",
        "2025-03-21 10:20:05",
        "delete",
        kind="recyclebin.empty",
        path="C:\\$Recycle.Bin",
        attrs={"operation": "empty_recycle_bin"},
        **u,
    )
    case = s.seal()
    return case, AnalysisOptions(
        identities=s.files["ids.toml"],
        assets=s.files["assets.toml"],
        hr=s.files["hr.csv"] if hr else None,
    )


def rules_fired(result: Any, min_severity: str = "low") -> dict[str, str]:
    """Highest severity per rule among behaviour findings."""
    order = ("info", "low", "medium", "high", "critical")
    out: dict[str, str] = {}
    for f in result.findings:
        rank = order.index(f.severity)
        best = order.index(out[f.rule]) if f.rule in out else -1
        if rank >= order.index(min_severity) and rank > best:
            out[f.rule] = f.severity
    return out


def _ids(s: Scenario, people: str) -> Path:
    return s.write("ids.toml", people)


def build_n1(root: Path, usb_guard: bool = False) -> tuple[Case, AnalysisOptions]:
    """N1 — nightly backup by a service account to a registered NAS, incl. Golden Week.

    Scaled: 150 files a night (the map's 480,000 would not change the logic: service
    accounts are outside the baselines). ``usb_guard`` swaps the destination for an
    unregistered USB stick: allow-lists are keyed on the destination, so R03 must fire.
    """
    s = Scenario(root, "N1")
    _ids(
        s,
        '[[person]]\nperson = "svc_backup"\naccounts = ["CORP\\\\svc_backup"]\n'
        'service_account = true\nrole = "service"\n',
    )
    s.write(
        "assets.toml",
        """
[[asset]]
id = "SF-010"
path = '\\\\fs01\\【秘】設計'
marking = "秘"
acl = "restricted"

[[destination]]
value = '\\\\nas-bk01\\daily'
""",
    )
    u = {
        "user": "svc_backup",
        "domain": "CORP",
        "host": "BK-01",
        "process": "C:\\Program Files\\Backup\\agent.exe",
    }
    usb = {"usb_serial": "USB-SN-X9", "drive_type": "removable"}
    n = 0
    for day in days("2025-04-28", "2025-05-11"):
        for t in spread(day, "02:00", "04:30", 150):
            n += 1
            src = f"\\\\fs01\\【秘】設計\\d{n % 900:04d}.dwg"
            s.add("fileserver", t, "read", path=src, size=4_000_000, **u)
            if usb_guard:
                s.add(
                    "endpoint",
                    t,
                    "copy",
                    path=src,
                    target=f"F:\\bk\\d{n % 900:04d}.dwg",
                    device=usb,
                    **u,
                )
            else:
                s.add(
                    "endpoint",
                    t,
                    "copy",
                    path=src,
                    target=f"\\\\nas-bk01\\daily\\d{n % 900:04d}.dwg",
                    device={"drive_type": "network"},
                    **u,
                )
        if date_of(day).weekday() == 6:
            s.add(
                "endpoint",
                f"{day} 02:00",
                "delete",
                path="\\\\nas-bk01\\daily\\old\\",
                attrs={"file_count": 30000},
                **u,
            )
    case = s.seal()
    return case, AnalysisOptions(identities=s.files["ids.toml"], assets=s.files["assets.toml"])


def date_of(day: str) -> Any:
    from datetime import date

    return date.fromisoformat(day)


def build_n2(root: Path) -> tuple[Case, AnalysisOptions]:
    """N2 — approved late-night and holiday work before a tender, no copying."""
    s = Scenario(root, "N2")
    _ids(
        s,
        '[[person]]\nperson = "e9"\naccounts = ["CORP\\\\e9.sato"]\n'
        'emails = ["e9.sato@corp.example.co.jp"]\n',
    )
    s.write(
        "assets.toml",
        """
[[asset]]
id = "SF-020"
path = '\\\\fs-sales\\案件\\A社提案'
marking = "社外秘"
acl = "restricted"

[counterparties]
domains = ["customer-portal.example.co.jp"]
""",
    )
    s.write(
        "hr.csv",
        "person,hr_type,date,end_date\ne9,approved_overtime,2025-11-18,2025-11-20\n"
        "e9,approved_holiday_work,2025-11-23,\n",
    )
    u = {"user": "e9.sato", "domain": "CORP", "host": "PC-0909"}
    folder = "\\\\fs-sales\\案件\\A社提案\\社外秘_提案書"
    for day in ("2025-11-18", "2025-11-19", "2025-11-20"):
        for i, t in enumerate(spread(day, "22:00", "01:30", 36)):
            s.add("fileserver", t, "modify", path=f"{folder}_{i % 12:02d}.docx", size=400_000, **u)
    for i, t in enumerate(spread("2025-11-23", "10:10", "15:40", 30)):
        s.add("fileserver", t, "modify", path=f"{folder}_{i % 12:02d}.docx", size=400_000, **u)
    s.add(
        "proxy",
        "2025-11-21 16:20",
        "upload",
        url="https://customer-portal.example.co.jp/upload",
        size=8_000_000,
        attrs={"host": "customer-portal.example.co.jp", "bytes_out": 8_000_000},
        **u,
    )
    case = s.seal()
    return case, AnalysisOptions(
        identities=s.files["ids.toml"], assets=s.files["assets.toml"], hr=s.files["hr.csv"]
    )


def build_n3(root: Path) -> tuple[Case, AnalysisOptions]:
    """N3 — ticketed IT migration of file shares to the corporate SharePoint tenant.

    Scaled: 4,000 reads/uploads over the change window (map: 1.2M); the ticket and the
    registered tenant, not the volume, decide the outcome.
    """
    s = Scenario(root, "N3")
    _ids(s, '[[person]]\nperson = "adm_it01"\naccounts = ["CORP\\\\adm_it01"]\nrole = "it_admin"\n')
    s.write(
        "assets.toml",
        """
[[asset]]
id = "SF-030"
path = '\\\\fs01\\【秘】'
marking = "秘"
acl = "restricted"

[[destination]]
value = "contoso.sharepoint.com"

[[ticket]]
id = "CHG-2025-0412"
person = "adm_it01"
start = 2025-05-03T00:00:00+09:00
end = 2025-05-06T23:59:59+09:00

[[ticket]]
id = "CHG-2025-0412-T7"
person = "adm_it01"
start = 2025-05-20T10:00:00+09:00
end = 2025-05-20T12:00:00+09:00
""",
    )
    u = {"user": "adm_it01", "domain": "CORP", "host": "MIG-01", "process": "C:\\Tools\\spmt.exe"}
    for day in days("2025-05-03", "2025-05-06"):
        for i, t in enumerate(spread(day, "00:30", "23:30", 1000)):
            path = f"\\\\fs01\\【秘】\\dept{i % 40:02d}\\f{i:05d}.xlsx"
            s.add("fileserver", t, "read", path=path, size=2_800_000, **u)
            if i % 10 == 0:
                s.add(
                    "proxy",
                    t,
                    "upload",
                    url="https://contoso.sharepoint.com/sites/migr",
                    attrs={"host": "contoso.sharepoint.com", "bytes_out": 28_000_000},
                    **u,
                )
    s.add(
        "fileserver",
        "2025-05-20 10:30",
        "delete",
        path="\\\\fs01\\【秘】\\",
        attrs={"file_count": 1200000},
        **u,
    )
    case = s.seal()
    return case, AnalysisOptions(identities=s.files["ids.toml"], assets=s.files["assets.toml"])


def build_b4(root: Path) -> tuple[Case, AnalysisOptions]:
    """B4 — a leaver copies personal files to USB under HR supervision on the last day."""
    s = Scenario(root, "B4")
    _ids(s, '[[person]]\nperson = "e10"\naccounts = ["CORP\\\\e10.ito"]\nhosts = ["LT-1010"]\n')
    s.write(
        "assets.toml", '[[asset]]\nid = "SF-040"\npath = \'\\\\fs-eng\\【秘】\'\nmarking = "秘"\n'
    )
    s.hr("e10", "resignation_notice", "2025-09-01")
    s.hr("e10", "last_working_day", "2025-09-30")
    s.hr("e10", "exit_checklist", "2025-09-30", witness="HR")
    u = {"user": "e10.ito", "domain": "CORP", "host": "LT-1010"}
    usb = {"usb_serial": "USB-SN-J10", "drive_type": "removable"}
    s.add(
        "endpoint",
        "2025-09-30 15:29",
        "device_connect",
        kind="evtx.partition.1006",
        host="LT-1010",
        device=usb,
        attrs={"device_class": "storage"},
    )
    names = [f"family\\IMG_{i:04d}.jpg" for i in range(418)] + [
        "2024年分_源泉徴収票.pdf",
        "給与明細_2025-08.pdf",
    ]
    for name, t in zip(names, spread("2025-09-30", "15:30", "15:45", len(names)), strict=True):
        s.add(
            "endpoint",
            t,
            "copy",
            path=f"C:\\Users\\e10\\Pictures\\{name}",
            target=f"E:\\{name}",
            size=3_000_000,
            device=usb,
            **u,
        )
    case = s.seal()
    return case, AnalysisOptions(identities=s.files["ids.toml"], assets=s.files["assets.toml"])


def build_p3(root: Path) -> tuple[Case, AnalysisOptions]:
    """P3 — restricted PDM downloads, holiday copying to HDDs, wiping, lost media (Denso).

    No HR data at all (R01 must be not assessed, GAP.BF.01). Scaled: ~100 downloads per
    working day instead of ~1,100 (still 6x the ~15/day baseline); the HDD copies appear
    as LNK traces on the removable volumes (the HDDs were never recovered).
    """
    s = Scenario(root, "P3")
    _ids(s, '[[person]]\nperson = "e3"\naccounts = ["DEN\\\\e3.suzuki"]\nhosts = ["LT-0303"]\n')
    s.write(
        "assets.toml",
        """
[[asset]]
id = "SF-300"
path = '\\\\pdm-a\\drawings'
description = "製品系列A-Eの図面（PDM-A）"
value_class = "cad"
marking = "極秘"
acl = "restricted"
protection = ["acl:PDM-A 3 departments", "marking:title_block 極秘"]
origin = "internal"

[[governance]]
type = "work_rules"
title = "就業規則（秘密保持）"
date = "2015-04-01"
""",
    )
    s.write("params.toml", '[calendar]\ncompany_extra = ["12-28..01-05"]\n')
    u = {"user": "e3.suzuki", "domain": "DEN", "host": "LT-0303"}
    n = 0
    for day in days("2024-07-01", "2024-09-30", weekdays_only=True):
        for t in spread(day, "10:00", "17:00", 15):
            n += 1
            s.add(
                "fileserver",
                t,
                "download",
                kind="pdm.download",
                path=f"\\\\pdm-a\\drawings\\E\\e_{n % 300:04d}.dwg",
                size=8_000_000,
                **u,
            )
    for day in days("2024-10-01", "2024-12-20", weekdays_only=True):
        for i, t in enumerate(spread(day, "09:30", "18:30", 100)):
            n += 1
            line = "ABCD"[i % 4] if i % 5 < 3 else "E"
            s.add(
                "fileserver",
                t,
                "download",
                kind="pdm.download",
                path=f"\\\\pdm-a\\drawings\\{line}\\x_{n:06d}.dwg",
                size=8_000_000,
                **u,
            )
    hdd1 = {"usb_serial": "HDD-SN-C1", "drive_type": "removable"}
    hdd2 = {"usb_serial": "HDD-SN-C2", "drive_type": "removable"}
    copies = (
        ("2024-11-02", "15:00", "18:10", hdd1),
        ("2024-11-03", "10:00", "16:00", hdd1),
        ("2024-11-04", "09:30", "12:00", hdd1),
        ("2024-12-28", "13:00", "17:30", hdd2),
    )
    m = 8000
    for day, a, b, dev in copies:
        s.add(
            "endpoint",
            f"{day} {a}",
            "device_connect",
            kind="evtx.partition.1006",
            host="LT-0303",
            device=dev,
            attrs={"device_class": "storage"},
        )
        for t in spread(day, a, b, 60):
            m += 1
            s.add(
                "endpoint",
                t,
                "open",
                kind="lnk",
                path=f"E:\\PDM_export\\x_{m:06d}.dwg",
                device=dev,
                **u,
            )
    s.add(
        "endpoint",
        "2025-01-20 19:01",
        "create",
        kind="registry.key",
        path="HKCU\\Software\\Sysinternals\\SDelete\\EulaAccepted",
        **u,
    )
    s.add(
        "endpoint",
        "2025-01-20 19:02",
        "execute",
        kind="prefetch",
        path="C:\\Tools\\sdelete64.exe",
        attrs={"command_line": "sdelete64.exe -s -p 3 C:\\PDM_export"},
        **u,
    )
    for t in spread("2025-01-20", "19:02", "19:38", 38):
        s.add("endpoint", t, "delete", path="C:\\PDM_export\\", attrs={"file_count": 1000}, **u)
    s.add(
        "endpoint",
        "2025-01-20 19:40",
        "execute",
        kind="evtx.security.4688",
        path="C:\\Windows\\System32\\cipher.exe",
        attrs={"command_line": "cipher.exe /w:C:\\"},
        **u,
    )
    s.add(
        "endpoint",
        "2025-01-20 21:05",
        "execute",
        kind="prefetch",
        path="C:\\Program Files\\CCleaner\\CCleaner64.exe",
        **u,
    )
    case = s.seal()
    return case, AnalysisOptions(
        identities=s.files["ids.toml"], assets=s.files["assets.toml"], params=s.files["params.toml"]
    )


def build_p5(root: Path) -> tuple[Case, AnalysisOptions]:
    """P5 — severance offer, mass copy, encrypted archive to self and to the spouse's company (GM).

    Scaled: 4,000 reads over two evenings (map: 16,200); the 16,200-file USB copy is one
    endpoint summary plus 100 per-file traces.
    """
    s = Scenario(root, "P5")
    _ids(
        s,
        """[[person]]
person = "e5"
accounts = ["CORP\\\\e5.kato"]
emails = ["e5.kato@corp.example.co.jp", "e5.private@gmail.com"]
hosts = ["LT-0505"]
""",
    )
    s.write(
        "assets.toml",
        """
[[asset]]
id = "SF-500"
path = '\\\\fs-rd\\HV制御\\極秘'
value_class = "source"
marking = "極秘"
acl = "restricted"
origin = "internal"

[watch_list]
domains = ["rival-example.cn"]

[[governance]]
type = "work_rules"
title = "就業規則（秘密保持）"
date = "2018-04-01"
""",
    )
    s.hr("e5", "severance_offer", "2025-01-14 15:00")
    u = {
        "user": "e5.kato",
        "domain": "CORP",
        "host": "LT-0505",
        "email": "e5.kato@corp.example.co.jp",
    }
    share = "\\\\fs-rd\\HV制御\\極秘"
    for day in days("2024-11-01", "2025-01-10", weekdays_only=True):
        for i, t in enumerate(spread(day, "10:00", "17:00", 20)):
            s.add("fileserver", t, "read", path=f"{share}\\base\\b_{i:03d}.c", size=40_000, **u)
    s.add(
        "mail",
        "2025-01-10 11:00",
        "receive",
        kind="calendar.invite",
        attrs={"from": "pm@rival-example.cn"},
        **u,
    )
    n = 0
    for day, a, b in (("2025-01-16", "19:30", "23:10"), ("2025-01-17", "18:45", "22:40")):
        for t in spread(day, a, b, 2000):
            n += 1
            ext = (".c", ".h", ".slx", ".csv")[n % 4]
            s.add("fileserver", t, "read", path=f"{share}\\src\\m_{n:05d}{ext}", size=60_000, **u)
    s.add("badge", "2025-01-18 09:58", "badge_in", kind="badge.entry", **u)
    usb = {"usb_serial": "USB-SN-E5", "drive_type": "removable"}
    s.add(
        "endpoint",
        "2025-01-18 10:03",
        "device_connect",
        kind="evtx.partition.1006",
        host="LT-0505",
        device=usb,
        attrs={"device_class": "storage"},
    )
    s.add(
        "endpoint",
        "2025-01-18 10:05",
        "copy",
        kind="endpoint.copy",
        path="C:\\Users\\e5\\src\\",
        target="F:\\",
        device=usb,
        attrs={"file_count": 16200, "bytes": 970000000},
        **u,
    )
    for i, t in enumerate(spread("2025-01-18", "10:05", "12:40", 100), start=1):
        s.add(
            "endpoint",
            t,
            "create",
            path=f"C:\\Users\\e5\\src\\m_{i:05d}.c",
            target=f"F:\\m_{i:05d}.c",
            device=usb,
            **u,
        )
    s.add(
        "endpoint",
        "2025-01-18 12:40",
        "execute",
        kind="prefetch",
        path="C:\\Program Files\\7-Zip\\7z.exe",
        attrs={"command_line": "7z.exe a -pXXXX -mhe=on hv.7z C:\\Users\\e5\\src\\sel"},
        **u,
    )
    s.add(
        "mail",
        "2025-01-18 12:55",
        "send",
        attrs={"to": ["e5.private@gmail.com"], "attachments": ["hv.7z"]},
        **u,
    )
    s.add("vpn", "2025-01-19 21:10", "logon", attrs={"remote": True, "mfa": True}, **u)
    s.add(
        "mail",
        "2025-01-19 21:20",
        "send",
        attrs={
            "to": ["info@rival-example.cn"],
            "attachments": ["m_00002.slx", "m_00006.slx", "m_00010.slx"],
        },
        **u,
    )
    case = s.seal()
    return case, AnalysisOptions(identities=s.files["ids.toml"], assets=s.files["assets.toml"])


def build_p7(root: Path) -> tuple[Case, AnalysisOptions]:
    """P7 — external request, small targeted copy (258 drawings), CD burn before leaving."""
    s = Scenario(root, "P7")
    _ids(s, '[[person]]\nperson = "e7"\naccounts = ["YSK\\\\e7.yamada"]\nhosts = ["PC-0707"]\n')
    s.write(
        "assets.toml",
        """
[[asset]]
id = "SF-700"
path = '\\\\fs-press\\図面'
value_class = "cad"
marking = "秘"
acl = "restricted"

[watch_list]
addresses = ["b.sato.partner@gmail.com"]

[[governance]]
type = "work_rules"
title = "就業規則（秘密保持）"
date = "2017-04-01"
""",
    )
    s.hr("e7", "resignation_notice", "2025-12-01")
    s.hr("e7", "last_working_day", "2025-12-19")
    s.hr("e7", "retirement", "2025-12-31")
    u = {"user": "e7.yamada", "domain": "YSK", "host": "PC-0707"}
    for day in days("2025-09-01", "2025-10-31", weekdays_only=True):
        for i, t in enumerate(spread(day, "10:00", "17:00", 10)):
            s.add(
                "fileserver",
                t,
                "read",
                path=f"\\\\fs-press\\図面\\own\\p_{i:03d}.dwg",
                size=900_000,
                **u,
            )
    s.add(
        "mail",
        "2025-11-05 12:14",
        "receive",
        attrs={"from": "b.sato.partner@gmail.com", "subject_sha256": "ab" * 32},
        **u,
    )
    s.add("mail", "2025-11-05 12:40", "send", attrs={"to": ["b.sato.partner@gmail.com"]}, **u)
    n = 0
    tmp = "C:\\Users\\e7\\Documents\\tmp\\"
    for day in ("2025-11-10", "2025-11-11", "2025-11-12"):
        for t in spread(day, "17:30", "19:00", 86):
            n += 1
            ext = ".dwg" if n % 2 else ".pdf"
            s.add(
                "fileserver",
                t,
                "read",
                path=f"\\\\fs-press\\図面\\press\\d_{n:04d}{ext}",
                size=900_000,
                **u,
            )
            s.add(
                "endpoint",
                t,
                "copy",
                path=f"\\\\fs-press\\図面\\press\\d_{n:04d}{ext}",
                target=f"{tmp}d_{n:04d}{ext}",
                device={"drive_type": "fixed"},
                **u,
            )
    burn = "C:\\Users\\e7\\AppData\\Local\\Microsoft\\Windows\\Burn\\Burn\\"
    for i, t in enumerate(spread("2025-12-18", "18:10", "18:32", 258), start=1):
        ext = ".dwg" if i % 2 else ".pdf"
        s.add(
            "endpoint",
            t,
            "create",
            path=f"{tmp}d_{i:04d}{ext}",
            target=f"{burn}d_{i:04d}{ext}",
            **u,
        )
    s.add(
        "endpoint",
        "2025-12-18 18:33",
        "open",
        kind="lnk",
        path="D:\\d_0001.dwg",
        device={"drive_type": "optical", "label": "DATA_1218"},
        **u,
    )
    s.add("endpoint", "2025-12-19 17:50", "delete", path=tmp, attrs={"file_count": 258}, **u)
    s.add(
        "endpoint",
        "2025-12-19 17:52",
        "delete",
        kind="recyclebin.empty",
        path="C:\\$Recycle.Bin",
        attrs={"operation": "empty_recycle_bin"},
        **u,
    )
    case = s.seal()
    return case, AnalysisOptions(identities=s.files["ids.toml"], assets=s.files["assets.toml"])


def build_p2(root: Path) -> tuple[Case, AnalysisOptions]:
    """P2 — pre-move copying from home to a private HDD, mixed with event photos (Nissan).

    Scaled: 600 reads per session (map: 2,480 and 2,540); each USB copy is one endpoint
    summary record plus per-file traces; the 312 photos are copied file by file.
    """
    s = Scenario(root, "P2")
    _ids(s, '[[person]]\nperson = "e2"\naccounts = ["NSX\\\\e2.kimura"]\nhosts = ["LT-0202"]\n')
    s.write(
        "assets.toml",
        """
[[asset]]
id = "SF-200"
path = '\\\\fs-hq\\商品企画\\社外秘'
description = "新車販売計画・商品企画書"
value_class = "plan"
marking = "社外秘"
acl = "restricted"
origin = "internal"

[[governance]]
type = "device_policy"
title = "情報セキュリティ規程 §12 私物の外部記録媒体の接続の禁止"
date = "2023-04-01"

[[governance]]
type = "pledge_entry"
person = "e2"
title = "秘密保持誓約書（入社時）"
date = "2012-04-01"

[[governance]]
type = "pledge_exit"
person = "e2"
title = "退職時誓約書「会社の情報を保有していません」"
date = "2025-07-25"
""",
    )
    s.hr("e2", "resignation_notice", "2025-06-16")
    s.hr("e2", "last_working_day", "2025-07-25")
    s.hr("e2", "retirement", "2025-07-31")
    s.hr("e2", "exit_pledge", "2025-07-25")
    u = {"user": "e2.kimura", "domain": "NSX", "host": "LT-0202"}
    share = "\\\\fs-hq\\商品企画\\社外秘"
    for day in days("2025-04-01", "2025-06-30", weekdays_only=True):
        for i, t in enumerate(spread(day, "10:00", "18:00", 30)):
            s.add(
                "fileserver",
                t,
                "read",
                path=f"{share}\\base\\plan_{i:03d}.pptx",
                size=900_000,
                attrs={"label": "Confidential\\社外秘"},
                **u,
            )
    hdd = {"usb_serial": "WD-SN-B2", "drive_type": "removable"}
    n = 0
    for day, a, b in (("2025-07-05", "21:10", "23:40"), ("2025-07-21", "20:05", "22:30")):
        s.add("vpn", f"{day} {a}", "logon", attrs={"remote": True}, **u)
        s.add(
            "endpoint",
            f"{day} {a}",
            "device_connect",
            kind="evtx.partition.1006",
            host="LT-0202",
            device=hdd,
            attrs={"device_class": "storage"},
        )
        names = []
        for t in spread(day, a, b, 600):
            n += 1
            name = f"販売計画_{n:05d}.pptx"
            names.append(name)
            s.add("fileserver", t, "read", path=f"{share}\\{name}", size=2_000_000, **u)
        s.add(
            "endpoint",
            f"{day} {b}",
            "copy",
            kind="endpoint.copy",
            path="C:\\Users\\e2\\dl\\",
            target="F:\\",
            device=hdd,
            attrs={"file_count": 2500, "bytes": 5_000_000_000},
            **u,
        )
        for name, t in zip(names[:50], spread(day, a, b, 50), strict=True):
            s.add(
                "endpoint",
                t,
                "create",
                path=f"C:\\Users\\e2\\dl\\{name}",
                target=f"F:\\{name}",
                device=hdd,
                **u,
            )
    for i, t in enumerate(spread("2025-07-21", "22:00", "22:20", 312)):
        s.add(
            "endpoint",
            t,
            "copy",
            path=f"\\\\fs-hq\\広報\\イベント写真\\IMG_{i:04d}.jpg",
            target=f"F:\\photos\\IMG_{i:04d}.jpg",
            device=hdd,
            size=4_000_000,
            **u,
        )
    case = s.seal()
    return case, AnalysisOptions(identities=s.files["ids.toml"], assets=s.files["assets.toml"])


def build_p4(root: Path) -> tuple[Case, AnalysisOptions]:
    """P4 — contractor DB exports to a personal phone over MTP, repeated (Benesse).

    20 sessions (Mon/Thu 19:00-21:30 from 2025-04-07, then 06-17 and 06-27) of a DB export,
    an MTP copy of the CSV and its deletion within 30 minutes; row counts as in the map
    (6.38M, 18.8M).
    """
    s = Scenario(root, "P4")
    _ids(
        s,
        '[[person]]\nperson = "c1"\naccounts = ["EXT\\\\ext_c1"]\nhosts = ["CL-7001"]\n'
        'role = "contractor"\n',
    )
    s.write(
        "assets.toml",
        """
[[asset]]
id = "SF-400"
path = "CUSTDB"
description = "顧客名簿（顧客データベース）"
value_class = "customer_list"
acl = "restricted"
protection = ["acl:maintenance role", "device_control:usb_write_block"]
origin = "internal"

[[device]]
serial = "USB-SN-CORP-0400"

[[governance]]
type = "nda"
person = "c1"
title = "業務委託契約（秘密保持条項）"
date = "2024-04-01"
""",
    )
    s.hr("c1", "contract_end", "2025-09-30")
    u = {"user": "ext_c1", "domain": "EXT", "host": "CL-7001"}
    phone = {"drive_type": "mtp", "usb_serial": "PHONE-SN-D4", "vendor": "Android"}
    mon_thu = [d for d in days("2025-04-07", "2025-06-16") if date_of(d).weekday() in (0, 3)]
    sessions = [*mon_thu[:18], "2025-06-17", "2025-06-27"]  # the last two as in the map
    rows = {"2025-06-17": 6_380_000, "2025-06-27": 18_800_000}
    for k, day in enumerate(sessions):
        name = f"exp_{day.replace('-', '')}.csv"
        s.add("badge", f"{day} 18:55", "badge_in", kind="badge.entry", **u)
        s.add(
            "fileserver",
            f"{day} 19:05",
            "download",
            kind="db.export",
            path="CUSTDB\\customers",
            size=300_000_000,
            attrs={"rows": rows.get(day, 200_000 + 90_000 * k)},
            **u,
        )
        s.add("endpoint", f"{day} 19:08", "create", path=f"D:\\work\\{name}", size=300_000_000, **u)
        if k == 0:
            s.add(
                "dlp",
                f"{day} 19:12",
                "copy",
                kind="dlp.event",
                path=f"D:\\work\\{name}",
                target=f"E:\\{name}",
                device={"drive_type": "removable", "usb_serial": "USB-SN-D3"},
                attrs={"blocked": True},
                **u,
            )
        s.add(
            "endpoint",
            f"{day} 19:20",
            "device_connect",
            kind="evtx.kernel-pnp.400",
            host="CL-7001",
            device=phone,
            attrs={"device_class": "mtp"},
        )
        s.add(
            "endpoint",
            f"{day} 19:25",
            "copy",
            path=f"D:\\work\\{name}",
            size=300_000_000,
            target=f"This PC\\Android\\内部共有ストレージ\\Download\\{name}",
            device=phone,
            **u,
        )
        s.add("endpoint", f"{day} 19:50", "delete", path=f"D:\\work\\{name}", **u)
    for day in ("2025-05-13", "2025-05-20"):  # phone plugged in to charge only
        s.add(
            "endpoint",
            f"{day} 12:30",
            "device_connect",
            kind="evtx.kernel-pnp.400",
            host="CL-7001",
            device=phone,
            attrs={"device_class": "mtp"},
        )
    case = s.seal()
    return case, AnalysisOptions(identities=s.files["ids.toml"], assets=s.files["assets.toml"])


def build_p8(root: Path) -> tuple[Case, AnalysisOptions]:
    """P8 — partner engineer: denied accesses, then a colleague's credentials (Toshiba/SanDisk).

    Scaled: 400 recipe reads under the colleague's account (map: 3,150), 100 authorised
    reads an evening, a 7,150-file USB copy as one summary plus 100 per-file traces.
    """
    s = Scenario(root, "P8")
    _ids(
        s,
        '[[person]]\nperson = "p8"\naccounts = ["jd\\\\p8.kim"]\nhosts = ["WS-JD-08"]\n'
        'role = "partner"\n[[person]]\nperson = "h9"\naccounts = ["host\\\\h9.suzuki"]\n'
        'hosts = ["PC-H9"]\n',
    )
    s.write(
        "assets.toml",
        """
[[asset]]
id = "SF-800"
path = '\\\\host-fab\\プロセス条件\\極秘'
description = "プロセス条件・レシピ（生産方法）"
marking = "極秘"
acl = "restricted"
technical = "production_method"
origin = "internal"

[[asset]]
id = "SF-801"
path = '\\\\jd-share\\共同開発'
acl = "restricted"

[[governance]]
type = "jda"
person = "p8"
title = "共同開発契約（秘密保持条項）"
date = "2024-01-10"
""",
    )
    s.hr("p8", "contract_end", "2025-03-31")
    s.hr("h9", "leave_start", "2025-02-17", end_date="2025-02-21")
    p8 = {"user": "p8.kim", "domain": "jd", "host": "WS-JD-08"}
    for day in days("2025-01-06", "2025-02-07", weekdays_only=True):
        for i, t in enumerate(spread(day, "10:00", "17:00", 20)):
            s.add(
                "fileserver", t, "read", path=f"\\\\jd-share\\共同開発\\base\\j_{i:03d}.pdf", **p8
            )
    for t in spread("2025-02-10", "19:05", "19:20", 14):
        s.add(
            "fileserver", t, "access_denied", path="\\\\host-fab\\プロセス条件\\極秘\\recipes", **p8
        )
    h9 = {"user": "h9.suzuki", "domain": "host", "host": "WS-JD-08"}
    s.add("fileserver", "2025-02-18 20:02", "logon", kind="evtx.security.4624", **h9)
    for i, t in enumerate(spread("2025-02-18", "20:05", "21:40", 400)):
        s.add(
            "fileserver",
            t,
            "read",
            path=f"\\\\host-fab\\プロセス条件\\極秘\\r_{i:04d}.xlsx",
            size=500_000,
            **h9,
        )
    for day in days("2025-02-19", "2025-02-28", weekdays_only=True):
        for i, t in enumerate(spread(day, "19:00", "21:00", 100)):
            s.add(
                "fileserver",
                t,
                "read",
                path=f"\\\\jd-share\\共同開発\\jd_{day[-2:]}_{i:03d}.pdf",
                **p8,
            )
    usb = {"usb_serial": "USB-SN-H8", "drive_type": "removable"}
    s.add(
        "endpoint",
        "2025-03-06 22:14",
        "device_connect",
        kind="evtx.partition.1006",
        host="WS-JD-08",
        device=usb,
        attrs={"device_class": "storage"},
    )
    s.add(
        "endpoint",
        "2025-03-06 22:15",
        "copy",
        kind="endpoint.copy",
        path="C:\\Users\\p8\\work\\",
        target="F:\\",
        device=usb,
        attrs={"file_count": 7150, "bytes": 2_000_000_000},
        **p8,
    )
    for i, t in enumerate(spread("2025-03-06", "22:15", "22:40", 100)):
        s.add(
            "endpoint",
            t,
            "create",
            path=f"C:\\Users\\p8\\work\\r_{i:04d}.xlsx",
            target=f"F:\\r_{i:04d}.xlsx",
            device=usb,
            **p8,
        )
    case = s.seal()
    return case, AnalysisOptions(identities=s.files["ids.toml"], assets=s.files["assets.toml"])


def build_p6(root: Path, pre_days: int | None = None) -> tuple[Case, AnalysisOptions]:
    """P6 — slow two-phase exfiltration with renaming, encryption and personal cloud (Valspar).

    Volumes as in the map for the daily reads (8, then 40 a weekday); 30 and 20 renamed files
    on the holidays (map: 180 and 150) and 50 per-file traces of the 1,200-file USB copy.
    """
    s = Scenario(root, "P6")
    _ids(s, '[[person]]\nperson = "e6"\naccounts = ["VSP\\\\e6.chen"]\nhosts = ["LT-0606"]\n')
    s.write(
        "assets.toml",
        """
[[asset]]
id = "SF-600"
path = '\\\\fs-lab\\配合表'
description = "配合表・原価データ"
value_class = "recipe"
technical = "production_method"
acl = "restricted"
origin = "internal"
""",
    )
    if pre_days:
        s.write("params.toml", f"[departure_window]\npre_days = {pre_days}\n")
    s.hr("e6", "resignation_notice", "2025-03-03")
    s.hr("e6", "last_working_day", "2025-03-28")
    u = {"user": "e6.chen", "domain": "VSP", "host": "LT-0606"}
    share = "\\\\fs-lab\\配合表"
    n = 0
    for first, last, per in (("2024-06-03", "2024-08-30", 8), ("2024-09-02", "2025-02-21", 40)):
        for day in days(first, last, weekdays_only=True):
            for t in spread(day, "09:30", "17:30", per):
                n += 1
                s.add(
                    "fileserver", t, "read", path=f"{share}\\配合_{n:05d}.xlsx", size=200_000, **u
                )
    trips = (
        ("2024-12-30", "14:00", 30, "16:35", "16:50", "mega.nz", 410_000_000),
        ("2025-01-02", "11:00", 20, "12:20", "12:30", "gigafile.nu", 220_000_000),
        ("2025-02-11", "20:00", 20, "22:05", "22:10", "gigafile.nu", 380_000_000),
    )
    for day, start, count, archive, upload, host, size in trips:
        s.add("vpn", f"{day} {start}", "logon", attrs={"remote": True}, **u)
        for i, t in enumerate(spread(day, start, archive, count)):
            s.add(
                "fileserver", t, "read", path=f"{share}\\原価_{day}_{i:03d}.xlsx", size=300_000, **u
            )
            s.add(
                "endpoint",
                t,
                "rename",
                path=f"C:\\Users\\e6\\t\\原価_{i:03d}.xlsx",
                target=f"C:\\Users\\e6\\t\\IMG_{i:04d}.jpg",
                attrs={"magic": "ooxml"},
                **u,
            )
        s.add(
            "endpoint",
            f"{day} {archive}",
            "create",
            path="C:\\Users\\e6\\photos_2024.7z",
            attrs={"encrypted": True, "file_count": count},
            **u,
        )
        s.add(
            "proxy",
            f"{day} {upload}",
            "upload",
            url=f"https://{host}/upload",
            attrs={"host": host, "bytes_out": size},
            **u,
        )
    usb = {"usb_serial": "USB-SN-F6", "drive_type": "removable"}
    s.add(
        "endpoint",
        "2025-02-21 23:29",
        "device_connect",
        kind="evtx.partition.1006",
        host="LT-0606",
        device=usb,
        attrs={"device_class": "storage"},
    )
    s.add(
        "endpoint",
        "2025-02-21 23:30",
        "copy",
        kind="endpoint.copy",
        path="C:\\Users\\e6\\out\\",
        target="F:\\",
        device=usb,
        attrs={"file_count": 1200, "bytes": 240_000_000},
        **u,
    )
    for i, t in enumerate(spread("2025-02-21", "23:30", "23:50", 50), start=1):
        s.add(
            "endpoint",
            t,
            "create",
            path=f"C:\\Users\\e6\\out\\配合_{i * 97:05d}.xlsx",
            target=f"F:\\配合_{i * 97:05d}.xlsx",
            device=usb,
            **u,
        )
    case = s.seal()
    params = s.files.get("params.toml")
    return case, AnalysisOptions(
        identities=s.files["ids.toml"], assets=s.files["assets.toml"], params=params
    )

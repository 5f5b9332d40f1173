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

    Volumes as in the map: 17,600 + 3,800 reads; the 21,400-file copy is one endpoint summary
    record plus 200 per-file traces on the USB volume (names link them to the reads).
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
        for t in spread(day, "18:30", "23:50", 2200):
            n += 1
            ext = (".dwg", ".sldprt", ".icd")[n % 3]
            s.add(
                "fileserver", t, "read", path=f"{share}\\B\\drw_{n:05d}{ext}", size=1_800_000, **u
            )
    for day in ("2025-03-08", "2025-03-09"):
        for t in spread(day, "13:00", "23:30", 1900):
            n += 1
            s.add("fileserver", t, "read", path=f"{share}\\B\\drw_{n:05d}.dwg", size=1_800_000, **u)
    if hr:
        s.hr("e1", "resignation_notice", "2025-03-03 09:12")
        s.hr("e1", "last_working_day", "2025-03-14")
        s.hr("e1", "leave_start", "2025-03-17", end_date="2025-03-31")
        s.hr("e1", "retirement", "2025-03-31")
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
    return case, AnalysisOptions(identities=s.files["ids.toml"], assets=s.files["assets.toml"])


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

"""Write the sample case folder: sources, signing keys and ``case.toml``."""

from __future__ import annotations

from pathlib import Path

from evidencekit.demo import exports
from evidencekit.demo.image import build_laptop_image, missing_tools
from evidencekit.demo.keys import DemoKeys, make_demo_keys
from evidencekit.errors import EvidenceKitError

CASE_TOML = """\
# Sample case: a departing design engineer (fictional). Paths are relative to this file.
trust = ["keys/demo-root-ca.pem", "keys/reviewer.pub"]

[case]
id = "EK-2025-001"
title = "設計図面の持ち出し（サンプル事案） / Drawings taken by a departing employee (sample)"
examiner = "山田 太郎"
organisation = "Sample Forensics K.K."
time_zone = "Asia/Tokyo"
legal_profile = "jp_ucpa_civil"
output = "output"

[[parties]]
role = "client"
name = "株式会社サンプル精機"

[[parties]]
role = "subject"
name = "田中 一郎 (P-1001)"

[[parties]]
role = "counsel"
name = "サンプル法律事務所"

[[sources]]
path = "sources/laptop-PC-D012.img"
type = "image"
description = "田中 一郎 貸与ノートPC (PC-D012) の保全イメージ"
acquired_by = "山田 太郎"
legal_basis = "就業規則に基づく貸与PCの調査（情報システム部長 承認）"
export = true

[[sources]]
path = "sources/fs01-security.xml"
type = "log"
export = true
description = "ファイルサーバ FS01 のセキュリティログ（イベントビューアーの XML 保存）"

[[sources]]
path = "sources/m365-audit.csv"
type = "log"
export = true
description = "Microsoft 365 監査ログ（Purview 監査検索のエクスポート）"

[[sources]]
path = "sources/proxy-access.log"
type = "log"
export = true
description = "プロキシ (Squid) アクセスログ"

[[sources]]
path = "sources/door-access.csv"
type = "log"
export = true
description = "入退室記録"

[[sources]]
path = "sources/oplog-export.csv"
type = "log"
format = "operation_log"
export = true
description = "端末操作ログ（資産管理ソフトのエクスポート, CP932）"

[hr]
path = "sources/hr-events.csv"

[identities]
path = "sources/identities.csv"

[assets]
path = "sources/assets.toml"

[[signing]]
name = "examiner"
certificate = "keys/examiner.pem"
key = "keys/examiner.key"

[[signing]]
name = "reviewer"
key = "keys/reviewer.key"
"""

TEXT_SOURCES = {
    "fs01-security.xml": exports.security_log_xml,
    "m365-audit.csv": exports.m365_audit,
    "proxy-access.log": exports.proxy_log,
    "door-access.csv": exports.door_log,
    "oplog-export.csv": exports.operation_log,
    "hr-events.csv": exports.hr_events,
    "identities.csv": exports.identities,
    "assets.toml": exports.assets,
}


def write_text_sources(folder: Path) -> list[Path]:
    """Write the log exports and registers (everything but the image and keys)."""
    folder.mkdir(parents=True, exist_ok=True)
    written = []
    for name, writer in TEXT_SOURCES.items():
        writer(folder / name)
        written.append(folder / name)
    return written


def build_sample_case(folder: Path) -> tuple[Path, DemoKeys]:
    """Build the sample case under ``folder``; return ``case.toml`` and the demo keys.

    Sources are rebuilt byte-identically on every call; keys are created once and kept,
    so packages from earlier runs stay verifiable.
    """
    missing = missing_tools()
    if missing:
        raise EvidenceKitError(
            f"the sample image needs {', '.join(missing)} (Debian packages dosfstools and "
            "mtools); run ./scripts/dev setup"
        )
    sources = folder / "sources"
    write_text_sources(sources)
    build_laptop_image(sources / "laptop-PC-D012.img")
    keys_dir = folder / "keys"
    if (keys_dir / "examiner.pem").is_file() and (keys_dir / "reviewer.pub").is_file():
        keys = DemoKeys(
            keys_dir / "demo-root-ca.pem",
            keys_dir / "examiner.pem",
            keys_dir / "examiner.key",
            keys_dir / "reviewer.key",
            keys_dir / "reviewer.pub",
        )
    else:
        keys = make_demo_keys(keys_dir)
    toml = folder / "case.toml"
    toml.write_text(CASE_TOML, encoding="utf-8")
    return toml, keys

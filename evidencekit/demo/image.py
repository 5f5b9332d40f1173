"""The sample "employee laptop" image: a FAT volume built with mkfs.vfat and mtools.

Reproducible: ``mkfs.vfat --invariant`` with a fixed volume id, and ``mcopy -s -m`` from
a staging tree whose times are set beforehand, so every build gives the same bytes.
FAT stores local time; the tools run with TZ=Asia/Tokyo like the laptop's clock.
"""

from __future__ import annotations

import io
import os
import shutil
import subprocess
import tempfile
import zipfile
from datetime import datetime
from pathlib import Path

from evidencekit.demo import scenario as s

TOOLS = ("mkfs.vfat", "mcopy", "mdel")
_OOXML = "application/vnd.openxmlformats-officedocument.wordprocessingml"
_DOCX_TYPES = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
    '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
    '<Default Extension="rels" '
    'ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
    '<Default Extension="xml" ContentType="application/xml"/>'
    f'<Override PartName="/word/document.xml" ContentType="{_OOXML}.document.main+xml"/>'
    f'<Override PartName="/word/header1.xml" ContentType="{_OOXML}.header+xml"/>'
    "</Types>"
)
_W = 'xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"'


def missing_tools() -> list[str]:
    return [t for t in TOOLS if shutil.which(t) is None]


def _docx(title: str) -> bytes:
    """A small Word document with 社外秘 in its page header."""
    rels = (
        '<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.'
        'openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http:'
        '//schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" '
        'Target="word/document.xml"/></Relationships>'
    )
    doc_rels = (
        '<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.'
        'openxmlformats.org/package/2006/relationships"><Relationship Id="rId9" Type="'
        'http://schemas.openxmlformats.org/officeDocument/2006/relationships/header" '
        'Target="header1.xml"/></Relationships>'
    )
    header = f"<w:hdr {_W}><w:p><w:r><w:t>社外秘　株式会社サンプル精機</w:t></w:r></w:p></w:hdr>"
    body = (
        f"<w:document {_W}><w:body><w:p><w:r><w:t>{title}</w:t></w:r></w:p>"
        "<w:p><w:r><w:t>筐体寸法公差、金型温度条件、組立手順を記載する。</w:t></w:r></w:p>"
        "</w:body></w:document>"
    )
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
        for name, text in (
            ("[Content_Types].xml", _DOCX_TYPES),
            ("_rels/.rels", rels),
            ("word/_rels/document.xml.rels", doc_rels),
            ("word/document.xml", body),
            ("word/header1.xml", header),
        ):
            zf.writestr(zipfile.ZipInfo(name, date_time=(2025, 1, 20, 9, 0, 0)), text)
    return buf.getvalue()


def _stage(root: Path) -> None:
    docs = root / "Users" / "tanaka" / "Documents" / "設計"
    docs.mkdir(parents=True)
    for index, name in enumerate(s.COPIED):
        _write(docs / name, s.drawing_bytes(index), datetime(2025, 2, 3 + index % 20, 16, 0))
    listing = "社外秘\r\n図面一覧（設計部）\r\n" + "".join(f"{n}\r\n" for n in s.COPIED)
    _write(docs / "図面一覧.txt", listing.encode("cp932"), datetime(2025, 2, 28, 17, 30))
    _write(
        docs / "設計仕様書_A-1000.docx",
        _docx("設計仕様書 A-1000 筐体"),
        datetime(2025, 1, 20, 9, 0),
    )
    _write(docs / s.ARCHIVE, s.archive_bytes(), datetime(2025, 3, 8, 10, 2))
    sato = root / "Users" / "sato" / "Documents"
    sato.mkdir(parents=True)
    _write(sato / "検討メモ1.docx", _docx("検討メモ"), datetime(2025, 3, 3, 14, 0))
    for folder in sorted((p for p in root.rglob("*") if p.is_dir()), reverse=True):
        _touch(folder, datetime(2025, 1, 6, 9, 0))


def _write(path: Path, data: bytes, local: datetime) -> None:
    path.write_bytes(data)
    _touch(path, local)


def _touch(path: Path, local: datetime) -> None:
    stamp = (local - s.JST_OFFSET - datetime(1970, 1, 1)).total_seconds()
    os.utime(path, (stamp, stamp))


def build_laptop_image(path: Path) -> Path:
    """Write the sample laptop image to ``path`` (FAT16, 16 MiB) and return it."""
    env = {**os.environ, "MTOOLS_SKIP_CHECK": "1", "LC_ALL": "C.UTF-8", "TZ": "Asia/Tokyo"}
    path.unlink(missing_ok=True)
    with tempfile.TemporaryDirectory(prefix="ek-demo-image-") as tmp:
        root = Path(tmp)
        _stage(root)
        subprocess.run(
            [
                "mkfs.vfat",
                "-C",
                "--invariant",
                "-i",
                "5A3C9E01",
                "-n",
                "PC-D012",
                str(path),
                "16384",
            ],
            check=True,
            capture_output=True,
            env=env,
        )
        subprocess.run(
            ["mcopy", "-s", "-m", "-i", str(path), str(root / "Users"), "::/"],
            check=True,
            capture_output=True,
            env=env,
        )
    archive = f"::/Users/tanaka/Documents/設計/{s.ARCHIVE}"
    subprocess.run(["mdel", "-i", str(path), archive], check=True, capture_output=True, env=env)
    return path

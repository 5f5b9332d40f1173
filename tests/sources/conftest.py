"""Disk images built at test time with the standard tools (mkfs.vfat + mtools,
mkfs.ext4 -d + debugfs, mkntfs + ntfscp, sfdisk, ewfacquire). Each builder returns the
image path and the facts the test checks, which come from the inputs we wrote, never
from our own output."""

from __future__ import annotations

import hashlib
import io
import os
import random
import shutil
import subprocess
import zipfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

MTOOLS_ENV = {**os.environ, "MTOOLS_SKIP_CHECK": "1", "TZ": "UTC"}
# 2023-11-14 22:13:20 UTC: an even second (FAT modified times have 2 s resolution).
FIXED_MTIME = 1_700_000_000
EXT4_MTIME_NS = 1_600_000_000_123_456_789
EXT4_ATIME_NS = 1_600_000_100_987_654_321


def need_tools(*names: str) -> None:
    missing = [n for n in names if shutil.which(n) is None]
    if missing:
        pytest.skip(f"standard tools not installed: {', '.join(missing)}")


def run(*args: str | Path, env: dict[str, str] | None = None) -> None:
    subprocess.run([str(a) for a in args], check=True, capture_output=True, env=env)


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def make_docx(header_text: str, body_text: str) -> bytes:
    """A minimal but valid WordprocessingML package with a header part."""
    ns = 'xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"'
    rel_ns = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
    parts = {
        "[Content_Types].xml": (
            '<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats'
            '.org/package/2006/content-types"><Default Extension="rels" ContentType="application/'
            'vnd.openxmlformats-package.relationships+xml"/><Default Extension="xml" ContentType='
            '"application/xml"/><Override PartName="/word/document.xml" ContentType="application/'
            'vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"/><Override '
            'PartName="/word/header1.xml" ContentType="application/vnd.openxmlformats-'
            'officedocument.wordprocessingml.header+xml"/></Types>'
        ),
        "_rels/.rels": (
            '<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.'
            'openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="'
            f'{rel_ns}/officeDocument" Target="word/document.xml"/></Relationships>'
        ),
        "word/_rels/document.xml.rels": (
            '<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.'
            'openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="'
            f'{rel_ns}/header" Target="header1.xml"/></Relationships>'
        ),
        "word/document.xml": (
            f'<?xml version="1.0" encoding="UTF-8"?><w:document {ns} xmlns:r="{rel_ns}"><w:body>'
            f"<w:p><w:r><w:t>{body_text}</w:t></w:r></w:p><w:sectPr><w:headerReference "
            'w:type="default" r:id="rId1"/></w:sectPr></w:body></w:document>'
        ),
        # The marking split over two runs, as Word often stores it.
        "word/header1.xml": (
            f'<?xml version="1.0" encoding="UTF-8"?><w:hdr {ns}><w:p><w:r><w:t>'
            f"{header_text[:2]}</w:t></w:r><w:r><w:t>{header_text[2:]}</w:t></w:r></w:p></w:hdr>"
        ),
    }
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as zf:
        for name, text in parts.items():
            zf.writestr(name, text.encode("utf-8"))
    return buffer.getvalue()


@dataclass
class Built:
    """An image and what we put into it."""

    path: Path
    files: dict[str, bytes] = field(default_factory=dict)
    deleted: dict[str, bytes] = field(default_factory=dict)
    extra: dict[str, Any] = field(default_factory=dict)


FAT_FILES = {
    "report.txt": b"Quarterly figures.\nThis document is Confidential - do not copy.\n",
    "sjis.txt": "この資料は社外秘です。取扱注意。\n".encode("cp932"),
    "plan.docx": make_docx("社外秘", "Project plan for the new line"),
    "docs/note.txt": b"just a note, nothing special\n",
}
FAT_DELETED = {"gone.txt": b"this file was deleted but its clusters remain 0123456789\n"}


def build_fat(folder: Path, size_kib: int = 4096) -> Built:
    need_tools("mkfs.vfat", "mcopy", "mdel", "mmd")
    folder.mkdir(parents=True, exist_ok=True)
    image = folder / "fat.img"
    run("mkfs.vfat", "-C", "-n", "EVIDENCE", image, str(size_kib))
    src = folder / "src"
    src.mkdir(exist_ok=True)
    run("mmd", "-i", image, "::/docs", env=MTOOLS_ENV)
    for name, data in {**FAT_FILES, **FAT_DELETED}.items():
        path = src / name.replace("/", "_")
        path.write_bytes(data)
        os.utime(path, (FIXED_MTIME, FIXED_MTIME))
        run("mcopy", "-m", "-i", image, path, f"::/{name}", env=MTOOLS_ENV)
    for name in FAT_DELETED:
        run("mdel", "-i", image, f"::/{name}", env=MTOOLS_ENV)
    return Built(image, dict(FAT_FILES), dict(FAT_DELETED))


def ext4_files() -> dict[str, bytes]:
    rng = random.Random(20240323)
    return {
        "secret.txt": "開発計画（極秘）\n".encode("euc_jp"),
        "data/big.bin": bytes(rng.getrandbits(8) for _ in range(300_000)),
        "data/utf16.txt": "Strictly Confidential\r\n".encode("utf-16"),
        "keep.txt": b"plain text with no marking\n",
    }


EXT4_DELETED = {"deleted.txt": b"removed with debugfs rm\n" * 50}
ODD_NAMES = [b"bad\x01name.txt", b"\xff\xfeinvalid.txt"]


def build_ext4(folder: Path, size: str = "16M", loop: bool = False) -> Built:
    need_tools("mkfs.ext4", "debugfs")
    folder.mkdir(parents=True, exist_ok=True)
    src = folder / "src"
    files = ext4_files()
    for name, data in {**files, **EXT4_DELETED}.items():
        path = src / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)
        os.utime(path, ns=(EXT4_ATIME_NS, EXT4_MTIME_NS))
    for raw in ODD_NAMES:
        with open(os.fsencode(src) + b"/" + raw, "wb") as fp:
            fp.write(b"odd name\n")
    image = folder / "ext4.img"
    run("truncate", "-s", size, image)
    run("mkfs.ext4", "-q", "-F", "-I", "256", "-d", src, image)
    # mkfs.ext4 -d keeps whole seconds only; the nanoseconds live in the *_extra fields
    # (nanoseconds << 2, the low two bits extend the epoch).
    nanos = EXT4_MTIME_NS % 10**9
    run("debugfs", "-w", "-R", f"sif /data/big.bin mtime_extra {nanos << 2}", image)
    for name in EXT4_DELETED:
        run("debugfs", "-w", "-R", f"rm /{name}", image)
    if loop:
        run("debugfs", "-w", "-R", "ln /data /data/loop", image)
    return Built(image, files, dict(EXT4_DELETED))


NTFS_FILES = {
    "hello.txt": b"Internal Use Only: draft\n",
    "photo.bin": bytes(range(256)) * 64,
}
ZONE_ID = b"[ZoneTransfer]\r\nZoneId=3\r\nHostUrl=https://example.com/hello.txt\r\n"


def build_ntfs(folder: Path, size: str = "16M") -> Built:
    need_tools("mkntfs", "ntfscp")
    folder.mkdir(parents=True, exist_ok=True)
    image = folder / "ntfs.img"
    run("truncate", "-s", size, image)
    run("mkntfs", "-F", "-f", "-q", "-L", "TESTNTFS", image)
    for name, data in NTFS_FILES.items():
        path = folder / name
        path.write_bytes(data)
        os.utime(path, (FIXED_MTIME, FIXED_MTIME))
        run("ntfscp", "-f", "-t", image, path, name)
    zone = folder / "zone.txt"
    zone.write_bytes(ZONE_ID)
    run("ntfscp", "-f", "-N", "Zone.Identifier", image, zone, "hello.txt")
    return Built(image, dict(NTFS_FILES), extra={"zone": ZONE_ID})


def build_partitioned(folder: Path, label: str) -> Built:
    """An MBR ('dos') or GPT disk: partition 1 FAT (from build_fat), partition 2 ext4."""
    need_tools("sfdisk")
    fat = build_fat(folder / "p1", 4096)
    ext = build_ext4(folder / "p2", "8M")
    disk = folder / f"disk-{label}.img"
    run("truncate", "-s", "16M", disk)
    table = f"label: {label}\nstart=2048, size=8192\nstart=10240, size=16384\n"
    subprocess.run(["sfdisk", "-q", str(disk)], input=table.encode(), check=True,
                   capture_output=True)  # fmt: skip
    with open(disk, "r+b") as out:
        for start, part in ((2048, fat.path), (10240, ext.path)):
            out.seek(start * 512)
            out.write(part.read_bytes())
    return Built(disk, extra={"fat": fat, "ext4": ext})


def build_e01(raw: Path, folder: Path, segment_bytes: int | None = None) -> Path:
    need_tools("ewfacquire")
    folder.mkdir(parents=True, exist_ok=True)
    target = folder / "evidence"
    args = ["ewfacquire", "-u", "-q", "-t", str(target), "-f", "encase6", "-c", "none",
            "-d", "sha1", "-C", "CASE-1", "-e", "examiner", "-D", "test image"]  # fmt: skip
    if segment_bytes:
        args += ["-S", str(segment_bytes)]
    run(*args, raw)
    return folder / "evidence.E01"


@pytest.fixture(scope="session")
def fat_image(tmp_path_factory: pytest.TempPathFactory) -> Built:
    return build_fat(tmp_path_factory.mktemp("fat") / "evidence")


@pytest.fixture(scope="session")
def ext4_image(tmp_path_factory: pytest.TempPathFactory) -> Built:
    return build_ext4(tmp_path_factory.mktemp("ext4") / "evidence")


@pytest.fixture(scope="session")
def ntfs_image(tmp_path_factory: pytest.TempPathFactory) -> Built:
    return build_ntfs(tmp_path_factory.mktemp("ntfs") / "evidence")


ISO_FILES = {"readme.txt": b"hello\n", "sub/design.txt": b"Proprietary design notes\n"}


def build_iso(folder: Path, zone: str = "Asia/Tokyo") -> Built:
    """ISO 9660 (+ Rock Ridge, Joliet) from a folder; genisoimage runs in ``zone``."""
    need_tools("genisoimage")
    src = folder / "src"
    for name, data in ISO_FILES.items():
        path = src / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)
        os.utime(path, (FIXED_MTIME, FIXED_MTIME))
    image = folder / "disc.iso"
    run("genisoimage", "-quiet", "-R", "-J", "-V", "TESTISO", "-o", image, src,
        env={**os.environ, "TZ": zone})  # fmt: skip
    return Built(image, dict(ISO_FILES))


def build_exfat(folder: Path) -> Built:
    """An empty exFAT volume (exfatprogs cannot add files without mounting)."""
    need_tools("mkfs.exfat")
    folder.mkdir(parents=True, exist_ok=True)
    image = folder / "exfat.img"
    run("truncate", "-s", "8M", image)
    run("mkfs.exfat", "-L", "EXVOL", image)
    return Built(image)

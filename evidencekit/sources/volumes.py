"""Volume systems (MBR/DOS with extended partitions, GPT, ...) and file systems via TSK.

An image either holds a volume system, whose allocated partitions are each tried as
a file system, or a bare file system at offset 0. A partition whose file system TSK
cannot open is reported as a :class:`VolumeProblem` (it is never silently skipped).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import pytsk3

from evidencekit.sources.native import open_native_fs

_FS_NAMES = {
    "NTFS": "NTFS",
    "FAT12": "FAT12",
    "FAT16": "FAT16",
    "FAT32": "FAT32",
    "EXFAT": "exFAT",
    "EXT2": "ext2",
    "EXT3": "ext3",
    "EXT4": "ext4",
    "HFS": "HFS+",
    "ISO9660": "ISO9660",
    "FFS1": "UFS1",
    "FFS1B": "UFS1b",
    "FFS2": "UFS2",
    "YAFFS2": "YAFFS2",
    "APFS": "APFS",
    "SWAP": "swap",
    "RAW": "raw",
}
FS_TYPES: dict[int, str] = {
    int(getattr(pytsk3, f"TSK_FS_TYPE_{key}")): name
    for key, name in _FS_NAMES.items()
    if hasattr(pytsk3, f"TSK_FS_TYPE_{key}")
}
_VS_NAMES = {"DOS": "DOS/MBR", "GPT": "GPT", "BSD": "BSD", "SUN": "Sun", "MAC": "Mac"}
# The native core walks only the file systems whose outputs tests hold identical to the
# pytsk3 reference (the system libtsk and pytsk3's bundled TSK are different releases).
NATIVE_FS = frozenset(
    {"NTFS", "FAT12", "FAT16", "FAT32", "exFAT", "ext2", "ext3", "ext4", "ISO9660"}
)
VS_TYPES: dict[int, str] = {
    int(getattr(pytsk3, f"TSK_VS_TYPE_{key}")): name
    for key, name in _VS_NAMES.items()
    if hasattr(pytsk3, f"TSK_VS_TYPE_{key}")
}


@dataclass(frozen=True)
class Partition:
    """One slot of a volume system (or the whole image for a bare file system)."""

    slot: int
    start_sector: int
    sectors: int
    description: str
    sector_size: int = 512

    @property
    def offset(self) -> int:
        """Byte offset of the partition in the media."""
        return self.start_sector * self.sector_size


@dataclass(frozen=True)
class VolumeProblem:
    """A partition (or the bare image) that holds no file system TSK can read."""

    partition: Partition
    code: str
    message: str


@dataclass
class FileSystem:
    """An opened file system in one partition."""

    partition: Partition
    fs: Any
    fs_type: str
    block_size: int
    block_count: int
    owners: dict[int, str] = field(default_factory=dict)  # NTFS security id -> owner SID
    native: Any = None  # the same file system opened by the native core, or None


@dataclass(frozen=True)
class Layout:
    """What was found in the image: the volume-system scheme and its partitions."""

    scheme: str | None
    partitions: tuple[Partition, ...]
    sector_size: int


def read_layout(img: Any, media_size: int) -> Layout:
    """The volume system and its allocated partitions, or one bare partition."""
    try:
        vs = pytsk3.Volume_Info(img)
    except OSError:
        sectors = media_size // 512
        return Layout(None, (Partition(0, 0, sectors, "whole image (no partition table)"),), 512)
    sector_size = int(vs.info.block_size)
    parts = [
        Partition(int(p.addr), int(p.start), int(p.len), _text(p.desc), sector_size)
        for p in vs
        if int(p.flags) & int(pytsk3.TSK_VS_PART_FLAG_ALLOC)
    ]
    return Layout(VS_TYPES.get(int(vs.info.vstype), str(vs.info.vstype)), tuple(parts), sector_size)


def open_file_systems(
    img: Any, layout: Layout, native_image: Any = None
) -> Iterator[FileSystem | VolumeProblem]:
    """Open each partition as a file system; yield a problem for each that fails.

    With ``native_image`` (:attr:`DiskImage.native`), each file system is also opened
    by the native core, and walked through it, when the type is one of :data:`NATIVE_FS`
    and the core finds the same type there.
    """
    for part in layout.partitions:
        try:
            fs = pytsk3.FS_Info(img, offset=part.offset)
        except OSError as exc:
            code = "unknown_filesystem"
            yield VolumeProblem(part, code, f"no readable file system: {_tsk_reason(exc)}")
            continue
        fs_type = FS_TYPES.get(int(fs.info.ftype), f"tsk-{int(fs.info.ftype)}")
        native = None
        if native_image is not None and fs_type in NATIVE_FS:
            native = open_native_fs(native_image, part.offset)
        if native is not None and int(native.ftype) != int(fs.info.ftype):
            native = None
        yield FileSystem(
            part,
            fs,
            fs_type,
            int(fs.info.block_size),
            int(fs.info.block_count),
            native=native,
        )


def _text(value: Any) -> str:
    if isinstance(value, bytes):
        return value.decode("utf-8", "replace")
    return str(value)


def _tsk_reason(exc: BaseException) -> str:
    """TSK messages start with a C++ source location; keep the reason after it."""
    text = str(exc).strip()
    return text.split("with error: ", 1)[-1] if "with error: " in text else text

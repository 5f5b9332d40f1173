"""The raw metadata record behind an entry, so every event can carry its SHA-256.

* NTFS: the MFT record as stored in ``$MFT`` (before update-sequence fix-ups), its size
  from the boot sector.
* ext2/3/4: the on-disk inode, located through the superblock and the group
  descriptor table.

FAT12/16/32 and exFAT directory entries are located in ``fat_records``. HFS+ catalog
records and ISO 9660 directory records are not located: their events carry no
``raw_sha256``.
"""

from __future__ import annotations

import struct
from collections.abc import Callable
from typing import Any

from evidencekit.sources.volumes import FileSystem

_EXT = ("ext2", "ext3", "ext4")
_INCOMPAT_64BIT = 0x80
_PAGE = 64 << 10  # records are read in cached pages: neighbours share them
_PAGES = 32


class RecordReader:
    """Reads raw metadata records of one file system (None where not supported)."""

    def __init__(self, fs: FileSystem, read: Callable[[int, int], bytes]) -> None:
        self.fs = fs
        self._read = read
        self._locate: Callable[[int], tuple[int, int] | None] | None = None
        self._mft: Any = None
        self._pages: dict[int, bytes] = {}
        try:
            if fs.fs_type == "NTFS":
                self._setup_ntfs()
            elif fs.fs_type in _EXT:
                self._setup_ext()
        except (OSError, struct.error, ValueError, ZeroDivisionError):
            self._locate = None

    def raw(self, inode: int) -> bytes | None:
        """The record bytes of ``inode``, or None."""
        if self._mft is not None:
            where: tuple[int, int] | None = (inode * self._size, self._size)
        elif self._locate is not None:
            where = self._locate(inode)
        else:
            return None
        if where is None:
            return None
        offset, length = where
        page = offset // _PAGE
        if (offset + length - 1) // _PAGE != page:
            data = self._raw_read(offset, length)
        else:
            block = self._page(page)
            data = block[offset - page * _PAGE : offset - page * _PAGE + length]
        return data if len(data) == length else None

    def _page(self, number: int) -> bytes:
        data = self._pages.get(number)
        if data is None:
            if len(self._pages) >= _PAGES:
                self._pages.pop(next(iter(self._pages)))
            data = self._pages[number] = self._raw_read(number * _PAGE, _PAGE)
        return data

    def _raw_read(self, offset: int, length: int) -> bytes:
        try:
            if self._mft is not None:
                data: bytes = self._mft.read_random(offset, length)
            else:
                data = self._read(offset, length)
        except OSError:
            return b""
        return data

    def _setup_ntfs(self) -> None:
        boot = self._read(self.fs.partition.offset, 512)
        sector = struct.unpack_from("<H", boot, 0x0B)[0]
        cluster = sector * boot[0x0D]
        code = struct.unpack_from("<b", boot, 0x40)[0]
        self._size = 1 << -code if code < 0 else code * cluster
        if not 256 <= self._size <= 65536:
            raise ValueError(f"MFT record size {self._size}")
        self._mft = self.fs.fs.open_meta(inode=0)

    def _setup_ext(self) -> None:
        base = self.fs.partition.offset
        sb = self._read(base + 1024, 1024)
        count, per_group = struct.unpack_from("<I", sb, 0)[0], struct.unpack_from("<I", sb, 0x28)[0]
        block = 1024 << struct.unpack_from("<I", sb, 0x18)[0]
        rev = struct.unpack_from("<I", sb, 0x4C)[0]
        isize = struct.unpack_from("<H", sb, 0x58)[0] if rev >= 1 else 128
        first = struct.unpack_from("<I", sb, 0x14)[0]
        wide = struct.unpack_from("<I", sb, 0x60)[0] & _INCOMPAT_64BIT
        dsize = (struct.unpack_from("<H", sb, 0xFE)[0] or 64) if wide else 32
        table = base + (first + 1) * block
        cache: dict[int, int] = {}

        def locate(inode: int) -> tuple[int, int] | None:
            if not 1 <= inode <= count:  # TSK's virtual entries lie beyond the last inode
                return None
            group, index = divmod(inode - 1, per_group)
            if group not in cache:
                desc = self._read(table + group * dsize, dsize)
                if len(desc) < dsize:
                    return None
                lo = struct.unpack_from("<I", desc, 8)[0]
                hi = struct.unpack_from("<I", desc, 0x28)[0] if dsize >= 64 else 0
                cache[group] = (hi << 32 | lo) * block
            return base + cache[group] + index * isize, isize

        self._locate = locate

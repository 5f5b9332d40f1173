"""The directory-entry bytes behind each FAT12/16/32 and exFAT entry.

FAT keeps a file's metadata in its 32-byte directory entry, and TSK numbers each
entry from where that entry lies: inode ``i`` (from 3, ``FATFS_FIRST_NORMINO``) is
slot ``(i - 3) % (sector_size / 32)`` of sector ``(i - 3) // (sector_size / 32)``
counted from the first sector after the FATs (``firstdatasect``: the FAT12/16 root
directory, the FAT32 cluster area, the exFAT cluster heap). See TSK's
``tsk_fatfs.h`` (``FATFS_INODE_2_SECT``, ``FATFS_INODE_2_OFF``).

The record of an entry is the set of 32-byte entries that describe it, in directory
order: for FAT the long-name (LFN) entries before the short-name entry (matched by
the short name's checksum, and for allocated names by their ordinals); for exFAT the
file entry and its secondary entries (stream extension, names). A set that crosses
a cluster boundary is followed through the FAT, so it may have several extents.
TSK's root directory (inode 2) and virtual entries ($MBR, $FAT1, $OrphanFiles ...)
have no directory entry, and say so.
"""

from __future__ import annotations

import hashlib
import struct
import sys
from array import array
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from evidencekit.sources.volumes import FileSystem

FAT_TYPES = ("FAT12", "FAT16", "FAT32", "exFAT")
DENTRY = 32
_FIRST_NORMINO = 3
_ROOT = 2
_LFN_ATTR = 0x0F
_LFN_MAX = 20  # 255 UTF-16 characters fit in 20 LFN entries
_FAT_MAX = 64 << 20  # bounded read of the FAT (a 16M-cluster FAT32)
_EXFAT_FILE = (0x85, 0x05)  # in use / deleted
_VIRTUAL = ("virtual", "virtual_dir")
# The first FAT value that is no cluster (bad-cluster and end-of-chain marks), whatever
# cluster count a (possibly forged) boot sector gives.
_NOT_CLUSTER = {12: 0xFF7, 16: 0xFFF7, 32: 0x0FFFFFF7}
_EXFAT_NOT_CLUSTER = 0xFFFFFFF7
# Searches of the FAT for a previous cluster (each scans up to the whole FAT: ~20 ms
# for 64 MiB) before one reverse index of it is built instead (~2 s for 16M entries).
_INDEX_AFTER = 64


@dataclass(frozen=True)
class DirRecord:
    """The directory entries of one file, where they lie in the media, and their hash."""

    kind: str
    extents: tuple[tuple[int, int], ...]
    sha256: str
    entries: int
    incomplete: str | None = None  # why fewer entries than the set declares were found

    def fields(self) -> dict[str, Any]:
        """Inventory fields: offset and length of the bytes hashed (several extents
        are listed when the entries span non-adjacent clusters)."""
        data: dict[str, Any] = {
            "record_type": self.kind,
            "record_offset": str(self.extents[0][0]),
            "record_length": sum(length for _, length in self.extents),
            "record_entries": self.entries,
            "record_sha256": self.sha256,
        }
        if len(self.extents) > 1:
            data["record_extents"] = [[str(o), n] for o, n in self.extents]
        if self.incomplete is not None:
            data["record_incomplete"] = self.incomplete
        return data


@dataclass(frozen=True)
class _Layout:
    base: int  # media offset of the file system
    sector: int
    cluster_sectors: int
    fat_sector: int
    fat_bytes: int
    data_sector: int  # TSK's firstdatasect
    cluster_sector: int  # TSK's firstclustsect (cluster 2)
    total_sectors: int
    fat_bits: int  # 12, 16, 32 (exFAT: 32)
    clusters: int


class FatRecords:
    """Finds and hashes the directory entries of one FAT or exFAT file system."""

    def __init__(self, fs: FileSystem, read: Callable[[int, int], bytes]) -> None:
        self.exfat = fs.fs_type == "exFAT"
        self._read = read
        self._fat: bytes | None = None
        self._prev: dict[int, int | None] = {}
        self._reverse: array[int] | None = None
        boot = read(fs.partition.offset, 512)
        if len(boot) < 512:
            raise ValueError("boot sector cut short by the end of the media")
        self.layout = _exfat_layout(fs, boot) if self.exfat else _fat_layout(fs, boot)

    @classmethod
    def for_fs(cls, fs: FileSystem, read: Callable[[int, int], bytes]) -> FatRecords | None:
        """A reader for FAT and exFAT file systems; None for others or a damaged boot
        sector (then the entries carry no record, as before)."""
        if fs.fs_type not in FAT_TYPES:
            return None
        try:
            return cls(fs, read)
        except (struct.error, ValueError, ZeroDivisionError):
            return None

    def fields(self, inode: int | None, meta_type: str | None) -> dict[str, Any]:
        """Inventory fields for the entry TSK numbered ``inode``: its record, or
        ``record_absent`` with the reason it has none."""
        if inode == _ROOT:
            return {"record_absent": "root directory: no directory entry"}
        if inode is None or meta_type in _VIRTUAL:
            return {"record_absent": "TSK virtual entry: no directory entry"}
        found = self.locate(inode)
        if isinstance(found, str):
            return {"record_absent": found}
        return found.fields()

    def locate(self, inode: int) -> DirRecord | str:
        """The record of ``inode``, or why it could not be read."""
        offset = self.slot_offset(inode)
        if offset is None:
            return f"inode {inode} lies outside the directory area"
        first = self._read(offset, DENTRY)
        if len(first) < DENTRY:
            return f"directory entry at byte {offset} unreadable"
        note = None
        if self.exfat:
            slots, note = self._exfat_set(offset, first)
            kind = "exfat_dentry_set"
        else:
            slots = [*self._lfn_slots(offset, first), offset]
            kind = "fat_dentry"
        raw = b"".join(self._read(o, DENTRY) for o in slots)
        if len(raw) != DENTRY * len(slots):
            return f"directory entries from byte {slots[0]} unreadable"
        digest = hashlib.sha256(raw).hexdigest()
        return DirRecord(kind, _extents(slots), digest, len(slots), note)

    def slot_offset(self, inode: int) -> int | None:
        """Media offset of TSK inode ``inode``'s 32-byte entry (FATFS_INODE_2_SECT/OFF)."""
        lay = self.layout
        per_sector = lay.sector // DENTRY
        if inode < _FIRST_NORMINO:
            return None
        sector, slot = divmod(inode - _FIRST_NORMINO, per_sector)
        sector += lay.data_sector
        if sector >= lay.total_sectors:
            return None
        return lay.base + sector * lay.sector + slot * DENTRY

    def _lfn_slots(self, offset: int, sfn: bytes) -> list[int]:
        """Offsets of the long-name entries that belong to the short entry at ``offset``
        (closest first in the directory, so returned in directory order)."""
        deleted = sfn[0] == 0xE5
        # Deleting overwrites the short name's first byte (so its checksum is lost) and
        # every LFN ordinal with 0xE5: then the LFN entries must agree among themselves.
        check: int | None = None if deleted else _sfn_checksum(sfn[:11])
        found: list[int] = []
        at = offset
        while len(found) < _LFN_MAX:
            before = self._neighbour(at, -1)
            if before is None or before == offset or before in found:  # chain cycles
                break
            at = before
            raw = self._read(at, DENTRY)
            if len(raw) < DENTRY or raw[11] != _LFN_ATTR or raw[26:28] != b"\0\0":
                break
            check = raw[13] if check is None else check
            ordinal = raw[0]
            if raw[13] != check or (ordinal == 0xE5) != deleted:
                break
            if not deleted and ordinal & 0x3F != len(found) + 1:
                break
            found.append(at)
            if not deleted and ordinal & 0x40:
                break
        return found[::-1]

    def _exfat_set(self, offset: int, first: bytes) -> tuple[list[int], str | None]:
        """The file entry and its secondaries; other entries (bitmap, up-case table,
        label) stand alone. A set cut short by its folder's cluster chain (which ends or
        cycles back) comes with the reason."""
        count = first[1] if first[0] in _EXFAT_FILE else 0
        slots = [offset]
        for _ in range(count):
            after = self._neighbour(slots[-1], 1)
            if after is None or after in slots:
                how = "ends" if after is None else f"cycles back to byte {after}"
                return slots, (
                    f"the file entry declares {count} secondary entries; the folder's "
                    f"cluster chain {how} after {len(slots) - 1}"
                )
            slots.append(after)
        return slots, None

    def _neighbour(self, offset: int, step: int) -> int | None:
        """The directory slot before (``step`` -1) or after (+1) ``offset``, following
        the cluster chain at a cluster boundary; None where the directory ends."""
        lay = self.layout
        rel = offset - lay.base
        sector = rel // lay.sector
        target = offset + step * DENTRY
        if (target - lay.base) // lay.sector == sector:
            return target
        if sector < lay.cluster_sector:  # FAT12/16 root directory: one contiguous run
            low, high = lay.data_sector, lay.cluster_sector
            return target if low <= (target - lay.base) // lay.sector < high else None
        index, within = divmod(sector - lay.cluster_sector, lay.cluster_sectors)
        if (step < 0 and within > 0) or (step > 0 and within < lay.cluster_sectors - 1):
            return target
        cluster = index + 2
        other = self._previous(cluster) if step < 0 else self._next(cluster)
        if other is None:
            return None
        start = lay.base + (lay.cluster_sector + (other - 2) * lay.cluster_sectors) * lay.sector
        cluster_bytes = lay.cluster_sectors * lay.sector
        return start + cluster_bytes - DENTRY if step < 0 else start

    def _fat_value(self, cluster: int) -> int | None:
        fat = self._fat_bytes()
        bits = self.layout.fat_bits
        if bits == 12:
            at = cluster * 3 // 2
            if at + 2 > len(fat):
                return None
            pair = fat[at] | fat[at + 1] << 8
            return pair >> 4 if cluster & 1 else pair & 0xFFF
        width = bits // 8
        if (cluster + 1) * width > len(fat):
            return None
        value = int.from_bytes(fat[cluster * width : (cluster + 1) * width], "little")
        return value & 0x0FFFFFFF if bits == 32 and not self.exfat else value

    def _next(self, cluster: int) -> int | None:
        value = self._fat_value(cluster)
        if value is None:
            return None
        if self.exfat and value == 0:
            return cluster + 1  # a NoFatChain directory: its clusters are contiguous
        last = _EXFAT_NOT_CLUSTER if self.exfat else _NOT_CLUSTER[self.layout.fat_bits]
        return value if 2 <= value < min(self.layout.clusters + 2, last) else None

    def _previous(self, cluster: int) -> int | None:
        """The cluster whose FAT entry points at ``cluster`` (a bounded search)."""
        if cluster not in self._prev:
            reverse = self._reverse_index() if len(self._prev) >= _INDEX_AFTER else None
            if reverse is not None and cluster < len(reverse):
                self._prev[cluster] = reverse[cluster] or None
            else:
                self._prev[cluster] = self._search_previous(cluster)
        return self._prev[cluster]

    def _reverse_index(self) -> array[int] | None:
        """For each cluster, the first cluster whose FAT entry points at it (0: none),
        exactly what ``_search_previous`` finds; None for FAT12 (searched directly)."""
        bits = self.layout.fat_bits
        if self._reverse is None and bits != 12:
            fat = self._fat_bytes()
            width = bits // 8
            values = array("H" if width == 2 else "I", fat[: len(fat) // width * width])
            if sys.byteorder != "little":
                values.byteswap()
            mask = 0x0FFFFFFF if bits == 32 and not self.exfat else (1 << bits) - 1
            reverse = array("I", bytes(4 * len(values)))
            for c in range(len(values) - 1, 1, -1):  # downwards: the first one wins
                v = values[c] & mask
                if v < len(reverse):
                    reverse[v] = c
            self._reverse = reverse
        return self._reverse

    def _search_previous(self, cluster: int) -> int | None:
        fat, bits = self._fat_bytes(), self.layout.fat_bits
        if bits == 12:
            last = min(self.layout.clusters + 2, len(fat) * 2 // 3)
            return next((c for c in range(2, last) if self._fat_value(c) == cluster), None)
        # FAT32 entries keep 4 reserved bits on top (TSK masks them): match the low 28.
        masked = bits == 32 and not self.exfat
        if cluster >= 1 << (28 if masked else bits):
            return None
        width = bits // 8
        needle = cluster.to_bytes(width, "little")[: 3 if masked else width]
        at = fat.find(needle)
        while at >= 0:
            whole = at % width == 0 and at // width >= 2 and at + width <= len(fat)
            if whole and (not masked or fat[at + 3] & 0x0F == cluster >> 24):
                return at // width
            at = fat.find(needle, at + 1)
        return None

    def _fat_bytes(self) -> bytes:
        if self._fat is None:
            lay = self.layout
            length = min(lay.fat_bytes, _FAT_MAX)
            self._fat = self._read(lay.base + lay.fat_sector * lay.sector, length)
        return self._fat


def _sfn_checksum(name: bytes) -> int:
    total = 0
    for byte in name:
        total = (((total & 1) << 7) + (total >> 1) + byte) & 0xFF
    return total


def _extents(slots: list[int]) -> tuple[tuple[int, int], ...]:
    runs: list[list[int]] = []
    for at in slots:
        if runs and runs[-1][0] + runs[-1][1] == at:
            runs[-1][1] += DENTRY
        else:
            runs.append([at, DENTRY])
    return tuple((o, n) for o, n in runs)


def _fat_layout(fs: FileSystem, boot: bytes) -> _Layout:
    """FAT12/16/32 boot sector (BPB) fields, as TSK's fatxxfs_open reads them."""
    sector, cluster = struct.unpack_from("<HB", boot, 0x0B)
    reserved, fats, root_entries, small_total = struct.unpack_from("<HBHH", boot, 0x0E)
    per_fat = struct.unpack_from("<H", boot, 0x16)[0] or struct.unpack_from("<I", boot, 0x24)[0]
    total = small_total or struct.unpack_from("<I", boot, 0x20)[0]
    if sector < 512 or sector % DENTRY or not cluster or not fats or not per_fat:
        raise ValueError("implausible FAT boot sector")
    data = reserved + fats * per_fat
    root_sectors = (root_entries * DENTRY + sector - 1) // sector
    bits = {"FAT12": 12, "FAT16": 16}.get(fs.fs_type, 32)
    clusters = (total - data - root_sectors) // cluster
    return _Layout(fs.partition.offset, sector, cluster, reserved, per_fat * sector, data,
                   data + root_sectors, total, bits, clusters)  # fmt: skip


def _exfat_layout(fs: FileSystem, boot: bytes) -> _Layout:
    """exFAT boot sector fields (FatOffset, ClusterHeapOffset, shifts)."""
    total = struct.unpack_from("<Q", boot, 0x48)[0]
    fat_at, fat_len, heap, clusters = struct.unpack_from("<IIII", boot, 0x50)
    sector_shift, cluster_shift = boot[0x6C], boot[0x6D]
    if not 9 <= sector_shift <= 12 or cluster_shift > 25:
        raise ValueError("implausible exFAT boot sector")
    sector = 1 << sector_shift
    return _Layout(fs.partition.offset, sector, 1 << cluster_shift, fat_at, fat_len * sector,
                   heap, heap, total, 32, clusters)  # fmt: skip

"""NTFS change journal ``$Extend\\$UsnJrnl:$J``: USN_RECORD_V2 and V3.

One event per record, at the record's time, with the reason flags. The stream is
sparse (long runs of zeros before the live records); zeros are skipped, and bytes that
are neither zeros nor a plausible record are reported once per damaged region with
its byte offset before the scan resumes at the next 8-byte boundary.
Reference: Microsoft Learn "USN_RECORD_V2 structure", "USN_RECORD_V3 structure".
"""

from __future__ import annotations

import hashlib
import mmap
import re
import struct
from collections.abc import Iterator
from functools import lru_cache
from pathlib import Path
from typing import Any, ClassVar

from evidencekit.model import Action, Locator, ParseIssue
from evidencekit.parsers.base import EventContent, ParseContext, parsers
from evidencekit.parsers.winutil import in_image_path, time_content

REASONS = (
    (0x00000001, "DATA_OVERWRITE"),
    (0x00000002, "DATA_EXTEND"),
    (0x00000004, "DATA_TRUNCATION"),
    (0x00000010, "NAMED_DATA_OVERWRITE"),
    (0x00000020, "NAMED_DATA_EXTEND"),
    (0x00000040, "NAMED_DATA_TRUNCATION"),
    (0x00000100, "FILE_CREATE"),
    (0x00000200, "FILE_DELETE"),
    (0x00000400, "EA_CHANGE"),
    (0x00000800, "SECURITY_CHANGE"),
    (0x00001000, "RENAME_OLD_NAME"),
    (0x00002000, "RENAME_NEW_NAME"),
    (0x00004000, "INDEXABLE_CHANGE"),
    (0x00008000, "BASIC_INFO_CHANGE"),
    (0x00010000, "HARD_LINK_CHANGE"),
    (0x00020000, "COMPRESSION_CHANGE"),
    (0x00040000, "ENCRYPTION_CHANGE"),
    (0x00080000, "OBJECT_ID_CHANGE"),
    (0x00100000, "REPARSE_POINT_CHANGE"),
    (0x00200000, "STREAM_CHANGE"),
    (0x00400000, "TRANSACTED_CHANGE"),
    (0x00800000, "INTEGRITY_CHANGE"),
    (0x80000000, "CLOSE"),
)
_ACTIONS = (
    (0x00000200, Action.DELETE),
    (0x00000100, Action.CREATE),
    (0x00003000, Action.RENAME),
    (0x00000077, Action.MODIFY),
    (0x00000800, Action.PERMISSION_CHANGE),
)
_NONZERO = re.compile(rb"[^\x00]")
_V2 = struct.Struct("<IHHQQqQIIIIHH")
_V3 = struct.Struct("<IHH16s16sqQIIIIHH")
_MAX_RECORD = 4096


@lru_cache(maxsize=4096)
def _reason_names(reason: int) -> tuple[str, ...]:
    return tuple(name for bit, name in REASONS if reason & bit)


def reason_flags(reason: int) -> list[str]:
    """Names of the USN reason bits set in ``reason``, in bit order."""
    return list(_reason_names(reason))


@lru_cache(maxsize=4096)
def _second(filetime_seconds: int) -> dict[str, Any]:
    """Time fields of a whole FILETIME second (journals hold long runs of equal seconds)."""
    return time_content(filetime_seconds * 10**7)


def fast_time(filetime: int) -> dict[str, Any]:
    """:func:`time_content` with the date part cached per second."""
    if filetime <= 0:
        return time_content(filetime)
    base = _second(filetime // 10**7)
    if "time" not in base:
        return time_content(filetime)
    frac = filetime % 10**7
    return {
        **base,
        "time": f"{base['time'][:20]}{frac:07d}00Z",
        "time_original": f"filetime:{filetime}",
    }


@lru_cache(maxsize=4096)
def reason_action(reason: int) -> Action:
    """The single action a reason mask stands for (delete > create > rename > data)."""
    return next((action for bits, action in _ACTIONS if reason & bits), Action.METADATA_CHANGE)


def _ref(value: int) -> tuple[int, int]:
    return value & 0xFFFFFFFFFFFF, value >> 48


@parsers.register("usnjrnl")
class UsnJrnlParser:
    """NTFS $UsnJrnl:$J change journal (USN_RECORD_V2/V3): create, rename, delete,
    data change with reason flags."""

    name: ClassVar[str] = "usnjrnl"
    version: ClassVar[str] = "1"
    source_kind: ClassVar[str] = "artifact"
    image_globs: ClassVar[tuple[str, ...]] = ("$Extend/$UsnJrnl:$J", "$Extend/$UsnJrnl")

    @classmethod
    def check(cls, head: bytes, path: Path) -> bool:
        if "usnjrnl" in path.name.lower() or path.name.endswith("$J"):
            return True
        if len(head) < 60:
            return False
        length, major, minor = struct.unpack_from("<IHH", head)
        return (
            60 <= length <= _MAX_RECORD and length % 8 == 0 and (major, minor) in ((2, 0), (3, 0))
        )

    def parse(self, ctx: ParseContext) -> Iterator[EventContent | ParseIssue]:
        size = ctx.path.stat().st_size
        if size == 0:
            return
        with open(ctx.path, "rb") as fp, mmap.mmap(fp.fileno(), 0, access=mmap.ACCESS_READ) as m:
            yield from self._scan(ctx, m, size)

    def _scan(
        self, ctx: ParseContext, m: mmap.mmap, size: int
    ) -> Iterator[EventContent | ParseIssue]:
        path = in_image_path(ctx)
        pos, bad_start = 0, -1
        while pos + 8 <= size:
            length = struct.unpack_from("<I", m, pos)[0]
            if length == 0:
                found = _NONZERO.search(m, pos)
                nxt = size if found is None else found.start() & ~7
                if nxt <= pos:
                    nxt = pos + 8
                pos = nxt
                continue
            event = self._record(ctx, m, pos, length, size, path)
            if event is None:
                bad_start = pos if bad_start < 0 else bad_start
                pos += 8
                continue
            if bad_start >= 0:
                yield self._damaged(ctx, m, bad_start, pos, path)
                bad_start = -1
            yield event
            pos += length
        if bad_start >= 0:
            yield self._damaged(ctx, m, bad_start, min(pos, size), path)

    @staticmethod
    def _damaged(ctx: ParseContext, m: mmap.mmap, start: int, end: int, path: str) -> ParseIssue:
        return ctx.issue(
            "damaged_region",
            f"{end - start} bytes at {start} are not USN records",
            Locator(path=path, offset=str(start), length=end - start),
            bytes(m[start:end]),
            severity="error",
        )

    def _record(
        self, ctx: ParseContext, m: mmap.mmap, pos: int, length: int, size: int, path: str
    ) -> EventContent | None:
        if length < 60 or length > _MAX_RECORD or length % 8 or pos + length > size:
            return None
        raw = bytes(m[pos : pos + length])
        major = struct.unpack_from("<H", raw, 4)[0]
        if major == 2:
            _, _, minor, fref, pref, usn, ts, reason, src, sec, attrs, nlen, noff = _V2.unpack_from(
                raw
            )
            entry, seq = _ref(fref)
            parent = "{}-{}".format(*_ref(pref))
        elif major == 3 and length >= 76:
            _, _, minor, f16, p16, usn, ts, reason, src, sec, attrs, nlen, noff = _V3.unpack_from(
                raw
            )
            entry, seq = _ref(int.from_bytes(f16[:8], "little"))
            parent = "{}-{}".format(*_ref(int.from_bytes(p16[:8], "little")))
        else:
            return None
        if noff + nlen > length or nlen % 2:
            return None
        ctx.records_read += 1
        name = raw[noff : noff + nlen].decode("utf-16-le", "replace")
        attributes: dict[str, Any] = {
            "usn": str(usn),
            "reason": f"0x{reason:08x}",
            "reasons": reason_flags(reason),
            "file_reference": f"{entry}-{seq}",
            "parent_reference": parent,
            "file_attributes": f"0x{attrs:08x}",
            "source_info": src,
            "security_id": sec,
            "record_version": f"{major}.{minor}",
        }
        locator: dict[str, Any] = {
            "path": path,
            "inode": str(entry),
            "sequence": seq,
            "record": str(max(usn, 0)),
            "offset": str(pos),
            "length": length,
        }
        return {
            "time_role": "usn_changed",
            "action": reason_action(reason).value,
            "kind": "ntfs.usn",
            "source": ctx.source_id,
            "locator": locator,
            "raw_sha256": hashlib.sha256(raw).hexdigest(),
            "object": {"kind": "file", "name": name},
            "attributes": attributes,
            **fast_time(ts),
        }

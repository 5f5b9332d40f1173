"""NTFS ``$MFT``: one event per $STANDARD_INFORMATION and $FILE_NAME time of each
record, with the full path (rebuilt from parent references), size and in-use state.

Records are checked (``FILE`` signature, update-sequence fixups, attribute bounds); a bad
record is a parse issue at its byte offset and the scan goes on with the next record.
*Timestomping*: when a $STANDARD_INFORMATION creation or modification time is earlier
than the matching $FILE_NAME time, every event of the record is flagged
``timestomp_suspected`` ($FN times are set by the kernel and are not changed by the
usual user-mode tools). Hot parser: yields event content dicts.
Reference: Brian Carrier, *File System Forensic Analysis*, ch. 13; libyal/libfsntfs
"New Technologies File System (NTFS)".
"""

from __future__ import annotations

import hashlib
import mmap
import struct
from collections.abc import Iterator
from pathlib import Path
from typing import Any, ClassVar

from evidencekit.events.time import TimeError, from_filetime
from evidencekit.model import Locator, ParseIssue
from evidencekit.parsers.base import EventContent, ParseContext, parsers
from evidencekit.parsers.winutil import in_image_path

ROLES = (
    ("created", "create"),
    ("modified", "modify"),
    ("mft_modified", "metadata_change"),
    ("accessed", "access"),
)
_MAX_PATH_DEPTH = 256


def apply_fixups(record: bytearray, sector: int = 512) -> str | None:
    """Apply the update-sequence array in place; the reason if the record is torn."""
    usa_offset, usa_count = struct.unpack_from("<HH", record, 4)
    if usa_count == 0 or usa_offset + 2 * usa_count > len(record):
        return f"update sequence array ({usa_offset}, {usa_count}) out of bounds"
    usn = record[usa_offset : usa_offset + 2]
    for index in range(1, usa_count):
        end = index * sector - 2
        if end + 2 > len(record):
            break
        if record[end : end + 2] != usn:
            return f"sector {index - 1} fixup mismatch (torn write or damage)"
        record[end : end + 2] = record[usa_offset + 2 * index : usa_offset + 2 * index + 2]
    return None


def parse_record(rec: bytes) -> dict[str, Any]:
    """$SI times, the best $FILE_NAME (Win32 over DOS) and the unnamed $DATA size."""
    out: dict[str, Any] = {
        "flags": struct.unpack_from("<H", rec, 22)[0],
        "sequence": struct.unpack_from("<H", rec, 16)[0],
    }
    pos = struct.unpack_from("<H", rec, 20)[0]
    while pos + 16 <= len(rec):
        atype, length = struct.unpack_from("<II", rec, pos)
        if atype == 0xFFFFFFFF:
            break
        if length < 16 or pos + length > len(rec):
            raise ValueError(f"attribute at {pos} has length {length}")
        _attribute(rec, pos, atype, out)
        pos += length
    return out


def _attribute(rec: bytes, pos: int, atype: int, out: dict[str, Any]) -> None:
    nonresident, name_len = rec[pos + 8], rec[pos + 9]
    if nonresident:
        if atype == 0x80 and name_len == 0:
            out["size"] = struct.unpack_from("<Q", rec, pos + 48)[0]
        return
    size, offset = struct.unpack_from("<IH", rec, pos + 16)
    body = rec[pos + offset : pos + offset + size]
    if atype == 0x10 and len(body) >= 32:
        out["si"] = struct.unpack_from("<QQQQ", body)
    elif atype == 0x30 and len(body) >= 66:
        namespace = body[65]
        if "fn" not in out or out.get("fn_ns") == 2:  # prefer a Win32/POSIX name to DOS 8.3
            out["fn"] = struct.unpack_from("<QQQQ", body, 8)
            out["parent"] = struct.unpack_from("<Q", body)[0]
            out["name"] = body[66 : 66 + 2 * body[64]].decode("utf-16-le", "replace")
            out["fn_ns"] = namespace
    elif atype == 0x80 and name_len == 0:
        out["size"] = size


def timestomp_suspected(si: tuple[int, ...] | None, fn: tuple[int, ...] | None) -> bool:
    """$SI created or modified earlier than the $FN one."""
    if not si or not fn:
        return False
    return any(s and f and s < f for s, f in ((si[0], fn[0]), (si[1], fn[1])))


@parsers.register("mft")
class MftParser:
    """NTFS $MFT records: $STANDARD_INFORMATION and $FILE_NAME times with full paths;
    flags timestomping ($SI earlier than $FN)."""

    name: ClassVar[str] = "mft"
    version: ClassVar[str] = "1"
    source_kind: ClassVar[str] = "artifact"
    image_globs: ClassVar[tuple[str, ...]] = ()  # the image engine walks the MFT itself

    @classmethod
    def check(cls, head: bytes, path: Path) -> bool:
        return head[:4] == b"FILE" and head[1024:1028] in (b"FILE", b"BAAD", b"\x00" * 4)

    def parse(self, ctx: ParseContext) -> Iterator[EventContent | ParseIssue]:
        size = ctx.path.stat().st_size
        if size < 1024:
            yield ctx.issue(
                "truncated",
                f"{size} bytes: not one MFT record",
                Locator(path=in_image_path(ctx), offset="0"),
                severity="error",
            )
            return
        with open(ctx.path, "rb") as fp, mmap.mmap(fp.fileno(), 0, access=mmap.ACCESS_READ) as m:
            rsize = struct.unpack_from("<I", m, 28)[0] if m[:4] == b"FILE" else 1024
            rsize = rsize if rsize in (1024, 4096) else 1024
            records, problems = self._read_all(ctx, m, size, rsize)
            yield from problems
            yield from self._events(ctx, records, rsize)

    def _read_all(
        self, ctx: ParseContext, m: mmap.mmap, size: int, rsize: int
    ) -> tuple[dict[int, dict[str, Any]], list[ParseIssue]]:
        records: dict[int, dict[str, Any]] = {}
        problems: list[ParseIssue] = []
        path = in_image_path(ctx)
        for number in range(size // rsize):
            off = number * rsize
            raw = m[off : off + rsize]
            if raw[:4] != b"FILE":
                if raw[:4] == b"BAAD" or any(raw[:64]):
                    problems.append(
                        ctx.issue(
                            "bad_record",
                            f"record {number}: signature {bytes(raw[:4])!r}",
                            Locator(path=path, record=str(number), offset=str(off), length=rsize),
                            raw,
                            severity="error",
                        )
                    )
                continue
            rec = bytearray(raw)
            reason = apply_fixups(rec)
            try:
                if reason:
                    raise ValueError(reason)
                info = parse_record(bytes(rec))
            except (ValueError, struct.error, IndexError) as exc:
                problems.append(
                    ctx.issue(
                        "bad_record",
                        f"record {number}: {exc}",
                        Locator(path=path, record=str(number), offset=str(off), length=rsize),
                        raw,
                        severity="error",
                    )
                )
                continue
            ctx.records_read += 1
            info["raw_sha256"] = hashlib.sha256(raw).hexdigest()
            records[number] = info
        return records, problems

    def _events(
        self, ctx: ParseContext, records: dict[int, dict[str, Any]], rsize: int
    ) -> Iterator[EventContent]:
        in_image = in_image_path(ctx)
        for number, info in sorted(records.items()):
            if "si" not in info and "fn" not in info:
                continue
            flags = set()
            if not info["flags"] & 1:
                flags.add("deleted")
            if timestomp_suspected(info.get("si"), info.get("fn")):
                flags.add("timestomp_suspected")
            obj = {
                "kind": "directory" if info["flags"] & 2 else "file",
                "path": full_path(records, number),
                "name": info.get("name"),
            }
            if isinstance(info.get("size"), int) and info["size"] < 2**53:
                obj["size"] = info["size"]
            base = {
                "kind": "ntfs.mft",
                "source": ctx.source_id,
                "raw_sha256": info["raw_sha256"],
                "object": {k: v for k, v in obj.items() if v is not None},
                "locator": {
                    "path": in_image,
                    "inode": str(number),
                    "sequence": info["sequence"],
                    "record": str(number),
                    "offset": str(number * rsize),
                    "length": rsize,
                },
                "attributes": {
                    "in_use": bool(info["flags"] & 1),
                    "parent_reference": _ref(info.get("parent")),
                },
            }
            for prefix in ("si", "fn"):
                for (role, action), filetime in zip(ROLES, info.get(prefix) or (), strict=False):
                    yield _content(base, f"{prefix}_{role}", action, filetime, flags)


def _ref(value: int | None) -> str | None:
    return None if value is None else f"{value & 0xFFFFFFFFFFFF}-{value >> 48}"


def _content(
    base: dict[str, Any], role: str, action: str, filetime: int, flags: set[str]
) -> EventContent:
    event = dict(base, time_role=role, action=action)
    try:
        text = from_filetime(filetime)
    except TimeError:
        text, flags = None, flags | {"time_unparseable"}
    if text is None:
        flags = flags | ({"time_missing"} if filetime == 0 else set())
    else:
        event.update(time=text, time_offset="Z", time_precision="100ns")
    event["time_original"] = f"filetime:{filetime}"
    if flags:
        event["flags"] = sorted(flags)
    event["attributes"] = {k: v for k, v in base["attributes"].items() if v is not None}
    return event


def full_path(records: dict[int, dict[str, Any]], number: int) -> str | None:
    """``\\dir\\file`` from parent references (``$Orphan`` when a parent is missing)."""
    if "name" not in records.get(number, {}):
        return None
    parts: list[str] = []
    current, seen = number, set()
    for _ in range(_MAX_PATH_DEPTH):
        info = records.get(current)
        if info is None or "name" not in info:
            parts.append("$Orphan")
            break
        if current == 5:
            break
        parts.append(info["name"])
        seen.add(current)
        parent = info["parent"] & 0xFFFFFFFFFFFF
        if parent in seen:
            parts.append("$Loop")
            break
        current = parent
    return "\\" + "\\".join(reversed(parts)) if parts else "\\"

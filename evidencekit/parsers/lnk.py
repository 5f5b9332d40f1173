"""Windows shortcut (.lnk) files. Reference: [MS-SHLLINK] Shell Link Binary File Format.

Values come from liblnk (pylnk); an own bounds-checked walk of the structure checks
every size and offset against the bytes present (liblnk accepts some out-of-range
offsets silently), yields the link's length (needed for customDestinations-ms) and
keeps the header fields when liblnk refuses the file. The jump-list parser reuses
:func:`read_link` and :func:`link_events`.
"""

from __future__ import annotations

import io
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, ClassVar

import pylnk

from evidencekit.model import Action, Device, Event, Locator, ObjectRef, ParseIssue
from evidencekit.parsers.base import ParseContext, parsers
from evidencekit.parsers.winutil import (
    filetime_event,
    in_image_path,
    oversize_issue,
    read_bounded,
    tool_flags,
    u16,
    u32,
    u64,
    volume_serial_text,
    windows_name,
)

HEADER = b"\x4c\x00\x00\x00\x01\x14\x02\x00\x00\x00\x00\x00\xc0\x00\x00\x00\x00\x00\x00\x46"
DRIVE_TYPES = {
    0: "unknown",
    1: "unknown",
    2: "removable",
    3: "fixed",
    4: "network",
    5: "optical",
    6: "ram",
}
MAX_LNK = 4 << 20
"""Largest shell link read (real links are a few KiB)."""
_STRING_FLAGS = (0x04, 0x08, 0x10, 0x20, 0x40)  # name, relpath, workdir, args, icon


@dataclass
class LinkFields:
    """What one shell link says about its target."""

    flags: int = 0
    attributes: int = 0
    ctime: int = 0
    atime: int = 0
    mtime: int = 0
    size: int = 0
    drive_type: int | None = None
    volume_serial: int | None = None
    volume_label: str | None = None
    local_path: str | None = None
    network_path: str | None = None
    extra: dict[str, Any] = field(default_factory=dict)
    problems: list[tuple[str, str, int]] = field(default_factory=list)


def read_link(data: bytes, start: int = 0) -> tuple[LinkFields, int]:
    """Walk one link at ``data[start:]``; return its fields and its end offset.

    Problems (code, message, absolute byte offset) are collected, never raised.
    """
    f = LinkFields()
    if data[start : start + 20] != HEADER:
        f.problems.append(("bad_signature", "not a shell link header", start))
        return f, start
    f.flags = u32(data, start + 20) or 0
    f.attributes = u32(data, start + 24) or 0
    f.ctime, f.atime, f.mtime = (u64(data, start + o) or 0 for o in (28, 36, 44))
    f.size = u32(data, start + 52) or 0
    pos = start + 76
    if f.flags & 0x01:
        idsize = u16(data, pos)
        if idsize is None or pos + 2 + idsize > len(data):
            f.problems.append(("idlist_out_of_range", "LinkTargetIDList runs past the end", pos))
            return f, len(data)
        pos += 2 + idsize
    if f.flags & 0x02:
        pos = _link_info(data, pos, f)
    pos = _string_data(data, pos, f)
    return f, _extra_data(data, pos, f)


def _link_info(data: bytes, pos: int, f: LinkFields) -> int:
    size = u32(data, pos) or 0
    if size < 28 or pos + size > len(data):
        f.problems.append(("linkinfo_out_of_range", f"LinkInfo size {size} out of range", pos))
        return len(data)
    info = data[pos : pos + size]
    lflags = u32(info, 8) or 0
    offsets = {
        name: u32(info, o) or 0
        for name, o in (("volume_id", 12), ("local_base_path", 16), ("network", 20), ("suffix", 24))
    }
    for name, off in offsets.items():
        if off >= size:
            f.problems.append(
                (
                    "offset_out_of_range",
                    f"LinkInfo {name} offset {off} beyond LinkInfo size {size}",
                    pos,
                )
            )
    if lflags & 0x01 and offsets["volume_id"] < size:
        _volume_id(info, offsets["volume_id"], pos, f)
    if lflags & 0x01 and offsets["local_base_path"] < size:
        base = _ansiz(info, offsets["local_base_path"])
        suffix = _ansiz(info, offsets["suffix"]) if offsets["suffix"] < size else ""
        f.local_path = base + suffix if base else None
    if lflags & 0x02 and offsets["network"] < size:
        net = offsets["network"]
        name_off = u32(info, net + 8) or 0
        share = _ansiz(info, net + name_off) if net + name_off < size else ""
        suffix = _ansiz(info, offsets["suffix"]) if offsets["suffix"] < size else ""
        f.network_path = f"{share}\\{suffix}" if share and suffix else share or None
    return pos + size


def _volume_id(info: bytes, off: int, base: int, f: LinkFields) -> None:
    vsize = u32(info, off) or 0
    if vsize < 16 or off + vsize > len(info):
        f.problems.append(("volumeid_out_of_range", f"VolumeID size {vsize}", base + off))
        return
    f.drive_type = u32(info, off + 4)
    f.volume_serial = u32(info, off + 8)
    label_off = u32(info, off + 12) or 0
    if label_off == 0x14:
        uoff = u32(info, off + 16) or 0
        f.volume_label = _utf16(info, off + uoff) if uoff < vsize else None
    elif label_off < vsize:
        f.volume_label = _ansiz(info, off + label_off)
    else:
        f.problems.append(("offset_out_of_range", f"volume label offset {label_off}", base + off))


def _ansiz(buf: bytes, off: int) -> str:
    end = buf.find(b"\x00", off)
    return buf[off : end if end >= 0 else len(buf)].decode("cp1252", "replace")


def _utf16(buf: bytes, off: int) -> str:
    end = off
    while end + 1 < len(buf) and buf[end : end + 2] != b"\x00\x00":
        end += 2
    return buf[off:end].decode("utf-16-le", "replace")


def _string_data(data: bytes, pos: int, f: LinkFields) -> int:
    width = 2 if f.flags & 0x80 else 1
    for flag in _STRING_FLAGS:
        if not f.flags & flag:
            continue
        count = u16(data, pos)
        if count is None or pos + 2 + count * width > len(data):
            f.problems.append(("stringdata_out_of_range", "StringData runs past the end", pos))
            return len(data)
        pos += 2 + count * width
    return pos


def _extra_data(data: bytes, pos: int, f: LinkFields) -> int:
    while True:
        size = u32(data, pos)
        if size is None:
            f.problems.append(("extradata_truncated", "no terminal ExtraData block", pos))
            return len(data)
        if size < 4:
            return pos + 4
        if pos + size > len(data):
            f.problems.append(("extradata_out_of_range", f"ExtraData block of {size}", pos))
            return len(data)
        pos += size


def enrich(data: bytes, f: LinkFields) -> str | None:
    """Fill ``f`` from liblnk; return liblnk's refusal text if it could not read it."""
    lnk = pylnk.file()
    try:
        lnk.open_file_object(io.BytesIO(data))
    except (OSError, ValueError) as exc:
        return str(exc)
    try:
        f.local_path = lnk.local_path or f.local_path
        f.network_path = lnk.network_path or f.network_path
        for key in (
            "machine_identifier",
            "droid_volume_identifier",
            "droid_file_identifier",
            "working_directory",
            "command_line_arguments",
            "relative_path",
            "description",
            "icon_location",
        ):
            value = getattr(lnk, key, None)
            if value:
                f.extra[key] = str(value)
    except (OSError, ValueError) as exc:
        return str(exc)
    finally:
        lnk.close()
    return None


def link_device(f: LinkFields) -> Device:
    """Drive type, volume serial and label of the link target."""
    kind = DRIVE_TYPES.get(f.drive_type if f.drive_type is not None else 0, "unknown")
    if kind == "unknown" and f.network_path:
        kind = "network"
    serial = (
        volume_serial_text(f.volume_serial)
        if f.drive_type is not None and f.volume_serial is not None
        else None
    )
    return Device(drive_type=kind, volume_serial=serial, label=f.volume_label or None)


def link_events(
    ctx: ParseContext,
    f: LinkFields,
    locator: Locator,
    raw: bytes,
    kind: str,
    attributes: dict[str, Any] | None = None,
) -> list[Event]:
    """Three events (target created / modified / accessed) for one link."""
    target = f.local_path or f.network_path or ""
    obj = ObjectRef(
        kind="file", path=target or None, name=windows_name(target) or None, size=f.size
    )
    attrs = {"file_attributes": f"0x{f.attributes:08x}", **f.extra, **(attributes or {})}
    if f.network_path:
        attrs["network_path"] = f.network_path
    flags = tuple(tool_flags(ctx, target)) if target else ()
    common: dict[str, Any] = {
        "kind": kind,
        "locator": locator,
        "raw": raw,
        "object": obj,
        "device": link_device(f),
        "attributes": attrs,
        "flags": flags,
    }
    return [
        filetime_event(ctx, f.ctime, role="target_created", action=Action.CREATE, **common),
        filetime_event(ctx, f.mtime, role="target_modified", action=Action.MODIFY, **common),
        filetime_event(ctx, f.atime, role="target_accessed", action=Action.OPEN, **common),
    ]


def problems_to_issues(
    ctx: ParseContext, f: LinkFields, raw: bytes, path: str | None
) -> Iterator[ParseIssue]:
    """One parse issue per structural problem, located at its byte offset."""
    for code, message, offset in f.problems:
        yield ctx.issue(code, message, Locator(path=path, offset=str(offset)), raw)


@parsers.register("lnk")
class LnkParser:
    """Windows shortcut (.lnk): target path, target times, drive type, volume serial
    and label, network share. Reference: [MS-SHLLINK]."""

    name: ClassVar[str] = "lnk"
    version: ClassVar[str] = "1"
    source_kind: ClassVar[str] = "artifact"
    image_globs: ClassVar[tuple[str, ...]] = (
        "Users/*/AppData/Roaming/Microsoft/Windows/Recent/*.lnk",
        "Users/*/AppData/Roaming/Microsoft/Office/Recent/*.lnk",
        "Users/*/Desktop/*.lnk",
        "Documents and Settings/*/Recent/*.lnk",
        "Documents and Settings/*/Desktop/*.lnk",
        "Documents and Settings/*/Application Data/Microsoft/Office/Recent/*.lnk",
    )

    @classmethod
    def check(cls, head: bytes, path: Path) -> bool:
        return head.startswith(HEADER)

    def parse(self, ctx: ParseContext) -> Iterator[Event | ParseIssue]:
        data = read_bounded(ctx.path, MAX_LNK)
        oversized = oversize_issue(ctx, data)
        if oversized:
            yield oversized
        path = in_image_path(ctx)
        f, end = read_link(data)
        if not f.flags and f.problems:
            yield ctx.issue(
                f.problems[0][0],
                f.problems[0][1],
                Locator(path=path, offset="0"),
                data,
                severity="error",
            )
            return
        ctx.records_read += 1
        raw = data[:end] if end else data
        yield from problems_to_issues(ctx, f, raw, path)
        refusal = enrich(raw, f)
        if refusal:
            yield ctx.issue(
                "liblnk_refused",
                f"liblnk could not read the link ({refusal}); "
                "header and LinkInfo fields from the own reader are kept",
                Locator(path=path, offset="0", length=len(raw)),
                raw,
            )
        yield from link_events(
            ctx,
            f,
            Locator(path=path, offset="0", length=len(raw)),
            raw,
            "lnk.shortcut",
            {"lnk_path": path},
        )

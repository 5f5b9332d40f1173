"""Recycle Bin metadata: ``$I`` files (Vista+, versions 1 and 2) and ``INFO2`` (XP).

Each record becomes a ``delete`` event at the deletion time with the original path,
the original size and the owner's SID (taken from the ``$Recycle.Bin\\<SID>`` or
``RECYCLER\\<SID>`` folder the file sits in, when known). References: Forensics Wiki
"Windows Recycle Bin"; libyal/dtformats "Windows Recycle.Bin file formats".
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any, ClassVar

from evidencekit.model import Action, Actor, Event, Locator, ObjectRef, ParseIssue
from evidencekit.parsers.base import ParseContext, parsers
from evidencekit.parsers.winutil import (
    artifact_name,
    filetime_event,
    in_image_path,
    oversize_issue,
    read_bounded,
    u32,
    u64,
    windows_name,
)

_SID = re.compile(r"S-1-[0-9]+(?:-[0-9]+)+", re.IGNORECASE)
_INFO2_RECORD = 800
_MAX_I_FILE = 1 << 16


def owner_sid(ctx: ParseContext) -> str | None:
    """The SID of the Recycle Bin folder the artifact came from, if the path names one."""
    for text in (in_image_path(ctx), str(ctx.path)):
        found = _SID.findall(text.replace("\\", "/"))
        if found:
            return str(found[-1]).upper()
    return None


def _utf16_field(data: bytes) -> str:
    text = data.decode("utf-16-le", "replace")
    return text.split("\x00", 1)[0]


@parsers.register("recyclebin")
class RecycleBinParser:
    """Recycle Bin $I (v1/v2) and INFO2 records: deleted file, size, time, owner SID."""

    name: ClassVar[str] = "recyclebin"
    version: ClassVar[str] = "1"
    source_kind: ClassVar[str] = "artifact"
    image_globs: ClassVar[tuple[str, ...]] = (
        "$Recycle.Bin/*/$I*",
        "RECYCLER/*/INFO2",
        "RECYCLED/INFO2",
    )

    @classmethod
    def check(cls, head: bytes, path: Path) -> bool:
        version = u64(head, 0)
        if path.name.upper().startswith("$I") and version in (1, 2):
            return True
        return path.name.upper() == "INFO2" and u32(head, 12) in (280, _INFO2_RECORD)

    def parse(self, ctx: ParseContext) -> Iterator[Event | ParseIssue]:
        info2 = artifact_name(ctx).upper() == "INFO2"
        data = read_bounded(ctx.path, 64 << 20 if info2 else _MAX_I_FILE)
        oversized = oversize_issue(ctx, data)
        if oversized:
            yield oversized
        if info2 or (u32(data, 12) == _INFO2_RECORD and u64(data, 0) not in (1, 2)):
            yield from self._info2(ctx, data)
        else:
            yield from self._i_file(ctx, data)

    def _i_file(self, ctx: ParseContext, data: bytes) -> Iterator[Event | ParseIssue]:
        path = in_image_path(ctx)
        version, size, deleted = u64(data, 0), u64(data, 8), u64(data, 16)
        if version not in (1, 2) or size is None or deleted is None:
            yield ctx.issue(
                "truncated_record" if version in (1, 2) else "unknown_version",
                f"$I file of {len(data)} bytes, version {version}: header unreadable",
                Locator(path=path, offset="0", length=len(data)),
                data,
                severity="error",
            )
            return
        if version == 1:
            name_bytes, need = data[24:544], 544
        else:
            chars = u32(data, 24) or 0
            name_bytes, need = data[28 : 28 + chars * 2], 28 + chars * 2
        original = _utf16_field(name_bytes)
        if len(data) < need:
            yield ctx.issue(
                "truncated_record",
                f"$I v{version} name field needs {need} bytes, file has {len(data)}; "
                "the partial name is kept",
                Locator(path=path, offset="24"),
                data,
            )
        ctx.records_read += 1
        yield self._event(
            ctx,
            deleted,
            original,
            size,
            Locator(path=path, offset="0", length=len(data)),
            data,
            {"format_version": version},
        )

    def _info2(self, ctx: ParseContext, data: bytes) -> Iterator[Event | ParseIssue]:
        path = in_image_path(ctx)
        record_size = u32(data, 12)
        if record_size != _INFO2_RECORD:
            yield ctx.issue(
                "unsupported_record_size",
                f"INFO2 record size {record_size} (only 800-byte Unicode records are read)",
                Locator(path=path, offset="12"),
                data[:20],
                severity="error",
            )
            return
        for offset in range(20, len(data), _INFO2_RECORD):
            raw = data[offset : offset + _INFO2_RECORD]
            locator = Locator(
                path=path,
                record=str((offset - 20) // _INFO2_RECORD),
                offset=str(offset),
                length=len(raw),
            )
            if len(raw) < _INFO2_RECORD:
                yield ctx.issue(
                    "truncated_record",
                    f"INFO2 record of {len(raw)} bytes",
                    locator,
                    raw,
                    severity="error",
                )
                continue
            ctx.records_read += 1
            ansi = raw[:260].split(b"\x00", 1)[0].decode("cp1252", "replace")
            unicode = _utf16_field(raw[280:800])
            attrs = {
                "record_index": u32(raw, 260),
                "drive_number": u32(raw, 264),
                "original_path_ansi": ansi,
            }
            yield self._event(
                ctx, u64(raw, 268), unicode or ansi, u32(raw, 276), locator, raw, attrs
            )

    @staticmethod
    def _event(
        ctx: ParseContext,
        deleted: int | None,
        original: str,
        size: int | None,
        locator: Locator,
        raw: bytes,
        attributes: dict[str, Any],
    ) -> Event:
        sid = owner_sid(ctx)
        return filetime_event(
            ctx,
            deleted,
            role="deleted",
            action=Action.DELETE,
            kind="recyclebin.entry",
            locator=locator,
            raw=raw,
            object=ObjectRef(
                kind="file", path=original or None, name=windows_name(original) or None, size=size
            ),
            actor=Actor(sid=sid) if sid else None,
            attributes={k: v for k, v in attributes.items() if v is not None},
        )

"""Windows jump lists: ``*.automaticDestinations-ms`` (OLE compound file with a DestList
stream and one shell-link stream per entry, read with libolecf) and
``*.customDestinations-ms`` (shell links one after another between a category header
and the 0xBABFFBAB footer).

Each link gives the target events of :func:`.lnk.link_events`; each DestList entry adds
a ``last_opened`` event (action ``open``) with the entry's access time, host name and
pin state. References: libyal/dtformats "Jump lists format"; [MS-CFB]; [MS-SHLLINK].
"""

from __future__ import annotations

import io
import struct
from collections.abc import Iterator
from pathlib import Path
from typing import Any, ClassVar

import pyolecf

from evidencekit.model import Action, Event, Locator, ObjectRef, ParseIssue
from evidencekit.parsers.base import ParseContext, parsers
from evidencekit.parsers.lnk import (
    HEADER,
    LinkFields,
    enrich,
    link_device,
    link_events,
    problems_to_issues,
    read_link,
)
from evidencekit.parsers.winutil import (
    artifact_name,
    filetime_event,
    in_image_path,
    oversize_issue,
    read_bounded,
    u16,
    u32,
    u64,
    windows_name,
)

OLECF = bytes.fromhex("d0cf11e0a1b11ae1")
_MAX_STREAM = 16 << 20


def parse_destlist(data: bytes) -> tuple[int, list[dict[str, Any]], int | None]:
    """DestList header version and entries; the offset where reading stopped, if early."""
    version = u32(data, 0) or 0
    count = u32(data, 4) or 0
    path_at = 112 if version == 1 else 128
    entries: list[dict[str, Any]] = []
    pos = 32
    for _ in range(count):
        length = u16(data, pos + path_at)
        end = pos + path_at + 2 + 2 * (length or 0) + (0 if version == 1 else 4)
        if length is None or end > len(data):
            return version, entries, pos
        host = data[pos + 72 : pos + 88].split(b"\x00", 1)[0].decode("ascii", "replace")
        entries.append(
            {
                "offset": pos,
                "length": end - pos,
                "entry_number": u32(data, pos + 88),
                "hostname": host,
                "last_access": u64(data, pos + 100),
                "pinned": (struct.unpack_from("<i", data, pos + 108)[0] != -1),
                "path": data[pos + path_at + 2 : pos + path_at + 2 + 2 * length].decode(
                    "utf-16-le", "replace"
                ),
                "access_count": u32(data, pos + 116) if version >= 3 else None,
            }
        )
        pos = end
    return version, entries, None


@parsers.register("jumplist")
class JumpListParser:
    """Jump lists (automaticDestinations-ms, customDestinations-ms): files and folders
    opened per application, with target times, drive type and volume serial."""

    name: ClassVar[str] = "jumplist"
    version: ClassVar[str] = "1"
    source_kind: ClassVar[str] = "artifact"
    image_globs: ClassVar[tuple[str, ...]] = (
        "Users/*/AppData/Roaming/Microsoft/Windows/Recent/AutomaticDestinations/*",
        "Users/*/AppData/Roaming/Microsoft/Windows/Recent/CustomDestinations/*",
    )

    @classmethod
    def check(cls, head: bytes, path: Path) -> bool:
        name = path.name.lower()
        if name.endswith(".automaticdestinations-ms"):
            return head.startswith(OLECF)
        return name.endswith(".customdestinations-ms") or (
            len(head) > 40
            and head[4:8] in (b"\x01\x00\x00\x00", b"\x02\x00\x00\x00")
            and HEADER in head[:64]
            and not head.startswith(OLECF)
        )

    def parse(self, ctx: ParseContext) -> Iterator[Event | ParseIssue]:
        data = read_bounded(ctx.path)
        oversized = oversize_issue(ctx, data)
        if oversized:
            yield oversized
        if data.startswith(OLECF):
            yield from self._automatic(ctx, data)
        else:
            yield from self._custom(ctx, data)

    def _automatic(self, ctx: ParseContext, data: bytes) -> Iterator[Event | ParseIssue]:
        path = in_image_path(ctx)
        olecf = pyolecf.file()
        try:
            olecf.open_file_object(io.BytesIO(data))
        except (OSError, ValueError) as exc:
            yield ctx.issue(
                "unreadable_olecf", str(exc), Locator(path=path, offset="0"), data, severity="error"
            )
            return
        streams = {}
        for index in range(olecf.root_item.number_of_sub_items):
            item = olecf.root_item.get_sub_item(index)
            streams[item.name] = item.read_buffer(min(item.size, _MAX_STREAM))
        app_id = artifact_name(ctx).split(".", 1)[0]
        links = {}
        for name, stream in sorted(streams.items()):
            if name == "DestList":
                continue
            f, issues = yield_link(ctx, stream, f"{path}:{name}")
            yield from issues
            links[name.lower()] = f
            yield from link_events(
                ctx,
                f,
                Locator(path=path, attribute=name, length=len(stream)),
                stream,
                "jumplist.automatic",
                {"app_id": app_id, "stream": name},
            )
        yield from self._destlist(ctx, streams.get("DestList"), links, app_id, path)

    def _destlist(
        self,
        ctx: ParseContext,
        data: bytes | None,
        links: dict[str, LinkFields],
        app_id: str,
        path: str,
    ) -> Iterator[Event | ParseIssue]:
        if data is None:
            yield ctx.issue("no_destlist", "no DestList stream", Locator(path=path), None)
            return
        version, entries, stopped = parse_destlist(data)
        for entry in entries:
            ctx.records_read += 1
            raw = data[entry["offset"] : entry["offset"] + entry["length"]]
            link = links.get(f"{entry['entry_number']:x}")
            attrs = {
                "app_id": app_id,
                "entry_number": entry["entry_number"],
                "hostname": entry["hostname"],
                "pinned": entry["pinned"],
                "destlist_version": version,
            }
            if entry["access_count"] is not None:
                attrs["access_count"] = entry["access_count"]
            target = (link.local_path or link.network_path) if link else None
            yield filetime_event(
                ctx,
                entry["last_access"],
                role="last_opened",
                action=Action.OPEN,
                kind="jumplist.destlist",
                raw=raw,
                locator=Locator(
                    path=path,
                    attribute="DestList",
                    record=str(entry["entry_number"]),
                    offset=str(entry["offset"]),
                    length=entry["length"],
                ),
                object=ObjectRef(
                    kind="file",
                    path=target or entry["path"],
                    name=windows_name(target or entry["path"]) or None,
                    size=link.size if link else None,
                ),
                device=link_device(link) if link else None,
                attributes=attrs,
            )
        if stopped is not None:
            yield ctx.issue(
                "truncated_destlist",
                "DestList entry runs past the stream",
                Locator(path=path, attribute="DestList", offset=str(stopped)),
                data[stopped:],
                severity="error",
            )

    def _custom(self, ctx: ParseContext, data: bytes) -> Iterator[Event | ParseIssue]:
        path = in_image_path(ctx)
        app_id = artifact_name(ctx).split(".", 1)[0]
        pos = data.find(HEADER)
        while pos >= 0:
            f, end = read_link(data, pos)
            raw = data[pos:end]
            ctx.records_read += 1
            yield from problems_to_issues(ctx, f, raw, path)
            refusal = enrich(raw, f)
            if refusal:
                yield ctx.issue("liblnk_refused", refusal, Locator(path=path, offset=str(pos)), raw)
            yield from link_events(
                ctx,
                f,
                Locator(path=path, offset=str(pos), length=len(raw)),
                raw,
                "jumplist.custom",
                {"app_id": app_id},
            )
            pos = data.find(HEADER, max(end, pos + 1))
        if not data.endswith(b"\xab\xfb\xbf\xba"):
            yield ctx.issue(
                "no_footer",
                "customDestinations-ms lacks the 0xBABFFBAB footer",
                Locator(path=path, offset=str(len(data))),
                None,
            )


def yield_link(ctx: ParseContext, stream: bytes, where: str) -> tuple[LinkFields, list[ParseIssue]]:
    """Read one embedded link stream; its problems as issues located in the stream."""
    ctx.records_read += 1
    f, _ = read_link(stream)
    issues = list(problems_to_issues(ctx, f, stream, where))
    refusal = enrich(stream, f)
    if refusal:
        issues.append(ctx.issue("liblnk_refused", refusal, Locator(path=where, offset="0"), stream))
    return f, issues

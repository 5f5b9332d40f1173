"""``setupapi.dev.log`` (Windows Vista+): device installation sections.

Each ``>>>  [title]`` section with its ``>>>  Section start YYYY/MM/DD HH:MM:SS.mmm``
line becomes one event at the section start. A *Device Install* of a USB storage
device (``USBSTOR\\...``, ``USB\\VID_...``, ``SWD\\WPDBUSENUM\\...``) is the device's
first connection to this Windows installation (``device_connect``, role
``first_install``); other sections are ``install`` events. The log's times are local
wall-clock times of the machine: the zone comes from ``--tz`` (default Asia/Tokyo,
recorded in every event and flagged ``time_zone_assumed`` when not given).
Reference: Microsoft Learn "SetupAPI text logs"; "Format of a text log section".
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path
from typing import Any, ClassVar

from evidencekit.events.time import TimeError, from_local
from evidencekit.model import Action, Device, Event, Locator, ParseIssue, TimePrecision
from evidencekit.parsers.base import ParseContext, parsers
from evidencekit.parsers.reg_system import usbstor_device
from evidencekit.parsers.winutil import in_image_path

DEFAULT_ZONE = "Asia/Tokyo"
_TITLE = re.compile(r"^>>>\s+\[(.*)\]\s*$")
_START = re.compile(
    r"^>>>\s+Section start (\d{4})/(\d{2})/(\d{2}) (\d{2}):(\d{2}):(\d{2})\.(\d{3})"
)
_USBSTOR = re.compile(r"USBSTOR\\([^\\]+)\\([^\\\]\s]+)", re.IGNORECASE)
_MAX_LINE = 1 << 16


def section_device(title: str) -> Device | None:
    """USB storage facts named in a section title, if it names such a device."""
    match = _USBSTOR.search(title)
    if match:
        return usbstor_device(match.group(1), match.group(2))
    if re.search(r"USB\\VID_|WPDBUSENUM", title, re.IGNORECASE):
        return Device(drive_type="removable")
    return None


@parsers.register("setupapi")
class SetupApiParser:
    """setupapi.dev.log: device installation sections; first-install time of each USB
    storage device."""

    name: ClassVar[str] = "setupapi"
    version: ClassVar[str] = "1"
    source_kind: ClassVar[str] = "artifact"
    default_time_zone: ClassVar[str] = DEFAULT_ZONE  # local times; flagged time_zone_assumed
    image_globs: ClassVar[tuple[str, ...]] = ("Windows/INF/setupapi.dev*.log",)

    @classmethod
    def check(cls, head: bytes, path: Path) -> bool:
        text = head.decode("utf-8", "replace")
        return "[Device Install Log]" in text or (
            path.name.lower().startswith("setupapi") and ">>>  [" in text
        )

    def parse(self, ctx: ParseContext) -> Iterator[Event | ParseIssue]:
        zone = ctx.time_zone or DEFAULT_ZONE
        path = in_image_path(ctx)
        title: tuple[str, int, int, bytes] | None = None
        offset = 0
        with open(ctx.path, "rb") as fp:
            for number, raw in enumerate(fp, start=1):
                line_offset, offset = offset, offset + len(raw)
                if len(raw) > _MAX_LINE:
                    yield ctx.issue(
                        "line_too_long",
                        f"line of {len(raw)} bytes skipped",
                        Locator(path=path, line=number, offset=str(line_offset)),
                        raw,
                        severity="error",
                    )
                    continue
                text = raw.decode("utf-8", "replace").rstrip("\r\n").lstrip("\ufeff")
                found = _TITLE.match(text)
                if found:
                    title = (found.group(1), number, line_offset, raw)
                    continue
                start = _START.match(text)
                if start and title is not None:
                    yield self._section(ctx, zone, path, title, start, raw)
                    title = None

    def _section(
        self,
        ctx: ParseContext,
        zone: str,
        path: str,
        title: tuple[str, int, int, bytes],
        start: re.Match[str],
        raw: bytes,
    ) -> Event | ParseIssue:
        name, line, offset, title_raw = title
        raw = title_raw + raw
        locator = Locator(path=path, line=line, offset=str(offset))
        original = start.group(0).split("start ", 1)[1]
        parts = [int(g) for g in start.groups()]
        try:
            y, mo, d, h, mi, sec, ms = parts
            naive = datetime(y, mo, d, h, mi, sec, ms * 1000)  # noqa: DTZ001 (zone applied next)
            when, utc_offset = from_local(naive, zone)
        except (ValueError, TimeError) as exc:
            return ctx.issue(
                "bad_time", f"section start {original!r}: {exc}", locator, raw, severity="error"
            )
        ctx.records_read += 1
        device = section_device(name)
        is_device_install = name.lower().startswith("device install") and device is not None
        fields: dict[str, Any] = {
            "action": Action.DEVICE_CONNECT if is_device_install else Action.INSTALL,
            "time_role": "first_install" if is_device_install else "section_start",
        }
        flags = () if ctx.time_zone else ("time_zone_assumed",)
        return Event(
            time=when,
            time_original=original,
            time_offset=utc_offset,
            time_zone=zone,
            time_precision=TimePrecision.MS,
            kind="setupapi.section",
            source=ctx.source_id,
            locator=locator,
            raw_sha256=hashlib.sha256(raw).hexdigest(),
            device=device,
            flags=flags,
            attributes={"section": name},
            **fields,
        )

"""``setupapi.log`` (Windows XP / 2000): sections of the device installation log.

A section opens with ``[YYYY/MM/DD HH:MM:SS PID.TID Title]`` and holds numbered
entries (``#-019 Searching for hardware ID(s): ...``, ``#I121 Device install of
"USBSTOR\\DISK&VEN_...&PROD_...&REV_...\\SERIAL" finished successfully.``). A section
that installs a USB storage device (``#I121``, or ``#-124 Doing copy-only install of``
when the install had nothing to copy) is that device's first installation on this
Windows (``device_connect``, role ``first_install``), one event per device; any other
section is one ``install`` event at its start. The times are local wall-clock times
of the machine: the zone comes from ``--tz`` (default Asia/Tokyo, recorded in every
event, flagged ``time_zone_assumed`` when not given). The log is ANSI text: read as
CP932 (an ASCII superset; Japanese Windows) unless option ``encoding`` says otherwise.
Reference: Microsoft, "Troubleshooting Device Installation with the SetupAPI Log File"
(Windows XP, setupapi.doc); Carvey, *Windows Forensic Analysis* 2e, ch. 4.
"""

from __future__ import annotations

import codecs
import hashlib
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any, BinaryIO, ClassVar

from evidencekit.errors import UnreadableInput
from evidencekit.events.time import TimeError, from_local
from evidencekit.model import Action, Event, Locator, ParseIssue, TimePrecision
from evidencekit.parsers.base import ParseContext, parsers
from evidencekit.parsers.reg_system import usbstor_device
from evidencekit.parsers.winutil import in_image_path

DEFAULT_ZONE = "Asia/Tokyo"
_HEADER = re.compile(
    r"^\[(\d{4})/(\d{2})/(\d{2}) (\d{2}):(\d{2}):(\d{2}) (\d+)\.(\d+)(?: (.*))?\]\s*$"
)
_OPENING = re.compile(r"^\[\d{4}/")  # a section header line, complete or not
_HEAD_SIGNS = (b"[SetupAPI Log]", b"#-198 Command line processed")
_HEAD_LINE = re.compile(rb"(?m)^\[\d{4}/\d{2}/\d{2} \d{2}:\d{2}:\d{2} \d+\.\d+")
_INSTALL = re.compile(
    r"^#(I121|-124) (?:Device install of|Doing (?:copy-only|full) install of) "
    r"\"(USBSTOR\\([^\\\"]+)\\([^\"]+))\"(.*)$",
    re.IGNORECASE,
)
_MAX_LINE = 1 << 16


def _codec(name: object) -> str:
    """The option ``encoding`` (default CP932) as a codec Python knows.

    Raises:
        UnreadableInput: Python has no such codec.
    """
    try:
        return codecs.lookup(str(name or "cp932")).name
    except LookupError as exc:
        raise UnreadableInput(f"setupapi_xp: unknown encoding {name!r}") from exc


def _lines(fp: BinaryIO) -> Iterator[tuple[bytes, int]]:
    """Each line as (bytes, length); a line over ``_MAX_LINE`` keeps only its first
    ``_MAX_LINE + 1`` bytes and the rest is read in bounded pieces and counted (a file
    without a newline is never held whole)."""
    while raw := fp.readline(_MAX_LINE + 1):
        length = len(raw)
        if length > _MAX_LINE and not raw.endswith(b"\n"):
            while piece := fp.readline(_MAX_LINE):
                length += len(piece)
                if piece.endswith(b"\n"):
                    break
        yield raw, length


@dataclass
class _Section:
    """One section as read so far: header line, its parsed time, device installs."""

    line: int
    offset: int
    raw: bytes
    title: str
    time: tuple[str | None, str | None, str]  # (UTC, offset, original text)
    devices: dict[str, tuple[int, bytes, str, str, str]] = field(default_factory=dict)
    undecodable: bool = False  # a line whose text is used held bytes the codec could not read


@parsers.register("setupapi_xp")
class SetupApiXpParser:
    """Windows XP setupapi.log: device installation sections; first-install time of each
    USB storage device."""

    name: ClassVar[str] = "setupapi_xp"
    version: ClassVar[str] = "1"
    source_kind: ClassVar[str] = "artifact"
    default_time_zone: ClassVar[str] = DEFAULT_ZONE  # local times; flagged time_zone_assumed
    image_globs: ClassVar[tuple[str, ...]] = ("WINDOWS/setupapi.log", "WINNT/setupapi.log")

    @classmethod
    def check(cls, head: bytes, path: Path) -> bool:
        return any(sign in head for sign in _HEAD_SIGNS) or bool(_HEAD_LINE.search(head))

    def parse(self, ctx: ParseContext) -> Iterator[Event | ParseIssue]:
        zone = ctx.time_zone or DEFAULT_ZONE
        encoding = _codec(ctx.options.get("encoding"))
        path = in_image_path(ctx)
        section: _Section | None = None
        offset = 0
        with open(ctx.path, "rb") as fp:
            for number, (raw, length) in enumerate(_lines(fp), start=1):
                line_offset, offset = offset, offset + length
                locator = Locator(path=path, line=number, offset=str(line_offset))
                if length > _MAX_LINE:
                    message = f"line of {length} bytes skipped (first {len(raw)} bytes kept)"
                    yield ctx.issue("line_too_long", message, locator, raw, "error")
                    continue
                text = raw.decode(encoding, "replace").rstrip("\r\n").lstrip("\ufeff")
                bad = "\ufffd" in text and _replaced(raw, text, encoding)
                if _OPENING.match(text):
                    if section is not None:
                        yield from self._close(ctx, zone, path, section)
                    section, issue = self._open(ctx, zone, text, number, line_offset, raw)
                    if section is not None:
                        section.undecodable = bad
                    if issue is not None:
                        yield issue
                elif section is not None and self._entry(section, text, number, raw):
                    section.undecodable |= bad
        if section is not None:
            yield from self._close(ctx, zone, path, section)

    @staticmethod
    def _open(
        ctx: ParseContext, zone: str, text: str, number: int, offset: int, raw: bytes
    ) -> tuple[_Section | None, ParseIssue | None]:
        """A new section from its header line (an issue when it cannot be read)."""
        locator = Locator(path=in_image_path(ctx), line=number, offset=str(offset))
        found = _HEADER.match(text)
        if not found:
            message = f"section header cut short or malformed: {text[:80]!r}"
            return None, ctx.issue("truncated_section", message, locator, raw, "error")
        y, mo, d, h, mi, s = (int(g) for g in found.groups()[:6])
        original = text[1:20]
        title = (found.group(9) or "").strip()
        try:
            naive = datetime(y, mo, d, h, mi, s)  # noqa: DTZ001 (zone applied next)
            when, utc_offset = from_local(naive, zone)
        except (ValueError, TimeError) as exc:
            # The section's facts are kept (event without a time, flagged); the issue
            # says why its time is missing.
            section = _Section(number, offset, raw, title, (None, None, original))
            message = f"section time {original!r}: {exc}"
            return section, ctx.issue("bad_time", message, locator, raw)
        return _Section(number, offset, raw, title, (when, utc_offset, original)), None

    @staticmethod
    def _entry(section: _Section, text: str, number: int, raw: bytes) -> bool:
        """Note a USB storage device installed by this section (first statement wins);
        whether the line's text was used."""
        found = _INSTALL.match(text)
        if not found:
            return False
        instance = found.group(2)
        if instance.upper() in section.devices:
            return False
        outcome = found.group(5).strip().rstrip(".")
        section.devices[instance.upper()] = (
            number,
            raw,
            found.group(3),
            found.group(4),
            f"#{found.group(1)} {outcome}".strip(),
        )
        return True

    def _close(self, ctx: ParseContext, zone: str, path: str, section: _Section) -> Iterator[Event]:
        """Events for a finished section: one per installed device, else one install."""
        ctx.records_read += 1
        if not section.devices:
            yield self._event(ctx, zone, path, section, section.raw, {})
            return
        for instance, (line, raw, device_id, serial, outcome) in section.devices.items():
            fields = {
                "action": Action.DEVICE_CONNECT,
                "time_role": "first_install",
                "device": usbstor_device(device_id, serial),
                "attributes": {"device_instance": instance, "device_line": line,
                               "statement": outcome},
            }  # fmt: skip
            yield self._event(ctx, zone, path, section, section.raw + raw, fields)

    @staticmethod
    def _event(
        ctx: ParseContext,
        zone: str,
        path: str,
        section: _Section,
        raw: bytes,
        fields: dict[str, Any],
    ) -> Event:
        when, utc_offset, original = section.time
        flags = () if ctx.time_zone else ("time_zone_assumed",)
        if when is None:
            flags = tuple(sorted((*flags, "time_unparseable")))
        if section.undecodable:  # U+FFFD in the text; the raw hash keeps the bytes
            flags = tuple(sorted((*flags, "undecodable_bytes")))
        attrs = {"section": section.title, **fields.pop("attributes", {})}
        fields.setdefault("action", Action.INSTALL)
        fields.setdefault("time_role", "section_start")
        return Event(
            time=when,
            time_original=original,
            time_offset=utc_offset,
            time_zone=zone,
            time_precision=TimePrecision.S if when else TimePrecision.UNKNOWN,
            kind="setupapi_xp.section",
            source=ctx.source_id,
            locator=Locator(path=path, line=section.line, offset=str(section.offset)),
            raw_sha256=hashlib.sha256(raw).hexdigest(),
            flags=flags,
            attributes=attrs,
            **fields,
        )


def _replaced(raw: bytes, text: str, encoding: str) -> bool:
    """Whether U+FFFD in ``text`` stands for bytes the codec could not read (not a
    replacement character written in the log itself)."""
    return text.count("\ufffd") > raw.decode(encoding, "ignore").count("\ufffd")

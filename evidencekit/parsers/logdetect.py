"""Recognise a log export's format from its first bytes, and the zone its times are read in.

:func:`detect_log_format` asks every registered parser of ``source_kind`` "log" (the
Windows event log readers included) whether the file looks like its format; exactly one
must answer yes.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from evidencekit.errors import EvidenceKitError
from evidencekit.parsers.base import parsers
from evidencekit.parsers.tabular import ProfileParser

HEAD_BYTES = 64 * 1024


class InvalidTimeZone(EvidenceKitError, ValueError):
    """A source time zone that is not an IANA zone name."""


class FormatNotRecognised(EvidenceKitError):
    """No registered log format, or more than one, fits a file."""

    def __init__(self, path: Path, candidates: list[str], known: list[str]) -> None:
        if candidates:
            text = (
                f"{path.name} fits several log formats: {', '.join(candidates)}; "
                "choose one with --format"
            )
        else:
            text = (
                f"{path.name} is not a recognised log format (known: {', '.join(known)}); "
                "give --format NAME or --mapping PROFILE.toml"
            )
        super().__init__(text)
        self.candidates = candidates
        self.known = known


def log_formats() -> list[str]:
    """Names of the registered parsers of log exports."""
    return [name for name, cls in parsers if cls.source_kind == "log"]


def detect_log_format(path: Path) -> str:
    """The one log format whose ``check`` accepts the file's first bytes."""
    with open(path, "rb") as fp:
        head = fp.read(HEAD_BYTES)
    candidates = []
    for name in log_formats():
        try:
            if parsers.get(name).check(head, path):
                candidates.append(name)
        except Exception:  # noqa: S112 - a faulty check must not hide the others
            continue
    if len(candidates) != 1:
        raise FormatNotRecognised(path, candidates, log_formats())
    return candidates[0]


def check_zone(tz: str) -> None:
    """Raise :class:`InvalidTimeZone` unless ``tz`` is an IANA zone name known here."""
    try:
        ZoneInfo(tz)
    except (ZoneInfoNotFoundError, ValueError) as exc:
        raise InvalidTimeZone(
            f"unknown time zone {tz!r} (use an IANA name such as Asia/Tokyo)"
        ) from exc


def log_time_zone(name: str, tz: str | None, options: dict[str, Any]) -> str | None:
    """The zone a parser will read local times in: ``UTC`` for formats that are UTC by
    definition, else ``tz`` or the profile's zone (None when the parser has no profile)."""
    if tz is not None:
        check_zone(tz)
    cls = parsers.get(name)
    if getattr(cls, "utc_by_definition", False):
        return "UTC"
    if not isinstance(cls, type) or not issubclass(cls, ProfileParser):
        return tz or getattr(cls, "default_time_zone", None)
    profile = cls().profile_for(options)
    if profile.utc:
        return "UTC"
    return tz or profile.time_zone

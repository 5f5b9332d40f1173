"""Time normalisation: every time becomes a fixed-width UTC string with nine fractional
digits, and the original text and offset are kept beside it.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from evidencekit.errors import EvidenceKitError

_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
FILETIME_EPOCH_OFFSET = 116444736000000000  # 100 ns intervals from 1601-01-01 to 1970-01-01
_MIN_NS = -11644473600 * 10**9  # 1601-01-01
_MAX_NS = 253402300799 * 10**9 + 999999999  # 9999-12-31T23:59:59.999999999
_ISO = re.compile(
    r"^(\d{4})-(\d{2})-(\d{2})[T ](\d{2}):(\d{2}):(\d{2})(?:[.,](\d{1,9}))?"
    r"(Z|[+-]\d{2}:?\d{2})?$"
)


class TimeError(EvidenceKitError, ValueError):
    """A time that cannot be placed on the UTC line (out of range, ambiguous, impossible)."""


def format_ns(ns: int) -> str:
    """Nanoseconds since 1970-01-01 UTC -> ``YYYY-MM-DDTHH:MM:SS.fffffffffZ``."""
    if not _MIN_NS <= ns <= _MAX_NS:
        raise TimeError(f"time {ns} ns since 1970 is outside years 1601..9999")
    seconds, frac = divmod(ns, 10**9)
    dt = _EPOCH + timedelta(seconds=seconds)
    return f"{dt:%Y-%m-%dT%H:%M:%S}.{frac:09d}Z"


def to_ns(text: str) -> int:
    """The inverse of :func:`format_ns`."""
    dt = datetime.strptime(text[:19], "%Y-%m-%dT%H:%M:%S").replace(tzinfo=UTC)
    delta = dt - _EPOCH
    return (delta.days * 86400 + delta.seconds) * 10**9 + int(text[20:29])


def from_datetime(dt: datetime) -> str:
    """An aware datetime -> canonical UTC text (microsecond resolution)."""
    if dt.tzinfo is None or dt.utcoffset() is None:
        raise TimeError("naive datetime: give its zone with from_local()")
    delta = dt.astimezone(UTC) - _EPOCH
    return format_ns((delta.days * 86400 + delta.seconds) * 10**9 + delta.microseconds * 1000)


def from_unix(seconds: int, nanos: int = 0) -> str:
    return format_ns(seconds * 10**9 + nanos)


def from_filetime(filetime: int) -> str | None:
    """Windows FILETIME (100 ns since 1601) -> canonical text; 0 means "not set"."""
    if filetime == 0:
        return None
    return format_ns((filetime - FILETIME_EPOCH_OFFSET) * 100)


def parse_iso(text: str) -> tuple[str, str | None]:
    """ISO 8601 text with an offset or ``Z`` -> (canonical UTC, offset as ``+HH:MM``/``Z``).

    Text without an offset is refused: its zone must be stated (:func:`from_local`).
    """
    m = _ISO.match(text.strip())
    if not m:
        raise TimeError(f"not an ISO 8601 time: {text!r}")
    year, month, day, hour, minute, second, frac, off = m.groups()
    if off is None:
        raise TimeError(f"time {text!r} has no offset; its zone must be given")
    try:
        base = datetime(
            int(year), int(month), int(day), int(hour), int(minute), int(second), tzinfo=UTC
        )
    except ValueError as exc:
        raise TimeError(f"impossible time {text!r}: {exc}") from exc
    offset = "Z" if off == "Z" else f"{off[:3]}:{off[-2:]}"
    shift = 0 if off == "Z" else (int(off[1:3]) * 60 + int(off[-2:])) * (1 if off[0] == "+" else -1)
    delta = base - timedelta(minutes=shift) - _EPOCH
    nanos = int((frac or "0").ljust(9, "0"))
    return format_ns((delta.days * 86400 + delta.seconds) * 10**9 + nanos), offset


def from_local(naive: datetime, zone: str, nanos: int | None = None) -> tuple[str, str]:
    """A wall-clock time in ``zone`` -> (canonical UTC, the offset that applied).

    Ambiguous times (the repeated hour when DST ends) and impossible times (the
    skipped hour when it starts) raise :class:`TimeError`, to be recorded as issues.
    """
    tz = ZoneInfo(zone)
    first = naive.replace(tzinfo=tz, fold=0)
    second = naive.replace(tzinfo=tz, fold=1)
    if first.utcoffset() != second.utcoffset():
        kind = "ambiguous" if first.utcoffset() > second.utcoffset() else "impossible"  # type: ignore[operator]
        raise TimeError(f"{kind} local time {naive.isoformat()} in {zone} (DST change)")
    offset = first.utcoffset() or timedelta(0)
    total = int(offset.total_seconds())
    sign = "+" if total >= 0 else "-"
    hours, rest = divmod(abs(total), 3600)
    text = f"{sign}{hours:02d}:{rest // 60:02d}" + (f":{rest % 60:02d}" if rest % 60 else "")
    try:
        utc = first.astimezone(UTC)
    except OverflowError as exc:  # the UTC day falls outside years 1..9999
        raise TimeError(
            f"local time {naive.isoformat()} in {zone} is outside years 1601..9999"
        ) from exc
    delta = utc - _EPOCH
    frac = nanos if nanos is not None else naive.microsecond * 1000
    return format_ns((delta.days * 86400 + delta.seconds) * 10**9 + frac), text

"""Local wall-clock times placed in a zone, for the time parsers' minute cache.

The same results, checks and error messages as :func:`evidencekit.events.time.from_local`
(a hypothesis test holds them equal), at a lower cost: the offset check alone does not
place the time, and the UTC text is built from the converted fields, not ``strftime``.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from functools import cache
from zoneinfo import ZoneInfo

from evidencekit.events.time import TimeError


def local_minute(naive: datetime, zone: str) -> tuple[str, str]:
    """:func:`~evidencekit.events.time.from_local` (same results, checks and errors) with
    the UTC text built from the converted fields instead of ``strftime``."""
    first = naive.replace(tzinfo=ZoneInfo(zone), fold=0)
    text = _offset_text(naive, first.utcoffset(), first.replace(fold=1).utcoffset(), zone)
    utc = to_utc(first, zone)
    delta = utc - _UNIX_EPOCH
    ns = (delta.days * 86400 + delta.seconds) * 10**9 + naive.microsecond * 1000
    if not _MIN_NS <= ns <= _MAX_NS:
        raise TimeError(f"time {ns} ns since 1970 is outside years 1601..9999")
    return (
        f"{utc.year:04d}-{utc.month:02d}-{utc.day:02d}T{utc.hour:02d}:{utc.minute:02d}:"
        f"{utc.second:02d}.{ns % 10**9:09d}Z",
        text,
    )


def to_utc(aware: datetime, zone: str) -> datetime:
    """``aware`` in UTC; a time whose UTC day falls outside years 1..9999 (0001-01-01
    00:00 in Tokyo, 9999-12-31 23:00 in New York) raises :class:`TimeError`."""
    try:
        return aware.astimezone(UTC)
    except OverflowError as exc:
        local = aware.replace(tzinfo=None).isoformat()
        raise TimeError(f"local time {local} in {zone} is outside years 1601..9999") from exc


_UNIX_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_MIN_NS = -11644473600 * 10**9  # 1601-01-01, as events.time.format_ns
_MAX_NS = 253402300799 * 10**9 + 999999999  # 9999-12-31T23:59:59.999999999


def steady_minute(y: int, mo: int, d: int, h: int, mi: int, tz: ZoneInfo) -> tuple[str, str] | None:
    """:func:`local_minute` of the local minute ``y-mo-d h:mi`` when the whole minute lies in
    one offset of whole minutes (the same at its first and last second, in either fold) and
    ``1602 <= y <= 9998`` (its UTC text then lies within 1601..9999): the minutes the time
    parser caches. None otherwise: :func:`local_minute` and :func:`local_offset` decide,
    with their errors. Aware times are built directly (``replace`` with keywords costs more
    than the whole placing here). ``y-mo-d`` must be a valid date."""
    if not 1602 <= y <= 9998:
        return None
    offset = datetime(y, mo, d, h, mi, 0, 0, tz).utcoffset()
    if (
        offset is None
        or offset.microseconds
        or offset.seconds % 60
        or datetime(y, mo, d, h, mi, 0, 0, tz, fold=1).utcoffset() != offset
        or datetime(y, mo, d, h, mi, 59, 0, tz).utcoffset() != offset
        or datetime(y, mo, d, h, mi, 59, 0, tz, fold=1).utcoffset() != offset
    ):
        return None
    utc = datetime(y, mo, d, h, mi) - offset  # noqa: DTZ001 - naive arithmetic in UTC
    return (
        f"{utc.year:04d}-{utc.month:02d}-{utc.day:02d}T{utc.hour:02d}:{utc.minute:02d}"
        ":00.000000000Z",
        _offset_text_of(offset),
    )


def local_offset(naive: datetime, zone: str) -> str:
    """The offset text :func:`~evidencekit.events.time.from_local` gives for ``naive``, with
    its checks and errors, without placing the time (half its cost: no UTC formatting)."""
    tz = ZoneInfo(zone)
    first = naive.replace(tzinfo=tz, fold=0).utcoffset()
    return _offset_text(naive, first, naive.replace(tzinfo=tz, fold=1).utcoffset(), zone)


def _offset_text(
    naive: datetime, first: timedelta | None, second: timedelta | None, zone: str
) -> str:
    if first != second:
        kind = "ambiguous" if first > second else "impossible"  # type: ignore[operator]
        raise TimeError(f"{kind} local time {naive.isoformat()} in {zone} (DST change)")
    return offset_text(first or timedelta(0))


def offset_text(offset: timedelta) -> str:
    """``+HH:MM``, or ``+HH:MM:SS`` for historic offsets with seconds (LMT)."""
    total = int(offset.total_seconds())
    sign = "+" if total >= 0 else "-"
    hours, rest = divmod(abs(total), 3600)
    minutes, seconds = divmod(rest, 60)
    text = f"{sign}{hours:02d}:{minutes:02d}"
    return f"{text}:{seconds:02d}" if seconds else text


_offset_text_of = cache(offset_text)  # zones have few distinct offsets

"""The date forms of :mod:`evidencekit.events.jptime`: one reader per ``formats`` name.

Each reader turns the text (already NFKC-folded) into broken-down fields, or for
``epoch``/``epoch_ms``/``excel`` into a placed time; placing local fields on the UTC
line (and its minute cache) stays with ``TimeParser`` in ``jptime.py``, which
re-exports :class:`ParsedTime` and :func:`era_to_year`.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from typing import TYPE_CHECKING, NamedTuple

from evidencekit.events.time import TimeError, from_unix

if TYPE_CHECKING:
    from evidencekit.events.jptime import TimeParser


_AMPM = r"(午前|午後|AM|PM|am|pm|a\.m\.|p\.m\.)"
_TIME = (
    rf"(?:[ T]*{_AMPM}?\s*(\d{{1,2}})\s*[:時]\s*(\d{{1,2}})?\s*分?"
    rf"(?:\s*:?\s*(\d{{1,2}})\s*秒?(?:[.,](\d{{1,9}}))?)?\s*{_AMPM}?)?"
)
_OFFSET = r"\s*(Z|[+-]\d{2}:?\d{2})?"
_YMD = re.compile(rf"^(\d{{4}})[/.-](\d{{1,2}})[/.-](\d{{1,2}}){_TIME}{_OFFSET}$")
_MDY = re.compile(rf"^(\d{{1,2}})[/.-](\d{{1,2}})[/.-](\d{{4}}){_TIME}{_OFFSET}$")
_JP = re.compile(
    r"^(?:(明治|大正|昭和|平成|令和|[MTSHR])\s*(元|\d{1,2})|(\d{4}))\s*[年./-]\s*"
    r"(\d{1,2})\s*[月./-]\s*(\d{1,2})\s*日?\s*(?:\(\w\)|曜日|\w曜日)?" + _TIME + _OFFSET + "$"
)
_EPOCH = re.compile(r"^(\d{1,12})(?:\.(\d{1,9}))?$")
_EPOCH_MS = re.compile(r"^(\d{1,15})(?:\.(\d{1,6}))?$")  # ms since 2001-09-09 have 13 digits
# The usual export form, a subset of what _YMD reads (ASCII digits, no marker, no offset).
_PLAIN = re.compile(
    r"([0-9]{4})[/.-]([0-9]{1,2})[/.-]([0-9]{1,2})[ T]([0-9]{1,2}):([0-9]{2}):([0-9]{2})"
)
_ERAS = {  # name: (first day, the day after its last day)
    "明治": (date(1868, 1, 25), date(1912, 7, 30)),
    "大正": (date(1912, 7, 30), date(1926, 12, 25)),
    "昭和": (date(1926, 12, 25), date(1989, 1, 8)),
    "平成": (date(1989, 1, 8), date(2019, 5, 1)),
    "令和": (date(2019, 5, 1), date(9999, 12, 31)),
}
_ERA_LETTERS = {"M": "明治", "T": "大正", "S": "昭和", "H": "平成", "R": "令和"}


class ParsedTime(NamedTuple):
    """A time placed on the UTC line, with what is needed to show how."""

    time: str
    offset: str
    zone: str | None
    precision: str
    date_only: bool = False


@dataclass(frozen=True, slots=True)
class _Fields:
    year: int
    month: int
    day: int
    hour: int | None = None
    minute: int | None = None
    second: int | None = None
    frac: str | None = None
    offset: str | None = None


def _frac_precision(digits: int) -> str:
    """Resolution shown by ``digits`` fractional second digits."""
    if digits <= 3:
        return "1ms"
    if digits <= 6:
        return "1us"
    return "100ns" if digits == 7 else "1ns"


def _offset_minutes(text: str) -> int:
    if text == "Z":
        return 0
    digits = text[1:].replace(":", "")
    minutes = int(digits[:2]) * 60 + int(digits[2:])
    return minutes if text[0] == "+" else -minutes


def _hour(hour: int, before: str | None, after: str | None) -> int:
    """24-hour value of ``hour`` with an optional 午前/午後/AM/PM marker."""
    marker = (before or after or "").lower().replace(".", "")
    if not marker:
        return hour
    if hour > 12:
        raise TimeError(f"hour {hour} with {marker}")
    pm = marker in ("午後", "pm")
    return (hour % 12) + (12 if pm else 0)


def _time_fields(y: int, mo: int, d: int, groups: Sequence[str | None]) -> _Fields:
    ampm1, hour, minute, second, frac, ampm2, offset = groups
    if hour is None:
        return _Fields(y, mo, d, offset=offset)
    return _Fields(
        y,
        mo,
        d,
        _hour(int(hour), ampm1, ampm2),
        int(minute) if minute else None,
        int(second) if second is not None else None,
        frac,
        offset,
    )


def _ymd(_: TimeParser, text: str) -> _Fields | None:
    m = _YMD.match(text)
    if m is None:
        return None
    g = m.groups()
    return _time_fields(int(g[0]), int(g[1]), int(g[2]), g[3:])


def _mdy(_: TimeParser, text: str) -> _Fields | None:
    m = _MDY.match(text)
    if m is None:
        return None
    g = m.groups()
    return _time_fields(int(g[2]), int(g[0]), int(g[1]), g[3:])


def _dmy(_: TimeParser, text: str) -> _Fields | None:
    m = _MDY.match(text)
    if m is None:
        return None
    g = m.groups()
    return _time_fields(int(g[2]), int(g[1]), int(g[0]), g[3:])


def _jp(_: TimeParser, text: str) -> _Fields | None:
    m = _JP.match(text)
    if m is None:
        return None
    era, era_year, year, month, day = m.groups()[:5]
    mo, d = int(month), int(day)
    y = int(year) if era is None else era_to_year(era, era_year, mo, d)
    return _time_fields(y, mo, d, m.groups()[5:])


def era_to_year(era: str, era_year: str, month: int, day: int) -> int:
    """Gregorian year of a Japanese era date (``元`` is year 1); refuse dates outside the era."""
    name = _ERA_LETTERS.get(era, era)
    first, end = _ERAS[name]
    n = 1 if era_year == "元" else int(era_year)
    year = first.year + n - 1
    try:
        day_value = date(year, month, day)
    except ValueError as exc:
        raise TimeError(f"impossible date {name}{era_year}年{month}月{day}日: {exc}") from exc
    if not first <= day_value < end:
        raise TimeError(f"{name}{era_year}年{month}月{day}日 is outside the {name} era")
    return year


def _epoch(parser: TimeParser, text: str, scale: int = 1) -> ParsedTime | None:
    m = (_EPOCH if scale == 1 else _EPOCH_MS).match(text)
    if m is None:
        return None
    whole, frac = m.groups()
    ns = int(whole) * 10**9 // scale + int((frac or "").ljust(9, "0")[:9]) // scale
    digits = len(frac or "") + (3 if scale == 1000 else 0)
    precision = _frac_precision(digits) if digits else "1s"
    return ParsedTime(from_unix(0, ns), "Z", "UTC", precision)


def _epoch_ms(parser: TimeParser, text: str) -> ParsedTime | None:
    return _epoch(parser, text, 1000)


def _excel(parser: TimeParser, text: str) -> ParsedTime | None:
    try:
        serial = Decimal(text)
    except InvalidOperation:
        return None
    if not 1 <= serial < 2958466:
        return None
    days = int(serial)
    seconds = int(((serial - days) * 86400).to_integral_value())
    base = date(1899, 12, 30).toordinal() + days
    day = date.fromordinal(base + seconds // 86400)
    s = seconds % 86400
    fields = _Fields(day.year, day.month, day.day, s // 3600, s // 60 % 60, s % 60)
    return parser._place(fields)


# "GMT+9" / "UTC-5:30" (Google's consoles write whole hours so): %z wants two hour digits
_SHORT_OFFSET = re.compile(r"(?<=GMT|UTC)([+-])(\d{1,2})(?::(\d\d))?$")


def _strptime(text: str, pattern: str) -> _Fields | None:
    if "%z" in pattern:
        text = _SHORT_OFFSET.sub(lambda m: f"{m[1]}{m[2]:0>2}:{m[3] or '00'}", text)
    try:
        dt = datetime.strptime(text, pattern)  # noqa: DTZ007 - offset handled below
    except ValueError:
        return None
    offset = None
    if dt.tzinfo is not None and (off := dt.utcoffset()) is not None:
        minutes = int(off.total_seconds() // 60)
        offset = f"{'+' if minutes >= 0 else '-'}{abs(minutes) // 60:02d}:{abs(minutes) % 60:02d}"
    elif "%Z" in pattern:
        # strptime accepts UTC/GMT and the host's own zone names for %Z but drops them;
        # only UTC/GMT can be placed without guessing.
        if not any(name in text for name in ("UTC", "GMT")):
            raise TimeError(f"zone name in {text!r} cannot be placed; give --tz or an offset")
        offset = "Z"
    has_time = any(c in pattern for c in ("%H", "%I", "%M", "%S", "%X", "%c"))
    if not has_time:
        return _Fields(dt.year, dt.month, dt.day, offset=offset)
    frac = f"{dt.microsecond:06d}" if "%f" in pattern else None
    second = dt.second if "%S" in pattern or "%X" in pattern or "%c" in pattern else None
    return _Fields(dt.year, dt.month, dt.day, dt.hour, dt.minute, second, frac, offset)


_PARSERS: dict[str, Callable[[TimeParser, str], _Fields | ParsedTime | None]] = {
    "ymd": _ymd,
    "iso": _ymd,
    "jp": _jp,
    "mdy": _mdy,
    "dmy": _dmy,
    "epoch": _epoch,
    "epoch_ms": _epoch_ms,
    "excel": _excel,
}

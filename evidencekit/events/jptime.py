"""Times as Japanese exports write them, normalised to UTC.

Forms read (``formats`` names):

* ``ymd``: ``2024/04/01 9:05:03``, ``2024-04-01 09:05``, ``2024-04-01T09:05:03.123+09:00``,
  ``2024/04/01 午後 3:05`` (午前/午後, AM/PM), a date alone;
* ``jp``: ``2024年4月1日 9時5分3秒``, ``2024年4月1日(月) 9:05``, eras ``令和6年4月1日``,
  ``平成元年1月8日``, ``R6.4.1`` (明治/大正/昭和/平成/令和 and M/T/S/H/R; a date outside its
  era is refused);
* ``mdy`` / ``dmy``: ``4/1/2024 9:05:03 AM`` / ``01/04/2024 09:05``;
* ``epoch`` / ``epoch_ms``: Unix seconds (Squid: ``1712000000.123``) or milliseconds, UTC;
* ``excel``: 1900-system serial days (``45383.378``), local;
* any ``strptime`` pattern containing ``%``;
* ``auto``: ``ymd`` then ``jp`` then ``mdy``.

Full-width digits and punctuation are folded (NFKC) first. A time with an explicit offset
keeps it; a time without one is local to the source zone (default ``Asia/Tokyo``) unless
the format is UTC by definition (``utc=True``). Ambiguous or impossible local times
(DST changes) and impossible dates raise :class:`~evidencekit.events.time.TimeError`.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from typing import NamedTuple
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from evidencekit.events.time import TimeError, format_ns, from_unix, to_ns
from evidencekit.events.zoneplace import local_minute, local_offset, steady_minute

DEFAULT_ZONE = "Asia/Tokyo"
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
_CACHE_LIMIT = 1 << 12  # sequential logs repeat recent times; memory stays small
_MINUTE_FORMS = frozenset({"ymd", "iso", "jp", "mdy", "dmy"})


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


class TimeParser:
    """Parses one column's times with a list of formats, tried in order.

    Args:
        formats: format names (see the module docstring) or ``strptime`` patterns.
        zone: IANA zone of local times (recorded with each event).
        utc: the format records UTC by definition; times are never shifted.
    """

    def __init__(
        self, formats: Sequence[str] = ("auto",), zone: str = DEFAULT_ZONE, utc: bool = False
    ) -> None:
        names: list[str] = []
        for f in formats:
            names.extend(["ymd", "jp", "mdy"] if f == "auto" else [f])
        unknown = [f for f in names if "%" not in f and f not in _PARSERS]
        if unknown:
            raise ValueError(f"unknown time format(s) {unknown}; known: {sorted(_PARSERS)}")
        self.formats = tuple(names)
        self._plain_first = names[0] in ("ymd", "iso")  # _PLAIN texts are read by _ymd
        self.zone = "UTC" if utc else zone
        try:
            self._tz = ZoneInfo(self.zone)
        except (ZoneInfoNotFoundError, ValueError) as exc:
            raise ValueError(f"unknown time zone {self.zone!r}") from exc
        self.utc = utc
        self._texts: dict[str, ParsedTime] = {}
        self._prefixes: dict[str, tuple[str, str]] = {}
        self._minutes: dict[tuple[int, int, int, int, int, int | None], tuple[str, str]] = {}

    def parse(self, text: str) -> ParsedTime:
        """Parse ``text``; raise :class:`TimeError` when no format fits or it is impossible."""
        hit = self._texts.get(text)
        if hit is not None:
            return hit
        result = self._parse(text)
        if len(self._texts) > _CACHE_LIMIT:
            self._texts.clear()
        self._texts[text] = result
        return result

    @property
    def minutes_placed(self) -> dict[str, tuple[str, str]]:
        """The minute cache :meth:`whole_second` reads (text before the seconds -> UTC text
        before the seconds, offset). Read only: callers may look up, never change it."""
        return self._prefixes

    def whole_second(self, text: str) -> tuple[str, str] | None:
        """UTC time and offset of ``text`` when it is a whole-second local time of a minute
        placed before (then :meth:`parse` gives them with this zone and precision ``1s``);
        None: use :meth:`parse`."""
        if text[-3:-2] == ":":
            # Exports repeat the same minute: "2024/04/01 9:05:03", "…9:05:04", … The text
            # before the seconds maps to one UTC minute (cached only when DST-safe).
            hit = self._prefixes.get(text[:-2])
            # ASCII digits only: "０３" or "1²" are read as 3 and 12 by the careful path.
            if hit is not None and "0" <= text[-2] <= "5" and "0" <= text[-1] <= "9":
                return f"{hit[0]}{text[-2:]}.000000000Z", hit[1]
        return None

    def _parse(self, text: str) -> ParsedTime:
        quick = self.whole_second(text)
        if quick is not None:
            return ParsedTime(quick[0], quick[1], self.zone, "1s")
        if self._plain_first and (m := _PLAIN.fullmatch(text)) is not None:
            # What the loop below gives for this form, without its general reading.
            y, mo, d, h, mi, sec = (int(g) for g in m.groups())
            plain = _Fields(y, mo, d, h, mi, sec)
            result = self._place(plain)
            self._remember(text, plain, result)
            return result
        stripped = text.strip()
        if not stripped.isascii():
            stripped = unicodedata.normalize("NFKC", stripped)
        for name in self.formats:
            if "%" in name:
                fields = _strptime(stripped, name)
            else:
                parsed = _PARSERS[name](self, stripped)
                if isinstance(parsed, ParsedTime):
                    return parsed
                fields = parsed
            if fields is not None:
                result = self._place(fields)
                if name in _MINUTE_FORMS and stripped == text:
                    self._remember(text, fields, result)
                return result
        raise TimeError(f"unparseable time {text!r} (formats tried: {', '.join(self.formats)})")

    def _remember(self, text: str, f: _Fields, result: ParsedTime) -> None:
        """Cache ``text`` minus its two second digits -> the UTC minute, when that is exact:
        a local time in this parser's zone, whole seconds written last, and a minute that
        lies wholly inside one UTC offset."""
        if not (
            result.zone == self.zone
            and result.precision == "1s"
            and f.offset is None
            and text[-3:-2] == ":"
            and text[-2:].isascii()
            and text[-2:].isdigit()
            and f.second == int(text[-2:])
            and (f.year, f.month, f.day, f.hour, f.minute, None) in self._minutes
        ):
            return
        if len(self._prefixes) > _CACHE_LIMIT:
            self._prefixes.clear()
        self._prefixes[text[:-2]] = (result.time[:17], result.offset)

    def _place(self, f: _Fields) -> ParsedTime:
        """Turn broken-down fields into a UTC time (local zone unless an offset is given)."""
        if f.hour is None:
            time, offset = self._minute(f.year, f.month, f.day, 0, 0, None)
            return ParsedTime(time, offset, self.zone, "1d", True)
        minute = f.minute or 0
        off_min = _offset_minutes(f.offset) if f.offset is not None else None
        prefix, offset = self._minute(f.year, f.month, f.day, f.hour, minute, off_min)
        second = f.second or 0
        if second > 59:
            raise TimeError(f"impossible second {second} (leap seconds are not placed)")
        frac = f.frac or ""
        if f.minute is None:
            precision = "unknown"  # an hour alone (9時): no TimePrecision value fits
        elif f.second is None:
            precision = "1min"
        elif frac:
            precision = _frac_precision(len(frac))
        else:
            precision = "1s"
        if prefix[17:29] == "00.000000000":
            time = f"{prefix[:17]}{second:02d}.{frac.ljust(9, '0')}Z"
        else:  # historic offsets with seconds (LMT +09:18:59): the minute starts off :00
            time = format_ns(to_ns(prefix) + second * 10**9 + int(frac.ljust(9, "0")))
        zone = None if off_min is not None else self.zone
        return ParsedTime(time, "Z" if f.offset == "Z" else offset, zone, precision)

    def _minute(
        self, y: int, mo: int, d: int, h: int, mi: int, off_min: int | None
    ) -> tuple[str, str]:
        """UTC text of a minute's start and its offset, cached (DST-exact, see below)."""
        key = (y, mo, d, h, mi, off_min)
        hit = self._minutes.get(key)
        if hit is not None:
            return hit
        try:
            naive = datetime(y, mo, d, h, mi)  # noqa: DTZ001 - placed in a zone below
        except ValueError as exc:
            raise TimeError(
                f"impossible time {y:04d}-{mo:02d}-{d:02d} {h}:{mi:02d}: {exc}"
            ) from exc
        if off_min is not None:
            delta = naive - datetime(1970, 1, 1)  # noqa: DTZ001 - naive arithmetic in UTC
            seconds = delta.days * 86400 + delta.seconds - off_min * 60
            sign = "+" if off_min >= 0 else "-"
            result = (
                format_ns(seconds * 10**9),
                f"{sign}{abs(off_min) // 60:02d}:{abs(off_min) % 60:02d}",
            )
        elif (steady := steady_minute(y, mo, d, h, mi, self._tz)) is not None:
            result = steady  # what local_minute gives, checked to hold for the whole minute
        else:
            result = local_minute(naive, self.zone)
            # Cache only when the whole minute shares one offset without seconds
            # (historic LMT offsets such as +09:18:59 are computed each time).
            offset = result[1]
            if len(offset) > 6 or local_offset(naive.replace(second=59), self.zone) != offset:
                return result
        if len(self._minutes) > _CACHE_LIMIT:
            self._minutes.clear()
        self._minutes[key] = result
        return result


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
    m = _EPOCH.match(text)
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


def _strptime(text: str, pattern: str) -> _Fields | None:
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

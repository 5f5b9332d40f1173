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

import unicodedata
from collections.abc import Sequence
from datetime import datetime
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from evidencekit.events.jptime_forms import (
    _PARSERS,
    _PLAIN,
    ParsedTime,
    _Fields,
    _frac_precision,
    _offset_minutes,
    _strptime,
    era_to_year,
)
from evidencekit.events.time import TimeError, format_ns, to_ns
from evidencekit.events.zoneplace import local_minute, local_offset, steady_minute

__all__ = ["DEFAULT_ZONE", "ParsedTime", "TimeParser", "era_to_year"]

DEFAULT_ZONE = "Asia/Tokyo"
_CACHE_LIMIT = 1 << 12  # sequential logs repeat recent times; memory stays small
_MINUTE_FORMS = frozenset({"ymd", "iso", "jp", "mdy", "dmy"})


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
        self.day_first_texts = 0
        """Texts refused month-first (``mdy``: month over 12) that read day-first: a sign
        the export writes d/m/y, so that dates with a day of 12 or less were swapped."""
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
                try:
                    result = self._place(fields)
                except TimeError:
                    if name == "mdy" and fields.day <= 12 < fields.month <= 31:
                        self.day_first_texts += 1
                    raise
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

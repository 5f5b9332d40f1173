"""Local time, business hours, the late-night band and Japanese holidays.

National holidays come from the ``holidays`` package with Japanese names ([P32]);
company days (年末年始, お盆, plant shutdowns) are merged from the parameters. Company
days are not national holidays: the package returns nothing for 2024-12-30.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import holidays


@dataclass(frozen=True, slots=True)
class LocalTime:
    """An event time seen on the analysis zone's wall clock."""

    day: str  # local date, YYYY-MM-DD
    hour: int
    weekday: int  # Monday = 0
    holiday: str | None  # national holiday name (ja)
    company_day: bool
    off_hours: bool  # outside the business hours on a workday, or a non-working day
    late_night: bool
    ordinal: int  # the local date's proleptic Gregorian ordinal (date.toordinal)


_HOUR_TEXT = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}")


def utc_hour(key: str) -> datetime:
    """The UTC hour ``YYYY-MM-DDTHH`` (a canonical time's first 13 characters) as an aware
    datetime: what ``strptime(key, "%Y-%m-%dT%H")`` gives, built from the digits directly
    (strptime costs tens of microseconds a call); any other text goes to strptime."""
    if len(key) == 13 and _HOUR_TEXT.fullmatch(key):
        return datetime(int(key[:4]), int(key[5:7]), int(key[8:10]), int(key[11:13]), tzinfo=UTC)
    return datetime.strptime(key, "%Y-%m-%dT%H").replace(tzinfo=UTC)


def _parse_company(spec: list[str]) -> list[tuple[tuple[int, int], tuple[int, int]]]:
    ranges = []
    for item in spec:
        first, _, last = item.partition("..")
        a = tuple(int(x) for x in first.split("-"))
        b = tuple(int(x) for x in (last or first).split("-"))
        ranges.append(((a[0], a[1]), (b[0], b[1])))
    return ranges


class Calendar:
    """Classifies UTC event times for one zone, cached per UTC hour (offsets are whole hours
    in the zones we serve; other offsets fall back to a per-minute computation)."""

    def __init__(self, params: dict[str, Any]) -> None:
        self.zone = ZoneInfo(params["timezone"])
        cal = params["calendar"]
        self._national = holidays.country_holidays(cal["country"], language=cal["language"])
        self._company = _parse_company(list(cal.get("company_extra", [])))
        self._extra_days: set[str] = set(cal.get("company_days", []))
        bh = params["business_hours"]
        self._workdays = frozenset(bh["workdays"])
        self._start, self._end = bh["start_hour"], bh["end_hour"]
        ln = params["late_night_band"]
        self._ln_start, self._ln_end = ln["start_hour"], ln["end_hour"]
        self._cache: dict[str, LocalTime] = {}

    def holiday_name(self, day: date) -> str | None:
        """Japanese name of the national holiday on ``day``, if any."""
        name = self._national.get(day)
        return str(name) if name else None

    def is_company_day(self, day: date) -> bool:
        """Whether ``day`` falls in a company-calendar range (e.g. 12-29..01-03)."""
        if day.isoformat() in self._extra_days:
            return True
        md = (day.month, day.day)
        return any(a <= md <= b if a <= b else md >= a or md <= b for a, b in self._company)

    def local(self, utc_text: str) -> LocalTime:
        """Classify a canonical UTC time string."""
        key = utc_text[:13]
        hit = self._cache.get(key)
        if hit is not None:
            return hit
        base = utc_hour(key).astimezone(self.zone)
        if base.minute != 0:  # half-hour zones: classify this exact minute, uncached
            exact = datetime.strptime(utc_text[:16], "%Y-%m-%dT%H:%M").replace(tzinfo=UTC)
            return self._classify(exact.astimezone(self.zone))
        if len(self._cache) > 200_000:
            self._cache.clear()
        hit = self._cache[key] = self._classify(base)
        return hit

    def local_hour(self, utc_text: str) -> tuple[LocalTime, bool]:
        """:meth:`local`, and whether that answer holds for every minute of the UTC hour
        (the zone's offset is a whole number of hours then)."""
        lt = self.local(utc_text)
        return lt, self._cache.get(utc_text[:13]) is lt

    def _classify(self, loc: datetime) -> LocalTime:
        day = loc.date()
        holiday = self.holiday_name(day)
        company = self.is_company_day(day)
        working = loc.weekday() in self._workdays and holiday is None and not company
        in_hours = self._start <= loc.hour < self._end
        late = loc.hour >= self._ln_start or loc.hour < self._ln_end
        return LocalTime(
            day.isoformat(),
            loc.hour,
            loc.weekday(),
            holiday,
            company,
            not (working and in_hours),
            late,
            day.toordinal(),
        )

    def day_bounds_utc(self, day: str) -> tuple[str, str]:
        """UTC interval [start, end) of a local calendar day, as canonical-prefix strings."""
        d = date.fromisoformat(day)
        start = datetime(d.year, d.month, d.day, tzinfo=self.zone).astimezone(UTC)
        end = (datetime(d.year, d.month, d.day, tzinfo=self.zone) + timedelta(days=1)).astimezone(
            UTC
        )
        return start.strftime("%Y-%m-%dT%H:%M:%S"), end.strftime("%Y-%m-%dT%H:%M:%S")

    def describe(self) -> dict[str, Any]:
        """What calendar was used (written into the result for the methodology section)."""
        return {
            "zone": str(self.zone),
            "national": "holidays (JP, ja)",
            "holidays_version": str(getattr(holidays, "__version__", "unknown")),
            "company_extra": [
                f"{a[0]:02d}-{a[1]:02d}..{b[0]:02d}-{b[1]:02d}" for a, b in self._company
            ],
            "company_days": sorted(self._extra_days),
        }

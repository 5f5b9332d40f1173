"""Bilingual labels and JST date formatting for the report.

Headings follow the domain map §5: Japanese first, English second
(``3. 証拠保全の経緯 / Chain of Custody``). Dates are JST first, with the weekday and
any national holiday, then the UTC instant: ``2025年3月20日(木・祝 春分の日) 14:05:12 JST
（2025-03-20T05:05:12Z）``. Holidays come from the ``holidays`` package ([P32]).
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta, timezone
from functools import lru_cache
from typing import Literal

import holidays

Lang = Literal["ja", "en", "both"]
LANGS: tuple[Lang, ...] = ("ja", "en", "both")
JST = timezone(timedelta(hours=9), "JST")
_WEEKDAYS_JA = "月火水木金土日"


class Labels:
    """Picks the Japanese, English or combined form of a label for one language mode."""

    def __init__(self, lang: Lang) -> None:
        if lang not in LANGS:
            raise ValueError(f"language must be one of {LANGS}, not {lang!r}")
        self.lang = lang

    def __call__(self, ja: str, en: str) -> str:
        """One label: ``ja``, ``en`` or ``ja / en``."""
        if self.lang == "ja":
            return ja
        if self.lang == "en":
            return en
        return f"{ja} / {en}"

    def texts(self, ja: str, en: str) -> list[tuple[str, str]]:
        """Running text as (text, language) pairs: one or both paragraphs."""
        out: list[tuple[str, str]] = []
        if self.lang in ("ja", "both"):
            out.append((ja, "ja"))
        if self.lang in ("en", "both"):
            out.append((en, "en"))
        return out


@lru_cache(maxsize=64)
def _jp_holidays(year: int) -> dict[date, str]:
    return dict(holidays.country_holidays("JP", years=year, language="ja").items())


def holiday_name(day: date) -> str | None:
    """Japanese national holiday name of ``day``, if any."""
    return _jp_holidays(day.year).get(day)


def is_day_off(day: date) -> bool:
    """Saturday, Sunday or a national holiday."""
    return day.weekday() >= 5 or holiday_name(day) is not None


def parse_utc(text: str) -> datetime:
    """Parse the fixed-width UTC form (nanoseconds are cut to microseconds for display).

    Sliced rather than ``strptime``: the full event list formats every event's time.
    """
    return datetime(
        int(text[0:4]),
        int(text[5:7]),
        int(text[8:10]),
        int(text[11:13]),
        int(text[14:16]),
        int(text[17:19]),
        int(text[20:26]),
        tzinfo=UTC,
    )


def jst(text: str | None) -> datetime | None:
    """The instant of a fixed-width UTC time in JST, or None."""
    return parse_utc(text).astimezone(JST) if text else None


def fmt_time(text: str | None, lang: Lang, long: bool = True) -> str:
    """Format a UTC time for the report, JST first.

    Args:
        text: Fixed-width UTC time, or None (shown as a dash).
        lang: Language mode.
        long: Add the weekday/holiday and the UTC instant.

    Returns:
        The display text.
    """
    local = jst(text)
    if local is None or text is None:
        return "—"
    clock = local.strftime("%H:%M:%S")
    if not long:
        return f"{local:%Y-%m-%d} {clock}"
    day = local.date()
    name = holiday_name(day)
    utc = text[:19] + "Z"
    if lang == "en":
        extra = f", holiday: {name}" if name else ""
        return f"{day:%Y-%m-%d} ({local:%a}{extra}) {clock} JST ({utc})"
    weekday = _WEEKDAYS_JA[day.weekday()] + (f"・祝 {name}" if name else "")
    return f"{day.year}年{day.month}月{day.day}日({weekday}) {clock} JST（{utc}）"


def fmt_day(day: date, lang: Lang) -> str:
    """A calendar day with weekday and holiday name."""
    name = holiday_name(day)
    if lang == "en":
        return f"{day:%Y-%m-%d} ({day:%a}{', ' + name if name else ''})"
    weekday = _WEEKDAYS_JA[day.weekday()] + (f"・祝 {name}" if name else "")
    return f"{day.year}年{day.month}月{day.day}日({weekday})"

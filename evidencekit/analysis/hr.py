"""HR facts (退職願, 最終出社日, 退職日, leave, approved overtime) and R01 windows.

HR facts come from timeline events (action ``hr_event``, ``attributes.hr_type``,
``attributes.person``) and, with ``--hr FILE``, from a CSV read here (columns
``person,hr_type,date[,time][,end_date][,note]``; dates are local dates in the
analysis zone). A date without a time covers the whole local day: a last working
day of 2025-03-14 includes 23:59 JST that day.
"""

from __future__ import annotations

import csv
import hashlib
import io
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path
from typing import Any

from evidencekit.analysis.config import AnalysisError
from evidencekit.analysis.csvtext import decode_csv
from evidencekit.analysis.model import InputFile
from evidencekit.events.jptime import TimeParser

TRIGGERS = frozenset(
    {
        "resignation_notice",
        "severance_offer",
        "transfer",
        "contract_end",
        "leave_end",
        "competitor_offer_accepted",
        "manager_watchlist",
        "return_from_leave",
    }
)
_ALIASES = {
    "last_attendance": "last_working_day",
    "retirement_date": "retirement",
    "paid_leave_start": "leave_start",
    "paid_leave_end": "leave_end",
}
KNOWN_TYPES = TRIGGERS | {
    "last_working_day",
    "retirement",
    "leave_start",
    "hire",
    "approved_overtime",
    "approved_holiday_work",
    "exit_checklist",
    "exit_pledge",
    "warning_letter",
}


@dataclass(frozen=True)
class HrFact:
    """One HR record: type, local day(s), and where it came from."""

    person: str
    hr_type: str
    day: str
    end_day: str | None = None
    ref: tuple[Any, ...] | None = None  # evidence ref tuple when from the timeline
    origin: str = ""  # "timeline" or "<file>:<line>"


@dataclass
class PersonHr:
    """HR facts of one person and the R01 windows derived from them."""

    facts: list[HrFact] = field(default_factory=list)

    def first(self, hr_type: str) -> HrFact | None:
        found = sorted((f for f in self.facts if f.hr_type == hr_type), key=lambda f: f.day)
        return found[0] if found else None

    def triggers(self) -> list[HrFact]:
        return sorted((f for f in self.facts if f.hr_type in TRIGGERS), key=lambda f: f.day)

    def covers(self, hr_type: str, day: str, hour: int, late_end: int) -> HrFact | None:
        """An approval (overtime / holiday work) covering local ``day`` at ``hour``.

        An approval for day D covers D and the early hours of D+1 up to the end of the
        late-night band, because approved overtime runs past midnight (N2).
        """
        prev = (date.fromisoformat(day) - timedelta(days=1)).isoformat()
        for f in self.facts:
            if f.hr_type != hr_type:
                continue
            last = f.end_day or f.day
            if f.day <= day <= last or (hour < late_end and f.day <= prev <= last):
                return f
        return None

    def on_leave(self, day: str) -> HrFact | None:
        starts = sorted((f for f in self.facts if f.hr_type == "leave_start"), key=lambda f: f.day)
        for s in starts:
            end = s.end_day or next(
                (
                    f.day
                    for f in sorted(self.facts, key=lambda f: f.day)
                    if f.hr_type == "leave_end" and f.day >= s.day
                ),
                None,
            )
            if s.day <= day and (end is None or day <= end):
                return s
        return None


def window_for(hr: PersonHr | None, day: str, params: dict[str, Any]) -> tuple[str, HrFact | None]:
    """R01 window of a local day: post > exit_leave > hot > pre > none (map §3.3 R01)."""
    if hr is None:
        return "none", None
    dw = params["departure_window"]
    last = hr.first("last_working_day")
    retire = hr.first("retirement")
    if retire is not None and day > retire.day:
        return "post", retire
    if last is not None and retire is not None and last.day < day <= retire.day:
        return "exit_leave", last
    best: tuple[str, HrFact | None] = ("none", None)
    for t in hr.triggers():
        tday = date.fromisoformat(t.day)
        hot_start = (tday - timedelta(days=dw["hot_days_before_trigger"])).isoformat()
        if last is not None and last.day >= t.day:
            hot_end = last.day
        elif retire is not None and retire.day >= t.day:
            hot_end = retire.day
        else:
            hot_end = (tday + timedelta(days=dw["hot_days_after_without_last_day"])).isoformat()
        pre_start = (tday - timedelta(days=dw["pre_days"])).isoformat()
        if hot_start <= day <= hot_end:
            return "hot", t
        if pre_start <= day < hot_start and best[0] == "none":
            best = ("pre", t)
    return best


_DAYS = TimeParser(["ymd", "jp"], zone="UTC")  # a date as written; UTC: never shifted


def local_day(text: str) -> str:
    """A local date as ``YYYY-MM-DD`` from ISO, ``2024/04/01``, ``2024年4月1日`` or
    ``令和6年4月1日`` (a time after it is ignored); ValueError when it is none of these."""
    text = text.strip()
    try:
        return date.fromisoformat(text[:10]).isoformat()
    except ValueError:
        return _DAYS.parse(text).time[:10]  # TimeError is a ValueError


def read_hr_csv(path: Path) -> tuple[list[HrFact], InputFile]:
    """Read an HR export CSV; unknown types and bad dates raise with the line number."""
    data = path.read_bytes()
    if len(data) > 64 << 20:
        raise AnalysisError(f"HR file {path} is larger than 64 MiB")
    facts: list[HrFact] = []
    for line, row in enumerate(
        csv.DictReader(io.StringIO(decode_csv(data, "HR file", path))), start=2
    ):
        hr_type = _ALIASES.get(str(row.get("hr_type") or row.get("type") or "").strip())
        hr_type = hr_type or str(row.get("hr_type") or row.get("type") or "").strip()
        person = str(row.get("person") or "").strip()
        if hr_type not in KNOWN_TYPES or not person:
            raise AnalysisError(
                f"{path.name} line {line}: unknown hr_type {hr_type!r} or no person"
            )
        try:
            day = local_day(str(row.get("date") or ""))
            end_text = str(row.get("end_date") or "").strip()
            end = local_day(end_text) if end_text else None
        except ValueError as exc:
            raise AnalysisError(f"{path.name} line {line}: bad date: {exc}") from exc
        facts.append(HrFact(person, hr_type, day, end, None, f"{path.name}:{line}"))
    source = InputFile(
        role="hr", name=path.name, sha256=hashlib.sha256(data).hexdigest(), records=len(facts)
    )
    return facts, source


def normalise_type(value: str) -> str:
    """Map synonyms from the domain map (last_attendance, retirement_date) to one name."""
    return _ALIASES.get(value, value)


def read_hr_file(path: Path, zone: str) -> tuple[list[HrFact], InputFile]:
    """Read ``--hr FILE``: through the log-export HR reader (parser ``hr``: 社員番号, 区分,
    日付, ...) when it is registered and the file is in its layout; otherwise the simple
    ``person,hr_type,date[,end_date]`` CSV above. Facts cite the file hash and line."""
    head = path.read_bytes()[:4096].decode("utf-8-sig", errors="replace").splitlines()[:1]
    if head and "hr_type" in head[0]:
        return read_hr_csv(path)
    from evidencekit.parsers import base as parser_base

    if "hr" not in parser_base.parsers:
        return read_hr_csv(path)
    return _via_parser(path, zone, parser_base)


def _via_parser(path: Path, zone: str, parser_base: Any) -> tuple[list[HrFact], InputFile]:
    from datetime import UTC, datetime
    from zoneinfo import ZoneInfo

    data = path.read_bytes()
    digest = hashlib.sha256(data).hexdigest()
    cls = parser_base.parsers.get("hr")
    ctx = parser_base.ParseContext(
        source_id=digest[:16], path=path, parser="hr", version=cls.version, time_zone=zone
    )
    facts: list[HrFact] = []
    problems: list[str] = []
    said: dict[Any, list[str]] = {}  # line -> what the reader said about it (the reasons)
    for item in cls().parse(ctx):
        content = item if isinstance(item, dict) else item.model_dump(mode="json")
        if "code" in content and "message" in content:  # a parse issue
            if content.get("severity") == "error":
                problems.append(f"line {content['locator'].get('line')}: {content['message']}")
            else:
                said.setdefault(content["locator"].get("line"), []).append(content["message"])
            continue
        attrs = content.get("attributes") or {}
        hr_type = normalise_type(str(attrs.get("hr_type") or ""))
        when = content.get("time")
        if hr_type not in KNOWN_TYPES or not attrs.get("person") or not when:
            line = content["locator"].get("line")
            problems.append(_unusable(line, hr_type, attrs, when, said.get(line, [])))
            continue
        local = datetime.strptime(when[:19], "%Y-%m-%dT%H:%M:%S").replace(tzinfo=UTC)
        day = local.astimezone(ZoneInfo(zone)).date().isoformat()
        end = attrs.get("end_date")
        line = content["locator"].get("line")
        facts.append(HrFact(str(attrs["person"]), hr_type, day, str(end)[:10] if end else None,
                            None, f"{path.name}:{line}"))  # fmt: skip
    if problems:
        raise AnalysisError(f"HR file {path.name}: " + "; ".join(problems[:10]))
    return facts, InputFile(role="hr", name=path.name, sha256=digest, records=len(facts))


def _unusable(line: Any, hr_type: str, attrs: dict[str, Any], when: Any, said: list[str]) -> str:
    """Why an HR row cannot be used: what it lacks, then what the reader said about it."""
    lacks = [("type", hr_type not in KNOWN_TYPES), ("employee id", not attrs.get("person"))]
    reasons = [f"no known {what}" for what, bad in lacks if bad] + ([] if when else ["no date"])
    return f"line {line}: unusable HR row ({'; '.join(reasons + said)})"

"""Shared state of one analysis run: inputs, calendar, HR, and light event helpers.

Rules see raw timeline event dicts (orjson output), never pydantic models, so a
run over millions of events stays fast and bounded. Evidence is kept as small
tuples (:data:`Ref`) and turned into :class:`~evidencekit.analysis.model.EvidenceRef`
only for the findings that are written.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from evidencekit.analysis.assets import AssetRegister, norm_path
from evidencekit.analysis.hr import HrFact, PersonHr, window_for
from evidencekit.analysis.identities import IdentityMap
from evidencekit.analysis.jpcal import Calendar, LocalTime, utc_hour
from evidencekit.analysis.model import CounterIndicator, EvidenceRef

Ref = tuple[int, str | None, str | None]
"""(leaf_index, time, role): kept small; the event's id, source, kind and hash are read
back from the timeline for the refs that end up in findings (:func:`resolve_refs`)."""

_HOUR_EPOCH: dict[str, int] = {}


def ref(ev: dict[str, Any], idx: int, role: str | None = None) -> Ref:
    """A compact evidence reference to the event at Merkle leaf ``idx``."""
    return (idx, ev.get("time"), role)


def to_evidence(r: Ref, ev: dict[str, Any]) -> EvidenceRef:
    """The full reference, from the compact one and the event read back at its leaf."""
    return EvidenceRef(
        event_id=ev["id"],
        leaf_index=r[0],
        time=ev.get("time"),
        source=ev["source"],
        kind=ev["kind"],
        action=ev["action"],
        raw_sha256=ev.get("raw_sha256"),
        role=r[2],
    )


def epoch(utc_text: str) -> int:
    """Seconds since 1970 of a canonical UTC time (cached per hour)."""
    key = utc_text[:13]
    base = _HOUR_EPOCH.get(key)
    if base is None:
        dt = utc_hour(key)
        base = _HOUR_EPOCH[key] = int(dt.timestamp())
        if len(_HOUR_EPOCH) > 500_000:
            _HOUR_EPOCH.clear()
    return base + int(utc_text[14:16]) * 60 + int(utc_text[17:19])


def attr_int(ev: dict[str, Any], key: str) -> int | None:
    """An integer attribute given as a number or as decimal text."""
    value = (ev.get("attributes") or {}).get(key)
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    if isinstance(value, str) and value.isdigit():
        return int(value)
    return None


def file_count(ev: dict[str, Any]) -> int:
    """Files one record stands for (summary records carry ``attributes.file_count``)."""
    n = attr_int(ev, "file_count")
    return n if n is not None and n > 0 else 1


def byte_count(ev: dict[str, Any]) -> int:
    n = attr_int(ev, "bytes")
    if n is None:
        n = attr_int(ev, "bytes_out")
    if n is None:
        n = (ev.get("object") or {}).get("size")
    return n if isinstance(n, int) else 0


def obj_path(ev: dict[str, Any], key: str = "object") -> str | None:
    o = ev.get(key) or {}
    # A URL (SharePoint, Drive) locates a file as a path does; a bare name is the fallback.
    return o.get("path") or o.get("url") or o.get("name")


def extension(path: str | None) -> str:
    if not path:
        return ""
    name = path.replace("/", "\\").rsplit("\\", 1)[-1].lower()
    return name[name.rfind(".") :] if "." in name else ""


_TOP: dict[str, str] = {}


def top_folder(path: str) -> str:
    """``\\\\server\\share\\top`` of a UNC path (the repository a read belongs to).

    The result depends only on the text before the last backslash (when the path has
    no forward slash), so it is cached by that text: reads repeat their folders far more
    than their file names.
    """
    key, sep, _ = path.rpartition("\\")
    if not sep or "/" in path:  # rare: no folder, or mixed separators
        return _top_folder(path)
    hit = _TOP.get(key)
    if hit is None:
        if len(_TOP) > 100_000:
            _TOP.clear()
        hit = _TOP[key] = _top_folder(path)
    return hit


def _top_folder(path: str) -> str:
    parts = path.replace("/", "\\").lstrip("\\").split("\\")[:-1]  # folders only
    return norm_path("\\\\" + "\\".join(parts[:3]))


_STEP = {"medium": "high"}


def _iso_utc(value: Any) -> str:
    """A TOML datetime or ISO text with offset, as canonical UTC text (for comparisons)."""
    if isinstance(value, datetime):
        dt = value if value.tzinfo else value.replace(tzinfo=UTC)
    else:
        dt = datetime.fromisoformat(str(value))
        if dt.tzinfo is None:
            raise ValueError(f"ticket time {value!r} needs an offset")
    return dt.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.000000000Z")


@dataclass
class Draft:
    """A finding before ids are assigned (see :class:`~evidencekit.analysis.model.Finding`)."""

    rule: str
    person: str | None
    title_ja: str
    title_en: str
    explanation_ja: str
    explanation_en: str
    refs: list[Ref]
    total: int
    elements: Sequence[tuple[str, str, str | None]]
    strength: str
    severity: str
    t0: str | None = None
    t1: str | None = None
    window: str | None = None
    signals: list[str] = field(default_factory=list)
    indicators: list[str] = field(default_factory=list)
    cis: list[CounterIndicator] = field(default_factory=list)
    facts: dict[str, Any] = field(default_factory=dict)
    params: dict[str, Any] = field(default_factory=dict)
    files: set[str] = field(default_factory=set)
    inputs: list[tuple[str, str]] = field(default_factory=list)  # (role, entry)


@dataclass
class Context:
    """Everything rules share during one run."""

    params: dict[str, Any]
    lists: dict[str, Any]
    calendar: Calendar
    identities: IdentityMap
    assets: AssetRegister
    hr: dict[str, PersonHr] = field(default_factory=dict)
    hr_supplied: bool = False
    timeline_version: int = 1
    kinds: dict[str, int] = field(default_factory=dict)
    drafts: list[Draft] = field(default_factory=list)
    not_assessed: dict[str, str] = field(default_factory=dict)
    shared: dict[str, Any] = field(default_factory=dict)
    available: set[str] = field(default_factory=set)
    _windows: dict[tuple[str | None, str], str] = field(
        default_factory=dict, init=False, repr=False
    )

    def add_hr(self, fact: HrFact) -> None:
        self.hr.setdefault(fact.person, PersonHr()).facts.append(fact)
        self.hr_supplied = True
        self._windows.clear()

    def window(self, person: str | None, day: str) -> str:
        """R01 window tag of a person's local day; ``not_assessed`` without HR data."""
        if not self.hr_supplied:
            return "not_assessed"
        key = (person, day)
        hit = self._windows.get(key)
        if hit is None:  # cached per person and day (rules ask for every event of the day)
            if len(self._windows) > 200_000:
                self._windows.clear()
            hit = self._windows[key] = window_for(self.hr.get(person or ""), day, self.params)[0]
        return hit

    def local(self, utc_text: str) -> LocalTime:
        return self.calendar.local(utc_text)

    def max_refs(self) -> int:
        return int(self.params["evidence"]["max_refs_per_finding"])

    def emit(self, draft: Draft, windowed: bool = True) -> None:
        """Record a finding; tag its R01 window and apply the window severity step
        (hot and exit_leave raise one level: the map's x1.5 / x2.0 multipliers)."""
        if draft.window is None and draft.person and draft.t0:
            draft.window = self.window(draft.person, self.local(draft.t0).day)
        if windowed and draft.window in ("hot", "exit_leave") and draft.severity in _STEP:
            draft.severity = _STEP[draft.severity]
        self.drafts.append(draft)

    def ticket_for(self, person: str | None, utc_text: str | None) -> dict[str, Any] | None:
        """An approved change ticket of the person covering the time (CI.02)."""
        if not person or not utc_text:
            return None
        for t in self.assets.tickets:
            if str(t.get("person", "")) not in (person, person.removeprefix("account:")):
                continue
            if _iso_utc(t["start"]) <= utc_text <= _iso_utc(t["end"]):
                return t
        return None

    def drafts_of(self, *rules: str) -> list[Draft]:
        return [d for d in self.drafts if d.rule in rules]

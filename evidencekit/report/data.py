"""Collect what the report shows from a case folder, without reportlab.

Everything here is read from the case through its public API: sources and parse
issues from the store, custody entries from the custody log, events from the sealed
timeline (verified against its tree head first) and, when present, the analysis
result. Files named by events are given neutral references (``FILE-0001``) whose
paths and names appear only in the sealed annex.
"""

from __future__ import annotations

import hashlib
from collections import Counter, defaultdict
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

import orjson

from evidencekit.analysis.model import AnalysisResult, Finding
from evidencekit.case.custody import CustodyEntry
from evidencekit.case.workspace import Case, CaseMeta
from evidencekit.errors import CaseError
from evidencekit.model import Source
from evidencekit.report.i18n import JST, jst
from evidencekit.timeline.canonical import loads_strict
from evidencekit.timeline.seal import TIMELINE_FILE, TimelineHead, verify_timeline

ANALYSIS_FILE = Path("analysis") / "analysis.json"
KEY_ACTIONS = frozenset(
    {
        "copy",
        "upload",
        "send",
        "share",
        "print",
        "delete",
        "wipe",
        "download",
        "device_connect",
        "device_disconnect",
        "log_cleared",
        "access_denied",
        "permission_change",
        "hr_event",
        "install",
    }
)
BUSINESS_START, BUSINESS_END = 8, 20  # domain map §3.5 default business hours 08:00–20:00


@dataclass(frozen=True)
class EventRow:
    """One timeline event as the report shows it (no paths, no file names)."""

    leaf: int
    event_id: str
    time: str | None
    action: str
    kind: str
    source: str
    file_ref: str | None
    object_sha256: str | None
    account: str | None


@dataclass
class FileRef:
    """A file named by events: shown in the body only by its reference and hash."""

    ref: str
    path: str
    name: str | None
    sha256: str | None
    size: int | None
    events: int = 0


@dataclass
class Activity:
    """Daily event counts by action (JST days) and the off-hours share per day."""

    by_day: dict[date, Counter[str]] = field(default_factory=lambda: defaultdict(Counter))
    off_hours: Counter[date] = field(default_factory=Counter)
    marks: list[tuple[date, str, str]] = field(default_factory=list)  # day, ja, en


@dataclass
class IssueSummary:
    """Parse issues: counts by source and code, and the first examples with locators."""

    total: int = 0
    by_source: Counter[str] = field(default_factory=Counter)
    by_code: Counter[tuple[str, str, str]] = field(default_factory=Counter)
    examples: list[dict[str, Any]] = field(default_factory=list)


@dataclass
class ReportData:
    """Everything the sections render."""

    meta: CaseMeta
    head: TimelineHead
    timeline_path: Path
    sources: list[Source]
    custody: list[CustodyEntry]
    issues: IssueSummary
    files: dict[str, FileRef]
    key_events: list[EventRow]
    activity: Activity
    analysis: AnalysisResult | None
    analysis_sha256: str | None
    rows_by_id: dict[str, EventRow] = field(default_factory=dict)


def load_analysis(case: Case) -> tuple[AnalysisResult | None, str | None]:
    """Read ``analysis/analysis.json`` if the analysis stage has run."""
    path = case.root / ANALYSIS_FILE
    if not path.is_file():
        return None, None
    raw = path.read_bytes()
    return AnalysisResult.model_validate(loads_strict(raw)), hashlib.sha256(raw).hexdigest()


def summarise_issues(case: Case, keep: int = 40) -> IssueSummary:
    """Count parse issues by source and by (source, code, severity)."""
    summary = IssueSummary()
    for issue in case.store.issue_dicts():
        summary.total += 1
        summary.by_source[issue["source"]] += 1
        summary.by_code[(issue["source"], issue["code"], issue.get("severity", "warning"))] += 1
        if len(summary.examples) < keep:
            summary.examples.append(issue)
    return summary


def iter_timeline(path: Path) -> Iterator[tuple[int, dict[str, Any]]]:
    """(leaf index, event) for every line of a sealed timeline file."""
    with open(path, "rb", buffering=1 << 20) as fp:
        for leaf, line in enumerate(fp):
            yield leaf, orjson.loads(line)["event"]


class _FileRefs:
    """Assigns ``FILE-nnnn`` references in first-seen timeline order (deterministic)."""

    def __init__(self) -> None:
        self.by_key: dict[str, FileRef] = {}

    def ref_for(self, obj: dict[str, Any] | None) -> FileRef | None:
        if not obj or not (obj.get("path") or obj.get("name") or obj.get("url")):
            return None
        key = obj.get("path") or obj.get("url") or obj.get("name") or ""
        ref = self.by_key.get(key)
        if ref is None:
            ref = FileRef(
                ref=f"FILE-{len(self.by_key) + 1:04d}",
                path=key,
                name=obj.get("name"),
                sha256=obj.get("sha256"),
                size=obj.get("size"),
            )
            self.by_key[key] = ref
        ref.events += 1
        if ref.sha256 is None and obj.get("sha256"):
            ref.sha256 = obj["sha256"]
        return ref


def event_row(leaf: int, event: dict[str, Any], refs: _FileRefs) -> EventRow:
    """Reduce a timeline event to what may appear in the report body."""
    obj = event.get("object")
    ref = refs.ref_for(obj)
    actor = event.get("actor") or {}
    account = actor.get("user") or actor.get("email") or actor.get("sid")
    if account and actor.get("domain") and actor.get("user"):
        account = f"{actor['domain']}\\{actor['user']}"
    return EventRow(
        leaf=leaf,
        event_id=event["id"],
        time=event.get("time"),
        action=event["action"],
        kind=event["kind"],
        source=event["source"],
        file_ref=ref.ref if ref else None,
        object_sha256=(obj or {}).get("sha256"),
        account=account,
    )


def _hr_mark(event: dict[str, Any]) -> tuple[str, str] | None:
    """Label of an HR event that the activity chart marks (resignation notice, last day)."""
    text = " ".join(
        str(v) for v in (event.get("kind"), event.get("time_role"), event.get("attributes"))
    ).lower()
    if any(k in text for k in ("resign", "notice", "退職願", "退職届")):
        return "退職願", "Resignation notice"
    if any(k in text for k in ("last_day", "last_attendance", "最終出社", "retire", "退職日")):
        return "最終出社日", "Last day"
    return None


def add_activity(activity: Activity, event: dict[str, Any]) -> None:
    """Count one event into the daily activity (JST day, off-hours, HR marks)."""
    local = jst(event.get("time"))
    if local is None:
        return
    day = local.date()
    activity.by_day[day][event["action"]] += 1
    if not BUSINESS_START <= local.hour < BUSINESS_END:
        activity.off_hours[day] += 1
    if event["action"] == "hr_event":
        mark = _hr_mark(event)
        if mark is not None:
            activity.marks.append((day, *mark))


def collect(case: Case, key_limit: int = 60) -> ReportData:
    """Gather the report data; verifies the latest sealed timeline against its head.

    Args:
        case: An open case with at least one sealed timeline version.
        key_limit: Most key events listed in the condensed timeline table.

    Returns:
        The collected data.
    """
    versions = case.timeline_versions()
    if not versions:
        raise CaseError("no sealed timeline; run 'evidencekit timeline seal' before 'report'")
    head = case.head()
    path = case.timeline_dir() / TIMELINE_FILE
    verify_timeline(path, head)
    analysis, analysis_sha = load_analysis(case)
    if analysis is not None and analysis.merkle_root != head.merkle_root:
        raise CaseError(
            "analysis/analysis.json was made for another timeline version "
            f"(tree head {analysis.merkle_root[:16]}…); re-run the analysis"
        )
    wanted = _finding_event_ids(analysis)
    headline = _headline_ids(analysis)
    refs, activity = _FileRefs(), Activity()
    key_events: list[EventRow] = []
    rows_by_id: dict[str, EventRow] = {}
    for leaf, event in iter_timeline(path):
        row = event_row(leaf, event, refs)
        add_activity(activity, event)
        if event["id"] in wanted:
            rows_by_id[event["id"]] = row
        if _is_key(row, headline) and len(key_events) < key_limit:
            key_events.append(row)
    _check_citations(analysis, wanted, rows_by_id)
    return ReportData(
        meta=case.meta,
        head=head,
        timeline_path=path,
        sources=case.store.sources(),
        custody=case.custody.entries(),
        issues=summarise_issues(case),
        files={r.ref: r for r in refs.by_key.values()},
        key_events=key_events,
        activity=activity,
        analysis=analysis,
        analysis_sha256=analysis_sha,
        rows_by_id=rows_by_id,
    )


def _finding_event_ids(analysis: AnalysisResult | None) -> set[str]:
    """Events the findings and their counter-indicators rest on; refuses a finding
    without evidence references (domain map §9 item 4)."""
    if analysis is None:
        return set()
    bare = [f.id for f in analysis.findings if not f.evidence and not _document_based(f, analysis)]
    if bare:
        raise CaseError(f"findings without evidence references cannot be reported: {bare}")
    ids = {ref.event_id for f in analysis.findings for ref in f.evidence}
    ids |= {r.event_id for f in analysis.findings for c in f.counter_indicators for r in c.evidence}
    return ids


def _document_based(finding: Finding, analysis: AnalysisResult) -> bool:
    """Builder findings (E01–E06) may rest on the analysis input files instead of events."""
    return finding.rule.startswith("E") and bool(analysis.inputs)


def _check_citations(
    analysis: AnalysisResult | None, wanted: set[str], rows: dict[str, EventRow]
) -> None:
    """Every cited event is in the sealed timeline at the leaf index the analysis gives."""
    missing = sorted(wanted - rows.keys())
    if missing:
        raise CaseError(f"analysis cites events missing from the sealed timeline: {missing[:5]}")
    if analysis is None:
        return
    wrong = [
        f"{f.id}: {ref.event_id} at leaf {ref.leaf_index}, timeline has {rows[ref.event_id].leaf}"
        for f in analysis.findings
        for ref in f.evidence
        if rows[ref.event_id].leaf != ref.leaf_index
    ]
    if wrong:
        raise CaseError(
            "analysis leaf indices disagree with the sealed timeline: " + "; ".join(wrong[:5])
        )


PER_FINDING = 3  # key events shown per finding in the condensed timeline


def _headline_ids(analysis: AnalysisResult | None) -> set[str]:
    """The first few events of each finding and every counter-indicator event: the
    condensed timeline shows each finding, not only the first one's many events."""
    if analysis is None:
        return set()
    ids = {r.event_id for f in analysis.findings for r in f.evidence[:PER_FINDING]}
    ids |= {r.event_id for f in analysis.findings for c in f.counter_indicators for r in c.evidence}
    return ids


def _is_key(row: EventRow, wanted: set[str]) -> bool:
    """Key events: those findings rest on; without findings, the non-routine actions."""
    if wanted:
        return row.event_id in wanted or row.action == "hr_event"
    return row.action in KEY_ACTIONS


def day_range(activity: Activity) -> list[date]:
    """Every JST day from the first to the last active day."""
    if not activity.by_day:
        return []
    first, last = min(activity.by_day), max(activity.by_day)
    return [date.fromordinal(d) for d in range(first.toordinal(), last.toordinal() + 1)]


__all__ = ["JST", "ReportData", "collect", "day_range", "iter_timeline"]

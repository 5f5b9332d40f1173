"""Shared helpers of the log-export parsers: event content dicts, times, problems.

Log parsers build :meth:`~evidencekit.model.Event.content`-shaped dicts directly (no model
validation on the hot path; their tests validate samples with ``Event.model_validate``).
"""

from __future__ import annotations

import hashlib
from typing import Any

from evidencekit.events.jptime import ParsedTime, TimeParser
from evidencekit.events.time import TimeError
from evidencekit.model import Locator, ParseIssue
from evidencekit.parsers.base import EventContent, ParseContext
from evidencekit.sources.textlog import Problem, Record

_MAX_REASON = 500


def problem_issue(ctx: ParseContext, problem: Problem) -> ParseIssue:
    """A reader :class:`Problem` as a parse issue of this source (errors count as failed)."""
    locator = Locator(line=problem.line, offset=str(problem.offset), length=problem.length)
    severity = "error" if problem.severity == "error" else problem.severity
    issue = ctx.issue(problem.code, problem.message, locator, None, severity)  # type: ignore[arg-type]
    if problem.raw_sha256 is None:
        return issue
    return issue.model_copy(update={"raw_sha256": problem.raw_sha256})


def record_issue(
    ctx: ParseContext, record: Record, code: str, message: str, severity: str = "error"
) -> ParseIssue:
    """A parse issue for a whole record that could not be read (errors count as failed)."""
    problem = Problem(
        code,
        f"{message} (line {record.line})",
        record.line,
        record.offset,
        record.length,
        hashlib.sha256(record.raw).hexdigest(),
        severity,
    )
    return problem_issue(ctx, problem)


def record_locator(record: Record, number: int) -> dict[str, Any]:
    """Locator dict of a record: ordinal, first line, byte offset and length."""
    return {
        "record": str(number),
        "line": record.line,
        "offset": str(record.offset),
        "length": record.length,
    }


def base_content(
    ctx: ParseContext, record: Record, number: int, kind: str, role: str, action: str
) -> EventContent:
    """The content every log event starts from, with its locator and raw-record hash."""
    content: EventContent = {
        "source": ctx.source_id,
        "kind": kind,
        "time_role": role,
        "action": action,
        "locator": record_locator(record, number),
        "raw_sha256": hashlib.sha256(record.raw).hexdigest(),
    }
    mark_record(content, record)
    return content


def mark_record(content: EventContent, record: Record) -> None:
    """Flags of a record read with replaced bytes or holding formula-like fields."""
    if record.replaced:
        add_flag(content, "decode_replaced")
    if record.formula:
        add_flag(content, "csv_formula")


def add_flag(content: EventContent, flag: str) -> None:
    """Add ``flag`` to the content's flags (kept in insertion order, no duplicates)."""
    flags = content.setdefault("flags", [])
    if flag not in flags:
        flags.append(flag)


def issue_at(
    ctx: ParseContext, content: EventContent, code: str, message: str, severity: str = "warning"
) -> ParseIssue:
    """A parse issue located at the record ``content`` was built from."""
    loc = content["locator"]
    locator = Locator(
        line=loc.get("line"),
        offset=loc.get("offset"),
        length=loc.get("length"),
        record=loc.get("record"),
    )
    issue = ctx.issue(code, f"{message} (line {loc.get('line')})", locator, None, severity)  # type: ignore[arg-type]
    return issue.model_copy(update={"raw_sha256": content.get("raw_sha256")})


def set_time(
    ctx: ParseContext, content: EventContent, parser: TimeParser, text: str
) -> ParseIssue | None:
    """Place ``text`` on the UTC line in ``content``; a time that cannot be placed keeps its
    text, gets flag ``time_unparseable`` (or ``time_missing``) and yields an issue."""
    if not text.strip():
        add_flag(content, "time_missing")
        return issue_at(ctx, content, "time_missing", "record has no time")
    try:
        parsed = parser.parse(text)
    except TimeError as exc:
        content["time_original"] = text
        add_flag(content, "time_unparseable")
        reason = str(exc)
        code = time_issue_code(reason)
        if len(reason) > _MAX_REASON:  # the text is in time_original; the issue stays short
            reason = f"{reason[:_MAX_REASON]}... ({len(reason)} characters)"
        return issue_at(ctx, content, code, reason)
    place_time(content, parsed, text)
    return None


def place_time(content: EventContent, parsed: ParsedTime, text: str) -> None:
    """Put a parsed time, its original ``text``, offset, zone and precision in ``content``."""
    content["time"] = parsed.time
    content["time_original"] = text
    content["time_offset"] = parsed.offset
    if parsed.zone is not None:
        content["time_zone"] = parsed.zone
    if parsed.precision != "unknown":
        content["time_precision"] = parsed.precision
    if parsed.date_only:
        add_flag(content, "date_only")


def put(content: EventContent, target: str, value: Any) -> None:
    """Set ``group.key`` (actor, object, target, device, attributes) or a top-level field."""
    group, _, key = target.partition(".")
    if not key:
        content[group] = value
        return
    sub = content.get(group)
    if sub is None:
        sub = content[group] = {}
    sub[key] = value


def time_issue_code(reason: str) -> str:
    """The issue code for a time that cannot be placed, from its :class:`TimeError` text:
    a DST repeat or gap (``time_ambiguous`` / ``time_impossible``; a UTC day outside the
    calendar counts as impossible) or a text that is no time (``time_unparseable``)."""
    if "ambiguous" in reason:
        return "time_ambiguous"
    if "impossible" in reason or "outside" in reason:
        return "time_impossible"
    return "time_unparseable"


def day_first_issue(ctx: ParseContext, count: int) -> ParseIssue:
    """One file-level warning: times refused month-first read day-first."""
    return ctx.issue(
        "date_order_suspect",
        f"{count} time text(s) could not be read month-first (m/d/y: month over 12) but "
        "read day-first (d/m/y); if this export writes dates day-first, every date with a "
        "day of 12 or less was read with day and month swapped. Re-ingest with a mapping "
        "profile whose time format is dmy.",
        Locator(offset="0"),
        None,
        "warning",
    )

"""The engine behind every CSV/TSV log parser: a mapping profile applied to each record.

A format module subclasses :class:`ProfileParser`, names its shipped profile and may
override :meth:`ProfileParser.refine` for what a profile cannot say (JSON columns,
recipient lists, ...). ``mapped_csv`` runs the same engine with a user's profile.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable, Iterator
from functools import cache
from hashlib import sha256
from itertools import chain, count
from pathlib import Path
from typing import Any, ClassVar

from evidencekit.events.jptime import TimeParser
from evidencekit.events.time import TimeError
from evidencekit.model import ATTRIBUTE_KEY, KIND, Locator, ParseIssue
from evidencekit.parsers.base import EventContent, ParseContext
from evidencekit.parsers.logevent import (
    day_first_issue,
    issue_at,
    mark_record,
    place_time,
    problem_issue,
    set_time,
)
from evidencekit.parsers.profile import Profile, builtin_profile
from evidencekit.parsers.rowbuild import row_builder, time_placer
from evidencekit.sources.delimited import TYPE_LINE, DelimitedReader, PlainRun
from evidencekit.sources.rowhash import sha256_hex_all
from evidencekit.sources.textlog import DEFAULT_MAX_LINE, Problem, Record, detect_encoding

_KIND = re.compile(KIND)
_HEX = {"md5": 32, "sha1": 40, "sha256": 64}
_DRIVE_TYPES = {"removable", "fixed", "network", "optical", "mtp", "ram", "unknown"}
_SIZE_JUNK = str.maketrans("", "", " ,_\u00a0")
Converter = Callable[[str], Any]
Placer = Callable[[str], dict[str, str] | None]


def to_size(text: str) -> int | None:
    """``"98 500 B"``, ``"1,024"``, ``"2048 bytes"`` -> int; anything else -> None."""
    # isdecimal, not isdigit: int() refuses digits such as "²" that isdigit accepts.
    if text.isdecimal() and len(text) < 16:
        return int(text)
    value = text.translate(_SIZE_JUNK)
    for suffix in ("bytes", "Bytes", "B", "バイト"):
        if value.endswith(suffix):
            value = value[: -len(suffix)]
            break
    return int(value) if value.isdecimal() and len(value) < 16 else None


def _hex(length: int) -> Converter:
    def convert(text: str) -> str | None:
        value = text.strip().lower()
        ok = len(value) == length and all(c in "0123456789abcdef" for c in value)
        return value if ok else None

    return convert


def _converter(target: str) -> Converter | None:
    key = target.partition(".")[2]
    if key == "size":
        return to_size
    if key in _HEX:
        return _hex(_HEX[key])
    if target == "device.drive_type":
        return lambda v: v if v in _DRIVE_TYPES else None
    return None


class Plan:
    """A profile bound to one file's header: column indexes and converters."""

    def __init__(self, profile: Profile, header: list[str]) -> None:
        self.profile = profile
        self.index = {name: i for i, name in enumerate(header)}
        self.missing = [
            c for c in [*profile.time_columns, *profile.fields.values()] if c not in self.index
        ]
        if profile.action_column and profile.action_column not in self.index:
            self.missing.append(profile.action_column)
        self.time_idx = [self.index[c] for c in profile.time_columns if c in self.index]
        self.one_time = len(self.time_idx) == 1
        self.action_idx = self.index.get(profile.action_column or "")
        self._folded_actions = {fold_value(k): v for k, v in reversed(profile.action_map.items())}
        self.items: list[tuple[int, str, str, dict[str, str] | None, Converter | None]] = []
        used = {*self.time_idx}
        for target, column in profile.fields.items():
            if column in self.index:
                idx = self.index[column]
                used.add(idx)
                group, _, key = target.partition(".")
                entry = (idx, group, key, profile.values.get(target), _converter(target))
                self.items.append(entry)
        self.renamed: list[str] = []
        for i, name in enumerate(header):
            if i in used or name in profile.ignore:
                continue
            if self.action_idx == i and name not in profile.attributes:
                continue
            key = profile.attributes.get(name) or (name if ATTRIBUTE_KEY.match(name) else "")
            if not key:
                key = f"col_{i + 1}"
                self.renamed.append(f"{key}={name}")
            self.items.append((i, "attributes", key, None, None))
        # Plain column copies: a group of several is built with one comprehension; a group
        # of one (the usual case) with a plain test, which is cheaper than a comprehension.
        plain: dict[str, list[tuple[int, str]]] = {}
        for idx, group, key, vmap, convert in self.items:
            if vmap is None and convert is None:
                plain.setdefault(group, []).append((idx, key))
        self.singles = [(g, p[0][0], p[0][1]) for g, p in plain.items() if len(p) == 1]
        self.groups = [(g, p) for g, p in plain.items() if len(p) > 1]
        self.special = [item for item in self.items if item[3] is not None or item[4] is not None]
        self.build = row_builder(
            profile.kind,
            profile.time_role,
            profile.action_default,
            self._action_of if self.action_idx is not None else None,
            self.action_idx,
            profile.constants,
            self.singles,
            self.groups,
            self.special,
        )

    def column(self, fields: list[str], name: str) -> str:
        """The value of column ``name`` in a record ('' when the file lacks the column)."""
        idx = self.index.get(name)
        return fields[idx] if idx is not None else ""

    def _action_of(self, raw_action: str) -> tuple[str, str]:
        p = self.profile
        action = p.action_map.get(raw_action)
        if action is None:  # ＩＮ, " 入室 ": full-width forms and padding name the same value
            action = self._folded_actions.get(fold_value(raw_action), p.action_default)
        if p.kind_from_action and raw_action and _KIND.match(f"{p.kind}.{raw_action}"):
            return action, f"{p.kind}.{raw_action}"
        return action, p.kind

    def content(self, ctx: ParseContext, record: Record, number: int) -> EventContent:
        """Event content of one record (time not yet placed)."""
        content = self.row_content(
            ctx.source_id, record.fields, record.line, record.offset, record.raw, number
        )
        if record.replaced or record.formula:
            mark_record(content, record)
        return content

    def row_content(
        self, source: str, f: list[str], line: int, offset: int, raw: bytes, number: int
    ) -> EventContent:
        """Event content of a record read cleanly (no flags; time not yet placed)."""
        return self.build(source, f, line, offset, raw, number, sha256(raw).hexdigest())


def fold_value(text: str) -> str:
    """A cell value for a second lookup: NFKC form (full-width letters and digits folded),
    surrounding spaces removed; case is kept."""
    return unicodedata.normalize("NFKC", text).strip()


def _place(content: EventContent, times: TimeParser, text: str) -> bool:
    """Place a record's time in ``content``; False (content unchanged) when it needs
    :meth:`ProfileParser._careful` (no time, or one that cannot be placed)."""
    if not text:
        return False
    try:
        parsed = times.parse(text)
    except TimeError:
        return False
    place_time(content, parsed, text)
    return True


@cache
def _builtin(name: str) -> Profile:
    return builtin_profile(name)


def header_of(head: bytes, skip_lines: int = 0) -> list[str]:
    """Column names of the first header line in ``head`` (best effort, for ``check``)."""
    enc = detect_encoding(head)
    text = head[enc.bom :].decode(enc.name, errors="replace")
    lines = [
        line
        for line in text.splitlines()[skip_lines:]
        if line.strip() and not line.startswith(TYPE_LINE)
    ]
    if not lines:
        return []
    first = lines[0]
    delimiter = max((",", "\t", ";", "|"), key=first.count)
    return [c.strip().strip('"').strip() for c in first.split(delimiter)]


class ProfileParser:
    """A CSV/TSV log export read through a shipped mapping profile."""

    name: ClassVar[str] = ""
    version: ClassVar[str] = "1"
    source_kind: ClassVar[str] = "log"
    profile_name: ClassVar[str] = ""
    refines: ClassVar[bool] = False
    """True when :meth:`refine` adds to each record (format modules that override it)."""

    @classmethod
    def check(cls, head: bytes, path: Path) -> bool:
        profile = _builtin(cls.profile_name)
        header = set(header_of(head, profile.skip_lines))
        return bool(profile.detect) and all(c in header for c in profile.detect)

    def profile_for(self, options: dict[str, Any]) -> Profile:
        """The profile to apply (the shipped one; ``mapped_csv`` reads the user's)."""
        return _builtin(self.profile_name)

    def parse(self, ctx: ParseContext) -> Iterator[EventContent | ParseIssue]:
        profile = self.profile_for(ctx.options)
        reader = DelimitedReader(
            ctx.path,
            str(ctx.options.get("encoding", profile.encoding)),
            profile.delimiter,
            list(profile.columns) or None,
            profile.skip_lines,
            int(ctx.options.get("max_line", DEFAULT_MAX_LINE)),
        )
        times = profile.time_parser(ctx.time_zone)
        plan: Plan | None = None
        number = 0
        place = time_placer(times)
        items = reader.batches()
        for item in items:
            if isinstance(item, Problem):
                yield problem_issue(ctx, item)
                continue
            if plan is None:
                plan = Plan(profile, reader.header or [])
                if any(c in plan.missing for c in profile.time_columns):
                    yield from self._unread(ctx, plan, reader.header_line or 1, item, items)
                    return
                yield from self._header_issues(ctx, plan, reader.header_line or 1)
            if type(item) is PlainRun:  # plain rows, read on the reader's fast path
                yield from self._rows(ctx, plan, times, item, number, place)
                number += len(item.raws)
            else:
                number += 1
                yield from self._record(ctx, plan, times, item, number)  # type: ignore[arg-type]
        if plan is None:
            yield from self._no_records(ctx, profile, reader)
        if times.day_first_texts:
            yield day_first_issue(ctx, times.day_first_texts)

    def _no_records(
        self, ctx: ParseContext, profile: Profile, reader: DelimitedReader
    ) -> Iterator[ParseIssue]:
        """A header without data records is still checked (an empty file is no issue)."""
        if reader.header is not None:
            failed = ctx.records_failed
            plan = Plan(profile, reader.header)
            yield from self._header_issues(ctx, plan, reader.header_line or 1)
            ctx.records_failed = failed  # a header issue is no failed record

    def _rows(
        self,
        ctx: ParseContext,
        plan: Plan,
        times: TimeParser,
        run: PlainRun,
        number: int,
        place: Placer,
    ) -> Iterator[EventContent | ParseIssue]:
        """Records read cleanly (no generator per record on the usual path); ``place``
        gives the time keys of a time text (:func:`~.rowbuild.time_placer`)."""
        source, build, refines = ctx.source_id, plan.build, self.refines
        last_text, last_placed = "", None  # rows of the same second follow each other
        time_idx, one_time = plan.time_idx, plan.one_time
        first = time_idx[0]
        at, eol, read = run.offset, run.eol, 0
        # Record numbers and lines count up with the rows (fields, raws and digests have one
        # entry per row, so the shortest of them ends the loop).
        rows = zip(
            count(number + 1),
            count(run.number),
            run.fields,
            run.raws,
            sha256_hex_all(run.raws),
            strict=False,
        )
        try:
            for number, line, fields, raw, digest in rows:
                offset, at = at, at + len(raw) + eol
                content = build(source, fields, line, offset, raw, number, digest)
                text = fields[first] if one_time else " ".join(fields[i] for i in time_idx)
                if text == last_text:
                    placed = last_placed
                else:
                    placed = last_placed = place(text)
                    last_text = text
                if placed is None or refines:
                    record = Record(fields, line, offset, len(raw), raw)
                    yield from self._careful(ctx, plan, times, record, content, text)
                    continue
                content.update(placed)
                read += 1
                yield content
        finally:  # counted once per run (also when the consumer stops early)
            ctx.records_read += read

    def _record(
        self, ctx: ParseContext, plan: Plan, times: TimeParser, item: Record, number: int
    ) -> Iterator[EventContent | ParseIssue]:
        """One record through the event dict."""
        content = plan.content(ctx, item, number)
        f = item.fields
        text = f[plan.time_idx[0]] if plan.one_time else " ".join(f[i] for i in plan.time_idx)
        if item.formula or self.refines or not _place(content, times, text):
            yield from self._careful(ctx, plan, times, item, content, text)
            return
        ctx.records_read += 1
        yield content

    def _careful(
        self,
        ctx: ParseContext,
        plan: Plan,
        times: TimeParser,
        record: Record,
        content: EventContent,
        text: str,
    ) -> Iterator[EventContent | ParseIssue]:
        """A record with an unplaceable time, a formula-like field, or format extras."""
        issue = set_time(ctx, content, times, text)
        if issue is not None:
            yield issue
        if record.formula:
            yield issue_at(
                ctx,
                content,
                "csv_formula",
                "a field starts like a spreadsheet formula; kept verbatim, never evaluated",
                "info",
            )
        yield from self.refine(ctx, plan, record, content)
        ctx.records_read += 1
        yield content

    def refine(
        self, ctx: ParseContext, plan: Plan, record: Record, content: EventContent
    ) -> Iterator[ParseIssue]:
        """Format-specific additions to ``content``; yield issues for what cannot be read."""
        return iter(())

    def _unread(
        self,
        ctx: ParseContext,
        plan: Plan,
        line: int,
        first: Record | PlainRun,
        rest: Iterator[Record | Problem | PlainRun],
    ) -> Iterator[ParseIssue]:
        """No time column: every record is counted as failed (one issue says why), the
        reader's own problems are still reported."""
        unread = 0
        for got in chain((first,), rest):
            if isinstance(got, Problem):
                yield problem_issue(ctx, got)
            else:
                unread += len(got.raws) if type(got) is PlainRun else 1
        failed = ctx.records_failed
        yield from self._header_issues(ctx, plan, line, unread)
        ctx.records_failed = failed + unread  # the records, not the header issue

    @staticmethod
    def _header_issues(
        ctx: ParseContext, plan: Plan, line: int, unread: int = 0
    ) -> Iterator[ParseIssue]:
        locator = Locator(line=line)
        if plan.missing:
            time_missing = any(c in plan.missing for c in plan.profile.time_columns)
            yield ctx.issue(
                "missing_columns",
                f"header lacks column(s) {plan.missing} named by profile {plan.profile.name}"
                + (f"; no time column, {unread} record(s) not read" if time_missing else ""),
                locator,
                severity="error" if time_missing else "info",
            )
        if plan.renamed:
            yield ctx.issue(
                "columns_renamed",
                f"non-ASCII column names kept as attributes under: {', '.join(plan.renamed)}",
                locator,
                severity="info",
            )

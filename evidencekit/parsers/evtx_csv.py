"""Windows events exported by Event Viewer as CSV ("Save All Events As... CSV").

Header ``Level,Date and Time,Source,Event ID,Task Category`` (English) or
``レベル,日付と時刻,ソース,イベント ID,タスクのカテゴリ`` (Japanese); each row carries one
more, unnamed column: the rendered message (quoted, usually several lines). Encodings:
UTF-8 with or without BOM, UTF-16 (BOM) and CP932 (option ``encoding`` overrides the
detection). Times are the exporting machine's local wall-clock time: they are read in
the source zone (``ctx.time_zone``, default Asia/Tokyo) and kept as found; an ambiguous or
impossible local time (DST change) or an unreadable one is a parse issue and the event
is kept undated. Option ``date_order`` (``mdy`` default, or ``dmy``) resolves
``d/m/yyyy`` dates; ``yyyy/mm/dd`` is always year first.

The export holds no EventData: events are normalized from the provider, event id, level
(audit success/failure) and the fields found in the rendered message under the labels of
``data/windows_message_labels.json`` (English and Japanese renderings); events with such
fields are flagged ``fields_from_message`` and keep the whole message.
"""

from __future__ import annotations

import csv
import hashlib
import json
import re
from collections import deque
from collections.abc import Iterator
from datetime import datetime
from functools import lru_cache
from pathlib import Path
from typing import ClassVar

from evidencekit.errors import ModelError, UnreadableInput
from evidencekit.events.time import TimeError, from_local
from evidencekit.events.windows import WinRecord, normalize
from evidencekit.model import Locator, ParseIssue
from evidencekit.parsers.base import EventContent, ParseContext, parsers
from evidencekit.parsers.logevent import problem_issue, time_issue_code
from evidencekit.sources.textlog import DEFAULT_MAX_LINE, Problem, TextLog, detect_encoding

DEFAULT_ZONE = "Asia/Tokyo"
HEADERS = {
    "en": ("Level", "Date and Time", "Source", "Event ID", "Task Category"),
    "ja": ("レベル", "日付と時刻", "ソース", "イベント ID", "タスクのカテゴリ"),
}
LEVELS = {
    "information": "information", "情報": "information",
    "warning": "warning", "警告": "warning",
    "error": "error", "エラー": "error",
    "critical": "critical", "重大": "critical",
    "verbose": "verbose", "詳細": "verbose",
    "audit success": "audit_success", "成功の監査": "audit_success",
    "audit failure": "audit_failure", "失敗の監査": "audit_failure",
}  # fmt: skip
_MAX_RECORD = DEFAULT_MAX_LINE  # a longer line, or record (row with its message), is refused
_LABELS = Path(__file__).parent / "data" / "windows_message_labels.json"
_FIELD = re.compile(r"^[ \t]+(\S[^\t]*?)\s*[:：]\t+(.*)$")
_TOP_FIELD = re.compile(r"^(\S[^\t]*?)\s*[:：]\t+(.*)$")
_TIME = re.compile(
    r"^\s*(\d{1,4})[/.-](\d{1,2})[/.-](\d{1,4})\s+(午前|午後)?\s*(\d{1,2}):(\d{2})"
    r"(?::(\d{2}))?\s*(AM|PM|午前|午後)?\s*$",
    re.IGNORECASE,
)


_Line = tuple[int, int, bytes, str, bool, int]  # number, offset, raw, text, bad, quotes


@parsers.register("evtx_csv")
class EvtxCsvParser:
    """Windows events exported as CSV by Event Viewer (English or Japanese headers)."""

    name: ClassVar[str] = "evtx_csv"
    version: ClassVar[str] = "1"
    source_kind: ClassVar[str] = "log"
    default_time_zone: ClassVar[str] = DEFAULT_ZONE  # local times of the exporting machine

    @classmethod
    def check(cls, head: bytes, path: Path) -> bool:
        encoding = detect_encoding(head).name
        text = head[:4096].decode(encoding, "ignore").lstrip("\ufeff")
        first = text.splitlines()[0] if text else ""
        cells = tuple(c.strip().strip('"') for c in first.split(","))
        return any(cells[:5] == names for names in HEADERS.values())

    def parse(self, ctx: ParseContext) -> Iterator[ParseIssue | EventContent]:
        try:
            log = TextLog(ctx.path, str(ctx.options.get("encoding") or "auto"), _MAX_RECORD)
        except UnreadableInput as exc:  # an unknown codec: an error of the call
            raise ModelError("options.encoding", str(exc)) from exc
        if csv.field_size_limit() < _MAX_RECORD:  # messages are long; raising it only widens
            csv.field_size_limit(_MAX_RECORD)
        yield from _Rows(ctx, log).run()


class _Rows:
    """Groups physical lines into CSV records (quoted messages span lines) and reads them."""

    def __init__(self, ctx: ParseContext, log: TextLog) -> None:
        self.ctx = ctx
        self.log = log
        self.decoder = log.encoding.name
        self.zone = ctx.time_zone or DEFAULT_ZONE
        self.order = str(ctx.options.get("date_order", "mdy"))
        self.columns: dict[str, int] | None = None
        self.pending: list[_Line] = []
        self.quotes = 0
        self.size = 0
        self.records = 0  # data records (rows after the header), the locator's record number

    def run(self) -> Iterator[ParseIssue | EventContent]:
        """Physical lines from the text reader (encoding, offsets, bounded overlong lines
        hashed and skipped) grouped into records."""
        work: deque[_Line] = deque()
        for line in self.log.lines():
            if isinstance(line, Problem):  # an overlong line
                while self.pending:  # a quote open before it: that record is cut
                    yield from self._give_up(work)
                    yield from self._feed(work)
                yield problem_issue(self.ctx, line)
                continue
            number, offset, raw, text, bad = line
            work.append((number, offset, raw, text, bad is not None, text.count('"')))
            yield from self._feed(work)
        while self.pending:  # a quote left open at the end of the file
            yield from self._give_up(work)
            yield from self._feed(work)

    def _feed(self, work: deque[_Line]) -> Iterator[ParseIssue | EventContent]:
        while work:
            line = work.popleft()
            self.pending.append(line)
            self.quotes += line[5]
            self.size += len(line[2])
            if self.quotes % 2 == 0:
                lines, self.pending, self.quotes, self.size = self.pending, [], 0, 0
                raw = b"".join(ln[2] for ln in lines)
                text = "".join(ln[3] for ln in lines)
                yield from self._record(
                    lines[0][0], lines[0][1], raw, text, any(ln[4] for ln in lines)
                )
            elif self.size > _MAX_RECORD:
                yield from self._give_up(work)

    def _give_up(self, work: deque[_Line]) -> Iterator[ParseIssue]:
        """An open quote never closed: report its line, re-read the lines after it."""
        first, rest = self.pending[0], self.pending[1:]
        self.pending, self.quotes, self.size = [], 0, 0
        work.extendleft(reversed(rest))
        body = _strip_newline(first[2], self.decoder)
        where = Locator(line=first[0], offset=str(first[1]), length=len(body))
        yield self.ctx.issue(
            "unterminated_quote",
            "quoted field never closed; this line is skipped and reading goes on with the next",
            where,
            body,
            "error",
        )

    def _record(
        self, number: int, offset: int, raw: bytes, text: str, bad: bool
    ) -> Iterator[ParseIssue | EventContent]:
        body = _strip_newline(raw, self.decoder)
        if not text.strip():
            return
        if self.columns is not None:
            self.records += 1
        record = str(self.records) if self.columns is not None else None
        where = Locator(record=record, line=number, offset=str(offset), length=len(body))
        line = text.rstrip("\r\n")
        try:
            row = next(csv.reader([line], strict=True), [])
        except csv.Error as exc:  # a stray quote: read as Event Viewer's reader would, said so
            row = next(csv.reader([line]), [])
            yield self.ctx.issue(
                "irregular_quoting", f"{exc}; the row is read leniently", where, body, "warning"
            )
        if self.columns is None:
            yield from self._header(row, where, body)
            return
        if bad:
            yield self.ctx.issue(
                "undecodable_bytes",
                f"bytes not valid {self.decoder} were replaced by U+FFFD in this record",
                where,
                body,
                "warning",
            )
        yield from self._row(row, where, body, bad)

    def _header(self, row: list[str], where: Locator, body: bytes) -> Iterator[ParseIssue]:
        cells = tuple(c.strip().lstrip("\ufeff") for c in row)
        for names in HEADERS.values():
            if cells[:5] == names:
                self.columns = {key: i for i, key in enumerate(HEADERS["en"])}
                self.columns["Message"] = 5
                return
        self.columns = {}
        yield self.ctx.issue(
            "unknown_header", f"not an Event Viewer CSV header: {cells[:6]}", where, body, "error"
        )

    def _row(
        self, row: list[str], where: Locator, body: bytes, bad: bool
    ) -> Iterator[ParseIssue | EventContent]:
        cols = self.columns or {}
        if not cols:
            why = "row not read: the file's header is not an Event Viewer CSV header"
            yield self.ctx.issue("not_read_unknown_header", why, where, body, "error")
            return
        if len(row) < 5:
            why = f"{len(row)} columns, at least 5 expected"
            yield self.ctx.issue("wrong_column_count", why, where, body, "error")
            return
        event_id = row[cols["Event ID"]].strip()
        if not event_id.isdigit() or int(event_id) > 0xFFFF:
            yield self.ctx.issue(
                "bad_event_id", f"event id {event_id[:40]!r} is not a number", where, body, "error"
            )
            return
        rec = self._win_record(row, cols, int(event_id))
        self.ctx.records_read += 1
        issue = self._time(rec, row[cols["Date and Time"]], where, body)
        if issue is not None:
            yield issue
        loc = where.model_dump(exclude_none=True)
        flags = ("text_replaced",) if bad else ()
        if rec.data:
            flags = (*flags, "fields_from_message")
        yield normalize(rec, self.ctx.source_id, loc, hashlib.sha256(body).hexdigest(), flags)

    def _win_record(self, row: list[str], cols: dict[str, int], event_id: int) -> WinRecord:
        level = row[cols["Level"]].strip()
        kind = LEVELS.get(level.lower(), "")
        outcome = {"audit_success": "success", "audit_failure": "failure"}.get(kind)
        message = "\n".join(row[5:]) if len(row) > 5 else None
        system = {"level_text": level, "task_category": row[cols["Task Category"]]}
        return WinRecord(
            provider=row[cols["Source"]].strip(),
            event_id=event_id,
            outcome=outcome,
            system=system,
            data=message_fields(message) if message else {},
            message=message or None,
            time_precision="1s",
        )

    def _time(self, rec: WinRecord, text: str, where: Locator, body: bytes) -> ParseIssue | None:
        rec.time_original = text
        rec.time_zone = self.zone
        try:
            naive = parse_local(text, self.order)
            rec.time, rec.time_offset = from_local(naive, self.zone)
        except TimeError as exc:
            return self.ctx.issue(time_issue_code(str(exc)), str(exc), where, body, "warning")
        return None


def _strip_newline(raw: bytes, decoder: str) -> bytes:
    if decoder.startswith("utf-16"):
        newline = "\r\n".encode(decoder)
        for end in (newline, newline[len(newline) // 2 :]):
            if raw.endswith(end):
                return raw[: -len(end)]
        return raw
    return raw.rstrip(b"\r\n")


def parse_local(text: str, order: str = "mdy") -> datetime:
    """Event Viewer local time text -> naive datetime.

    ``2024/04/01 9:05:03`` (year first), ``4/1/2024 9:05:03 AM`` (``mdy``) or
    ``1/4/2024 09:05:03`` (``dmy``); 午前/午後 as well as AM/PM.

    Raises:
        TimeError: the text is not such a time, or names an impossible date.
    """
    m = _TIME.match(text)
    if not m:
        raise TimeError(f"not an Event Viewer time: {text[:60]!r}")
    a, b, c, pre, hour, minute, second, post = m.groups()
    if len(a) == 4:
        year, month, day = int(a), int(b), int(c)
    elif order == "dmy":
        day, month, year = int(a), int(b), int(c)
    else:
        month, day, year = int(a), int(b), int(c)
    h = int(hour)
    meridiem = (pre or post or "").upper()
    if meridiem in ("PM", "午後") and h < 12:
        h += 12
    elif meridiem in ("AM", "午前") and h == 12:
        h = 0
    try:
        return datetime(year, month, day, h, int(minute), int(second or 0))  # noqa: DTZ001
    except ValueError as exc:
        raise TimeError(f"impossible time {text[:60]!r}: {exc}") from exc


@lru_cache(maxsize=1)
def _labels() -> tuple[dict[str, str], dict[str, dict[str, str]]]:
    data = json.loads(_LABELS.read_text(encoding="utf-8"))
    return data["sections"], data["fields"]


def message_fields(message: str) -> dict[str, str]:
    """EventData fields read from a rendered message (``Subject:`` / ``\tAccount Name:\tx``).

    Labels repeat across sections (``Account Name`` of the subject and of the new logon),
    so a label counts only under a known section; the first value of a field wins.
    """
    sections, fields = _labels()
    section, out = "", {}
    for line in message.splitlines():
        if not line.strip():
            continue
        indented = line[0] in " \t"
        m = (_FIELD if indented else _TOP_FIELD).match(line)
        if not indented and m is None:
            section = sections.get(line.strip().rstrip(":：").strip(), "?")
            continue
        if m is not None:
            name = fields.get(section if indented else "", {}).get(m.group(1))
            if name and name not in out:
                out[name] = m.group(2).strip()
    return out

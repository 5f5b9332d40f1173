"""Events already structured by another tool, one JSON object a line.

Each line holds the content of an :class:`~evidencekit.model.Event` without ``id``,
``salt``, ``source`` and ``locator``: those are assigned here, the locator being the
line number and byte offset in this file. ``time`` may be the canonical UTC form or
ISO 8601 with an offset. The producer's own locator may be kept in ``attributes``.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any, ClassVar

import orjson

from evidencekit.errors import ModelError
from evidencekit.events.time import TimeError, parse_iso
from evidencekit.model import TIME_PATTERN, Event, Locator, ParseIssue, parse_model
from evidencekit.parsers.base import ParseContext, parsers
from evidencekit.parsers.logevent import add_flag

_MAX_LINE = 1 << 20
_CANONICAL_TIME = re.compile(TIME_PATTERN)


@parsers.register("events_jsonl")
class EventsJsonl:
    """Structured events as JSON lines (evidencekit event content)."""

    name: ClassVar[str] = "events_jsonl"
    version: ClassVar[str] = "1"
    source_kind: ClassVar[str] = "events"

    @classmethod
    def check(cls, head: bytes, path: Path) -> bool:
        first = head.lstrip().split(b"\n", 1)[0]
        return first.startswith(b"{") and b'"action"' in first and b'"time_role"' in first

    def parse(self, ctx: ParseContext) -> Iterator[Event | ParseIssue]:
        offset = 0
        with open(ctx.path, "rb") as fp:
            for number, raw in enumerate(fp, start=1):
                locator = Locator(line=number, offset=str(offset), length=len(raw))
                offset += len(raw)
                text = raw.rstrip(b"\r\n")
                if not text.strip():
                    continue
                ctx.records_read += 1
                if len(text) > _MAX_LINE:
                    yield ctx.issue(
                        "line_too_long",
                        f"line of {len(text)} bytes skipped",
                        locator,
                        raw,
                        severity="error",
                    )
                    continue
                try:
                    yield self._event(ctx, text, locator)
                except (orjson.JSONDecodeError, ModelError, TimeError) as exc:
                    ctx.records_read -= 1
                    yield ctx.issue("malformed_record", str(exc), locator, raw, severity="error")

    @staticmethod
    def _event(ctx: ParseContext, text: bytes, locator: Locator) -> Event:
        data: Any = orjson.loads(text)
        if not isinstance(data, dict):
            raise ModelError("line", "not a JSON object")
        for reserved in ("id", "salt", "source", "locator"):
            if reserved in data:
                raise ModelError(
                    reserved, "is assigned by evidencekit; keep the producer's value in attributes"
                )
        time = data.get("time")
        if isinstance(time, str) and not _is_canonical_time(time):
            data["time"], offset = parse_iso(time)
            data.setdefault("time_original", time)
            data.setdefault("time_offset", offset)
        elif time is None and isinstance(data.get("flags", []), list):
            add_flag(data, "time_missing")  # undated, flagged as the other readers flag it
        data["source"] = ctx.source_id
        data["locator"] = locator.model_dump(exclude_none=True)
        data["raw_sha256"] = hashlib.sha256(text).hexdigest()
        return parse_model(Event, data)


def _is_canonical_time(text: str) -> bool:
    return _CANONICAL_TIME.fullmatch(text) is not None

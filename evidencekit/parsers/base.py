"""The parser contract and the parser registry.

A parser is one module holding one class registered with ``@parsers.register(name)``:
a cheap ``check`` on the first bytes of a file, and ``parse`` yielding events and
parse issues. Parsers never raise on bad input; they yield a :class:`ParseIssue` with
the exact location and carry on with what can be read.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, ClassVar, Literal, Protocol

from evidencekit.events.keys import EventKeyer
from evidencekit.model import Event, Locator, ParseIssue
from evidencekit.registry import Registry

EventContent = dict[str, Any]
"""An event in :meth:`Event.content` shape; ingest keys and stores it without model
validation (hot paths only; their tests validate samples with ``Event.model_validate``)."""


@dataclass(frozen=True, slots=True)
class KeyedLines:
    """``count`` events already keyed into canonical store lines (each ending in a newline),
    the same bytes the store writes for their content: what a parser yields when worker
    processes did the keying (:attr:`ParseContext.keyer`)."""

    data: bytes
    count: int


@dataclass
class ParseContext:
    """What a parser needs to know about the source it reads, and its counters."""

    source_id: str
    path: Path
    parser: str
    version: str
    time_zone: str | None = None
    options: dict[str, Any] = field(default_factory=dict)
    records_read: int = 0
    records_failed: int = 0
    keyer: EventKeyer | None = None
    """The store's keyer, for parsers that key events in worker processes and yield
    :class:`KeyedLines` (the others yield content and the store keys it)."""

    def issue(
        self,
        code: str,
        message: str,
        locator: Locator,
        raw: bytes | None = None,
        severity: Literal["info", "warning", "error"] = "warning",
        records_lost: int | None = None,
    ) -> ParseIssue:
        """Build a parse issue for this source (and count a failed record for errors)."""
        if severity == "error":
            self.records_failed += 1
        return ParseIssue(
            source=self.source_id,
            locator=locator,
            parser=self.parser,
            parser_version=self.version,
            code=code,
            message=message,
            severity=severity,
            raw_sha256=hashlib.sha256(raw).hexdigest() if raw is not None else None,
            records_lost=records_lost,
        )


class Parser(Protocol):
    """One artifact or log format."""

    name: ClassVar[str]
    version: ClassVar[str]
    source_kind: ClassVar[str]

    @classmethod
    def check(cls, head: bytes, path: Path) -> bool:
        """Whether the file looks like this format (first bytes and name only)."""
        ...

    def parse(self, ctx: ParseContext) -> Iterator[Event | ParseIssue | EventContent | KeyedLines]:
        """Yield events (or their content dicts) and parse issues for the whole source."""
        ...


parsers: Registry[type[Parser]] = Registry("parser")

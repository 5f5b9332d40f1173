"""The append-only store of ingested events and parse issues in a case folder.

Each ingest writes one batch: an events file and an issues file of canonical JSON
lines, published atomically, then recorded (with their SHA-256) in a hash-chained
index. Nothing is rewritten; a batch interrupted before it is indexed is discarded.
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Iterator
from pathlib import Path
from types import TracebackType
from typing import Any

import orjson
from pydantic import BaseModel, ConfigDict

from evidencekit.errors import CaseError, TimelineError
from evidencekit.events.keys import EventKeyer
from evidencekit.model import Event, ParseIssue, Source
from evidencekit.parsers.base import KeyedLines
from evidencekit.sources.hashing import sha256_file
from evidencekit.timeline.canonical import dumps, dumps_fast
from evidencekit.timeline.chain import build_line, chain_tail, read_chain

_CHUNK_LINES = 32  # joined chunk stays well under malloc's mmap threshold (128 KiB)


class BatchRecord(BaseModel):
    """One indexed ingest batch."""

    model_config = ConfigDict(frozen=True, extra="forbid")
    batch: int
    source: Source
    events_file: str
    events_sha256: str
    events: int
    issues_file: str
    issues_sha256: str
    issues: int


class EventStore:
    """``store/`` of a case folder."""

    def __init__(self, root: Path, keyer: EventKeyer) -> None:
        self.root = root
        self.keyer = keyer
        self.index = root / "index.jsonl"
        (root / "batches").mkdir(parents=True, exist_ok=True)

    def batches(self) -> list[BatchRecord]:
        """Every indexed batch, after checking the index chain."""
        if not self.index.exists():
            return []
        try:
            with open(self.index, "rb") as fp:
                return [BatchRecord.model_validate(p) for _, _, p in read_chain(fp, "batch")]
        except TimelineError as exc:
            raise CaseError(f"store index {self.index} is damaged: {exc}") from exc

    def sources(self) -> list[Source]:
        return [b.source for b in self.batches()]

    def find_source(self, source_id: str) -> Source | None:
        return next((s for s in self.sources() if s.id == source_id), None)

    def batch(self, source_id: str) -> BatchWriter:
        """Start writing a batch for ``source_id``; use as a context manager."""
        if self.find_source(source_id) is not None:
            raise CaseError(f"source {source_id} is already ingested in this case")
        return BatchWriter(self, source_id)

    def event_lines(self) -> Iterator[bytes]:
        """Canonical event lines of every batch, each batch checked against its index hash."""
        for record in self.batches():
            yield from self._checked_lines(record.events_file, record.events_sha256)

    def issue_dicts(self) -> Iterator[dict[str, Any]]:
        """Every recorded parse issue, batch by batch."""
        for record in self.batches():
            for line in self._checked_lines(record.issues_file, record.issues_sha256):
                yield orjson.loads(line)

    def _checked_lines(self, name: str, expected: str) -> Iterator[bytes]:
        path = self.root / "batches" / name
        if sha256_file(path) != expected:
            raise CaseError(f"store file {path} was changed after ingest (hash mismatch)")
        with open(path, "rb", buffering=1 << 20) as fp:
            for line in fp:
                yield line.rstrip(b"\n")

    def _append_index(self, record: BatchRecord) -> None:
        seq, head = chain_tail(self.index, "batch")
        line, _ = build_line("batch", dumps(record.model_dump(mode="json")), head, seq)
        with open(self.index, "ab") as fp:
            fp.write(line)
            fp.flush()
            os.fsync(fp.fileno())


class BatchWriter:
    """Writes one batch; published only by :meth:`finish`, discarded on error."""

    def __init__(self, store: EventStore, source_id: str) -> None:
        self.store = store
        self.source_id = source_id
        self.number = len(store.batches()) + 1
        stem = f"{self.number:05d}-{source_id}"
        self.events_name, self.issues_name = f"{stem}.events.jsonl", f"{stem}.issues.jsonl"
        folder = store.root / "batches"
        self._events_tmp = folder / (self.events_name + ".partial")
        self._issues_tmp = folder / (self.issues_name + ".partial")
        self._ev = open(self._events_tmp, "wb", buffering=1 << 20)  # noqa: SIM115
        self._is = open(self._issues_tmp, "wb")  # noqa: SIM115
        self._ev_hash, self._is_hash = hashlib.sha256(), hashlib.sha256()
        self._pending: list[bytes] = []  # event lines not yet written (one write per chunk)
        self._keyed_line = store.keyer.keyed_line
        self.events = 0
        self.issues = 0
        self.finished: BatchRecord | None = None

    def add_event(self, event: Event) -> str:
        """Key and store one event; return its id."""
        if event.source != self.source_id:
            raise CaseError(f"event for source {event.source} written to batch of {self.source_id}")
        return self.add_content(event.content())

    def add_content(self, content: dict[str, Any]) -> str:
        """Key and store a validated event content dict (hot path for fast parsers)."""
        line, ident = self._keyed_line(content)
        pending = self._pending
        pending.append(line)
        if len(pending) >= _CHUNK_LINES:
            self._write_pending()
        self.events += 1
        return ident

    def add_lines(self, keyed: KeyedLines) -> None:
        """Store events a parser's workers already keyed (the bytes :meth:`add_content`
        would write for their content, in the same order)."""
        self._write_pending()
        self._ev.write(keyed.data)
        self._ev_hash.update(keyed.data)
        self.events += keyed.count

    def _write_pending(self) -> None:
        """Write and hash the buffered event lines (same bytes as one write per line)."""
        if self._pending:
            self._pending.append(b"")
            data = b"\n".join(self._pending)
            self._ev.write(data)
            self._ev_hash.update(data)
            self._pending.clear()

    def add_issue(self, issue: ParseIssue) -> None:
        line = dumps_fast(issue.canonical_dict()) + b"\n"
        self._is.write(line)
        self._is_hash.update(line)
        self.issues += 1

    def finish(self, source: Source) -> BatchRecord:
        """Publish the batch with its final source record."""
        self._write_pending()
        for fp in (self._ev, self._is):
            fp.flush()
            os.fsync(fp.fileno())
            fp.close()
        folder = self.store.root / "batches"
        self._events_tmp.replace(folder / self.events_name)
        self._issues_tmp.replace(folder / self.issues_name)
        record = BatchRecord(
            batch=self.number,
            source=source,
            events_file=self.events_name,
            events_sha256=self._ev_hash.hexdigest(),
            events=self.events,
            issues_file=self.issues_name,
            issues_sha256=self._is_hash.hexdigest(),
            issues=self.issues,
        )
        self.store._append_index(record)
        self.finished = record
        return record

    def abort(self) -> None:
        for fp in (self._ev, self._is):
            fp.close()
        for tmp in (self._events_tmp, self._issues_tmp):
            tmp.unlink(missing_ok=True)

    def __enter__(self) -> BatchWriter:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        if self.finished is None:
            self.abort()

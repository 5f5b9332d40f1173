"""Ingest one file with a registered parser into a case: hash, parse, store, re-hash."""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from evidencekit.case.store import BatchWriter
from evidencekit.case.workspace import Case
from evidencekit.errors import CaseError, EvidenceChanged, UnreadableInput
from evidencekit.model import Event, ParseIssue, Source
from evidencekit.parsers.base import KeyedLines, ParseContext, parsers
from evidencekit.sources.guard import check_output
from evidencekit.sources.hashing import Hashes, hash_file, sha256_file
from evidencekit.sources.pathtext import path_text


@dataclass(frozen=True)
class IngestSummary:
    source: Source
    events: int
    issues: int
    unused_options: tuple[str, ...] = ()  # given, but the parser never read them (typos)

    @property
    def nothing_read(self) -> bool:
        """True when not one record could be read (the CLI then exits non-zero)."""
        return self.events == 0 and self.source.records_read == 0


class _ReadOptions(dict[str, Any]):
    """Parser options that remember which keys the parser looked up."""

    def __init__(self, options: dict[str, Any]) -> None:
        super().__init__(options)
        self.read: set[str] = set()

    def get(self, key: str, default: Any = None) -> Any:
        self.read.add(key)
        return super().get(key, default)

    def __getitem__(self, key: str) -> Any:
        self.read.add(key)
        return super().__getitem__(key)

    def __contains__(self, key: object) -> bool:
        self.read.add(str(key))
        return super().__contains__(key)

    def unused(self) -> tuple[str, ...]:
        """Keys never looked up, but for the hashes that record provenance (``*_sha256``)."""
        return tuple(sorted(k for k in self if k not in self.read and not k.endswith("_sha256")))


def _check_content_source(content: dict[str, Any], source_id: str) -> None:
    if content.get("source") != source_id:
        raise CaseError(f"event content for source {content.get('source')} in batch of {source_id}")


def _store_items(batch: BatchWriter, items: Iterable[object], source_id: str) -> None:
    add_content, add_event, add_issue = batch.add_content, batch.add_event, batch.add_issue
    for item in items:
        if type(item) is dict:  # hot parsers yield content dicts (EventContent)
            if item.get("source") != source_id:
                _check_content_source(item, source_id)
            add_content(item)
        elif isinstance(item, Event):
            add_event(item)
        elif isinstance(item, ParseIssue):
            add_issue(item)
        elif type(item) is KeyedLines:  # keyed by the parser's workers for this batch
            batch.add_lines(item)
        elif isinstance(item, dict):
            _check_content_source(item, source_id)
            add_content(item)


def source_id_for(sha256: str, parser: str) -> str:
    """Deterministic source id: the same bytes read by the same parser get the same id."""
    return hashlib.sha256(f"{sha256}:{parser}".encode()).hexdigest()[:16]


def split_options(
    parser_cls: Any, options: dict[str, Any]
) -> tuple[dict[str, Any], dict[str, Any]]:
    """(options recorded in the source, execution-only options for the custody entry).

    How the work was spread (process counts...) changes no output, so a parser's
    ``execution_options`` are kept out of the source record.
    """
    run_only: frozenset[str] = getattr(parser_cls, "execution_options", frozenset())
    recorded = {k: v for k, v in options.items() if k not in run_only}
    return recorded, {k: v for k, v in options.items() if k in run_only}


def ingest_file(
    case: Case,
    path: Path,
    parser_name: str,
    time_zone: str | None = None,
    options: dict[str, Any] | None = None,
    source_kind: str | None = None,
    force: bool = False,
    progress: Callable[[int], None] | None = None,
) -> IngestSummary:
    """Hash ``path`` before and after, parse it with ``parser_name``, store one batch."""
    check_output(case.root, [path], force=force)
    if not path.is_file():
        raise UnreadableInput(f"{path} is not a readable file")
    parsers.get(parser_name)  # an unknown parser is refused before the file is hashed
    before = hash_file(path, progress)
    return parse_and_store(
        case, path, before, parser_name, time_zone, options or {}, source_kind=source_kind
    )


def parse_and_store(
    case: Case,
    path: Path,
    before: Hashes,
    parser_name: str,
    time_zone: str | None,
    options: dict[str, Any],
    source_kind: str | None = None,
    read_from: Path | None = None,
    derived: dict[str, Any] | None = None,
) -> IngestSummary:
    """Parse into one store batch, check ``path`` is unchanged, record the source and
    custody. ``read_from`` is what the parser reads when it is not ``path`` itself (a
    decompressed working copy, described by ``derived``, which the source keeps)."""
    parser_cls = parsers.get(parser_name)
    source_id = source_id_for(before.sha256, parser_name)
    read = _ReadOptions(options)
    ctx = ParseContext(
        source_id=source_id,
        path=read_from or path,
        parser=parser_name,
        version=parser_cls.version,
        time_zone=time_zone,
        options=read,
        keyer=case.store.keyer,
    )
    recorded, execution = split_options(parser_cls, options)
    extra = {"decompressed": derived} if derived else {}
    with case.store.batch(source_id) as batch:
        _store_items(batch, parser_cls().parse(ctx), source_id)
        after = sha256_file(path)  # the before hash gave MD5 and SHA-1 too
        if after != before.sha256:
            raise EvidenceChanged(
                f"{path} changed while it was read: SHA-256 {before.sha256} before, {after} after"
            )
        source = Source(
            id=source_id,
            kind=source_kind or parser_cls.source_kind,
            format=parser_name,
            name=path_text(path.name),
            path=path_text(path),
            size=before.size,
            md5=before.md5,
            sha1=before.sha1,
            sha256=before.sha256,
            sha256_after=after,
            parser=parser_name,
            parser_version=parser_cls.version,
            # the zone the parser read in: the one given, else its own default (recorded
            # even when the parser flags its events time_zone_assumed)
            time_zone=time_zone or getattr(parser_cls, "default_time_zone", None),
            parameters={**recorded, **extra},
            records_read=ctx.records_read,
            records_failed=ctx.records_failed,
            events=batch.events,
        )
        record = batch.finish(source)
    how = f" ({derived['compression']})" if derived else ""
    unused = read.unused()
    case.custody.append(
        "ingest",
        f"ingested {path_text(path.name)}{how} with {parser_name}",
        evidence={path_text(path.name): before.sha256},
        details={
            "source_id": source_id,
            "events": record.events,
            "issues": record.issues,
            "records_read": ctx.records_read,
            "records_failed": ctx.records_failed,
            "sha256_after": after,
            **extra,
            **({"execution": execution} if execution else {}),
            **({"unused_options": list(unused)} if unused else {}),
        },
    )
    return IngestSummary(source, record.events, record.issues, unused)

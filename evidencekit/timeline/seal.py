"""Seal a timeline: order events, write chained canonical lines, compute the tree head.

The writer accepts events in any order and any number, sorts them with bounded
memory, and writes ``timeline.jsonl`` and ``head.json`` atomically. A sealed
timeline is verified by :func:`verify_timeline`, which names the first bad line.
"""

from __future__ import annotations

import hashlib
import os
from bisect import bisect_left
from collections import Counter
from collections.abc import Iterable, Iterator
from itertools import islice
from operator import itemgetter
from pathlib import Path
from typing import Any, Literal

import orjson
from pydantic import BaseModel, ConfigDict, Field

from evidencekit.errors import ProofError, TimelineError
from evidencekit.sources.hashing import sha256_file
from evidencekit.timeline import merkle
from evidencekit.timeline.canonical import dumps, dumps_fast, loads_strict
from evidencekit.timeline.chain import GENESIS, check_line
from evidencekit.timeline.order import (
    SOURCE_LEN,
    TIME_LEN,
    ExternalSorter,
    key_time_and_source,
    sort_item,
    sort_key,
    split_sorted,
)
from evidencekit.timeline.sealcore import Sealer

TIMELINE_FILE = "timeline.jsonl"
HEAD_FILE = "head.json"
_HEX64 = r"^[0-9a-f]{64}$"


class PreviousHead(BaseModel):
    """The earlier timeline version a new one was checked against."""

    model_config = ConfigDict(frozen=True, extra="forbid")
    version: int
    size: int
    merkle_root: str = Field(pattern=_HEX64)


class TimelineHead(BaseModel):
    """The tree head and summary of one sealed timeline version."""

    model_config = ConfigDict(frozen=True, extra="forbid")
    format: Literal["evidencekit-timeline/1"] = "evidencekit-timeline/1"
    version: int = Field(ge=1)
    size: int = Field(ge=0)
    merkle_root: str = Field(pattern=_HEX64)
    chain_head: str = Field(pattern=_HEX64)
    timeline_sha256: str = Field(pattern=_HEX64)
    first_time: str | None = None
    last_time: str | None = None
    undated: int = 0
    duplicates_dropped: int = 0
    sources: dict[str, int] = Field(default_factory=dict)
    segments: list[tuple[int, int]] = Field(default_factory=list)
    previous: PreviousHead | None = None
    consistency_proof: list[str] | None = None

    def canonical_bytes(self) -> bytes:
        return dumps(self.model_dump(mode="json", exclude_none=True))


class InclusionProof(BaseModel):
    """One event with the audit path that places it under a tree head."""

    model_config = ConfigDict(frozen=True, extra="forbid")
    format: Literal["evidencekit-inclusion-proof/1"] = "evidencekit-inclusion-proof/1"
    event: dict[str, Any]
    leaf_index: int = Field(ge=0)
    tree_size: int = Field(ge=1)
    merkle_root: str = Field(pattern=_HEX64)
    path: list[str]


_SUFFIX_FIXED = len(b',"prev":"') + 64 + len(b'","seq":') + len(b',"sha256":"') + 64 + len(b'"}')


def _event_bytes(line: bytes, seq: int) -> bytes:
    """The canonical event bytes inside a checked timeline line (without newline)."""
    return line[len(b'{"event":') : len(line) - _SUFFIX_FIXED - len(str(seq))]


class _Writer:
    """Writes ordered events as chained lines, block by block, and accumulates the head.

    The per-event chain and Merkle work is done by :class:`Sealer` (the C core when
    built); statistics for the head come from the sort keys, a block at a time.
    """

    def __init__(self, fp: Any, keep_leaves: bool) -> None:
        self._fp = fp
        self.sealer = Sealer()
        self.leaves: list[bytes] | None = [] if keep_leaves else None
        self.first: str | None = None
        self.last: str | None = None
        self.undated = 0
        self._sources: Counter[bytes] = Counter()

    @property
    def size(self) -> int:
        return self.sealer.size

    @property
    def sources(self) -> dict[str, int]:
        return {k.decode(): v for k, v in sorted(self._sources.items())}

    def add(self, event_bytes: bytes, time: str | None, source: str) -> None:
        """Append one event (the verified prefix of an earlier version)."""
        self._fp.write(self.sealer.add_block([event_bytes], self.leaves))
        self._note_time(time, time)
        if not time:
            self.undated += 1
        self._sources[source.encode()] += 1

    def add_sorted(self, keys: list[bytes], lines: list[bytes]) -> None:
        """Append a block of events in timeline order, with their sort keys."""
        if not lines:
            return
        self._fp.write(self.sealer.add_block(lines, self.leaves))
        dated = bisect_left(keys, b"\x01")  # dated keys start with 0x00, undated with 0x01
        if dated:
            first, last = keys[0], keys[dated - 1]
            self._note_time(key_time_and_source(first)[0], key_time_and_source(last)[0])
        self.undated += len(keys) - dated
        self._sources.update(map(_DATED_SOURCE, keys[:dated]))
        self._sources.update(map(_UNDATED_SOURCE, keys[dated:]))

    def _note_time(self, first: str | None, last: str | None) -> None:
        if first and last:
            self.first = min(self.first or first, first)
            self.last = max(self.last or last, last)


_DATED_SOURCE = itemgetter(slice(1 + TIME_LEN, 1 + TIME_LEN + SOURCE_LEN))
_UNDATED_SOURCE = itemgetter(slice(1, 1 + SOURCE_LEN))
_BLOCK = 64


def seal(
    events: Iterable[bytes],
    out_dir: Path,
    version: int,
    previous: tuple[TimelineHead, Path] | None = None,
    append: bool = False,
    buffer_bytes: int = 48 << 20,
) -> TimelineHead:
    """Seal canonical, keyed event lines (bytes, no newline) into ``out_dir``.

    With ``append`` the previous version's lines are kept verbatim as a prefix and
    only events not in it are added, so a consistency proof links the two heads.
    """
    out_dir.mkdir(parents=True, exist_ok=True)
    partial = out_dir / (TIMELINE_FILE + ".partial")
    prefix_ids: set[str] = set()
    segments: list[tuple[int, int]] = []
    with open(partial, "wb", buffering=1 << 20) as fp:
        writer = _Writer(fp, keep_leaves=previous is not None)
        if append and previous is not None:
            for event_bytes, event in _iter_verified(previous[1], previous[0]):
                prefix_ids.add(event["id"])
                writer.add(event_bytes, event.get("time"), event["source"])
            segments = list(previous[0].segments) or [(0, previous[0].size)]
        start = writer.size
        sorter = ExternalSorter(out_dir, buffer_bytes)
        try:
            _feed(sorter, events, prefix_ids)
            duplicates = _write_sorted(sorter, writer)
        finally:
            sorter.close()
        if writer.size > start or not segments:
            segments.append((start, writer.size))
        fp.flush()
        os.fsync(fp.fileno())
    head = _make_head(writer, version, duplicates, segments, partial, previous)
    partial.replace(out_dir / TIMELINE_FILE)
    _write_atomic(out_dir / HEAD_FILE, head.canonical_bytes() + b"\n")
    return head


def _feed(sorter: ExternalSorter, events: Iterable[bytes], prefix_ids: set[str]) -> None:
    if not prefix_ids:
        lines = iter(events)
        while batch := [sort_item(line) for line in islice(lines, sorter.batch)]:
            sorter.add_items(batch)
        return
    loads = orjson.loads
    for line in events:
        event = loads(line)
        if event["id"] not in prefix_ids:
            sorter.add(sort_key(event), line)


def _write_sorted(sorter: ExternalSorter, writer: _Writer) -> int:
    duplicates = 0
    previous = b""
    items = sorter.items()
    while block := list(islice(items, _BLOCK)):
        keys, lines, repeats, conflict = split_sorted(block, previous)
        if conflict >= 0:
            raise TimelineError(writer.size + len(lines), "two different events share one id")
        duplicates += repeats
        writer.add_sorted(keys, lines)
        previous = block[-1]  # a kept item, or an exact repeat of one
    return duplicates


def _make_head(
    writer: _Writer,
    version: int,
    duplicates: int,
    segments: list[tuple[int, int]],
    path: Path,
    previous: tuple[TimelineHead, Path] | None,
) -> TimelineHead:
    prev_head: PreviousHead | None = None
    proof: list[str] | None = None
    if previous is not None:
        old = previous[0]
        prev_head = PreviousHead(version=old.version, size=old.size, merkle_root=old.merkle_root)
        leaves = writer.leaves or []
        if 0 < old.size <= len(leaves) and merkle.root(leaves[: old.size]).hex() == old.merkle_root:
            proof = [h.hex() for h in merkle.consistency_proof(leaves, old.size)]
    return TimelineHead(
        version=version,
        size=writer.size,
        merkle_root=writer.sealer.root().hex(),
        chain_head=writer.sealer.head,
        timeline_sha256=sha256_file(path),
        first_time=writer.first,
        last_time=writer.last,
        undated=writer.undated,
        duplicates_dropped=duplicates,
        sources=writer.sources,
        segments=segments,
        previous=prev_head,
        consistency_proof=proof,
    )


def _iter_verified(path: Path, head: TimelineHead | None) -> Iterator[tuple[bytes, dict[str, Any]]]:
    """Yield (event bytes, event) of a timeline, checking every line and, at the end, the
    head; a damaged line's error names the file."""
    try:
        yield from _iter_checked(path, head)
    except TimelineError as exc:
        if exc.path is not None:
            raise
        raise TimelineError(exc.line, exc.reason, str(path)) from None


def _iter_checked(path: Path, head: TimelineHead | None) -> Iterator[tuple[bytes, dict[str, Any]]]:
    prev = GENESIS
    tree = merkle.TreeBuilder()
    segments = (head.segments if head and head.segments else None) or [(0, 1 << 62)]
    seg = 0
    last_key = b""
    number = 0
    digest = hashlib.sha256()
    with open(path, "rb", buffering=1 << 20) as fp:
        for number, raw in enumerate(fp, start=1):
            digest.update(raw)
            prev, event = check_line(raw, number, "event", prev)
            _check_event_shape(event, number)
            while seg + 1 < len(segments) and number - 1 >= segments[seg][1]:
                seg += 1
                last_key = b""
            key = sort_key(event)
            if key <= last_key:
                raise TimelineError(number, "event out of order or repeated")
            last_key = key
            event_bytes = _event_bytes(raw[:-1], number - 1)
            tree.append(event_bytes)
            yield event_bytes, event
    if head is None:
        return
    if number != head.size:
        where = "lines missing at the end" if number < head.size else "extra lines"
        raise TimelineError(number + 1, f"{number} lines, the head says {head.size} ({where})")
    if tree.root().hex() != head.merkle_root:
        raise TimelineError(number, "Merkle tree head does not match the head file")
    if prev != head.chain_head:
        raise TimelineError(number, "chain head does not match the head file")
    if digest.hexdigest() != head.timeline_sha256:
        raise TimelineError(number, "file hash does not match the head file")


def _check_event_shape(event: Any, number: int) -> None:
    if not isinstance(event, dict):
        raise TimelineError(number, "event is not an object")
    for name in ("id", "salt"):
        value = event.get(name)
        if not (isinstance(value, str) and len(value) == 32):
            raise TimelineError(number, f"event has no valid {name}")
    if not isinstance(event.get("source"), str):
        raise TimelineError(number, "event has no source")


def verify_timeline(path: Path, head: TimelineHead | None) -> int:
    """Check every line, the order, and (given a head) size, Merkle root, chain head and
    file hash. Return the number of events; raise :class:`TimelineError` naming the
    first bad line.
    """
    count = 0
    for _ in _iter_verified(path, head):
        count += 1
    if head is not None and head.previous is not None and head.consistency_proof is not None:
        try:
            merkle.verify_consistency(
                head.previous.size,
                head.size,
                [bytes.fromhex(h) for h in head.consistency_proof],
                bytes.fromhex(head.previous.merkle_root),
                bytes.fromhex(head.merkle_root),
            )
        except (ProofError, ValueError) as exc:
            raise TimelineError(
                0, f"consistency proof with version {head.previous.version} does not verify: {exc}"
            ) from exc
    return count


def leaf_hashes(path: Path, head: TimelineHead | None = None) -> list[bytes]:
    """Leaf hashes of a verified timeline, in order."""
    return [merkle.leaf_hash(b) for b, _ in _iter_verified(path, head)]


def prove_event(path: Path, head: TimelineHead, event_id: str) -> InclusionProof:
    """Inclusion proof of the event ``event_id`` under ``head``."""
    leaves: list[bytes] = []
    found: tuple[int, dict[str, Any]] | None = None
    for event_bytes, event in _iter_verified(path, head):
        if event["id"] == event_id:
            found = (len(leaves), event)
        leaves.append(merkle.leaf_hash(event_bytes))
    if found is None:
        raise ProofError(f"no event with id {event_id} in timeline version {head.version}")
    index, event = found
    path_hashes = merkle.inclusion_proof(leaves, index)
    return InclusionProof(
        event=event,
        leaf_index=index,
        tree_size=head.size,
        merkle_root=head.merkle_root,
        path=[h.hex() for h in path_hashes],
    )


def verify_inclusion_proof(proof: InclusionProof) -> None:
    """Raise :class:`ProofError` unless the proof's event is in the tree it names."""
    leaf = merkle.leaf_hash(dumps(proof.event))
    try:
        hashes = [bytes.fromhex(h) for h in proof.path]
        root = bytes.fromhex(proof.merkle_root)
    except ValueError as exc:
        raise ProofError(f"malformed hash in proof: {exc}") from exc
    merkle.verify_inclusion(leaf, proof.leaf_index, proof.tree_size, hashes, root)


def read_head(path: Path) -> TimelineHead:
    """Read and validate a ``head.json`` (duplicate keys refused)."""
    return TimelineHead.model_validate(loads_strict(path.read_bytes()))


def _write_atomic(path: Path, data: bytes) -> None:
    tmp = path.with_name(path.name + ".partial")
    with open(tmp, "wb") as fp:
        fp.write(data)
        fp.flush()
        os.fsync(fp.fileno())
    tmp.replace(path)


def canonical_event_line(event: dict[str, Any]) -> bytes:
    """Canonical bytes of a keyed event dict, as the sealer takes them."""
    return dumps_fast(event)

"""Chunk ranges of one EVTX file decoded in several processes, merged in chunk order.

Ranges go in order to a pool of ``workers`` processes (kept for the life of the process);
whenever the next result in order is not ready, the parsing process decodes a later
range itself instead of waiting (so it helps when its consumer is quick, and leaves the
work to the pool when the consumer is busy, as ingest's keying and writing are). Results
are yielded in chunk order, so the output is byte-identical to a one-process run.
Registers no parser.
"""

from __future__ import annotations

import marshal
import multiprocessing
from collections.abc import Iterator
from concurrent.futures import Future, ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from pathlib import Path

from evidencekit.events.keys import EventKeyer
from evidencekit.parsers.evtx_decode import ChunkResult, Job, iter_range, process_range


def results(
    path: Path, header: bytes, chunks: int, workers: int, per_task: int, job: Job
) -> Iterator[ChunkResult]:
    """Every chunk's result, in chunk order, decoded by ``workers`` pool processes and by
    this process whenever the next result in order is not ready yet."""
    ranges = _ranges(chunks, workers, per_task)
    if workers <= 1 or len(ranges) < 2:
        for start, stop in ranges:
            yield from iter_range(path, header, start, stop, job)
        return
    pool = _pool(workers)
    pending: dict[int, Future[list[ChunkResult]]] = {}
    done_here: dict[int, list[ChunkResult]] = {}
    nxt = 0  # first range given to nobody yet
    try:
        for i in range(len(ranges)):
            while len(pending) < 2 * workers and nxt < len(ranges):
                pending[nxt] = pool.submit(_packed_range, path, header, *ranges[nxt], job)
                nxt += 1
            if i in done_here:
                yield from done_here.pop(i)
                continue
            future = pending.pop(i)
            while not future.done() and nxt < len(ranges):  # idle: take a later range here
                done_here[nxt] = process_range(path, header, *ranges[nxt], job)
                nxt += 1
            yield from _unpacked(future.result())
    except BrokenProcessPool:
        _POOLS.pop(workers, None)  # a dead worker: the next parse starts a fresh pool
        raise


def _ranges(chunks: int, workers: int, per_task: int) -> list[tuple[int, int]]:
    """Chunk ranges of at most ``per_task`` chunks; with several workers, small enough
    that a small file still gives every process about four ranges."""
    per = max(1, per_task)
    if workers > 1:
        per = max(1, min(per, -(-chunks // (4 * workers))))
    return [(a, min(a + per, chunks)) for a in range(0, chunks, per)]


def _packed_range(path: Path, header: bytes, start: int, stop: int, job: Job) -> list[ChunkResult]:
    """:func:`process_range` in a worker, each chunk's content packed as soon as it is
    decoded (holding a whole range's dicts first cost ~15% more CPU): keyed into the
    store's lines when the job carries the keys (the parent then only writes bytes), else
    marshalled (about twice as fast as pickled dicts; it holds only dicts, lists, text and
    integers)."""
    results = []
    keyed_line = None if job.keys is None else _keyer(job.keys).keyed_line
    for result in iter_range(path, header, start, stop, job):
        if keyed_line is None:
            result.packed = marshal.dumps(result.contents)
        else:
            lines = [keyed_line(content)[0] for content in result.contents]
            lines.append(b"")
            result.packed, result.keyed = b"\n".join(lines), len(result.contents)
        result.contents = []
        results.append(result)
    return results


_KEYERS: dict[tuple[bytes, bytes], EventKeyer] = {}


def _keyer(keys: tuple[bytes, bytes]) -> EventKeyer:
    """One keyer per case in a worker (its pad states are set up once)."""
    keyer = _KEYERS.get(keys)
    if keyer is None:
        keyer = _KEYERS[keys] = EventKeyer.from_keys(keys)
    return keyer


def _unpacked(results: list[ChunkResult]) -> Iterator[ChunkResult]:
    for result in results:
        if result.packed is not None and result.keyed is None:
            result.contents = marshal.loads(result.packed)  # noqa: S302 - our own worker's output
            result.packed = None
        yield result


_POOLS: dict[int, ProcessPoolExecutor] = {}


def _pool(workers: int) -> ProcessPoolExecutor:
    """A process pool kept for the life of the process (worker start-up costs ~0.5 s)."""
    pool = _POOLS.get(workers)
    if pool is None:
        # spawn, not fork: the parent may hold threads (evtx's own, the CLI's progress)
        pool = ProcessPoolExecutor(workers, mp_context=multiprocessing.get_context("spawn"))
        _POOLS[workers] = pool
    return pool

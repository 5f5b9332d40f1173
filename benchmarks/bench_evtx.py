"""EVTX reading speed: normalized records/s against the bare ``evtx`` package, same run.

Input: the largest .evtx of ../shared/corpus read N times (``--repeat``; the same bytes
as N separate files would be; a bigger single file cannot be built from real chunks
without breaking record numbers). Measured, best of ``--rounds``:

* bare: ``evtx.PyEvtxParser(path).records_json()`` iterated (its default threads), and
  with ``number_of_threads=1``;
* ours, one process: ``EvtxParser.parse`` — chunk checks, record walk and SHA-256, JSON
  decoding, normalization, content dicts ready for the store;
* ours, two processes: option ``workers=2`` (chunk ranges decoded by a pool of two
  processes; the parent consumes the merged content in order, as ingest does, and decodes
  a later range itself whenever the next result is not ready);
* ours stored, one and two processes: the same, through to the store as ingest runs it
  (each record keyed into its canonical line and written to a batch; with workers, the
  workers key the lines and the parent writes them).

Prints records/s, CPU seconds (this process plus the worker pool's) and the ratios.
Targets (issue 5): >= 0.3x one core, >= 0.5x two cores.

``--written-chunks N`` reads instead one N-chunk log written by tests/writers/evtx_writer
(Security 4663 records without templates), where two processes split one file.

Usage: .venv/bin/python benchmarks/bench_evtx.py [--repeat 20] [--rounds 3] [--joined]
       .venv/bin/python benchmarks/bench_evtx.py --written-chunks 400 --chunks-per-task 64
"""

from __future__ import annotations

import argparse
import os
import shutil
import struct
import sys
import tempfile
import time
import zlib
from collections.abc import Callable
from pathlib import Path

import evtx

from evidencekit.case.ingest import _store_items
from evidencekit.case.store import EventStore
from evidencekit.events.keys import EventKeyer
from evidencekit.parsers import evtx_workers
from evidencekit.parsers.base import ParseContext
from evidencekit.parsers.evtx import EvtxParser

CORPUS = Path(__file__).resolve().parents[1].parent / "shared" / "corpus" / "evtx"


def bare(path: Path, threads: int) -> int:
    return sum(1 for _ in evtx.PyEvtxParser(str(path), threads).records_json())


def ours(path: Path, **options: int) -> int:
    ctx = ParseContext(source_id="0" * 16, path=path, parser="evtx", version="1", options=options)
    return sum(1 for item in EvtxParser().parse(ctx) if isinstance(item, dict))


def stored(path: Path, store: EventStore, **options: int) -> int:
    """Through the store as ingest runs it: every record keyed into its canonical line and
    written to a batch (then discarded); with workers, they key the lines."""
    ctx = ParseContext(source_id="0" * 16, path=path, parser="evtx", version="1",
                       options=options, keyer=store.keyer)  # fmt: skip
    with store.batch(ctx.source_id) as batch:
        _store_items(batch, EvtxParser().parse(ctx), ctx.source_id)
        return batch.events


def pool_cpu() -> float:
    """CPU seconds used so far by the evtx worker pools (live children: not in getrusage)."""
    total = 0.0
    for pool in evtx_workers._POOLS.values():
        for pid in list(pool._processes or {}):
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
            total += (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    return total


def best(fn: Callable[[], int], rounds: int) -> tuple[int, float, float]:
    """(records, best wall seconds, best CPU seconds of this process and its workers)."""
    walls, cpus, count = [], [], 0
    for _ in range(rounds):
        start, cpu, kids = time.perf_counter(), time.process_time(), pool_cpu()
        count = fn()
        walls.append(time.perf_counter() - start)
        cpus.append(time.process_time() - cpu + pool_cpu() - kids)
    return count, min(walls), min(cpus)


def _implementation() -> str:
    """Which per-record code runs: the C helper (_evtxcore) or the Python reference."""
    try:
        from evidencekit.parsers import evtx_fast
    except ImportError:  # a tree from before the helper
        return "python"
    return evtx_fast.IMPLEMENTATION


def joined_log(folder: Path, source: Path, times: int) -> Path:
    """One file holding ``source``'s chunks ``times`` over, behind its header with the chunk
    count and CRC set to match (record numbers restart at each repeat, so continuity
    issues are reported; bare ``evtx`` reads every chunk). Shows the workers on one file."""
    data = source.read_bytes()
    header = bytearray(data[:4096])
    chunks = (len(data) - 4096) // 65536
    struct.pack_into("<H", header, 42, chunks * times)
    struct.pack_into("<I", header, 124, zlib.crc32(bytes(header[:120])))
    path = folder / f"joined-{source.name}"
    path.write_bytes(bytes(header) + data[4096 : 4096 + chunks * 65536] * times)
    return path


def written_log(folder: Path, chunks: int) -> Path:
    """One large .evtx (``chunks`` x 40 Security 4663 records) from tests/writers/evtx_writer."""
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
    from tests.writers import evtx_writer as w

    parts, n = [], 1
    for _ in range(chunks):
        batch = [
            (133_564_000_000_000_000 + i, w.event("Microsoft-Windows-Security-Auditing", 4663, i,
             f"2024-04-01T00:00:{i % 60:02d}.1234567Z", {"SubjectUserName": "yamada",
             "ObjectType": "File", "ObjectName": rf"D:\data\{i:07d}.dwg", "AccessMask": "0x1"}))
            for i in range(n, n + 40)
        ]  # fmt: skip
        parts.append(w.chunk(n, batch))
        n += 40
    path = folder / "written.evtx"
    path.write_bytes(w.evtx_file(parts, n))
    return path


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=20)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--chunks-per-task", type=int, default=8)
    parser.add_argument(
        "--written-chunks",
        type=int,
        default=0,
        help="read one large log written by the test writer",
    )
    parser.add_argument(
        "--joined",
        action="store_true",
        help="read one file of the corpus log's chunks repeated --repeat times",
    )
    args = parser.parse_args()
    tmp = Path(tempfile.mkdtemp(prefix="bench-evtx-"))
    if args.written_chunks:
        path = written_log(tmp, args.written_chunks)
        args.repeat = 1
    elif CORPUS.is_dir():
        path = max(CORPUS.glob("*.evtx"), key=lambda p: p.stat().st_size)
        if args.joined:
            path, args.repeat = joined_log(tmp, path, args.repeat), 1
    else:
        raise SystemExit(f"{CORPUS} is absent: nothing to measure (try --written-chunks 400)")
    paths = [path] * args.repeat
    store = EventStore(tmp / "store", EventKeyer(os.urandom(32)))
    ours(path, workers=2, chunks_per_task=args.chunks_per_task)  # start the worker pool
    runs = {
        "bare evtx (default threads)": lambda: sum(bare(p, 0) for p in paths),
        "bare evtx (1 thread)": lambda: sum(bare(p, 1) for p in paths),
        "evidencekit, 1 process": lambda: sum(ours(p) for p in paths),
        "evidencekit, 2 processes": lambda: sum(
            ours(p, workers=2, chunks_per_task=args.chunks_per_task) for p in paths
        ),
        "evidencekit stored, 1 process": lambda: sum(stored(p, store) for p in paths),
        "evidencekit stored, 2 processes": lambda: sum(
            stored(p, store, workers=2, chunks_per_task=args.chunks_per_task) for p in paths
        ),
    }
    rates, cpu_rates = {}, {}
    size = path.stat().st_size * args.repeat >> 20
    print(f"input: {path.name} x {args.repeat} ({size} MiB), {os.cpu_count()} CPUs, "
          f"best of {args.rounds}, per-record helper: {_implementation()}")  # fmt: skip
    for name, fn in runs.items():
        count, seconds, cpu = best(fn, args.rounds)
        rates[name], cpu_rates[name] = count / seconds, count / cpu
        print(f"{name:30s} {count:8d} records {seconds:7.3f} s {rates[name]:10.0f} rec/s "
              f"(CPU {cpu:6.3f} s)")  # fmt: skip
    base = rates["bare evtx (default threads)"]
    for name in [n for n in runs if n.startswith("evidencekit")]:
        print(f"ratio {name} / bare evtx (default threads): {rates[name] / base:.2f}x")
    one = rates["evidencekit, 1 process"] / rates["bare evtx (1 thread)"]
    print(f"ratio evidencekit, 1 process / bare evtx (1 thread): {one:.2f}x")
    cpu_one = cpu_rates["evidencekit, 1 process"] / cpu_rates["bare evtx (1 thread)"]
    print(f"ratio by CPU time (less sensitive to other load), 1 process / 1 thread: {cpu_one:.2f}x")
    two = cpu_rates["evidencekit, 2 processes"] / cpu_rates["bare evtx (1 thread)"]
    print(f"CPU time of all processes, 2 processes / bare 1 thread: {two:.2f}x "
          "(parallel cost; wall ratio above is the speed)")  # fmt: skip
    print(f"load average after the run: {os.getloadavg()[0]:.2f} (other work on this machine)")
    shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()

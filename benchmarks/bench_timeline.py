"""Benchmark: chain + Merkle and the full seal on 1,000,000 synthetic events, against the floor.

Measured in the same run, each stage in its own process (so its peak RSS is its own):

* (a) chain + Merkle including canonicalization: keyed event dicts already in timeline
  order -> canonical bytes (orjson, RFC 8785 subset) -> chained lines + leaf hashes +
  tree head, written to a file. The issue's target metric. Generating and keying the
  dicts is not timed (the store does that at ingest); the active sealer core is used,
  and the pure-Python reference is measured too.
* (b) full seal: ``seal()`` over the keyed canonical lines read from a file (as a case
  seals from its store), in the input order given by ``--order``: parse, sort key,
  external merge sort, chain, Merkle, head. Peak RSS reported.
* floor: a bare loop that only SHA-256-hashes the same canonical timeline lines.

Every order holds the same events, so the sealed Merkle root must equal (a)'s root.

    python benchmarks/bench_timeline.py [--events N] [--order random|sorted|reversed]
Targets (issue 2): (a) >= 300,000 events/s on one core including canonicalization;
(b) peak RSS < 300 MB for 1M events whatever their input order.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import random
import resource
import sys
import tempfile
import time
from collections.abc import Iterator
from itertools import islice
from multiprocessing import get_context
from pathlib import Path
from typing import Any

from evidencekit.events.keys import EventKeyer
from evidencekit.timeline import sealcore
from evidencekit.timeline.canonical import dumps_fast
from evidencekit.timeline.seal import TIMELINE_FILE, seal

SECRET = bytes(range(32))
ACTIONS = ["read", "copy", "delete", "open", "upload", "logon"]
CHUNK = 256  # events generated and keyed (untimed) at a time
# Events canonicalized and sealed at a time. orjson's outputs hold ~4 KiB each: with a few
# hundred alive at once, freeing them trims the heap and the next block page-faults it
# back (about 1 fault and 1-3 us per event here); 32 stay in the cache.
BLOCK = 32
INPUT_FILE = "input.jsonl"


def _indices(n: int, order: str) -> Iterator[int]:
    if order == "sorted":
        return iter(range(n))
    if order == "reversed":
        return iter(range(n - 1, -1, -1))
    shuffled = list(range(n))
    random.Random(42).shuffle(shuffled)
    return iter(shuffled)


def synthetic(n: int, order: str) -> Iterator[dict[str, Any]]:
    """Realistic-sized event contents (about 400 bytes canonical); every order holds the
    same n events, and ``sorted`` is already the timeline order."""
    for j in _indices(n, order):
        seconds = 1_700_000_000 + j * 7
        yield {
            "time": time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(seconds)) + ".000000000Z",
            "time_precision": "1s",
            "time_original": time.strftime("%Y/%m/%d %H:%M:%S", time.gmtime(seconds + 32400)),
            "time_offset": "+09:00",
            "time_zone": "Asia/Tokyo",
            "time_role": "logged",
            "action": ACTIONS[j % len(ACTIONS)],
            "kind": "fileserver.audit",
            "actor": {"user": f"user{j % 50:03d}", "domain": "CORP", "host": f"PC-{j % 80:03d}"},
            "object": {
                "path": f"\\\\fs01\\設計部\\案件{j % 300:03d}\\図面{j:07d}.dwg",
                "size": 10_000 + j % 5000,
            },
            "source": "00000000000000a1",
            "locator": {"line": j + 2, "offset": str(j * 420)},
            "raw_sha256": hashlib.sha256(str(j).encode()).hexdigest(),
            "attributes": {"access_mask": "0x1", "event_id": 4663},
        }


def _peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def run_chain_merkle(n: int, implementation: str, out: str) -> dict[str, Any]:
    """(a): keyed dicts in order -> canonical bytes -> chained lines, leaves, tree head."""
    keyer = EventKeyer(SECRET)
    events = synthetic(n, "sorted")
    sealer = sealcore.PySealer() if implementation == "python" else sealcore.Sealer()
    timed = cpu = 0.0
    dumps = dumps_fast
    with open(Path(out) / f"chain-{implementation}.jsonl", "wb", buffering=1 << 20) as fp:
        while chunk := [keyer.key_content(e) for e in islice(events, CHUNK)]:
            start, start_cpu = time.perf_counter(), time.process_time()
            for i in range(0, len(chunk), BLOCK):
                fp.write(sealer.add_block([dumps(e) for e in chunk[i : i + BLOCK]]))
            timed += time.perf_counter() - start
            cpu += time.process_time() - start_cpu
        start, start_cpu = time.perf_counter(), time.process_time()
        root = sealer.root().hex()
        fp.flush()
        timed += time.perf_counter() - start
        cpu += time.process_time() - start_cpu
    return {
        "seconds": timed,
        "cpu": cpu,
        "events": sealer.size,
        "peak_mb": _peak_mb(),
        "root": root,
    }


def run_generate(n: int, order: str, out: str) -> dict[str, Any]:
    """Write the keyed canonical lines in input order (the stand-in for a case store)."""
    keyer = EventKeyer(SECRET)
    start = time.perf_counter()
    with open(Path(out) / INPUT_FILE, "wb", buffering=1 << 20) as fp:
        for e in synthetic(n, order):
            fp.write(dumps_fast(keyer.key_content(e)) + b"\n")
    return {"seconds": time.perf_counter() - start, "peak_mb": _peak_mb()}


def run_seal(n: int, order: str, out: str) -> dict[str, Any]:
    """(b): the full seal from the input file, external sort included."""
    start, start_cpu = time.perf_counter(), time.process_time()
    with open(Path(out) / INPUT_FILE, "rb", buffering=1 << 20) as fp:
        head = seal((line.rstrip(b"\n") for line in fp), Path(out) / "sealed", 1)
    return {
        "seconds": time.perf_counter() - start,
        "cpu": time.process_time() - start_cpu,
        "events": head.size,
        "peak_mb": _peak_mb(),
        "root": head.merkle_root,
    }


def run_floor(n: int, order: str, out: str) -> dict[str, Any]:
    """Floor: SHA-256 of each line of the sealed timeline, nothing else."""
    start, start_cpu = time.perf_counter(), time.process_time()
    count = 0
    sha = hashlib.sha256
    with open(Path(out) / "sealed" / TIMELINE_FILE, "rb", buffering=1 << 20) as fp:
        for line in fp:
            sha(line).digest()
            count += 1
    return {
        "seconds": time.perf_counter() - start,
        "cpu": time.process_time() - start_cpu,
        "events": count,
        "peak_mb": _peak_mb(),
    }


def in_child(func: Any, *args: Any) -> Any:
    with get_context("spawn").Pool(1) as pool:
        return pool.apply(func, args)


def _rate(result: dict[str, Any], clock: str = "seconds") -> float:
    return float(result["events"]) / float(result[clock])


def _rates(name: str, result: dict[str, Any], floor: dict[str, Any]) -> dict[str, Any]:
    """Wall-clock and CPU-time rates (the cores are shared: CPU time is the one-core
    figure, wall time what a user waits) and both ratios against the floor."""
    return {
        f"{name}_events_per_s": round(_rate(result)),
        f"{name}_events_per_cpu_s": round(_rate(result, "cpu")),
        f"ratio_{name}_vs_floor": round(_rate(result) / _rate(floor), 3),
        f"ratio_{name}_vs_floor_cpu": round(_rate(result, "cpu") / _rate(floor, "cpu"), 3),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, default=1_000_000)
    parser.add_argument("--order", choices=["random", "sorted", "reversed"], default="random")
    parser.add_argument(
        "--skip-python", action="store_true", help="do not measure (a) with the Python sealer"
    )
    args = parser.parse_args()
    n = args.events
    with tempfile.TemporaryDirectory(prefix="ek-bench-") as tmp:
        chain = in_child(run_chain_merkle, n, sealcore.IMPLEMENTATION, tmp)
        chain_py = None if args.skip_python else in_child(run_chain_merkle, n, "python", tmp)
        gen = in_child(run_generate, n, args.order, tmp)
        sealed = in_child(run_seal, n, args.order, tmp)
        floor = in_child(run_floor, n, args.order, tmp)
    report = {
        "events": n,
        "order": args.order,
        "implementation": sealcore.IMPLEMENTATION,
        "sha256_backend": sealcore.sha256_backend(),
        "load_average_1m": round(os.getloadavg()[0], 2),
        **_rates("a_chain_merkle", chain, floor),
        **(_rates("a_chain_merkle_python", chain_py, floor) if chain_py else {}),
        **_rates("b_seal", sealed, floor),
        "floor_sha256_lines_per_s": round(_rate(floor)),
        "floor_sha256_lines_per_cpu_s": round(_rate(floor, "cpu")),
        "a_chain_merkle_peak_rss_mb": round(chain["peak_mb"], 1),
        "b_seal_peak_rss_mb": round(sealed["peak_mb"], 1),
        "input_generation_and_keying_s": round(gen["seconds"], 2),
        "merkle_root": sealed["root"],
        "roots_agree": sealed["root"] == chain["root"] == (chain_py or chain)["root"],
        "targets": {"a_events_per_s": 300_000, "b_peak_rss_mb": 300},
    }
    json.dump(report, sys.stdout, indent=2)
    sys.stdout.write("\n")
    if not report["roots_agree"]:
        sys.exit("Merkle roots differ between (a), its Python reference and (b)")


if __name__ == "__main__":
    main()

"""Benchmark: seal 1,000,000 synthetic events (keyed ids, RFC 8785, sort, chain, Merkle).

Compared in the same run with the floor: a bare loop that only SHA-256-hashes the same
canonical lines. Each stage runs in its own process so its peak RSS is its own.

    python benchmarks/bench_timeline.py [--events N] [--order random|sorted|reversed]
Targets (issue 2): >= 300,000 events/s on one core including canonicalization;
peak RSS < 300 MB for 1M events whatever their input order.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import random
import resource
import sys
import tempfile
import time
from collections.abc import Iterator
from multiprocessing import get_context
from pathlib import Path
from typing import Any

from evidencekit.events.keys import EventKeyer
from evidencekit.timeline.canonical import dumps_fast
from evidencekit.timeline.seal import TIMELINE_FILE, seal

SECRET = bytes(range(32))
ACTIONS = ["read", "copy", "delete", "open", "upload", "logon"]


def synthetic(n: int, order: str) -> Iterator[dict[str, Any]]:
    """Realistic-sized event contents (about 400 bytes canonical) in the given order."""
    rng = random.Random(42)
    indices: range | list[int] = range(n)
    if order == "reversed":
        indices = range(n - 1, -1, -1)
    for i in indices:
        j = rng.randrange(n) if order == "random" else i
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
            "locator": {"line": i + 2, "offset": str(i * 420)},
            "raw_sha256": hashlib.sha256(str(j).encode()).hexdigest(),
            "attributes": {"access_mask": "0x1", "event_id": 4663},
        }


def _peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def run_generate(n: int, order: str, _: str) -> dict[str, float]:
    keyer = EventKeyer(SECRET)
    start = time.perf_counter()
    count = sum(1 for e in synthetic(n, order) if keyer.key_content(e))
    return {"seconds": time.perf_counter() - start, "events": count, "peak_mb": _peak_mb()}


def run_seal(n: int, order: str, out: str) -> dict[str, float]:
    keyer = EventKeyer(SECRET)
    start = time.perf_counter()
    lines = (dumps_fast(keyer.key_content(e)) for e in synthetic(n, order))
    head = seal(lines, Path(out), 1)
    return {
        "seconds": time.perf_counter() - start,
        "events": head.size,
        "peak_mb": _peak_mb(),
        "root": head.merkle_root,
    }  # type: ignore[dict-item]


def run_floor(n: int, order: str, out: str) -> dict[str, float]:
    start = time.perf_counter()
    count = 0
    sha = hashlib.sha256
    with open(Path(out) / TIMELINE_FILE, "rb", buffering=1 << 20) as fp:
        for line in fp:
            sha(line).digest()
            count += 1
    return {"seconds": time.perf_counter() - start, "events": count, "peak_mb": _peak_mb()}


def in_child(func: Any, *args: Any) -> Any:
    with get_context("spawn").Pool(1) as pool:
        return pool.apply(func, args)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, default=1_000_000)
    parser.add_argument("--order", choices=["random", "sorted", "reversed"], default="random")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="ek-bench-") as tmp:
        gen = in_child(run_generate, args.events, args.order, tmp)
        sealed = in_child(run_seal, args.events, args.order, tmp)
        floor = in_child(run_floor, args.events, args.order, tmp)
    seal_rate = args.events / sealed["seconds"]
    net = sealed["seconds"] - gen["seconds"]
    floor_rate = floor["events"] / floor["seconds"]
    report = {
        "events": args.events,
        "order": args.order,
        "seal_events_per_s": round(seal_rate),
        "seal_events_per_s_excluding_generation_and_keying": round(args.events / net),
        "seal_peak_rss_mb": round(sealed["peak_mb"], 1),
        "generation_and_keying_alone_s": round(gen["seconds"], 2),
        "floor_sha256_lines_per_s": round(floor_rate),
        "ratio_seal_vs_floor": round(seal_rate / floor_rate, 3),
        "merkle_root": sealed["root"],
        "targets": {"events_per_s": 300_000, "peak_rss_mb": 300},
    }
    json.dump(report, sys.stdout, indent=2)
    sys.stdout.write("\n")


if __name__ == "__main__":
    main()

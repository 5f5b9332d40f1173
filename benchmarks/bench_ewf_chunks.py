"""Benchmark: the EWF chunk check against ``ewfverify`` (libewf), in the same run.

Builds a raw image (MiB blocks, half random, half 16-letter text) and two E01 copies with
``ewfacquire`` (uncompressed, and ``-c fast`` zlib), then measures, warm cache:

1. our chunk check alone (:func:`evidencekit.sources.ewf_chunks.check_segments`) vs
   ``ewfverify -q`` (which also inflates and checks every chunk, plus MD5);
2. what the check adds to an E01 ingest's media hash: ``open_image`` starts it in a
   thread beside the hash, so the figure is media hash + check vs media hash alone
   (the check switched off), and vs ``img_cat`` (C libewf) to /dev/null.

Wall seconds are the best of ``--repeat``; CPU seconds (process + children) are
printed beside them, since the machine may be shared. Ratios are ours / theirs in
throughput (> 1 means we are faster).

    python benchmarks/bench_ewf_chunks.py [--size-mib 256] [--repeat 3]
"""

from __future__ import annotations

import argparse
import random
import resource
import subprocess
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from evidencekit.sources.ewf_chunks import check_segments
from evidencekit.sources.image import open_image


def build(folder: Path, size_mib: int) -> dict[str, Path]:
    rng = random.Random(11)
    letters = bytes(b"etaoinshrdlucmfw"[i % 16] for i in range(256))
    raw = folder / "media.raw"
    with open(raw, "wb") as fp:
        for i in range(size_mib):
            block = rng.randbytes(1 << 20)
            # Random MiB blocks stay whole under zlib; 16-letter text halves and makes
            # inflating real work (zeros would inflate almost for free).
            fp.write(block if i % 2 == 0 else block.translate(letters))
    out = {}
    for compression in ("none", "fast"):
        target = folder / f"e01-{compression}"
        subprocess.run(["ewfacquire", "-u", "-q", "-t", str(target), "-f", "encase6",
                        "-c", compression, str(raw)], check=True, capture_output=True)  # fmt: skip
        out[compression] = folder / f"e01-{compression}.E01"
    return out


def cpu() -> float:
    me = resource.getrusage(resource.RUSAGE_SELF)
    kids = resource.getrusage(resource.RUSAGE_CHILDREN)
    return me.ru_utime + me.ru_stime + kids.ru_utime + kids.ru_stime


def best(fn: Callable[[], object], repeat: int) -> tuple[float, float]:
    """Best wall seconds and the CPU seconds of that run."""
    runs = []
    for _ in range(repeat):
        c, w = cpu(), time.perf_counter()
        fn()
        runs.append((time.perf_counter() - w, cpu() - c))
    return min(runs)


def segments(e01: Path) -> list[Path]:
    return sorted(e01.parent.glob(e01.stem + ".E*"))


def media_hash(e01: Path, check: bool) -> Callable[[], object]:
    def run() -> object:
        image = open_image(e01)
        try:
            if check:
                image.chunk_check()
            return image.hash_media()
        finally:
            image.close()

    return run


def line(label: str, ours: tuple[float, float], theirs: tuple[float, float], mib: float) -> None:
    print(f"{label:58s} ours {mib / ours[0]:8.1f} MiB/s ({ours[1]:.2f} CPU-s)  "
          f"theirs {mib / theirs[0]:8.1f} MiB/s ({theirs[1]:.2f} CPU-s)  "
          f"ratio {theirs[0] / ours[0]:.2f}x")  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--size-mib", type=int, default=256)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    r, mib = args.repeat, float(args.size_mib)
    with tempfile.TemporaryDirectory(prefix="ek-bench-ewf-") as tmp:
        images = build(Path(tmp), args.size_mib)
        print(f"{args.size_mib} MiB media (half random, half text); best of {r}, warm cache")
        for kind, e01 in images.items():
            measure(kind, e01, r, mib)


def measure(kind: str, e01: Path, r: int, mib: float) -> None:
    segs = segments(e01)
    verify = best(lambda: subprocess.run(["ewfverify", "-q", str(e01)], check=True,
                                         capture_output=True), r)  # fmt: skip
    line(f"1 [{kind}] chunk check vs ewfverify", best(lambda: check_segments(segs), r),
         verify, mib)  # fmt: skip
    img_cat = best(lambda: subprocess.run(["img_cat", str(e01)], check=True,
                                          stdout=subprocess.DEVNULL), r)  # fmt: skip
    plain = best(media_hash(e01, False), r)
    checked = best(media_hash(e01, True), r)
    line(f"2 [{kind}] media hash + check vs media hash alone", checked, plain, mib)
    line(f"2b [{kind}] media hash + check vs img_cat", checked, img_cat, mib)


if __name__ == "__main__":
    main()

"""Benchmark: disk image reading against The Sleuth Kit and coreutils, in the same run.

Builds an ext4 image (``mkfs.ext4 -d``) with many small files and an E01 copy of it
(``ewfacquire``), then measures, warm cache, each tool on the same bytes:

1. metadata walk (every entry, its times, a body-file line) vs ``fls -r -m /``;
2. the same walk on the E01 (through libewf) vs ``fls -r -m / -i ewf``;
3. MD5 + SHA-1 + SHA-256 of the raw image in one pass vs ``md5sum`` alone;
4. E01 media read + three hashes vs ``img_cat`` (C libewf) to /dev/null;
5. walk with content hashing (MD5 + SHA-1 + SHA-256, libmagic, markings, full ingest
   into a case) vs ``fiwalk`` (MD5 + SHA-1), and vs a minimal pytsk3 walk that hashes.

Ratios are ours / theirs in throughput (> 1 means we are faster).

    python benchmarks/bench_disk.py [--files 20000] [--size-mib 256] [--repeat 3]
Targets (issue 3): 1 >= 0.7x, 2 >= 0.5x, 3 >= 0.95x, 4 >= 0.7x, 5 >= 2x (vs fiwalk).
"""

from __future__ import annotations

import argparse
import hashlib
import random
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import pytsk3

from evidencekit.case.image_events import body_lines, entry_times
from evidencekit.case.ingest_image import ingest_image
from evidencekit.case.workspace import Case
from evidencekit.sources.hashing import hash_file
from evidencekit.sources.image import open_image
from evidencekit.sources.volumes import open_file_systems, read_layout
from evidencekit.sources.walk import Entry, walk


def build(folder: Path, files: int, size_mib: int) -> tuple[Path, Path]:
    src = folder / "src"
    rng = random.Random(7)
    budget = (size_mib << 20) // 2 // max(files, 1)
    for i in range(files):
        sub = src / f"d{i // 500:03d}"
        sub.mkdir(parents=True, exist_ok=True)
        size = rng.randint(0, 2 * budget)
        (sub / f"f{i:06d}.txt").write_bytes(rng.randbytes(size))
    image = folder / "disk.img"
    subprocess.run(["truncate", "-s", f"{size_mib}M", str(image)], check=True)
    subprocess.run(["mkfs.ext4", "-q", "-F", "-N", str(files + 1000), "-d", str(src), str(image)],
                   check=True)  # fmt: skip
    shutil.rmtree(src)
    e01 = folder / "disk"
    subprocess.run(["ewfacquire", "-u", "-q", "-t", str(e01), "-f", "encase6", "-c", "none",
                    str(image)], check=True, capture_output=True)  # fmt: skip
    return image, folder / "disk.E01"


def best(fn: Callable[[], int], repeat: int) -> tuple[float, int]:
    """Best wall time of ``repeat`` runs, and the count the run reports."""
    times, count = [], 0
    for _ in range(repeat):
        start = time.perf_counter()
        count = fn()
        times.append(time.perf_counter() - start)
    return min(times), count


def tool(args: list[str]) -> Callable[[], int]:
    def run() -> int:
        out = subprocess.run(args, check=True, capture_output=True)
        return out.stdout.count(b"\n")

    return run


def our_walk(path: Path) -> Callable[[], int]:
    def run() -> int:
        image = open_image(path)
        count = 0
        try:
            layout = read_layout(image.img, image.media_size)
            for fs in open_file_systems(image.img, layout):
                if isinstance(fs, Exception) or not hasattr(fs, "fs"):
                    continue
                for item in walk(fs):
                    if isinstance(item, Entry):
                        times = entry_times(item, "UTC")
                        count += len(body_lines(item, None, "/", times))
        finally:
            image.close()
        return count

    return run


def our_hash(path: Path) -> Callable[[], int]:
    return lambda: hash_file(path).size


def ewf_hash(path: Path) -> Callable[[], int]:
    def run() -> int:
        image = open_image(path)
        try:
            return image.hash_media().size
        finally:
            image.close()

    return run


def ewf_read(path: Path) -> Callable[[], int]:
    def run() -> int:
        image = open_image(path)
        try:
            return sum(len(block) for block in image.media_blocks())
        finally:
            image.close()

    return run


def our_ingest(path: Path, folder: Path) -> Callable[[], int]:
    counter = iter(range(10**6))

    def run() -> int:
        case = Case.init(folder / f"case{next(counter)}", "bench")
        return ingest_image(case, path, time_zone="UTC").counts.files

    return run


def minimal_hash_walk(path: Path) -> Callable[[], int]:
    """The floor for Python: pytsk3 recursion reading each file once into three hashes."""

    def run() -> int:
        fs = pytsk3.FS_Info(pytsk3.Img_Info(str(path)))
        count = 0
        stack = [fs.open_dir("/")]
        while stack:
            for f in stack.pop():
                name = f.info.name.name
                meta = f.info.meta
                if name in (b".", b"..") or meta is None:
                    continue
                if meta.type == pytsk3.TSK_FS_META_TYPE_DIR:
                    stack.append(f.as_directory())
                elif meta.type == pytsk3.TSK_FS_META_TYPE_REG:
                    hs = [hashlib.md5(usedforsecurity=False), hashlib.sha1(usedforsecurity=False),
                          hashlib.sha256()]  # fmt: skip
                    offset, size = 0, int(meta.size)
                    while offset < size:
                        data = f.read_random(offset, min(1 << 20, size - offset))
                        if not data:
                            break
                        for h in hs:
                            h.update(data)
                        offset += len(data)
                    count += 1
        return count

    return run


def report(label: str, ours: tuple[float, int], theirs: tuple[float, int], unit: str,
           scale_ours: float | None = None, scale_theirs: float | None = None) -> None:  # fmt: skip
    rate_ours = (scale_ours if scale_ours is not None else ours[1]) / ours[0]
    rate_theirs = (scale_theirs if scale_theirs is not None else theirs[1]) / theirs[0]
    print(f"{label:<58} ours {rate_ours:>12,.0f} {unit}  theirs {rate_theirs:>12,.0f} {unit}"
          f"  ratio {rate_ours / rate_theirs:5.2f}x")  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--files", type=int, default=20000)
    parser.add_argument("--size-mib", type=int, default=256)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    for name in ("mkfs.ext4", "ewfacquire", "fls", "img_cat", "md5sum"):
        if shutil.which(name) is None:
            sys.exit(f"{name} is not installed")
    with tempfile.TemporaryDirectory(prefix="ek-bench-disk-") as tmp:
        folder = Path(tmp)
        (folder / "evidence").mkdir()
        raw, e01 = build(folder / "evidence", args.files, args.size_mib)
        size = raw.stat().st_size
        mib = size / (1 << 20)
        print(f"ext4 image {mib:.0f} MiB, {args.files} files; E01 {e01.stat().st_size >> 20} MiB "
              f"(uncompressed chunks); best of {args.repeat}, warm cache")  # fmt: skip
        r = args.repeat
        fls = best(tool(["fls", "-r", "-m", "/", str(raw)]), r)
        report("1 metadata walk (body lines) vs fls -r -m", best(our_walk(raw), r), fls, "lines/s")
        fls_e = best(tool(["fls", "-r", "-m", "/", "-i", "ewf", str(e01)]), r)
        report("2 metadata walk on E01 vs fls -i ewf", best(our_walk(e01), r), fls_e, "lines/s")
        md5 = best(tool(["md5sum", str(raw)]), r)
        report("3 MD5+SHA-1+SHA-256 one pass vs md5sum", best(our_hash(raw), r), md5, "MiB/s",
               mib, mib)  # fmt: skip
        img_cat = best(lambda: subprocess.run(["img_cat", str(e01)], check=True,
                                              stdout=subprocess.DEVNULL).returncode, r)  # fmt: skip
        report("4 E01 media read + 3 hashes vs img_cat", best(ewf_hash(e01), r), img_cat, "MiB/s",
               mib, mib)  # fmt: skip
        report("4b E01 media read only (pyewf, no hashing) vs img_cat", best(ewf_read(e01), r),
               img_cat, "MiB/s", mib, mib)  # fmt: skip
        ours = best(our_ingest(raw, folder / "cases"), 1)
        minimal = best(minimal_hash_walk(raw), 1)
        if shutil.which("fiwalk"):
            fi = best(tool(["fiwalk", "-x", "-O", str(raw)]), 1)
            report("5 ingest (3 hashes, magic, markings) vs fiwalk (MD5+SHA-1)", ours,
                   (fi[0], ours[1]), "files/s")  # fmt: skip
        else:
            print("5 fiwalk is not installed (Debian ships it in sleuthkit); skipped")
        report("5b ingest vs minimal pytsk3 walk with 3 hashes", ours, minimal, "files/s")


if __name__ == "__main__":
    main()

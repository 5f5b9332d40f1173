"""Benchmark: disk image reading against The Sleuth Kit and coreutils, in the same run.

Builds an ext4 image (``mkfs.ext4 -d``) with many small files and an E01 copy of it
(``ewfacquire``), then measures, warm cache, each tool on the same bytes, our code both
with the native libtsk core (``native``) and on the pytsk3/pyewf reference path
(``fallback``, ``EVIDENCEKIT_NATIVE_TSK=0``):

1. metadata walk (every entry, its times, a body-file line) vs ``fls -r -m /``;
2. the same walk on the E01 vs ``fls -r -m / -i ewf`` (fls checks no chunk; 2b adds our
   check of every EWF chunk, which ingest runs on a thread alongside, to the walk);
3. MD5 + SHA-1 + SHA-256 of the raw image in one pass vs ``md5sum`` alone;
4. E01 media read + three hashes vs ``img_cat`` (C libewf) to /dev/null;
5. like for like with ``fiwalk`` (walk + MD5 + SHA-1 per file, DFXML out): our walk with
   the three content hashes producing inventory records; then the full ingest into a
   case (events, libmagic, markings, store) vs ``fiwalk`` as a second figure.

Ratios are ours / theirs in throughput (> 1 means we are faster), from the best wall
time of ``--repeat`` runs; ``cpu`` is the same ratio in CPU seconds of that run (all
threads; for tools the child's user + system time), less sensitive to other load.

    python benchmarks/bench_disk.py [--files 20000] [--size-mib 256] [--repeat 3]
                                    [--only walk,hash,fiwalk]
Targets (issue 3): 1 >= 0.7x, 2 >= 0.5x, 3 >= 0.95x, 4 >= 0.7x, 5 >= 2x (vs fiwalk).
"""

from __future__ import annotations

import argparse
import hashlib
import os
import random
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from pathlib import Path
from typing import Any

import orjson
import pytsk3

from evidencekit.case.image_events import body_lines, entry_times, utc_precision
from evidencekit.case.ingest_image import ingest_image
from evidencekit.case.workspace import Case
from evidencekit.sources.content import ContentResult, read_content, read_contents_native
from evidencekit.sources.hashing import hash_file
from evidencekit.sources.image import open_image
from evidencekit.sources.native import AVAILABLE as native_available_flag
from evidencekit.sources.native import thread_fs
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


Timing = tuple[float, float, int]  # best wall seconds, CPU seconds of that run, count


def best(fn: Callable[[], int], repeat: int) -> Timing:
    """Best wall time of ``repeat`` runs, the CPU seconds of that run (this process and
    its children: every thread, and a tool's user + system time), and its count."""
    runs = []
    for _ in range(repeat):
        before = _cpu()
        start = time.perf_counter()
        count = fn()
        wall = time.perf_counter() - start
        runs.append((wall, _cpu() - before, count))
    return min(runs)


def _cpu() -> float:
    own = resource.getrusage(resource.RUSAGE_SELF)
    kids = resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + kids.ru_utime + kids.ru_stime


def tool(args: list[str]) -> Callable[[], int]:
    def run() -> int:
        out = subprocess.run(args, check=True, capture_output=True)
        return out.stdout.count(b"\n")

    return run


def to_null(args: list[str]) -> Callable[[], int]:
    """A tool whose output is only read to be discarded (img_cat): straight to /dev/null."""
    return lambda: subprocess.run(args, check=True, stdout=subprocess.DEVNULL).returncode


def mode(native: bool) -> None:
    """Switch the native core on or off for the runs that follow (read at open time)."""
    os.environ["EVIDENCEKIT_NATIVE_TSK"] = "1" if native else "0"


def _file_systems(path: Path) -> tuple[Any, list[Any]]:
    image = open_image(path)
    layout = read_layout(image.img, image.media_size)
    return image, [fs for fs in open_file_systems(image.img, layout, image.native)
                   if hasattr(fs, "fs")]  # fmt: skip


def our_walk(path: Path, chunk_check: bool = False) -> Callable[[], int]:
    """Every entry, its event times and body-file lines. ``chunk_check``: the check of
    every EWF chunk runs alongside and is waited for, as ingest does."""

    def run() -> int:
        image, systems = _file_systems(path)
        if chunk_check:
            image.chunk_check()
        count = 0
        try:
            for fs in systems:
                for item in walk(fs, utc_precision(fs.fs_type)):
                    if isinstance(item, Entry):
                        times = entry_times(item, "UTC")
                        count += len(body_lines(item, None, "/", times))
        finally:
            image.close()
        return count

    return run


def our_hash(path: Path) -> Callable[[], int]:
    return lambda: hash_file(path).size


def media_hash(path: Path) -> Callable[[], int]:
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
        image.native = None  # pyewf's reads alone
        try:
            return sum(len(block) for block in image.media_blocks())
        finally:
            image.close()

    return run


def our_inventory(path: Path) -> Callable[[], int]:
    """Like fiwalk: every entry with its metadata and, for regular files, the content
    hashes (MD5, SHA-1, SHA-256), written as inventory lines (JSON) in walk order."""

    def run() -> int:
        image, systems = _file_systems(path)
        sink = open(os.devnull, "wb")  # noqa: SIM115
        files = 0
        try:
            with ThreadPoolExecutor(max_workers=2) as pool:
                for fs in systems:
                    files += _inventory_fs(image, fs, pool, sink)
        finally:
            sink.close()
            image.close()
        return files

    return run


Batch = list[tuple[Entry, int | None]]  # entries and, for files, their index in the job


def _inventory_fs(image: Any, fs: Any, pool: ThreadPoolExecutor, sink: Any) -> int:
    """Entries in batches of 32: each batch's files hashed by one task on the pool (the
    native core reads a whole batch in one call), written in walk order."""
    native = image.native is not None and fs.native is not None
    queue: list[tuple[Batch, Future[list[ContentResult]]]] = []
    batch: Batch = []
    files: list[Any] = []
    count = 0
    for item in walk(fs, utc_precision(fs.fs_type)):
        if not isinstance(item, Entry):
            continue
        index = None
        if item.meta_type == "file" and item.inode and item.size is not None:
            index, count = len(files), count + 1
            files.append((item.inode, item.size) if native else (item.handle, item.size))
        batch.append((item, index))
        if len(batch) == 32:
            queue.append((batch, pool.submit(_hash_batch, image, fs, files, native)))
            batch, files = [], []
            if len(queue) > 4:
                _write_records(*queue.pop(0), sink)
    queue.append((batch, pool.submit(_hash_batch, image, fs, files, native)))
    for done in queue:
        _write_records(*done, sink)
    return count


def _hash_batch(image: Any, fs: Any, files: list[Any], native: bool) -> list[ContentResult]:
    if native:
        return read_contents_native(thread_fs(image.native, fs.partition.offset), files, 0)
    return [read_content(handle, size, None, 0) for handle, size in files]


def _write_records(batch: Batch, job: Future[list[ContentResult]], sink: Any) -> None:
    results = job.result()
    for entry, index in batch:
        times = {t["time_role"]: t.get("time") for t in entry_times(entry, "UTC")}
        record: dict[str, Any] = {"path": entry.path, "inode": entry.inode, "size": entry.size,
                                  "meta_type": entry.meta_type, "deleted": entry.deleted,
                                  "times": times}  # fmt: skip
        if index is not None:
            r = results[index]
            record.update(md5=r.md5, sha1=r.sha1, sha256=r.sha256)
        sink.write(orjson.dumps(record) + b"\n")


def our_ingest(path: Path, folder: Path) -> Callable[[], int]:
    def run() -> int:
        folder.mkdir(parents=True, exist_ok=True)
        case = Case.init(Path(tempfile.mkdtemp(dir=folder)) / "case", "bench")
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


def report(label: str, ours: Timing, theirs: Timing, unit: str,
           scale_ours: float | None = None, scale_theirs: float | None = None) -> None:  # fmt: skip
    amount_ours = scale_ours if scale_ours is not None else ours[2]
    amount_theirs = scale_theirs if scale_theirs is not None else theirs[2]
    rate_ours, rate_theirs = amount_ours / ours[0], amount_theirs / theirs[0]
    cpu = (amount_ours / ours[1]) / (amount_theirs / theirs[1]) if ours[1] and theirs[1] else 0
    print(f"{label:<60} ours {rate_ours:>11,.0f} {unit}  theirs {rate_theirs:>11,.0f} {unit}"
          f"  ratio {rate_ours / rate_theirs:5.2f}x  cpu {cpu:5.2f}x", flush=True)  # fmt: skip


def both(label: str, fn: Callable[[], Callable[[], int]], theirs: Timing, unit: str,
         repeat: int, scale: float | None = None) -> None:  # fmt: skip
    for native in (True, False):
        mode(native)
        name = "native" if native else "fallback"
        report(f"{label} [{name}]", best(fn(), repeat), theirs, unit, scale, scale)
    mode(True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--files", type=int, default=20000)
    parser.add_argument("--size-mib", type=int, default=256)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument(
        "--only",
        default="walk,hash,fiwalk",
        help="figure groups to run: walk (1, 2), hash (3, 4), fiwalk (5)",
    )
    args = parser.parse_args()
    groups = set(args.only.split(","))
    for name in ("mkfs.ext4", "ewfacquire", "fls", "img_cat", "md5sum"):
        if shutil.which(name) is None:
            sys.exit(f"{name} is not installed")
    if not native_available_flag:
        print("note: the native core is not built; [native] rows run the fallback")
    with tempfile.TemporaryDirectory(prefix="ek-bench-disk-") as tmp:
        folder = Path(tmp)
        (folder / "evidence").mkdir()
        raw, e01 = build(folder / "evidence", args.files, args.size_mib)
        mib = raw.stat().st_size / (1 << 20)
        print(f"ext4 image {mib:.0f} MiB, {args.files} files; E01 {e01.stat().st_size >> 20} MiB "
              f"(uncompressed chunks); best of {args.repeat}, warm cache")  # fmt: skip
        r = args.repeat
        if "walk" in groups:
            walk_figures(raw, e01, r)
        if "hash" in groups:
            hash_figures(raw, e01, mib, r)
        if "fiwalk" in groups:
            fiwalk_figures(raw, folder, r)


def walk_figures(raw: Path, e01: Path, r: int) -> None:
    fls = best(tool(["fls", "-r", "-m", "/", str(raw)]), r)
    both("1 metadata walk (body lines) vs fls -r -m", lambda: our_walk(raw), fls, "lines/s", r)
    fls_e = best(tool(["fls", "-r", "-m", "/", "-i", "ewf", str(e01)]), r)
    both("2 metadata walk on E01 vs fls -i ewf", lambda: our_walk(e01), fls_e, "lines/s", r)
    both("2b same, with the EWF chunk check alongside (as ingest)",
         lambda: our_walk(e01, chunk_check=True), fls_e, "lines/s", r)  # fmt: skip


def hash_figures(raw: Path, e01: Path, mib: float, r: int) -> None:
    md5 = best(tool(["md5sum", str(raw)]), r)
    report("3 MD5+SHA-1+SHA-256 one pass (hashlib) vs md5sum", best(our_hash(raw), r), md5,
           "MiB/s", mib, mib)  # fmt: skip
    mode(True)
    report("3b same, native core (libtsk read, EVP) vs md5sum", best(media_hash(raw), r), md5,
           "MiB/s", mib, mib)  # fmt: skip
    img_cat = best(to_null(["img_cat", str(e01)]), r)
    both("4 E01 media read + 3 hashes vs img_cat", lambda: media_hash(e01), img_cat, "MiB/s",
         r, mib)  # fmt: skip
    report("4b E01 media read only (pyewf, no hashing) vs img_cat", best(ewf_read(e01), r),
           img_cat, "MiB/s", mib, mib)  # fmt: skip


def fiwalk_figures(raw: Path, folder: Path, repeat: int) -> None:
    if shutil.which("fiwalk") is None:
        print("5 fiwalk is not installed (Debian ships it in sleuthkit); skipped")
        return
    fi = best(tool(["fiwalk", "-x", "-O", str(raw)]), repeat)
    mode(True)
    files = our_inventory(raw)()  # fiwalk -O: allocated files; the image has no others
    theirs = (fi[0], fi[1], files)
    both("5 walk + 3 content hashes -> inventory vs fiwalk", lambda: our_inventory(raw),
         theirs, "files/s", repeat)  # fmt: skip
    both("5b full ingest (events, magic, markings) vs fiwalk",
         lambda: our_ingest(raw, folder / "cases"), theirs, "files/s", 1)  # fmt: skip
    mode(False)
    report("5c minimal pytsk3 walk with 3 hashes vs fiwalk", best(minimal_hash_walk(raw), 1),
           theirs, "files/s")  # fmt: skip
    mode(True)


if __name__ == "__main__":
    main()

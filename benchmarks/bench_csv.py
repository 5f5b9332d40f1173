"""Benchmark: a generic Japanese CSV export through mapped_csv into a case store.

Generates an operation-log CSV (Japanese content, CP932 or UTF-8) of --lines lines,
then, each in its own process (peak RSS measured per process with wait4):

* floor: a bare ``csv.reader`` loop over the same file (decode + split only);
* evidencekit: ``ingest_file`` with ``mapped_csv`` and examples/profiles/operation_log.toml
  (reading, time normalisation to UTC, mapping, keying with HMAC, canonical JSON, store).

Prints events/s, peak RSS and the ratio evidencekit / floor. Targets (issue 5):
>= 150,000 events/s on one core, peak RSS < 200 MB whatever the size.

    .venv/bin/python benchmarks/bench_csv.py --lines 2000000 --encoding cp932
"""

from __future__ import annotations

import argparse
import csv
import os
import random
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
PROFILE = REPO / "examples" / "profiles" / "operation_log.toml"
USERS = ["yamada", "suzuki", "tanaka", "佐藤花子", "高橋一郎", "渡辺"]
OPS = ["ファイルコピー", "ファイルアクセス", "印刷", "ファイル削除", "Webアップロード", "ログオン"]
FILES = ["設計図面", "顧客リスト", "見積書", "製造手順書", "原価表", "議事録"]
DRIVES = ["リムーバブル", "固定", "ネットワーク", ""]


def generate(path: Path, lines: int, encoding: str, step: tuple[int, int] = (0, 2)) -> None:
    """Write the export line by line (memory stays flat); times advance ``step`` s a line."""
    rng = random.Random(5)
    t = 1711929600  # 2024-04-01 00:00 JST-ish start
    with open(path, "w", encoding=encoding, newline="") as fp:
        fp.write("日時,ユーザー名,PC名,操作,ファイル名,送信先,ドライブ種別,サイズ\r\n")
        for i in range(lines):
            t += rng.randint(*step)
            tm = time.gmtime(t)
            # As Excel-made Japanese exports write it: "2024/04/01 9:05:03" (bare hour).
            stamp = time.strftime("%Y/%m/%d ", tm) + f"{tm.tm_hour}:" + time.strftime("%M:%S", tm)
            name = f"{rng.choice(FILES)}_{i % 997:03d}.xlsx"
            quoted = (
                f'"C:\\共有\\営業部,第{i % 7}課\\{name}"' if i % 10 == 0 else f"C:\\共有\\{name}"
            )
            fp.write(
                f"{stamp},{rng.choice(USERS)},PC-{i % 50:03d},{rng.choice(OPS)},{quoted},"
                f"E:\\{name},{rng.choice(DRIVES)},{rng.randint(1, 10**7)}\r\n"
            )


def floor(path: Path, encoding: str) -> int:
    rows = 0
    with open(path, encoding=encoding, newline="") as fp:
        for _ in csv.reader(fp):
            rows += 1
    return rows - 1


def read_only(path: Path) -> int:
    from evidencekit.sources.delimited import DelimitedReader

    return sum(1 for _ in DelimitedReader(path).records())


def parse_only(path: Path) -> int:
    from evidencekit.parsers.base import ParseContext
    from evidencekit.parsers.mapped_csv import MappedCsv

    ctx = ParseContext("0" * 16, path, "mapped_csv", "1", options={"mapping": str(PROFILE)})
    return sum(1 for item in MappedCsv().parse(ctx) if isinstance(item, dict))


def ingest(path: Path, case_dir: Path) -> int:
    from evidencekit.case.ingest import ingest_file
    from evidencekit.case.workspace import Case

    case = Case.init(case_dir, case_id="BENCH-1")
    summary = ingest_file(case, path, "mapped_csv", options={"mapping": str(PROFILE)})
    return summary.events


def run_phase(
    phase: str, path: Path, encoding: str, work: Path, tree: str | None = None
) -> tuple[int, float, float, int]:
    """Run one phase in a child process; return (events, wall s, CPU s, peak RSS bytes)."""
    cmd = [
        sys.executable,
        __file__,
        "--phase",
        phase,
        "--file",
        str(path),
        "--encoding",
        encoding,
        "--work",
        str(work),
        *(["--tree", tree] if tree else []),
    ]
    start = time.perf_counter()
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE)
    assert proc.stdout is not None
    out = proc.stdout.read()
    _, status, usage = os.wait4(proc.pid, 0)
    if status != 0:
        raise SystemExit(f"phase {phase} failed with status {status}")
    events, wall, cpu = out.decode().split()
    del start
    return int(events), float(wall), float(cpu), usage.ru_maxrss * 1024


def use_tree(tree: str) -> None:
    """Import evidencekit from ``tree`` (e.g. ``git archive`` of an older commit) instead of
    the editable install, so that a before/after comparison runs under the same load."""
    sys.meta_path[:] = [f for f in sys.meta_path if "editable" not in type(f).__module__]
    sys.path.insert(0, tree)
    import evidencekit

    if not evidencekit.__file__ or not evidencekit.__file__.startswith(tree):
        raise SystemExit(f"evidencekit not imported from {tree}")


def child(args: argparse.Namespace) -> None:
    if args.tree:
        use_tree(args.tree)
    path = Path(args.file)
    start, cpu = time.perf_counter(), time.process_time()
    if args.phase == "floor":
        n = floor(path, args.encoding)
    elif args.phase == "read":
        n = read_only(path)
    elif args.phase == "parse":
        n = parse_only(path)
    else:
        n = ingest(path, Path(args.work) / ("case-baseline" if args.tree else "case"))
    print(n, time.perf_counter() - start, time.process_time() - cpu)


def implementations() -> str:
    """Where this tree's optional C helpers run (asked in a child: importing evidencekit
    here would raise the peak RSS the phases inherit through fork)."""
    code = (
        "from evidencekit.sources import rowhash; from evidencekit.events import keys; "
        "print(f'raw hashes in {rowhash.IMPLEMENTATION}, "
        'keying in {getattr(keys, "IMPLEMENTATION", "python")}\')'
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    return out.stdout.strip()


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--lines", type=int, default=2_000_000)
    ap.add_argument("--encoding", default="cp932", choices=["cp932", "utf-8"])
    ap.add_argument("--phase", choices=["floor", "read", "parse", "ingest"])
    ap.add_argument(
        "--breakdown",
        action="store_true",
        help="also time reading alone and parsing without the store",
    )
    ap.add_argument(
        "--sparse",
        action="store_true",
        help="times 30-1200 s apart (a new minute nearly every line) instead of 0-2 s",
    )
    ap.add_argument(
        "--baseline",
        metavar="TREE",
        help="also ingest with the evidencekit of TREE (git archive of an older commit)",
    )
    ap.add_argument("--tree", help=argparse.SUPPRESS)
    ap.add_argument("--file")
    ap.add_argument("--work")
    args = ap.parse_args()
    if args.phase:
        child(args)
        return
    with tempfile.TemporaryDirectory(prefix="bench_csv_") as tmp:
        work = Path(tmp)
        path = work / "evidence" / f"oplog_{args.encoding}.csv"
        path.parent.mkdir()
        generate(path, args.lines, args.encoding, (30, 1200) if args.sparse else (0, 2))
        size = path.stat().st_size
        print(f"input: {args.lines:,} lines, {size / 1e6:.1f} MB, {args.encoding}")
        n_floor, t_floor, c_floor, rss_floor = run_phase("floor", path, args.encoding, work)
        n_ek, t_ek, c_ek, rss_ek = run_phase("ingest", path, args.encoding, work)
        print(
            f"floor csv.reader : {n_floor / t_floor:10,.0f} rows/s wall, "
            f"{n_floor / c_floor:10,.0f} rows/s CPU, peak RSS {rss_floor / 2**20:6.1f} MiB"
        )
        print(
            f"evidencekit      : {n_ek / t_ek:10,.0f} events/s wall, "
            f"{n_ek / c_ek:10,.0f} events/s CPU, peak RSS {rss_ek / 2**20:6.1f} MiB "
            f"({n_ek:,} events, {t_ek:.1f} s)"
        )
        if args.baseline:
            n_b, t_b, c_b, rss_b = run_phase("ingest", path, args.encoding, work, args.baseline)
            print(
                f"baseline tree    : {n_b / t_b:10,.0f} events/s wall, "
                f"{n_b / c_b:10,.0f} events/s CPU, peak RSS {rss_b / 2**20:6.1f} MiB "
                f"(ratio to floor {(n_b / c_b) / (n_floor / c_floor):.3f}x CPU; "
                f"this tree / baseline {c_b / c_ek:.2f}x)"
            )
        if args.breakdown:
            for phase, label in (("read", "  reader only"), ("parse", "  + mapping, times")):
                n, t, c, rss = run_phase(phase, path, args.encoding, work)
                print(
                    f"{label:17}: {n / t:10,.0f} records/s wall, {n / c:10,.0f} records/s CPU,"
                    f" peak RSS {rss / 2**20:6.1f} MiB"
                )
        print(f"this tree: {implementations()}")
        ratio_wall = (n_ek / t_ek) / (n_floor / t_floor)
        ratio_cpu = (n_ek / c_ek) / (n_floor / c_floor)
        print(f"ratio evidencekit/floor: {ratio_wall:.3f}x wall, {ratio_cpu:.3f}x CPU")
        print(
            f"target >= 150,000 events/s (CPU): {'met' if n_ek / c_ek >= 150_000 else 'NOT met'}; "
            f"peak RSS < 200 MB: {'met' if rss_ek < 200e6 else 'NOT met'}"
        )


if __name__ == "__main__":
    main()

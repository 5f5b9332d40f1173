"""Benchmark: SRUM (SRUDB.dat) ingest, evidencekit vs plaso's log2timeline (esedb/srum).

Writes one SRUDB.dat with ``--records`` network-usage records and as many application
resource-usage records (tests/writers/ese_writer.py: a root branch page over linked leaf
pages per table, read back by libesedb before timing), then in the same run and on the
same file:

* evidencekit: ``evidencekit ingest artifact SRUDB.dat --case ...`` (hash, parse with
  libesedb, store) in a child process;
* plaso: ``log2timeline --single_process --parsers esedb/srum`` into a storage file,
  events counted with ``pinfo``.

Both read the database with libesedb. Prints each tool's wall time and child CPU
seconds (``getrusage(RUSAGE_CHILDREN)``; less sensitive to other load on a shared
machine), events and events per CPU-second, and the ratios.

    .venv/bin/python benchmarks/bench_srum.py --records 20000 \
        --log2timeline /tmp/plaso-venv/bin/log2timeline
"""

from __future__ import annotations

import argparse
import re
import resource
import shutil
import struct
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from tests.parsers.test_artifact_srum import (  # noqa: E402 (after the path insert)
    APP_COLUMNS,
    NET_COLUMNS,
    id_table,
    net_record,
)
from tests.writers import ese_writer as ese  # noqa: E402

NET = "{973F5D5C-1D90-4944-BE8E-24B94231A174}"
APP = "{D10CA2FE-6FCF-4F6D-848E-B2E99266FA89}"


def ole(when: datetime) -> bytes:
    return struct.pack("<d", (when - datetime(1899, 12, 30, tzinfo=UTC)).total_seconds() / 86400)


def build(path: Path, records: int) -> Path:
    """A SRUDB.dat with ``records`` rows in each usage table, one per hour."""
    start = datetime(2024, 1, 1, tzinfo=UTC)
    stamps = [ole(start + timedelta(hours=i)) for i in range(records)]
    net = [net_record(stamp, 1000 + i) for i, stamp in enumerate(stamps)]
    app = [{"AutoIncId": i, "TimeStamp": stamp, "AppId": 1, "UserId": 2,
            "ForegroundBytesWritten": i} for i, stamp in enumerate(stamps)]  # fmt: skip
    tables = [id_table(), ese.Table(NET, NET_COLUMNS, net), ese.Table(APP, APP_COLUMNS, app)]
    ese.write_database(path, tables)
    import pyesedb

    db = pyesedb.open(str(path))
    assert db.get_table_by_name(NET).number_of_records == records
    db.close()
    return path


def timed(cmd: list[str], cwd: Path) -> tuple[float, float, str]:
    """Run ``cmd``; wall seconds, child CPU seconds (user + system) and its stdout."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    run = subprocess.run(cmd, capture_output=True, text=True, cwd=cwd)
    wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if run.returncode:
        sys.exit(f"{cmd[0]} failed:\n{run.stderr[-2000:]}")
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return wall, cpu, run.stdout + run.stderr


def run_evidencekit(db: Path, work: Path) -> tuple[float, float, int]:
    exe = str(Path(sys.executable).with_name("evidencekit"))
    case = work / "case"
    subprocess.run([exe, "case", "init", str(case), "--id", "bench"], check=True,
                   capture_output=True)  # fmt: skip
    wall, cpu, out = timed(
        [exe, "ingest", "artifact", str(db), "--case", str(case), "--json"], work
    )
    found = re.search(r'"events":\s*(\d+)', out)
    return wall, cpu, int(found.group(1)) if found else 0


def run_plaso(db: Path, work: Path, log2timeline: str) -> tuple[float, float, int]:
    storage = work / "plaso" / "srum.plaso"
    storage.parent.mkdir()
    cmd = [log2timeline, "--single_process", "--unattended", "--status_view", "none",
           "--parsers", "esedb/srum", "-z", "UTC", "--storage_file", str(storage),
           str(db)]  # fmt: skip
    wall, cpu, _ = timed(cmd, work)
    pinfo = str(Path(log2timeline).with_name("pinfo"))
    report = subprocess.run([pinfo, str(storage)], check=True, capture_output=True,
                            text=True, cwd=work).stdout  # fmt: skip
    found = re.search(
        r"Events generated per data type.*?^\s*Total : (\d+)", report, re.MULTILINE | re.DOTALL
    )
    return wall, cpu, int(found.group(1)) if found else 0


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--records", type=int, default=20000)
    parser.add_argument(
        "--log2timeline",
        default=shutil.which("log2timeline") or "/tmp/plaso-venv/bin/log2timeline",  # noqa: S108 (a separate venv for plaso)
    )
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="ek-bench-srum-") as tmp:
        work = Path(tmp)
        (work / "ev").mkdir()
        db = build(work / "ev" / "SRUDB.dat", args.records)
        print(f"SRUDB.dat: {db.stat().st_size / 1e6:.1f} MB, {args.records} records per table")
        rows = [("evidencekit", *run_evidencekit(db, work))]
        if Path(args.log2timeline).exists():
            rows.append(("plaso", *run_plaso(db, work, args.log2timeline)))
        else:
            print(f"plaso: {args.log2timeline} not found; no ratio")
        for name, wall, cpu, events in rows:
            print(f"  {name:<12} wall {wall:7.2f} s  cpu {cpu:7.2f} s  {events:8d} events  "
                  f"{events / max(cpu, 1e-9):10.0f} events/cpu-s")  # fmt: skip
        if len(rows) == 2:
            (_, w1, c1, e1), (_, w2, c2, e2) = rows
            print(f"ratio evidencekit/plaso: wall {w2 / w1:.1f}x faster, cpu {c2 / c1:.1f}x less, "
                  f"events/cpu-s {(e1 / c1) / max(e2 / c2, 1e-9):.1f}x")  # fmt: skip


if __name__ == "__main__":
    main()

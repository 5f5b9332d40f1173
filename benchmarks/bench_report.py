"""Benchmark: the report with a full-event appendix of 100,000 events.

Budget (issue 8): under 30 s and under 500 MB peak memory for the report step.
No peer tool renders our report, so the comparison in the same run is the obvious
reportlab approach: the same event rows as one platypus ``LongTable`` (what one would
write first), measured on a smaller slice because it grows much faster. Ratios are
printed for the slice (same rows, same fonts).

    .venv/bin/python benchmarks/bench_report.py [--events 100000] [--slice 20000]
"""

from __future__ import annotations

import argparse
import json
import resource
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

CHILD = r"""
import resource, sys, time
from pathlib import Path
from evidencekit.case.workspace import Case
from evidencekit.report import ReportOptions, build_report
case = Case(Path(sys.argv[1]))
t0 = time.perf_counter()
result = build_report(case, "both", options=ReportOptions(appendix_limit=10**7))
elapsed = time.perf_counter() - t0
peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
print(f"{elapsed:.3f} {peak:.1f} {result.report.stat().st_size}")
"""

NAIVE = r"""
import resource, sys, time
from pathlib import Path
import orjson
from reportlab.lib.pagesizes import A4
from reportlab.platypus import LongTable, SimpleDocTemplate
from reportlab.lib.styles import ParagraphStyle
from evidencekit.report.fonts import load_fonts
fonts = load_fonts()
rows = []
with open(sys.argv[1], "rb") as fp:
    for leaf, line in enumerate(fp):
        if leaf >= int(sys.argv[3]):
            break
        e = orjson.loads(line)["event"]
        rows.append([str(leaf), e.get("time", "")[:19], e["action"], e["kind"], e["id"]])
t0 = time.perf_counter()
table = LongTable(rows, repeatRows=0)
table.setStyle([("FONT", (0, 0), (-1, -1), fonts.mono, 6.4)])
SimpleDocTemplate(sys.argv[2], pagesize=A4).build([table])
elapsed = time.perf_counter() - t0
peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
print(f"{elapsed:.3f} {peak:.1f}")
"""


def make_case(root: Path, events: int) -> Path:
    from evidencekit.case.ingest import ingest_file
    from evidencekit.case.workspace import Case

    evidence = root / "evidence"
    evidence.mkdir(parents=True)
    path = evidence / "events.jsonl"
    actions = ["read", "copy", "modify", "device_connect", "delete", "logon", "upload"]
    with open(path, "w", encoding="utf-8") as fp:
        for i in range(events):
            day, sec = divmod(i * 37, 86400)
            fp.write(
                json.dumps(
                    {
                        "time": f"2025-{1 + day // 28 % 12:02d}-{1 + day % 28:02d}T"
                        f"{sec // 3600:02d}:{sec // 60 % 60:02d}:{sec % 60:02d}+09:00",
                        "time_role": "logged",
                        "action": actions[i % 7],
                        "kind": "bench.file_event",
                        "actor": {"user": f"user{i % 13}"},
                        "object": {"path": f"\\\\fs\\設計\\図面_{i % 5000:05d}.dwg", "size": i},
                    },
                    ensure_ascii=False,
                )
                + "\n"
            )
    case = Case.init(root / "case", "BENCH-1", title="ベンチマーク")
    ingest_file(case, path, "events_jsonl")
    case.seal()
    return case.root


def run(code: str, *args: str) -> list[str]:
    out = subprocess.run(
        [sys.executable, "-c", code, *args], check=True, capture_output=True, text=True
    )
    return out.stdout.split()


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--events", type=int, default=100_000)
    parser.add_argument("--slice", type=int, default=20_000)
    args = parser.parse_args()
    tmp = Path(tempfile.mkdtemp(prefix="bench-report-"))
    try:
        big = make_case(tmp / "big", args.events)
        secs, peak, size = run(CHILD, str(big))
        print(
            f"evidencekit report, {args.events} events: {float(secs):.1f} s, "
            f"peak {float(peak):.0f} MB, {int(size) / 1e6:.1f} MB PDF "
            f"(budget 30 s / 500 MB: {float(secs) / 30:.2f} / {float(peak) / 500:.2f} of budget)"
        )
        small = make_case(tmp / "small", args.slice)
        ours, ours_mb, _ = run(CHILD, str(small))
        timeline = next((small / "timeline").glob("v*/timeline.jsonl"))
        naive, naive_mb = run(NAIVE, str(timeline), str(tmp / "naive.pdf"), str(args.slice))
        print(
            f"slice of {args.slice} events: evidencekit report {float(ours):.2f} s (whole report) "
            f"vs naive reportlab LongTable {float(naive):.2f} s (list only); "
            f"ratio naive/ours = {float(naive) / float(ours):.2f}x; "
            f"peak {float(ours_mb):.0f} MB vs {float(naive_mb):.0f} MB"
        )
        rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        print(f"bench process peak RSS {rss:.0f} MB")
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()

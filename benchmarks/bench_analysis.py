"""Benchmark: the analysis rules over a large sealed-format timeline, streamed.

Generates a synthetic timeline file directly (skipping ingest): --events canonical,
hash-chained lines over one year for --persons people (reads on file servers, local
opens, logons with VPN/MFA, copies to fixed and removable media, uploads to corporate
and personal clouds, mail, deletions, program runs, device connections, HR dates), plus
an identity map and an asset register. Then, each in its own process (peak RSS measured
per process with wait4):

* floor: a bare loop that reads each line and parses it with orjson (the least any
  streaming reader of this file must do);
* evidencekit: ``analyze_timeline`` with every registered rule, E01-E06, C01, the
  element matrix and gaps (``jp_ucpa_civil``).

No peer tool exists for this stage, so the reference is the floor in the same run.
Prints events/s, CPU seconds, peak RSS and the ratio evidencekit / floor. Targets (issue 6):
>= 200,000 events/s on one core, peak RSS < 500 MB. ``--baseline TREE`` also runs the
rules from another source tree (e.g. ``git worktree`` or ``git archive`` of an older
commit) over the same file, for before/after figures under the same load; ``--keep DIR``
generates into DIR (reused when its timeline exists) instead of a temporary folder.

    .venv/bin/python benchmarks/bench_analysis.py --events 10000000
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import random
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

BASE = 1735657200  # 2025-01-01T00:00:00+09:00
YEAR = 365 * 86400


def _time(t: float) -> str:
    s = int(t)
    ns = int((t - s) * 1e9)
    return time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(s)) + f".{ns:09d}Z"


def _event(i: int, t: float, rng: random.Random, persons: int) -> dict[str, object]:
    local = (int(t) + 9 * 3600) % (7 * 86400)
    day, hour = local // 86400, local % 86400 // 3600  # day 0 = Thursday (2025-01-01)
    working = day not in (2, 3) and 8 <= hour < 20
    if not working and rng.random() < 0.9:  # nights and weekends: mostly batch jobs
        p = rng.randrange(5)
        user = {"user": f"svc_job{p}", "domain": "CORP", "host": f"SRV-{p}"}
    else:
        p = rng.randrange(persons)
        user = {"user": f"u{p:04d}", "domain": "CORP", "host": f"PC-{p:04d}"}
    ev: dict[str, object] = {
        "time": _time(t),
        "time_role": "logged",
        "actor": user,
        "source": "00000000000000%02x" % (i % 8),
        "locator": {"line": i + 1},
    }
    r = rng.random()
    # people work in a few folders of their own team; 2 % of reads go anywhere
    sub = (p * 3 + rng.randrange(4)) % 40 if rng.random() < 0.98 else rng.randrange(40)
    folder = f"\\\\fs{p % 7}\\share{p % 13}\\{'【秘】' if p % 10 == 0 else 'dept'}{sub}"
    name = f"f{rng.randrange(100000):06d}.{rng.choice(('docx', 'xlsx', 'dwg', 'pdf', 'c'))}"
    if r < 0.60:
        ev |= {
            "action": "read",
            "kind": "evtx.security.5145",
            "object": {"path": f"{folder}\\{name}", "size": rng.randrange(1, 5_000_000)},
        }
    elif r < 0.68:
        ev |= {
            "action": "open",
            "kind": "lnk",
            "object": {"path": f"C:\\Users\\u{p}\\Documents\\{name}"},
        }
    elif r < 0.73:
        ev |= {
            "action": "logon",
            "kind": rng.choice(("evtx.security.4624", "vpn.session")),
            "attributes": {"mfa": rng.random() < 0.5},
        }
    elif r < 0.77:
        ev |= {
            "action": "copy",
            "kind": "endpoint.copy",
            "object": {"path": f"{folder}\\{name}"},
            "target": {"path": f"C:\\tmp\\{name}"},
            "device": {"drive_type": "fixed"},
        }
    elif r < 0.7705:
        serial = f"USB-{rng.randrange(60):03d}"
        ev |= {
            "action": "copy",
            "kind": "endpoint.copy",
            "object": {"path": f"C:\\tmp\\{name}"},
            "target": {"path": f"E:\\{name}"},
            "device": {"drive_type": "removable", "usb_serial": serial},
        }
    elif r < 0.81:
        # mostly the corporate tenant and partners; personal services are rare
        hosts = ("contoso.sharepoint.com", "example.co.jp", "www.dropbox.com")
        host = rng.choices(hosts, (900, 98, 2))[0]
        ev |= {
            "action": "upload",
            "kind": "proxy.access",
            "object": {"url": f"https://{host}/u"},
            "attributes": {"host": host, "bytes_out": rng.randrange(1, 30_000_000)},
        }
    elif r < 0.84:
        to = rng.choices(
            ("a@corp.example.co.jp", "buyer@customer.example.jp", "x@gmail.com"), (80, 19, 1)
        )[0]
        ev |= {
            "action": "send",
            "kind": "mail.message",
            "attributes": {"to": [to], "attachments": [name]},
        }
    elif r < 0.88:
        ev |= {"action": "delete", "kind": "ntfs.usn", "object": {"path": f"C:\\tmp\\{name}"}}
    elif r < 0.92:
        ev |= {"action": "modify", "kind": "ntfs.usn", "object": {"path": f"{folder}\\{name}"}}
    elif r < 0.94:
        image = rng.choice(("winword.exe", "excel.exe", "7z.exe", "chrome.exe"))
        secret_zip = image == "7z.exe" and rng.random() < 0.02  # password archives are rare
        ev |= {
            "action": "execute",
            "kind": "prefetch",
            "object": {"path": f"C:\\Program Files\\{image}"},
            "attributes": {"command_line": f"{image} a {'-p ' if secret_zip else ''}x.7z"},
        }
    elif r < 0.945:
        ev |= {
            "action": "device_connect",
            "kind": "evtx.partition.1006",
            "device": {"drive_type": "removable", "usb_serial": f"USB-{rng.randrange(60):03d}"},
            "attributes": {"device_class": "storage"},
        }
    else:
        ev |= {"action": "other", "kind": "evtx.system.7036"}
    return ev


def generate(folder: Path, events: int, persons: int, seed: int = 7) -> tuple[Path, str]:
    """Write timeline.jsonl (real chain lines) and the input files; return path and SHA-256."""
    from evidencekit.timeline.canonical import dumps_fast
    from evidencekit.timeline.chain import GENESIS, build_line

    rng = random.Random(seed)
    path = folder / "timeline.jsonl"
    digest = hashlib.sha256()
    prev = GENESIS
    hr = {
        i * YEAR // 40: (p, kind)
        for i, (p, kind) in enumerate(
            (p, k)
            for p in range(0, persons, max(1, persons // 20))
            for k in ("resignation_notice", "last_working_day")
        )
    }
    with open(path, "wb", buffering=1 << 20) as fp:
        step = YEAR / events
        for i in range(events):
            t = BASE + i * step
            ev = _event(i, t, rng, persons)
            if int(i * step) in hr and i:
                p, kind = hr.pop(int(i * step))
                ev = {
                    "time": _time(t),
                    "time_role": "logged",
                    "action": "hr_event",
                    "kind": "hr.event",
                    "source": "00000000000000ff",
                    "locator": {"line": i + 1},
                    "attributes": {"hr_type": kind, "person": f"p{p:04d}"},
                }
            ev["id"] = hashlib.blake2b(str(i).encode(), digest_size=16).hexdigest()
            ev["salt"] = ev["id"]
            line, prev = build_line("event", dumps_fast(ev), prev, i)
            fp.write(line)
            digest.update(line)
    ids = "\n".join(
        f'[[person]]\nperson = "p{p:04d}"\naccounts = ["CORP\\\\u{p:04d}"]\n'
        f'hosts = ["PC-{p:04d}"]\n'
        for p in range(persons)
    )
    (folder / "ids.toml").write_text(ids, encoding="utf-8")
    (folder / "assets.toml").write_text(
        "".join(
            f'[[asset]]\nid = "SF-{k:03d}"\n'
            f"path = '\\\\fs{k % 7}\\share{k % 13}\\【秘】{k % 40}'\nmarking = \"秘\"\n"
            for k in range(0, 100, 10)
        )
        + '[[device]]\nserial = "USB-001"\n[[destination]]\nvalue = "contoso.sharepoint.com"\n',
        encoding="utf-8",
    )
    return path, digest.hexdigest()


def run_floor(path: Path) -> int:
    import orjson

    n = 0
    with open(path, "rb", buffering=1 << 20) as fp:
        for line in fp:
            orjson.loads(line)
            n += 1
    return n


def run_rules(path: Path, sha: str, size: int) -> int:
    from evidencekit.analysis.engine import AnalysisOptions, analyze_timeline
    from evidencekit.timeline.seal import TimelineHead

    head = TimelineHead(
        version=1, size=size, merkle_root="0" * 64, chain_head="0" * 64, timeline_sha256=sha
    )
    opts = AnalysisOptions(identities=path.parent / "ids.toml", assets=path.parent / "assets.toml")
    result = analyze_timeline(path, head, "Asia/Tokyo", opts)
    print(f"findings {len(result.findings):,}, episodes {len(result.episodes):,}", file=sys.stderr)
    return result.coverage.events_read


def child(mode: str, path: Path, sha: str, size: int, tree: str = "") -> dict[str, float]:
    """Run one mode in a fresh process; wall time from the child, peak RSS via wait4."""
    cmd = [
        sys.executable,
        __file__,
        "--child",
        mode,
        "--file",
        str(path),
        "--sha",
        sha,
        "--size",
        str(size),
        "--tree",
        tree,
    ]
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE)
    out = proc.stdout.read() if proc.stdout else b""
    _, status, usage = os.wait4(proc.pid, 0)
    if status != 0:
        raise SystemExit(f"{mode} failed with status {status}")
    data = json.loads(out)
    data["rss_mb"] = usage.ru_maxrss / 1024
    data["cpu_s"] = usage.ru_utime + usage.ru_stime  # includes start-up; robust to load
    return data


def main() -> None:
    ap = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    ap.add_argument("--events", type=int, default=1_000_000)
    ap.add_argument("--persons", type=int, default=300)
    ap.add_argument("--child", choices=("floor", "rules"))
    ap.add_argument("--file", type=Path)
    ap.add_argument("--sha")
    ap.add_argument("--size", type=int, default=0)
    ap.add_argument("--tree", default="", help=argparse.SUPPRESS)
    ap.add_argument("--baseline", default="", help="another source tree to compare with")
    ap.add_argument("--keep", type=Path, help="generate into (or reuse) this folder")
    args = ap.parse_args()
    if args.child:
        if args.tree:  # the baseline's evidencekit, imported before this tree's
            sys.path.insert(0, str(Path(args.tree).resolve()))
        start = time.perf_counter()
        n = (
            run_floor(args.file)
            if args.child == "floor"
            else run_rules(args.file, args.sha, args.size)
        )
        print(json.dumps({"events": n, "seconds": time.perf_counter() - start}))
        return
    with tempfile.TemporaryDirectory() as tmp:
        rows = _measure(Path(args.keep or tmp), args.events, args.persons, args.baseline)
    for name, d in rows.items():
        print(
            f"{name:24s} {d['events'] / d['seconds']:>10,.0f} events/s  {d['seconds']:8.1f} s  "
            f"(CPU {d['cpu_s']:7.1f} s: {d['events'] / d['cpu_s']:>10,.0f} events/CPU-s)  "
            f"peak RSS {d['rss_mb']:7.1f} MB"
        )
    floor, rules = rows["floor (orjson read)"], rows["evidencekit rules"]
    for name, d in rows.items():
        if name != "floor (orjson read)":
            wall = (d["events"] / d["seconds"]) / (floor["events"] / floor["seconds"])
            cpu = floor["cpu_s"] / d["cpu_s"]
            print(f"ratio {name} / floor: {wall:.3f} wall, {cpu:.3f} CPU")
    if args.baseline:
        base = rows["baseline rules"]
        print(f"this tree / baseline: {base['cpu_s'] / rules['cpu_s']:.2f}x CPU (same file)")
    print("targets: >= 200,000 events/s on one core, peak RSS < 500 MB")


def _measure(folder: Path, events: int, persons: int, baseline: str) -> dict[str, dict[str, float]]:
    """Generate (or reuse) the timeline, then run each child on it."""
    path, stamp = folder / "timeline.jsonl", folder / "timeline.sha256"
    if path.exists() and stamp.exists() and stamp.read_text().split()[1] == str(events):
        sha = stamp.read_text().split()[0]
    else:
        folder.mkdir(parents=True, exist_ok=True)
        t0 = time.perf_counter()
        path, sha = generate(folder, events, persons)
        stamp.write_text(f"{sha} {events}\n")
        print(
            f"generated {events:,} events ({path.stat().st_size / 2**20:,.0f} MiB) "
            f"in {time.perf_counter() - t0:.1f}s"
        )
    rows = {"floor (orjson read)": child("floor", path, sha, events)}
    if baseline:
        rows["baseline rules"] = child("rules", path, sha, events, baseline)
    rows["evidencekit rules"] = child("rules", path, sha, events)
    return rows


if __name__ == "__main__":
    main()

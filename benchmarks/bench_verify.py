"""Benchmark: ``evidencekit verify`` vs ``sha256sum -c`` over the same package, same run.

Builds a case with a small timeline and a package whose payload is SIZE megabytes of
random exhibits (default 512; ``--size-mb 2048`` for the 2 GB figure), then times

* ``evidencekit verify PACKAGE --trust KEY`` (every check: hashes, signature,
  timeline, agreement), and
* ``sha256sum --strict -c tagmanifest-sha256.txt manifest-sha256.txt`` (hashes only),

each best of ``--repeat`` runs with a warm page cache, and prints the ratio.

Usage: .venv/bin/python benchmarks/bench_verify.py [--size-mb N] [--files N] [--repeat N]
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from evidencekit.case.ingest import ingest_file  # noqa: E402
from evidencekit.case.workspace import Case  # noqa: E402
from evidencekit.package.build import PackageOptions, build_package  # noqa: E402
from evidencekit.package.signing import generate_ed25519, load_signer  # noqa: E402

PASS = b"benchmark passphrase"


def build(root: Path, size_mb: int, files: int) -> tuple[Path, Path]:
    """A signed package with ``size_mb`` MB of payload in ``files`` exhibits."""
    case = Case.init(root / "case", "EK-BENCH-1", examiner="bench", organisation="bench")
    events = root / "evidence" / "events.jsonl"
    events.parent.mkdir()
    lines = [
        json.dumps(
            {
                "time": f"2024-04-01T09:{i % 60:02d}:00+09:00",
                "action": "read",
                "kind": "fileserver.read",
                "time_role": "logged",
                "object": {"path": f"/share/file{i}.dwg"},
            }
        )
        for i in range(1000)
    ]
    events.write_text("\n".join(lines) + "\n")
    ingest_file(case, events, "events_jsonl")
    case.seal()
    exhibits = []
    per_file = size_mb * (1 << 20) // files
    for n in range(files):
        path = root / "exhibits" / f"image-{n:02d}.bin"
        path.parent.mkdir(exist_ok=True)
        with open(path, "wb") as fp:
            left = per_file
            while left:
                chunk = os.urandom(min(left, 16 << 20))
                fp.write(chunk)
                left -= len(chunk)
        exhibits.append(path)
    key, pub, _ = generate_ed25519(root / "bench-key", PASS)
    signer = load_signer(str(key), PASS)
    out = root / "package"
    options = PackageOptions(out=out, signers=[signer], exhibits=exhibits, archive=True)
    build_package(case, options)
    shutil.rmtree(root / "exhibits")  # only the package's copy is needed from here on
    return out, pub


def timed(command: list[str], cwd: Path) -> tuple[float, float]:
    """Wall time and CPU time (user + system) of one run of ``command``."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    done = subprocess.run(command, cwd=cwd, capture_output=True, text=True)
    wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if done.returncode != 0:
        raise SystemExit(f"{command[0]} failed:\n{done.stdout}\n{done.stderr}")
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return wall, cpu


def interleaved(repeat: int, commands: dict[str, list[str]], cwd: Path) -> dict[str, float]:
    """Best wall time of each command, runs alternating so both see the same machine load."""
    best = dict.fromkeys(commands, float("inf"))
    cpu = dict.fromkeys(commands, float("inf"))
    for _ in range(repeat):
        for name, command in commands.items():
            wall, used = timed(command, cwd)
            best[name] = min(best[name], wall)
            cpu[name] = min(cpu[name], used)
    return {**best, **{f"{k} cpu": v for k, v in cpu.items()}}


def startup_time(evidencekit: str) -> float:
    """Best of three ``evidencekit --version`` runs: interpreter and CLI import cost."""
    return min(timed([evidencekit, "--version"], Path.cwd())[0] for _ in range(3))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size-mb", type=int, default=512)
    parser.add_argument("--files", type=int, default=8)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="ek-bench-") as tmp:
        package, pub = build(Path(tmp), args.size_mb, args.files)
        evidencekit = str(Path(sys.executable).with_name("evidencekit"))
        ours = [evidencekit, "verify", str(package), "--trust", str(pub)]
        peer = ["sha256sum", "--strict", "-c", "tagmanifest-sha256.txt", "manifest-sha256.txt"]
        subprocess.run(["cat", *map(str, package.rglob("*.bin"))], stdout=subprocess.DEVNULL)
        tar = [evidencekit, "verify", str(package.with_name(package.name + ".tar")), "--trust",
               str(pub)]  # fmt: skip
        runs = {"peer": peer, "ours": ours, "tar": tar}
        t = interleaved(args.repeat, runs, package)
        startup = startup_time(evidencekit)
        mb = args.size_mb
        print(f"payload: {mb} MB in {args.files} files; best of {args.repeat} interleaved runs")
        print(
            f"sha256sum -c       : {t['peer']:6.2f} s wall ({mb / t['peer']:5.0f} MB/s), "
            f"{t['peer cpu']:6.2f} s CPU"
        )
        print(
            f"evidencekit verify : {t['ours']:6.2f} s wall ({mb / t['ours']:5.0f} MB/s), "
            f"{t['ours cpu']:6.2f} s CPU (of which CLI start-up {startup:.2f} s wall)"
        )
        print(
            f"ratio (sha256sum / evidencekit verify), wall: {t['peer'] / t['ours']:.2f}x "
            "(target >= 1.5x)"
        )
        print(f"ratio excluding CLI start-up, wall: {t['peer'] / (t['ours'] - startup):.2f}x")
        print(
            f"evidencekit verify PACKAGE.tar (read once, payload streamed): {t['tar']:6.2f} s "
            f"wall, ratio {t['peer'] / t['tar']:.2f}x"
        )


if __name__ == "__main__":
    main()

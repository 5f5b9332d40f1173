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
    build_package(case, PackageOptions(out=out, signers=[signer], exhibits=exhibits))
    shutil.rmtree(root / "exhibits")  # only the package's copy is needed from here on
    return out, pub


def best_of(repeat: int, command: list[str], cwd: Path) -> float:
    """Fastest wall time of ``repeat`` runs (the first run also warms the page cache)."""
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        done = subprocess.run(command, cwd=cwd, capture_output=True, text=True)
        times.append(time.perf_counter() - start)
        if done.returncode != 0:
            raise SystemExit(f"{command[0]} failed:\n{done.stdout}\n{done.stderr}")
    return min(times)


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
        t_peer = best_of(args.repeat, peer, package)
        t_ours = best_of(args.repeat, ours, package)
        mb = args.size_mb
        print(f"payload: {mb} MB in {args.files} files; best of {args.repeat} runs, warm cache")
        print(f"sha256sum -c          : {t_peer:7.2f} s  ({mb / t_peer:7.0f} MB/s)")
        print(f"evidencekit verify    : {t_ours:7.2f} s  ({mb / t_ours:7.0f} MB/s)")
        print(f"ratio (sha256sum / evidencekit): {t_peer / t_ours:.2f}x  (target >= 1.5x)")


if __name__ == "__main__":
    main()

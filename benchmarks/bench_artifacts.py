"""Benchmark: image ingest with Windows artifacts, evidencekit vs plaso's log2timeline.

Builds a Windows-like NTFS volume (mkntfs, populated through an ntfs-3g FUSE mount; if
the mount is refused, an ext4 volume from ``mkfs.ext4 -d``) holding the real corpus
artifacts at their Windows paths, replicated ``--copies`` times: SYSTEM and NTUSER.DAT
hives, Recent LNKs, jump lists, $Recycle.Bin $I files and INFO2, Prefetch, Chrome and
Firefox history, a setupapi.dev.log. Then, in the same run and on the same image:

* evidencekit: ``ingest_image`` into a fresh case (file-system walk + content hashes +
  the artifact parsers on the files their globs match);
* plaso: ``log2timeline --single_process`` (default parsers) into a storage file, events
  counted with ``pinfo``.

Prints wall time, events and events/s of each, and the ratios. Both tools are single
process. They emit different event sets (plaso: one event per registry key time, etc.),
so the wall-clock ratio is printed beside the events/s ratio. Issue target: >= 100x.

    .venv/bin/python benchmarks/bench_artifacts.py --copies 20 \
        --log2timeline /tmp/plaso-venv/bin/log2timeline
"""

from __future__ import annotations

import argparse
import lzma
import re
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
CORPUS = REPO.parent / "shared" / "corpus"
SID = "S-1-5-21-1111111111-2222222222-3333333333-1001"
RECENT = "Users/bob/AppData/Roaming/Microsoft/Windows/Recent"
SETUPAPI = (
    ">>>  [Device Install (Hardware initiated) - USBSTOR\\Disk&Ven_HP&Prod_v100w&Rev_1024"
    "\\AA951D0000007252&0]\r\n>>>  Section start 2012/04/07 19:31:30.000\r\n"
    "<<<  Section end 2012/04/07 19:31:31.000\r\n<<<  [Exit status: SUCCESS]\r\n\r\n"
)


def layout(root: Path, copies: int) -> None:
    """Place the corpus artifacts at Windows paths under ``root``."""

    def put(rel: str, data: bytes) -> None:
        target = root / rel
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(data)

    def corpus(rel: str) -> bytes:
        return (CORPUS / rel).read_bytes()

    with lzma.open(CORPUS / "registry/win7_SYSTEM_usb_hp_v100w.xz") as fp:
        put("Windows/System32/config/SYSTEM", fp.read())
    with lzma.open(CORPUS / "registry/win7_NTUSER_recentdocs.DAT.xz") as fp:
        put("Users/bob/NTUSER.DAT", fp.read())
    put("Windows/INF/setupapi.dev.log", b"[Device Install Log]\r\n" + SETUPAPI.encode() * copies)
    put(
        "Users/bob/AppData/Local/Google/Chrome/User Data/Default/History",
        corpus("browser/chrome_v36_History-59.0.3071.86"),
    )
    put(
        "Users/bob/AppData/Roaming/Mozilla/Firefox/Profiles/x.default/places.sqlite",
        corpus("browser/firefox_places.sqlite"),
    )
    put(f"RECYCLER/{SID}/INFO2", corpus("recycle_bin/INFO2"))
    for n in range(copies):
        put(f"{RECENT}/nero{n}.lnk", corpus("lnk/fixed_disk_NeroInfoTool.lnk"))
        put(f"{RECENT}/share{n}.lnk", corpus("lnk/unc_share_1.yaml.lnk"))
        put(
            f"{RECENT}/AutomaticDestinations/{n:016x}.automaticDestinations-ms",
            corpus("lnk/jumplists/win7_1b4dd67f29cb1962.automaticDestinations-ms"),
        )
        put(
            f"{RECENT}/CustomDestinations/{n:016x}.customDestinations-ms",
            corpus("lnk/jumplists/5afe4de1b92fc382.customDestinations-ms"),
        )
        put(f"$Recycle.Bin/{SID}/$I{n:06d}.jpg", corpus("recycle_bin/$I103S5F.jpg"))
        put(f"Windows/Prefetch/CMD{n}.EXE-087B4001.pf", corpus("prefetch/CMD.EXE-087B4001.pf"))
        put(
            f"Windows/Prefetch/ONEDRIVE{n}.EXE-7E152375.pf",
            corpus("prefetch/ONEDRIVE.EXE-7E152375.pf"),
        )


def build_image(work: Path, copies: int) -> tuple[Path, str]:
    """An NTFS image (ext4 if the FUSE mount is refused) holding the layout."""
    (work / "evidence").mkdir()
    image = work / "evidence" / "windows.img"
    with open(image, "wb") as fp:
        fp.truncate(96 << 20)
    subprocess.run(
        ["mkntfs", "-F", "-f", "-q", "-L", "WIN", str(image)], check=True, capture_output=True
    )
    mount = work / "mnt"
    mount.mkdir()
    mounted = (
        subprocess.run(
            ["ntfs-3g", "-o", "loop", str(image), str(mount)], capture_output=True
        ).returncode
        == 0
    )
    if mounted:
        try:
            layout(mount, copies)
        finally:
            subprocess.run(["fusermount", "-u", str(mount)], check=False)
            if any(mount.iterdir()):
                subprocess.run(["umount", str(mount)], check=True)
        wait_until_settled(image)
        return image, "ntfs"
    tree = work / "tree"
    layout(tree, copies)
    image.unlink()
    subprocess.run(["mkfs.ext4", "-q", "-F", "-d", str(tree), str(image), "96M"], check=True)
    return image, "ext4"


def wait_until_settled(image: Path) -> None:
    """ntfs-3g may still be writing after the unmount returns: wait for a stable file."""
    subprocess.run(["sync"], check=False)
    last = None
    for _ in range(50):
        stat = image.stat()
        now = (stat.st_size, stat.st_mtime_ns)
        if now == last:
            return
        last = now
        time.sleep(0.2)


def run_evidencekit(image: Path, work: Path) -> tuple[float, int]:
    code = (
        "import sys, time\nfrom pathlib import Path\n"
        "from evidencekit.case.workspace import Case\n"
        "from evidencekit.case.ingest_image import ingest_image\n"
        "case = Case.init(Path(sys.argv[2]), 'bench')\n"
        "t = time.perf_counter()\ns = ingest_image(case, Path(sys.argv[1]), time_zone='UTC')\n"
        "print(time.perf_counter() - t, s.events)\n"
    )
    run = subprocess.run(
        [sys.executable, "-c", code, str(image), str(work / "case")],
        capture_output=True,
        text=True,
    )
    if run.returncode:
        sys.exit(f"evidencekit failed:\n{run.stderr}")
    out = run.stdout.split()
    return float(out[0]), int(out[1])


def run_plaso(image: Path, work: Path, log2timeline: str) -> tuple[float, int]:
    storage = work / "plaso" / "bench.plaso"
    storage.parent.mkdir()
    start = time.perf_counter()
    subprocess.run(
        [
            log2timeline,
            "--single_process",
            "--unattended",
            "--status_view",
            "none",
            "-z",
            "UTC",
            "--storage_file",
            str(storage),
            str(image),
        ],
        check=True,
        capture_output=True,
        cwd=work,
    )
    elapsed = time.perf_counter() - start
    pinfo = str(Path(log2timeline).with_name("pinfo"))
    report = subprocess.run(
        [pinfo, str(storage)], check=True, capture_output=True, text=True, cwd=work
    ).stdout
    return elapsed, count_events(report)


def count_events(report: str) -> int:
    """``Total : N`` of pinfo's "events generated per data type" table (text report);
    its JSON output is not valid JSON for Windows paths, so the text form is read."""
    found = re.search(
        r"Events generated per data type.*?^\s*Total : (\d+)", report, re.MULTILINE | re.DOTALL
    )
    return int(found.group(1)) if found else 0


PER_PARSER = (
    ("registry", "registry/win7_SYSTEM_usb_hp_v100w.xz"),
    ("registry", "registry/win7_NTUSER_recentdocs.DAT.xz"),
    ("lnk", "lnk/fixed_disk_NeroInfoTool.lnk"),
    ("jumplist", "lnk/jumplists/win7_1b4dd67f29cb1962.automaticDestinations-ms"),
    ("jumplist", "lnk/jumplists/5afe4de1b92fc382.customDestinations-ms"),
    ("recyclebin", "recycle_bin/INFO2"),
    ("usnjrnl", "usnjrnl/plaso_UsnJrnl.raw"),
    ("prefetch", "prefetch/ONEDRIVE.EXE-7E152375.pf"),
    ("browser", "browser/chrome_v36_History-59.0.3071.86"),
)


def per_parser(work: Path, repeat: int) -> None:
    """Events/s of each artifact parser alone on its corpus file (no store, in process)."""
    from evidencekit.parsers.base import ParseContext, parsers

    for name, rel in PER_PARSER:
        source = CORPUS / rel
        if rel.endswith(".xz"):
            target = work / Path(rel).stem
            with lzma.open(source) as fin:
                target.write_bytes(fin.read())
            source = target
        cls = parsers.get(name)
        events = 0
        start = time.perf_counter()
        for _ in range(repeat):
            ctx = ParseContext("0" * 16, source, name, cls.version)
            events += sum(1 for item in cls().parse(ctx) if not hasattr(item, "code"))
        elapsed = time.perf_counter() - start
        print(
            f"  {name:<10} {Path(rel).name[:40]:<40} {events / elapsed:10.0f} events/s "
            f"({events // repeat} events/file, {elapsed / repeat * 1000:.1f} ms/file)"
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--copies", type=int, default=20)
    parser.add_argument("--repeat", type=int, default=5, help="per-parser repetitions")
    parser.add_argument(
        "--log2timeline",
        default=shutil.which("log2timeline.py")
        or shutil.which("log2timeline")
        or "/tmp/plaso-venv/bin/log2timeline",  # noqa: S108 (a separate venv for plaso)
    )
    args = parser.parse_args()
    if not CORPUS.exists():
        sys.exit(f"corpus not found at {CORPUS}")
    with tempfile.TemporaryDirectory(prefix="bench-artifacts-") as tmp:
        work = Path(tmp)
        print("per parser (corpus files):")
        per_parser(work, args.repeat)
        image, fs = build_image(work, args.copies)
        print(
            f"image: {fs}, {image.stat().st_size >> 20} MiB, {args.copies} copies of each "
            "replicated artifact"
        )
        ek_time, ek_events = run_evidencekit(image, work)
        print(
            f"evidencekit : {ek_time:8.2f} s  {ek_events:8d} events  "
            f"{ek_events / ek_time:10.0f} events/s"
        )
        if not Path(args.log2timeline).exists():
            print(f"plaso not run: {args.log2timeline} not found")
            return
        pl_time, pl_events = run_plaso(image, work, args.log2timeline)
        print(
            f"log2timeline: {pl_time:8.2f} s  {pl_events:8d} events  "
            f"{pl_events / pl_time:10.0f} events/s"
        )
        print(
            f"ratio events/s (evidencekit / plaso): "
            f"{(ek_events / ek_time) / (pl_events / pl_time):.1f}x (target >= 100x)"
        )
        print(f"ratio wall time (plaso / evidencekit): {pl_time / ek_time:.1f}x")


if __name__ == "__main__":
    main()

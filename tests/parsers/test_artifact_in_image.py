"""Artifact parsers run by the image engine on the files their globs match: an ext4
volume built at test time with ``mkfs.ext4 -d`` holding corpus artifacts at Windows
paths; events carry the image location (inode, in-image path) and the inner offset."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

from evidencekit.case.ingest_image import ingest_image
from evidencekit.case.workspace import Case
from evidencekit.events.devices import events_from_lines
from tests.writers.artifacts import corpus_file, decompress_xz

pytestmark = pytest.mark.corpus
RECENT = "Users/bob/AppData/Roaming/Microsoft/Windows/Recent"
SID = "S-1-5-21-1111111111-2222222222-3333333333-1001"


def test_image_ingest_runs_artifact_parsers(corpus: Path, tmp_path: Path) -> None:
    if shutil.which("mkfs.ext4") is None:
        pytest.skip("needs mkfs.ext4 (e2fsprogs)")
    tree = tmp_path / "tree"
    files = {
        f"$Recycle.Bin/{SID}/$I103S5F.jpg": "recycle_bin/$I103S5F.jpg",
        "Windows/Prefetch/CMD.EXE-087B4001.pf": "prefetch/CMD.EXE-087B4001.pf",
        f"{RECENT}/nero.lnk": "lnk/fixed_disk_NeroInfoTool.lnk",
    }
    for rel, src in files.items():
        (tree / rel).parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(corpus_file(corpus, src), tree / rel)
    decompress_xz(
        corpus_file(corpus, "registry/win7_NTUSER_recentdocs.DAT.xz"), tree / "Users/bob/NTUSER.DAT"
    )
    evidence = tmp_path / "evidence"
    evidence.mkdir()
    image = evidence / "win.img"
    subprocess.run(["mkfs.ext4", "-q", "-F", "-d", str(tree), str(image), "32M"], check=True)
    case = Case.init(tmp_path / "case", "img")
    ingest_image(case, image, time_zone="UTC")
    events = list(events_from_lines(case.store.event_lines()))
    deleted = [e for e in events if e["kind"] == "recyclebin.entry"]
    assert len(deleted) == 1
    assert deleted[0]["actor"]["sid"] == SID
    assert deleted[0]["locator"]["path"].endswith("$I103S5F.jpg")
    assert deleted[0]["locator"].get("inode")
    runs = [e for e in events if e["kind"] == "prefetch.run"]
    assert [e["object"]["name"] for e in runs] == ["CMD.EXE"]
    assert len([e for e in events if e["kind"] == "lnk.shortcut"]) == 3
    recent = [e for e in events if e["kind"] == "registry.recentdocs"]
    assert len(recent) == 22 and all(e["actor"]["user"] == "bob" for e in recent)
    assert all(e["attributes"]["registry_key"].startswith("\\Software") for e in recent)

"""Partitioned disks built with sfdisk (MBR and GPT), and damaged or unknown content."""

from __future__ import annotations

import hashlib
import os
import subprocess
from pathlib import Path

import pytest

from evidencekit.case.ingest_image import ingest_image
from evidencekit.case.workspace import Case
from evidencekit.errors import EvidenceWriteRefused
from tests.sources.conftest import FAT_FILES, Built, build_partitioned, ext4_files
from tests.sources.helpers import ingest, validate_events


def mmls_slots(image: Path) -> dict[int, int]:
    """Allocated partitions as mmls (TSK) lists them: slot address -> start sector."""
    text = subprocess.run(["mmls", str(image)], check=True, capture_output=True,
                          text=True).stdout  # fmt: skip
    slots = {}
    for line in text.splitlines():
        parts = line.split()
        numbered = len(parts) >= 5 and parts[0].endswith(":") and parts[0][:-1].isdigit()
        if numbered and parts[1] != "Meta" and not parts[1].startswith("---"):
            slots[int(parts[0][:-1])] = int(parts[2])
    return slots


@pytest.fixture(scope="module", params=["dos", "gpt"])
def disk(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Built:
    return build_partitioned(tmp_path_factory.mktemp(request.param) / "evidence", request.param)


def test_partitions_are_walked_with_their_slots(disk: Built, tmp_path: Path) -> None:
    result = ingest(disk.path, tmp_path / "case")
    slots = mmls_slots(disk.path)
    by_start = {start: slot for slot, start in slots.items()}
    fat_slot, ext_slot = by_start[2048], by_start[10240]
    assert result.summary.source.acquisition["volume_system"] in ("DOS/MBR", "GPT")
    fs_types = {
        f["partition"]: f["fs_type"] for f in result.summary.source.acquisition["file_systems"]
    }
    assert fs_types == {fat_slot: "FAT12", ext_slot: "ext4"}
    data = FAT_FILES["report.txt"]
    assert result.entry("report.txt", fat_slot)["sha256"] == hashlib.sha256(data).hexdigest()
    keep = ext4_files()["keep.txt"]
    assert result.entry("keep.txt", ext_slot)["sha256"] == hashlib.sha256(keep).hexdigest()
    event = result.events_for("keep.txt")["mtime"]
    assert event["locator"]["partition"] == ext_slot
    body = result.summary.body.read_text(encoding="utf-8")
    assert f"|/p{ext_slot}/keep.txt|" in body and f"|/p{fat_slot}/report.txt|" in body
    validate_events(result.events)


def test_zeroed_superblock_is_reported_other_partition_read(disk: Built, tmp_path: Path) -> None:
    damaged = tmp_path / "evidence" / "damaged.img"
    damaged.parent.mkdir()
    data = bytearray(disk.path.read_bytes())
    ext_offset = 10240 * 512
    data[ext_offset : ext_offset + 4096] = bytes(4096)  # boot block + ext4 superblock
    damaged.write_bytes(bytes(data))
    result = ingest(damaged, tmp_path / "case")
    slot = {start: s for s, start in mmls_slots(damaged).items()}[10240]
    (problem,) = [i for i in result.issues if i["code"] == "unknown_filesystem"]
    assert problem["locator"] == {"partition": slot, "offset": str(ext_offset)}
    assert "report.txt" in {r["path"] for r in result.inventory}
    assert not result.summary.nothing_read


def test_unknown_file_system_reads_nothing_and_says_why(tmp_path: Path) -> None:
    evidence = tmp_path / "evidence"
    evidence.mkdir()
    image = evidence / "noise.img"
    image.write_bytes(os.urandom(1 << 20))
    result = ingest(image, tmp_path / "case")
    assert result.summary.nothing_read
    assert result.issue_codes() == ["unknown_filesystem"]
    assert result.issues[0]["locator"] == {"partition": 0, "offset": "0"}
    assert "file system" in result.summary.problems[0]


def test_truncated_image_is_reported_and_walk_continues(tmp_path: Path) -> None:
    built = build_partitioned(tmp_path / "src", "dos")
    evidence = tmp_path / "evidence"
    evidence.mkdir()
    cut = evidence / "cut.img"
    # Keep the FAT partition and the first half of the ext4 one.
    cut.write_bytes(built.path.read_bytes()[: (10240 + 8192) * 512])
    result = ingest(cut, tmp_path / "case")
    truncated = [i for i in result.issues if i["code"] == "image_truncated"]
    assert len(truncated) == 1
    assert truncated[0]["locator"]["offset"] == str(cut.stat().st_size)
    fat_slot = {start: s for s, start in mmls_slots(cut).items()}[2048]
    assert truncated[0]["locator"]["partition"] != fat_slot
    assert result.entry("report.txt", fat_slot)["content"] == "complete"
    assert result.summary.counts.entries > 10


def test_case_inside_evidence_folder_is_refused(tmp_path: Path) -> None:
    evidence = tmp_path / "evidence"
    evidence.mkdir()
    image = evidence / "x.img"
    image.write_bytes(bytes(4096))
    case = Case.init(evidence / "case", "c")
    with pytest.raises(EvidenceWriteRefused):
        ingest_image(case, image)


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_randomly_damaged_images_never_stop_the_ingest(seed: int, tmp_path: Path) -> None:
    """Bytes flipped in the metadata areas of FAT and ext4: every run ends with a stored
    batch whose source hash is the damaged file's; what could not be read is an issue."""
    import random

    from tests.sources.conftest import build_ext4, build_fat

    rng = random.Random(seed)
    for built in (build_fat(tmp_path / f"fat{seed}"), build_ext4(tmp_path / f"ext{seed}")):
        data = bytearray(built.path.read_bytes())
        for _ in range(400):
            data[rng.randrange(512, 64 * 1024)] = rng.randrange(256)
        evidence = tmp_path / f"evidence-{built.path.stem}-{seed}"
        evidence.mkdir()
        damaged = evidence / "damaged.img"
        damaged.write_bytes(bytes(data))
        result = ingest(damaged, tmp_path / f"case-{built.path.stem}-{seed}")
        assert result.summary.source.sha256 == hashlib.sha256(data).hexdigest()
        validate_events(result.events)
        assert result.summary.counts.entries + len(result.issues) > 0

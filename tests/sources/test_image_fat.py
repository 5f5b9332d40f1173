"""FAT image built with mkfs.vfat + mtools: files, a deleted file, markings, local time."""

from __future__ import annotations

import hashlib
from pathlib import Path

from evidencekit.sources import native
from tests.sources.conftest import FAT_DELETED, FAT_FILES, FIXED_MTIME, Built
from tests.sources.helpers import fls_body, ingest, validate_events, without_md5


def test_fat_files_hashes_and_deleted_recovered(fat_image: Built, tmp_path: Path) -> None:
    before = hashlib.sha256(fat_image.path.read_bytes()).hexdigest()
    result = ingest(fat_image.path, tmp_path / "case", tz="Asia/Tokyo")
    for path, data in FAT_FILES.items():
        entry = result.entry(path)
        assert entry["size"] == len(data)
        assert entry["sha256"] == hashlib.sha256(data).hexdigest()
        assert entry["md5"] == hashlib.md5(data, usedforsecurity=False).hexdigest()
        assert entry["deleted"] is False
    # FAT overwrites the first byte of a deleted short name; TSK shows it as '_'.
    ((name, data),) = FAT_DELETED.items()
    gone = result.entry("_" + name[1:])
    assert gone["deleted"] is True and gone["name_allocated"] is False
    assert gone["sha256"] == hashlib.sha256(data).hexdigest()
    assert "recovered" in gone["flags"] and "unrecoverable" not in gone["flags"]
    assert result.summary.counts.deleted == 1 and result.summary.counts.recovered == 1
    recovered_event = result.events_for(gone["path"])["mtime"]
    # TSK reads a deleted FAT file from contiguous clusters: say so beside "recovered".
    assert recovered_event["attributes"]["recovery_basis"] == "fat_contiguous_clusters_assumed"
    assert result.issues == []
    validate_events(result.events)
    s = result.summary.source
    assert (s.sha256, s.sha256_after, s.size) == (before, before, fat_image.path.stat().st_size)
    assert hashlib.sha256(fat_image.path.read_bytes()).hexdigest() == before


def test_fat_markings(fat_image: Built, tmp_path: Path) -> None:
    result = ingest(fat_image.path, tmp_path / "case")
    assert result.entry("report.txt")["markings"] == [
        {"term": "Confidential", "where": "text", "count": 1, "encoding": "utf-8"}
    ]
    assert result.entry("sjis.txt")["markings"] == [
        {"term": "社外秘", "where": "text", "count": 1, "encoding": "cp932"}
    ]
    assert result.entry("plan.docx")["markings"] == [
        {"term": "社外秘", "where": "word/header1.xml", "count": 1}
    ]
    assert "markings" not in result.entry("docs/note.txt")
    assert "marked" in result.events_for("plan.docx")["mtime"]["flags"]
    assert result.summary.counts.marked == 3


def test_fat_local_time_semantics(fat_image: Built, tmp_path: Path) -> None:
    # mtools wrote the wall clock 2023-11-14 22:13:20 (it ran with TZ=UTC).
    tokyo = ingest(fat_image.path, tmp_path / "tokyo", tz="Asia/Tokyo").events_for("report.txt")
    assert tokyo["mtime"]["time"] == "2023-11-14T13:13:20.000000000Z"
    assert tokyo["mtime"]["time_offset"] == "+09:00"
    assert tokyo["mtime"]["time_zone"] == "Asia/Tokyo"
    assert tokyo["mtime"]["time_original"] == "2023-11-14 22:13:20"
    assert tokyo["mtime"]["time_precision"] == "2s"
    assert tokyo["mtime"]["action"] == "modify"
    assert tokyo["atime"]["time_precision"] == "1d"
    assert tokyo["atime"]["time"] == "2023-11-13T15:00:00.000000000Z"
    assert tokyo["crtime"]["action"] == "create"
    assert tokyo["mtime"]["attributes"]["time_semantics"] == "local_wall_clock"
    utc = ingest(fat_image.path, tmp_path / "utc", tz="UTC").events_for("report.txt")
    assert utc["mtime"]["time"] == "2023-11-14T22:13:20.000000000Z"
    assert utc["mtime"]["time_offset"] == "+00:00"
    assert FIXED_MTIME == 1_700_000_000


def test_fat_body_file_matches_fls(fat_image: Built, tmp_path: Path) -> None:
    result = ingest(fat_image.path, tmp_path / "case", tz="Asia/Tokyo")
    ours = result.summary.body.read_text(encoding="utf-8").splitlines()
    assert without_md5(ours) == without_md5(fls_body(fat_image.path, tz="Asia/Tokyo"))
    md5s = {line.split("|")[1]: line.split("|")[0] for line in ours}
    assert (
        md5s["/report.txt"]
        == hashlib.md5(FAT_FILES["report.txt"], usedforsecurity=False).hexdigest()
    )


def test_fat_outputs_deterministic_and_in_custody(fat_image: Built, tmp_path: Path) -> None:
    one = ingest(fat_image.path, tmp_path / "one", tz="Asia/Tokyo")
    two = ingest(fat_image.path, tmp_path / "two", tz="Asia/Tokyo")
    assert one.summary.inventory.read_bytes() == two.summary.inventory.read_bytes()
    assert one.summary.body.read_bytes() == two.summary.body.read_bytes()
    strip = [{k: v for k, v in e.items() if k not in ("id", "salt")} for e in one.events]
    assert strip == [{k: v for k, v in e.items() if k not in ("id", "salt")} for e in two.events]
    entry = one.case.custody.entries()[-1]
    assert entry.action == "ingest"
    for path in (one.summary.inventory, one.summary.body):
        rel = path.relative_to(one.case.root).as_posix()
        assert entry.evidence[rel] == hashlib.sha256(path.read_bytes()).hexdigest()
    assert rel.startswith("store/inventories/")
    reader = entry.details["file_system_readers"]["0"]
    assert reader.startswith("libtsk ") if native.enabled() else reader.startswith("pytsk3 ")
    head = one.case.seal()
    assert head.size == len(one.events) == one.summary.events

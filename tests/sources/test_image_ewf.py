"""EWF (ewfacquire, multi-segment) and split raw images: same walk as the raw image,
container hashes checked, damaged segments reported."""

from __future__ import annotations

import hashlib
import shutil
from pathlib import Path

import pytest

from tests.sources.conftest import Built, build_e01
from tests.sources.helpers import ingest

SEGMENT = 4 << 20


@pytest.fixture(scope="module")
def e01(ext4_image: Built, tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build_e01(ext4_image.path, tmp_path_factory.mktemp("e01") / "evidence", SEGMENT)


def _copy_segments(e01: Path, folder: Path) -> Path:
    folder.mkdir(parents=True)
    for seg in sorted(e01.parent.glob("evidence.E*")):
        shutil.copy(seg, folder / seg.name)
    return folder / e01.name


def test_e01_matches_raw_walk_and_hashes(ext4_image: Built, e01: Path, tmp_path: Path) -> None:
    raw = ingest(ext4_image.path, tmp_path / "raw")
    ewf = ingest(e01, tmp_path / "ewf")
    media = ext4_image.path.read_bytes()
    s = ewf.summary.source
    assert s.format == "ewf"
    assert (s.md5, s.sha256, s.size) == (
        hashlib.md5(media, usedforsecurity=False).hexdigest(),
        hashlib.sha256(media).hexdigest(),
        len(media),
    )
    assert s.sha256_after == s.sha256
    assert s.acquisition["ewf_stored_hash_check"] == {"md5": "match", "sha1": "match"}
    assert s.acquisition["ewf_stored_hashes"]["md5"] == s.md5
    assert s.acquisition["ewf_header"]["case_number"] == "CASE-1"
    segments = sorted(e01.parent.glob("evidence.E*"))
    assert len(segments) > 1
    assert [seg["name"] for seg in s.segments] == [p.name for p in segments]
    for seg, path in zip(s.segments, segments, strict=True):
        assert seg["sha256"] == seg["sha256_after"] == hashlib.sha256(path.read_bytes()).hexdigest()
    # The walk through libewf sees exactly what the walk of the raw image sees.
    assert ewf.summary.inventory.read_bytes() == raw.summary.inventory.read_bytes()
    assert ewf.summary.body.read_bytes() == raw.summary.body.read_bytes()
    assert ewf.issues == [dict(i, source=s.id) for i in raw.issues]


def test_split_raw_matches_raw(ext4_image: Built, tmp_path: Path) -> None:
    folder = tmp_path / "evidence"
    folder.mkdir()
    data = ext4_image.path.read_bytes()
    size = 5_000_000
    for number, start in enumerate(range(0, len(data), size), start=1):
        (folder / f"disk.{number:03d}").write_bytes(data[start : start + size])
    split = ingest(folder / "disk.001", tmp_path / "split")
    raw = ingest(ext4_image.path, tmp_path / "raw")
    assert split.summary.source.format == "split_raw"
    assert split.summary.source.sha256 == hashlib.sha256(data).hexdigest()
    assert [s["name"] for s in split.summary.source.segments] == [
        "disk.001", "disk.002", "disk.003", "disk.004"
    ]  # fmt: skip
    assert split.summary.inventory.read_bytes() == raw.summary.inventory.read_bytes()


def test_e01_corrupted_chunk_is_an_error_walk_continues(
    ext4_image: Built, e01: Path, tmp_path: Path
) -> None:
    copy = _copy_segments(e01, tmp_path / "evidence")
    # Overwrite file data inside a segment: libewf finds the chunk checksum wrong and
    # returns zeros, so the media no longer matches the hash stored at acquisition.
    big = (ext4_image.path.parent / "src" / "data" / "big.bin").read_bytes()
    for seg in sorted(copy.parent.glob("evidence.E*")):
        blob = bytearray(seg.read_bytes())
        at = blob.find(big[150_000:154_096])
        if at >= 0:
            blob[at + 100 : at + 200] = b"\xaa" * 100
            seg.write_bytes(bytes(blob))
            break
    else:
        pytest.fail("big.bin data not found in any segment (compression is off)")
    result = ingest(copy, tmp_path / "case")
    mismatches = [i for i in result.issues if i["code"] == "acquisition_hash_mismatch"]
    assert {i["severity"] for i in mismatches} == {"error"}
    assert len(mismatches) == 2  # MD5 and SHA-1 were stored
    assert result.summary.source.acquisition["ewf_stored_hash_check"]["md5"] == "mismatch"
    assert result.entry("data/big.bin")["sha256"] != hashlib.sha256(big).hexdigest()
    assert result.entry("keep.txt")["content"] == "complete"
    assert not result.summary.nothing_read


def test_e01_missing_segment_is_located(e01: Path, tmp_path: Path) -> None:
    copy = _copy_segments(e01, tmp_path / "evidence")
    (copy.parent / "evidence.E03").unlink()
    result = ingest(copy, tmp_path / "case")
    missing = [i for i in result.issues if i["code"] == "ewf_segment_missing"]
    assert [i["locator"] for i in missing] == [{"path": "evidence.E03"}]
    unreadable = [i for i in result.issues if i["code"] == "media_unreadable"]
    assert unreadable and all(int(i["locator"]["offset"]) >= 2 * SEGMENT - (1 << 20)
                              for i in unreadable)  # fmt: skip
    assert result.summary.counts.entries > 0

"""ext4 image built with mkfs.ext4 -d + debugfs: nanosecond times, deleted file, odd names,
a directory loop, markings in EUC-JP and UTF-16."""

from __future__ import annotations

import hashlib
import re
import subprocess
from pathlib import Path

from tests.sources.conftest import (
    EXT4_DELETED,
    EXT4_MTIME_NS,
    Built,
    build_ext4,
    ext4_files,
)
from tests.sources.helpers import fls_body, ingest, validate_events, without_md5


def test_ext4_content_and_times(ext4_image: Built, tmp_path: Path) -> None:
    result = ingest(ext4_image.path, tmp_path / "case")
    for path, data in ext4_files().items():
        entry = result.entry(path)
        assert (entry["size"], entry["sha256"]) == (len(data), hashlib.sha256(data).hexdigest())
        assert entry["sha1"] == hashlib.sha1(data, usedforsecurity=False).hexdigest()
    assert result.entry("data/big.bin")["mime"] == "application/octet-stream"
    events = result.events_for("data/big.bin")
    assert set(events) == {"atime", "mtime", "ctime", "crtime"}
    assert events["mtime"]["time"] == "2020-09-13T12:26:40.123456789Z"
    assert events["mtime"]["time_original"] == f"{EXT4_MTIME_NS // 10**9}.123456789"
    assert events["mtime"]["time_precision"] == "1ns"
    assert events["ctime"]["action"] == "metadata_change"
    assert events["mtime"]["locator"]["inode"] == result.entry("data/big.bin")["inode"]
    assert events["mtime"]["object"]["sha256"] == result.entry("data/big.bin")["sha256"]
    validate_events(result.events)


def test_ext4_deleted_file(ext4_image: Built, tmp_path: Path) -> None:
    result = ingest(ext4_image.path, tmp_path / "case")
    ((name, data),) = EXT4_DELETED.items()
    entry = result.entry(name)
    assert entry["deleted"] is True and entry["meta_allocated"] is False
    # debugfs rm frees the blocks but leaves the extent tree: TSK can still read them.
    assert "recovered" in entry["flags"]
    assert entry["sha256"] == hashlib.sha256(data).hexdigest()
    assert "deleted" in result.events_for(name)["mtime"]["flags"]


def test_ext4_markings_euc_jp_and_utf16(ext4_image: Built, tmp_path: Path) -> None:
    result = ingest(ext4_image.path, tmp_path / "case")
    assert result.entry("secret.txt")["markings"] == [
        {"term": "極秘", "where": "text", "count": 1, "encoding": "euc_jp"}
    ]
    assert result.entry("data/utf16.txt")["markings"] == [
        {"term": "Strictly Confidential", "where": "text", "count": 1, "encoding": "utf-16"}
    ]
    assert "markings" not in result.entry("keep.txt")


def test_ext4_odd_names_are_recorded(ext4_image: Built, tmp_path: Path) -> None:
    result = ingest(ext4_image.path, tmp_path / "case")
    issues = {i["code"]: i for i in result.issues}
    control = issues["name_control_characters"]
    assert control["locator"]["path"] == "bad\x01name.txt"
    assert control["message"].endswith(b"bad\x01name.txt".hex())
    invalid = issues["name_invalid_encoding"]
    assert invalid["message"].endswith(b"\xff\xfeinvalid.txt".hex())
    assert invalid["locator"]["inode"] == result.entry("\ufffd\ufffdinvalid.txt")["inode"]
    assert "name_problem" in result.entry("bad\x01name.txt")["flags"]
    body = result.summary.body.read_text(encoding="utf-8")
    assert "/bad^name.txt|" in body  # the body file stays one line per entry


def test_ext4_body_file_matches_fls(ext4_image: Built, tmp_path: Path) -> None:
    result = ingest(ext4_image.path, tmp_path / "case")
    ours = result.summary.body.read_text(encoding="utf-8").splitlines()
    theirs = fls_body(ext4_image.path)
    # fls prints invalid UTF-8 names with '^' too, byte by byte: compare the rest exactly.
    keep = [i for i, line in enumerate(theirs) if "invalid.txt" not in line]
    assert [without_md5(ours)[i] for i in keep] == [without_md5(theirs)[i] for i in keep]
    assert len(ours) == len(theirs)


def test_directory_loop_is_reported_and_walk_continues(tmp_path: Path) -> None:
    built = build_ext4(tmp_path / "evidence", loop=True)
    result = ingest(built.path, tmp_path / "case")
    loops = [i for i in result.issues if i["code"] == "directory_loop"]
    assert len(loops) == 1
    assert loops[0]["locator"]["path"] == "data/loop"
    assert loops[0]["locator"]["inode"] == result.entry("data")["inode"]
    assert (
        result.entry("keep.txt")["sha256"] == hashlib.sha256(ext4_files()["keep.txt"]).hexdigest()
    )


def _debugfs(image: Path, request: str) -> str:
    return subprocess.run(["debugfs", "-R", request, str(image)], check=True,
                          capture_output=True, text=True).stdout  # fmt: skip


def test_raw_sha256_is_the_on_disk_inode(ext4_image: Built, tmp_path: Path) -> None:
    result = ingest(ext4_image.path, tmp_path / "case")
    stats = _debugfs(ext4_image.path, "stats")
    block = int(re.search(r"Block size:\s+(\d+)", stats).group(1))  # type: ignore[union-attr]
    isize = int(re.search(r"Inode size:\s+(\d+)", stats).group(1))  # type: ignore[union-attr]
    for path in ("keep.txt", "data/big.bin", "data"):
        where = _debugfs(ext4_image.path, f"imap /{path}")
        m = re.search(r"located at block (\d+), offset (0x[0-9a-f]+)", where)
        assert m is not None, where
        start = int(m.group(1)) * block + int(m.group(2), 16)
        with open(ext4_image.path, "rb") as fp:
            fp.seek(start)
            expected = hashlib.sha256(fp.read(isize)).hexdigest()
        assert result.entry(path)["record_sha256"] == expected
        assert {e["raw_sha256"] for e in result.events_for(path).values()} == {expected}

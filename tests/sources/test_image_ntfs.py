"""NTFS image built with mkntfs + ntfscp: $SI and $FN times, an ADS (Zone.Identifier)."""

from __future__ import annotations

import hashlib
import subprocess
from pathlib import Path

import pyewf
import pytest

from evidencekit.events.time import from_unix
from tests.conftest import CORPUS
from tests.sources.conftest import FIXED_MTIME, NTFS_FILES, ZONE_ID, Built, need_tools
from tests.sources.helpers import fls_body, ingest, validate_events, without_md5


def test_ntfs_files_and_both_time_sets(ntfs_image: Built, tmp_path: Path) -> None:
    result = ingest(ntfs_image.path, tmp_path / "case")
    for path, data in NTFS_FILES.items():
        entry = result.entry(path)
        assert (entry["size"], entry["sha256"]) == (len(data), hashlib.sha256(data).hexdigest())
        assert entry["fs_type"] == "NTFS" and entry["attribute"].startswith("128-")
        assert entry["sequence"] >= 1
    events = result.events_for("hello.txt")
    si = {"si_crtime", "si_mtime", "si_atime", "si_ctime"}
    fn = {"fn_crtime", "fn_mtime", "fn_atime", "fn_ctime"}
    assert si | fn <= set(events)
    # ntfscp -t copied the source file's modification time into $STANDARD_INFORMATION.
    assert events["si_mtime"]["time"] == from_unix(FIXED_MTIME)
    assert events["si_mtime"]["time_precision"] == "100ns"
    assert events["si_mtime"]["action"] == "modify"
    assert events["fn_crtime"]["action"] == "create"
    ft = int(events["si_mtime"]["time_original"])
    assert ft == FIXED_MTIME * 10**7 + 116444736000000000
    loc = events["si_mtime"]["locator"]
    assert loc["partition"] == 0 and loc["inode"] == result.entry("hello.txt")["inode"]
    validate_events(result.events)


def test_ntfs_istat_agrees_on_fn_times(ntfs_image: Built, tmp_path: Path) -> None:
    result = ingest(ntfs_image.path, tmp_path / "case")
    inode = result.entry("hello.txt")["inode"]
    text = subprocess.run(["istat", "-z", "UTC", str(ntfs_image.path), inode], check=True,
                          capture_output=True, text=True).stdout  # fmt: skip
    fn_block = text.split("$FILE_NAME Attribute Values:")[1]
    created = fn_block.split("Created:")[1].split("(UTC)")[0].strip()
    ours = result.events_for("hello.txt")["fn_crtime"]["time"]
    assert ours.replace("T", " ")[:29] == created[:29]


def test_ntfs_ads_zone_identifier(ntfs_image: Built, tmp_path: Path) -> None:
    result = ingest(ntfs_image.path, tmp_path / "case")
    entry = result.entry("hello.txt")
    (stream,) = entry["streams"]
    assert stream["name"] == "Zone.Identifier"
    assert stream["path"] == "hello.txt:Zone.Identifier"
    assert stream["size"] == len(ZONE_ID)
    assert stream["sha256"] == hashlib.sha256(ZONE_ID).hexdigest()
    assert stream["zone_identifier"] == {
        "ZoneId": "3", "HostUrl": "https://example.com/hello.txt"
    }  # fmt: skip
    assert {"ads", "zone_identifier", "marked"} <= set(entry["flags"])
    event = result.events_for("hello.txt")["si_crtime"]
    assert event["attributes"]["streams"][0]["zone_identifier"]["ZoneId"] == "3"
    assert entry["markings"][0]["term"] == "Internal Use Only"


def test_ntfs_body_file_matches_fls(ntfs_image: Built, tmp_path: Path) -> None:
    result = ingest(ntfs_image.path, tmp_path / "case")
    ours = without_md5(result.summary.body.read_text(encoding="utf-8").splitlines())
    theirs = without_md5(fls_body(ntfs_image.path))
    # mkntfs leaves $MFT's $STANDARD_INFORMATION times at FILETIME 0 ("not set"); TSK's
    # 32-bit conversion turns 0 into 2076-11-29 (3373865674). We write 0 for "not set".
    mft = [line for line in theirs if line.startswith("/$MFT|")]
    assert mft == [
        "/$MFT|0-128-1|r/rr-xr-xr-x|0|0|67584|3373865674|3373865674|3373865674|3373865674"
    ]
    theirs = [line if line not in mft else "/$MFT|0-128-1|r/rr-xr-xr-x|0|0|67584|0|0|0|0"
              for line in theirs]  # fmt: skip
    assert sorted(ours) == sorted(theirs)


def _secaudit_owner(raw: Path, path: str) -> str:
    """Owner SID as ntfs-3g's ntfssecaudit reads it (an independent implementation)."""
    text = subprocess.run(["ntfssecaudit", str(raw), "/" + path], check=True,
                          capture_output=True, text=True).stdout  # fmt: skip
    return next(line.split()[-1] for line in text.splitlines() if "Windows owner" in line)


def test_owner_sid_from_resident_descriptor(ntfs_image: Built, tmp_path: Path) -> None:
    need_tools("ntfssecaudit")
    result = ingest(ntfs_image.path, tmp_path / "case")
    expected = _secaudit_owner(ntfs_image.path, "hello.txt")
    assert result.entry("hello.txt")["owner_sid"] == expected
    assert result.events_for("hello.txt")["si_mtime"]["attributes"]["owner_sid"] == expected


def test_owner_sid_from_secure_sds(tmp_path: Path) -> None:
    need_tools("ntfssecaudit")
    e01 = CORPUS / "disk_images" / "velo_ntfs" / "test.ntfs.dd.E01"
    if not e01.exists():
        pytest.skip(f"{e01} is absent (../shared/corpus is not beside this checkout)")
    handle = pyewf.handle()
    handle.open(pyewf.glob(str(e01)), "r")
    raw = tmp_path / "velo.raw"
    raw.write_bytes(handle.read_buffer_at_offset(handle.get_media_size(), 0))
    handle.close()
    result = ingest(e01, tmp_path / "case")
    for path in ("just_a_file.txt", "Folder A/Folder B/Hello world text document.txt",
                 "System Volume Information/WPSettings.dat"):  # fmt: skip
        entry = result.entry(path)
        assert entry["security_id"] >= 256  # a $Secure reference, not a resident descriptor
        assert entry["owner_sid"] == _secaudit_owner(raw, path), path


def test_raw_sha256_is_the_mft_record(ntfs_image: Built, tmp_path: Path) -> None:
    result = ingest(ntfs_image.path, tmp_path / "case")
    mft = subprocess.run(["icat", str(ntfs_image.path), "0"], check=True,
                         capture_output=True).stdout  # fmt: skip
    for path in ("hello.txt", "photo.bin", "$MFT"):
        inode = int(result.entry(path)["inode"])
        expected = hashlib.sha256(mft[inode * 1024 : (inode + 1) * 1024]).hexdigest()
        assert mft[inode * 1024 : inode * 1024 + 4] == b"FILE"
        assert result.entry(path)["record_sha256"] == expected
        assert result.events_for(path)["fn_crtime"]["raw_sha256"] == expected


def test_ads_count_excludes_index_streams(ntfs_image: Built, tmp_path: Path) -> None:
    result = ingest(ntfs_image.path, tmp_path / "case")
    data_streams = sorted(s["path"] for r in result.inventory for s in r.get("streams", [])
                          if s["attribute"].startswith("128-"))  # fmt: skip
    assert data_streams == [
        "$BadClus:$Bad", "$Secure:$SDS", "$UpCase:$Info", "hello.txt:Zone.Identifier"
    ]  # fmt: skip
    assert result.summary.counts.streams == len(data_streams)
    index_streams = {s["path"] for r in result.inventory for s in r.get("streams", [])
                     if s["attribute"].startswith("144-")}  # fmt: skip
    assert "$Secure:$SII" in index_streams


def test_invalid_utf16_name_is_recorded(tmp_path: Path) -> None:
    """A lone surrogate written over a name's first UTF-16 unit, in the MFT record and
    in the directory index (the only bytes changed; none sits on an update-sequence
    slot): TSK shows '^', we record the raw $FILE_NAME bytes."""
    need_tools("mkntfs", "ntfscp", "fls")
    folder = tmp_path / "evidence"
    folder.mkdir()
    image = folder / "names.img"
    subprocess.run(["truncate", "-s", "16M", str(image)], check=True)
    subprocess.run(["mkntfs", "-F", "-f", "-q", str(image)], check=True, capture_output=True)
    (tmp_path / "f").write_bytes(b"hi\n")
    subprocess.run(["ntfscp", "-f", str(image), str(tmp_path / "f"), "QQQQ.txt"], check=True,
                   capture_output=True)  # fmt: skip
    data = bytearray(image.read_bytes())
    name = "QQQQ".encode("utf-16-le")
    hits, at = [], data.find(name)
    while at >= 0:
        hits.append(at)
        at = data.find(name, at + 1)
    assert len(hits) == 2 and all(i % 512 < 508 for i in hits)
    for i in hits:
        data[i : i + 2] = b"\x00\xd8"
    image.write_bytes(bytes(data))
    listing = subprocess.run(["fls", str(image)], check=True, capture_output=True, text=True)
    assert "^QQ.txt" in listing.stdout
    result = ingest(image, tmp_path / "case")
    (issue,) = [i for i in result.issues if i["code"] == "name_invalid_utf16"]
    assert issue["locator"]["path"] == "^QQ.txt"
    # TSK's lenient conversion swallows the unit after the lone surrogate ('^QQ.txt' for
    # '\ud800QQQ.txt'): the raw bytes in the issue keep what is really there.
    assert issue["message"].endswith("00d8" + "QQQ.txt".encode("utf-16-le").hex())
    assert "name_problem" in result.entry("^QQ.txt")["flags"]


def test_timestomp_suspected_when_si_precedes_fn(ntfs_image: Built, tmp_path: Path) -> None:
    """$STANDARD_INFORMATION creation time set back ten years in hello.txt's MFT record
    (as timestomping tools do; $FILE_NAME is left alone). istat confirms the edit."""
    folder = tmp_path / "evidence"
    folder.mkdir()
    image = folder / "stomped.img"
    data = bytearray(ntfs_image.path.read_bytes())
    cluster = int.from_bytes(data[0x0B:0x0D], "little") * data[0x0D]
    mft = int.from_bytes(data[0x30:0x38], "little") * cluster
    inode = int(ingest(ntfs_image.path, tmp_path / "probe").entry("hello.txt")["inode"])
    record = mft + inode * 1024
    assert data[record : record + 4] == b"FILE"
    attr = record + int.from_bytes(data[record + 0x14 : record + 0x16], "little")
    assert int.from_bytes(data[attr : attr + 4], "little") == 0x10  # $STANDARD_INFORMATION
    content = attr + int.from_bytes(data[attr + 0x14 : attr + 0x16], "little")
    created = int.from_bytes(data[content : content + 8], "little")
    earlier = created - 10 * 365 * 86400 * 10**7
    data[content : content + 8] = earlier.to_bytes(8, "little")
    image.write_bytes(bytes(data))
    istat = subprocess.run(["istat", str(image), str(inode)], check=True, capture_output=True,
                           text=True).stdout  # fmt: skip
    si_created = istat.split("$STANDARD_INFORMATION")[1].split("Created:")[1].split("(")[0]
    fn_created = istat.split("$FILE_NAME Attribute")[1].split("Created:")[1].split("(")[0]
    assert si_created.strip() < fn_created.strip()
    result = ingest(image, tmp_path / "case")
    events = result.events_for("hello.txt")
    assert events["si_crtime"]["time_original"] == str(earlier)
    assert all("timestomp_suspected" in e["flags"] for e in events.values())
    untouched = ingest(ntfs_image.path, tmp_path / "clean").events_for("hello.txt")
    assert all("timestomp_suspected" not in e.get("flags", []) for e in untouched.values())

"""The chunk check and the FAT record bytes on the real third-party images in
../shared/corpus: E01s written by libewf and by FTK Imager check out chunk for chunk
(as ``ewfverify`` agrees), and every entry of DFTT #6 (FAT16, deleted files) carries
directory-entry bytes that say what ``fls``/``istat`` say."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from evidencekit.sources.ewf_chunks import check_segments
from tests.conftest import CORPUS
from tests.sources.conftest import need_tools
from tests.sources.helpers import ingest, validate_events
from tests.sources.test_fat_records import _check_entries, _fls_names, _geometry, _istat, _lfn_name

pytestmark = pytest.mark.corpus
E01S = [
    "disk_images/tsk_ext2/image.E01",
    "disk_images/tsk_mbr_2ntfs/imageformat_mmls_1.E01",  # FTK Imager
    "disk_images/velo_ntfs/test.ntfs.dd.E01",
]
DFTT6 = "disk_images/dftt_06_fat_undel/6-fat-undel.dd"


def _corpus(name: str) -> Path:
    path = CORPUS / name
    if not path.is_file():
        pytest.skip(f"{path} is absent (../shared/corpus is not beside this checkout)")
    return path


@pytest.mark.parametrize("name", E01S)
def test_real_e01_chunks_check_out(name: str) -> None:
    need_tools("ewfverify")
    path = _corpus(name)
    check = check_segments([path])
    assert check.problems == []
    assert check.chunks_expected is not None and check.chunks_checked == check.chunks_expected
    verify = subprocess.run(["ewfverify", "-q", str(path)], capture_output=True, check=False)
    assert b"ewfverify: SUCCESS" in verify.stdout


def test_dftt6_fat_entries_traced_to_bytes(tmp_path: Path) -> None:
    need_tools("fls", "istat", "fsstat")
    image = _corpus(DFTT6)
    result = ingest(image, tmp_path / "case")
    validate_events(result.events)
    names = _fls_names(image)
    start, per_cluster = _geometry(image)
    records = _check_entries(result, image)
    assert records and all(not r["path"].startswith("$") for r in records)
    deleted = 0
    for rec in records:
        inode, sfn = int(rec["inode"]), rec["raw"][-32:]
        stat = _istat(image, inode)
        assert names[inode].rsplit("/", 1)[-1] == rec["name"]
        long_name = _lfn_name(rec["raw"])
        if long_name is not None:
            assert long_name == rec["name"]
        if sfn[11] & 0x18 == 0:
            assert int.from_bytes(sfn[28:32], "little") == stat["size"]
        if stat["first_sector"] is not None and not sfn[11] & 0x08:
            cluster = int.from_bytes(sfn[20:22], "little") << 16 | int.from_bytes(
                sfn[26:28], "little"
            )
            assert cluster == (stat["first_sector"] - start) // per_cluster + 2
        deleted += sfn[0] == 0xE5
    assert deleted >= 4  # the DFTT #6 files were deleted

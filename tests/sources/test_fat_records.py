"""FAT12/16/32 and exFAT entries carry the SHA-256 and location of their directory
entries. Images come from mkfs.vfat + mtools (mcopy, mdel) and mkfs.exfat; each
record is read back here from the image file at its offset, parsed by this test's
own reading of the directory-entry format, and compared with ``fls`` and ``istat``
(The Sleuth Kit)."""

from __future__ import annotations

import hashlib
import re
import subprocess
from pathlib import Path
from typing import Any

import pytest

from tests.sources.conftest import MTOOLS_ENV, Built, build_exfat, need_tools, run
from tests.sources.helpers import Result, ingest, validate_events

LONG = "A very long file name indeed.txt"
JAPANESE = "秘密の資料.txt"
DELETED = "deleted long name.txt"
MANY = 12  # long-named files in one folder: their entry sets cross cluster boundaries


def _build(folder: Path, fat: int) -> Built:
    need_tools("mkfs.vfat", "mcopy", "mdel", "mmd")
    folder.mkdir(parents=True)
    image = folder / f"fat{fat}.img"
    size = {12: "2048", 16: "8192", 32: "34000"}[fat]
    run("mkfs.vfat", "-C", "-F", str(fat), "-s", "1", "-n", "EVIDENCE", image, size)
    src = folder / "data.txt"
    src.write_bytes(b"directory entries are evidence too\n")

    def put(name: str) -> None:
        run("mcopy", "-i", image, src, f"::/{name}", env=MTOOLS_ENV)

    run("mmd", "-i", image, "::/many", env=MTOOLS_ENV)
    for name in (LONG, JAPANESE, "short.txt", DELETED):
        put(name)
    for i in range(MANY):
        put(f"many/long file name number {i:02d}.txt")
        put(f"r{i}.bin")  # takes the next cluster, so the folder's clusters are apart
    run("mdel", "-i", image, f"::/{DELETED}", env=MTOOLS_ENV)
    return Built(image)


@pytest.fixture(scope="module", params=[12, 16, 32], ids=["FAT12", "FAT16", "FAT32"])
def fat(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Built:
    return _build(tmp_path_factory.mktemp("fatrec") / "evidence", request.param)


def _tsk(tool: str, image: Path, *args: str) -> str:
    out = subprocess.run([tool, *args, str(image)] if tool != "istat" else
                         [tool, str(image), *args], check=True, capture_output=True)  # fmt: skip
    return out.stdout.decode("utf-8", "replace")


def _fls_names(image: Path) -> dict[int, str]:
    names = {}
    for line in _tsk("fls", image, "-r", "-p").splitlines():
        head, path = line.split("\t", 1)
        names[int(head.split()[-1].rstrip(":"))] = path
    return names


def _istat(image: Path, inode: int) -> dict[str, Any]:
    text = _tsk("istat", image, str(inode))
    sectors = text.split("Sectors:", 1)[1].split()
    return {
        "size": int(re.search(r"^Size: (\d+)", text, re.M).group(1)),  # type: ignore[union-attr]
        "name": re.search(r"^Name: (.*)$", text, re.M).group(1),  # type: ignore[union-attr]
        "first_sector": int(sectors[0]) if sectors and sectors[0] != "0" else None,
    }


def _geometry(image: Path) -> tuple[int, int]:
    """First sector of cluster 2 and sectors per cluster, from ``fsstat``."""
    text = _tsk("fsstat", image)
    start = int(re.search(r"Cluster (?:Area|Heap): (\d+)", text).group(1))  # type: ignore[union-attr]
    sector = int(re.search(r"Sector Size: (\d+)", text).group(1))  # type: ignore[union-attr]
    cluster = int(re.search(r"Cluster Size: (\d+)", text).group(1))  # type: ignore[union-attr]
    return start, cluster // sector


def _record_bytes(image: Path, rec: dict[str, Any]) -> bytes:
    extents = rec.get("record_extents") or [[rec["record_offset"], rec["record_length"]]]
    with open(image, "rb") as fp:
        parts = []
        for offset, length in extents:
            fp.seek(int(offset))
            parts.append(fp.read(length))
    return b"".join(parts)


def _lfn_name(raw: bytes) -> str | None:
    """The long name from the LFN entries before the short entry (last-first on disk)."""
    pieces = []
    for at in range(len(raw) - 64, -1, -32):
        e = raw[at : at + 32]
        assert e[11] == 0x0F, "all but the last entry of the set are LFN entries"
        pieces.append(e[1:11] + e[14:26] + e[28:32])
    if not pieces:
        return None
    text = b"".join(pieces).decode("utf-16-le")
    return text.split("\0", 1)[0]


def _check_entries(result: Result, image: Path) -> list[dict[str, Any]]:
    """Every FAT entry has a record or says why not; each record is the bytes at its
    offset, and every event of the entry carries its hash and location."""
    events: dict[str, list[dict[str, Any]]] = {}
    for e in result.events:
        events.setdefault(e["locator"]["path"], []).append(e)
    records = []
    for rec in result.inventory:
        if rec["meta_type"] in ("virtual", "virtual_dir"):
            assert rec["record_absent"] == "TSK virtual entry: no directory entry"
            assert "record_sha256" not in rec
            continue
        raw = _record_bytes(image, rec)
        assert len(raw) == rec["record_length"] == 32 * rec["record_entries"]
        assert hashlib.sha256(raw).hexdigest() == rec["record_sha256"]
        for e in events[rec["path"]]:
            assert e["raw_sha256"] == rec["record_sha256"]
            if "record_extents" in rec:
                assert "offset" not in e["locator"]
            else:
                assert e["locator"]["offset"] == rec["record_offset"]
                assert e["locator"]["length"] == rec["record_length"]
        records.append({**rec, "raw": raw})
    return records


def test_fat_directory_entries_traced_to_bytes(fat: Built, tmp_path: Path) -> None:
    result = ingest(fat.path, tmp_path / "case")
    assert result.issues == []
    validate_events(result.events)
    names = _fls_names(fat.path)
    cluster_start, cluster_sectors = _geometry(fat.path)
    records = _check_entries(result, fat.path)
    assert len(records) == len(names) - sum(n.startswith("$") for n in names.values())
    for rec in records:
        inode = int(rec["inode"])
        sfn = rec["raw"][-32:]
        assert rec["path"] == names[inode]
        stat = _istat(fat.path, inode)
        # Our own parse of the bytes at the offset says what TSK says about the entry.
        long_name = _lfn_name(rec["raw"])
        if long_name is not None:
            assert long_name == names[inode].rsplit("/", 1)[-1]
        size = int.from_bytes(sfn[28:32], "little")
        cluster = int.from_bytes(sfn[20:22], "little") << 16 | int.from_bytes(sfn[26:28], "little")
        if sfn[11] & 0x18 == 0:  # a file (not a folder or the volume label)
            assert size == stat["size"] == rec["size"]
        if stat["first_sector"] is not None and not sfn[11] & 0x08:
            assert cluster == (stat["first_sector"] - cluster_start) // cluster_sectors + 2
    by_path = {r["path"]: r for r in records}
    assert by_path[LONG]["record_entries"] == 4  # 32 characters: 3 LFN entries + 8.3
    assert by_path[JAPANESE]["record_entries"] == 2
    assert by_path["short.txt"]["record_entries"] == 1
    gone = by_path[DELETED]
    assert gone["deleted"] is True and gone["record_entries"] == 3
    assert gone["raw"][0] == gone["raw"][32] == gone["raw"][64] == 0xE5
    many = [r for r in records if r["path"].startswith("many/")]
    assert len(many) == MANY and {r["record_entries"] for r in many} == {4}
    assert any("record_extents" in r for r in many), "no set crossed a cluster boundary"


def test_fat_split_entry_set_follows_the_fat_chain(tmp_path: Path) -> None:
    """A long name whose LFN entries begin in the folder's previous cluster, which is
    not the adjacent one: the extents name both places."""
    built = _build(tmp_path / "evidence", 16)
    result = ingest(built.path, tmp_path / "case")
    split = [r for r in _check_entries(result, built.path) if "record_extents" in r]
    assert split
    cluster_bytes = 512
    for rec in split:
        (a, a_len), (b, _) = ((int(o), n) for o, n in rec["record_extents"])
        assert (a + a_len) % cluster_bytes == 0 and int(b) % cluster_bytes == 0
        assert int(b) != a + a_len  # the next cluster of the folder is elsewhere
        assert _lfn_name(rec["raw"]) == rec["name"]


def test_exfat_root_special_entries(tmp_path: Path) -> None:
    """exfatprogs builds only empty volumes without mounting, so the entries checked
    here are the root folder's own: volume label, allocation bitmap, up-case table."""
    built = build_exfat(tmp_path / "evidence")
    result = ingest(built.path, tmp_path / "case")
    assert result.issues == []
    cluster_start, cluster_sectors = _geometry(built.path)
    records = _check_entries(result, built.path)
    kinds = {}
    for rec in records:
        raw, stat = rec["raw"], _istat(built.path, int(rec["inode"]))
        assert rec["record_type"] == "exfat_dentry_set" and rec["record_entries"] == 1
        kinds[raw[0]] = rec
        if raw[0] == 0x83:  # volume label: character count, then UTF-16
            assert raw[2 : 2 + 2 * raw[1]].decode("utf-16-le") == stat["name"] == "EXVOL"
        else:  # 0x81 bitmap, 0x82 up-case table: first cluster, data length
            cluster = int.from_bytes(raw[20:24], "little")
            assert int.from_bytes(raw[24:32], "little") == stat["size"] == rec["size"]
            assert cluster == (stat["first_sector"] - cluster_start) // cluster_sectors + 2
    assert sorted(kinds) == [0x81, 0x82, 0x83]
    assert kinds[0x81]["path"] == "$ALLOC_BITMAP" and kinds[0x82]["path"] == "$UPCASE_TABLE"
    absent = {r["path"]: r["record_absent"] for r in result.inventory if "record_absent" in r}
    assert set(absent) == {"$MBR", "$FAT1", "$OrphanFiles"}

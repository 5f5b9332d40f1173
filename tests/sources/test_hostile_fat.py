"""Hostile FAT12/16/32 and exFAT images for the directory-entry locator: FAT chains
that cycle or point anywhere, boot-sector fields at edge values, directory slots made
to look like long-name entries or long exFAT entry sets. Images come from mkfs.vfat +
mmd/mcopy and mkfs.exfat. Every inode is asked for its record: the answer comes
quickly, raises nothing, and a record's hash is of the bytes at the place it names."""

from __future__ import annotations

import hashlib
import struct
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from evidencekit.sources.fat_records import DENTRY, FatRecords
from evidencekit.sources.volumes import FileSystem, Partition
from tests.sources.conftest import MTOOLS_ENV, build_exfat, need_tools, run
from tests.sources.test_hostile_ewf import LIMIT_S, time_limit

INODES = 1500  # inodes asked per example (the directory areas of these images)


def _build_fat(folder: Path, bits: int) -> bytes:
    need_tools("mkfs.vfat", "mcopy", "mmd")
    folder.mkdir(parents=True)
    image = folder / f"fat{bits}.img"
    size = {12: "1024", 16: "8192", 32: "34000"}[bits]
    run("mkfs.vfat", "-C", "-F", str(bits), "-s", "1", "-n", "HOSTILE", image, size)
    src = folder / "data.txt"
    src.write_bytes(b"x" * 600)
    run("mmd", "-i", image, "::/d", env=MTOOLS_ENV)
    for i in range(10):  # long names in a folder whose clusters are apart
        run("mcopy", "-i", image, src, f"::/d/a rather long file name {i:02d}.txt", env=MTOOLS_ENV)
        run("mcopy", "-i", image, src, f"::/f{i}.bin", env=MTOOLS_ENV)
    return image.read_bytes()


@pytest.fixture(scope="module", params=["FAT12", "FAT16", "FAT32", "exFAT"])
def volume(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> tuple[str, bytes]:
    folder = tmp_path_factory.mktemp(f"hostile-{request.param}") / "evidence"
    if request.param == "exFAT":
        return "exFAT", build_exfat(folder).path.read_bytes()
    return request.param, _build_fat(folder, int(request.param[3:]))


def _reader(blob: bytes) -> FatRecords | None:
    def read(offset: int, length: int) -> bytes:  # DiskImage.read: never past the end
        assert offset >= 0 and length >= 0, (offset, length)
        return blob[offset : offset + max(0, min(length, len(blob) - offset))]

    return read  # type: ignore[return-value]


def _fs(kind: str, blob: bytes) -> FileSystem:
    return FileSystem(Partition(0, 0, len(blob) // 512, "whole image"), None, kind, 512, 0)


def assert_records_sound(kind: str, blob: bytes) -> None:
    """Each inode's record is absent with a reason, or names bytes of the image whose
    SHA-256 it gives, ending (FAT) or starting (exFAT) at the inode's own slot."""
    found = FatRecords.for_fs(_fs(kind, blob), _reader(blob))  # type: ignore[arg-type]
    if found is None:
        return
    for inode in range(2, INODES):
        rec = found.fields(inode, "reg")
        if "record_absent" in rec:
            assert isinstance(rec["record_absent"], str) and rec["record_absent"]
            continue
        extents = rec.get("record_extents") or [[rec["record_offset"], rec["record_length"]]]
        raw = b"".join(blob[int(o) : int(o) + n] for o, n in extents)
        assert len(raw) == rec["record_length"] == DENTRY * rec["record_entries"]
        assert hashlib.sha256(raw).hexdigest() == rec["record_sha256"]
        own = found.slot_offset(inode)
        slots = [int(o) + k for o, n in extents for k in range(0, n, DENTRY)]
        assert own == (slots[0] if kind == "exFAT" else slots[-1])
        assert len(set(slots)) == len(slots), "a slot counted twice"


def _mutate_fat(blob: bytearray, kind: str, which: float, value: int) -> None:
    """Set one FAT entry (a chain that cycles, ends nowhere or leaves the volume)."""
    if kind == "exFAT":
        fat = struct.unpack_from("<I", blob, 0x50)[0] * 512
        length = struct.unpack_from("<I", blob, 0x54)[0] * 512
    else:
        reserved = struct.unpack_from("<H", blob, 0x0E)[0]
        per_fat = struct.unpack_from("<H", blob, 0x16)[0] or struct.unpack_from("<I", blob, 0x24)[0]
        fat, length = reserved * 512, per_fat * 512
    width = {"FAT12": 2, "FAT16": 2}.get(kind, 4)
    at = fat + int(which * min(length, 4096)) // width * width
    blob[at : at + width] = (value % (1 << (8 * width))).to_bytes(width, "little")


BOOT_FIELDS = {  # offset, width: BPB (FAT) and exFAT boot-sector fields
    "FAT": [(0x0B, 2), (0x0D, 1), (0x0E, 2), (0x10, 1), (0x11, 2), (0x13, 2), (0x16, 2),
            (0x20, 4), (0x24, 4)],
    "exFAT": [(0x48, 8), (0x50, 4), (0x54, 4), (0x58, 4), (0x5C, 4), (0x6C, 1), (0x6D, 1)],
}  # fmt: skip
EDGES = st.one_of(
    st.sampled_from([0, 1, 2, 3, 0xFF, 0xFFF, 0xFFF7, 0xFFFF, 0x0FFFFFFF, 0xFFFFFFFF, 2**63]),
    st.integers(0, 1 << 16),
)


@settings(max_examples=60, deadline=None, derandomize=True,
          suppress_health_check=[HealthCheck.function_scoped_fixture])  # fmt: skip
@given(
    part=st.sampled_from(["fat", "boot", "slot"]),
    which=st.floats(0, 1),
    value=EDGES,
    copies=st.integers(1, 8),
)
def test_hostile_fields_never_hang_or_raise(
    volume: tuple[str, bytes], part: str, which: float, value: int, copies: int
) -> None:
    kind, original = volume
    blob = bytearray(original)
    for k in range(copies):
        spot = (which + k / copies) % 1
        if part == "fat":
            _mutate_fat(blob, kind, spot, value + k)
        elif part == "boot":
            fields = BOOT_FIELDS["exFAT" if kind == "exFAT" else "FAT"]
            at, width = fields[int(spot * len(fields))]
            blob[at : at + width] = (value % (1 << (8 * width))).to_bytes(width, "little")
        else:  # a directory slot made a long-name entry / a long exFAT entry set
            at = _slots_start(kind, original) + int(spot * 64) * DENTRY
            blob[at + 11] = 0x0F if kind != "exFAT" else blob[at + 11]
            blob[at] = (0x85 if kind == "exFAT" else 0x40 | (value & 0x3F)) if k % 2 else blob[at]
            blob[at + 1] = value & 0xFF if kind == "exFAT" else blob[at + 1]
            blob[at + 13] = value & 0xFF if kind != "exFAT" else blob[at + 13]
    with time_limit(LIMIT_S):
        assert_records_sound(kind, bytes(blob))


def _slots_start(kind: str, blob: bytes) -> int:
    """Media offset of the first slot after the FATs (TSK inode 3)."""
    found = FatRecords.for_fs(_fs(kind, blob), _reader(blob))  # type: ignore[arg-type]
    assert found is not None
    at = found.slot_offset(3)
    assert at is not None
    return at


def test_clean_images_are_sound(volume: tuple[str, bytes]) -> None:
    kind, blob = volume
    found = FatRecords.for_fs(_fs(kind, blob), _reader(blob))  # type: ignore[arg-type]
    assert found is not None
    assert_records_sound(kind, blob)


def _exfat_root(blob: bytes) -> tuple[int, int, int]:
    """(FAT offset, root cluster, root directory offset) from the boot sector."""
    fat_at, _, heap, _, root = struct.unpack_from("<IIIII", blob, 0x50)
    return fat_at * 512, root, heap * 512 + (root - 2) * (512 << blob[0x6D])


def _inode_at(found: FatRecords, offset: int) -> int:
    return next(i for i in range(3, 1 << 16) if found.slot_offset(i) == offset)


@pytest.fixture
def exfat(tmp_path: Path) -> bytearray:
    return bytearray(build_exfat(tmp_path / "evidence").path.read_bytes())


def test_exfat_entry_set_in_a_cycling_chain_lists_no_slot_twice(exfat: bytearray) -> None:
    """A file entry declaring 255 secondaries in a root folder whose FAT entry points
    to itself: the record stops where the chain cycles back, and says so (it listed
    the same slots again and hashed them twice)."""
    fat, root, folder = _exfat_root(bytes(exfat))
    struct.pack_into("<I", exfat, fat + 4 * root, root)
    at = folder + 3 * DENTRY  # after the label, bitmap and up-case entries
    exfat[at : at + 2] = bytes([0x85, 255])
    blob = bytes(exfat)
    found = FatRecords.for_fs(_fs("exFAT", blob), _reader(blob))  # type: ignore[arg-type]
    assert found is not None
    rec = found.fields(_inode_at(found, at), "reg")
    cluster_slots = (512 << blob[0x6D]) // DENTRY
    assert rec["record_entries"] == cluster_slots  # slots 3.. then 0..2 of the cluster
    assert "cycles back" in rec["record_incomplete"] and "255" in rec["record_incomplete"]
    assert_records_sound("exFAT", blob)


def test_exfat_end_of_chain_is_no_cluster_whatever_the_cluster_count(exfat: bytearray) -> None:
    """A boot sector claiming 2^32 - 1 clusters: the end-of-chain mark 0xFFFFFFFF is
    still the end, so an entry set reaching the end of its folder's last cluster is
    recorded up to there (it was followed to 'cluster' 0xFFFFFFFF, past the image,
    and the record was lost as unreadable)."""
    fat, root, folder = _exfat_root(bytes(exfat))
    struct.pack_into("<I", exfat, 0x5C, 0xFFFFFFFF)
    assert struct.unpack_from("<I", exfat, fat + 4 * root)[0] == 0xFFFFFFFF
    cluster_slots = (512 << exfat[0x6D]) // DENTRY
    at = folder + (cluster_slots - 2) * DENTRY
    exfat[at : at + 2] = bytes([0x85, 4])
    blob = bytes(exfat)
    found = FatRecords.for_fs(_fs("exFAT", blob), _reader(blob))  # type: ignore[arg-type]
    assert found is not None
    rec = found.fields(_inode_at(found, at), "reg")
    assert rec["record_entries"] == 2 and rec["record_offset"] == str(at)
    assert "chain ends after 1" in rec["record_incomplete"]


@pytest.mark.parametrize("keep", [0, 40, 0x60, 0x6C, 511])
def test_boot_sector_cut_short_gives_no_reader(volume: tuple[str, bytes], keep: int) -> None:
    """A file system whose boot sector the media cuts short (at the end of the image):
    no reader and no exception (exFAT raised IndexError for 0x60-0x6C bytes, and
    a FAT reader was made from whatever part of the BPB was there)."""
    kind, blob = volume[0], volume[1][:keep]
    assert FatRecords.for_fs(_fs(kind, blob), _reader(blob)) is None  # type: ignore[arg-type]


def test_fat32_reserved_bits_do_not_hide_the_previous_cluster(tmp_path: Path) -> None:
    """FAT32 entries keep 4 reserved bits on top, which TSK (and Windows) ignore: set
    in every entry, each record stays what it was, long-name entries in the folder's
    previous cluster included (they were dropped: the previous cluster was searched
    with all 32 bits)."""
    blob = bytearray(_build_fat(tmp_path / "evidence", 32))
    clean = bytes(blob)
    reserved, fats = struct.unpack_from("<HB", blob, 0x0E)
    per_fat = struct.unpack_from("<I", blob, 0x24)[0]
    for copy in range(fats):
        start = (reserved + copy * per_fat) * 512
        for at in range(start + 3, start + per_fat * 512, 4):
            blob[at] |= 0xF0
    forged = bytes(blob)
    before = FatRecords.for_fs(_fs("FAT32", clean), _reader(clean))  # type: ignore[arg-type]
    after = FatRecords.for_fs(_fs("FAT32", forged), _reader(forged))  # type: ignore[arg-type]
    assert before is not None and after is not None
    crossing = 0
    for inode in range(3, 4000):
        rec = before.fields(inode, "reg")
        assert after.fields(inode, "reg") == rec, inode
        crossing += "record_extents" in rec
    assert crossing  # some long-name sets span two clusters apart


@settings(max_examples=12, deadline=None, derandomize=True,
          suppress_health_check=[HealthCheck.function_scoped_fixture])  # fmt: skip
@given(which=st.floats(0, 1), value=EDGES, copies=st.integers(0, 6))
def test_reverse_index_finds_what_the_search_finds(
    volume: tuple[str, bytes], monkeypatch: pytest.MonkeyPatch,
    which: float, value: int, copies: int,
) -> None:  # fmt: skip
    """After many searches a reverse index of the FAT answers instead: on clean and
    damaged FATs every record is the same either way."""
    kind, original = volume
    blob = bytearray(original)
    for k in range(copies):
        _mutate_fat(blob, kind, (which + k / 7) % 1, value + k)
    data = bytes(blob)
    answers = []
    for after in (1 << 30, 0):
        monkeypatch.setattr("evidencekit.sources.fat_records._INDEX_AFTER", after)
        found = FatRecords.for_fs(_fs(kind, data), _reader(data))  # type: ignore[arg-type]
        assert found is not None
        answers.append([found.fields(i, "reg") for i in range(2, INODES)])
    assert answers[0] == answers[1]

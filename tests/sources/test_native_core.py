"""The native libtsk core (``_tskcore``) against the pytsk3/pyewf reference path.

Every image the other image tests build (FAT, ext4, NTFS, MBR/GPT, multi-segment E01,
split raw, ISO 9660, exFAT) and the hostile ones (a directory loop, bad names, invalid
UTF-16, a truncated image, a zeroed superblock, noise, randomly damaged metadata, a
corrupted E01 chunk, a missing E01 segment) is ingested twice, once with
``EVIDENCEKIT_NATIVE_TSK=0``: inventory, body file, events, parse issues and the source
record must be identical.
"""

from __future__ import annotations

import hashlib
import random
import shutil
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from evidencekit.sources import native
from evidencekit.sources.content import read_content, read_contents_native
from evidencekit.sources.image import open_image
from evidencekit.sources.volumes import FileSystem, open_file_systems, read_layout
from evidencekit.sources.walk import Entry, walk
from tests.sources.conftest import (
    Built,
    build_e01,
    build_exfat,
    build_ext4,
    build_iso,
    build_partitioned,
    need_tools,
)
from tests.sources.helpers import Result, ingest

pytestmark = pytest.mark.skipif(
    not native.AVAILABLE, reason="native core not built (needs libtsk-dev and a C compiler)"
)
_KEYED = ("id", "salt")
# The pytsk3 File, and what the native core pre-computes for entry_times (held equal below).
_CACHES = ("file", "time_fields", "body_stamps", "body_tail")


def _both(image: Path, tmp: Path, monkeypatch: pytest.MonkeyPatch) -> tuple[Result, Result]:
    monkeypatch.setenv("EVIDENCEKIT_NATIVE_TSK", "0")
    reference = ingest(image, tmp / "reference")
    monkeypatch.setenv("EVIDENCEKIT_NATIVE_TSK", "1")
    ours = ingest(image, tmp / "native")
    return reference, ours


def _unkeyed(events: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Events without the case-secret keyed fields (each case has its own secret)."""
    return [{k: v for k, v in e.items() if k not in _KEYED} for e in events]


def assert_same(reference: Result, ours: Result) -> None:
    assert ours.summary.inventory.read_bytes() == reference.summary.inventory.read_bytes()
    assert ours.summary.body.read_bytes() == reference.summary.body.read_bytes()
    assert _unkeyed(ours.events) == _unkeyed(reference.events)
    assert ours.issues == reference.issues
    assert ours.summary.source == reference.summary.source
    assert ours.summary.counts == reference.summary.counts


def _native_used(image: Path) -> bool:
    opened = open_image(image)
    try:
        layout = read_layout(opened.img, opened.media_size)
        found = list(open_file_systems(opened.img, layout, opened.native))
        return any(isinstance(f, FileSystem) and f.native is not None for f in found)
    finally:
        opened.close()


def _entries(image: Path) -> list[Any]:
    opened = open_image(image)
    out: list[Any] = []
    try:
        layout = read_layout(opened.img, opened.media_size)
        for fs in open_file_systems(opened.img, layout, opened.native):
            if not isinstance(fs, FileSystem):
                out.append(fs)
                continue
            for item in walk(fs):
                if isinstance(item, Entry):
                    fields = {k: getattr(item, k) for k in Entry.__slots__ if k not in _CACHES}
                    fields["fs"] = (fs.partition, fs.fs_type)
                    out.append(fields)
                else:
                    out.append(item)
    finally:
        opened.close()
    return out


@pytest.mark.parametrize("fixture", ["fat_image", "ext4_image", "ntfs_image"])
def test_entry_sequence_is_the_reference(
    fixture: str, request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch
) -> None:
    built: Built = request.getfixturevalue(fixture)
    monkeypatch.setenv("EVIDENCEKIT_NATIVE_TSK", "0")
    reference = _entries(built.path)
    monkeypatch.setenv("EVIDENCEKIT_NATIVE_TSK", "1")
    assert _native_used(built.path)
    ours = _entries(built.path)
    assert len(ours) > 10
    assert ours == reference


@pytest.mark.parametrize("fixture", ["fat_image", "ext4_image", "ntfs_image"])
def test_ingest_is_the_reference(
    fixture: str, request: pytest.FixtureRequest, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    built: Built = request.getfixturevalue(fixture)
    reference, ours = _both(built.path, tmp_path, monkeypatch)
    assert any(r.get("sha256") for r in ours.inventory)
    assert_same(reference, ours)


_EPOCH_1970 = 116_444_736_000_000_000  # FILETIME of 1970-01-01


@pytest.mark.parametrize(
    "filetime",
    [5, _EPOCH_1970 - 10**7, _EPOCH_1970 + (2**32 + 5) * 10**7, 2**63 - 1],
    ids=["1601", "before-1970", "after-2106", "int64-max"],
)
def test_out_of_range_si_times_are_stored_as_the_reference(
    filetime: int, ntfs_image: Built, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """hello.txt's $STANDARD_INFORMATION creation time set to a FILETIME that Debian's
    libtsk (4.11) and pytsk3's TSK (4.15) convert differently (wrapped vs 0): the stored
    events, inventory and body file still agree, since NTFS times come from the raw
    attribute; the raw value is kept as the time's original text."""
    inode = int(ingest(ntfs_image.path, tmp_path / "probe").entry("hello.txt")["inode"])
    data = bytearray(ntfs_image.path.read_bytes())
    cluster = int.from_bytes(data[0x0B:0x0D], "little") * data[0x0D]
    record = int.from_bytes(data[0x30:0x38], "little") * cluster + inode * 1024
    attr = record + int.from_bytes(data[record + 0x14 : record + 0x16], "little")
    assert int.from_bytes(data[attr : attr + 4], "little") == 0x10  # $STANDARD_INFORMATION
    content = attr + int.from_bytes(data[attr + 0x14 : attr + 0x16], "little")
    data[content : content + 8] = filetime.to_bytes(8, "little")
    image = tmp_path / "evidence" / "si.img"
    image.parent.mkdir()
    image.write_bytes(bytes(data))
    reference, ours = _both(image, tmp_path, monkeypatch)
    assert_same(reference, ours)
    created = [e for e in ours.events if e.get("time_original") == str(filetime)]
    assert created, "the stomped creation time is not among the stored events"


def _partitioned(tmp: Path) -> Path:
    return build_partitioned(tmp / "src", "gpt").path


def _mbr(tmp: Path) -> Path:
    return build_partitioned(tmp / "src", "dos").path


def _loop(tmp: Path) -> Path:
    return build_ext4(tmp / "src", loop=True).path


def _iso(tmp: Path) -> Path:
    return build_iso(tmp / "src").path


def _exfat(tmp: Path) -> Path:
    return build_exfat(tmp / "src").path


def _e01(tmp: Path) -> Path:
    return build_e01(build_ext4(tmp / "src").path, tmp / "e01", 4 << 20)


def _split(tmp: Path) -> Path:
    data = build_ext4(tmp / "src").path.read_bytes()
    folder = tmp / "split"
    folder.mkdir()
    for number, start in enumerate(range(0, len(data), 5_000_000), start=1):
        (folder / f"disk.{number:03d}").write_bytes(data[start : start + 5_000_000])
    return folder / "disk.001"


def _copy(tmp: Path, source: Path, name: str) -> Path:
    target = tmp / "evidence" / name
    target.parent.mkdir(parents=True, exist_ok=True)
    shutil.copy(source, target)
    return target


def _truncated(tmp: Path) -> Path:
    data = build_partitioned(tmp / "src", "dos").path.read_bytes()
    target = tmp / "evidence" / "cut.img"
    target.parent.mkdir(parents=True)
    target.write_bytes(data[: (10240 + 8192) * 512])
    return target


def _cut_before_root(tmp: Path) -> Path:
    """Superblock kept, inode table cut off: libtsk fails on the root without an error."""
    target = tmp / "evidence" / "cut_root.img"
    target.parent.mkdir(parents=True)
    target.write_bytes(build_ext4(tmp / "src").path.read_bytes()[:8192])
    return target


def _zeroed(tmp: Path) -> Path:
    target = _copy(tmp, build_partitioned(tmp / "src", "dos").path, "zeroed.img")
    with open(target, "r+b") as fp:
        fp.seek(10240 * 512)
        fp.write(bytes(4096))
    return target


def _noise(tmp: Path) -> Path:
    target = tmp / "evidence" / "noise.img"
    target.parent.mkdir(parents=True)
    target.write_bytes(random.Random(5).randbytes(1 << 20))
    return target


def _damaged(tmp: Path) -> Path:
    data = bytearray(build_ext4(tmp / "src").path.read_bytes())
    rng = random.Random(2)
    for _ in range(400):
        data[rng.randrange(512, 64 * 1024)] = rng.randrange(256)
    target = tmp / "evidence" / "damaged.img"
    target.parent.mkdir(parents=True)
    target.write_bytes(bytes(data))
    return target


def _bad_utf16(tmp: Path) -> Path:
    """A lone surrogate over an NTFS name's first UTF-16 unit (record and index)."""
    need_tools("mkntfs", "ntfscp")
    image = tmp / "evidence" / "names.img"
    image.parent.mkdir(parents=True)
    subprocess.run(["truncate", "-s", "16M", str(image)], check=True)
    subprocess.run(["mkntfs", "-F", "-f", "-q", str(image)], check=True, capture_output=True)
    (tmp / "f").write_bytes(b"hi\n")
    subprocess.run(["ntfscp", "-f", str(image), str(tmp / "f"), "QQQQ.txt"], check=True,
                   capture_output=True)  # fmt: skip
    data = bytearray(image.read_bytes())
    name = "QQQQ".encode("utf-16-le")
    at = data.find(name)
    while at >= 0:
        data[at : at + 2] = b"\x00\xd8"
        at = data.find(name, at + 2)
    image.write_bytes(bytes(data))
    return image


def _content_cut(tmp: Path) -> Path:
    """An ext4 image cut inside big.bin's data: its content reads short (an issue)."""
    built = build_ext4(tmp / "src")
    data = built.path.read_bytes()
    at = data.find(built.files["data/big.bin"][:4096])
    assert at > 0
    target = tmp / "evidence" / "cut.img"
    target.parent.mkdir(parents=True)
    target.write_bytes(data[: at + 8192])
    return target


def _e01_corrupt_chunk(tmp: Path) -> Path:
    first = build_e01(build_ext4(tmp / "src").path, tmp / "e01", 4 << 20)
    big = (tmp / "src" / "src" / "data" / "big.bin").read_bytes()
    for seg in sorted(first.parent.glob("evidence.E*")):
        blob = bytearray(seg.read_bytes())
        at = blob.find(big[150_000:154_096])
        if at >= 0:
            blob[at + 100 : at + 200] = b"\xaa" * 100
            seg.write_bytes(bytes(blob))
            return first
    pytest.fail("big.bin data not found in any segment")


def _e01_missing_segment(tmp: Path) -> Path:
    first = build_e01(build_ext4(tmp / "src").path, tmp / "e01", 4 << 20)
    (first.parent / "evidence.E03").unlink()
    return first


BUILDERS: dict[str, tuple[Callable[[Path], Path], str]] = {
    # name: (builder, how it is read: "native", "reference" (the native handle is
    # dropped after the media hash) or "nothing" (no file system at all))
    "gpt": (_partitioned, "native"),
    "mbr": (_mbr, "native"),
    "ext4_loop": (_loop, "native"),
    "iso9660": (_iso, "native"),
    "exfat": (_exfat, "native"),
    "e01_multi_segment": (_e01, "native"),
    "split_raw": (_split, "native"),
    "truncated": (_truncated, "native"),
    "cut_before_root": (_cut_before_root, "root_unreadable"),
    "content_cut": (_content_cut, "native"),
    "zeroed_superblock": (_zeroed, "native"),
    "noise": (_noise, "nothing"),
    "damaged_ext4": (_damaged, "native"),
    "ntfs_invalid_utf16": (_bad_utf16, "native"),
    "e01_corrupt_chunk": (_e01_corrupt_chunk, "reference"),
    "e01_missing_segment": (_e01_missing_segment, "reference"),
}


@pytest.mark.parametrize("name", sorted(BUILDERS))
def test_other_and_hostile_images_are_the_reference(
    name: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    builder, mode = BUILDERS[name]
    image = builder(tmp_path)
    reference, ours = _both(image, tmp_path, monkeypatch)
    assert_same(reference, ours)
    if mode == "native":
        assert _native_used(image) and _native_hashes_clean(image)
        assert ours.summary.counts.entries > 0
    elif mode == "root_unreadable":  # the native walk's message was its own
        assert _native_used(image)
        assert any(i["code"] == "directory_unreadable" for i in ours.issues)
    elif mode == "reference":
        assert not _native_hashes_clean(image)
        assert any(i["severity"] == "error" for i in ours.issues)
    else:
        assert ours.summary.nothing_read


def test_unreadable_content_is_the_same_issue(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    image = _content_cut(tmp_path)
    reference, ours = _both(image, tmp_path, monkeypatch)
    unreadable = {i["locator"]["path"]: i for i in ours.issues if i["code"] == "content_unreadable"}
    issue = unreadable["data/big.bin"]
    assert issue["message"].startswith("Read error: ") and "tsk3.cpp" not in issue["message"]
    assert ours.entry("data/big.bin")["content"] == "incomplete"
    assert_same(reference, ours)


@pytest.mark.parametrize("kind", ["raw", "e01"])
def test_media_hash_is_hashlib_of_the_media(kind: str, ext4_image: Built, tmp_path: Path) -> None:
    data = ext4_image.path.read_bytes()
    path = ext4_image.path if kind == "raw" else build_e01(ext4_image.path, tmp_path / "e01")
    opened = open_image(path)
    ticks: list[int] = []
    try:
        assert opened.native is not None
        got = native.hash_media(opened.native, ticks.append)
    finally:
        opened.close()
    assert (got.size, got.error, got.error_offset) == (len(data), None, None)
    assert got.md5 == hashlib.md5(data, usedforsecurity=False).hexdigest()
    assert got.sha1 == hashlib.sha1(data, usedforsecurity=False).hexdigest()
    assert got.sha256 == hashlib.sha256(data).hexdigest()
    assert sum(ticks) == len(data)


@pytest.mark.parametrize("fixture", ["fat_image", "ext4_image", "ntfs_image"])
def test_batched_content_hashes_are_the_reference(
    fixture: str, request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Every regular file (deleted ones included) read in one native batch gives what
    pytsk3 + hashlib give: hashes, bytes read, completeness, head, error."""
    built: Built = request.getfixturevalue(fixture)
    monkeypatch.setenv("EVIDENCEKIT_NATIVE_TSK", "0")
    opened = open_image(built.path)
    (fs,) = open_file_systems(opened.img, read_layout(opened.img, opened.media_size))
    assert isinstance(fs, FileSystem)
    files = [e for e in walk(fs) if isinstance(e, Entry) and e.meta_type == "file" and e.inode]
    reference = [read_content(e.handle, e.size or 0, None, 4096) for e in files]
    core = native._tskcore.FileSystem(native._tskcore.Image([str(built.path)]), 0)
    ours = read_contents_native(core, [(e.inode or 0, e.size or 0) for e in files], 4096)
    assert ours == reference
    assert sum(r.complete for r in ours) >= len(built.files)
    by_path = {e.path: r for e, r in zip(files, ours, strict=True)}
    for path, data in built.files.items():
        assert by_path[path].sha256 == hashlib.sha256(data).hexdigest()


def test_e01_with_a_missing_segment_is_never_read_natively(tmp_path: Path) -> None:
    first = _e01_missing_segment(tmp_path)
    segments = sorted(str(p) for p in first.parent.glob("evidence.E0*"))
    # Named as EWF, libtsk refuses the gap (libtsk's format detection would instead have
    # read the four segment files as one split raw image: the format is always named).
    with pytest.raises(OSError, match="missing file"):
        native._tskcore.Image(segments, True)
    as_raw = native._tskcore.Image(segments, False)
    opened = open_image(first)
    try:
        assert int(as_raw.size) == sum(Path(p).stat().st_size for p in segments)
        assert opened.native is None
    finally:
        opened.close()


def _native_hashes_clean(image: Path) -> bool:
    opened = open_image(image)
    try:
        opened.hash_media()
        return opened.native is not None
    finally:
        opened.close()


def test_switch_off_means_no_native_handle(
    ext4_image: Built, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("EVIDENCEKIT_NATIVE_TSK", "0")
    assert not native.enabled()
    assert open_image(ext4_image.path).native is None
    monkeypatch.setenv("EVIDENCEKIT_NATIVE_TSK", "1")
    assert native.enabled()
    assert open_image(ext4_image.path).native is not None


def _corpus_images() -> list[str]:
    from tests.sources.test_corpus_images import FACTS

    return [fact["file"] for fact in FACTS]


@pytest.mark.corpus
@pytest.mark.parametrize("file", _corpus_images() or ["(corpus absent)"])
def test_corpus_images_are_the_reference(
    file: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The real third-party images (DFTT, TSK, plaso, Velociraptor test images)."""
    from tests.sources.test_corpus_images import FACTS, _image

    fact = next((f for f in FACTS if f["file"] == file), None)
    if fact is None:
        pytest.skip("../shared/corpus is not beside this checkout")
    image = _image(fact, tmp_path)
    reference, ours = _both(image, tmp_path, monkeypatch)
    assert ours.summary.counts.entries > 0
    assert_same(reference, ours)
    assert _native_used(image)


_WITHOUT_CORE = """
import sys
sys.modules["evidencekit.sources._tskcore"] = None  # as if the extension was never built
from pathlib import Path
from evidencekit.case.ingest_image import ingest_image
from evidencekit.case.workspace import Case
from evidencekit.sources import native
assert not native.AVAILABLE and not native.enabled()
summary = ingest_image(Case.init(Path(sys.argv[2]), "case-1"), Path(sys.argv[1]), "UTC")
sys.stdout.write(str(summary.inventory))
"""


def test_without_the_extension_the_reference_path_runs(
    ext4_image: Built, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("EVIDENCEKIT_NATIVE_TSK", raising=False)
    run = subprocess.run(
        [sys.executable, "-c", _WITHOUT_CORE, str(ext4_image.path), str(tmp_path / "bare")],
        check=True, capture_output=True, text=True, cwd=Path(__file__).resolve().parents[2],
    )  # fmt: skip
    ours = ingest(ext4_image.path, tmp_path / "native")
    assert Path(run.stdout).read_bytes() == ours.summary.inventory.read_bytes()

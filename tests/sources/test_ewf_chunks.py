"""EWF chunk checks on E01 images made by ewfacquire (compressed and uncompressed,
several segment files): a clean image checks out, a byte flipped inside one chunk
is reported as exactly that chunk with the sectors ``ewfverify`` names, a damaged
table falls back to its table2 copy, a truncated table is an issue, not a crash."""

from __future__ import annotations

import hashlib
import random
import re
import shutil
import struct
import subprocess
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from evidencekit.sources.ewf_chunks import check_segments
from tests.sources.conftest import Built, need_tools, run
from tests.sources.helpers import ingest

SEGMENT = 1 << 20  # the smallest segment size ewfacquire accepts


def _acquire(raw: Path, folder: Path, compression: str) -> list[Path]:
    need_tools("ewfacquire", "ewfverify")
    folder.mkdir(parents=True)
    run("ewfacquire", "-u", "-q", "-t", folder / "evidence", "-f", "encase6",
        "-c", compression, "-S", str(SEGMENT), "-d", "sha1", raw)  # fmt: skip
    return sorted(folder.glob("evidence.E*"))


@pytest.fixture(scope="module")
def media(ext4_image: Built, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The ext4 image followed by 3 MiB of random bytes: compressed, the file system's
    empty blocks shrink to a few bytes a chunk and the random chunks stay whole, so
    both chunk kinds occur and the container still spans several segment files."""
    raw = tmp_path_factory.mktemp("ewf-media") / "media.raw"
    raw.write_bytes(ext4_image.path.read_bytes() + random.Random(3).randbytes(3 << 20))
    return raw


@pytest.fixture(scope="module", params=["none", "fast"])
def e01(
    request: pytest.FixtureRequest, media: Path, tmp_path_factory: pytest.TempPathFactory
) -> list[Path]:
    folder = tmp_path_factory.mktemp(f"ewf-{request.param}") / "evidence"
    return _acquire(media, folder, request.param)


def _copy(segments: list[Path], folder: Path) -> list[Path]:
    folder.mkdir(parents=True)
    return [Path(shutil.copy(s, folder / s.name)) for s in segments]


def _sections(data: bytes) -> dict[str, int]:
    """Offsets of the first section of each type (our test's own descriptor walk)."""
    found: dict[str, int] = {}
    offset = 13
    while offset + 76 <= len(data):
        kind = data[offset : offset + 16].split(b"\0", 1)[0].decode()
        found.setdefault(kind, offset)
        following = struct.unpack_from("<Q", data, offset + 16)[0]
        if kind in ("next", "done") or following <= offset:
            break
        offset = following
    return found


def _ewfverify_bad_sectors(first: Path) -> list[tuple[int, int]]:
    out = subprocess.run(["ewfverify", "-q", str(first)], capture_output=True, check=False)
    text = out.stdout.decode() + out.stderr.decode()
    return [(int(a), int(b)) for a, b in re.findall(r"at sector\(s\): (\d+) - (\d+)", text)]


def _compressed_flags(segment: Path) -> set[bool]:
    data = segment.read_bytes()
    table = _sections(data)["table"] + 76
    count = struct.unpack_from("<I", data, table)[0]
    return {bool(e >> 31) for e in struct.unpack_from(f"<{count}I", data, table + 24)}


def test_clean_e01_has_no_chunk_problem(e01: list[Path], media: Path) -> None:
    assert len(e01) > 2
    flags = set().union(*(_compressed_flags(s) for s in e01))
    assert flags == ({True, False} if "fast" in e01[0].parent.parent.name else {False})
    check = check_segments(e01)
    assert check.problems == []
    sectors = media.stat().st_size // 512
    assert check.chunks_checked == check.chunks_expected == -(-sectors // 64)


def test_flipped_byte_is_that_chunk(e01: list[Path], tmp_path: Path) -> None:
    segments = _copy(e01, tmp_path / "evidence")
    second = segments[1]
    blob = bytearray(second.read_bytes())
    chunk_at = _sections(bytes(blob))["sectors"] + 76  # the first chunk of this segment
    flipped = chunk_at + 20
    blob[flipped] ^= 0xFF
    second.write_bytes(bytes(blob))
    (problem,) = check_segments(segments).problems
    assert problem.code == "ewf_chunk_corrupt" and problem.segment == second.name
    assert problem.offset == chunk_at and problem.length is not None
    assert problem.offset <= flipped < problem.offset + problem.length
    # ewfverify (libewf) finds the same sectors failing their checksum.
    assert [problem.sectors] == _ewfverify_bad_sectors(segments[0])
    assert (
        problem.raw_sha256
        == hashlib.sha256(bytes(blob[problem.offset : problem.offset + problem.length])).hexdigest()
    )


def test_ingest_records_the_chunk_and_walks_on(
    e01: list[Path], media: Path, tmp_path: Path
) -> None:
    segments = _copy(e01, tmp_path / "evidence")
    third = segments[2]
    blob = bytearray(third.read_bytes())
    chunk_at = _sections(bytes(blob))["sectors"] + 76
    blob[chunk_at + 20] ^= 0x55
    third.write_bytes(bytes(blob))
    result = ingest(segments[0], tmp_path / "case")
    (issue,) = [i for i in result.issues if i["code"].startswith("ewf_")]
    assert issue["code"] == "ewf_chunk_corrupt" and issue["severity"] == "error"
    loc = issue["locator"]
    assert loc["path"] == third.name and loc["offset"] == str(chunk_at)
    (first, last) = _ewfverify_bad_sectors(segments[0])[0]
    assert int(loc["record"]) == first // 64 and f"sectors {first}-{last}" in issue["message"]
    raw = bytes(blob[chunk_at : chunk_at + loc["length"]])
    assert issue["raw_sha256"] == hashlib.sha256(raw).hexdigest()
    # libewf reads the bad chunk as zeros: the stored media hash notices only when the
    # chunk held something else. The chunk check reports it either way.
    held = media.read_bytes()[first * 512 : (last + 1) * 512]
    mismatch = "acquisition_hash_mismatch" in result.issue_codes()
    assert mismatch == any(held)
    assert result.summary.counts.entries > 0 and not result.summary.nothing_read


def test_damaged_table_uses_its_table2_copy(e01: list[Path], tmp_path: Path) -> None:
    segments = _copy(e01, tmp_path / "evidence")
    blob = bytearray(segments[1].read_bytes())
    table = _sections(bytes(blob))["table"]
    blob[table + 76 + 24 + 8] ^= 0x01  # an entry of the offset array
    segments[1].write_bytes(bytes(blob))
    check = check_segments(segments)
    (problem,) = check.problems
    assert problem.code == "ewf_table_corrupt" and problem.severity == "warning"
    assert problem.offset == table + 76 + 24 and "table2" in problem.message
    assert check.chunks_checked == check.chunks_expected


def test_truncated_table_is_an_issue_not_a_crash(e01: list[Path], tmp_path: Path) -> None:
    segments = _copy(e01, tmp_path / "evidence")
    blob = segments[1].read_bytes()
    table = _sections(blob)["table"]
    segments[1].write_bytes(blob[: table + 76 + 24 + 40])
    check = check_segments(segments)
    codes = [p.code for p in check.problems]
    assert "ewf_table_truncated" in codes and "ewf_chunks_missing" in codes
    truncated = next(p for p in check.problems if p.code == "ewf_table_truncated")
    assert truncated.segment == segments[1].name and truncated.offset == table + 76 + 24
    # Chunks after the lost table are still checked, without a number.
    assert check.chunks_checked > 0 and "ewf_chunk_corrupt" not in codes


def test_corrupt_section_descriptor_stops_that_segment_only(
    e01: list[Path], tmp_path: Path
) -> None:
    segments = _copy(e01, tmp_path / "evidence")
    blob = bytearray(segments[1].read_bytes())
    sectors = _sections(bytes(blob))["sectors"]
    blob[sectors + 20] ^= 0x01  # the next-section offset, under the descriptor's Adler-32
    segments[1].write_bytes(bytes(blob))
    check = check_segments(segments)
    codes = [p.code for p in check.problems]
    assert codes == ["ewf_section_corrupt", "ewf_chunks_missing"]
    bad = check.problems[0]
    assert (bad.segment, bad.offset, bad.length) == (segments[1].name, sectors, 76)
    assert bad.raw_sha256 == hashlib.sha256(bytes(blob[sectors : sectors + 76])).hexdigest()


@settings(max_examples=60, deadline=None, derandomize=True,
          suppress_health_check=[HealthCheck.function_scoped_fixture])  # fmt: skip
@given(where=st.floats(0, 1), value=st.integers(0, 255), cut=st.booleans())
def test_damage_anywhere_never_crashes(
    e01: list[Path], tmp_path: Path, where: float, value: int, cut: bool
) -> None:
    """Any byte of a segment file changed, or the file cut anywhere: problems, no crash,
    and a changed chunk byte is always found."""
    folder = tmp_path / "fuzz"
    segments = [folder / s.name for s in e01] if folder.exists() else _copy(e01, folder)
    original = e01[1].read_bytes()
    at = min(int(where * len(original)), len(original) - 1)
    damaged = original[:at] if cut else original[:at] + bytes([value]) + original[at + 1 :]
    segments[1].write_bytes(damaged)
    try:
        check = check_segments(segments)
    finally:
        segments[1].write_bytes(original)
    sectors = _sections(original)["sectors"]
    table = _sections(original)["table"]
    if damaged != original and sectors + 76 <= at < table:
        assert any(p.segment == segments[1].name and p.code != "ewf_chunks_missing"
                   for p in check.problems)  # fmt: skip

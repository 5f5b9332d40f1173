"""Hostile E01 segment files: fields a forger would set, with their Adler-32 recomputed
so the checker must rely on more than checksums. Real E01s come from ewfacquire (small
segments, compressed and not); a section's next offset, size, a table's count, base or
an entry, the volume geometry are set to edge values (zero, self, backwards, past the
end, 2^63, 2^64 - 1). The checker must return quickly, raise nothing and report each
problem where its bytes are."""

from __future__ import annotations

import hashlib
import random
import shutil
import signal
import struct
import zlib
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from evidencekit.sources.ewf_chunks import ChunkCheck, check_segments
from tests.sources.conftest import need_tools, run

SEGMENT = 1 << 20
LIMIT_S = 5  # a checker that loops or reads without bound overruns this by far


@contextmanager
def time_limit(seconds: int) -> Iterator[None]:
    def expired(*_: object) -> None:
        raise TimeoutError(f"did not finish within {seconds} s")

    old = signal.signal(signal.SIGALRM, expired)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, old)


@pytest.fixture(scope="module", params=["none", "fast"])
def e01(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> list[Path]:
    need_tools("ewfacquire")
    folder = tmp_path_factory.mktemp(f"hostile-ewf-{request.param}")
    raw = folder / "media.raw"
    raw.write_bytes(random.Random(7).randbytes(3 << 19) + bytes(1 << 20))
    run("ewfacquire", "-u", "-q", "-t", folder / "evidence", "-f", "encase6",
        "-c", request.param, "-S", str(SEGMENT), "-d", "sha1", raw)  # fmt: skip
    segments = sorted(folder.glob("evidence.E*"))
    assert len(segments) >= 2
    return segments


def sections(data: bytes) -> list[tuple[str, int]]:
    """(type, offset) of each section descriptor, by this test's own walk."""
    found, offset = [], 13
    while offset + 76 <= len(data):
        kind = data[offset : offset + 16].split(b"\0", 1)[0].decode()
        found.append((kind, offset))
        following = struct.unpack_from("<Q", data, offset + 16)[0]
        if kind in ("next", "done") or following <= offset:
            break
        offset = following
    return found


def _resign(blob: bytearray, start: int, length: int) -> None:
    """Store the Adler-32 of ``blob[start:start+length]`` right after it."""
    struct.pack_into("<I", blob, start + length, zlib.adler32(bytes(blob[start : start + length])))


def forge(blob: bytearray, kind: str, at: int, field: str, value: int, entry: float) -> None:
    """Set one field of the section at ``at`` and recompute the checksums over it."""
    body = at + 76
    if field in ("next", "size"):
        struct.pack_into("<Q", blob, at + (16 if field == "next" else 24), value % (1 << 64))
    elif kind in ("table", "table2"):
        count = struct.unpack_from("<I", blob, body)[0]
        if field == "count":
            struct.pack_into("<I", blob, body, value % (1 << 32))
        elif field == "base":
            struct.pack_into("<Q", blob, body + 8, value % (1 << 64))
        elif count:
            i = min(int(entry * count), count - 1)
            struct.pack_into("<I", blob, body + 24 + 4 * i, value % (1 << 32))
            _resign(blob, body + 24, 4 * count)
        _resign(blob, body, 20)
    elif kind in ("volume", "disk", "data"):
        spot = {"count": 8, "base": 12, "entry": 16}[field]
        fmt = "<Q" if field == "entry" else "<I"
        struct.pack_into(fmt, blob, body + spot, value % (1 << (64 if fmt == "<Q" else 32)))
    _resign(blob, at, 72)


def assert_sound(check: ChunkCheck, segments: list[Path]) -> None:
    """Every problem names a segment file and a place inside it; a chunk problem's
    hash is of the bytes at that place; each becomes a valid parse issue."""
    files = {s.name: s.read_bytes() for s in segments}
    for p in check.problems:
        assert p.segment in files, p
        data = files[p.segment]
        assert 0 <= p.offset <= len(data), p
        if p.length is not None:
            assert p.offset + p.length <= len(data), p
        if p.raw_sha256 is not None and p.length is not None:
            raw = data[p.offset : p.offset + p.length]
            assert hashlib.sha256(raw).hexdigest() == p.raw_sha256, p
        if p.sectors is not None:
            assert p.sectors[0] <= p.sectors[1], p
        p.issue("0123456789abcdef", "image", "1")  # validates as a ParseIssue
    if not check.problems:
        assert check.chunks_checked == check.chunks_expected


EDGES = st.sampled_from(
    [0, 1, 13, 76, 2**31, 2**32 - 1, 2**32, 2**63 - 1, 2**63, 2**64 - 1, -76, -1]
)


@settings(max_examples=120, deadline=None, derandomize=True,
          suppress_health_check=[HealthCheck.function_scoped_fixture])  # fmt: skip
@given(
    segment=st.integers(0, 2),
    section=st.floats(0, 1),
    field=st.sampled_from(["next", "size", "count", "base", "entry"]),
    value=st.one_of(EDGES, st.integers(0, 3 << 20)),
    relative=st.booleans(),
    entry=st.floats(0, 1),
)
def test_forged_fields_never_hang_or_raise(
    e01: list[Path], tmp_path: Path, segment: int, section: float, field: str,
    value: int, relative: bool, entry: float,
) -> None:  # fmt: skip
    folder = tmp_path / "forged"
    if not folder.exists():
        folder.mkdir()
        for s in e01:
            shutil.copy(s, folder / s.name)
    segments = [folder / s.name for s in e01]
    target = segments[min(segment, len(segments) - 1)]
    original = target.read_bytes()
    found = sections(original)
    kind, at = found[min(int(section * len(found)), len(found) - 1)]
    blob = bytearray(original)
    forge(blob, kind, at, field, value + at if relative else value, entry)
    target.write_bytes(bytes(blob))
    try:
        with time_limit(LIMIT_S):
            check = check_segments(segments)
        assert_sound(check, segments)
    finally:
        target.write_bytes(original)


@pytest.mark.parametrize("base", [2**31, 2**63, 2**64 - 1])
def test_table_base_past_the_end_points_at_the_table(
    e01: list[Path], tmp_path: Path, base: int
) -> None:
    """A table whose base offset puts its chunks past the end of the file (up to 2^64 - 1,
    beyond what a seek takes): each chunk is reported at its table entry, and the other
    segment files and sections are still checked (it once reported the whole segment
    file unreadable at byte 0, or chunks past the end with no bytes)."""
    segments = [Path(shutil.copy(s, tmp_path / s.name)) for s in e01]
    blob = bytearray(segments[1].read_bytes())
    at = dict(sections(bytes(blob)))["table"]
    count = struct.unpack_from("<I", blob, at + 76)[0]
    forge(blob, "table", at, "base", base, 0)
    segments[1].write_bytes(bytes(blob))
    check = check_segments(segments)
    assert_sound(check, segments)
    codes = {p.code for p in check.problems}
    assert codes == {"ewf_chunk_corrupt"}
    assert len(check.problems) == count and check.chunks_checked == check.chunks_expected
    array = at + 76 + 24
    for i, p in enumerate(check.problems):
        assert (p.segment, p.offset, p.length) == (segments[1].name, array + 4 * i, 4)
        assert (
            f"byte {base + (struct.unpack_from('<I', blob, array + 4 * i)[0] & 0x7FFFFFFF)}"
            in p.message
        )


def _descriptor(kind: bytes, at: int, size: int) -> bytes:
    head = kind.ljust(16, b"\0") + struct.pack("<QQ", at + size, size) + bytes(40)
    return head + struct.pack("<I", zlib.adler32(head))


def _forged_tables(blob: bytes, copies: int) -> tuple[bytes, int]:
    """The segment with ``copies`` one-entry table sections appended before its end
    section, each locating the last chunk of the real table again (a 108-byte
    section makes the checker read a whole chunk: a read amplification)."""
    found = dict(sections(blob))
    last = "next" if "next" in found else "done"
    table, end = found["table"], found[last]
    count, base = struct.unpack_from("<I4xQ", blob, table + 76)
    entry = blob[table + 100 + 4 * (count - 1) : table + 104 + 4 * (count - 1)]
    out = bytearray(blob[:end])
    for _ in range(copies):
        at = len(out)
        header = struct.pack("<I4xQ4x", 1, base)
        out += _descriptor(b"table", at, 108) + header
        out += struct.pack("<I", zlib.adler32(header)) + entry
        out += struct.pack("<I", zlib.adler32(entry))
    out += _descriptor(last.encode(), len(out), 76)
    return bytes(out), end


def test_tables_relocating_checked_chunks_are_reported_not_reread(
    e01: list[Path], tmp_path: Path
) -> None:
    """Forged tables that locate chunks already checked (each 108-byte section would
    otherwise cost a whole chunk read and checksum): each is reported at its table
    entry as a chunk located twice."""
    segments = [Path(shutil.copy(s, tmp_path / s.name)) for s in e01]
    copies = 3000
    forged, first = _forged_tables(segments[1].read_bytes(), copies)
    segments[1].write_bytes(forged)
    with time_limit(LIMIT_S):
        check = check_segments(segments)
    assert_sound(check, segments)
    twice = [p for p in check.problems if "already" in p.message]
    assert len(twice) == copies
    assert [p.offset for p in twice] == [first + 108 * k + 100 for k in range(copies)]
    assert all(p.code == "ewf_chunk_corrupt" and p.length == 4 for p in twice)
    # Numbers past the media's chunks name no sectors (they once named e.g. 5440-5119).
    media_sectors = ((3 << 19) + (1 << 20)) // 512
    assert all(p.sectors is None or p.sectors[1] < media_sectors for p in twice)
    assert any(p.sectors is None and "past the" in p.message for p in twice)


def test_a_flood_of_problems_is_counted_not_listed_without_bound(
    e01: list[Path], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Forged tables can name a bad chunk every few bytes: past the listing limit of a
    segment file the rest are counted in one problem, from the first one's place."""
    monkeypatch.setattr("evidencekit.sources.ewf_chunks._LISTED", 100)
    segments = [Path(shutil.copy(s, tmp_path / s.name)) for s in e01]
    forged, first = _forged_tables(segments[1].read_bytes(), 250)
    segments[1].write_bytes(forged)
    check = check_segments(segments)
    assert_sound(check, segments)
    mine = [p for p in check.problems
            if p.segment == segments[1].name and p.code != "ewf_chunks_missing"]  # fmt: skip
    assert len(mine) == 101 and all("already" in p.message for p in mine[:100])
    summary = mine[100]
    assert summary.code == "ewf_problems_not_listed" and summary.offset == first + 108 * 100 + 100
    assert "150 more problems" in summary.message

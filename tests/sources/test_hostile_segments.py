"""The Python reader of raw and split images (used when the image's name is not UTF-8):
each segment file is read only up to the size it had when opened, so a file that grows
while the image is open cannot shift the media, and reads outside the media return
nothing rather than raising."""

from __future__ import annotations

import random
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from evidencekit.errors import UnreadableInput
from evidencekit.sources.image import _SegmentFiles

SIZES = (3000, 1, 4096, 700)


def _split(folder: Path) -> tuple[tuple[Path, ...], bytes]:
    media = random.Random(5).randbytes(sum(SIZES))
    paths, at = [], 0
    for n, size in enumerate(SIZES, 1):
        path = folder / f"disk.{n:03d}"
        path.write_bytes(media[at : at + size])
        paths.append(path)
        at += size
    return tuple(paths), media


def test_a_segment_that_grows_after_opening_does_not_shift_the_media(tmp_path: Path) -> None:
    """Bytes appended to a segment file after it was opened are not read as the start
    of the next one (they were: the media shifted silently)."""
    paths, media = _split(tmp_path)
    files = _SegmentFiles(paths)
    try:
        with open(paths[0], "ab") as fp:
            fp.write(b"\xee" * 500)
        assert files.size == len(media)
        assert files.read(2900, 300) == media[2900:3200]
        assert files.read(0, len(media) + 10) == media
    finally:
        files.close()


@pytest.fixture(scope="module")
def split(tmp_path_factory: pytest.TempPathFactory) -> tuple[tuple[Path, ...], bytes]:
    return _split(tmp_path_factory.mktemp("hostile-split"))


@settings(max_examples=200, deadline=None, derandomize=True,
          suppress_health_check=[HealthCheck.function_scoped_fixture])  # fmt: skip
@given(offset=st.integers(-(1 << 64), 1 << 64), length=st.integers(-10, 1 << 62))
def test_any_offset_and_length_reads_the_media_bytes_or_nothing(
    split: tuple[tuple[Path, ...], bytes], offset: int, length: int
) -> None:
    """Negative, past-the-end and enormous requests: the media bytes in range, no
    exception, no allocation of the length asked for."""
    paths, media = split
    files = _SegmentFiles(paths)
    try:
        got = files.read(offset, length)
    finally:
        files.close()
    want = media[offset : offset + max(length, 0)] if offset >= 0 else b""
    assert got == want


def test_a_segment_that_cannot_be_opened_is_unreadable_input(tmp_path: Path) -> None:
    first = tmp_path / "disk.001"
    first.write_bytes(b"\0" * 512)
    with pytest.raises(UnreadableInput, match=r"disk\.002: cannot open this image segment"):
        _SegmentFiles((first, tmp_path / "disk.002"))

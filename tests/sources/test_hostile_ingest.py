"""Whole ingests of hostile images: forged E01 tables and FAT chains that cycle. The
ingest completes, the problems are recorded as issues of the image source with their
segment file and byte offset, and the readable entries are still listed."""

from __future__ import annotations

import shutil
import struct
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from evidencekit.errors import UnreadableInput
from tests.sources.conftest import Built, build_exfat, need_tools, run
from tests.sources.helpers import ingest
from tests.sources.test_hostile_ewf import LIMIT_S, forge, sections, time_limit
from tests.sources.test_hostile_fat import _exfat_root


@pytest.fixture(scope="module")
def fat_e01(fat_image: Built, tmp_path_factory: pytest.TempPathFactory) -> list[Path]:
    need_tools("ewfacquire")
    folder = tmp_path_factory.mktemp("hostile-ingest")
    run("ewfacquire", "-u", "-q", "-t", folder / "evidence", "-f", "encase6",
        "-c", "none", "-S", str(1 << 20), "-d", "sha1", fat_image.path)  # fmt: skip
    return sorted(folder.glob("evidence.E*"))


def _forged(fat_e01: list[Path], folder: Path, base: int) -> tuple[list[Path], int]:
    folder.mkdir()
    segments = [Path(shutil.copy(s, folder / s.name)) for s in fat_e01]
    blob = bytearray(segments[-1].read_bytes())
    at = dict(sections(bytes(blob)))["table"]
    forge(blob, "table", at, "base", base, 0)
    segments[-1].write_bytes(bytes(blob))
    return segments, at


def test_forged_table_base_is_an_issue_of_the_ingest(fat_e01: list[Path], tmp_path: Path) -> None:
    """A base offset 1 TiB on: libewf opens the image, the chunks of that table are
    issues at their table entries, the walk goes on."""
    segments, at = _forged(fat_e01, tmp_path / "evidence", 1 << 40)
    last = segments[-1]
    with time_limit(4 * LIMIT_S):
        result = ingest(segments[0], tmp_path / "case")
    chunk_issues = [i for i in result.issues if i["code"] == "ewf_chunk_corrupt"]
    assert chunk_issues and all(i["locator"]["path"] == last.name for i in chunk_issues)
    array = at + 76 + 24
    offsets = sorted(int(i["locator"]["offset"]) for i in chunk_issues)
    assert offsets == list(range(array, array + 4 * len(offsets), 4))
    assert not result.summary.nothing_read and result.summary.counts.entries > 0


def test_table_base_libewf_refuses_is_a_typed_error(fat_e01: list[Path], tmp_path: Path) -> None:
    """A base offset of 2^63: libewf refuses to open the image; the ingest says so with
    a typed error, not a crash."""
    segments, _ = _forged(fat_e01, tmp_path / "evidence", 2**63)
    with pytest.raises(UnreadableInput, match="base offset"):
        ingest(segments[0], tmp_path / "case")


def test_exfat_root_chain_cycling_is_walked(tmp_path: Path) -> None:
    """An exFAT root folder whose FAT entry points to itself: TSK and the record
    locator both stop; the ingest completes."""
    built = build_exfat(tmp_path / "evidence")
    blob = bytearray(built.path.read_bytes())
    fat, root, _ = _exfat_root(bytes(blob))
    struct.pack_into("<I", blob, fat + 4 * root, root)
    built.path.write_bytes(bytes(blob))
    with time_limit(4 * LIMIT_S):
        result = ingest(built.path, tmp_path / "case")
    labels = [r for r in result.inventory if r.get("record_type") == "exfat_dentry_set"]
    assert labels, "the root's own entries keep their records"


@settings(max_examples=15, deadline=None, derandomize=True,
          suppress_health_check=[HealthCheck.function_scoped_fixture])  # fmt: skip
@given(
    segment=st.integers(0, 4),
    section=st.floats(0, 1),
    field=st.sampled_from(["next", "size", "count", "base", "entry"]),
    value=st.one_of(st.sampled_from([0, 1, 76, 2**31, 2**32 - 1, 2**40]), st.integers(0, 1 << 21)),
)
def test_forged_e01_ingest_completes_or_is_refused_with_a_typed_error(
    fat_e01: list[Path], tmp_path_factory: pytest.TempPathFactory,
    segment: int, section: float, field: str, value: int,
) -> None:  # fmt: skip
    """A forged field anywhere in the E01: the ingest completes with every EWF problem
    an issue inside a segment file, or libewf refuses the image (UnreadableInput)."""
    root = tmp_path_factory.mktemp("forged-ingest")
    (root / "evidence").mkdir()
    segments = [Path(shutil.copy(s, root / "evidence" / s.name)) for s in fat_e01]
    target = segments[min(segment, len(segments) - 1)]
    blob = bytearray(target.read_bytes())
    found = sections(bytes(blob))
    kind, at = found[min(int(section * len(found)), len(found) - 1)]
    forge(blob, kind, at, field, value, 0.5)
    target.write_bytes(bytes(blob))
    sizes = {s.name: s.stat().st_size for s in segments}
    try:
        with time_limit(4 * LIMIT_S):
            result = ingest(segments[0], root / "case")
    except UnreadableInput:
        return
    for issue in result.issues:
        loc = issue["locator"]
        if issue["code"].startswith("ewf_") and loc.get("path") in sizes:
            assert 0 <= int(loc["offset"]) <= sizes[loc["path"]], issue

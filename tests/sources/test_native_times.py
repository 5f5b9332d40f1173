"""What the native core pre-computes for a UTC file system's entries (``iter_dir`` with a
precision: each entry's event time fields and body-file seconds) against the Python
code it stands in for (:func:`evidencekit.case.image_events.entry_times` and the body
file's seconds), on arbitrary times and on a real ext4 image; and ``iter_dir`` (one
tuple at a time) against ``list_dir``.
"""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from evidencekit.case.image_events import _stamps, body_lines, entry_times, utc_precision
from evidencekit.events.time import TimeError
from evidencekit.sources import native
from evidencekit.sources.image import open_image
from evidencekit.sources.volumes import FileSystem, Partition, open_file_systems, read_layout
from evidencekit.sources.walk import Entry, walk
from tests.sources.conftest import Built

pytestmark = pytest.mark.skipif(
    not native.AVAILABLE, reason="native core not built (needs libtsk-dev and a C compiler)"
)
_TSK_ORDER = ("crtime", "mtime", "atime", "ctime")  # utc_fields' argument order
_FS = {t: FileSystem(Partition(0, 0, 1, "test"), None, t, 4096, 1) for t in ("ext4", "ext2")}

# Seconds around both ends of format_ns's range (1601..9999) and TSK's int64 extremes;
# nanoseconds up to 2**32 - 1 (ext4's extra field can hold more than 10**9 - 1).
_SECONDS = st.one_of(
    st.integers(-(2**63), 2**63 - 1),
    st.integers(-11644473600 - 8, -11644473600 + 8),
    st.integers(253402300799 - 8, 253402300799 + 8),
    st.integers(-(10**10), 10**10),
    st.just(0),
)
_NANOS = st.one_of(st.integers(0, 2**32 - 1), st.integers(0, 10**9 - 1), st.just(0))


def _python(fs_type: str, times: dict[str, tuple[int, int]]) -> Any:
    """entry_times and the body seconds the Python path gives for an entry with ``times``."""
    entry = Entry(_FS[fs_type], "/f", "f", 12, None, "file", "file", True, True, times=times)
    try:
        fields = entry_times(entry, "UTC")
    except TimeError:
        return None, None
    return fields, tuple(_stamps(fields, ""))


@settings(max_examples=400, deadline=None)
@given(st.lists(st.tuples(_SECONDS, _NANOS), min_size=4, max_size=4), st.booleans(),
       st.sampled_from(["ext4", "ext2"]))  # fmt: skip
def test_utc_fields_are_what_entry_times_computes(
    stamps: list[tuple[int, int]], repeat: bool, fs_type: str
) -> None:
    if repeat:  # roles with equal times share their strings in C: exercise that too
        stamps[2] = stamps[1] = stamps[0]
    times = {role: st for role, st in zip(_TSK_ORDER, stamps, strict=True) if st != (0, 0)}
    precision = utc_precision(fs_type)
    assert precision is not None
    flat = [v for pair in stamps for v in pair]
    assert native._tskcore.utc_fields(*flat, precision) == _python(fs_type, times)


def _walked(image: Path, precision: bool) -> list[Entry]:
    opened = open_image(image)
    try:
        layout = read_layout(opened.img, opened.media_size)
        out: list[Entry] = []
        for fs in open_file_systems(opened.img, layout, opened.native):
            assert isinstance(fs, FileSystem) and fs.native is not None
            given_precision = utc_precision(fs.fs_type) if precision else None
            out += [e for e in walk(fs, given_precision) if isinstance(e, Entry)]
        return out
    finally:
        opened.close()


def test_an_ext4_walk_carries_the_fields_entry_times_computes(ext4_image: Built) -> None:
    entries = _walked(ext4_image.path, precision=True)
    timed = [e for e in entries if e.times]
    assert len(timed) > 5
    # The core made these Entry objects itself (the others, e.g. names with control
    # characters, Python finished from the core's tuples).
    assert sum(e.body_tail is not None for e in entries) > 5
    assert any(e.body_tail is None and e.name_problems for e in entries)
    for entry in entries:
        assert entry.time_fields is not None and entry.body_stamps is not None
        plain = replace(entry, time_fields=None, body_stamps=None, body_tail=None)
        assert entry.time_fields == entry_times(plain, "UTC"), entry.path
        assert entry.body_stamps == tuple(_stamps(entry.time_fields, "")), entry.path
        assert body_lines(entry, "ab", "/", entry.time_fields) == body_lines(
            plain, "ab", "/", entry_times(plain, "UTC")
        )
    # Without a precision the walk gives the same entries, without the pre-computed parts.
    bare = _walked(ext4_image.path, precision=False)
    assert [_fields(e) for e in entries] == [_fields(e) for e in bare]


def _fields(entry: Entry) -> dict[str, Any]:
    """The entry without its file system (each walk opened its own) and the two caches."""
    skip = ("fs", "file", "time_fields", "body_stamps", "body_tail")
    return {k: getattr(entry, k) for k in Entry.__slots__ if k not in skip}


def test_iter_dir_gives_list_dir_one_at_a_time(ext4_image: Built) -> None:
    image = native._tskcore.Image([str(ext4_image.path)])
    fs = native._tskcore.FileSystem(image, 0)
    root = fs.root_inum
    whole = fs.list_dir(root, "ns")
    assert len(whole) > 3
    assert list(fs.iter_dir(root, "ns")) == whole
    bare = list(fs.iter_dir(root))  # no precision: the same, time fields and stamps None
    assert [(*r[:5], r[5] and r[5][:7], r[6]) for r in bare] == [
        (*r[:5], r[5] and r[5][:7], r[6]) for r in whole
    ]
    assert all(r[5][7:] == (None, None) for r in bare if r[5])
    # A listing left half-read releases its records when dropped; the handle goes on.
    partial = fs.iter_dir(root, "ns")
    assert next(partial) == whole[0]
    del partial
    assert fs.list_dir(root, "ns") == whole
    with pytest.raises(TypeError):
        fs.iter_dir(root, 5)
    with pytest.raises(OSError, match="Unable to open directory"):
        fs.iter_dir(10**9)  # beyond the last inode


def test_set_entry_type_refuses_what_it_cannot_fill(ext4_image: Built) -> None:
    class Loose:
        pass

    core = native._tskcore
    fields = tuple(Entry.__slots__)
    tables = (("unknown",) * 17, ("unknown",) * 17, "-" * 17, "-" * 17)
    with pytest.raises(TypeError, match="fields, tables of"):
        core.set_entry_type(Entry, fields[:3], *tables)
    with pytest.raises(TypeError, match="fields, tables of"):
        core.set_entry_type(Entry, fields, ("unknown",) * 3, *tables[1:])
    with pytest.raises(AttributeError):
        core.set_entry_type(Loose, fields, *tables)
    with pytest.raises(TypeError, match="not a plain slot"):
        core.set_entry_type(Loose, ("__doc__",) * len(fields), *tables)
    with pytest.raises(TypeError, match="not a plain slot"):
        core.set_entry_type(Entry, ("handle", *fields[1:]), *tables)  # a property
    # Another class's slots copied into a small class: their offsets lie beyond its
    # instances (accepted before, iter_dir then wrote past the object). A slot named
    # twice would leak the first value written to it.
    borrowed = type("Borrowed", (), {f: Entry.__dict__[f] for f in fields})
    with pytest.raises(TypeError, match="not a plain slot"):
        core.set_entry_type(borrowed, fields, *tables)
    with pytest.raises(TypeError, match="not a plain slot"):
        core.set_entry_type(Entry, (fields[0], *fields[:-1]), *tables)
    # Refused calls change nothing: the walk still gets the core's own Entry objects.
    made = [e for e in _walked(ext4_image.path, precision=True) if e.body_tail is not None]
    assert made and all(e.name_type != "unknown" for e in made)

"""Hostile register folders: a tree deeper than the system's path limit, FIFOs, a
symbolic-link loop, names that are not UTF-8, files that vanish after the listing.
Nothing may escape as an exception or hang; every file not read is recorded."""

from __future__ import annotations

import os
from pathlib import Path

from evidencekit.analysis.folders import load_folder
from evidencekit.analysis.publicity import compare
from evidencekit.analysis.textsim import extract_text
from evidencekit.timeline.canonical import dumps
from tests.analysis.conftest import Built
from tests.analysis.test_near_duplicates import _case
from tests.analysis.textdocs import CATALOGUE_OTHER, SPEC

_PARAMS = {
    "shingle_chars": 5,
    "max_shingles": 200_000,
    "max_file_bytes": 1 << 20,
    "min_shingles": 10,
    "minhash_k": 128,
    "near_duplicate_percent": 80,
    "candidate_margin_percent": 10,
}


def _deep_tree(root: Path, levels: int = 20) -> None:
    """``levels`` nested folders of 243-character names (past PATH_MAX = 4096), a file
    at the bottom, made through directory descriptors (no path is ever that long)."""
    fd = os.open(root, os.O_RDONLY)
    try:
        for i in range(levels):
            name = f"d{i:02d}" + "x" * 240
            os.mkdir(name, dir_fd=fd)
            inner = os.open(name, os.O_RDONLY, dir_fd=fd)
            os.close(fd)
            fd = inner
        out = os.open("bottom.txt", os.O_WRONLY | os.O_CREAT, 0o644, dir_fd=fd)
        os.write(out, b"bottom")
        os.close(out)
    finally:
        os.close(fd)


def test_a_tree_past_the_path_limit_is_recorded_not_raised(tmp_path: Path) -> None:
    (tmp_path / "corpus").mkdir()
    (tmp_path / "corpus" / "top.txt").write_text("top", encoding="utf-8")
    _deep_tree(tmp_path / "corpus")
    got = load_folder(tmp_path, "corpus", "public_corpus")
    assert [f.rel for f in got.files] == ["top.txt"]
    assert len(got.skipped) == 1 and "File name too long" in got.skipped[0]
    assert got.skipped[0].startswith("d00")  # the folder that could not be listed is named


def test_fifo_link_loop_and_device_are_listed_without_reading(tmp_path: Path) -> None:
    root = tmp_path / "corpus"
    (root / "sub").mkdir(parents=True)
    os.mkfifo(root / "pipe.txt")
    (root / "sub" / "loop_a").symlink_to(root / "sub" / "loop_b")
    (root / "sub" / "loop_b").symlink_to(root / "sub" / "loop_a")
    (root / "sub" / "up").symlink_to(root, target_is_directory=True)
    (root / "null.txt").symlink_to("/dev/null")
    (root / "ok.txt").write_text("ok", encoding="utf-8")
    got = load_folder(tmp_path, "corpus", "secret_set")
    assert [f.rel for f in got.files] == ["ok.txt"]
    assert got.skipped == [
        f"{n}: not a regular file"
        for n in ("null.txt", "pipe.txt", "sub/loop_a", "sub/loop_b", "sub/up")
    ]


def test_a_fifo_put_in_place_of_a_listed_file_is_refused_not_waited_on(tmp_path: Path) -> None:
    path = tmp_path / "swapped.txt"
    os.mkfifo(path)
    try:
        extract_text(path)
    except OSError as exc:
        assert "not a regular file" in str(exc)
    else:
        raise AssertionError("a FIFO was read as a document")


def test_a_file_gone_after_hashing_is_an_unreadable_input(tmp_path: Path) -> None:
    (tmp_path / "corpus").mkdir()
    kept = tmp_path / "corpus" / "kept.txt"
    kept.write_text("\n".join(CATALOGUE_OTHER), encoding="utf-8")
    (tmp_path / "corpus" / "gone.txt").write_text("\n".join(SPEC), encoding="utf-8")
    listed = load_folder(tmp_path, "corpus", "public_corpus")
    (tmp_path / "corpus" / "gone.txt").unlink()
    got = compare([], listed.files, _PARAMS)
    assert [d.file.rel for d in got.public] == ["kept.txt"]
    [bad] = got.unreadable
    assert bad["file"] == "public_corpus/gone.txt" and "No such file" in bad["problem"]


def test_non_utf8_names_keep_their_bytes_visibly(tmp_path: Path) -> None:
    root = tmp_path / "corpus"
    root.mkdir()
    name = os.fsdecode(b"\x8e\x64\x97\x6c.txt")  # 仕様.txt in CP932
    (root / name).write_text("\n".join(SPEC), encoding="utf-8")
    [f] = load_folder(tmp_path, "corpus", "secret_set").files
    assert f.rel == "\\x8ed\\x97l.txt"
    assert f.path.read_text(encoding="utf-8").startswith(SPEC[0])


def test_hostile_folder_in_a_full_analysis_gives_identical_bytes(p1: Built, tmp_path: Path) -> None:
    secret = {os.fsdecode(b"\x8e\x64\x97\x6c.txt"): "\n".join(SPEC).encode("utf-8")}
    public = {"other.txt": "\n".join(CATALOGUE_OTHER).encode("utf-8")}
    runs = []
    for run in ("one", "two"):
        (tmp_path / run / "public").mkdir(parents=True)
        os.mkfifo(tmp_path / run / "public" / "pipe.html")
        _deep_tree(tmp_path / run / "public", levels=18)
        result = _case(p1, tmp_path / run, secret, public)
        runs.append(dumps(result.canonical_dict()))
        [other] = [f for f in result.findings if f.rule == "E05" and "not compared" in f.title_en]
        skipped = other.facts["skipped"]
        assert "public_corpus/pipe.html: not a regular file" in skipped
        assert any("File name too long" in s for s in skipped)
    assert runs[0] == runs[1]

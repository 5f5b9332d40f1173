"""One-pass MD5 + SHA-1 + SHA-256 agrees with hashlib run on each algorithm alone."""

from __future__ import annotations

import hashlib
import os
from pathlib import Path

import pytest

from evidencekit.sources.hashing import BLOCK, hash_file, hash_files


@pytest.mark.parametrize("size", [0, 1, BLOCK - 1, BLOCK, 3 * BLOCK + 17])
def test_hash_file_matches_hashlib(size: int, tmp_path: Path) -> None:
    data = os.urandom(size)
    path = tmp_path / "blob"
    path.write_bytes(data)
    seen: list[int] = []
    got = hash_file(path, seen.append)
    assert got.size == size == sum(seen)
    assert got.md5 == hashlib.md5(data, usedforsecurity=False).hexdigest()
    assert got.sha1 == hashlib.sha1(data, usedforsecurity=False).hexdigest()
    assert got.sha256 == hashlib.sha256(data).hexdigest()


def test_hash_files_is_the_concatenation(tmp_path: Path) -> None:
    parts = [os.urandom(n) for n in (BLOCK + 5, 0, 12345)]
    paths = []
    for i, part in enumerate(parts):
        paths.append(tmp_path / f"seg.{i:03d}")
        paths[-1].write_bytes(part)
    assert hash_files(paths).sha256 == hashlib.sha256(b"".join(parts)).hexdigest()

"""Streaming MD5 + SHA-1 + SHA-256 in one pass, the three algorithms running concurrently.

hashlib releases the GIL on large buffers, so three worker threads hash while the
main thread reads the next block.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterable
from concurrent.futures import Future, ThreadPoolExecutor, wait
from dataclasses import dataclass
from pathlib import Path

BLOCK = 4 << 20


@dataclass(frozen=True)
class Hashes:
    size: int
    md5: str
    sha1: str
    sha256: str


def hash_blocks(blocks: Iterable[bytes], progress: Callable[[int], None] | None = None) -> Hashes:
    """Hash an iterable of byte blocks with all three algorithms."""
    hashers = [
        hashlib.md5(usedforsecurity=False),
        hashlib.sha1(usedforsecurity=False),
        hashlib.sha256(),
    ]
    size = 0
    with ThreadPoolExecutor(max_workers=3, thread_name_prefix="ek-hash") as pool:
        pending: list[Future[None]] = []
        for block in blocks:
            wait(pending)
            pending = [pool.submit(h.update, block) for h in hashers]
            size += len(block)
            if progress is not None:
                progress(len(block))
        wait(pending)
    md5, sha1, sha256 = (h.hexdigest() for h in hashers)
    return Hashes(size, md5, sha1, sha256)


def read_blocks(path: Path, block: int = BLOCK) -> Iterable[bytes]:
    with open(path, "rb", buffering=0) as fp:
        while data := fp.read(block):
            yield data


def hash_file(path: Path, progress: Callable[[int], None] | None = None) -> Hashes:
    """MD5, SHA-1 and SHA-256 of a file, read once."""
    return hash_blocks(read_blocks(path), progress)


def hash_files(paths: Iterable[Path], progress: Callable[[int], None] | None = None) -> Hashes:
    """Hashes of the concatenation of several files (split images), read once."""

    def blocks() -> Iterable[bytes]:
        for p in paths:
            yield from read_blocks(p)

    return hash_blocks(blocks(), progress)

"""Streaming MD5 + SHA-1 + SHA-256 in one pass, the three algorithms running concurrently.

hashlib releases the GIL on large buffers. MD5 is the slowest of the three (no
hardware help), SHA-1 and SHA-256 together take about as long on CPUs with SHA
extensions, so two workers (MD5 | SHA-1 then SHA-256) keep two cores busy while
the main thread reads the next block; a third thread would only contend.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterable
from concurrent.futures import Future, ThreadPoolExecutor, wait
from dataclasses import dataclass
from pathlib import Path

BLOCK = 1 << 20


@dataclass(frozen=True)
class Hashes:
    size: int
    md5: str
    sha1: str
    sha256: str


def hash_blocks(blocks: Iterable[bytes], progress: Callable[[int], None] | None = None) -> Hashes:
    """Hash an iterable of byte blocks with all three algorithms."""
    md5 = hashlib.md5(usedforsecurity=False)
    sha1 = hashlib.sha1(usedforsecurity=False)
    sha256 = hashlib.sha256()

    def shas(block: bytes) -> None:
        sha1.update(block)
        sha256.update(block)

    size = 0
    with ThreadPoolExecutor(max_workers=2, thread_name_prefix="ek-hash") as pool:
        pending: list[Future[None]] = []
        for block in blocks:
            wait(pending)
            pending = [pool.submit(md5.update, block), pool.submit(shas, block)]
            size += len(block)
            if progress is not None:
                progress(len(block))
        wait(pending)
    return Hashes(size, md5.hexdigest(), sha1.hexdigest(), sha256.hexdigest())


def read_blocks(path: Path, block: int = BLOCK) -> Iterable[bytes]:
    with open(path, "rb", buffering=0) as fp:
        while data := fp.read(block):
            yield data


def sha256_file(path: Path) -> str:
    """SHA-256 alone of a file, read in large blocks into one buffer (hashlib releases the
    GIL, so several files hash in parallel threads)."""
    digest = hashlib.sha256()
    buffer = bytearray(BLOCK)
    view = memoryview(buffer)
    with open(path, "rb", buffering=0) as fp:
        while count := fp.readinto(buffer):
            digest.update(view[:count])
    return digest.hexdigest()


def hash_file(path: Path, progress: Callable[[int], None] | None = None) -> Hashes:
    """MD5, SHA-1 and SHA-256 of a file, read once."""
    return hash_blocks(read_blocks(path), progress)


def hash_files(paths: Iterable[Path], progress: Callable[[int], None] | None = None) -> Hashes:
    """Hashes of the concatenation of several files (split images), read once."""

    def blocks() -> Iterable[bytes]:
        for p in paths:
            yield from read_blocks(p)

    return hash_blocks(blocks(), progress)

"""Ingest a compressed loose artifact (``.xz``, ``.gz``, ``.bz2``): hash the compressed
file as the evidence, decompress it streaming and bounded into a private folder of the
case, recognise and parse the decompressed bytes, and record both in the source.

The compressed file is the evidence: its MD5/SHA-1/SHA-256 before and its SHA-256
after reading are the source's hashes, and it is never written to. The decompressed
bytes are a derived working copy: their size and SHA-256 go into the source's
``parameters.decompressed`` (with the compression and the inner name), they live only
in a temporary folder inside the case folder (never beside the evidence) and are
removed after parsing. Decompression reads at most one block at a time and refuses
output beyond a limit (default 1 GiB), so a compression bomb costs neither memory nor
disk beyond that limit.
"""

from __future__ import annotations

import bz2
import gzip
import hashlib
import io
import lzma
import tempfile
import zlib
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from evidencekit.case.detect import detect_artifact_kind
from evidencekit.case.ingest import IngestSummary, parse_and_store
from evidencekit.case.workspace import Case
from evidencekit.errors import UnreadableInput
from evidencekit.parsers.logdetect import detect_log_format, log_time_zone
from evidencekit.sources.guard import check_output
from evidencekit.sources.hashing import hash_file
from evidencekit.sources.pathtext import path_text

DEFAULT_LIMIT = 1 << 30
_BLOCK = 1 << 20
_MAGIC = ((b"\xfd7zXZ\x00", "xz"), (b"\x1f\x8b", "gzip"), (b"BZh", "bzip2"))
_SUFFIXES = {"xz": (".xz", ".txz"), "gzip": (".gz", ".tgz"), "bzip2": (".bz2", ".tbz2")}
_READERS: dict[str, Callable[[Path], io.BufferedIOBase]] = {
    "xz": lzma.LZMAFile,
    "gzip": gzip.GzipFile,
    "bzip2": bz2.BZ2File,
}
_DAMAGED = (lzma.LZMAError, EOFError, zlib.error, OSError)


class DecompressionRefused(UnreadableInput):
    """The decompressed content would exceed the limit (a compression bomb, or a file
    larger than this ingest was allowed to unpack)."""


@dataclass(frozen=True)
class Decompressed:
    """The decompressed working copy: where it is, its size and SHA-256."""

    path: Path
    compression: str
    size: int
    sha256: str


def compression_of(path: Path) -> str | None:
    """``xz``, ``gzip`` or ``bzip2`` from the file's magic bytes, or None."""
    with open(path, "rb") as fp:
        head = fp.read(6)
    return next((name for magic, name in _MAGIC if head.startswith(magic)), None)


def inner_name(path: Path, compression: str) -> str:
    """The name without its compression suffix (``SYSTEM.xz`` -> ``SYSTEM``)."""
    for suffix in _SUFFIXES[compression]:
        if path.name.lower().endswith(suffix) and len(path.name) > len(suffix):
            stem = path.name[: -len(suffix)]
            if stem.strip(".") == "":
                break  # '..gz' would name the work folder or the case folder itself
            return stem + ".tar" if suffix.startswith(".t") else stem
    return path.name + ".decompressed"


def decompress_bounded(path: Path, dest: Path, compression: str, limit: int) -> Decompressed:
    """Stream ``path`` decompressed into ``dest``, at most ``limit`` bytes.

    Raises:
        DecompressionRefused: the output would exceed ``limit`` bytes.
        UnreadableInput: the compressed stream is damaged or cut short.
    """
    digest, size = hashlib.sha256(), 0
    try:
        with _READERS[compression](path) as fin, open(dest, "wb") as fout:
            while block := fin.read(_BLOCK):
                size += len(block)
                if size > limit:
                    raise DecompressionRefused(
                        f"{path.name}: decompresses to more than {limit} bytes; refused "
                        "(raise the limit only for a file known to be that large)"
                    )
                digest.update(block)
                fout.write(block)
    except DecompressionRefused:
        dest.unlink(missing_ok=True)
        raise
    except _DAMAGED as exc:
        dest.unlink(missing_ok=True)
        raise UnreadableInput(
            f"{path.name}: {compression} stream damaged or cut short after {size} "
            f"decompressed bytes: {exc}"
        ) from exc
    return Decompressed(dest, compression, size, digest.hexdigest())


def ingest_compressed(
    case: Case,
    path: Path,
    parser_name: str | None = None,
    time_zone: str | None = None,
    options: dict[str, Any] | None = None,
    force: bool = False,
    progress: Callable[[int], None] | None = None,
    limit: int = DEFAULT_LIMIT,
    kind: str = "artifact",
) -> IngestSummary:
    """Ingest a compressed artifact, or with ``kind="log"`` a compressed log export (a
    rotated ``access.log.1.gz``): the format is recognised on the decompressed bytes when
    ``parser_name`` is None, and a log's zone is the one its parser reads in (as ``ingest
    log`` records it).

    Raises:
        UnreadableInput: not a compressed file this reads, damaged, or not recognised.
        DecompressionRefused: beyond ``limit`` decompressed bytes.
        EvidenceChanged: the compressed file changed while it was read.
    """
    check_output(case.root, [path], force=force)
    compression = compression_of(path) if path.is_file() else None
    if compression is None:
        raise UnreadableInput(f"{path} is not an xz, gzip or bzip2 file")
    before = hash_file(path, progress)
    with tempfile.TemporaryDirectory(dir=case.root, prefix=".ek-decompress-") as work:
        plain = decompress_bounded(
            path, Path(work) / inner_name(path, compression), compression, limit
        )
        if kind == "log":
            name = parser_name or detect_log_format(plain.path)
            time_zone = log_time_zone(name, time_zone, options or {})
        else:
            found = parser_name or detect_artifact_kind(plain.path)
            if found is None:
                raise UnreadableInput(f"{path.name}: no artifact parser recognises its content")
            name = found
        derived = {"compression": plain.compression, "name": path_text(plain.path.name),
                   "size": plain.size, "sha256": plain.sha256}  # fmt: skip
        return parse_and_store(
            case, path, before, name, time_zone, options or {}, read_from=plain.path,
            derived=derived,
        )  # fmt: skip

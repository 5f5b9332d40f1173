"""Open disk images read-only: raw/dd, split raw (.001, .002 ...) and EWF (E01, E02 ...).

Raw and split raw images are read by The Sleuth Kit itself (its raw reader finds the
other segments of a split image). EWF images are read through libewf (``pyewf``) and
handed to TSK as an external image. Nothing here ever opens a file for writing.

When the native core is built (:mod:`evidencekit.sources.native`), the image is also
opened by libtsk in C (:attr:`DiskImage.native`): the media hash and, for EWF, media
reads go through it. An EWF image whose media hash fails to read, or disagrees with the
hashes stored in the container, drops the native handle and is read the reference way,
so damaged containers get the zero-filled, located read errors described below.

Read errors inside an EWF container (a corrupted or missing chunk) do not stop the
walk: the unreadable range is returned as zeros and recorded in
:attr:`DiskImage.read_errors` with its media offset, so the caller can turn each one
into a parse issue.
"""

from __future__ import annotations

import bisect
import os
import re
from collections import OrderedDict
from collections.abc import Callable, Iterator
from concurrent.futures import Future
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pyewf
import pytsk3

from evidencekit.errors import UnreadableInput
from evidencekit.sources.ewf_chunks import ChunkCheck, start_check
from evidencekit.sources.ewf_reads import ReadError, _ewf_read, _header_values, _stored_hashes
from evidencekit.sources.hashing import BLOCK, Hashes, hash_blocks
from evidencekit.sources.native import hash_media as native_hash_media
from evidencekit.sources.native import open_native_image

__all__ = [
    "RAW_SUFFIXES",
    "DiskImage",
    "ReadError",
    "image_format",
    "open_image",
    "segments_of",
]

RAW_SUFFIXES = (".dd", ".raw", ".img", ".bin", ".dmg", ".iso")
_SPLIT = re.compile(r"^(?P<stem>.+)\.(?P<num>\d{3})$")
_EWF = re.compile(r"^(?P<stem>.+)\.(?P<kind>[EeLs])(?P<num>\d{2})$")
_EWF_READ = 1 << 20


@dataclass
class DiskImage:
    """An open image: TSK image handle, media size, segments and container facts."""

    path: Path
    format: str
    segments: tuple[Path, ...]
    media_size: int
    img: Any
    stored_hashes: dict[str, str] = field(default_factory=dict)
    metadata: dict[str, str] = field(default_factory=dict)
    read_errors: list[ReadError] = field(default_factory=list)
    native: Any = None
    _chunks: Future[ChunkCheck] | None = None
    _ewf: Any = None
    _files: Any = None  # raw segments read by Python (names TSK cannot take as text)
    _cache: OrderedDict[int, bytes] = field(default_factory=OrderedDict)
    _chunk: int = 32768

    def read(self, offset: int, length: int) -> bytes:
        """Read media bytes (never past the end of the media)."""
        length = max(0, min(length, self.media_size - offset))
        if length == 0:
            return b""
        if self._ewf is not None:
            if self.native is not None:
                try:
                    native_data: bytes = self.native.read(offset, length)
                    return native_data
                except OSError:
                    pass  # the reference reader zero-fills and records the bad range
            return _ewf_read(self, offset, length)
        if self._files is not None:
            return self._files.read(offset, length)  # type: ignore[no-any-return]
        data: bytes = self.img.read(offset, length)
        return data

    def media_blocks(self, block: int = BLOCK) -> Iterator[bytes]:
        """The whole media, block by block, from offset 0."""
        size = _EWF_READ if self._ewf is not None else block
        offset = 0
        while offset < self.media_size:
            data = self.read(offset, size)
            if not data:
                self.read_errors.append(
                    ReadError(offset, self.media_size - offset, "short read: image truncated")
                )
                return
            offset += len(data)
            yield data

    def hash_media(self, progress: Callable[[int], None] | None = None) -> Hashes:
        """MD5, SHA-1 and SHA-256 of the media data in one pass (natively when possible)."""
        if self.native is not None:
            got = native_hash_media(self.native, progress)
            stored = {"md5": got.md5, "sha1": got.sha1, "sha256": got.sha256}
            agree = all(stored.get(k) == v for k, v in self.stored_hashes.items())
            if got.error is None and got.size == self.media_size and agree:
                return Hashes(got.size, str(got.md5), str(got.sha1), str(got.sha256))
            # Damaged or altered container: the reference reader locates each bad range.
            self.native = None
        return hash_blocks(self.media_blocks(), progress)

    def unreadable_ranges(self) -> list[ReadError]:
        """The recorded read errors merged into sorted, disjoint media ranges."""
        merged: list[ReadError] = []
        for err in sorted(self.read_errors, key=lambda e: (e.offset, -e.length)):
            last = merged[-1] if merged else None
            if last is not None and err.offset <= last.offset + last.length:
                end = max(last.offset + last.length, err.offset + err.length)
                merged[-1] = ReadError(last.offset, end - last.offset, last.reason)
            else:
                merged.append(err)
        return merged

    def segment_gaps(self) -> list[str]:
        """EWF segment files missing from the numbered sequence (libewf stops at a gap)."""
        if self.format != "ewf":
            return []
        stem = self.path.name[:-2]
        siblings = [
            _segment_number(p)
            for p in self.path.parent.iterdir()
            if p.name[:-2] == stem and _EWF.match(p.name)
        ]
        present = set(siblings)
        return [f"{stem}{n:02d}" for n in range(1, max(siblings) + 1) if n not in present]

    def chunk_check(self) -> Future[ChunkCheck] | None:
        """The check of every EWF chunk (None for raw images), started on a worker
        thread at the first call so it runs alongside hashing and the walk. Opening an
        image does not start it: a listing need not read the whole container."""
        if self.format == "ewf" and self._chunks is None:
            self._chunks = start_check(self.segments)
        return self._chunks

    def close(self) -> None:
        """Release the handles (the image files were only ever opened for reading)."""
        if self._chunks is not None:
            self._chunks.exception()  # the check reads the segment files: let it finish
        if self._ewf is not None:
            self._ewf.close()
            self._ewf = None
        if self._files is not None:
            self._files.close()
            self._files = None


class _ExternalImage(pytsk3.Img_Info):  # type: ignore[misc]
    """Hands media reads from Python (libewf) to TSK."""

    def __init__(self, image: DiskImage) -> None:
        self._image = image
        super().__init__(url="", type=pytsk3.TSK_IMG_TYPE_EXTERNAL)

    def read(self, offset: int, length: int) -> bytes:
        return self._image.read(offset, length)

    def get_size(self) -> int:
        return self._image.media_size

    def close(self) -> None:
        """TSK closes the handle; the DiskImage owns the libewf handle."""


def image_format(path: Path) -> str:
    """``ewf``, ``split_raw`` or ``raw``, from the name and (for EWF) the signature."""
    with open(path, "rb") as fp:
        head = fp.read(8)
    if head.startswith((b"EVF\x09\x0d\x0a\xff\x00", b"LVF\x09\x0d\x0a\xff\x00")):
        return "ewf"
    if _SPLIT.match(path.name) and path.name.endswith(".001"):
        return "split_raw"
    return "raw"


def segments_of(path: Path, fmt: str) -> tuple[Path, ...]:
    """Every segment file of the image whose first segment is ``path``, in order."""
    if fmt == "ewf":
        return tuple(sorted(Path(p) for p in pyewf.glob(str(path))))
    if fmt == "split_raw":
        stem = path.name[:-4]
        found: list[Path] = []
        number = 1
        while (candidate := path.with_name(f"{stem}.{number:03d}")).is_file():
            found.append(candidate)
            number += 1
        return tuple(found)
    return (path,)


def open_image(path: Path) -> DiskImage:
    """Open an image read-only; raise :class:`UnreadableInput` when it cannot be opened."""
    if not path.is_file():
        raise UnreadableInput(f"{path} is not a readable file")
    fmt = image_format(path)
    segments = segments_of(path, fmt)
    if fmt == "ewf":
        return _open_ewf(path, segments)
    if not _utf8_name(path):
        return _open_raw_files(path, fmt, segments)
    try:
        img = pytsk3.Img_Info(str(path))
    except OSError as exc:
        raise UnreadableInput(f"{path}: cannot open as a raw image: {exc}") from exc
    size = int(img.get_size())
    expected = sum(p.stat().st_size for p in segments)
    if size != expected:
        raise UnreadableInput(f"{path}: TSK sees {size} bytes but the segments hold {expected}")
    return _with_native(DiskImage(path, fmt, segments, size, img), [str(path)])


def _utf8_name(path: Path) -> bool:
    """pytsk3 takes the image name as UTF-8 text: a name in another encoding (a CP932
    file name on a Linux disk) cannot be handed to it."""
    try:
        str(path).encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def _open_raw_files(path: Path, fmt: str, segments: tuple[Path, ...]) -> DiskImage:
    """A raw or split image read by Python and handed to TSK as an external image."""
    files = _SegmentFiles(segments)
    image = DiskImage(path, fmt, segments, files.size, None, _files=files)
    image.img = _ExternalImage(image)
    return _with_native(image, [str(p) for p in segments])


class _SegmentFiles:
    """Raw segment files opened read-only, read as one media."""

    def __init__(self, segments: tuple[Path, ...]) -> None:
        self._files: list[Any] = []
        for p in segments:
            try:
                self._files.append(open(p, "rb"))  # noqa: SIM115 - closed by close()
            except OSError as exc:
                self.close()
                raise UnreadableInput(f"{p}: cannot open this image segment: {exc}") from exc
        self._starts: list[int] = []
        self.size = 0
        for fp in self._files:
            self._starts.append(self.size)
            self.size += os.fstat(fp.fileno()).st_size

    def read(self, offset: int, length: int) -> bytes:
        """The media bytes in ``[offset, offset + length)`` (nothing outside the media).
        Each file is read only up to the size it had when opened: one that grows later
        must not shift the media (nor a huge length allocate that much)."""
        if offset < 0:
            return b""
        length = min(length, self.size - offset)
        parts: list[bytes] = []
        while length > 0:
            n = bisect.bisect_right(self._starts, offset) - 1
            fp, start = self._files[n], self._starts[n]
            end = self._starts[n + 1] if n + 1 < len(self._starts) else self.size
            fp.seek(offset - start)
            data = fp.read(min(length, end - offset))
            if not data:
                break
            parts.append(data)
            offset, length = offset + len(data), length - len(data)
        return b"".join(parts)

    def close(self) -> None:
        for fp in self._files:
            fp.close()


def _open_ewf(path: Path, segments: tuple[Path, ...]) -> DiskImage:
    handle = pyewf.handle()
    try:
        handle.open([str(p) for p in segments], "r")
    except OSError as exc:
        raise UnreadableInput(f"{path}: cannot open the EWF image: {exc}") from exc
    image = DiskImage(
        path,
        "ewf",
        segments,
        int(handle.get_media_size()),
        None,
        stored_hashes=_stored_hashes(handle),
        metadata=_header_values(handle),
        _ewf=handle,
        _chunk=int(handle.get_chunk_size() or 32768),
    )
    image.img = _ExternalImage(image)
    return _with_native(image, [str(p) for p in segments])


def _with_native(image: DiskImage, paths: list[str]) -> DiskImage:
    """Attach the native (libtsk) handle when it sees the same media size (never to an
    EWF image with a segment missing: the reference reader locates what it lacks)."""
    if image.format == "ewf" and image.segment_gaps():
        return image
    native = open_native_image(paths, image.format == "ewf")
    if native is not None and int(native.size) == image.media_size:
        image.native = native
    return image


def _segment_number(path: Path) -> int:
    match = _EWF.match(path.name)
    return int(match.group("num")) if match else 0

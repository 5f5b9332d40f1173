"""The optional native core: libtsk driven from C (``_tskcore``), the GIL released.

pytsk3 costs a Python attribute access per field and, for EWF, a call from C back
into Python (pyewf) per media read. The C extension ``_tskcore`` (built by setup.py
when ``libtsk-dev`` and the OpenSSL headers are there) opens raw, split and EWF images
with libtsk itself (Debian's libtsk reads E01 through libewf), lists one directory at a
time with every field the pytsk3 walk reads, hashes the media with the reader and the
digests on separate threads, and reads a file's content into MD5, SHA-1 and SHA-256.

The pytsk3/pyewf path stays the reference and the fallback: without the extension, or
with ``EVIDENCEKIT_NATIVE_TSK=0`` in the environment, everything runs as before, and
tests hold the two paths to identical outputs. :func:`enabled` says which is active.
The reference path is also taken, per image or file system, where the two could
differ: an EWF set with a segment missing or whose media hash fails to read or
disagrees with the stored hashes (image.py), and file-system types outside
:data:`evidencekit.sources.volumes.NATIVE_FS`. The image format is always named to
libtsk (raw/split or EWF), never detected.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

try:
    from evidencekit.sources import _tskcore  # type: ignore[attr-defined]
except ImportError:  # no compiler or no libtsk-dev at install time
    _tskcore = None

AVAILABLE = _tskcore is not None
_POLL = 0.2  # seconds between progress ticks while the C side hashes the media


def enabled() -> bool:
    """True when the native core is built and not switched off (``EVIDENCEKIT_NATIVE_TSK=0``)."""
    return AVAILABLE and os.environ.get("EVIDENCEKIT_NATIVE_TSK", "1") != "0"


def native_core() -> Any | None:
    """The ``_tskcore`` extension module, or None when it is not built."""
    return _tskcore


def reader_name(native: bool) -> str:
    """Which TSK build read a file system, for the custody log (the two may differ)."""
    if native and _tskcore is not None:
        return f"libtsk {_tskcore.TSK_VERSION} (evidencekit native core)"
    import pytsk3

    return f"pytsk3 {pytsk3.TSK_VERSION_STR}"


def open_native_image(paths: Sequence[str], ewf: bool = False) -> Any | None:
    """A native image over the segment files (raw or split raw; EWF with ``ewf``), or
    None (disabled, or libtsk refuses it)."""
    if not enabled():
        return None
    try:
        return _tskcore.Image(list(paths), ewf)
    except OSError:
        return None


def open_native_fs(image: Any, offset: int) -> Any | None:
    """A native file system at byte ``offset`` of a native image, or None."""
    try:
        return _tskcore.FileSystem(image, offset)
    except OSError:
        return None


_threads = threading.local()


def thread_fs(image: Any, offset: int) -> Any:
    """This thread's own native handle on the file system at ``offset`` of ``image``
    (each handle serialises its calls, so worker threads each open one; libtsk's image
    layer is shared and locks its own cache)."""
    handles: dict[tuple[int, int], tuple[Any, Any]] | None = getattr(_threads, "fs", None)
    if handles is None:
        handles = _threads.fs = {}
    key = (id(image), offset)
    found = handles.get(key)
    if found is None or found[0] is not image:
        found = handles[key] = (image, _tskcore.FileSystem(image, offset))
    return found[1]


@dataclass(frozen=True)
class MediaDigest:
    """What hashing the whole media natively gave."""

    size: int
    md5: str | None
    sha1: str | None
    sha256: str | None
    error_offset: int | None
    error: str | None


def hash_media(image: Any, progress: Callable[[int], None] | None = None) -> MediaDigest:
    """MD5, SHA-1 and SHA-256 of the whole media in C (stops at the first read error).

    The C call runs on a helper thread without the GIL; this thread reports progress.
    """
    out: list[tuple[Any, ...]] = []
    failure: list[BaseException] = []

    def work() -> None:
        try:
            out.append(image.hash_media(1 << 20))
        except BaseException as exc:  # re-raised on the calling thread
            failure.append(exc)

    worker = threading.Thread(target=work, name="ek-media-hash")
    worker.start()
    reported = 0
    while worker.is_alive():
        worker.join(_POLL)
        if progress is not None:
            done = int(image.hashed)
            if done > reported:
                progress(done - reported)
                reported = done
    if failure:
        raise failure[0]
    size, md5, sha1, sha256, err_off, err = out[0]
    if progress is not None and size > reported:
        progress(size - reported)
    return MediaDigest(size, md5, sha1, sha256, err_off, err)


class NativeFile:
    """Stands in for a ``pytsk3.File`` where the walk code reads content or streams."""

    __slots__ = ("fs", "inode")

    def __init__(self, fs: Any, inode: int) -> None:
        self.fs, self.inode = fs, inode

    def read_random(
        self, offset: int, length: int, attr_type: int | None = None, attr_id: int | None = None
    ) -> bytes:
        """Like ``pytsk3.File.read_random``: the default stream, or attribute (type, id)."""
        if attr_type is None or attr_id is None:
            data: bytes = self.fs.read(self.inode, offset, length)
        else:
            data = self.fs.read(self.inode, offset, length, attr_type, attr_id)
        return data

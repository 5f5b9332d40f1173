"""Read a file's content out of an image once: hashes, libmagic type, markings, spooling.

One pass over the content feeds MD5, SHA-1 and SHA-256, keeps the head for libmagic
and the marking scanner (bounded), and optionally copies the bytes to a private
spool file for an artifact parser. A read error stops at the failing offset and is
reported; content that reads short is not hashed as if it were whole.
"""

from __future__ import annotations

import hashlib
import threading
from dataclasses import dataclass, field
from typing import IO, Any

import magic

from evidencekit.sources.markings import MarkingScanner, ScanResult
from evidencekit.sources.native import thread_fs
from evidencekit.sources.tsk_text import tsk_message

_CHUNK = 1 << 20
MAGIC_HEAD = 1 << 13
_SCAN_MIMES = ("text/", "application/pdf", "application/vnd.openxmlformats", "application/zip")
_local = threading.local()
_MEMO_MAX = 1 << 16


@dataclass
class ContentResult:
    """What was learnt from reading one stream."""

    read: int = 0
    complete: bool = False
    md5: str | None = None
    sha1: str | None = None
    sha256: str | None = None
    mime: str | None = None
    scan: ScanResult | None = None
    error: str | None = None
    error_offset: int | None = None
    notes: list[str] = field(default_factory=list)
    head: bytes = b""


def read_content(
    handle: Any,
    size: int,
    attr: tuple[int, int] | None = None,
    keep: int = MAGIC_HEAD,
    spool: IO[bytes] | None = None,
) -> ContentResult:
    """Read ``size`` bytes of a TSK file (its default stream, or ``attr`` = (type, id)),
    hashing them and keeping the first ``keep`` bytes in ``result.head``.

    Args:
        handle: a ``pytsk3.File``.
        size: the stream size the metadata states.
        attr: attribute type and id of a named stream (NTFS ADS), or None.
        keep: how many leading bytes to keep for libmagic and the marking scanner.
        spool: a binary file to receive a copy of the content, or None.
    """
    result = ContentResult()
    hashers = (hashlib.md5(usedforsecurity=False), hashlib.sha1(usedforsecurity=False),
               hashlib.sha256())  # fmt: skip
    head = bytearray()
    while result.read < size:
        want = min(_CHUNK, size - result.read)
        try:
            data = _read(handle, result.read, want, attr)
        except OSError as exc:
            result.error, result.error_offset = _reason(exc), result.read
            break
        if not data:
            result.error, result.error_offset = "no data returned (short read)", result.read
            break
        for h in hashers:
            h.update(data)
        if len(head) < keep:
            head += data[: keep - len(head)]
        if spool is not None:
            _spool(spool, data)
        result.read += len(data)
    if spool is not None:
        spool.truncate(result.read)  # a sparse tail (skipped zeros) gets its length
    result.complete = result.read == size
    if result.complete:
        result.md5, result.sha1, result.sha256 = (h.hexdigest() for h in hashers)
    result.head = bytes(head)
    return result


def read_content_native(fs: Any, inode: int, size: int, keep: int = MAGIC_HEAD) -> ContentResult:
    """:func:`read_content` of a file's default stream by the native core (the read and
    the three digests in C, without the GIL), with the same result.

    Args:
        fs: a ``_tskcore.FileSystem`` (one per thread: each serialises its own calls).
        inode: the file's metadata address.
        size: the stream size the metadata states.
        keep: how many leading bytes to keep in ``result.head``.
    """
    return _native_result(fs.hash_file(inode, size, keep), size)


def read_contents_native(
    fs: Any, files: list[tuple[int, int]], keep: int = MAGIC_HEAD
) -> list[ContentResult]:
    """:func:`read_content_native` of many ``(inode, size)`` files in one call (one
    release of the GIL for the batch: small files cost less each)."""
    return [_native_result(raw, size) for raw, (_, size) in zip(fs.hash_files(files, keep),
                                                               files, strict=True)]  # fmt: skip


def _native_result(raw: tuple[Any, ...], size: int) -> ContentResult:
    read, md5, sha1, sha256, head, error, error_offset = raw
    result = ContentResult(read=read, complete=read == size and error is None, head=head)
    if result.complete:
        result.md5, result.sha1, result.sha256 = md5, sha1, sha256
    elif error is not None:
        result.error, result.error_offset = _reason(error), error_offset
    return result


def classify_native(
    image: Any,
    offset: int,
    handle: Any,
    inode: int,
    size: int,
    keep: int,
    memo: dict[bytes, str] | None = None,
) -> tuple[ContentResult, str | None]:
    """For a worker thread: :func:`read_content_native` through this thread's own handle
    on the file system at ``offset`` of the native ``image``, then libmagic's type
    (:func:`classify` with ``memo``)."""
    try:
        fs = thread_fs(image, offset)
    except OSError:  # no second handle: read through the walk's own (``handle``)
        result = read_content(handle, size, None, keep)
    else:
        result = read_content_native(fs, inode, size, keep)
    return result, classify(result.head, memo) if result.head else None


def classify(head: bytes, memo: dict[bytes, str] | None = None) -> str:
    """libmagic's MIME type of the first bytes (thread-safe: one handle per thread;
    libmagic runs without the GIL, so callers may classify on worker threads).

    ``memo`` (one per ingest run) remembers answers by the digest of the bytes libmagic
    sees: equal bytes get the same answer, disks hold many identical files (system
    libraries, templates, empty documents) and libmagic costs ~0.4 ms a call.
    """
    data = head[:MAGIC_HEAD]
    key = b""
    if memo is not None:
        key = hashlib.blake2b(data, digest_size=16).digest()
        known = memo.get(key)
        if known is not None:
            return known
    cookie = getattr(_local, "magic", None)
    if cookie is None:
        cookie = _local.magic = magic.Magic(mime=True)
    mime: str = cookie.from_buffer(data)
    if memo is not None:
        if len(memo) >= _MEMO_MAX:
            memo.clear()  # bounded; workers racing here only recompute an answer
        memo[key] = mime
    return mime


def finish_content(
    result: ContentResult, size: int, mime: str | None, scanner: MarkingScanner | None
) -> None:
    """Record the MIME type and scan the kept head for markings; drop the head."""
    if result.head:
        result.mime = mime
        if scanner is not None:
            result.scan = _scan(scanner, result.head, size, result)
    elif result.complete:
        result.mime = "application/x-empty"
    result.head = b""


def read_and_classify(
    handle: Any,
    size: int,
    attr: tuple[int, int] | None = None,
    scanner: MarkingScanner | None = None,
    spool: IO[bytes] | None = None,
) -> ContentResult:
    """:func:`read_content`, then libmagic and markings, all on this thread."""
    keep = scanner.max_bytes if scanner is not None else MAGIC_HEAD
    result = read_content(handle, size, attr, keep, spool)
    finish_content(result, size, classify(result.head) if result.head else None, scanner)
    return result


def _spool(spool: IO[bytes], data: bytes) -> None:
    """Copy to the spool, leaving holes for zero blocks: sparse streams such as
    $UsnJrnl:$J are mostly zeros and may be gigabytes long."""
    if data.strip(b"\0"):
        spool.write(data)
    else:
        spool.seek(len(data), 1)


def _read(handle: Any, offset: int, length: int, attr: tuple[int, int] | None) -> bytes:
    if attr is None:
        data: bytes = handle.read_random(offset, length)
    else:
        data = handle.read_random(offset, length, attr[0], attr[1])
    return data


def _scan(scanner: MarkingScanner, head: bytes, size: int, result: ContentResult) -> ScanResult:
    mime = result.mime or ""
    structured = mime in ("application/pdf", "application/zip") or "openxmlformats" in mime
    if structured and size > scanner.max_bytes:
        result.notes.append(f"markings_skipped: {size} bytes exceeds {scanner.max_bytes}")
        return ScanResult("skipped")
    if not mime.startswith(_SCAN_MIMES) and not _utf16_bom(head):
        return ScanResult("not_scanned")
    if size > scanner.max_bytes:
        result.notes.append(f"markings_partial: first {scanner.max_bytes} bytes scanned")
    return scanner.scan(head)


def _utf16_bom(head: bytes) -> bool:
    return head.startswith((b"\xff\xfe", b"\xfe\xff"))


def _reason(exc: BaseException | str) -> str:
    text = " ".join(tsk_message(exc).split())
    if text:
        return text[:300]
    return exc if isinstance(exc, str) else type(exc).__name__

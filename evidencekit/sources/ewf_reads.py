"""EWF media reads through libewf (``pyewf``) for :mod:`evidencekit.sources.image`.

Small reads (TSK's metadata reads) are served from a cache of whole chunks; a range
libewf cannot read is re-read chunk by chunk and only the failing chunks are returned
as zeros, each recorded as a :class:`ReadError` with its media offset. Also the hashes
and header values stored in the container. Split from ``image.py``, which re-exports
:class:`ReadError`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from evidencekit.sources.image import DiskImage


# TSK reads metadata in many small pieces; each call into libewf from Python costs
# far more than the copy, so small reads are served from whole cached chunks.
_CACHE_SMALL = 64 << 10
_CACHE_CHUNKS = 256


@dataclass(frozen=True)
class ReadError:
    """A media range that could not be read (returned as zeros)."""

    offset: int
    length: int
    reason: str


def _ewf_read(image: DiskImage, offset: int, length: int) -> bytes:
    if length > _CACHE_SMALL:
        return _ewf_read_direct(image, offset, length)
    chunk = image._chunk
    first, last = offset // chunk, (offset + length - 1) // chunk
    parts = [_cached_chunk(image, n, chunk) for n in range(first, last + 1)]
    data = parts[0] if len(parts) == 1 else b"".join(parts)
    start = offset - first * chunk
    return data[start : start + length]


def _cached_chunk(image: DiskImage, number: int, chunk: int) -> bytes:
    cache = image._cache
    data = cache.get(number)
    if data is not None:
        cache.move_to_end(number)
        return data
    start = number * chunk
    data = _ewf_read_direct(image, start, min(chunk, image.media_size - start))
    cache[number] = data
    if len(cache) > _CACHE_CHUNKS:
        cache.popitem(last=False)
    return data


def _ewf_read_direct(image: DiskImage, offset: int, length: int) -> bytes:
    handle = image._ewf
    try:
        data: bytes = handle.read_buffer_at_offset(length, offset)
    except OSError as exc:
        return _ewf_read_slowly(image, offset, length, _short(str(exc)))
    if len(data) < length:
        image.read_errors.append(ReadError(offset + len(data), length - len(data), "short read"))
        data += bytes(length - len(data))
    return data


def _ewf_read_slowly(image: DiskImage, offset: int, length: int, reason: str) -> bytes:
    """Re-read a failed range chunk by chunk, zero-filling only the chunks that fail."""
    handle = image._ewf
    chunk = int(handle.get_chunk_size() or 32768)
    parts: list[bytes] = []
    pos = offset
    while pos < offset + length:
        step = min(chunk - (pos % chunk), offset + length - pos)
        try:
            piece: bytes = handle.read_buffer_at_offset(step, pos)
        except OSError as exc:
            piece = b""
            reason = _short(str(exc)) or reason
        if len(piece) < step:
            _record_error(image, pos + len(piece), step - len(piece), reason)
            piece += bytes(step - len(piece))
        parts.append(piece)
        pos += step
    return b"".join(parts)


def _short(message: str) -> str:
    """libewf stacks every frame's message; keep the innermost cause, briefly."""
    parts = [p.strip() for p in message.replace("\n", " ").split(". ") if p.strip()]
    cause = next(
        (p for p in parts if "missing" in p or "checksum" in p), parts[-1] if parts else ""
    )
    return cause[:240]


def _record_error(image: DiskImage, offset: int, length: int, reason: str) -> None:
    if any(e.offset == offset for e in image.read_errors):
        return
    image.read_errors.append(ReadError(offset, length, reason))


def _stored_hashes(handle: Any) -> dict[str, str]:
    found: dict[str, str] = {}
    for name in ("MD5", "SHA1", "SHA256"):
        try:
            value = handle.get_hash_value(name)
        except (OSError, KeyError):
            value = None
        if value:
            found[name.lower()] = str(value).lower()
    return found


def _header_values(handle: Any) -> dict[str, str]:
    try:
        values = handle.get_header_values()
    except OSError:
        return {}
    return {str(k): str(v) for k, v in sorted(values.items()) if v not in (None, "")}

"""The deterministic total order of timeline events, and an external merge sort.

Order: time (undated events last); source id; the locator's components (numbers
compared as numbers); event kind; event id. The order is encoded as a byte string
whose plain byte comparison is that order, so runs can be spilled to disk.
"""

from __future__ import annotations

import heapq
import struct
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import IO, Any

LOCATOR_ORDER = (
    "partition", "inode", "sequence", "attribute", "path", "record", "line", "offset", "length",
)  # fmt: skip
_LEN = struct.Struct("<II")


def _part(value: Any) -> bytes:
    if value is None:
        return b"\x00"
    if isinstance(value, int) or (isinstance(value, str) and value.isascii() and value.isdigit()):
        digits = str(int(value)).encode()
        return b"\x01" + bytes([len(digits)]) + digits
    text = str(value).encode("utf-8").replace(b"\x00", b"\x00\xff")
    return b"\x02" + text + b"\x00\x00"


def sort_key(event: dict[str, Any]) -> bytes:
    """Byte key of a canonical event dict; bytes order equals the timeline order."""
    time = event.get("time")
    key = [b"\x00" + time.encode() if time else b"\x01", event["source"].encode()]
    locator = event.get("locator") or {}
    key.extend(_part(locator.get(name)) for name in LOCATOR_ORDER)
    key.append(_part(event.get("kind")))
    key.append(event.get("id", "").encode())
    return b"".join(key)


class ExternalSorter:
    """Sorts (key, line) pairs with bounded memory, spilling sorted runs to disk."""

    def __init__(self, workdir: Path | None = None, buffer_bytes: int = 48 << 20) -> None:
        self._tmp = tempfile.TemporaryDirectory(dir=workdir, prefix="ek-sort-")
        self._buffer: list[tuple[bytes, bytes]] = []
        self._size = 0
        self._limit = buffer_bytes
        self._runs: list[Path] = []
        self.count = 0

    def add(self, key: bytes, line: bytes) -> None:
        self._buffer.append((key, line))
        # Per-item overhead of two bytes objects and a tuple, measured at about 150 bytes.
        self._size += len(key) + len(line) + 150
        self.count += 1
        if self._size >= self._limit:
            self._spill()

    def _spill(self) -> None:
        self._buffer.sort()
        path = Path(self._tmp.name) / f"run{len(self._runs):05d}"
        with open(path, "wb") as fp:
            pack = _LEN.pack
            fp.writelines(pack(len(k), len(v)) + k + v for k, v in self._buffer)
        self._runs.append(path)
        self._buffer = []
        self._size = 0

    def __iter__(self) -> Iterator[tuple[bytes, bytes]]:
        self._buffer.sort()
        if not self._runs:
            yield from self._buffer
            return
        files = [open(p, "rb", buffering=1 << 20) for p in self._runs]  # noqa: SIM115
        try:
            yield from heapq.merge(self._buffer, *(_read_run(f) for f in files))
        finally:
            for f in files:
                f.close()

    def close(self) -> None:
        self._buffer = []
        self._tmp.cleanup()


def _read_run(fp: IO[bytes]) -> Iterator[tuple[bytes, bytes]]:
    size = _LEN.size
    unpack = _LEN.unpack
    while header := fp.read(size):
        klen, vlen = unpack(header)
        data = fp.read(klen + vlen)
        yield data[:klen], data[klen:]

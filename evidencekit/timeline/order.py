"""The deterministic total order of timeline events, and an external merge sort.

Order: time (undated events last); source id; the locator's components in the order
partition, inode, sequence, attribute, path, record, line, offset, length (numbers
compared as numbers); event kind; event id. The order is encoded as a prefix-free
byte string whose plain byte comparison is that order, so runs can be spilled to disk.
"""

from __future__ import annotations

import heapq
import tempfile
from collections.abc import Callable, Iterable, Iterator, Sequence
from functools import partial
from itertools import islice
from pathlib import Path
from typing import IO, Any

import orjson

from evidencekit.timeline.sealcore import C_SORT_ITEM, C_SORT_KEY, NATIVE

LOCATOR_ORDER = (
    "partition", "inode", "sequence", "attribute", "path", "record", "line", "offset", "length",
)  # fmt: skip
_TAGS = tuple(bytes([i + 1]) for i in range(len(LOCATOR_ORDER)))
_PAIRS = tuple(zip(LOCATOR_ORDER, _TAGS, strict=True))
TIME_LEN = 30  # len("2024-03-23T13:00:00.000000000Z")
SOURCE_LEN = 16


def _value(value: Any) -> bytes:
    """Numbers before text; numbers by length then digits; text NUL-terminated."""
    if type(value) is int and value >= 0:
        digits = b"%d" % value
    elif type(value) is str and value.isdigit() and value.isascii():
        digits = (value.lstrip("0") or "0").encode()
    else:
        text = str(value).encode("utf-8")
        if b"\x00" in text:
            text = text.replace(b"\x00", b"\x00\xff")
        return b"\x02" + text + b"\x00\x00"
    return b"\x01" + len(digits).to_bytes(1, "big") + digits


def py_sort_key(event: dict[str, Any]) -> bytes:
    """Byte key of a canonical event dict; bytes order equals the timeline order.

    The reference implementation; :data:`sort_key` is the C version when it is built
    (same bytes; it calls this function for shapes it does not handle itself).
    """
    time = event.get("time")
    parts = [b"\x00" + time.encode() if time else b"\x01", event["source"].encode()]
    locator = event.get("locator")
    if locator:
        get = locator.get
        for name, tag in _PAIRS:
            value = get(name)
            if value is not None:
                parts.append(tag + _value(value))
    parts.append(b"\x00" + _value(event.get("kind", "")))
    parts.append(event.get("id", "").encode())
    return b"".join(parts)


sort_key: Callable[[dict[str, Any]], bytes] = (
    partial(C_SORT_KEY, py_sort_key) if C_SORT_KEY is not None else py_sort_key
)
"""Byte key of a canonical event dict (C when built, else :func:`py_sort_key`)."""


def py_sort_item(line: bytes) -> bytes:
    """The sorter's item of a canonical event line: ``key + line + len(key)`` (4 bytes).

    The reference implementation; :data:`sort_item` reads the line in C when it is built.

    Raises:
        KeyError: The event has no id (it was never keyed).
    """
    event = orjson.loads(line)
    if "id" not in event:
        raise KeyError("id")
    key = sort_key(event)
    return key + line + len(key).to_bytes(4, "big")


sort_item: Callable[[bytes], bytes] = (
    partial(C_SORT_ITEM, py_sort_item) if C_SORT_ITEM is not None else py_sort_item
)
"""The sorter's item of a canonical event line (C when built, else :func:`py_sort_item`)."""


def key_time_and_source(key: bytes) -> tuple[str | None, str]:
    """Recover an event's time and source id from its sort key (no JSON parsing)."""
    if key[0] == 0:
        return key[1 : 1 + TIME_LEN].decode(), key[
            1 + TIME_LEN : 1 + TIME_LEN + SOURCE_LEN
        ].decode()
    return None, key[1 : 1 + SOURCE_LEN].decode()


def py_pack_items(items: Sequence[bytes]) -> bytes:
    """Items as stored in a run file: each after its length, 4 bytes big-endian."""
    for i, item in enumerate(items):
        if type(item) is not bytes or len(item) > 0xFFFFFFFF:
            raise ValueError(f"item {i} is not bytes below 4 GiB")
    return b"".join([len(item).to_bytes(4, "big") + item for item in items])


def py_unpack_items(data: bytes) -> tuple[list[bytes], int]:
    """The whole items at the start of run-file ``data``, and how many bytes they use."""
    items: list[bytes] = []
    pos = 0
    while len(data) - pos >= 4:
        end = pos + 4 + int.from_bytes(data[pos : pos + 4], "big")
        if end > len(data):
            break
        items.append(data[pos + 4 : end])
        pos = end
    return items, pos


def _key_length(item: bytes, what: str) -> int:
    klen = int.from_bytes(item[-4:], "big")
    if len(item) < 4 or klen > len(item) - 4:
        raise ValueError(f"{what} is not key + line + key length")
    return klen


def py_split_sorted(
    items: Sequence[bytes], previous: bytes
) -> tuple[list[bytes], list[bytes], int, int]:
    """Keys and lines of sorted items, exact repeats (of each other or of ``previous``, the
    last item before them) dropped.

    Returns:
        ``(keys, lines, duplicates, conflict)``: ``conflict`` is the index of the first item
        whose key repeats with a different line (processing stops there), else -1.
    """
    if type(previous) is not bytes:
        raise TypeError("previous must be bytes (b'' for none)")
    keys: list[bytes] = []
    lines: list[bytes] = []
    duplicates = 0
    last_key = previous[: _key_length(previous, "previous")] if previous else None
    for i, item in enumerate(items):
        klen = _key_length(item, f"item {i}")
        key = item[:klen]
        if key == last_key:
            if item != previous:
                return keys, lines, duplicates, i
            duplicates += 1
            continue
        keys.append(key)
        lines.append(item[klen:-4])
        previous, last_key = item, key
    return keys, lines, duplicates, -1


pack_items: Callable[[Sequence[bytes]], bytes] = NATIVE.pack_items if NATIVE else py_pack_items
unpack_items: Callable[[bytes], tuple[list[bytes], int]] = (
    NATIVE.unpack_items if NATIVE else py_unpack_items
)
split_sorted: Callable[[Sequence[bytes], bytes], tuple[list[bytes], list[bytes], int, int]] = (
    NATIVE.split_sorted if NATIVE else py_split_sorted
)
_PACK_BLOCK = 4096
_READ_CHUNK = 256 << 10
# Runs merged at once: bounds open files and read buffers (~0.5 MiB per run) however
# many events come; beyond it, runs are first merged in groups (one more pass each).
MAX_FAN_IN = 64


class ExternalSorter:
    """Sorts (key, line) pairs with bounded memory, spilling sorted runs to disk.

    Each pair is held as one right-sized ``key + line + len(key)`` bytes object: cheaper
    than a tuple, and a copy, so over-allocated serializer buffers are not kept alive.
    Keys are prefix-free, so comparing the joined bytes compares the keys first.
    """

    def __init__(self, workdir: Path | None = None, buffer_bytes: int = 48 << 20) -> None:
        self._tmp = tempfile.TemporaryDirectory(dir=workdir, prefix="ek-sort-")
        self._buffer: list[bytes] = []
        self._size = 0
        self._limit = buffer_bytes
        self._runs: list[Path] = []
        self._names = 0
        self.count = 0
        # Items to add at a time: each batch overshoots the limit by about a quarter at most,
        # and tiny test buffers still spill item by item.
        self.batch = max(1, min(512, buffer_bytes >> 12))

    def add(self, key: bytes, line: bytes) -> None:
        self.add_item(key + line + len(key).to_bytes(4, "big"))

    def add_item(self, item: bytes) -> None:
        """Add a ready ``key + line + len(key)`` item (see :data:`sort_item`)."""
        self.add_items([item])

    def add_items(self, items: list[bytes]) -> None:
        """Add ready items; the buffer may pass its limit by this one batch."""
        self._buffer.extend(items)
        self._size += sum(map(len, items)) + 41 * len(items)  # plus object header, list slot
        self.count += len(items)
        if self._size >= self._limit:
            self._spill()

    def _spill(self) -> None:
        self._buffer.sort()
        self._runs.append(self._write_run(self._buffer))
        self._buffer = []
        self._size = 0

    def _write_run(self, items: Iterable[bytes]) -> Path:
        path = Path(self._tmp.name) / f"run{self._names:05d}"
        self._names += 1
        source = iter(items)
        with open(path, "wb") as fp:
            while block := list(islice(source, _PACK_BLOCK)):
                fp.write(pack_items(block))
        return path

    def _reduce_runs(self) -> None:
        """Merge runs in groups until at most :data:`MAX_FAN_IN` are left."""
        while len(self._runs) > MAX_FAN_IN:
            groups = [self._runs[i : i + MAX_FAN_IN] for i in range(0, len(self._runs), MAX_FAN_IN)]
            self._runs = [self._merge_group(group) for group in groups]

    def _merge_group(self, group: list[Path]) -> Path:
        if len(group) == 1:
            return group[0]
        files = [open(p, "rb", buffering=0) for p in group]  # noqa: SIM115
        try:
            path = self._write_run(heapq.merge(*(_read_run(f) for f in files)))
        finally:
            for f in files:
                f.close()
        for p in group:
            p.unlink()
        return path

    def items(self) -> Iterator[bytes]:
        """Every ``key + line + len(key)`` item, in order."""
        self._buffer.sort()
        if not self._runs:
            yield from self._buffer
            return
        self._reduce_runs()
        files = [open(p, "rb", buffering=0) for p in self._runs]  # noqa: SIM115
        try:
            yield from heapq.merge(self._buffer, *(_read_run(f) for f in files))
        finally:
            for f in files:
                f.close()

    def __iter__(self) -> Iterator[tuple[bytes, bytes]]:
        for item in self.items():
            klen = int.from_bytes(item[-4:], "big")
            yield item[:klen], item[klen:-4]

    def close(self) -> None:
        self._buffer = []
        self._tmp.cleanup()


def _read_run(fp: IO[bytes]) -> Iterator[bytes]:
    rest = b""
    while chunk := fp.read(_READ_CHUNK):
        data = rest + chunk
        items, used = unpack_items(data)
        rest = data[used:]
        yield from items
    if rest:
        raise ValueError(f"sort run {fp.name} ends inside an item")

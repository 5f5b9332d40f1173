"""A minimal registry hive (REGF) writer following the libregf format documentation
("Windows NT Registry File (REGF) format", sections base block, hive bin, key node ``nk``,
value key ``vk``, index leaf ``li``, value list).

Writes one hive bin of allocated cells: keys with subkeys (``li`` lists) and values
(REG_SZ, REG_BINARY, REG_DWORD; data of four bytes or fewer stored inline). No security
descriptors, no big-data cells. Every hive it writes is read back in the tests by
libregf (pyregf) and by regipy before it is trusted.
"""

from __future__ import annotations

import struct
from dataclasses import dataclass, field

REG_SZ, REG_BINARY, REG_DWORD = 1, 3, 4
_NONE = 0xFFFFFFFF


@dataclass
class Key:
    """A key to write: name, last-written FILETIME, values and subkeys."""

    name: str
    written: int = 130000000000000000
    values: list[tuple[str, int, bytes]] = field(default_factory=list)
    subkeys: list[Key] = field(default_factory=list)

    def key(self, name: str, written: int | None = None) -> Key:
        """Add (or return) a subkey."""
        for sub in self.subkeys:
            if sub.name == name:
                return sub
        sub = Key(name, written if written is not None else self.written)
        self.subkeys.append(sub)
        return sub

    def path(self, path: str, written: int | None = None) -> Key:
        """Add the keys of a backslash path below this key; return the last one."""
        key = self
        for part in path.strip("\\").split("\\"):
            key = key.key(part, written)
        if written is not None:
            key.written = written
        return key

    def sz(self, name: str, text: str) -> Key:
        self.values.append((name, REG_SZ, (text + "\x00").encode("utf-16-le")))
        return self

    def binary(self, name: str, data: bytes) -> Key:
        self.values.append((name, REG_BINARY, data))
        return self

    def dword(self, name: str, value: int) -> Key:
        self.values.append((name, REG_DWORD, struct.pack("<I", value)))
        return self


class _Bin:
    """Cell allocator inside one hive bin (offsets relative to the first bin)."""

    def __init__(self) -> None:
        self.data = bytearray(b"\x00" * 32)  # hbin header, filled in at the end

    def cell(self, payload: bytes) -> int:
        size = (len(payload) + 4 + 7) & ~7
        offset = len(self.data)
        self.data += struct.pack("<i", -size) + payload + b"\x00" * (size - 4 - len(payload))
        return offset

    def reserve(self, length: int) -> int:
        return self.cell(b"\x00" * length)

    def fill(self, offset: int, payload: bytes) -> None:
        self.data[offset + 4 : offset + 4 + len(payload)] = payload


def _vk(hbin: _Bin, name: str, vtype: int, data: bytes) -> int:
    raw_name = name.encode("ascii")
    if len(data) <= 4:
        size, where = len(data) | 0x80000000, int.from_bytes(data.ljust(4, b"\x00"), "little")
    else:
        size, where = len(data), hbin.cell(data)
    flags = 1 if raw_name else 0
    return hbin.cell(
        b"vk" + struct.pack("<HIIIHH", len(raw_name), size, where, vtype, flags, 0) + raw_name
    )


def _nk(hbin: _Bin, key: Key, parent: int, root: bool) -> int:
    name = key.name.encode("ascii")
    offset = hbin.reserve(76 + len(name))
    children = [_nk(hbin, sub, offset, False) for sub in key.subkeys]
    sub_list = (
        hbin.cell(
            b"li"
            + struct.pack("<H", len(children))
            + b"".join(struct.pack("<I", c) for c in children)
        )
        if children
        else _NONE
    )
    values = [_vk(hbin, n, t, d) for n, t, d in key.values]
    value_list = hbin.cell(b"".join(struct.pack("<I", v) for v in values)) if values else _NONE
    flags = 0x2C if root else 0x20
    longest_sub = max((len(s.name) * 2 for s in key.subkeys), default=0)
    longest_val = max((len(n) * 2 for n, _, _ in key.values), default=0)
    longest_data = max((len(d) for _, _, d in key.values), default=0)
    header = b"nk" + struct.pack(
        "<HQIIIIIIIIIIIIIIIHH",
        flags,
        key.written,
        0,
        parent,
        len(children),
        0,
        sub_list,
        _NONE,
        len(values),
        value_list,
        _NONE,
        _NONE,
        longest_sub,
        0,
        longest_val,
        longest_data,
        0,
        len(name),
        0,
    )
    hbin.fill(offset, header + name)
    return offset


def write_hive(root: Key, file_name: str = "SYSTEM") -> bytes:
    """The bytes of a hive holding ``root`` and everything below it."""
    hbin = _Bin()
    root_offset = _nk(hbin, root, _NONE, True)
    size = (len(hbin.data) + 4095) & ~4095
    free = size - len(hbin.data)
    if free:
        hbin.data += struct.pack("<i", free) + b"\x00" * (free - 4)
    hbin.data[0:32] = b"hbin" + struct.pack("<IIQQI", 0, size, 0, root.written, 0)
    base = bytearray(4096)
    name = file_name.encode("utf-16-le")[:64]
    struct.pack_into(
        "<4sIIQIIIIIII", base, 0, b"regf", 1, 1, root.written, 1, 5, 0, 1, root_offset, size, 1
    )
    base[48 : 48 + len(name)] = name
    checksum = 0
    for (word,) in struct.iter_unpack("<I", bytes(base[:508])):
        checksum ^= word
    struct.pack_into("<I", base, 508, checksum)
    return bytes(base) + bytes(hbin.data)

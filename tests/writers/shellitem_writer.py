"""Shell items (SHITEMID) as stored in ShellBags values, following libfwsi's "Windows
Shell Item format" documentation: root folder (0x1F), volume (0x2F) and directory file
entry (0x31) with a 0xBEEF0004 extension block (version 8, Windows 7) holding the long
name. Each item is read back by libfwsi (pyfwsi) in the tests."""

from __future__ import annotations

import struct
import uuid

MY_COMPUTER = "20d04fe0-3aea-1069-a2d8-08002b30309d"


def root_folder(guid: str = MY_COMPUTER) -> bytes:
    """A root-folder item: sort index 0x50 and the folder's class identifier."""
    return struct.pack("<HBB", 20, 0x1F, 0x50) + uuid.UUID(guid).bytes_le


def volume(letter: str) -> bytes:
    """A volume item naming ``E:\\`` (ASCII, padded to 20 bytes)."""
    body = bytes([0x2F]) + f"{letter}:\\".encode("ascii").ljust(22, b"\x00")
    return struct.pack("<H", len(body) + 2) + body


def _fat(year: int, month: int, day: int, hour: int, minute: int, second: int) -> bytes:
    date = ((year - 1980) << 9) | (month << 5) | day
    time = (hour << 11) | (minute << 5) | (second // 2)
    return struct.pack("<HH", date, time)


def directory(name: str, modified: tuple[int, int, int, int, int, int]) -> bytes:
    """A directory file-entry item with an 8.3 name and a v8 extension block."""
    short = name.upper()[:8].encode("ascii") + b"\x00"
    if len(short) % 2:
        short += b"\x00"
    head = struct.pack("<BBI", 0x31, 0, 0) + _fat(*modified) + struct.pack("<H", 0x10) + short
    ext_offset = 2 + len(head)
    long_name = name.encode("utf-16-le") + b"\x00\x00"
    ext = (
        struct.pack("<HI", 8, 0xBEEF0004)
        + _fat(*modified)
        + _fat(*modified)
        + struct.pack("<HHQQHI", 0x2A, 0, 0, 0, 0, 0)
        + long_name
        + struct.pack("<H", ext_offset)
    )
    ext = struct.pack("<H", len(ext) + 2) + ext
    item = head + ext
    return struct.pack("<H", len(item) + 2) + item

"""A minimal shell-link writer following [MS-SHLLINK] 2.1-2.5 (header, LinkInfo with
VolumeID and LocalBasePath, optional working-directory StringData, terminal block).

Used to build links to removable media (none exist in the public corpus). Every link
it writes is read back by liblnk (pylnk) in the tests before it is trusted.
"""

from __future__ import annotations

import struct

CLSID = bytes.fromhex("0114020000000000c000000000000046")
DRIVE_REMOVABLE, DRIVE_FIXED = 2, 3


def write_lnk(
    target: str,
    *,
    size: int,
    ctime: int,
    atime: int,
    mtime: int,
    drive_type: int = DRIVE_REMOVABLE,
    serial: int = 0x1234ABCD,
    label: str = "USBDISK",
    working_dir: str | None = None,
    bad_volume_offset: bool = False,
) -> bytes:
    """Return the bytes of a .lnk pointing at ``target`` (an ANSI local path).

    ``bad_volume_offset`` writes a VolumeIDOffset beyond the LinkInfo structure.
    """
    flags = 0x02 | 0x80  # HasLinkInfo | IsUnicode
    if working_dir is not None:
        flags |= 0x10
    header = struct.pack(
        "<I16sIIQQQIIIHHII", 0x4C, CLSID, flags, 0x20, ctime, atime, mtime, size, 0, 1, 0, 0, 0, 0
    )
    header = header.ljust(76, b"\x00")
    label_b = label.encode("cp1252") + b"\x00"
    volume = struct.pack("<IIII", 16 + len(label_b), drive_type, serial, 16) + label_b
    base = target.encode("cp1252") + b"\x00"
    info_header = 28
    vol_off = info_header
    base_off = vol_off + len(volume)
    suffix_off = base_off + len(base)
    total = suffix_off + 1
    if bad_volume_offset:
        vol_off = total + 4096
    info = struct.pack("<IIIIIII", total, info_header, 0x01, vol_off, base_off, 0, suffix_off)
    info += volume + base + b"\x00"
    strings = b""
    if working_dir is not None:
        strings = struct.pack("<H", len(working_dir)) + working_dir.encode("utf-16-le")
    return header + info + strings + b"\x00\x00\x00\x00"

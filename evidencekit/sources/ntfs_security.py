"""NTFS owner SIDs: from a file's own $SECURITY_DESCRIPTOR or from $Secure:$SDS.

Windows 2000 and later keep security descriptors once, in the ``$SDS`` stream of
``$Secure`` (MFT entry 9), and each file's ``$STANDARD_INFORMATION`` names one by its
security id. Older volumes (and ntfs-3g) keep a resident ``$SECURITY_DESCRIPTOR``
attribute in the file itself. Both hold a self-relative SECURITY_DESCRIPTOR
([MS-DTYP] 2.4.6) whose owner SID ([MS-DTYP] 2.4.2.2) is decoded here.
"""

from __future__ import annotations

import struct
from typing import Any

SDS_LIMIT = 64 << 20  # $SDS is a few MiB even on large volumes; never read more
_SDS_BLOCK = 0x40000  # entries never cross a 256 KiB block; each block has a mirror copy


def sid_text(raw: bytes, offset: int = 0) -> str | None:
    """A binary SID as ``S-1-5-21-...``, or None if it does not fit."""
    if offset < 0 or len(raw) < offset + 8:
        return None
    revision, count = raw[offset], raw[offset + 1]
    end = offset + 8 + 4 * count
    if revision != 1 or count > 15 or len(raw) < end:
        return None
    authority = int.from_bytes(raw[offset + 2 : offset + 8], "big")
    subs = struct.unpack_from(f"<{count}I", raw, offset + 8)
    return "-".join(["S", "1", str(authority), *map(str, subs)])


def owner_sid(descriptor: bytes) -> str | None:
    """The owner SID of a self-relative security descriptor."""
    if len(descriptor) < 20 or descriptor[0] != 1:
        return None
    owner = struct.unpack_from("<I", descriptor, 4)[0]
    return sid_text(descriptor, owner) if owner else None


def parse_sds(data: bytes) -> dict[int, str]:
    """security id -> owner SID, from the bytes of a ``$SDS`` stream."""
    owners: dict[int, str] = {}
    pos = 0
    while pos + 20 <= len(data):
        _hash, sec_id, _off, length = struct.unpack_from("<IIQI", data, pos)
        if length < 20 or pos + length > len(data) or (pos % _SDS_BLOCK) + length > _SDS_BLOCK:
            pos = (pos // _SDS_BLOCK + 1) * _SDS_BLOCK  # padding: go to the next block
            continue
        sid = owner_sid(data[pos + 20 : pos + length])
        if sid is not None:
            owners.setdefault(sec_id, sid)
        pos += (length + 15) & ~15
        if pos % _SDS_BLOCK == 0:
            pos += _SDS_BLOCK  # skip the mirror block
    return owners


def load_secure(fs: Any) -> tuple[dict[int, str], str | None]:
    """Owner SIDs of an NTFS volume's $Secure, and a problem description if any."""
    try:
        secure = fs.open_meta(inode=9)
    except OSError as exc:
        return {}, f"$Secure unreadable: {exc}"
    for attr in secure:
        if attr.info.name == b"$SDS":
            size = min(int(attr.info.size), SDS_LIMIT)
            try:
                data = secure.read_random(0, size, int(attr.info.type), int(attr.info.id))
            except OSError as exc:
                return {}, f"$Secure:$SDS unreadable: {exc}"
            return parse_sds(data), None
    return {}, None

"""ShellBags: folders a user browsed in Explorer, including folders on removable media,
from ``UsrClass.dat`` (Windows 7+, ``Local Settings\\Software\\Microsoft\\Windows\\Shell\\
BagMRU``) and ``NTUSER.DAT`` (XP/Vista, ``Software\\Microsoft\\Windows\\Shell\\BagMRU``).

Each numbered value of a BagMRU key is one shell item (decoded with libfwsi); its path
is the chain of item names from the root. One event per folder: ``access`` at the
last-written time of the folder's own BagMRU subkey (when the user last changed its
view; an upper bound of the last visit), with the item's FAT modification time kept.
Reference: libyal/libfwsi "Windows Shell Item format"; Zhu, Gladyshev & James, "Using
shellbag information to reconstruct user activities" (DFRWS 2009).
"""

from __future__ import annotations

import struct
from collections.abc import Iterator
from pathlib import Path
from typing import Any, ClassVar

import pyfwsi

from evidencekit.model import Action, Device, Event, ObjectRef, ParseIssue
from evidencekit.parsers.base import ParseContext, parsers
from evidencekit.parsers.registry_hive import HiveReader, RegistryParser, handler, hex_bytes

ROOTS = (
    "\\Local Settings\\Software\\Microsoft\\Windows\\Shell\\BagMRU",
    "\\Software\\Microsoft\\Windows\\Shell\\BagMRU",
)
KNOWN_FOLDERS = {
    "20d04fe0-3aea-1069-a2d8-08002b30309d": "My Computer",
    "450d8fba-ad25-11d0-98a8-0800361b1103": "My Documents",
    "208d2c60-3aea-1069-a2d7-08002b30309d": "My Network Places",
    "645ff040-5081-101b-9f08-00aa002f954e": "Recycle Bin",
    "59031a47-3f72-44a7-89c5-5595fe6b30ee": "Users Files",
    "031e4825-7b94-4dc3-b131-e946b44c8dd5": "Libraries",
    "f02c1a0d-be21-4350-88b0-7367fc96ef3c": "Network",
    "5399e694-6ce5-4d6c-8fce-1d8870fdcba0": "Control Panel",
    "b4bfcc3a-db2c-424c-b029-7fe99a87c641": "Desktop",
}
_MAX_DEPTH = 64


def decode_item(data: bytes) -> tuple[str, dict[str, Any]]:
    """Name and facts of one shell item (``<class 0xNN>`` when libfwsi cannot name it)."""
    items = pyfwsi.item_list()
    items.copy_from_byte_stream(data + b"\x00\x00")
    item = items.get_item(0)
    facts: dict[str, Any] = {"item_class": f"0x{item.class_type:02x}"}
    if isinstance(item, pyfwsi.root_folder):
        guid = str(item.shell_folder_identifier).lower()
        return KNOWN_FOLDERS.get(guid, "{" + guid + "}"), facts
    if isinstance(item, pyfwsi.volume):
        return str(item.name or "").rstrip("\\"), facts
    if isinstance(item, pyfwsi.file_entry):
        name = item.name or ""
        for index in range(item.number_of_extension_blocks):
            block = item.get_extension_block(index)
            if isinstance(block, pyfwsi.file_entry_extension) and block.long_name:
                name = block.long_name
        modified = item.get_modification_time()
        if modified is not None:
            facts["folder_modified_fat"] = modified.isoformat()
        return str(name), facts
    if isinstance(item, pyfwsi.network_location):
        return str(item.location or ""), facts
    return f"<class 0x{item.class_type:02x}>", facts


def _mru(values: dict[str, Any]) -> list[int]:
    data = hex_bytes(values.get("MRUListEx")) or b""
    order = [struct.unpack_from("<I", data, i)[0] for i in range(0, len(data) - 3, 4)]
    numbered = sorted(int(k) for k in values if k.isdigit())
    return [n for n in order if n != 0xFFFFFFFF] or numbered


def _walk(reader: HiveReader, path: str, names: list[str], depth: int) -> Iterator[Event]:
    key = reader.key(path)
    if key is None or depth > _MAX_DEPTH:
        return
    values = reader.values(key, path)
    for number in _mru(values):
        data = hex_bytes(values.get(str(number)))
        if data is None:
            continue
        try:
            name, facts = decode_item(data)
        except (OSError, ValueError, IndexError) as exc:
            reader.issues.append(
                reader.ctx.issue(
                    "bad_shell_item",
                    f"{path}\\{number}: libfwsi: {exc}",
                    reader.locator(path, str(number)),
                    reader.raw(path, str(number), data),
                )
            )
            continue
        reader.ctx.records_read += 1
        chain = [*names, name]
        sub_path = f"{path}\\{number}"
        sub = reader.key(sub_path)
        written = reader.last_written(sub) if sub is not None else None
        folder = "\\".join(n for n in chain if n not in KNOWN_FOLDERS.values()) or name
        letter = next((n for n in chain if len(n) == 2 and n[1] == ":"), None)
        yield reader.event(
            written,
            "key_last_written",
            Action.ACCESS,
            "shellbags.folder",
            path,
            str(number),
            data,
            object=ObjectRef(kind="directory", path=folder, name=name),
            device=Device(drive_letter=letter.upper()) if letter else None,
            attributes={"shell_path": "\\".join(chain), "bagmru_key": sub_path, **facts},
        )
        yield from _walk(reader, sub_path, chain, depth + 1)


@handler("usrclass")
def shellbags(reader: HiveReader) -> Iterator[Event]:
    """Every BagMRU folder of the hive, depth first in MRU order."""
    for root in ROOTS:
        yield from _walk(reader, root, [], 0)


@parsers.register("shellbags")
class ShellbagsParser(RegistryParser):
    """ShellBags (UsrClass.dat, NTUSER.DAT BagMRU): folders browsed, also on removable
    media. Reference: libfwsi "Windows Shell Item format"."""

    name: ClassVar[str] = "shellbags"
    version: ClassVar[str] = "1"
    source_kind: ClassVar[str] = "artifact"
    image_globs: ClassVar[tuple[str, ...]] = (
        "Users/*/AppData/Local/Microsoft/Windows/UsrClass.dat",
        "Documents and Settings/*/Local Settings/Application Data/Microsoft/Windows/UsrClass.dat",
    )

    @classmethod
    def check(cls, head: bytes, path: Path) -> bool:
        return head[:4] == b"regf" and "usrclass" in path.name.lower()

    def parse(self, ctx: ParseContext) -> Iterator[Event | ParseIssue]:
        yield from self.parse_kinds(ctx, only="usrclass")

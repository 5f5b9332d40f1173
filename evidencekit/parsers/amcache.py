"""Amcache.hve readers for :mod:`.registry_hive` (Windows 8+ ``Root\\InventoryApplicationFile``
and Windows 7/8 ``Root\\File``): executables recorded by the Program Compatibility
Assistant, with path and SHA-1. The key's last-written time is when the entry was
recorded, close to first execution or installation (role ``amcache_recorded``).
Reference: Blanche Lagny, "Analysis of the AmCache" (ANSSI, 2019).
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from evidencekit.model import Action, Event, ObjectRef
from evidencekit.parsers.registry_hive import HiveReader, handler
from evidencekit.parsers.winutil import tool_flags, windows_name


def _sha1(file_id: Any) -> str | None:
    text = str(file_id or "").lower()
    text = text[4:] if len(text) == 44 and text.startswith("0000") else text
    return text if len(text) == 40 and all(c in "0123456789abcdef" for c in text) else None


def _entry(
    reader: HiveReader, path: str, key: Any, target: str, sha1: str | None, attrs: dict[str, Any]
) -> Event:
    reader.ctx.records_read += 1
    return reader.event(
        reader.last_written(key),
        "amcache_recorded",
        Action.EXECUTE,
        "registry.amcache",
        path,
        flags=tuple(tool_flags(reader.ctx, target, sha1=sha1)),
        object=ObjectRef(
            kind="file", path=target or None, name=windows_name(target) or None, sha1=sha1
        ),
        attributes={k: v for k, v in attrs.items() if isinstance(v, str | int) and v != ""},
    )


@handler("amcache")
def inventory_application_file(reader: HiveReader) -> Iterator[Event]:
    """Windows 8+/10 ``InventoryApplicationFile`` entries."""
    base = "\\Root\\InventoryApplicationFile"
    for path, key in reader.subkeys(reader.key(base), base):
        values = reader.values(key, path)
        target = str(values.get("LowerCaseLongPath") or "")
        attrs = {
            name: values.get(name)
            for name in ("ProductName", "Publisher", "Version", "LinkDate", "BinFileVersion")
        }
        size = values.get("Size")
        if isinstance(size, int):
            attrs["size"] = size
        yield _entry(reader, path, key, target, _sha1(values.get("FileId")), attrs)


@handler("amcache")
def legacy_file(reader: HiveReader) -> Iterator[Event]:
    """Windows 7/8 ``Root\\File\\{volume}\\{id}`` entries (value 15 = path, 101 = SHA-1)."""
    base = "\\Root\\File"
    for vol_path, volume in reader.subkeys(reader.key(base), base):
        for path, key in reader.subkeys(volume, vol_path):
            values = reader.values(key, path)
            target = str(values.get("15") or "")
            attrs = {
                "volume_guid": volume.name.strip("{}").lower(),
                "product": values.get("0"),
                "company": values.get("1"),
            }
            yield _entry(reader, path, key, target, _sha1(values.get("101")), attrs)

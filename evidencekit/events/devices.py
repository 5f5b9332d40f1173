"""Device inventory: one row per removable device, derived from the events of a case.

A device is keyed by its USB serial. Its vendor, product, volume serials, labels,
drive letters and volume GUIDs are gathered from every event naming that serial
(USBSTOR, EMDMgmt, WPD, setupapi, event logs). Volume GUIDs tie user MountPoints2
entries (and so the users who mounted it) to the device. First and last connection
are the earliest and latest ``device_connect`` times; ``last_removal`` the latest
``device_disconnect``; ``last_seen`` the latest time of any event naming the device
(key last-written times included). Every row lists the ids of the events it rests on.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any

import orjson


@dataclass
class DeviceRow:
    """One removable device as the case's events describe it."""

    usb_serial: str  # "" for a drive the records do not identify (see ``identified``)
    identified: bool = True
    vendor: set[str] = field(default_factory=set)
    product: set[str] = field(default_factory=set)
    volume_serials: set[str] = field(default_factory=set)
    labels: set[str] = field(default_factory=set)
    drive_letters: set[str] = field(default_factory=set)
    volume_guids: set[str] = field(default_factory=set)
    users: set[str] = field(default_factory=set)
    first_connection: str | None = None
    last_connection: str | None = None
    last_removal: str | None = None
    last_seen: str | None = None
    event_ids: set[str] = field(default_factory=set)

    def as_dict(self) -> dict[str, Any]:
        """JSON form, sets as sorted lists."""
        out: dict[str, Any] = {}
        for key, value in self.__dict__.items():
            out[key] = sorted(value) if isinstance(value, set) else value
        return out


def vbr_volume_serial(vbr: bytes) -> str | None:
    """The 32-bit volume serial (as LNK files and ``vol`` show it) in a volume boot record:
    NTFS at 0x48 (low half of the 64-bit serial), exFAT at 0x64, FAT32 at 0x43, FAT12/16
    at 0x27. Partition/Diagnostic 1006 events carry the VBR of each partition (``Vbr0``)."""
    if len(vbr) < 0x68:
        return None
    if vbr[3:11] == b"NTFS    ":
        offset = 0x48
    elif vbr[3:11] == b"EXFAT   ":
        offset = 0x64
    elif vbr[0x52:0x5A] == b"FAT32   ":
        offset = 0x43
    elif vbr[0x36:0x3B] in (b"FAT12", b"FAT16"):
        offset = 0x27
    else:
        return None
    return f"{int.from_bytes(vbr[offset : offset + 4], 'little'):08X}"


def event_volume_serial(event: dict[str, Any]) -> str | None:
    """The device's volume serial, or the one in a 1006 event's ``Vbr0`` data."""
    dev = event.get("device") or {}
    if dev.get("volume_serial"):
        return str(dev["volume_serial"]).upper()
    data = (event.get("attributes") or {}).get("data")
    vbr = data.get("Vbr0") if isinstance(data, dict) else None
    if isinstance(vbr, str):
        try:
            return vbr_volume_serial(bytes.fromhex(vbr))
        except ValueError:
            return None
    return None


def _earlier(a: str | None, b: str | None) -> str | None:
    return b if a is None or (b is not None and b < a) else a


def _later(a: str | None, b: str | None) -> str | None:
    return b if a is None or (b is not None and b > a) else a


def _absorb(row: DeviceRow, event: dict[str, Any]) -> None:
    dev = event.get("device") or {}
    serial = event_volume_serial(event)
    if serial:
        row.volume_serials.add(serial)
    for attr, key in (
        ("vendor", "vendor"),
        ("product", "product"),
        ("volume_serials", "volume_serial"),
        ("labels", "label"),
        ("drive_letters", "drive_letter"),
        ("volume_guids", "volume_guid"),
    ):
        if dev.get(key):
            getattr(row, attr).add(str(dev[key]))
    user = (event.get("actor") or {}).get("user")
    if user:
        row.users.add(str(user))
    time = event.get("time")
    if event.get("id"):
        row.event_ids.add(str(event["id"]))
    row.last_seen = _later(row.last_seen, time)
    if event.get("action") == "device_connect":
        row.first_connection = _earlier(row.first_connection, time)
        row.last_connection = _later(row.last_connection, time)
    elif event.get("action") == "device_disconnect":
        row.last_removal = _later(row.last_removal, time)


def build_inventory(events: Iterable[dict[str, Any]]) -> list[DeviceRow]:
    """The device table from event dicts (canonical event JSON), sorted by serial; then one
    row per drive letter for removable drives the records do not identify (no USB serial,
    volume GUID, volume serial or label: e.g. an operation log's drive-type column)."""
    rows: dict[str, DeviceRow] = {}
    by_guid: list[dict[str, Any]] = []
    unidentified: dict[str, DeviceRow] = {}
    for event in events:
        dev = event.get("device") or {}
        serial = dev.get("usb_serial")
        if serial:
            key = str(serial).upper()
            _absorb(rows.setdefault(key, DeviceRow(usb_serial=key)), event)
        elif dev.get("volume_guid"):
            by_guid.append(event)
        elif dev.get("drive_type") == "removable" and not (
            dev.get("label") or event_volume_serial(event)
        ):
            letter = str(dev.get("drive_letter") or _drive_of(event) or "")
            row = unidentified.setdefault(letter, DeviceRow(usb_serial="", identified=False))
            _absorb(row, event)
            if letter:
                row.drive_letters.add(letter)
    guid_owner = {g: row for row in rows.values() for g in row.volume_guids}
    for event in by_guid:
        owner = guid_owner.get(str(event["device"]["volume_guid"]))
        if owner is not None:
            _absorb(owner, event)
    return [rows[k] for k in sorted(rows)] + [unidentified[k] for k in sorted(unidentified)]


def _drive_of(event: dict[str, Any]) -> str | None:
    """The drive letter (``E:``) of the event's target path, if it has one."""
    path = str((event.get("target") or {}).get("path") or "")
    return path[:2].upper() if path[1:2] == ":" and path[:1].isalpha() else None


def events_from_lines(lines: Iterable[bytes]) -> Iterator[dict[str, Any]]:
    """Event dicts from canonical event lines (``case.store.event_lines()``)."""
    for line in lines:
        if line:
            yield orjson.loads(line)

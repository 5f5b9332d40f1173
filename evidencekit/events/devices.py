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

    usb_serial: str
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


def _earlier(a: str | None, b: str | None) -> str | None:
    return b if a is None or (b is not None and b < a) else a


def _later(a: str | None, b: str | None) -> str | None:
    return b if a is None or (b is not None and b > a) else a


def _absorb(row: DeviceRow, event: dict[str, Any]) -> None:
    dev = event.get("device") or {}
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
    """The device table from event dicts (canonical event JSON), sorted by serial."""
    rows: dict[str, DeviceRow] = {}
    by_guid: list[dict[str, Any]] = []
    for event in events:
        dev = event.get("device") or {}
        serial = dev.get("usb_serial")
        if serial:
            key = str(serial).upper()
            _absorb(rows.setdefault(key, DeviceRow(usb_serial=key)), event)
        elif dev.get("volume_guid"):
            by_guid.append(event)
    guid_owner = {g: row for row in rows.values() for g in row.volume_guids}
    for event in by_guid:
        owner = guid_owner.get(str(event["device"]["volume_guid"]))
        if owner is not None:
            _absorb(owner, event)
    return [rows[k] for k in sorted(rows)]


def events_from_lines(lines: Iterable[bytes]) -> Iterator[dict[str, Any]]:
    """Event dicts from canonical event lines (``case.store.event_lines()``)."""
    for line in lines:
        if line:
            yield orjson.loads(line)

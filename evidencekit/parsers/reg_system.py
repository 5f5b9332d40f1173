"""SYSTEM hive: USB storage history (USBSTOR, USB, MountedDevices, Windows Portable
Devices) and the ShimCache. Registers readers with :mod:`.registry_hive`.

USBSTOR device properties (``Properties\\{83da6326-97a6-4088-9453-a1923f573b29}``):
``0064`` first install, ``0065`` install, ``0066`` last arrival, ``0067`` last removal
(FILETIMEs, Windows 7+). Key last-written times are kept as ``key_last_written`` events
with action ``other``: they show activity near that time, not a connection.
"""

from __future__ import annotations

import re
import struct
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from evidencekit.model import Action, Device, Event, ObjectRef
from evidencekit.parsers.registry_hive import HiveReader, handler, hex_bytes
from evidencekit.parsers.winutil import tool_flags, windows_name

PROPS = "Properties\\{83da6326-97a6-4088-9453-a1923f573b29}"
PROPERTY_ROLES = (
    ("0064", "first_install", Action.DEVICE_CONNECT),
    ("0065", "install", Action.DEVICE_CONNECT),
    ("0066", "last_arrival", Action.DEVICE_CONNECT),
    ("0067", "last_removal", Action.DEVICE_DISCONNECT),
)
_USBSTOR_ID = re.compile(r"USBSTOR#([^#]+)#([^#]+)#", re.IGNORECASE)
_GUID = re.compile(r"\{([0-9a-f-]{36})\}", re.IGNORECASE)


@dataclass
class UsbContext:
    """Facts gathered across the SYSTEM hive, keyed by USB serial (upper case)."""

    letters: dict[str, str] = field(default_factory=dict)
    volume_guids: dict[str, str] = field(default_factory=dict)
    labels: dict[str, str] = field(default_factory=dict)
    vid_pid: dict[str, str] = field(default_factory=dict)


def current_control_set(reader: HiveReader) -> str:
    """``\\ControlSet00N`` named by ``Select\\Current`` (ControlSet001 if unreadable)."""
    if reader.control_set is not None:
        return reader.control_set
    current = reader.values(reader.key("\\Select"), "\\Select").get("Current")
    found = f"\\ControlSet{int(current):03d}" if isinstance(current, int) else "\\ControlSet001"
    reader.control_set = found
    return found


def split_device_id(device_id: str) -> dict[str, str]:
    """``Disk&Ven_HP&Prod_v100w&Rev_1024`` -> type, vendor, product, revision."""
    parts = device_id.split("&")
    out = {"type": parts[0]}
    for part in parts[1:]:
        key, _, value = part.partition("_")
        if key.lower() in ("ven", "prod", "rev"):
            out[{"ven": "vendor", "prod": "product", "rev": "revision"}[key.lower()]] = value
    return out


def usb_serial(instance: str) -> str | None:
    """The device's own serial, or None when Windows made the id up (``&`` in 2nd place)."""
    if len(instance) > 1 and instance[1] == "&":
        return None
    return instance.split("&")[0]


def serial_of(instance: str) -> str | None:
    """The upper-cased device serial of an instance id, or None when Windows made it up."""
    serial = usb_serial(instance)
    return serial.upper() if serial else None


def usbstor_device(device_id: str, instance: str, **extra: Any) -> Device:
    """A USB mass-storage device from ``Disk&Ven_…&Prod_…&Rev_…`` and its instance id."""
    ids = split_device_id(device_id)
    return Device(
        drive_type="removable",
        usb_serial=serial_of(instance),
        vendor=ids.get("vendor"),
        product=ids.get("product"),
        **extra,
    )


def mounted_text(data: bytes) -> str | None:
    """MountedDevices data that is a UTF-16 device path (``_??_USBSTOR#...``), if it is one."""
    if data[:8] in (b"_\x00?\x00?\x00_\x00", b"\\\x00?\x00?\x00\\\x00"):
        return data.decode("utf-16-le", "replace").rstrip("\x00")
    return None


def _mounted_devices(reader: HiveReader, usb: UsbContext) -> Iterator[Event]:
    key = reader.key("\\MountedDevices")
    if key is None:
        return
    written = reader.last_written(key)
    for name, value in sorted(reader.values(key, "\\MountedDevices").items()):
        data = hex_bytes(value) or b""
        text = mounted_text(data)
        match = _USBSTOR_ID.search(text or "")
        attrs: dict[str, Any] = {"mount_name": name}
        if text:
            attrs["device_path"] = text
        elif len(data) == 12:
            attrs["disk_signature"] = data[:4].hex()
            attrs["partition_offset"] = str(struct.unpack_from("<Q", data, 4)[0])
        device = Device()
        if match:
            serial = (usb_serial(match.group(2)) or match.group(2)).upper()
            letter = name[-2:] if name.upper().startswith("\\DOSDEVICES\\") else None
            guid = _GUID.search(name)
            if letter:
                usb.letters[serial] = letter
            if guid:
                usb.volume_guids[serial] = guid.group(1).lower()
            device = Device(
                drive_type="removable",
                usb_serial=serial,
                drive_letter=letter,
                volume_guid=guid.group(1).lower() if guid else None,
            )
        reader.ctx.records_read += 1
        yield reader.event(
            written,
            "key_last_written",
            Action.OTHER,
            "registry.mounted_device",
            "\\MountedDevices",
            name,
            data,
            device=device,
            attributes=attrs,
        )


def _portable_devices(reader: HiveReader, ccs: str, usb: UsbContext) -> None:
    for base in (f"{ccs}\\Enum\\WpdBusEnumRoot\\UMB", f"{ccs}\\Enum\\SWD\\WPDBUSENUM"):
        for path, key in reader.subkeys(reader.key(base), base):
            match = _USBSTOR_ID.search(key.name)
            label = reader.values(key, path).get("FriendlyName")
            if match and isinstance(label, str):
                serial = (usb_serial(match.group(2)) or match.group(2)).upper()
                usb.labels[serial] = label


def _usb_enum(reader: HiveReader, ccs: str, usb: UsbContext) -> Iterator[Event]:
    """VID/PID of every USB instance; events for media-transfer (WPD class) devices."""
    base = f"{ccs}\\Enum\\USB"
    for path, vid_key in reader.subkeys(reader.key(base), base):
        for inst_path, inst in reader.subkeys(vid_key, path):
            usb.vid_pid.setdefault(inst.name.upper(), vid_key.name)
            values = reader.values(inst, inst_path)
            if str(values.get("Class", "")).upper() != "WPD":
                continue
            reader.ctx.records_read += 1
            name = values.get("FriendlyName") or values.get("DeviceDesc")
            common: dict[str, Any] = {
                "device": Device(
                    drive_type="mtp",
                    usb_serial=serial_of(inst.name),
                    product=vid_key.name.upper(),
                    label=str(name).rsplit(";", 1)[-1] if name else None,
                ),
                "attributes": {"instance_id": inst.name, "vid_pid": vid_key.name},
            }
            yield reader.event(
                reader.last_written(inst),
                "key_last_written",
                Action.OTHER,
                "registry.usb_mtp",
                inst_path,
                **common,
            )
            yield from _property_events(reader, inst_path, "registry.usb_mtp", common)


def _usbstor(reader: HiveReader, ccs: str, usb: UsbContext) -> Iterator[Event]:
    base = f"{ccs}\\Enum\\USBSTOR"
    for dev_path, dev_key in reader.subkeys(reader.key(base), base):
        ids = split_device_id(dev_key.name)
        for inst_path, inst in reader.subkeys(dev_key, dev_path):
            reader.ctx.records_read += 1
            yield from _usbstor_instance(reader, usb, ids, dev_key.name, inst_path, inst)


def _usbstor_instance(
    reader: HiveReader,
    usb: UsbContext,
    ids: dict[str, str],
    device_id: str,
    path: str,
    inst: Any,
) -> Iterator[Event]:
    values = reader.values(inst, path)
    serial = usb_serial(inst.name)
    key = (serial or inst.name).upper()
    device = Device(
        drive_type="removable",
        usb_serial=serial,
        vendor=ids.get("vendor"),
        product=ids.get("product"),
        drive_letter=usb.letters.get(key),
        volume_guid=usb.volume_guids.get(key),
        label=usb.labels.get(key),
    )
    attrs = {
        "device_id": device_id,
        "instance_id": inst.name,
        "device_type": ids.get("type"),
        "revision": ids.get("revision"),
        "friendly_name": values.get("FriendlyName"),
        "container_id": values.get("ContainerID"),
        "vid_pid": usb.vid_pid.get(key),
    }
    attrs = {k: v for k, v in attrs.items() if isinstance(v, str)}
    common: dict[str, Any] = {"device": device, "attributes": attrs}
    yield reader.event(
        reader.last_written(inst),
        "key_last_written",
        Action.OTHER,
        "registry.usbstor",
        path,
        **common,
    )
    yield from _property_events(reader, path, "registry.usbstor", common)


def _property_events(
    reader: HiveReader, path: str, kind: str, common: dict[str, Any]
) -> Iterator[Event]:
    """First install / install / last arrival / last removal of a device instance."""
    for code, role, action in PROPERTY_ROLES:
        for prop_path in (
            f"{path}\\{PROPS}\\{code}\\00000000",
            f"{path}\\{PROPS}\\0000{code}\\00000000",
        ):
            data = hex_bytes(reader.values(reader.key(prop_path), prop_path).get("Data"))
            if data is not None and len(data) >= 8:
                filetime = struct.unpack_from("<Q", data)[0]
                yield reader.event(filetime, role, action, kind, prop_path, "Data", data, **common)
                break


@handler("system")
def usb_storage(reader: HiveReader) -> Iterator[Event]:
    """USBSTOR devices with their drive letter, volume GUID, label and VID/PID."""
    ccs = current_control_set(reader)
    usb = UsbContext()
    yield from _mounted_devices(reader, usb)
    _portable_devices(reader, ccs, usb)
    yield from _usb_enum(reader, ccs, usb)
    yield from _usbstor(reader, ccs, usb)


def _win7_entries(data: bytes) -> Iterator[tuple[str, int, bytes]]:
    """Windows 7 / 2008 R2 (magic 0xBADC0FEE): fixed-size entries, x86 or x64."""
    count = struct.unpack_from("<I", data, 4)[0]
    x64 = len(data) >= 136 and struct.unpack_from("<I", data, 132)[0] == 0  # x64 pads the offset
    size = 48 if x64 else 32
    for index in range(count):
        entry = data[128 + index * size : 128 + (index + 1) * size]
        if len(entry) < size:
            return
        layout = "<HHxxxxQQ" if x64 else "<HHIQ"
        length, _, offset, mtime = struct.unpack_from(layout, entry)
        yield data[offset : offset + length].decode("utf-16-le", "replace"), mtime, entry


def _win10_entries(data: bytes) -> Iterator[tuple[str, int, bytes]]:
    """Windows 10/11 (header of 0x30 or 0x34 bytes, then ``10ts`` entries)."""
    pos = struct.unpack_from("<I", data)[0]
    while pos + 12 <= len(data) and data[pos : pos + 4] == b"10ts":
        size = struct.unpack_from("<I", data, pos + 8)[0]
        entry = data[pos : pos + 12 + size]
        if len(entry) < 12 + size or size < 10:
            return
        length = struct.unpack_from("<H", entry, 12)[0]
        if 14 + length + 8 > len(entry):
            return
        mtime = struct.unpack_from("<Q", entry, 14 + length)[0]
        yield entry[14 : 14 + length].decode("utf-16-le", "replace"), mtime, entry
        pos += 12 + size


def shimcache_entries(data: bytes) -> tuple[str, Iterator[tuple[str, int, bytes]]] | None:
    """The layout name and entries (path, last-modified FILETIME, raw) of a cache value."""
    if len(data) >= 128 and struct.unpack_from("<I", data)[0] == 0xBADC0FEE:
        return "win7", _win7_entries(data)
    if len(data) >= 0x38 and struct.unpack_from("<I", data)[0] in (0x30, 0x34):
        start = struct.unpack_from("<I", data)[0]
        if data[start : start + 4] == b"10ts":
            return "win10", _win10_entries(data)
    return None


@handler("system")
def shimcache(reader: HiveReader) -> Iterator[Event]:
    """ShimCache (AppCompatCache) entries, Windows 7/2008 R2 and Windows 10/11 layouts;
    the time is the executable's last-modified time, not an execution time."""
    ccs = current_control_set(reader)
    path = f"{ccs}\\Control\\Session Manager\\AppCompatCache"
    data = hex_bytes(reader.values(reader.key(path), path).get("AppCompatCache"))
    found = shimcache_entries(data or b"")
    if data and found is None:
        reader.issues.append(
            reader.ctx.issue(
                "unsupported_shimcache",
                f"{path}: AppCompatCache layout not recognised (first bytes {data[:8].hex()})",
                reader.locator(path, "AppCompatCache"),
                reader.raw(path, "AppCompatCache", data),
                severity="info",
            )
        )
    if found is None:
        return
    layout, entries = found
    for index, (name, mtime, entry) in enumerate(entries):
        name = name.removeprefix("\\??\\")
        reader.ctx.records_read += 1
        yield reader.event(
            mtime,
            "file_modified",
            Action.OTHER,
            "registry.shimcache",
            path,
            f"AppCompatCache[{index}]",
            entry,
            flags=tuple(tool_flags(reader.ctx, name)),
            object=ObjectRef(kind="file", path=name, name=windows_name(name)),
            attributes={"cache_position": index, "cache_layout": layout},
        )

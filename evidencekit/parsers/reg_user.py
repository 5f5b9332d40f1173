"""SOFTWARE (EMDMgmt, Windows Portable Devices) and NTUSER.DAT (MountPoints2, RecentDocs,
Office File MRU, mapped network drives) readers for :mod:`.registry_hive`.

EMDMgmt subkey names end in ``<label>_<volume serial in decimal>``: the link between a
USB serial and the volume serial that LNK files and Prefetch record.
"""

from __future__ import annotations

import re
import struct
from collections.abc import Iterator
from typing import Any

from evidencekit.model import Action, Device, Event, ObjectRef
from evidencekit.parsers.reg_system import serial_of, usbstor_device
from evidencekit.parsers.registry_hive import HiveReader, handler, hex_bytes
from evidencekit.parsers.winutil import volume_serial_text, windows_name

EXPLORER = "\\Software\\Microsoft\\Windows\\CurrentVersion\\Explorer"
_USBSTOR_ID = re.compile(r"USBSTOR#([^#]+)#([^#]+)#", re.IGNORECASE)
_MTP_ID = re.compile(r"USB#(VID_[0-9A-F]{4}&PID_[0-9A-F]{4})[^#]*#([^#]+)#", re.IGNORECASE)
_EMD_TAIL = re.compile(r"\}(.*)_(\d+)$")
_OFFICE_ITEM = re.compile(r"\[T([0-9A-Fa-f]{16})\].*\*(.+)$")


def emdmgmt_device(name: str) -> Device | None:
    """Device facts encoded in an EMDMgmt subkey name: USB identity when it names a
    USBSTOR device, and the volume label and serial from its ``<label>_<serial>`` tail
    (None when the name holds neither)."""
    match = _USBSTOR_ID.search(name)
    tail = _EMD_TAIL.search(name)
    if not match and not tail:
        return None
    volume = volume_serial_text(int(tail.group(2))) if tail else None
    label = tail.group(1) if tail and tail.group(1) else None
    if not match:
        return Device(volume_serial=volume, label=label)
    return usbstor_device(match.group(1), match.group(2), volume_serial=volume, label=label)


@handler("software")
def emdmgmt(reader: HiveReader) -> Iterator[Event]:
    """ReadyBoost's EMDMgmt: USB serial, volume label and volume serial of each volume."""
    base = "\\Microsoft\\Windows NT\\CurrentVersion\\EMDMgmt"
    for path, key in reader.subkeys(reader.key(base), base):
        device = emdmgmt_device(key.name)
        if device is None:
            continue
        reader.ctx.records_read += 1
        yield reader.event(
            reader.last_written(key),
            "key_last_written",
            Action.OTHER,
            "registry.emdmgmt",
            path,
            device=device,
            attributes={"subkey": key.name},
        )


@handler("software")
def portable_devices(reader: HiveReader) -> Iterator[Event]:
    """Windows Portable Devices: the name each USB volume or MTP device (phone, camera)
    was shown with (``FriendlyName``)."""
    base = "\\Microsoft\\Windows Portable Devices\\Devices"
    for path, key in reader.subkeys(reader.key(base), base):
        reader.ctx.records_read += 1
        label = reader.values(key, path).get("FriendlyName")
        yield reader.event(
            reader.last_written(key),
            "key_last_written",
            Action.OTHER,
            "registry.wpd",
            path,
            "FriendlyName",
            label or b"",
            device=wpd_device(key.name, label if isinstance(label, str) else None),
            attributes={"subkey": key.name},
        )


def wpd_device(name: str, label: str | None) -> Device:
    """A WPD key name as a device: USB storage (USBSTOR) or a media-transfer device."""
    match = _USBSTOR_ID.search(name)
    if match:
        return usbstor_device(match.group(1), match.group(2), label=label)
    mtp = _MTP_ID.search(name)
    if mtp:
        return Device(
            drive_type="mtp",
            usb_serial=serial_of(mtp.group(2)),
            product=mtp.group(1).upper(),
            label=label,
        )
    return Device(label=label)


@handler("ntuser")
def mountpoints2(reader: HiveReader) -> Iterator[Event]:
    """Volumes and shares this user mounted (key last written ~ last mount by the user)."""
    base = f"{EXPLORER}\\MountPoints2"
    for path, key in reader.subkeys(reader.key(base), base):
        reader.ctx.records_read += 1
        name = key.name
        if name.startswith("{"):
            device = Device(volume_guid=name.strip("{}").lower())
        elif name.startswith("##"):
            device = Device(drive_type="network")
        else:
            device = Device()
        attrs: dict[str, Any] = {"mount_point": name}
        if name.startswith("##"):
            attrs["network_share"] = "\\\\" + name[2:].replace("#", "\\")
        yield reader.event(
            reader.last_written(key),
            "key_last_written",
            Action.OTHER,
            "registry.mountpoints2",
            path,
            device=device,
            attributes=attrs,
        )


def _mru_order(values: dict[str, Any]) -> list[int]:
    data = hex_bytes(values.get("MRUListEx")) or b""
    order = [struct.unpack_from("<I", data, i)[0] for i in range(0, len(data) - 3, 4)]
    return [n for n in order if n != 0xFFFFFFFF]


def _recent_key(reader: HiveReader, path: str, key: Any) -> Iterator[Event]:
    values = reader.values(key, path)
    written = reader.last_written(key)
    for rank, number in enumerate(_mru_order(values)):
        data = hex_bytes(values.get(str(number)))
        if data is None:
            continue
        reader.ctx.records_read += 1
        name = data.decode("utf-16-le", "replace").split("\x00", 1)[0]
        # Only the most recent entry of a key carries the key's last-written time.
        filetime = written if rank == 0 else None
        yield reader.event(
            filetime,
            "last_opened" if rank == 0 else "listed",
            Action.OPEN,
            "registry.recentdocs",
            path,
            str(number),
            data,
            object=ObjectRef(kind="file", name=name),
            attributes={"mru_rank": rank, "mru_key": path.rsplit("\\", 1)[-1]},
        )


@handler("ntuser")
def recent_docs(reader: HiveReader) -> Iterator[Event]:
    """RecentDocs: files and folders the user opened, most recent first."""
    base = f"{EXPLORER}\\RecentDocs"
    root = reader.key(base)
    if root is None:
        return
    yield from _recent_key(reader, base, root)
    for path, key in reader.subkeys(root, base):
        yield from _recent_key(reader, path, key)


@handler("ntuser")
def office_mru(reader: HiveReader) -> Iterator[Event]:
    """Office File MRU (``Item N`` = ``[F..][T<FILETIME>]*path``): exact open times."""
    base = "\\Software\\Microsoft\\Office"
    for ver_path, ver in reader.subkeys(reader.key(base), base):
        for app_path, _app in reader.subkeys(ver, ver_path):
            mru = f"{app_path}\\File MRU"
            for name, value in sorted(reader.values(reader.key(mru), mru).items()):
                match = _OFFICE_ITEM.search(value) if isinstance(value, str) else None
                if not match:
                    continue
                reader.ctx.records_read += 1
                target = match.group(2)
                yield reader.event(
                    int(match.group(1), 16),
                    "last_opened",
                    Action.OPEN,
                    "registry.office_mru",
                    mru,
                    name,
                    value,
                    object=ObjectRef(kind="file", path=target, name=windows_name(target)),
                    attributes={"application": app_path.rsplit("\\", 1)[-1]},
                )


@handler("ntuser")
def network_drives(reader: HiveReader) -> Iterator[Event]:
    """Mapped network drives (``Network\\<letter>``\\RemotePath)."""
    for path, key in reader.subkeys(reader.key("\\Network"), "\\Network"):
        remote = reader.values(key, path).get("RemotePath")
        if not isinstance(remote, str):
            continue
        reader.ctx.records_read += 1
        yield reader.event(
            reader.last_written(key),
            "key_last_written",
            Action.OTHER,
            "registry.network_drive",
            path,
            "RemotePath",
            remote,
            device=Device(drive_type="network", drive_letter=f"{key.name.upper()}:"),
            attributes={"network_share": remote},
        )

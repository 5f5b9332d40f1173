"""Registry hives from the real corpus (SYSTEM and NTUSER.DAT of one Windows 7 box),
checked against FACTS.json; ShimCache cross-checked with regipy's own plugin; a hive
with a broken subkey list must yield a located issue while the rest is read."""

from __future__ import annotations

import struct
from collections import Counter
from pathlib import Path
from typing import Any

import pytest
from regipy.plugins.system.shimcache import ShimCachePlugin
from regipy.registry import NKRecord, RegistryHive

from evidencekit.model import Action, Event
from tests.writers.artifacts import corpus_file, decompress_xz, facts_for, run_parser, to7
from tests.writers.regf_writer import Key, write_hive

pytestmark = pytest.mark.corpus
SYSTEM = "registry/win7_SYSTEM_usb_hp_v100w.xz"
NTUSER = "registry/win7_NTUSER_recentdocs.DAT.xz"
MOUNTPOINTS2 = "\\Software\\Microsoft\\Windows\\CurrentVersion\\Explorer\\MountPoints2"


@pytest.fixture(scope="module")
def hives(tmp_path_factory: pytest.TempPathFactory, corpus: Path) -> dict[str, Path]:
    folder = tmp_path_factory.mktemp("hives")
    return {
        "SYSTEM": decompress_xz(corpus_file(corpus, SYSTEM), folder / "SYSTEM"),
        "NTUSER.DAT": decompress_xz(corpus_file(corpus, NTUSER), folder / "NTUSER.DAT"),
    }


@pytest.fixture(scope="module")
def system_events(hives: dict[str, Path]) -> list[Event]:
    events, issues, _ = run_parser("registry", hives["SYSTEM"])
    assert issues == []
    return events


def test_system_usbstor_device(system_events: list[Event], corpus_facts: dict[str, Any]) -> None:
    facts = facts_for(corpus_facts, SYSTEM)
    (expected,) = facts["usbstor_devices"]
    usb = [e for e in system_events if e.kind == "registry.usbstor"]
    written = next(e for e in usb if e.time_role == "key_last_written")
    assert to7(written.time) == expected["key_last_written"]
    assert written.attributes["device_id"] == expected["device_key"]
    assert written.attributes["instance_id"] == expected["serial_instance"]
    assert written.attributes["friendly_name"] == expected["FriendlyName"]
    assert written.attributes["container_id"] == expected["ContainerID"]
    vid_pid, serial = facts["usb_vid_pid_for_usbstor_serials"][0]
    assert written.attributes["vid_pid"] == vid_pid
    device = written.device
    assert device is not None and device.usb_serial == serial
    assert (device.vendor, device.product, device.drive_type) == ("HP", "v100w", "removable")
    usb_mounts = facts["mounted_devices_pointing_to_USBSTOR"]
    letter = next(m for m in usb_mounts if m.startswith("\\DosDevices\\"))[-2:]
    guid = next(m for m in usb_mounts if "Volume{" in m).split("{")[1].rstrip("}")
    assert device.drive_letter == letter and device.volume_guid == guid
    connects = [e for e in usb if e.action is Action.DEVICE_CONNECT]
    assert {e.time_role for e in connects} == {"first_install", "install"}
    assert all(e.time and e.time < written.time for e in connects)


def test_system_mounted_devices(system_events: list[Event], corpus_facts: dict[str, Any]) -> None:
    facts = facts_for(corpus_facts, SYSTEM)["mounted_devices"]
    mounts = {
        e.attributes["mount_name"]: e for e in system_events if e.kind == "registry.mounted_device"
    }
    assert set(mounts) == set(facts)
    for name, value in facts.items():
        attrs = mounts[name].attributes
        if value.startswith("binary:"):
            raw = bytes.fromhex(value[7:])
            assert attrs["disk_signature"] == raw[:4].hex()
        else:
            assert attrs["device_path"].replace("_??_", "\\??\\") == value.replace("_??_", "\\??\\")


def test_shimcache_agrees_with_regipy_plugin(
    hives: dict[str, Path], system_events: list[Event]
) -> None:
    plugin = ShimCachePlugin(RegistryHive(str(hives["SYSTEM"])), as_json=True)
    plugin.run()
    theirs = [(e["path"], e["last_mod_date"][:19]) for e in plugin.entries]
    ours = [
        (e.object.path, e.time[:19])
        for e in system_events
        if e.kind == "registry.shimcache" and e.object and e.object.path and e.time
    ]
    # regipy lists every control set; ours reads the current one (ControlSet001, listed first)
    assert len(theirs) == 2 * len(ours) and len(ours) > 100
    theirs = theirs[: len(ours)]
    assert [p for p, _ in ours] == [p.removeprefix("\\??\\") for p, _ in theirs]
    assert [t for _, t in ours] == [t.replace(" ", "T") for _, t in theirs]


def test_ntuser_recentdocs_mountpoints_office(
    hives: dict[str, Path], corpus_facts: dict[str, Any]
) -> None:
    facts = facts_for(corpus_facts, NTUSER)
    events, issues, ctx = run_parser("registry", hives["NTUSER.DAT"])
    assert issues == [] and ctx.records_read == len(events)
    root = [
        e
        for e in events
        if e.kind == "registry.recentdocs" and e.attributes["mru_key"] == "RecentDocs"
    ]
    assert [e.object.name for e in root if e.object] == facts["recentdocs_mru"]
    assert to7(root[0].time) == facts["recentdocs_last_written"]
    assert all(e.time is None and "time_missing" in e.flags for e in root[1:])
    for ext, names in facts["recentdocs_by_extension"].items():
        sub = [
            e.object.name
            for e in events
            if e.kind == "registry.recentdocs" and e.attributes["mru_key"] == ext and e.object
        ]
        assert sub == names
    mp2 = {
        e.attributes["mount_point"]: to7(e.time)
        for e in events
        if e.kind == "registry.mountpoints2"
    }
    assert mp2 == facts["mountpoints2"]
    drives = {
        e.device.drive_letter: e.attributes["network_share"]
        for e in events
        if e.kind == "registry.network_drive" and e.device
    }
    assert drives == {f"{k.upper()}:": v for k, v in facts["mapped_network_drives"].items()}
    office = [e for e in events if e.kind == "registry.office_mru"]
    assert office and all(e.action is Action.OPEN and e.time for e in office)


def test_hive_with_broken_subkey_list(hives: dict[str, Path], tmp_path: Path) -> None:
    data = bytearray(hives["NTUSER.DAT"].read_bytes())
    key: NKRecord = RegistryHive(str(hives["NTUSER.DAT"])).get_key(MOUNTPOINTS2)
    list_at = 4096 + 4 + key.header.subkeys_list_offset
    assert bytes(data[list_at : list_at + 2]) in (b"lf", b"lh", b"li", b"ri")
    data[list_at : list_at + 2] = b"\xde\xad"
    broken = tmp_path / "NTUSER.DAT"
    broken.write_bytes(bytes(data))
    events, issues, _ = run_parser("registry", broken)
    assert [(i.code, i.severity, i.locator.attribute) for i in issues] == [
        ("damaged_key", "error", MOUNTPOINTS2)
    ]
    kinds = Counter(e.kind for e in events)
    assert kinds["registry.mountpoints2"] == 0
    assert kinds["registry.recentdocs"] == 22 and kinds["registry.office_mru"] == 4


def test_not_a_hive(tmp_path: Path) -> None:
    bad = tmp_path / "SYSTEM"
    bad.write_bytes(b"regf" + b"\x00" * 100)
    events, issues, ctx = run_parser("registry", bad)
    assert events == [] and issues[0].code == "unreadable_hive" and ctx.records_failed == 1


def _win10_cache(entries: list[tuple[str, int]]) -> bytes:
    """AppCompatCache value in the Windows 10 (Creators Update+) layout: a 0x34-byte
    header, then ``10ts`` entries (path length, UTF-16 path, FILETIME, data size, data)."""
    body = b""
    for path, mtime in entries:
        name = path.encode("utf-16-le")
        rest = struct.pack("<H", len(name)) + name + struct.pack("<QI", mtime, 0)
        body += b"10ts" + struct.pack("<II", 0, len(rest)) + rest
    return struct.pack("<I", 0x34) + b"\x00" * 0x30 + body


def test_shimcache_win10_layout(tmp_path: Path) -> None:
    root = Key("ROOT", 133_560_000_000_000_000)
    root.key("Select").dword("Current", 1)
    cache = [
        ("C:\\Tools\\VeraCrypt\\VeraCrypt.exe", 133_500_000_000_000_000),
        ("C:\\Windows\\System32\\notepad.exe", 133_400_000_000_000_000),
    ]
    root.path("ControlSet001\\Control\\Session Manager\\AppCompatCache").binary(
        "AppCompatCache", _win10_cache(cache)
    )
    path = tmp_path / "SYSTEM"
    path.write_bytes(write_hive(root, "SYSTEM"))
    plugin = ShimCachePlugin(RegistryHive(str(path)), as_json=True)
    plugin.run()
    theirs = [(e["path"], e["last_mod_date"][:19]) for e in plugin.entries]
    events, issues, _ = run_parser("registry", path)
    assert issues == []
    ours = [
        (e.object.path, (e.time or "")[:19])
        for e in events
        if e.kind == "registry.shimcache" and e.object
    ]
    assert [p for p, _ in ours] == [p for p, _ in cache] == [p for p, _ in theirs]
    assert [t for _, t in ours] == [t.replace(" ", "T") for _, t in theirs]
    flags = [e.flags for e in events if e.kind == "registry.shimcache"]
    assert flags == [("tool.encryptor",), ()]


def test_software_wpd_and_emdmgmt(tmp_path: Path) -> None:
    root = Key("ROOT", 133_560_000_000_000_000)
    wpd = root.path("Microsoft\\Windows Portable Devices\\Devices")
    phone = (
        "##?#USB#VID_05AC&PID_12A8#00008030001A2B3C4D5E6F70#{6ac27878-a6fa-4155-ba85-f98f491d4f33}"
    )
    stick = (
        "WPDBUSENUMROOT#UMB#2&37C186B&0&STORAGE#VOLUME#_??_USBSTOR#"
        "DISK&VEN_HP&PROD_V100W&REV_1024#AA951D0000007252&0#"
    )
    wpd.key(phone).sz("FriendlyName", "Apple iPhone")
    wpd.key(stick).sz("FriendlyName", "SECRETPLANS")
    emd = root.path("Microsoft\\Windows NT\\CurrentVersion\\EMDMgmt")
    emd.key(
        "_??_SD#VID_03&OID_5344&PID_SD16G&REV_8.0#6&1d2e3f&0&0#"
        "{53f56307-b6bf-11d0-94f2-00a0c91efb8b}PHOTOS_305419896"
    )
    path = tmp_path / "SOFTWARE"
    path.write_bytes(write_hive(root, "SOFTWARE"))
    events, issues, ctx = run_parser("registry", path)
    assert issues == [] and ctx.records_read == 3
    devices = {e.device.label: e.device for e in events if e.device}
    assert devices["Apple iPhone"].drive_type == "mtp"
    assert devices["Apple iPhone"].usb_serial == "00008030001A2B3C4D5E6F70"
    assert devices["SECRETPLANS"].usb_serial == "AA951D0000007252"
    assert devices["PHOTOS"].volume_serial == f"{305419896:08X}"


def test_system_mtp_phone(tmp_path: Path) -> None:
    arrival = 133_560_000_000_000_000
    root = Key("ROOT", arrival)
    root.key("Select").dword("Current", 1)
    inst = root.path("ControlSet001\\Enum\\USB\\VID_05AC&PID_12A8\\00008030001A2B3C4D5E6F70")
    inst.sz("Class", "WPD").sz("FriendlyName", "Apple iPhone")
    props = "Properties\\{83da6326-97a6-4088-9453-a1923f573b29}"
    inst.path(f"{props}\\0066\\00000000").binary("Data", struct.pack("<Q", arrival))
    root.path("ControlSet001\\Enum\\USB\\VID_046D&PID_C52B\\6&1b2c3d&0&1").sz("Class", "HIDClass")
    path = tmp_path / "SYSTEM"
    path.write_bytes(write_hive(root, "SYSTEM"))
    events, issues, _ = run_parser("registry", path)
    assert issues == []
    mtp = [e for e in events if e.kind == "registry.usb_mtp"]
    assert {e.time_role for e in mtp} == {"key_last_written", "last_arrival"}
    arrived = next(e for e in mtp if e.time_role == "last_arrival")
    assert arrived.action is Action.DEVICE_CONNECT and arrived.device is not None
    assert arrived.device.drive_type == "mtp" and arrived.device.label == "Apple iPhone"
    assert arrived.device.usb_serial == "00008030001A2B3C4D5E6F70"

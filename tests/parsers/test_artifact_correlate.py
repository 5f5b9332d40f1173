"""A constructed copy-to-removable scenario, ingested through the CLI from artifacts
written at test time (LNK and REGF writers, cross-checked by liblnk and libregf) plus a
setupapi log: the correlation must cite exactly the events it rests on; a same-name
file of another size, or a removal before the open, must not correlate. The device
inventory of the same case is checked too."""

from __future__ import annotations

import io
import json
import re
import shutil
import struct
import subprocess
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pylnk
import pyregf
import pytest
from click.testing import CliRunner

from cli.main import cli
from evidencekit.case.workspace import Case
from evidencekit.events.correlate import cited_bytes, find_copies
from evidencekit.events.devices import events_from_lines
from tests.writers.lnk_writer import DRIVE_FIXED, write_lnk
from tests.writers.regf_writer import Key, write_hive

SERIAL = "4C530001230412115093"
DEVICE_ID = "Disk&Ven_SanDisk&Prod_Cruzer&Rev_1.00"
VOLUME = 0xA1B2C3D4
PROPS = "Properties\\{83da6326-97a6-4088-9453-a1923f573b29}"
MINUTE = 600_000_000  # FILETIME units
T0 = 133_560_000_000_000_000  # FILETIME, 2024-03-27T08:00:00Z
FIRST, ARRIVAL, OPEN, REMOVAL = T0, T0 + 60 * MINUTE, T0 + 90 * MINUTE, T0 + 120 * MINUTE


def _system_hive(removal: int) -> bytes:
    root = Key("ROOT", T0)
    root.key("Select").dword("Current", 1)
    inst = root.path(f"ControlSet001\\Enum\\USBSTOR\\{DEVICE_ID}\\{SERIAL}&0", T0)
    inst.sz("FriendlyName", "SanDisk Cruzer USB Device")
    for code, when in (("0064", FIRST), ("0066", ARRIVAL), ("0067", removal)):
        inst.path(f"{PROPS}\\{code}\\00000000").binary("Data", struct.pack("<Q", when))
    mounted = f"_??_USBSTOR#{DEVICE_ID}#{SERIAL}&0#{{53f56307-b6bf-11d0-94f2-00a0c91efb8b}}"
    root.key("MountedDevices").binary("\\DosDevices\\E:", mounted.encode("utf-16-le"))
    return write_hive(root, "SYSTEM")


def _software_hive() -> bytes:
    root = Key("ROOT", T0)
    name = (
        f"_??_USBSTOR#{DEVICE_ID}#{SERIAL}&0#{{53f56307-b6bf-11d0-94f2-00a0c91efb8b}}"
        f"KINGSTON_{VOLUME}"
    )
    root.path(f"Microsoft\\Windows NT\\CurrentVersion\\EMDMgmt\\{name}", ARRIVAL)
    return write_hive(root, "SOFTWARE")


def _checked_hive(data: bytes, path: Path, key: str) -> Path:
    path.write_bytes(data)
    independent = pyregf.file()
    independent.open(str(path))
    assert independent.get_key_by_path(key) is not None
    independent.close()
    return path


def _checked_lnk(data: bytes, path: Path, target: str) -> Path:
    independent = pylnk.file()
    independent.open_file_object(io.BytesIO(data))
    assert independent.local_path == target
    path.write_bytes(data)
    return path


def _scenario(tmp: Path, fixed_size: int, removal: int, with_software: bool = True) -> Path:
    evidence = tmp / "evidence"
    evidence.mkdir()
    files = [
        _checked_lnk(
            write_lnk(
                "E:\\plan.docx",
                size=12345,
                ctime=ARRIVAL + MINUTE,
                atime=OPEN,
                mtime=ARRIVAL + MINUTE,
                serial=VOLUME,
                label="KINGSTON",
            ),
            evidence / "plan.docx.lnk",
            "E:\\plan.docx",
        ),
        _checked_lnk(
            write_lnk(
                "C:\\Users\\bob\\Documents\\plan.docx",
                size=fixed_size,
                ctime=T0 - 1000 * MINUTE,
                atime=ARRIVAL,
                mtime=T0 - MINUTE,
                drive_type=DRIVE_FIXED,
                serial=0x11112222,
                label="OS",
            ),
            evidence / "plan-local.lnk",
            "C:\\Users\\bob\\Documents\\plan.docx",
        ),
        _checked_hive(_system_hive(removal), evidence / "SYSTEM", "\\MountedDevices"),
    ]
    if with_software:
        emd = "\\Microsoft\\Windows NT\\CurrentVersion\\EMDMgmt"
        files.append(_checked_hive(_software_hive(), evidence / "SOFTWARE", emd))
    case_dir = tmp / "case"
    Case.init(case_dir, "scenario")
    runner = CliRunner()
    for path in files:
        run = runner.invoke(
            cli, ["ingest", "artifact", str(path), "--case", str(case_dir)], catch_exceptions=False
        )
        assert run.exit_code == 0, run.output
    return case_dir


def _events(case_dir: Path) -> list[dict[str, Any]]:
    return list(events_from_lines(Case(case_dir).store.event_lines()))


def test_copy_to_removable_cites_its_events(tmp_path: Path) -> None:
    case_dir = _scenario(tmp_path, fixed_size=12345, removal=REMOVAL)
    before = _events(case_dir)
    opened = [
        e
        for e in before
        if e["kind"] == "lnk.shortcut"
        and e["action"] == "open"
        and e["device"]["drive_type"] == "removable"
    ]
    fixed = [
        e for e in before if e["kind"] == "lnk.shortcut" and e["device"]["drive_type"] == "fixed"
    ]
    tie = [e for e in before if e["kind"] == "registry.emdmgmt"]
    arrival = [e for e in before if e.get("time_role") == "last_arrival"]
    created = [
        e
        for e in before
        if e["kind"] == "lnk.shortcut"
        and e["action"] == "create"
        and e["device"]["drive_type"] == "removable"
    ]
    assert len(opened) == 1 and len(fixed) == 3 and len(tie) == 1 and len(arrival) == 1
    assert len(created) == 1
    expected = sorted(e["id"] for e in opened + fixed + tie + arrival + created)

    run = CliRunner().invoke(
        cli, ["correlate", "--case", str(case_dir), "--json"], catch_exceptions=False
    )
    assert run.exit_code == 0, run.output
    report = json.loads(run.output)
    assert (report["found"], report["stored"]) == (1, 1)
    source = report["source"]
    cited = [e for e in before if e["id"] in expected]
    import hashlib

    assert source["kind"] == "derived"
    assert source["sha256"] == hashlib.sha256(cited_bytes(cited)).hexdigest()

    derived = [e for e in _events(case_dir) if e["kind"] == "correlation.copy_to_removable"]
    assert len(derived) == 1
    (copy,) = derived
    assert copy["attributes"]["derived_from"] == expected
    assert copy["attributes"]["connect_event"] == arrival[0]["id"]
    assert copy["action"] == "copy" and copy["time"] == created[0]["time"]
    assert copy["time_role"] == "created_on_removable"
    assert copy["attributes"]["opened_at"] == opened[0]["time"]
    assert copy["object"]["path"] == "C:\\Users\\bob\\Documents\\plan.docx"
    assert copy["target"]["path"] == "E:\\plan.docx"
    assert copy["device"]["usb_serial"] == SERIAL
    assert copy["device"]["volume_serial"] == f"{VOLUME:08X}"
    assert copy["source"] == source["id"]

    again = CliRunner().invoke(cli, ["correlate", "--case", str(case_dir), "--json"])
    assert json.loads(again.output)["stored"] == 0  # same inputs, same derived source


def test_a_later_correlation_stores_only_new_copies(tmp_path: Path) -> None:
    case_dir = _scenario(tmp_path, fixed_size=12345, removal=REMOVAL)
    first = CliRunner().invoke(cli, ["correlate", "--case", str(case_dir), "--json"])
    assert json.loads(first.output)["stored"] == 1
    more = tmp_path / "more"
    more.mkdir()
    pair = [
        _checked_lnk(
            write_lnk(
                "E:\\spec.xlsx",
                size=777,
                ctime=ARRIVAL + 2 * MINUTE,
                atime=OPEN,
                mtime=ARRIVAL + 2 * MINUTE,
                serial=VOLUME,
                label="KINGSTON",
            ),
            more / "spec.xlsx.lnk",
            "E:\\spec.xlsx",
        ),
        _checked_lnk(
            write_lnk(
                "C:\\Users\\bob\\Documents\\spec.xlsx",
                size=777,
                ctime=T0 - 900 * MINUTE,
                atime=ARRIVAL,
                mtime=T0 - MINUTE,
                drive_type=DRIVE_FIXED,
                serial=0x11112222,
                label="OS",
            ),
            more / "spec-local.lnk",
            "C:\\Users\\bob\\Documents\\spec.xlsx",
        ),
    ]
    for path in pair:
        run = CliRunner().invoke(cli, ["ingest", "artifact", str(path), "--case", str(case_dir)])
        assert run.exit_code == 0, run.output
    second = json.loads(
        CliRunner().invoke(cli, ["correlate", "--case", str(case_dir), "--json"]).output
    )
    assert second["stored"] == 1
    derived = [e for e in _events(case_dir) if e["kind"] == "correlation.copy_to_removable"]
    assert sorted(e["target"]["path"] for e in derived) == ["E:\\plan.docx", "E:\\spec.xlsx"]


def test_same_name_other_size_does_not_correlate(tmp_path: Path) -> None:
    case_dir = _scenario(tmp_path, fixed_size=99999, removal=REMOVAL)
    assert find_copies(_events(case_dir)) == []


def test_removed_before_open_does_not_correlate(tmp_path: Path) -> None:
    case_dir = _scenario(tmp_path, fixed_size=12345, removal=OPEN - MINUTE)
    assert find_copies(_events(case_dir)) == []


def test_device_inventory_and_detection(tmp_path: Path) -> None:
    case_dir = _scenario(tmp_path, fixed_size=12345, removal=REMOVAL)
    run = CliRunner().invoke(
        cli, ["devices", "--case", str(case_dir), "--json"], catch_exceptions=False
    )
    (row,) = json.loads(run.output)
    assert row["usb_serial"] == SERIAL
    assert (row["vendor"], row["product"]) == (["SanDisk"], ["Cruzer"])
    assert row["volume_serials"] == [f"{VOLUME:08X}"] and row["labels"] == ["KINGSTON"]
    assert row["drive_letters"] == ["E:"]
    events = _events(case_dir)
    times = {e.get("time_role"): e["time"] for e in events if e["kind"] == "registry.usbstor"}
    assert row["first_connection"] == times["first_install"]
    assert row["last_connection"] == times["last_arrival"]
    assert row["last_removal"] == times["last_removal"]
    assert row["first_connection"] < row["last_connection"] < row["last_removal"]
    human = CliRunner().invoke(cli, ["devices", "--case", str(case_dir)])
    assert SERIAL in human.output


def test_ingest_artifact_says_which_kind(tmp_path: Path) -> None:
    evidence = tmp_path / "ev"
    evidence.mkdir()
    lnk = evidence / "x.lnk"
    lnk.write_bytes(write_lnk("E:\\a.txt", size=1, ctime=T0, atime=T0, mtime=T0))
    Case.init(tmp_path / "case", "k")
    run = CliRunner().invoke(
        cli, ["ingest", "artifact", str(lnk), "--case", str(tmp_path / "case")]
    )
    assert run.exit_code == 0 and "recognised as lnk" in run.output
    unknown = evidence / "notes.txt"
    unknown.write_text("hello")
    run = CliRunner().invoke(
        cli, ["ingest", "artifact", str(unknown), "--case", str(tmp_path / "case")]
    )
    assert run.exit_code != 0 and "not recognised" in run.output


def test_inventory_users_from_mountpoints2(tmp_path: Path) -> None:
    from evidencekit.events.devices import build_inventory
    from tests.writers.artifacts import run_parser

    guid = "0b233deb-95f5-11e0-a8e8-806e6f6e6963"
    system = Key("ROOT", T0)
    system.key("Select").dword("Current", 1)
    system.path(f"ControlSet001\\Enum\\USBSTOR\\{DEVICE_ID}\\{SERIAL}&0", T0)
    mounted = f"_??_USBSTOR#{DEVICE_ID}#{SERIAL}&0#{{53f56307-b6bf-11d0-94f2-00a0c91efb8b}}"
    system.key("MountedDevices").binary(f"\\??\\Volume{{{guid}}}", mounted.encode("utf-16-le"))
    user = Key("ROOT", T0)
    explorer = "Software\\Microsoft\\Windows\\CurrentVersion\\Explorer"
    user.path(f"{explorer}\\MountPoints2\\{{{guid}}}", ARRIVAL)
    user.path(f"{explorer}\\RecentDocs")
    events = []
    for name, root, image_path in (
        ("SYSTEM", system, "Windows/System32/config/SYSTEM"),
        ("NTUSER.DAT", user, "Users/alice/NTUSER.DAT"),
    ):
        path = _checked_hive(write_hive(root, name), tmp_path / name, "\\")
        found, issues, _ = run_parser("registry", path, image_path=image_path)
        assert issues == []
        events += [
            dict(e.canonical_dict(), id=f"{len(events) + i:032x}") for i, e in enumerate(found)
        ]
    (row,) = build_inventory(events)
    assert row.usb_serial == SERIAL and row.volume_guids == {guid}
    assert row.users == {"alice"}
    arrival = datetime(1601, 1, 1, tzinfo=UTC) + timedelta(microseconds=ARRIVAL // 10)
    assert row.last_seen == arrival.strftime("%Y-%m-%dT%H:%M:%S.%f000Z")


def _fsstat(image: Path) -> str:
    return subprocess.run(["fsstat", str(image)], check=True, capture_output=True, text=True).stdout


@pytest.mark.parametrize("fs", ["fat32", "fat16", "ntfs"])
def test_vbr_volume_serial_agrees_with_tsk(fs: str, tmp_path: Path) -> None:
    from evidencekit.events.devices import vbr_volume_serial

    tools = {"fat32": "mkfs.vfat", "fat16": "mkfs.vfat", "ntfs": "mkntfs"}
    if shutil.which(tools[fs]) is None or shutil.which("fsstat") is None:
        pytest.skip(f"needs {tools[fs]} and fsstat")
    image = tmp_path / f"{fs}.img"
    with open(image, "wb") as fp:
        fp.truncate(40 << 20)
    if fs == "ntfs":
        subprocess.run(["mkntfs", "-F", "-f", "-q", str(image)], check=True, capture_output=True)
        serial = re.search(r"Volume Serial Number: ([0-9A-F]{16})", _fsstat(image))
        assert serial is not None
        expected = serial.group(1)[8:]
    else:
        size = "32" if fs == "fat32" else "16"
        subprocess.run(
            ["mkfs.vfat", "-F", size, "-i", "A1B2C3D4", str(image)], check=True, capture_output=True
        )
        found = re.search(r"Volume ID: 0x([0-9a-f]{8})", _fsstat(image))
        assert found is not None and found.group(1) == "a1b2c3d4"
        expected = "A1B2C3D4"
    assert vbr_volume_serial(image.read_bytes()[:512]) == expected


def test_copy_tied_by_partition_diagnostic_vbr(tmp_path: Path) -> None:
    if shutil.which("mkfs.vfat") is None:
        pytest.skip("needs mkfs.vfat")
    stick = tmp_path / "stick.img"
    with open(stick, "wb") as fp:
        fp.truncate(40 << 20)
    subprocess.run(
        ["mkfs.vfat", "-F", "32", "-i", f"{VOLUME:08X}", str(stick)],
        check=True,
        capture_output=True,
    )
    case_dir = _scenario(tmp_path, fixed_size=12345, removal=REMOVAL, with_software=False)
    assert find_copies(_events(case_dir)) == []  # no tie yet
    # A Partition/Diagnostic 1006 record as the event-log normalizer stores it (EventData
    # under attributes.data), carrying the stick's real boot record.
    event = {
        "time": "2024-03-27T08:59:00.000000000Z",
        "time_role": "logged",
        "action": "device_connect",
        "kind": "evtx.partition.1006",
        "device": {"drive_type": "removable", "usb_serial": SERIAL},
        "attributes": {"data": {"Vbr0": stick.read_bytes()[:512].hex().upper()}},
    }
    jsonl = tmp_path / "evidence" / "partition.jsonl"
    jsonl.write_text(json.dumps(event) + "\n")
    run = CliRunner().invoke(cli, ["ingest", "events", str(jsonl), "--case", str(case_dir)])
    assert run.exit_code == 0, run.output
    events = _events(case_dir)
    (tie,) = [e for e in events if e["kind"] == "evtx.partition.1006"]
    (finding,) = find_copies(events)
    assert finding.ties == (tie,)


def test_ingest_artifact_wrong_kind_reports_issue_and_fails(tmp_path: Path) -> None:
    evidence = tmp_path / "ev"
    evidence.mkdir()
    hive = evidence / "SOFTWARE"
    hive.write_bytes(_software_hive())
    Case.init(tmp_path / "case", "k")
    run = CliRunner().invoke(
        cli,
        [
            "ingest",
            "artifact",
            str(hive),
            "--kind",
            "lnk",
            "--case",
            str(tmp_path / "case"),
            "--json",
        ],
    )
    assert run.exit_code == 1
    report = json.loads(run.stdout)
    assert report["events"] == 0 and report["issues"] == 1
    assert report["source"]["parser"] == "lnk" and report["source"]["records_failed"] == 1
    issues = list(Case(tmp_path / "case").store.issue_dicts())
    assert [(i["code"], i["locator"]["offset"]) for i in issues] == [("bad_signature", "0")]


def test_inventory_lists_removable_drives_the_records_do_not_identify() -> None:
    """Copies to a removable drive known only by its type (an operation log's ドライブ種別)
    are a row of their own per drive letter, marked unidentified, not dropped."""
    from evidencekit.events.devices import build_inventory

    def copy(i: int, target: str, user: str) -> dict[str, Any]:
        return {"id": f"{i:032x}", "time": f"2024-04-01T00:0{i}:00.000000000Z",
                "action": "copy", "actor": {"user": user}, "target": {"path": target},
                "device": {"drive_type": "removable"}}  # fmt: skip

    events = [copy(1, "E:\\a.dwg", "tanaka"), copy(2, "E:\\b.dwg", "tanaka"),
              copy(3, "F:\\c.dwg", "sato"),
              {"id": "f" * 32, "action": "copy", "target": {"path": "C:\\x"},
               "device": {"drive_type": "fixed"}}]  # fmt: skip
    rows = build_inventory(events)
    assert [(r.identified, sorted(r.drive_letters), len(r.event_ids)) for r in rows] == [
        (False, ["E:"], 2),
        (False, ["F:"], 1),
    ]
    assert rows[0].users == {"tanaka"} and rows[0].usb_serial == ""
    assert rows[0].last_seen == "2024-04-01T00:02:00.000000000Z"

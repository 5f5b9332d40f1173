# ruff: noqa: E501 (log lines are kept whole, as Windows writes them)
"""Windows XP setupapi.log: logs generated at test time in the XP section format
(``[YYYY/MM/DD HH:MM:SS PID.TID Title]`` + ``#xnnn`` entries, as Microsoft's "SetupAPI
Log File" paper and real XP logs show them), in CP932 and ASCII with CRLF line ends,
and hostile ones (cut-off section header, impossible dates, an overlong line)."""

from __future__ import annotations

import random
from pathlib import Path

import pytest
from click.testing import CliRunner

from cli.main import cli
from evidencekit.case.detect import detect_artifact_kind
from evidencekit.case.image_artifacts import ArtifactHook
from evidencekit.case.workspace import Case
from evidencekit.model import Action, Event, ParseIssue
from evidencekit.parsers.base import ParseContext, parsers
from tests.writers.artifacts import run_parser

KINGSTON = "USBSTOR\\DISK&VEN_KINGSTON&PROD_DATATRAVELER_2.0&REV_PMAP\\5B6B0B6F7C10&0"
SANDISK = "USBSTOR\\DISK&VEN_SANDISK&PROD_CRUZER&REV_8.02\\0774910DA1C2B7B4&0"
HEADER = """[SetupAPI Log]
OS Version = 5.1.2600 Service Pack 3
Platform ID = 2 (NT)
Service Pack = 3.0
Suite = 0x0300
Product Type = 1
Architecture = x86
"""
PCI = """[2008/03/19 10:39:57 644.3 Driver Install]
#-019 Searching for hardware ID(s): pci\\ven_8086&dev_27c8&subsys_01c21028&rev_02
#I022 Found "PCI\\VEN_8086&DEV_27C8" in C:\\WINDOWS\\inf\\usbport.inf; Device: "Intel(R) USB"
#I121 Device install of "PCI\\VEN_8086&DEV_27C8&SUBSYS_01C21028&REV_02\\3&172E68DD&0&E8" finished successfully.
"""
USB1 = f"""[2008/03/19 10:40:05 1024.3 Driver Install]
#-019 Searching for hardware ID(s): usbstor\\diskkingstondatatraveler_2.0pmap,usbstor\\diskkingston,gendisk
#-018 Searching for compatible ID(s): usbstor\\disk,usbstor\\raw
#-198 Command line processed: C:\\WINDOWS\\system32\\services.exe
#I022 Found "GenDisk" in C:\\WINDOWS\\inf\\disk.inf; Device: "Disk drive"; Driver: "Disk drive"; Provider: "Microsoft"
#I023 Actual install section: [disk_install.NT]. Rank: 0x00000006. Effective driver date: 07/01/2001.
#-124 Doing copy-only install of "{KINGSTON}".
#I121 Device install of "{KINGSTON}" finished successfully.
"""
USB1_JA = USB1.replace("Disk drive", "ディスク ドライブ")  # a Japanese XP (CP932)
USB2 = f"""[2008/04/02 18:01:13 1024.7]
#-124 Doing copy-only install of "{SANDISK}".
"""


def write_log(tmp_path: Path, text: str, encoding: str = "cp932") -> Path:
    path = tmp_path / "setupapi.log"
    path.write_bytes(text.replace("\n", "\r\n").encode(encoding))
    return path


def run_zone(path: Path, zone: str) -> tuple[list[Event], list[ParseIssue]]:
    cls = parsers.get("setupapi_xp")
    ctx = ParseContext(
        source_id="0" * 16, path=path, parser="setupapi_xp", version=cls.version, time_zone=zone
    )
    items = list(cls().parse(ctx))
    return [i for i in items if isinstance(i, Event)], [
        i for i in items if isinstance(i, ParseIssue)
    ]


def test_usb_first_installs_in_tokyo(tmp_path: Path) -> None:
    path = write_log(tmp_path, HEADER + "\n" + PCI + "\n" + USB1_JA + "\n" + USB2)
    events, issues, ctx = run_parser("setupapi_xp", path)
    assert issues == [] and ctx.records_read == 3 and ctx.records_failed == 0
    pci, kingston, sandisk = events
    assert pci.action is Action.INSTALL and pci.device is None
    assert pci.attributes["section"] == "Driver Install"
    assert kingston.action is Action.DEVICE_CONNECT and kingston.time_role == "first_install"
    assert kingston.time == "2008-03-19T01:40:05.000000000Z"
    assert (kingston.time_zone, kingston.time_offset) == ("Asia/Tokyo", "+09:00")
    assert kingston.time_original == "2008/03/19 10:40:05"
    assert kingston.flags == ("time_zone_assumed",)
    device = kingston.device
    assert device is not None
    assert (device.vendor, device.product, device.usb_serial) == (
        "KINGSTON",
        "DATATRAVELER_2.0",
        "5B6B0B6F7C10",
    )
    lines = path.read_bytes().split(b"\r\n")
    first = next(n for n, b in enumerate(lines, 1) if b.startswith(b"#-124") and b"KINGSTON" in b)
    assert kingston.attributes["device_line"] == first
    assert kingston.attributes["statement"] == "#-124"
    data = path.read_bytes()
    offset = int(kingston.locator.offset or "0")
    assert data[offset:].startswith(b"[2008/03/19 10:40:05 1024.3 Driver Install]")
    assert kingston.locator.line == data[:offset].count(b"\n") + 1
    assert sandisk.device is not None and sandisk.device.usb_serial == "0774910DA1C2B7B4"
    assert sandisk.attributes["section"] == ""


def test_given_zone_is_used_and_recorded(tmp_path: Path) -> None:
    events, issues = run_zone(
        write_log(
            tmp_path,
            HEADER + USB1,
            "ascii",
        ),
        "UTC",
    )
    assert issues == [] and events[0].time == "2008-03-19T10:40:05.000000000Z"
    assert events[0].flags == () and events[0].time_zone == "UTC"


def test_ascii_log(tmp_path: Path) -> None:
    events, issues, _ = run_parser("setupapi_xp", write_log(tmp_path, HEADER + USB1, "ascii"))
    assert issues == [] and [e.device.usb_serial for e in events if e.device] == ["5B6B0B6F7C10"]


def test_bad_dates_and_truncated_section(tmp_path: Path) -> None:
    bad = USB1_JA.replace("2008/03/19 10:40:05", "2008/02/30 10:40:05")
    text = HEADER + bad + PCI + "[2008/04/02 18:0"
    events, issues, ctx = run_parser("setupapi_xp", write_log(tmp_path, text))
    assert [(i.code, i.locator.line, i.severity) for i in issues] == [
        ("bad_time", 8, "warning"),
        ("truncated_section", 20, "error"),
    ]
    assert ctx.records_failed == 1 and ctx.records_read == 2
    kept = events[0]
    assert kept.time is None and kept.time_original == "2008/02/30 10:40:05"
    assert "time_unparseable" in kept.flags
    assert kept.device is not None and kept.device.usb_serial == "5B6B0B6F7C10"
    assert events[1].time == "2008-03-19T01:39:57.000000000Z"


def test_skipped_local_hour_is_an_issue(tmp_path: Path) -> None:
    text = HEADER + USB1.replace("2008/03/19 10:40:05", "2008/03/30 02:30:00")
    events, issues = run_zone(write_log(tmp_path, text), "Europe/Berlin")
    assert [(i.code, i.locator.line) for i in issues] == [("bad_time", 8)]
    assert events[0].time is None


def test_overlong_line_is_reported(tmp_path: Path) -> None:
    text = HEADER + USB1 + "#-019 " + "x" * 70000 + "\n" + USB2
    events, issues, _ = run_parser("setupapi_xp", write_log(tmp_path, text, "ascii"))
    assert [(i.code, i.locator.line) for i in issues] == [("line_too_long", 16)]
    assert len(events) == 2


def test_detection_and_image_glob(tmp_path: Path) -> None:
    assert detect_artifact_kind(write_log(tmp_path, HEADER + USB1)) == "setupapi_xp"
    headless = tmp_path / "x"
    headless.mkdir()
    assert detect_artifact_kind(write_log(headless, USB2)) == "setupapi_xp"
    assert ArtifactHook("0" * 16, None, []).match("WINDOWS/setupapi.log") == "setupapi_xp"


@pytest.mark.parametrize("kind", [None, "setupapi_xp"])
def test_ingest_artifact(tmp_path: Path, kind: str | None) -> None:
    evidence = tmp_path / "ev"
    evidence.mkdir()
    path = write_log(evidence, HEADER + USB1)
    Case.init(tmp_path / "case", "xp")
    args = ["ingest", "artifact", str(path), "--case", str(tmp_path / "case"), "--tz", "UTC"]
    run = CliRunner().invoke(cli, args + (["--kind", kind] if kind else []))
    assert run.exit_code == 0, run.output
    assert kind or "recognised as setupapi_xp" in run.output


@pytest.mark.parametrize("content", [b"", bytes(4096), "random"])
def test_hostile_input_never_raises(tmp_path: Path, content: bytes | str) -> None:
    data = random.Random(4).randbytes(8192) if isinstance(content, str) else content
    path = tmp_path / "setupapi.log"
    path.write_bytes(data)
    _events, issues, ctx = run_parser("setupapi_xp", path)
    assert ctx.records_failed <= len(issues)
    assert not parsers.get("setupapi_xp").check(b"%PDF-1.7\n" + bytes(200), Path("r.pdf"))


def test_device_inventory_first_connection(tmp_path: Path) -> None:
    from evidencekit.events.devices import build_inventory

    events, _, _ = run_parser("setupapi_xp", write_log(tmp_path, HEADER + PCI + USB1_JA + USB2))
    dicts = [dict(e.canonical_dict(), id=f"{i:032x}") for i, e in enumerate(events)]
    rows = {row.usb_serial: row for row in build_inventory(dicts)}
    assert sorted(rows) == ["0774910DA1C2B7B4", "5B6B0B6F7C10"]
    kingston = rows["5B6B0B6F7C10"]
    assert kingston.first_connection == "2008-03-19T01:40:05.000000000Z"
    assert kingston.vendor == {"KINGSTON"} and kingston.product == {"DATATRAVELER_2.0"}


def test_undecodable_bytes_in_a_used_line_flag_the_event(tmp_path: Path) -> None:
    """A CP932 log whose section title holds bytes CP932 cannot read (0x81 0x20) keeps it in
    the raw hash and flags the section's events; clean sections are not flagged."""
    data = (HEADER + USB1 + PCI).replace("\n", "\r\n").encode("cp932")
    data = data.replace(b"10:40:05 1024.3 Driver Install]", b"10:40:05 1024.3 Driver \x81 Install]")
    path = tmp_path / "setupapi.log"
    path.write_bytes(data)
    events, _ = run_zone(path, "Asia/Tokyo")
    flagged = {e.kind: "undecodable_bytes" in e.flags for e in events}
    usb = [e for e in events if e.device is not None]
    assert usb and all("undecodable_bytes" in e.flags for e in usb)
    assert usb[0].attributes["section"] == "Driver \ufffd Install"
    other = [e for e in events if e.device is None]
    assert other and not any("undecodable_bytes" in e.flags for e in other), flagged

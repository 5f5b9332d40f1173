"""setupapi.dev.log: a log written at test time in the documented section format
(Microsoft Learn "Format of a text log section"); no public sample with a USB storage
install is redistributable (see the corpus gaps)."""

from __future__ import annotations

from pathlib import Path

from evidencekit.model import Action
from tests.writers.artifacts import run_parser

SWD = (
    "SWD\\WPDBUSENUM\\_??_USBSTOR#Disk&Ven_SanDisk&Prod_Cruzer&Rev_1.00#"
    "4C530001230412115093&0#{53f56307-b6bf-11d0-94f2-00a0c91efb8b}"
)
USBSTOR = "USBSTOR\\Disk&Ven_SanDisk&Prod_Cruzer&Rev_1.00\\4C530001230412115093&0"
LOG = f"""\ufeff[Device Install Log]
     OS Version = 10.0.19045
     Service Pack = 0.0
     Suite = 0x0100
     ProductType = 1
     Architecture = amd64

[BeginLog]

>>>  [Device Install (Hardware initiated) - {SWD}]
>>>  Section start 2024/03/23 21:59:59.123
     dvi: {{Build Driver List}} 21:59:59.200
<<<  Section end 2024/03/23 22:00:01.000
<<<  [Exit status: SUCCESS]


>>>  [Device Install (Hardware initiated) - {USBSTOR}]
>>>  Section start 2024/03/23 21:59:58.500
<<<  Section end 2024/03/23 22:00:00.000
<<<  [Exit status: SUCCESS]


>>>  [Setup online Device Install (Hardware initiated) - pci\\ven_8086&dev_a0ed]
>>>  Section start 2024/02/30 10:00:00.000
<<<  Section end 2024/03/01 10:00:00.000


>>>  [SPQ Install - Printer]
>>>  Section start 2024/03/24 09:00:00.000
<<<  Section end 2024/03/24 09:00:01.000
"""


def _log(tmp_path: Path) -> Path:
    path = tmp_path / "setupapi.dev.log"
    path.write_text(LOG, encoding="utf-8", newline="\r\n")
    return path


def test_usbstor_first_install_in_zone(tmp_path: Path) -> None:
    events, issues, ctx = run_parser("setupapi", _log(tmp_path))
    assert [i.code for i in issues] == ["bad_time"] and issues[0].locator.line == 23
    assert ctx.records_read == 3 and ctx.records_failed == 1
    usb = next(e for e in events if e.device and e.device.usb_serial)
    assert usb.action is Action.DEVICE_CONNECT and usb.time_role == "first_install"
    assert usb.time == "2024-03-23T12:59:58.500000000Z"  # 21:59:58.500 JST (UTC+9)
    assert (usb.time_offset, usb.time_zone, usb.flags) == (
        "+09:00",
        "Asia/Tokyo",
        ("time_zone_assumed",),
    )
    assert usb.device is not None and usb.device.usb_serial == "4C530001230412115093"
    assert (usb.device.vendor, usb.device.product) == ("SanDisk", "Cruzer")
    printer = events[-1]
    assert printer.action is Action.INSTALL and printer.device is None


def test_zone_given(tmp_path: Path) -> None:
    from evidencekit.parsers.base import ParseContext
    from evidencekit.parsers.setupapi import SetupApiParser

    ctx = ParseContext(
        source_id="0" * 16, path=_log(tmp_path), parser="setupapi", version="1", time_zone="UTC"
    )
    events = [e for e in SetupApiParser().parse(ctx) if hasattr(e, "time_role")]
    assert events[0].time == "2024-03-23T21:59:59.123000000Z" and not events[0].flags
    assert SetupApiParser.check(_log(tmp_path).read_bytes()[:200], tmp_path / "x.log")


def test_ingest_records_the_zone_read_in_when_none_is_given(tmp_path: Path) -> None:
    """Without --tz the log is read in the parser's default zone: the source records that
    zone (it recorded none), the events keep the time_zone_assumed flag."""
    from evidencekit.case.ingest import ingest_file
    from evidencekit.case.workspace import Case
    from evidencekit.events.devices import events_from_lines

    (tmp_path / "evidence").mkdir()
    case = Case.init(tmp_path / "case", "zone")
    summary = ingest_file(case, _log(tmp_path / "evidence"), "setupapi")
    assert summary.source.time_zone == "Asia/Tokyo"
    events = list(events_from_lines(case.store.event_lines()))
    assert events and all("time_zone_assumed" in e.get("flags", []) for e in events)

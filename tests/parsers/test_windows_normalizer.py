"""The Windows event normalizer on events the corpus lacks (see PROVENANCE "Gaps").

No redistributable .evtx holds 4656/4660 on files, 5140/5145, 4625, PrintService 307,
Partition/Diagnostic 1006, DriverFrameworks-UserMode 2003/2100/2102 or Kernel-PnP 400/410,
so these are Event Viewer XML exports written here after the field lists of Microsoft's
event documentation, read through the XML reader (the same path a real export takes).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from evidencekit.events.windows import WinRecord, content_kind, normalize, normalize_event
from evidencekit.events.windows_devices import parse_device_id
from evidencekit.events.windows_map import decode_access_mask, mask_action
from evidencekit.model import Event, ParseIssue
from evidencekit.parsers.base import ParseContext
from evidencekit.parsers.evtx_xml import EvtxXmlParser

SID = "0123456789abcdef"
NS = "http://schemas.microsoft.com/win/2004/08/events/event"
SECURITY = "Microsoft-Windows-Security-Auditing"
SUCCESS, FAILURE = "0x8020000000000000", "0x8010000000000000"
USB = r"USBSTOR\Disk&amp;Ven_SanDisk&amp;Prod_Cruzer_Blade&amp;Rev_1.00\4C530001230101118290&amp;0"


def _event(
    provider: str, eid: int, payload: str, keywords: str = SUCCESS, channel: str = "Security"
) -> str:
    return (
        f"<Event xmlns='{NS}'><System><Provider Name='{provider}'/><EventID>{eid}</EventID>"
        f"<Version>1</Version><Level>0</Level><Task>12800</Task><Keywords>{keywords}</Keywords>"
        "<TimeCreated SystemTime='2024-04-01T00:05:03.1234567Z'/><EventRecordID>77</EventRecordID>"
        f"<Channel>{channel}</Channel><Computer>PC-設計01.corp.example</Computer>"
        "<Security UserID='S-1-5-18'/></System>" + payload + "</Event>"
    )


def _data(**fields: str) -> str:
    return (
        "<EventData>"
        + "".join(f"<Data Name='{k}'>{v}</Data>" for k, v in fields.items())
        + "</EventData>"
    )


SUBJECT = {
    "SubjectUserSid": "S-1-5-21-1-2-3-1104",
    "SubjectUserName": "yamada",
    "SubjectDomainName": "CORP",
    "SubjectLogonId": "0x3e7a1",
}


def _read(tmp_path: Path, *events: str) -> list[dict[str, Any]]:
    path = tmp_path / "export.xml"
    path.write_text(
        "<?xml version='1.0' encoding='utf-8'?><Events>" + "".join(events) + "</Events>", "utf-8"
    )
    ctx = ParseContext(source_id=SID, path=path, parser="evtx_xml", version="1")
    items = list(EvtxXmlParser().parse(ctx))
    assert not [i for i in items if isinstance(i, ParseIssue)]
    out = [i for i in items if isinstance(i, dict)]
    for content in out:
        assert Event.model_validate(content).content() == content
    return out


def _file_access(eid: int, mask: str, keywords: str = SUCCESS) -> str:
    return _event(
        SECURITY,
        eid,
        _data(
            **SUBJECT,
            ObjectServer="Security",
            ObjectType="File",
            ObjectName=r"\\?\D:\設計\図面A.dwg",
            HandleId="0x1a4",
            AccessList="%%1537",
            AccessMask=mask,
            ProcessName=r"C:\Windows\explorer.exe",
        ),
        keywords,
    )


@pytest.mark.parametrize(
    ("eid", "mask", "keywords", "action", "rights"),
    [
        (4663, "0x1", SUCCESS, "read", ["ReadData/ListDirectory"]),
        (4663, "0x6", SUCCESS, "modify", ["WriteData/AddFile", "AppendData/AddSubdirectory"]),
        (4663, "0x100", SUCCESS, "metadata_change", ["WriteAttributes"]),
        (4656, "0x10080", SUCCESS, "delete", ["ReadAttributes", "DELETE"]),
        (
            4656,
            "0x120089",
            SUCCESS,
            "read",
            ["ReadData/ListDirectory", "ReadEA", "ReadAttributes", "READ_CONTROL", "SYNCHRONIZE"],
        ),
        (4663, "0x20000", SUCCESS, "access", ["READ_CONTROL"]),
        (4656, "0x1", FAILURE, "access_denied", ["ReadData/ListDirectory"]),
    ],
)
def test_object_access_mask_decides_the_action(
    tmp_path: Path, eid: int, mask: str, keywords: str, action: str, rights: list[str]
) -> None:
    (event,) = _read(tmp_path, _file_access(eid, mask, keywords))
    assert event["action"] == action
    assert event["attributes"]["access_mask"] == mask
    assert event["attributes"]["access_rights"] == rights
    assert event["object"] == {"kind": "file", "path": r"\\?\D:\設計\図面A.dwg"}
    assert (
        event["actor"]["user"] == "yamada"
        and event["actor"]["process"] == r"C:\Windows\explorer.exe"
    )
    assert event["time"] == "2024-04-01T00:05:03.123456700Z" and event["time_precision"] == "100ns"
    assert event["kind"] == f"evtx.security.{eid}"


def test_delete_close_and_share_events(tmp_path: Path) -> None:
    share = dict(
        **SUBJECT, ObjectType="File", IpAddress="10.0.0.25", IpPort="49812", ShareName=r"\\*\設計"
    )
    events = _read(
        tmp_path,
        _event(
            SECURITY,
            4660,
            _data(**SUBJECT, ObjectServer="Security", HandleId="0x1a4", ProcessName="x.exe"),
        ),
        _event(SECURITY, 4658, _data(**SUBJECT, HandleId="0x1a4", ProcessName="x.exe")),
        _event(SECURITY, 5140, _data(**share, ShareLocalPath=r"\??\D:\設計", AccessMask="0x1")),
        _event(
            SECURITY,
            5145,
            _data(
                **share,
                ShareLocalPath=r"\??\D:\設計",
                RelativeTargetName=r"秘\a.dwg",
                AccessMask="0x10080",
            ),
        ),
        _event(
            SECURITY,
            5145,
            _data(
                **share, ShareLocalPath=r"\??\D:\設計", RelativeTargetName="b.dwg", AccessMask="0x1"
            ),
            FAILURE,
        ),
    )
    assert [e["action"] for e in events] == [
        "delete",
        "access",
        "access",
        "delete",
        "access_denied",
    ]
    assert events[1]["attributes"]["handle_closed"] is True
    assert events[2]["object"] == {"kind": "share", "name": r"\\*\設計", "path": r"\??\D:\設計"}
    assert events[3]["object"]["path"] == r"\??\D:\設計\秘\a.dwg"
    assert events[4]["actor"]["ip"] == "10.0.0.25"


def test_logons_permissions_and_services(tmp_path: Path) -> None:
    target = {
        "TargetUserSid": "S-1-5-21-1-2-3-1104",
        "TargetUserName": "yamada",
        "TargetDomainName": "CORP",
    }
    events = _read(
        tmp_path,
        _event(
            SECURITY,
            4625,
            _data(
                **target,
                Status="0xc000006d",
                SubStatus="0xc000006a",
                LogonType="3",
                IpAddress="10.0.0.9",
            ),
            FAILURE,
        ),
        _event(SECURITY, 4634, _data(**target, LogonType="10")),
        _event(
            SECURITY,
            4670,
            _data(**SUBJECT, ObjectType="File", ObjectName=r"D:\設計", ProcessName="icacls.exe"),
        ),
        _event(
            SECURITY,
            4732,
            _data(
                **SUBJECT,
                MemberName="-",
                MemberSid="S-1-5-21-1-2-3-1104",
                TargetUserName="Administrators",
            ),
        ),
        _event(
            "Service Control Manager",
            7045,
            _data(
                ServiceName="PSEXESVC",
                ImagePath=r"%SystemRoot%\PSEXESVC.exe",
                ServiceType="user mode service",
                StartType="demand start",
                AccountName="LocalSystem",
            ),
            "0x8080000000000000",
            "System",
        ),
        _event(SECURITY, 4907, _data(**SUBJECT, ObjectName=r"C:\x", OldSd="D:", NewSd="S:")),
    )
    assert [e["action"] for e in events] == [
        "logon_failed",
        "logoff",
        "permission_change",
        "permission_change",
        "install",
        "other",
    ]
    assert (
        events[0]["attributes"]["Status"] == "0xc000006d"
        and events[0]["attributes"]["logon_type"] == 3
    )
    assert events[1]["attributes"]["logon_type_name"] == "RemoteInteractive"
    assert events[3]["target"] == {"kind": "account", "name": "S-1-5-21-1-2-3-1104"}
    assert events[3]["attributes"]["group_change"] == "added"
    assert events[4]["object"] == {
        "kind": "service",
        "name": "PSEXESVC",
        "path": r"%SystemRoot%\PSEXESVC.exe",
    }
    assert events[5]["attributes"]["data"]["NewSd"] == "S:"  # unknown ids keep every field


def test_print_job_307(tmp_path: Path) -> None:
    params = "".join(
        f"<Param{i}>{v}</Param{i}>"
        for i, v in enumerate(
            [
                "12",
                "設計図面一覧.xlsx",
                "yamada",
                r"\\PC-設計01",
                "FX-3F",
                "IP_10.0.0.50",
                "1048576",
                "14",
            ],
            1,
        )
    )
    payload = f"<UserData><DocumentPrinted xmlns='http://manifests.microsoft.com/win/2005/08/windows/printing/spooler/core/events'>{params}</DocumentPrinted></UserData>"
    (event,) = _read(
        tmp_path,
        _event(
            "Microsoft-Windows-PrintService",
            307,
            payload,
            "0x4000000000000040",
            "Microsoft-Windows-PrintService/Operational",
        ),
    )
    assert event["action"] == "print"
    assert event["object"] == {"kind": "document", "name": "設計図面一覧.xlsx", "size": 1048576}
    assert (event["attributes"]["printer"], event["attributes"]["pages"]) == ("FX-3F", "14")
    assert event["actor"]["user"] == "yamada" and event["actor"]["host"] == r"\\PC-設計01"


def test_usb_device_events(tmp_path: Path) -> None:
    umdf = "http://www.microsoft.com/DriverFrameworks/UserMode/Event"
    dfum = "Microsoft-Windows-DriverFrameworks-UserMode"
    wpd = (
        r"WPDBUSENUMROOT\UMB\2&amp;37c186b&amp;0&amp;STORAGE#VOLUME#_??_USBSTOR#"
        r"DISK&amp;VEN_SANDISK&amp;PROD_CRUZER_BLADE&amp;REV_1.00#4C530001230101118290&amp;0#"
    )
    request = (
        "<UMDFHostDeviceRequest instance='{}' lifetime='{{AFA1}}' xmlns='{}'>"
        "<Request major='27' minor='{}'/><Status>0</Status></UMDFHostDeviceRequest>"
    )
    events = _read(
        tmp_path,
        _event(
            "Microsoft-Windows-Partition",
            1006,
            _data(
                DiskNumber="2",
                Manufacturer="SanDisk",
                Model="Cruzer Blade",
                SerialNumber="4C530001230101118290",
                ParentId=USB,
                Capacity="16008609792",
                BusType="7",
                PartitionCount="1",
            ),
            "0x8000000000000000",
            "Microsoft-Windows-Partition/Diagnostic",
        ),
        _event(
            "Microsoft-Windows-Partition",
            1006,
            _data(
                DiskNumber="2",
                Manufacturer="SanDisk",
                Model="Cruzer Blade",
                SerialNumber="4C530001230101118290",
                Capacity="0",
                BusType="7",
                PartitionCount="0",
            ),
            "0x8000000000000000",
            "Microsoft-Windows-Partition/Diagnostic",
        ),
        _event(
            dfum,
            2003,
            f"<UserData><UMDFHostDeviceArrivalBegin lifetime='{{AFA1}}' xmlns='{umdf}'>"
            f"<InstanceId>{wpd}</InstanceId></UMDFHostDeviceArrivalBegin></UserData>",
            "0x8000000000000000",
            f"{dfum}/Operational",
        ),
        _event(
            dfum,
            2100,
            "<UserData>" + request.format(wpd, umdf, "0") + "</UserData>",
            "0x8000000000000000",
            f"{dfum}/Operational",
        ),
        _event(
            dfum,
            2102,
            "<UserData>" + request.format(wpd, umdf, "23") + "</UserData>",
            "0x8000000000000000",
            f"{dfum}/Operational",
        ),
        _event(
            "Microsoft-Windows-Kernel-PnP",
            400,
            _data(
                DeviceInstanceId=USB,
                DriverName="disk.inf",
                ClassGuid="{4d36e967-e325-11ce-bfc1-08002be10318}",
            ),
            "0x4000000000000000",
            "Microsoft-Windows-Kernel-PnP/Configuration",
        ),
        _event(
            "Microsoft-Windows-Kernel-PnP",
            410,
            _data(
                DeviceInstanceId=r"USB\VID_0781&amp;PID_5567\4C530001230101118290",
                DriverName="usbstor.inf",
            ),
            "0x4000000000000000",
            "Microsoft-Windows-Kernel-PnP/Configuration",
        ),
    )
    assert [e["action"] for e in events] == [
        "device_connect",
        "device_disconnect",
        "device_connect",
        "device_connect",
        "device_disconnect",
        "device_connect",
        "device_connect",
    ]
    expected = {"drive_type": "removable", "usb_serial": "4C530001230101118290"}
    for event in events[:6]:
        assert {k: event["device"][k] for k in expected} == expected
    assert (
        events[0]["device"]["vendor"] == "SanDisk"
        and events[0]["device"]["product"] == "Cruzer_Blade"
    )
    assert (
        events[2]["device"]["vendor"] == "SANDISK"
        and events[2]["device"]["product"] == "CRUZER_BLADE"
    )
    assert events[4]["attributes"]["pnp_request"] == {"major": "27", "minor": "23"}
    assert events[6]["device"] == {
        "usb_serial": "4C530001230101118290",
        "vendor": "0781",
        "product": "5567",
    }


def test_sysmon_process_create_keeps_command_line_and_hashes(tmp_path: Path) -> None:
    payload = _data(
        Image=r"C:\Windows\System32\robocopy.exe",
        CommandLine=r"robocopy D:\設計 E:\ /E",
        User=r"CORP\yamada",
        ParentImage=r"C:\Windows\explorer.exe",
        Hashes="MD5=0123456789ABCDEF0123456789ABCDEF,SHA256=" + "AB" * 32,
    )
    (event,) = _read(
        tmp_path,
        _event(
            "Microsoft-Windows-Sysmon",
            1,
            payload,
            "0x8000000000000000",
            "Microsoft-Windows-Sysmon/Operational",
        ),
    )
    assert event["action"] == "execute"
    assert event["object"] == {
        "kind": "process",
        "path": r"C:\Windows\System32\robocopy.exe",
        "md5": "0123456789abcdef0123456789abcdef",
        "sha256": "ab" * 32,
    }
    assert event["attributes"]["command_line"] == r"robocopy D:\設計 E:\ /E"
    assert (event["actor"]["domain"], event["actor"]["user"], event["actor"]["process"]) == (
        "CORP",
        "yamada",
        r"C:\Windows\explorer.exe",
    )


def test_rendering_language_does_not_change_the_result(tmp_path: Path) -> None:
    base = _file_access(4663, "0x2")
    ja = base.replace(
        "</Event>",
        "<RenderingInfo Culture='ja-JP'><Message>オブジェクトへのアクセスが試行されました。"
        "</Message></RenderingInfo></Event>",
    )
    en = base.replace(
        "</Event>",
        "<RenderingInfo Culture='en-US'><Message>An attempt was made to access an object."
        "</Message></RenderingInfo></Event>",
    )
    one, two = _read(tmp_path, ja, en)
    for key in ("action", "actor", "object", "kind", "time"):
        assert one[key] == two[key]


def test_device_id_forms() -> None:
    assert parse_device_id(USB.replace("&amp;", "&")) == {
        "bus": "USBSTOR",
        "vendor": "SanDisk",
        "product": "Cruzer_Blade",
        "revision": "1.00",
        "serial": "4C530001230101118290",
    }
    volume = (
        r"STORAGE\Volume\_??_USBSTOR#Disk&Ven_I-O_DATA&Prod_USB_Flash_Disk&Rev_1.00#0123ABC&0#"
        r"{53f56307-b6bf-11d0-94f2-00a0c91efb8b}"
    )
    assert (
        parse_device_id(volume)["serial"] == "0123ABC"
        and parse_device_id(volume)["vendor"] == "I-O_DATA"
    )
    generated = parse_device_id(r"USBSTOR\Disk&Ven_Generic&Prod_Flash_Disk&Rev_8.07\7&2a7b3c4&0")
    assert "serial" not in generated and generated["serial_generated"] == "7&2a7b3c4&0"
    assert parse_device_id(r"USB\VID_03F0&PID_3207\AA951D0000007252") == {
        "bus": "USB",
        "vid": "03F0",
        "pid": "3207",
        "serial": "AA951D0000007252",
    }
    assert parse_device_id(r"SWD\PRINTENUM\{32FB2173-023E-43DF-9F82-0E851CC0D9BF}") == {}


def test_mask_helpers_and_direct_use() -> None:
    assert decode_access_mask("0x10000") == (0x10000, ["DELETE"])
    assert decode_access_mask("%%1537") is None
    assert mask_action(0x40) == "delete" and mask_action(0x80000) == "metadata_change"
    assert content_kind("Microsoft-Windows-Kernel-PnP", 400) == "evtx.kernel-pnp.400"
    assert content_kind("Some Vendor App", 9) == "evtx.some_vendor_app.9"
    rec = WinRecord(
        provider=SECURITY, event_id=4663, data={"AccessMask": "0x2", "Bad key!": 2**60, "n": 1.5}
    )
    content = normalize(rec, SID, {"record": "1"}, None)
    assert content["flags"] == ["time_missing"] and content["action"] == "modify"
    assert (
        content["attributes"]["data"]["Bad_key_"] == str(2**60)
        and content["attributes"]["data"]["n"] == "1.5"
    )
    assert normalize_event(rec, SID, {"record": "1"}, None).action == "modify"


def test_no_field_is_lost_to_a_name_clash(tmp_path: Path) -> None:
    payload = (
        "<EventData><Data Name='Param 1'>a</Data><Data Name='Param_1'>b</Data>"
        "<Data Name='Dup'>c</Data><Data Name='Dup'>d</Data><Data Name='001'>e</Data></EventData>"
    )
    doc = _event("Vendor App", 3, payload, "0x80000000000000", "Application")
    (event,) = _read(tmp_path, doc.replace("<EventRecordID>77<", "<EventRecordID>0077<"))
    expected = {"Param_1": "a", "Param_1_2": "b", "Dup": "c", "Dup_2": "d", "001": "e"}
    assert event["attributes"]["data"] == expected
    assert event["locator"]["record"] == "77"
    assert event["action"] == "other" and event["kind"] == "evtx.vendor_app.3"


@pytest.mark.parametrize(
    ("object_type", "mask", "action", "rights"),
    [
        ("Key", "0x2", "modify", ["SetValue"]),
        ("Key", "0x20019", "read", ["QueryValue", "EnumerateSubKeys", "Notify", "READ_CONTROL"]),
        ("SAM_ALIAS", "0x10004", "delete", ["Specific:0x4", "DELETE"]),
        ("SAM_DOMAIN", "0x205", "access", ["Specific:0x205"]),
        ("File", "0x00010080", "delete", ["ReadAttributes", "DELETE"]),
    ],
)
def test_mask_names_depend_on_the_object_type(
    tmp_path: Path, object_type: str, mask: str, action: str, rights: list[str]
) -> None:
    doc = _file_access(4656, mask).replace(
        "<Data Name='ObjectType'>File<", f"<Data Name='ObjectType'>{object_type}<"
    )
    (event,) = _read(tmp_path, doc)
    assert (event["action"], event["attributes"]["access_rights"]) == (action, rights)
    assert event["attributes"]["access_mask"] == mask  # kept as recorded
    assert event["object"]["kind"] == object_type.lower()

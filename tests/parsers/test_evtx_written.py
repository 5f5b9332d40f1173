""".evtx files written at test time (tests/writers/evtx_writer.py) for the events the corpus
lacks, and a many-chunk log whose record counts are known from what was written.

The bare ``evtx`` package reads every written file back first, so the writer is checked
by an independent parser before ours is.
"""

from __future__ import annotations

import hashlib
from pathlib import Path
from typing import Any

import evtx

from evidencekit.model import Event, ParseIssue
from evidencekit.parsers.base import ParseContext
from evidencekit.parsers.evtx import EvtxParser
from tests.writers import evtx_writer as w

SID = "0123456789abcdef"
SECURITY = "Microsoft-Windows-Security-Auditing"
FAILURE = "0x8010000000000000"
USB = r"USBSTOR\Disk&Ven_SanDisk&Prod_Cruzer_Blade&Rev_1.00\4C530001230101118290&0"
FT = 133_564_000_000_000_000  # a FILETIME in 2024
SUBJECT = {
    "SubjectUserSid": "S-1-5-21-1-2-3-1104",
    "SubjectUserName": "yamada",
    "SubjectDomainName": "CORP",
}


def _t(i: int) -> str:
    return f"2024-04-01T00:{i // 60 % 60:02d}:{i % 60:02d}.1234567Z"


def _parse(
    path: Path, **options: Any
) -> tuple[ParseContext, list[dict[str, Any]], list[ParseIssue]]:
    ctx = ParseContext(source_id=SID, path=path, parser="evtx", version="1", options=options)
    items = list(EvtxParser().parse(ctx))
    return (
        ctx,
        [i for i in items if isinstance(i, dict)],
        [i for i in items if isinstance(i, ParseIssue)],
    )


def _bare_count(path: Path) -> int:
    return sum(1 for _ in evtx.PyEvtxParser(str(path)).records_json())


def _events() -> list[w.Element]:
    file_access = {**SUBJECT, "ObjectType": "File", "ObjectName": r"D:\設計\図面A.dwg"}
    share = {**SUBJECT, "ShareName": r"\\*\設計", "ShareLocalPath": r"\??\D:\設計"}
    values = ["12", "一覧.xlsx", "yamada", r"\\PC-01", "FX-3F", "IP_1", "2048", "3"]
    printed = {f"Param{i}": v for i, v in enumerate(values, 1)}
    disk = {
        "Manufacturer": "SanDisk",
        "Model": "Cruzer Blade",
        "BusType": "7",
        "SerialNumber": "4C530001230101118290",
        "Capacity": "16008609792",
        "PartitionCount": "1",
    }
    dfum = "Microsoft-Windows-DriverFrameworks-UserMode"
    pnp = "Microsoft-Windows-Kernel-PnP"
    return [
        w.event(SECURITY, 4656, 101, _t(1), {**file_access, "AccessMask": "0x10080"}),
        w.event(SECURITY, 4660, 102, _t(2), {**SUBJECT, "HandleId": "0x1a4"}),
        w.event(SECURITY, 5145, 103, _t(3), {**share, "RelativeTargetName": "b.dwg",
                "AccessMask": "0x1"}, keywords=FAILURE),
        w.event("Microsoft-Windows-PrintService", 307, 104, _t(4), printed,
                channel="Microsoft-Windows-PrintService/Operational", user_data="DocumentPrinted"),
        w.event("Microsoft-Windows-Partition", 1006, 105, _t(5), disk,
                channel="Microsoft-Windows-Partition/Diagnostic"),
        w.event(dfum, 2003, 106, _t(6), {"InstanceId": USB}, channel=f"{dfum}/Operational",
                user_data="UMDFHostDeviceArrivalBegin"),
        w.event(pnp, 400, 107, _t(7), {"DeviceInstanceId": USB}, channel=f"{pnp}/Configuration"),
        w.event("Microsoft-Windows-Eventlog", 1102, 108, _t(8), SUBJECT,
                user_data="LogFileCleared"),
    ]  # fmt: skip


def test_written_events_are_normalized(tmp_path: Path) -> None:
    path = tmp_path / "written.evtx"
    chunk = w.chunk(1, [(FT + i, e) for i, e in enumerate(_events())])
    path.write_bytes(w.evtx_file([chunk], 9))
    assert _bare_count(path) == 8
    ctx, events, issues = _parse(path)
    assert issues == [] and ctx.records_read == 8
    actions = [e["action"] for e in events]
    assert actions == ["delete", "delete", "access_denied", "print", "device_connect",
                       "device_connect", "device_connect", "log_cleared"]  # fmt: skip
    assert [e["locator"]["record"] for e in events] == [str(n) for n in range(101, 109)]
    blob = path.read_bytes()
    for content in events:
        offset, length = int(content["locator"]["offset"]), content["locator"]["length"]
        assert hashlib.sha256(blob[offset : offset + length]).hexdigest() == content["raw_sha256"]
        assert Event.model_validate(content).content() == content
    assert events[0]["attributes"]["access_rights"] == ["ReadAttributes", "DELETE"]
    assert events[0]["time"] == "2024-04-01T00:00:01.123456700Z"
    assert events[3]["object"] == {"kind": "document", "name": "一覧.xlsx", "size": 2048}
    for device in events[4:7]:
        assert device["device"]["usb_serial"] == "4C530001230101118290"
        assert device["device"]["drive_type"] == "removable"
    assert events[7]["actor"]["user"] == "yamada"


def _big(tmp_path: Path, chunks: int, per_chunk: int) -> Path:
    parts = []
    for c in range(chunks):
        first = 1 + c * per_chunk
        batch = [
            (FT + n, w.event(SECURITY, 4663, n, _t(n), {**SUBJECT, "ObjectType": "File",
             "ObjectName": rf"D:\設計\{n:05d}.dwg", "AccessMask": "0x1"}))
            for n in range(first, first + per_chunk)
        ]  # fmt: skip
        parts.append(w.chunk(first, batch))
    path = tmp_path / "big.evtx"
    path.write_bytes(w.evtx_file(parts, chunks * per_chunk + 1))
    return path


def test_many_chunks_gap_and_workers(tmp_path: Path) -> None:
    path = _big(tmp_path, chunks=12, per_chunk=40)
    assert _bare_count(path) == 480
    ctx, events, issues = _parse(path)
    assert (len(events), issues) == (480, [])
    assert {e["action"] for e in events} == {"read"}
    _, two, issues_two = _parse(path, workers=2, chunks_per_task=3)
    assert two == events and issues_two == []
    blob = bytearray(path.read_bytes())
    start = w.HEADER_SIZE + 5 * w.CHUNK_SIZE
    blob[start : start + w.CHUNK_SIZE] = bytes(w.CHUNK_SIZE)  # wipe chunk 5 (records 201..240)
    path.write_bytes(bytes(blob))
    ctx, events, issues = _parse(path)
    assert len(events) == 440 and ctx.records_failed == 40
    gap = next(i for i in issues if i.code == "record_id_gap")
    assert (gap.locator.offset, gap.records_lost) == (str(start), 40)
    assert "201..240" in gap.message

"""LNK, Recycle Bin and $UsnJrnl parsers on the real corpus (checked against FACTS.json),
on links written by the spec-following writer (read back by liblnk) and on damaged input."""

from __future__ import annotations

import io
import struct
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pylnk
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from evidencekit.model import Action
from evidencekit.parsers.usnjrnl import fast_time
from evidencekit.parsers.winutil import time_content
from tests.writers.artifacts import corpus_file, facts_for, run_parser, to7
from tests.writers.lnk_writer import write_lnk

pytestmark = pytest.mark.corpus


def _by_role(events: list[Any]) -> dict[str, Any]:
    return {e.time_role: e for e in events}


@pytest.mark.parametrize("rel", ["lnk/fixed_disk_NeroInfoTool.lnk", "lnk/unc_share_1.yaml.lnk"])
def test_lnk_corpus_matches_facts(corpus: Path, corpus_facts: dict[str, Any], rel: str) -> None:
    facts = facts_for(corpus_facts, rel)
    events, issues, ctx = run_parser("lnk", corpus_file(corpus, rel))
    assert issues == [] and ctx.records_read == 1 and len(events) == 3
    roles = _by_role(events)
    assert to7(roles["target_created"].time) == facts["creation_time"]
    assert to7(roles["target_modified"].time) == facts["modification_time"]
    assert to7(roles["target_accessed"].time) == facts["access_time"]
    assert roles["target_accessed"].action is Action.OPEN
    event = events[0]
    assert event.object is not None and event.device is not None
    assert event.object.path == (facts["local_path"] or facts["network_path"])
    assert event.object.size == facts["file_size"]
    serial = facts["drive_serial_number"]
    assert event.device.volume_serial == (serial[2:].upper() if serial else None)
    assert event.device.label == (facts["volume_label"] or None)
    expected_type = {3: "fixed", 0: "network"}[facts["drive_type"]]
    assert event.device.drive_type == expected_type
    assert event.attributes.get("machine_identifier") == facts["machine_identifier"]
    assert event.attributes.get("working_directory") == facts["working_directory"]
    assert event.raw_sha256 == facts["sha256"]


def test_lnk_writer_removable_read_back_by_liblnk_and_parser(tmp_path: Path) -> None:
    data = write_lnk(
        "E:\\secret\\plan.docx",
        size=12345,
        ctime=133000000000000000,
        atime=133000000100000000,
        mtime=133000000050000000,
        serial=0xA1B2C3D4,
        label="KINGSTON",
        working_dir="E:\\secret",
    )
    independent = pylnk.file()
    independent.open_file_object(io.BytesIO(data))
    assert independent.local_path == "E:\\secret\\plan.docx"
    assert independent.drive_type == 2 and independent.drive_serial_number == 0xA1B2C3D4
    assert independent.volume_label == "KINGSTON" and independent.file_size == 12345
    path = tmp_path / "plan.docx.lnk"
    path.write_bytes(data)
    events, issues, _ = run_parser("lnk", path)
    assert issues == []
    opened = _by_role(events)["target_accessed"]
    assert opened.device is not None and opened.device.drive_type == "removable"
    assert opened.device.volume_serial == "A1B2C3D4" and opened.device.label == "KINGSTON"
    expected = datetime(1601, 1, 1, tzinfo=UTC) + timedelta(microseconds=133000000100000000 // 10)
    assert opened.time == expected.strftime("%Y-%m-%dT%H:%M:%S.%f000Z")
    assert opened.attributes["working_directory"] == "E:\\secret"


def test_lnk_out_of_range_offset_is_an_issue_and_header_kept(tmp_path: Path) -> None:
    data = write_lnk(
        "E:\\leak.xlsx",
        size=77,
        ctime=133000000000000000,
        atime=133000000000000000,
        mtime=133000000000000000,
        bad_volume_offset=True,
    )
    path = tmp_path / "bad.lnk"
    path.write_bytes(data)
    events, issues, ctx = run_parser("lnk", path)
    codes = sorted(i.code for i in issues)
    assert codes == ["liblnk_refused", "offset_out_of_range"]
    bad = next(i for i in issues if i.code == "offset_out_of_range")
    assert bad.locator.offset == "76" and "volume_id" in bad.message
    assert ctx.records_read == 1 and len(events) == 3
    assert events[0].object is not None and events[0].object.path == "E:\\leak.xlsx"
    assert events[0].object.size == 77


def test_lnk_truncated_header(tmp_path: Path) -> None:
    path = tmp_path / "short.lnk"
    data = write_lnk("C:\\a.txt", size=1, ctime=1, atime=1, mtime=1)
    path.write_bytes(data[:100])
    events, issues, _ = run_parser("lnk", path)
    assert [i.code for i in issues][:1] == ["linkinfo_out_of_range"]
    assert issues[0].locator.offset == "76"
    assert len(events) == 3  # header times survive


@pytest.mark.parametrize("rel", ["recycle_bin/$I103S5F.jpg", "recycle_bin/$IWHBX3J"])
def test_recycle_i_files(corpus: Path, corpus_facts: dict[str, Any], rel: str) -> None:
    facts = facts_for(corpus_facts, rel)
    events, issues, ctx = run_parser("recyclebin", corpus_file(corpus, rel))
    assert issues == [] and ctx.records_read == 1 and len(events) == 1
    (event,) = events
    assert event.action is Action.DELETE and to7(event.time) == facts["deletion_time"]
    assert event.object is not None
    assert event.object.path == facts["original_path"]
    assert event.object.size == facts["original_size"]
    assert event.attributes["format_version"] == facts["format_version"]


def test_recycle_info2(corpus: Path, corpus_facts: dict[str, Any]) -> None:
    facts = facts_for(corpus_facts, "recycle_bin/INFO2")
    events, issues, ctx = run_parser("recyclebin", corpus_file(corpus, "recycle_bin/INFO2"))
    assert issues == [] and ctx.records_read == len(facts["records"]) == len(events)
    for event, record in zip(events, facts["records"], strict=True):
        assert to7(event.time) == record["deletion_time"]
        assert event.object is not None and event.object.size == record["file_size"]
        assert event.object.path == record["original_path_unicode"]
        assert event.attributes["record_index"] == record["record_index"]


def test_recycle_owner_sid_from_image_path(corpus: Path) -> None:
    sid = "S-1-5-21-3623811015-3361044348-30300820-1013"
    events, _, _ = run_parser(
        "recyclebin",
        corpus_file(corpus, "recycle_bin/$I103S5F.jpg"),
        image_path=f"$Recycle.Bin/{sid}/$I103S5F.jpg",
    )
    assert events[0].actor is not None and events[0].actor.sid == sid


def test_recycle_truncated_i_file(corpus: Path, tmp_path: Path) -> None:
    data = corpus_file(corpus, "recycle_bin/$I103S5F.jpg").read_bytes()
    short = tmp_path / "$ISHORT.jpg"
    short.write_bytes(data[:60])
    events, issues, ctx = run_parser("recyclebin", short)
    assert [i.code for i in issues] == ["truncated_record"] and issues[0].locator.offset == "24"
    assert len(events) == 1 and events[0].object is not None
    assert events[0].object.size == 222255  # the header survives
    header_only = tmp_path / "$IHDR.jpg"
    header_only.write_bytes(data[:12])
    events, issues, ctx = run_parser("recyclebin", header_only)
    assert events == [] and issues[0].severity == "error" and ctx.records_failed == 1


def test_usnjrnl_corpus(corpus: Path, corpus_facts: dict[str, Any]) -> None:
    facts = facts_for(corpus_facts, "usnjrnl/plaso_UsnJrnl.raw")
    events, issues, ctx = run_parser("usnjrnl", corpus_file(corpus, "usnjrnl/plaso_UsnJrnl.raw"))
    assert issues == [] and ctx.records_read == facts["record_count"] == len(events)
    for event, record in zip(events, facts["records"], strict=True):
        assert event.attributes["usn"] == str(record["usn"])
        assert to7(event.time) == record["timestamp"]
        assert event.attributes["file_reference"] == record["file_reference"]
        assert event.attributes["parent_reference"] == record["parent_reference"]
        assert event.attributes["reason"] == record["reason"]
        assert event.attributes["reasons"] == record["reason_flags"]
        assert event.object is not None and event.object.name == record["name"]
    assert [e.action for e in events[:4]] == [
        Action.CREATE,
        Action.CREATE,
        Action.RENAME,
        Action.RENAME,
    ]


def test_usnjrnl_sparse_prefix_and_damaged_region(corpus: Path, tmp_path: Path) -> None:
    data = corpus_file(corpus, "usnjrnl/plaso_UsnJrnl.raw").read_bytes()
    garbage = struct.pack("<IHH", 0xFFFF, 9, 9) + b"\xee" * 16
    path = tmp_path / "$J"
    path.write_bytes(b"\x00" * 65536 + data[:224] + garbage + data[224:])
    events, issues, ctx = run_parser("usnjrnl", path)
    assert len(events) == 19 and ctx.records_read == 19
    assert [(i.code, i.locator.offset, i.locator.length) for i in issues] == [
        ("damaged_region", str(65536 + 224), 24)
    ]
    assert events[0].locator.offset == "65536"


@settings(max_examples=300, deadline=None)
@given(st.integers(min_value=-(2**10), max_value=2**64 - 1))
def test_usn_fast_time_equals_reference(filetime: int) -> None:
    assert fast_time(filetime) == time_content(filetime)


def test_usn_record_v3(tmp_path: Path) -> None:
    name = "plan.docx".encode("utf-16-le")
    length = (76 + len(name) + 7) & ~7
    fref = (7 << 48 | 1234).to_bytes(8, "little") + bytes(8)
    pref = (5 << 48 | 5).to_bytes(8, "little") + bytes(8)
    record = (
        struct.pack(
            "<IHH16s16sqQIIIIHH",
            length,
            3,
            0,
            fref,
            pref,
            4096,
            133560000000000000,
            0x200,
            0,
            0,
            0x20,
            len(name),
            76,
        )
        + name
    )
    path = tmp_path / "$J"
    path.write_bytes(record.ljust(length, b"\x00"))
    events, issues, _ = run_parser("usnjrnl", path)
    assert issues == [] and len(events) == 1
    (event,) = events
    assert event.action is Action.DELETE and event.attributes["record_version"] == "3.0"
    assert event.attributes["file_reference"] == "1234-7" and event.locator.inode == "1234"
    assert event.object is not None and event.object.name == "plan.docx"


def test_oversized_link_is_reported_not_dropped(tmp_path: Path) -> None:
    from evidencekit.parsers.lnk import MAX_LNK

    data = write_lnk("C:\\a.txt", size=1, ctime=1, atime=1, mtime=1)
    path = tmp_path / "huge.lnk"
    path.write_bytes(data + b"\x00" * MAX_LNK)
    events, issues, _ = run_parser("lnk", path)
    assert len(events) == 3
    (oversized,) = [i for i in issues if i.code == "oversized"]
    assert oversized.locator.offset == str(MAX_LNK)
    assert oversized.locator.length == len(data)

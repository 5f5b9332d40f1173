"""Jump lists from the real corpus against FACTS.json, and damaged copies."""

from __future__ import annotations

import io
import struct
from pathlib import Path
from typing import Any

import pyolecf
import pytest

from evidencekit.model import Action
from evidencekit.parsers.jumplist import parse_destlist
from tests.writers.artifacts import corpus_file, facts_for, run_parser, to7

pytestmark = pytest.mark.corpus
AUTO = "lnk/jumplists/win7_1b4dd67f29cb1962.automaticDestinations-ms"
CUSTOM = "lnk/jumplists/5afe4de1b92fc382.customDestinations-ms"


def test_automatic_destinations(corpus: Path, corpus_facts: dict[str, Any]) -> None:
    facts = facts_for(corpus_facts, AUTO)
    events, issues, _ = run_parser("jumplist", corpus_file(corpus, AUTO))
    assert issues == []
    dest = [e for e in events if e.kind == "jumplist.destlist"]
    assert len(dest) == facts["destlist_entries"]
    for event, entry in zip(dest, facts["entries"], strict=True):
        assert event.action is Action.OPEN
        assert event.attributes["entry_number"] == entry["entry_number"]
        assert event.attributes["hostname"] == entry["hostname"]
        assert event.attributes["pinned"] == entry["pinned"]
        assert to7(event.time) == entry["last_access"]
        assert event.object is not None and event.object.path == entry["lnk_target"]
        assert event.device is not None
        assert event.device.volume_serial == entry["lnk_volume_serial"][2:].upper()
        modified = next(
            e
            for e in events
            if e.kind == "jumplist.automatic"
            and e.locator.attribute == f"{entry['entry_number']:x}"
            and e.time_role == "target_modified"
        )
        assert to7(modified.time) == entry["lnk_target_mtime"]
        assert modified.attributes["machine_identifier"] == entry["lnk_machine_identifier"]


def test_custom_destinations(corpus: Path, corpus_facts: dict[str, Any]) -> None:
    facts = facts_for(corpus_facts, CUSTOM)
    events, issues, ctx = run_parser("jumplist", corpus_file(corpus, CUSTOM))
    assert issues == [] and ctx.records_read == facts["embedded_lnk_count"]
    modified = [e for e in events if e.time_role == "target_modified"]
    assert [int(e.locator.offset or -1) for e in modified] == [
        x["offset"] for x in facts["entries"]
    ]
    for event, entry in zip(modified, facts["entries"], strict=True):
        assert event.object is not None and event.object.path == entry["target"]
        assert event.attributes["command_line_arguments"] == entry["arguments"]
        assert to7(event.time) == entry["modification_time"]


def test_truncated_custom_destinations(
    corpus: Path, corpus_facts: dict[str, Any], tmp_path: Path
) -> None:
    facts = facts_for(corpus_facts, CUSTOM)
    cut = facts["entries"][3]["offset"] + 100
    path = tmp_path / "x.customDestinations-ms"
    path.write_bytes(corpus_file(corpus, CUSTOM).read_bytes()[:cut])
    events, issues, ctx = run_parser("jumplist", path)
    assert ctx.records_read == 4
    assert len([e for e in events if e.time_role == "target_modified"]) == 4
    codes = [i.code for i in issues]
    assert "no_footer" in codes and len(codes) >= 2
    located = [i for i in issues if i.code != "no_footer"]
    assert all(int(i.locator.offset or 0) >= facts["entries"][3]["offset"] for i in located)


def test_truncated_destlist(corpus: Path, corpus_facts: dict[str, Any]) -> None:
    facts = facts_for(corpus_facts, AUTO)
    olecf = pyolecf.file()
    olecf.open_file_object(io.BytesIO(corpus_file(corpus, AUTO).read_bytes()))
    stream = olecf.root_item.get_sub_item_by_name("DestList")
    data = stream.read_buffer(stream.size)
    version, entries, stopped = parse_destlist(data)
    assert (version, len(entries), stopped) == (facts["destlist_version"], 7, None)
    version, entries, stopped = parse_destlist(data[: entries[3]["offset"] + 50])
    assert len(entries) == 3 and stopped == 32 + sum(e["length"] for e in entries)


def test_not_a_compound_file(tmp_path: Path) -> None:
    path = tmp_path / "abc.automaticDestinations-ms"
    path.write_bytes(bytes.fromhex("d0cf11e0a1b11ae1") + b"\x00" * 200)
    events, issues, ctx = run_parser("jumplist", path)
    assert events == [] and [i.code for i in issues] == ["unreadable_olecf"]
    assert ctx.records_failed == 1


def _destlist_v4(entries: list[tuple[int, str, int, int, int, str]]) -> bytes:
    """DestList stream, version 4 (Windows 10), per libyal/dtformats "Jump lists format":
    32-byte header; entries with host name at 72, entry number at 88, last access at 100,
    pin status at 108, access count at 116, path size at 128, path at 130, 4 trailing bytes."""
    out = struct.pack("<IIIfIIII", 4, len(entries), 0, 0.0, 0, 0, 0, 0)
    for number, host, access, pin, count, path in entries:
        entry = bytearray(130)
        entry[72 : 72 + len(host)] = host.encode("ascii")
        struct.pack_into("<IQQiIIQH", entry, 88, number, 0, access, pin, 0, count, 0, len(path))
        out += bytes(entry) + path.encode("utf-16-le") + b"\x00" * 4
    return out


def test_destlist_v4() -> None:
    data = _destlist_v4(
        [
            (3, "desktop-7", 133500000000000000, -1, 5, "E:\\leak.xlsx"),
            (9, "desktop-7", 133400000000000000, 0, 1, "C:\\x.txt"),
        ]
    )
    version, entries, stopped = parse_destlist(data)
    assert version == 4 and stopped is None
    assert [
        (
            e["entry_number"],
            e["hostname"],
            e["last_access"],
            e["pinned"],
            e["access_count"],
            e["path"],
        )
        for e in entries
    ] == [
        (3, "desktop-7", 133500000000000000, False, 5, "E:\\leak.xlsx"),
        (9, "desktop-7", 133400000000000000, True, 1, "C:\\x.txt"),
    ]

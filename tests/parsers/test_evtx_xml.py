"""Event Viewer XML exports, rendered here from the real corpus logs, and hostile XML.

The exports are built from the ``evtx`` package's own XML rendering of every record (an
independent rendering path from the JSON one the .evtx reader uses), so the two readers
must agree on every normalized field.
"""

from __future__ import annotations

import hashlib
import re
from pathlib import Path
from typing import Any

import evtx
import pytest

from evidencekit.model import Event, ParseIssue
from evidencekit.parsers.base import ParseContext, parsers
from evidencekit.parsers.evtx import EvtxParser
from evidencekit.parsers.evtx_xml import EvtxXmlParser

SID = "0123456789abcdef"
DECL = re.compile(r"^<\?xml[^>]*\?>\s*")
JA_INFO = (
    "<RenderingInfo Culture='ja-JP'><Message>オブジェクトへのアクセスが試行されました。"
    "</Message><Level>情報</Level></RenderingInfo>"
)
CLEAN = [
    "evtx/eventlog_104_1102_log_cleared.evtx",
    "evtx/security_4663_file_read_browser_creds.evtx",
    "evtx/security_6416_external_device_printqueue.evtx",
    "evtx/sysmon_23_filedelete.evtx",
    "evtx/system_usbstor_driverframeworks.evtx",
]


def _records(path: Path) -> list[str]:
    return [DECL.sub("", r["data"]) for r in evtx.PyEvtxParser(str(path)).records()]


def _export(records: list[str], root: bool = True, info: str = "") -> str:
    body = "\n".join(r.replace("</Event>", info + "</Event>") for r in records)
    if not root:
        return body + "\n"
    return (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<Events>\n'
        + body
        + "\n</Events>\n"
    )


def _parse(path: Path) -> tuple[ParseContext, list[dict[str, Any]], list[ParseIssue]]:
    ctx = ParseContext(source_id=SID, path=path, parser="evtx_xml", version="1")
    items = list(EvtxXmlParser().parse(ctx))
    return (
        ctx,
        [i for i in items if isinstance(i, dict)],
        [i for i in items if isinstance(i, ParseIssue)],
    )


def _binary(path: Path) -> list[dict[str, Any]]:
    ctx = ParseContext(source_id=SID, path=path, parser="evtx", version="1")
    return [i for i in EvtxParser().parse(ctx) if isinstance(i, dict)]


def _norm(value: Any) -> Any:
    if isinstance(value, str):
        value = value.replace("\r\n", "\n")
        return "" if not value.strip() else value
    if isinstance(value, list):
        return [_norm(v) for v in value]
    if isinstance(value, dict):
        return {k: _norm(v) for k, v in value.items()}
    return value


def _check_bytes(blob: bytes, event: dict[str, Any], start: bytes, end: bytes) -> None:
    offset, length = int(event["locator"]["offset"]), event["locator"]["length"]
    raw = blob[offset : offset + length]
    assert raw.startswith(start) and raw.endswith(end)
    assert hashlib.sha256(raw).hexdigest() == event["raw_sha256"]


def test_registered_and_detected(tmp_path: Path) -> None:
    assert parsers.get("evtx_xml") is EvtxXmlParser
    root = b'<?xml version="1.0" encoding="utf-8"?>\r\n<Events><Event xmlns="x">'
    bare = b"<Event xmlns='http://schemas.microsoft.com/win/2004/08/events/event'><System>"
    assert EvtxXmlParser.check(root, tmp_path / "a.xml")
    assert EvtxXmlParser.check(bare, tmp_path / "a.xml")
    assert EvtxXmlParser.check("\ufeff<Events>".encode("utf-16-le"), tmp_path / "a.xml")
    assert not EvtxXmlParser.check(b"<Event><System/></Event>", tmp_path / "a.xml")
    assert not EvtxXmlParser.check(b'<?xml version="1.0"?><rss>', tmp_path / "a.xml")
    assert not EvtxXmlParser.check(b"ElfFile\x00", tmp_path / "a.evtx")


@pytest.mark.parametrize("name", CLEAN)
def test_xml_export_agrees_with_the_evtx_reader(corpus: Path, tmp_path: Path, name: str) -> None:
    path = tmp_path / "export.xml"
    path.write_text(_export(_records(corpus / name), info=JA_INFO), encoding="utf-8")
    ctx, events, issues = _parse(path)
    binary = _binary(corpus / name)
    assert issues == []
    assert ctx.records_read == len(events) == len(binary)
    blob = path.read_bytes()
    for ours, theirs in zip(events, binary, strict=True):
        for key in ("action", "kind", "actor", "object", "target", "device", "time"):
            assert ours.get(key) == theirs.get(key), (name, key)
        assert ours["locator"]["record"] == theirs["locator"]["record"]
        assert _norm(ours["attributes"].get("data")) == _norm(theirs["attributes"].get("data"))
        assert ours["attributes"]["message"].startswith("オブジェクト")
        _check_bytes(blob, ours, b"<Event", b"</Event>")
    for content in events[::11]:
        assert Event.model_validate(content).content() == content


def test_invalid_character_costs_one_event_and_reading_resumes(
    corpus: Path, tmp_path: Path
) -> None:
    # evtx renders a raw U+0003 inside one 4739 record of this log: not well-formed XML
    name = "evtx/security_logons_python-evtx.evtx"
    path = tmp_path / "export.xml"
    path.write_text(_export(_records(corpus / name)), encoding="utf-8")
    ctx, events, issues = _parse(path)
    binary = {e["locator"]["record"] for e in _binary(corpus / name)}
    (bad,) = issues
    assert bad.code == "malformed_xml" and bad.severity == "error"
    blob = path.read_bytes()
    assert b"\x03" in blob[int(bad.locator.offset) - 200 : int(bad.locator.offset) + 1]
    assert bad.locator.line == blob[: int(bad.locator.offset)].count(b"\n") + 1
    start = int(bad.locator.offset)  # the spot is located and hashed like a record
    spot = blob[start : start + bad.locator.length]  # type: ignore[operator]
    assert 0 < len(spot) <= 512 and bad.raw_sha256 == hashlib.sha256(spot).hexdigest()
    lost = binary - {e["locator"]["record"] for e in events}
    assert len(lost) == 1 and len(events) == len(binary) - 1
    assert ctx.records_failed == 1
    for event in events[::20] + events[-3:]:  # lines stay file lines after the restart
        offset = int(event["locator"]["offset"])
        assert event["locator"]["line"] == blob[:offset].count(b"\n") + 1
        _check_bytes(blob, event, b"<Event", b"</Event>")


def test_utf16_export_offsets_are_file_bytes(corpus: Path, tmp_path: Path) -> None:
    records = _records(corpus / "evtx/security_4663_file_read_browser_creds.evtx")
    text = _export(records).replace('encoding="UTF-8"', 'encoding="UTF-16"')
    path = tmp_path / "export16.xml"
    path.write_bytes(b"\xff\xfe" + text.encode("utf-16-le"))
    _, events, issues = _parse(path)
    assert issues == [] and len(events) == 5
    blob = path.read_bytes()
    for event in events:
        _check_bytes(blob, event, "<Event".encode("utf-16-le"), "</Event>".encode("utf-16-le"))


@pytest.mark.parametrize("codec", ["utf-16-le", "utf-16-be"])
def test_utf16_export_resumes_after_malformed_xml(corpus: Path, tmp_path: Path, codec: str) -> None:
    """An export saved as Unicode: after the event that is not well-formed XML (a raw
    U+0003), reading resumes at the next <Event in UTF-16 as it does in UTF-8."""
    name = "evtx/security_logons_python-evtx.evtx"
    text = _export(_records(corpus / name)).replace('encoding="UTF-8"', 'encoding="UTF-16"')
    path = tmp_path / "export16.xml"
    path.write_bytes("\ufeff".encode(codec) + text.encode(codec))
    ctx, events, issues = _parse(path)
    binary = {e["locator"]["record"] for e in _binary(corpus / name)}
    (bad,) = issues
    assert bad.code == "malformed_xml" and "resumes" in bad.message
    spot = path.read_bytes()[int(bad.locator.offset) :][: bad.locator.length]
    assert spot and bad.raw_sha256 == hashlib.sha256(spot).hexdigest()
    lost = binary - {e["locator"]["record"] for e in events}
    assert len(lost) == 1 and len(events) == len(binary) - 1
    assert ctx.records_read == len(events) and ctx.records_failed == 1
    blob = path.read_bytes()
    for event in events[::20] + events[-3:]:
        offset = int(event["locator"]["offset"])
        assert event["locator"]["line"] == blob[2:offset].decode(codec).count("\n") + 1
        _check_bytes(blob, event, "<Event".encode(codec), "</Event>".encode(codec))


def test_wevtutil_output_without_root(corpus: Path, tmp_path: Path) -> None:
    records = _records(corpus / "evtx/eventlog_104_1102_log_cleared.evtx")
    path = tmp_path / "wevtutil.xml"
    path.write_text(_export(records, root=False), encoding="utf-8")
    _, events, issues = _parse(path)
    assert issues == [] and len(events) == 91
    _check_bytes(path.read_bytes(), events[-1], b"<Event", b"</Event>")


@pytest.mark.parametrize("where", ["between_tags", "inside_a_tag"])
def test_cut_event_is_reported_and_the_next_ones_are_read(
    corpus: Path, tmp_path: Path, where: str
) -> None:
    records = _records(corpus / "evtx/eventlog_104_1102_log_cleared.evtx")
    record = records[10]
    cut = record.index("</System>") + 9 if where == "between_tags" else record.index("<Channel") + 4
    records[10] = record[:cut]  # an export cut off in the middle of one event
    path = tmp_path / "cut.xml"
    path.write_text(_export(records), encoding="utf-8")
    ctx, events, issues = _parse(path)
    start = path.read_text(encoding="utf-8").index(records[10])
    lost = issues[0]
    if where == "between_tags":  # the next <Event> opens inside the unfinished one
        assert [i.code for i in issues] == ["event_incomplete", "malformed_xml"]
        assert lost.locator.offset == str(start)
    else:
        assert [i.code for i in issues] == ["malformed_xml"]
        assert start < int(lost.locator.offset) < start + len(records[10]) + 2
    assert len(events) == 90 and ctx.records_read == 90
    assert {e["locator"]["record"] for e in events} == {
        re.search(r"<EventRecordID>(\d+)<", r).group(1)
        for i, r in enumerate(records)
        if i != 10  # type: ignore[union-attr]
    }


def test_resync_across_read_blocks(corpus: Path, tmp_path: Path) -> None:
    records = _records(corpus / "evtx/eventlog_104_1102_log_cleared.evtx")
    junk = "<Bad attr=>" + "x" * (3 << 20)  # 3 MiB of garbage before the next event
    path = tmp_path / "junk.xml"
    path.write_text(_export([*records[:5], junk, *records[5:]]), encoding="utf-8")
    _, events, issues = _parse(path)
    assert [i.code for i in issues] == ["malformed_xml"]
    assert len(events) == 91


@pytest.mark.parametrize(
    "doc",
    [
        '<?xml version="1.0"?><!DOCTYPE Events [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;'
        '&a;&a;&a;&a;&a;&a;"><!ENTITY c "&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;">]><Events><Event>'
        "<System><EventID>1</EventID></System><EventData><Data Name='x'>&c;</Data></EventData>"
        "</Event></Events>",
        '<?xml version="1.0"?><!DOCTYPE Events [<!ENTITY x SYSTEM "file:///etc/passwd">]>'
        "<Events><Event><System><EventID>1</EventID></System><EventData><Data Name='x'>&x;"
        "</Data></EventData></Event></Events>",
    ],
    ids=["billion_laughs", "external_entity"],
)
def test_dtd_and_entities_are_refused(tmp_path: Path, doc: str) -> None:
    path = tmp_path / "bomb.xml"
    path.write_text(doc, encoding="utf-8")
    _, events, issues = _parse(path)
    assert events == []
    (refused,) = issues
    assert refused.code == "malformed_xml" and "refused" in refused.message

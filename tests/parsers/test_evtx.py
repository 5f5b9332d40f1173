"""The .evtx reader against the real corpus (FACTS.json) and damaged copies of it.

Facts come from FACTS.json (three independent readers agree on them); damaged files are
copies of a corpus log with one chunk zeroed, overwritten, cut or one record broken, and
the undamaged parse tells which records must still be there.
"""

from __future__ import annotations

import hashlib
import json
import random
import shutil
import struct
import subprocess
from collections import Counter
from pathlib import Path
from typing import Any

import pytest

from evidencekit.case.ingest import ingest_file
from evidencekit.case.ingest_image import ingest_image
from evidencekit.case.workspace import Case
from evidencekit.errors import ModelError
from evidencekit.model import Event, ParseIssue
from evidencekit.parsers.base import ParseContext, parsers
from evidencekit.parsers.evtx import EvtxParser

SID = "0123456789abcdef"
CHUNK = 65536
LOGONS = "evtx/security_logons_python-evtx.evtx"


def _parse(
    path: Path, **options: Any
) -> tuple[ParseContext, list[dict[str, Any]], list[ParseIssue]]:
    ctx = ParseContext(source_id=SID, path=path, parser="evtx", version="1", options=options)
    items = list(EvtxParser().parse(ctx))
    events = [i for i in items if isinstance(i, dict)]
    issues = [i for i in items if isinstance(i, ParseIssue)]
    return ctx, events, issues


def _evtx_files(facts: dict[str, Any]) -> list[str]:
    return sorted(f["file"] for f in facts["files"] if f["kind"] == "evtx")


def _facts(facts: dict[str, Any], name: str) -> dict[str, Any]:
    (entry,) = [f for f in facts["files"] if f["file"] == name]
    found: dict[str, Any] = entry["facts"]
    return found


def _ms(text: str) -> str:
    return text[:23] + "Z"


def test_registered_and_checked_by_magic(corpus: Path) -> None:
    assert parsers.get("evtx") is EvtxParser
    head = (corpus / LOGONS).read_bytes()[:4096]
    assert EvtxParser.check(head, corpus / LOGONS)
    assert not EvtxParser.check(b"<Events>" + head[8:], corpus / LOGONS)


def test_every_corpus_log_matches_its_facts(corpus: Path, corpus_facts: dict[str, Any]) -> None:
    names = _evtx_files(corpus_facts)
    assert len(names) == 6
    for name in names:
        facts = _facts(corpus_facts, name)
        ctx, events, issues = _parse(corpus / name)
        assert len(events) == facts["record_count"] == ctx.records_read, name
        assert ctx.records_failed == 0
        assert [i.code for i in issues if i.severity != "info"] == [], name
        ids = Counter(str(e["attributes"]["event_id"]) for e in events)
        assert ids == Counter(facts["event_id_counts"]), name
        times = sorted(e["time"] for e in events)
        assert (_ms(times[0]), _ms(times[-1])) == (
            facts["time_created_min"],
            facts["time_created_max"],
        )
        records = sorted(int(e["locator"]["record"]) for e in events)
        assert (records[0], records[-1]) == (facts["record_id_min"], facts["record_id_max"])
        assert Counter(e["attributes"]["provider"] for e in events) == Counter(facts["providers"])
        assert Counter(e["attributes"]["channel"] for e in events) == Counter(facts["channels"])
        assert Counter(e["attributes"]["computer"] for e in events) == Counter(facts["computers"])
        _check_specific(events, facts["specific_record"])


def _check_specific(events: list[dict[str, Any]], spec: dict[str, Any]) -> None:
    (event,) = [e for e in events if e["locator"]["record"] == str(spec["record_id"])]
    assert event["attributes"]["event_id"] == spec["event_id"]
    assert _ms(event["time"]) == spec["time_created"]
    data = event["attributes"]["data"]
    for key, value in spec["data"].items():
        assert data[key].replace("\r\n", "\n").strip().strip("{}") == value.strip("{}"), key


def test_raw_hash_and_offset_point_at_the_record_bytes(corpus: Path) -> None:
    path = corpus / LOGONS
    blob = path.read_bytes()
    _, events, _ = _parse(path)
    for event in events[::97]:
        offset, length = int(event["locator"]["offset"]), event["locator"]["length"]
        raw = blob[offset : offset + length]
        assert raw[:4] == b"\x2a\x2a\x00\x00"
        assert (
            struct.unpack_from("<I", raw, 4)[0]
            == length
            == struct.unpack_from("<I", raw, length - 4)[0]
        )
        assert hashlib.sha256(raw).hexdigest() == event["raw_sha256"]


def test_content_is_exactly_what_the_model_produces(
    corpus: Path, corpus_facts: dict[str, Any]
) -> None:
    for name in _evtx_files(corpus_facts):
        _, events, _ = _parse(corpus / name)
        for content in events[::7]:
            assert Event.model_validate(content).content() == content


def test_4663_file_reads_decode_the_access_mask(corpus: Path, corpus_facts: dict[str, Any]) -> None:
    name = "evtx/security_4663_file_read_browser_creds.evtx"
    expected = _facts(corpus_facts, name)["4663_objects"]
    _, events, _ = _parse(corpus / name)
    reads = [e for e in events if e["attributes"]["event_id"] == 4663]
    got = [
        [e["object"]["path"], e["attributes"]["access_mask"], e["actor"]["process"]] for e in reads
    ]
    assert sorted(got) == sorted(expected)
    for event in reads:
        assert event["action"] == "read"
        assert event["attributes"]["access_rights"] == ["ReadData/ListDirectory"]
        assert event["object"]["kind"] == "file"
        assert event["actor"]["user"] == "IEUser"
        assert event["kind"] == "evtx.security.4663"


def test_log_clearing_1102_and_104(corpus: Path, corpus_facts: dict[str, Any]) -> None:
    name = "evtx/eventlog_104_1102_log_cleared.evtx"
    facts = _facts(corpus_facts, name)
    _, events, _ = _parse(corpus / name)
    assert {e["action"] for e in events} == {"log_cleared"}
    cleared = {e["object"]["name"] for e in events if e["attributes"]["event_id"] == 104}
    assert len(cleared) == facts["distinct_channels_cleared_104"]
    (sec,) = [e for e in events if e["attributes"]["event_id"] == 1102]
    assert sec["actor"]["user"] == facts["specific_record"]["data"]["SubjectUserName"]
    assert sec["object"] == {"kind": "log", "name": "Security"}


def test_6416_print_queue_is_a_device_but_not_storage(corpus: Path) -> None:
    _, events, _ = _parse(corpus / "evtx/security_6416_external_device_printqueue.evtx")
    (dev,) = [e for e in events if e["action"] == "device_connect"]
    assert dev["device"] == {"label": "\\\\fs03vuln\\Kiwi Legit Printer"}
    assert dev["attributes"]["device_class"] == "PrintQueue"
    execs = [e for e in events if e["attributes"]["event_id"] == 4688]
    assert len(execs) == 3 and {e["action"] for e in execs} == {"execute"}
    assert all(e["object"]["kind"] == "process" and e["object"]["path"] for e in execs)


def test_sysmon_create_and_delete(corpus: Path, corpus_facts: dict[str, Any]) -> None:
    name = "evtx/sysmon_23_filedelete.evtx"
    spec = _facts(corpus_facts, name)["specific_record"]
    _, events, _ = _parse(corpus / name)
    actions = Counter(e["action"] for e in events if e["attributes"]["event_id"] in (1, 11, 23))
    assert actions == {"delete": 3, "create": 2, "execute": 3}
    (first,) = [e for e in events if e["locator"]["record"] == str(spec["record_id"])]
    assert first["object"]["path"] == spec["data"]["TargetFilename"]
    assert (
        first["object"]["sha256"]
        == "19fd0010da92b654d1ca270247061a39ea13c0a58529fd8257a97e2ef7794911"
    )
    assert (first["actor"]["domain"], first["actor"]["user"]) == ("DESKTOP-NTSSLJD", "den")


def test_usbstor_arrival_gives_vendor_product_serial(
    corpus: Path, corpus_facts: dict[str, Any]
) -> None:
    name = "evtx/system_usbstor_driverframeworks.evtx"
    facts = _facts(corpus_facts, name)
    _, events, _ = _parse(corpus / name)
    by_record = {e["locator"]["record"]: e for e in events}
    for record, provider, event_id in facts["records_mentioning_USBSTOR_or_USB_VID"]:
        event = by_record[str(record)]
        assert (event["attributes"]["provider"], event["attributes"]["event_id"]) == (
            provider,
            event_id,
        )
        assert event["action"] == "device_connect"
    assert by_record["1040"]["device"] == {
        "drive_type": "removable",
        "usb_serial": "201412031053",
        "vendor": "GENERIC-",
        "product": "USB3.0_CRW___-SD",
    }
    assert by_record["56"]["device"]["usb_serial"] == "000650268328"
    assert by_record["56"]["device"]["vendor"] == "0E0F"


def test_logon_4624_keeps_logon_type(corpus: Path, corpus_facts: dict[str, Any]) -> None:
    spec = _facts(corpus_facts, LOGONS)["specific_record"]
    _, events, _ = _parse(corpus / LOGONS)
    (logon,) = [e for e in events if e["locator"]["record"] == str(spec["record_id"])]
    assert logon["action"] == "logon"
    assert logon["attributes"]["logon_type"] == 2
    assert logon["actor"]["user"] == spec["data"]["TargetUserName"]
    assert logon["actor"]["ip"] == "127.0.0.1"
    counts = Counter(e["action"] for e in events)
    assert counts["logon"] == 583 and counts["logoff"] == 11 + 36


def test_two_workers_give_identical_output(corpus: Path) -> None:
    _, one, issues_one = _parse(corpus / LOGONS)
    _, two, issues_two = _parse(corpus / LOGONS, workers=2, chunks_per_task=8)
    assert one == two
    assert issues_one == issues_two


def test_workers_key_store_lines_identical_to_one_process(corpus: Path, tmp_path: Path) -> None:
    """With workers the content is keyed in the worker processes and arrives as store
    lines: the batch (events, issues, source record) is byte-identical to a one-process
    ingest under the same case secret."""
    records = []
    for name, workers in (("one", 1), ("two", 2)):
        case = Case.init(tmp_path / name, "EK-1")
        if records:  # same case secret
            (case.root / "secret.key").write_text((tmp_path / "one" / "secret.key").read_text())
            case = Case(case.root)
        options = {"workers": workers, "chunks_per_task": 4}
        ingest_file(case, corpus / LOGONS, "evtx", options=options)
        (record,) = case.store.batches()
        records.append(record.model_dump(exclude={"events_file", "issues_file"}))
        ctx = ParseContext(SID, corpus / LOGONS, "evtx", "1", options=options, keyer=case.keyer)
        kinds = Counter(type(item).__name__ for item in EvtxParser().parse(ctx))
        assert (kinds["KeyedLines"] > 0) is (workers > 1)
    assert records[0] == records[1]
    assert records[0]["events"] == records[0]["source"]["records_read"] > 2000


# --- damaged copies ----------------------------------------------------------------------


def _damaged(corpus: Path, tmp_path: Path, damage: Any) -> Path:
    path = tmp_path / "damaged.evtx"
    shutil.copyfile(corpus / LOGONS, path)
    path.write_bytes(bytes(damage(bytearray(path.read_bytes()))))
    return path


def _at(index: int) -> int:
    return 4096 + index * CHUNK


def _records_in(events: list[dict[str, Any]], start: int, stop: int) -> set[str]:
    return {e["locator"]["record"] for e in events if start <= int(e["locator"]["offset"]) < stop}


@pytest.fixture(scope="module")
def clean(corpus: Path) -> list[dict[str, Any]]:
    return _parse(corpus / LOGONS)[1]


def _zero(blob: bytearray) -> bytearray:
    blob[_at(5) : _at(6)] = bytes(CHUNK)
    return blob


def _garbage(blob: bytearray) -> bytearray:
    rng = random.Random(7)
    blob[_at(3) : _at(4)] = bytes(rng.randrange(256) for _ in range(CHUNK))
    return blob


@pytest.mark.parametrize(
    ("damage", "index", "code"), [(_zero, 5, "chunk_zero"), (_garbage, 3, "chunk_signature")]
)
def test_lost_chunk_is_reported_with_offset_and_count(
    corpus: Path, tmp_path: Path, clean: list[dict[str, Any]], damage: Any, index: int, code: str
) -> None:
    ctx, events, issues = _parse(_damaged(corpus, tmp_path, damage))
    lost = _records_in(clean, _at(index), _at(index + 1))
    assert lost
    assert {e["locator"]["record"] for e in events} == {
        e["locator"]["record"] for e in clean
    } - lost
    (bad,) = [i for i in issues if i.code == code]
    assert bad.locator.offset == str(_at(index))
    (gap,) = [i for i in issues if i.code == "record_id_gap"]
    assert (gap.locator.offset, gap.records_lost) == (str(_at(index)), len(lost))
    assert ctx.records_failed == len(lost)
    assert ctx.records_read == len(clean) - len(lost)


def test_truncated_tail_keeps_every_complete_record(
    corpus: Path, tmp_path: Path, clean: list[dict[str, Any]]
) -> None:
    cut = _at(25) + 30000
    _, events, issues = _parse(_damaged(corpus, tmp_path, lambda b: b[:cut]))
    whole = {
        e["locator"]["record"]
        for e in clean
        if int(e["locator"]["offset"]) + e["locator"]["length"] <= cut
    }
    assert {e["locator"]["record"] for e in events} == whole
    codes = {i.code: i for i in issues}
    assert codes["chunk_truncated"].locator.offset == str(_at(25))
    missing = codes["chunk_records_missing"]
    assert missing.records_lost == len(clean) - len(whole)
    assert int(missing.locator.offset) < cut
    assert all(
        "chunk_truncated" in e["flags"] for e in events if int(e["locator"]["offset"]) >= _at(25)
    )


def test_bad_header_crc_keeps_records_and_flags_them(
    corpus: Path, tmp_path: Path, clean: list[dict[str, Any]]
) -> None:
    def flip(blob: bytearray) -> bytearray:
        blob[_at(7) + 60] ^= 0xFF  # inside the CRC-covered header, outside any used field
        return blob

    path = _damaged(corpus, tmp_path, flip)
    _, events, issues = _parse(path)
    assert len(events) == len(clean)
    (crc,) = [i for i in issues if i.code == "chunk_crc"]
    assert (crc.locator.offset, crc.locator.length) == (str(_at(7)), CHUNK)
    chunk = path.read_bytes()[_at(7) : _at(8)]  # the raw hash covers what the locator names
    assert crc.raw_sha256 == hashlib.sha256(chunk).hexdigest()
    flagged = {e["locator"]["record"] for e in events if "chunk_crc_mismatch" in e.get("flags", [])}
    assert flagged == _records_in(clean, _at(7), _at(8))


def test_broken_record_is_an_error_at_its_offset_and_the_rest_is_read(
    corpus: Path, tmp_path: Path, clean: list[dict[str, Any]]
) -> None:
    in_chunk = sorted(
        (e for e in clean if _at(9) <= int(e["locator"]["offset"]) < _at(10)),
        key=lambda e: int(e["locator"]["offset"]),
    )
    victim = in_chunk[2]
    start, size = int(victim["locator"]["offset"]), victim["locator"]["length"]

    def scribble(blob: bytearray) -> bytearray:
        blob[start + 24 : start + size - 4] = b"\xab" * (size - 28)
        return blob

    ctx, events, issues = _parse(_damaged(corpus, tmp_path, scribble))
    got = {e["locator"]["record"] for e in events}
    assert got == {e["locator"]["record"] for e in clean} - {victim["locator"]["record"]}
    (bad,) = [i for i in issues if i.code == "record_unparsed"]
    assert (bad.locator.offset, bad.locator.length) == (str(start), size)
    assert bad.message.startswith(f"record {victim['locator']['record']} could not be decoded (")
    assert ctx.records_failed == 1


def test_ingest_stores_every_record(corpus: Path, tmp_path: Path) -> None:
    case = Case.init(tmp_path / "case", "EK-EVTX-1")
    summary = ingest_file(case, corpus / "evtx/sysmon_23_filedelete.evtx", "evtx")
    assert summary.events == 530 == summary.source.records_read
    assert summary.source.kind == "log"
    assert summary.issues == 1  # the info issue about unused trailing chunks


def test_event_log_inside_a_disk_image(corpus: Path, tmp_path: Path) -> None:
    """An ext4 image (mkfs.ext4 -d) holding a Windows log folder: the image engine hands the
    .evtx to this reader and every record keeps its place in the image and in the file."""
    if shutil.which("mkfs.ext4") is None:
        pytest.skip("mkfs.ext4 (e2fsprogs) is not installed")
    tree = tmp_path / "tree" / "Windows" / "System32" / "winevt" / "Logs"
    tree.mkdir(parents=True)
    shutil.copyfile(
        corpus / "evtx/sysmon_23_filedelete.evtx",
        tree / "Microsoft-Windows-Sysmon%4Operational.evtx",
    )
    image = tmp_path / "evidence" / "disk.img"
    image.parent.mkdir()
    subprocess.run(["truncate", "-s", "8M", str(image)], check=True)
    subprocess.run(
        ["mkfs.ext4", "-q", "-F", "-d", str(tmp_path / "tree"), str(image)],
        check=True,
        capture_output=True,
    )
    case = Case.init(tmp_path / "case", "EK-EVTX-IMG")
    ingest_image(case, image)
    lines = [json.loads(line) for line in case.store.event_lines()]
    events = [e for e in lines if e["kind"].startswith("evtx.")]
    assert len(events) == 530
    blob = (corpus / "evtx/sysmon_23_filedelete.evtx").read_bytes()
    for event in events[::53]:
        loc = event["locator"]
        assert loc["path"].endswith("winevt/Logs/Microsoft-Windows-Sysmon%4Operational.evtx")
        assert loc["inode"] and loc["record"]
        raw = blob[int(loc["offset"]) : int(loc["offset"]) + loc["length"]]
        assert hashlib.sha256(raw).hexdigest() == event["raw_sha256"]
    assert Counter(e["action"] for e in events if e["attributes"]["event_id"] == 23) == {
        "delete": 3
    }


def test_damaged_file_header(corpus: Path, tmp_path: Path) -> None:
    src = (corpus / "evtx/security_4663_file_read_browser_creds.evtx").read_bytes()
    cases = {
        "empty": (b"", 0, ["file_truncated"]),
        "header_only": (src[:4096], 0, ["chunks_missing"]),
        "no_signature": (b"XXXXXXXX" + src[8:], 5, ["file_header_signature"]),
        "header_crc": (src[:20] + bytes([src[20] ^ 0xFF]) + src[21:], 5, ["file_header_crc"]),
    }
    for name, (blob, read, codes) in cases.items():
        path = tmp_path / f"{name}.evtx"
        path.write_bytes(blob)
        ctx, events, issues = _parse(path)
        assert (len(events), ctx.records_read) == (read, read), name
        assert [i.code for i in issues] == codes, name
        assert issues[0].locator.offset in ("0", "4096"), name


def test_ansi_codec_option(corpus: Path) -> None:
    path = corpus / "evtx/security_4663_file_read_browser_creds.evtx"
    _, events, _ = _parse(path, ansi_codec="shift_jis")
    assert len(events) == 5
    with pytest.raises(ModelError, match="ansi_codec"):
        _parse(path, ansi_codec="nonsense")


@pytest.mark.parametrize("seed", range(12))
def test_random_damage_never_stops_the_reader(corpus: Path, tmp_path: Path, seed: int) -> None:
    """Random bytes flipped anywhere (and every third file cut short): the parse completes,
    every event is valid and points at bytes that hash to its raw_sha256."""
    rng = random.Random(seed)
    blob = bytearray((corpus / LOGONS).read_bytes())
    for _ in range(rng.randrange(1, 200)):
        blob[rng.randrange(len(blob))] = rng.randrange(256)
    if seed % 3 == 0:
        blob = blob[: rng.randrange(4096, len(blob))]
    path = tmp_path / "fuzzed.evtx"
    path.write_bytes(bytes(blob))
    ctx, events, issues = _parse(path)
    assert ctx.records_read == len(events)
    for event in events:
        offset, length = int(event["locator"]["offset"]), event["locator"]["length"]
        assert hashlib.sha256(blob[offset : offset + length]).hexdigest() == event["raw_sha256"]
        Event.model_validate(event)
    assert events or issues

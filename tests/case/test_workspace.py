"""Case folders end to end through the public API and the CLI."""

from __future__ import annotations

import json
import stat
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from cli.main import cli
from evidencekit.case.ingest import ingest_file
from evidencekit.case.workspace import Case
from evidencekit.errors import CaseError, EvidenceWriteRefused
from evidencekit.timeline import merkle
from evidencekit.timeline.seal import TIMELINE_FILE, verify_timeline

WriteEvents = Callable[[list[dict[str, Any]], str], Path]


def _events(n: int, day: int = 1, user: str = "e1") -> list[dict[str, Any]]:
    return [
        {
            "time": f"2024-04-{day:02d}T{9 + i % 8:02d}:{i % 60:02d}:00+09:00",
            "action": "read",
            "kind": "fileserver.read",
            "time_role": "logged",
            "actor": {"user": user},
            "object": {"path": f"\\\\fs01\\設計\\図面{i:03d}.dwg", "size": 1000 + i},
        }
        for i in range(n)
    ]


def test_init_creates_an_owner_only_secret_and_starts_custody(tmp_path: Path) -> None:
    case = Case.init(tmp_path / "case", "EK-2024-001", title="設計図面持ち出し", examiner="山田")
    mode = stat.S_IMODE((case.root / "secret.key").stat().st_mode)
    assert mode == 0o600
    entries = case.custody.entries()
    assert [e.action for e in entries] == ["case_created"]
    assert entries[0].who == "山田"
    with pytest.raises(CaseError, match="already holds a case"):
        Case.init(case.root, "EK-2024-001")


def test_secret_readable_by_others_is_refused(tmp_path: Path) -> None:
    case = Case.init(tmp_path / "case", "EK-1")
    (case.root / "secret.key").chmod(0o644)
    with pytest.raises(CaseError, match="readable by others"):
        Case(case.root).secret()


def test_ingest_seal_and_verify(tmp_path: Path, write_events: WriteEvents) -> None:
    case = Case.init(tmp_path / "case", "EK-1")
    path = write_events([*_events(30), {"broken": True}], "audit.jsonl")
    before = path.read_bytes()
    summary = ingest_file(case, path, "events_jsonl")
    assert path.read_bytes() == before  # evidence untouched
    assert (summary.events, summary.issues) == (30, 1)
    assert summary.source.records_read == 30 and summary.source.records_failed == 1
    assert summary.source.sha256_after == summary.source.sha256
    issue = next(case.store.issue_dicts())
    assert issue["locator"]["line"] == 31 and issue["code"] == "malformed_record"
    head = case.seal()
    assert head.size == 30
    assert verify_timeline(case.timeline_dir() / TIMELINE_FILE, head) == 30
    actions = [e.action for e in case.custody.entries()]
    assert actions == ["case_created", "ingest", "timeline_sealed"]


def test_output_inside_the_evidence_folder_is_refused(
    tmp_path: Path, write_events: WriteEvents
) -> None:
    path = write_events(_events(2), "a.jsonl")
    case = Case.init(path.parent / "case", "EK-1")
    with pytest.raises(EvidenceWriteRefused):
        ingest_file(case, path, "events_jsonl")
    assert ingest_file(case, path, "events_jsonl", force=True).events == 2


def test_same_source_twice_is_refused(tmp_path: Path, write_events: WriteEvents) -> None:
    case = Case.init(tmp_path / "case", "EK-1")
    path = write_events(_events(2), "a.jsonl")
    ingest_file(case, path, "events_jsonl")
    with pytest.raises(CaseError, match="already ingested"):
        ingest_file(case, path, "events_jsonl")


def test_same_inputs_and_secret_give_identical_timelines(
    tmp_path: Path, write_events: WriteEvents
) -> None:
    a_path = write_events(_events(20), "a.jsonl")
    b_path = write_events(_events(15, day=2, user="e2"), "b.jsonl")
    outputs = []
    for name, order in (("one", [a_path, b_path]), ("two", [b_path, a_path])):
        case = Case.init(tmp_path / name, "EK-1")
        if outputs:  # same case secret
            (case.root / "secret.key").write_text((tmp_path / "one" / "secret.key").read_text())
            case = Case(case.root)
        for p in order:
            ingest_file(case, p, "events_jsonl")
        case.seal()
        outputs.append((case.timeline_dir() / TIMELINE_FILE).read_bytes())
    assert outputs[0] == outputs[1]


def test_append_mode_keeps_a_prefix_with_a_consistency_proof(
    tmp_path: Path, write_events: WriteEvents
) -> None:
    case = Case.init(tmp_path / "case", "EK-1")
    ingest_file(case, write_events(_events(10), "a.jsonl"), "events_jsonl")
    first = case.seal()
    ingest_file(case, write_events(_events(5, day=1, user="e9"), "b.jsonl"), "events_jsonl")
    second = case.seal(append=True)
    assert second.size == 15 and second.previous is not None
    assert second.consistency_proof is not None
    merkle.verify_consistency(
        first.size,
        second.size,
        [bytes.fromhex(h) for h in second.consistency_proof],
        bytes.fromhex(first.merkle_root),
        bytes.fromhex(second.merkle_root),
    )
    old = (case.timeline_dir(1) / TIMELINE_FILE).read_bytes()
    assert (case.timeline_dir(2) / TIMELINE_FILE).read_bytes().startswith(old)
    assert verify_timeline(case.timeline_dir(2) / TIMELINE_FILE, second) == 15
    # A full re-seal orders the new events among the old ones: no prefix, no proof.
    third = case.seal()
    assert third.consistency_proof is None and third.merkle_root != second.merkle_root


def test_custody_log_tampering_is_detected(tmp_path: Path) -> None:
    case = Case.init(tmp_path / "case", "EK-1", examiner="A")
    case.custody.append("seizure", "laptop seized", who="B", witness="C")
    log = case.root / "custody.jsonl"
    log.write_bytes(log.read_bytes().replace(b'"who":"B"', b'"who":"X"'))
    with pytest.raises(CaseError, match="custody log"):
        case.custody.append("note", "more")


def test_cli_init_ingest_seal_verify_and_prove(tmp_path: Path, write_events: WriteEvents) -> None:
    runner = CliRunner()
    case_dir = tmp_path / "case"
    r = runner.invoke(cli, ["case", "init", str(case_dir), "--id", "EK-9", "--json"])
    assert r.exit_code == 0, r.output
    assert json.loads(r.output)["case_id"] == "EK-9"
    path = write_events(_events(8), "a.jsonl")
    r = runner.invoke(cli, ["ingest", "events", str(path), "--case", str(case_dir), "--json"])
    assert r.exit_code == 0, r.output
    assert json.loads(r.output)["events"] == 8
    r = runner.invoke(cli, ["--json", "timeline", "seal", "--case", str(case_dir)])
    assert r.exit_code == 0, r.output
    head = json.loads(r.output)
    timeline = case_dir / "timeline" / "v0001" / TIMELINE_FILE
    r = runner.invoke(cli, ["timeline", "verify", str(timeline), "--json"])
    assert r.exit_code == 0 and json.loads(r.output)["intact"] is True
    event_id = json.loads(timeline.read_bytes().splitlines()[3])["event"]["id"]
    proof_file = tmp_path / "proof.json"
    r = runner.invoke(
        cli, ["timeline", "prove", event_id, "--case", str(case_dir), "-o", str(proof_file)]
    )
    assert r.exit_code == 0, r.output
    r = runner.invoke(
        cli, ["timeline", "check-proof", str(proof_file), "--root", head["merkle_root"]]
    )
    assert r.exit_code == 0, r.output
    lines = timeline.read_bytes().splitlines(keepends=True)
    timeline.write_bytes(b"".join([lines[0], lines[2], lines[1], *lines[3:]]))
    r = runner.invoke(cli, ["timeline", "verify", str(timeline), "--json"])
    assert r.exit_code == 1
    assert json.loads(r.output)["line"] == 2


def test_cli_exits_non_zero_when_nothing_could_be_read(tmp_path: Path) -> None:
    folder = tmp_path / "evidence"
    folder.mkdir()
    bad = folder / "garbage.jsonl"
    bad.write_bytes(b"\xff\xfe not json\n{]\n")
    runner = CliRunner()
    runner.invoke(cli, ["case", "init", str(tmp_path / "case"), "--id", "EK-1"])
    r = runner.invoke(cli, ["ingest", "events", str(bad), "--case", str(tmp_path / "case")])
    assert r.exit_code == 1
    assert "Nothing could be read" in r.output


def test_undated_event_lines_are_flagged_time_missing(
    tmp_path: Path, write_events: WriteEvents
) -> None:
    """A structured event without a time is kept, flagged as every other reader flags it."""
    case = Case.init(tmp_path / "case", "EK-1")
    dated, undated = _events(2)
    undated.pop("time")
    undated["flags"] = ["producer_flag"]
    ingest_file(case, write_events([dated, undated], "e.jsonl"), "events_jsonl")
    first, second = (json.loads(line) for line in case.store.event_lines())
    assert "flags" not in first and "time" not in second
    assert second["flags"] == ["producer_flag", "time_missing"]

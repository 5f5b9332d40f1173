"""Prefetch files from the real corpus (v17 uncompressed, v30 MAM-compressed) against
FACTS.json, tool flagging, and a truncated file."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from evidencekit.model import Action
from tests.writers.artifacts import corpus_file, facts_for, run_parser, to7

pytestmark = pytest.mark.corpus


@pytest.mark.parametrize(
    "rel", ["prefetch/CMD.EXE-087B4001.pf", "prefetch/ONEDRIVE.EXE-7E152375.pf"]
)
def test_prefetch_matches_facts(corpus: Path, corpus_facts: dict[str, Any], rel: str) -> None:
    facts = facts_for(corpus_facts, rel)
    events, issues, ctx = run_parser("prefetch", corpus_file(corpus, rel))
    assert issues == [] and ctx.records_read == 1
    assert [to7(e.time) for e in events] == facts["last_run_times"]
    first = events[0]
    assert first.action is Action.EXECUTE and first.time_role == "last_run"
    assert first.object is not None and first.object.name == facts["executable"]
    assert first.attributes["run_count"] == facts["run_count"]
    assert first.attributes["prefetch_hash"] == facts["prefetch_hash"]
    assert first.attributes["format_version"] == facts["format_version"]
    assert first.attributes["files_loaded"] == facts["filename_count"]
    volumes = [
        (v["device_path"], "0x" + v["serial"].lower(), to7(v["created"]))
        for v in first.attributes["volumes"]
    ]
    assert volumes == [
        (v["device_path"], v["serial"], v["creation_time"]) for v in facts["volumes"]
    ]


def test_cloud_sync_client_flagged(corpus: Path) -> None:
    events, _, _ = run_parser("prefetch", corpus_file(corpus, "prefetch/ONEDRIVE.EXE-7E152375.pf"))
    assert all("tool.cloud_sync" in e.flags for e in events)


def test_custom_tools_list_flags_cmd(corpus: Path, tmp_path: Path) -> None:
    tools = tmp_path / "tools.toml"
    tools.write_text('[[tool]]\nname = "x"\ncategory = "wiper"\nnames = ["cmd.exe"]\n')
    events, _, _ = run_parser(
        "prefetch", corpus_file(corpus, "prefetch/CMD.EXE-087B4001.pf"), tools_file=str(tools)
    )
    assert events[0].flags == ("tool.wiper",)


def test_truncated_prefetch_keeps_header(corpus: Path, tmp_path: Path) -> None:
    data = corpus_file(corpus, "prefetch/CMD.EXE-087B4001.pf").read_bytes()
    path = tmp_path / "CMD.EXE-087B4001.pf"
    path.write_bytes(data[:200])
    events, issues, ctx = run_parser("prefetch", path)
    assert [(i.code, i.severity) for i in issues] == [("unreadable_prefetch", "error")]
    assert ctx.records_failed == 1 and ctx.records_read == 1
    (event,) = events
    assert event.object is not None and event.object.name == "CMD.EXE"
    assert event.attributes["prefetch_hash"] == "0x087b4001" and event.time is None

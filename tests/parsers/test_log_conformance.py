"""One conformance test over every log-export parser of this package: empty, binary and
header-only files never raise, never invent events, and each check() is cheap and total."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from evidencekit.model import Event, ParseIssue
from evidencekit.parsers.base import ParseContext, parsers

MINE = [
    "code42",
    "door",
    "gws_drive",
    "hr",
    "m365_ual",
    "message_trace",
    "operation_log",
    "proxy_jsonl",
    "proxy_squid",
    "proxy_w3c",
    "purview",
    "purview_alerts",
]
INPUTS = {
    "empty": b"",
    "binary": bytes(range(256)) * 64,
    "blank_lines": b"\r\n\n\r\n",
    "random": os.urandom(1),  # replaced below by a fixed seed for determinism
}


def _inputs() -> dict[str, bytes]:
    import random

    rng = random.Random(5)
    data = dict(INPUTS)
    data["random"] = bytes(rng.randrange(256) for _ in range(20000))
    return data


@pytest.mark.parametrize("name", MINE)
@pytest.mark.parametrize("kind", sorted(INPUTS))
def test_hostile_files_give_issues_not_exceptions(tmp_path: Path, name: str, kind: str) -> None:
    data = _inputs()[kind]
    path = tmp_path / "input.bin"
    path.write_bytes(data)
    cls = parsers.get(name)
    assert cls.check(data[:65536], path) is False
    ctx = ParseContext(source_id="0123456789abcdef", path=path, parser=name, version=cls.version)
    items = list(cls().parse(ctx))
    events = [i for i in items if isinstance(i, dict | Event)]
    issues = [i for i in items if isinstance(i, ParseIssue)]
    assert len(events) + len(issues) == len(items)
    if kind in ("empty", "blank_lines"):
        assert items == [] and ctx.records_read == 0
    for event in events:
        Event.model_validate(event)  # whatever is read is a valid event
    assert ctx.records_failed <= len(issues)


@pytest.mark.parametrize("name", MINE)
def test_registered_with_docstring_and_log_kind(name: str) -> None:
    cls = parsers.get(name)
    assert cls.source_kind == "log" and cls.name == name and cls.version
    assert (cls.__doc__ or "").strip()

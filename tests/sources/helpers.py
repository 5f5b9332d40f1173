"""Helpers for the image tests: ingest into a fresh case and read the outputs back."""

from __future__ import annotations

import os
import subprocess
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import orjson

from evidencekit.case.ingest_image import ImageIngestSummary, ingest_image
from evidencekit.case.workspace import Case
from evidencekit.model import Event


@dataclass
class Result:
    case: Case
    summary: ImageIngestSummary
    inventory: list[dict[str, Any]]
    events: list[dict[str, Any]]
    issues: list[dict[str, Any]]

    def entry(self, path: str, partition: int | None = None) -> dict[str, Any]:
        found = [
            r for r in self.inventory
            if r["path"] == path and (partition is None or r["partition"] == partition)
        ]  # fmt: skip
        assert len(found) == 1, f"{path}: {len(found)} inventory entries"
        return found[0]

    def events_for(self, path: str) -> dict[str, dict[str, Any]]:
        """time_role -> event for the file-system events of one path."""
        out = {}
        for e in self.events:
            if e["locator"].get("path") == path and e["kind"].startswith("fs."):
                out[e["time_role"]] = e
        return out

    def issue_codes(self) -> list[str]:
        return sorted(i["code"] for i in self.issues)


def ingest(image: Path, case_dir: Path, tz: str | None = "UTC", **kw: Any) -> Result:
    case = Case.init(case_dir, "case-1")
    summary = ingest_image(case, image, time_zone=tz, **kw)
    inventory = [orjson.loads(line) for line in summary.inventory.read_bytes().splitlines()]
    events = [orjson.loads(line) for line in case.store.event_lines()]
    issues = list(case.store.issue_dicts())
    return Result(case, summary, inventory, events, issues)


def validate_events(events: list[dict[str, Any]]) -> None:
    """Every stored event is a valid Event whose content is exactly what was keyed."""
    for e in events:
        model = Event.model_validate(e)
        assert model.canonical_dict() == e


def fls_body(image: Path, tz: str = "UTC", offset: int | None = None) -> list[str]:
    """``fls -r -m /`` (The Sleuth Kit), run with ``tz`` as the process zone."""
    args = ["fls", "-r", "-m", "/"]
    if offset is not None:
        args += ["-o", str(offset)]
    run = subprocess.run([*args, str(image)], check=True, capture_output=True,
                         env={**os.environ, "TZ": tz})  # fmt: skip
    return run.stdout.decode("utf-8", "replace").splitlines()


def without_md5(lines: list[str]) -> list[str]:
    return [line.split("|", 1)[1] for line in lines]

"""Shared fixtures: paths to ../shared (vectors, corpus) and small real cases."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

REPO = Path(__file__).resolve().parents[1]
SHARED = REPO.parent / "shared"
VECTORS = SHARED / "vectors"
CORPUS = SHARED / "corpus"


def need(path: Path) -> Path:
    """Skip the test, saying why, when a piece of ../shared is not there."""
    if not path.exists():
        pytest.skip(f"{path} is absent (../shared is not beside this checkout)")
    return path


@pytest.fixture(scope="session")
def corpus() -> Path:
    return need(CORPUS)


@pytest.fixture(scope="session")
def corpus_facts(corpus: Path) -> dict[str, Any]:
    data: dict[str, Any] = json.loads((corpus / "FACTS.json").read_text())
    return data


@pytest.fixture
def write_events(tmp_path: Path) -> Callable[[list[dict[str, Any]], str], Path]:
    """Write event-content dicts as an events JSONL file in an evidence folder."""

    def write(events: list[dict[str, Any]], name: str = "events.jsonl") -> Path:
        folder = tmp_path / "evidence"
        folder.mkdir(exist_ok=True)
        path = folder / name
        path.write_text(
            "".join(json.dumps(e, ensure_ascii=False) + "\n" for e in events), encoding="utf-8"
        )
        return path

    return write

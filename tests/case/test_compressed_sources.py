"""A compressed loose artifact reaches the same ingest through the library facade and a
case.toml run as through `ingest artifact`: the compressed file is the source, the kind
is recognised on the decompressed bytes."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

import evidencekit as ek
from evidencekit.case.definition import SourceEntry
from evidencekit.case.pipeline import _ingest
from tests.writers.artifacts import corpus_file, facts_for

SYSTEM = "registry/win7_SYSTEM_usb_hp_v100w.xz"


@pytest.mark.corpus
@pytest.mark.parametrize("kind", ["auto", "artifact"])
def test_facade_ingests_compressed_hive(
    tmp_path: Path, corpus: Path, corpus_facts: dict[str, Any], kind: str
) -> None:
    facts = facts_for(corpus_facts, SYSTEM)
    case = ek.new_case(tmp_path / "case", "facade")
    summary = ek.ingest(case, corpus_file(corpus, SYSTEM), kind=kind)
    assert summary.source.parser == "registry"
    assert summary.source.sha256 == facts["sha256"]
    assert summary.source.parameters["decompressed"]["sha256"] == facts["decompressed"]["sha256"]
    assert summary.events > 0


@pytest.mark.corpus
def test_run_source_entry_ingests_compressed_hive(
    tmp_path: Path, corpus: Path, corpus_facts: dict[str, Any]
) -> None:
    facts = facts_for(corpus_facts, SYSTEM)
    path = corpus_file(corpus, SYSTEM)
    case = ek.new_case(tmp_path / "case", "run")
    entry = SourceEntry(path=str(path), type="artifact")
    result = _ingest(case, entry, tmp_path, "Asia/Tokyo")
    assert result.format == "registry" and result.events > 0
    (source,) = case.store.sources()
    assert source.sha256 == facts["sha256"] and source.id == result.source_id
    again = _ingest(case, entry, tmp_path, "Asia/Tokyo")
    assert again.reused and again.source_id == result.source_id

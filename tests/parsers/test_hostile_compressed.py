"""Hostile names for compressed loose artifacts: a name that is only dots before the
suffix (the inner name would be the work folder or the case folder itself) and a
name that is not UTF-8 (a CP932 name on a Linux disk). Each is ingested, not raised."""

from __future__ import annotations

import gzip
import hashlib
import os
from pathlib import Path

import pytest

from evidencekit.case.compressed import ingest_compressed, inner_name
from tests.parsers.test_artifact_compressed import LOG, evidence, leftovers, new_case


@pytest.mark.parametrize("name", ["..gz", "...gz", "....gz", "...tgz"])
def test_dot_only_stem_gets_a_working_name(tmp_path: Path, name: str) -> None:
    path = evidence(tmp_path, name, gzip.compress(LOG))
    case = new_case(tmp_path)
    summary = ingest_compressed(case, path, time_zone="UTC")
    plain = summary.source.parameters["decompressed"]
    assert plain["name"] == name + ".decompressed"
    assert plain["sha256"] == hashlib.sha256(LOG).hexdigest() and summary.events == 1
    assert leftovers(case) == []
    assert inner_name(Path("a.tgz"), "gzip") == "a.tar"  # ordinary names unchanged


def test_non_utf8_name_is_kept_as_escapes(tmp_path: Path) -> None:
    name = os.fsdecode(b"\x8e\x64\x97\x6c.log.gz")  # 仕様.log.gz in CP932
    path = evidence(tmp_path, name, gzip.compress(LOG))
    summary = ingest_compressed(new_case(tmp_path), path, time_zone="UTC")
    assert summary.source.parameters["decompressed"]["name"] == "\\x8ed\\x97l.log"
    assert summary.source.name == "\\x8ed\\x97l.log.gz" and summary.events == 1

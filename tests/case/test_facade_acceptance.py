"""Acceptance regressions of the library facade (``import evidencekit as ek``) as
docs/library.md and README.md show it: the pipeline calls stay callable after their
sub-packages are imported, and a source ingested through the facade (or ``run``) records
the zone its times were read in and the mapping profile's hash, as ``ingest log`` does."""

from __future__ import annotations

import hashlib
import json
import shutil
from pathlib import Path

import pytest

import evidencekit as ek
from evidencekit.case.ingest_by_kind import ingest_by_kind
from evidencekit.case.workspace import Case
from evidencekit.verify.report import PackageVerificationError

REPO = Path(__file__).resolve().parents[2]
SAMPLE = REPO / "examples" / "sample-case" / "sources"
PROFILE = REPO / "examples" / "profiles" / "operation_log.toml"
OPLOG = (
    "日時,ユーザー名,PC名,操作,ファイル名,送信先,ドライブ種別,サイズ\r\n"
    "2025/03/08 10:15:00,tanaka,PC-D012,ファイルコピー,C:\\設計\\図面A.dwg,E:\\図面A.dwg,"
    "リムーバブル,1048576\r\n"
)


def _evidence(tmp_path: Path) -> Path:
    folder = tmp_path / "evidence"
    folder.mkdir()
    (folder / "oplog.csv").write_bytes(OPLOG.encode("cp932"))
    return folder / "oplog.csv"


def _event_zones(case: Case, source_id: str) -> set[str | None]:
    events = (json.loads(line) for line in case.store.event_lines())
    return {e.get("time_zone") for e in events if e["source"] == source_id}


def test_pipeline_calls_stay_callable_after_their_packages_load(tmp_path: Path) -> None:
    case = ek.new_case(tmp_path / "case", "EK-T-1", examiner="山田 太郎")
    ek.ingest(case, _evidence(tmp_path))
    ek.seal(case)
    package = ek.package(case, tmp_path / "out" / "EK-T-1-001")
    for _ in range(2):  # the first call imports evidencekit.verify; the second must still verify
        with pytest.raises(PackageVerificationError):
            ek.verify(package.archive)
    second = ek.package(case, tmp_path / "out" / "EK-T-1-002", archive=False)
    assert second.path.is_dir()
    assert callable(ek.report) and callable(ek.package) and callable(ek.verify)


def test_utc_formats_are_recorded_as_utc_through_facade_and_run(tmp_path: Path) -> None:
    case = ek.new_case(tmp_path / "case", "EK-T-2")
    m365 = ek.ingest(case, SAMPLE / "m365-audit.csv")
    assert m365.source.time_zone == "UTC"
    assert _event_zones(case, m365.source.id) == {"UTC"}
    # run passes the case's zone for every log; a UTC-by-definition export still says UTC
    proxy = ingest_by_kind(case, SAMPLE / "proxy-access.log", "log", time_zone="Asia/Tokyo")
    assert proxy.source.time_zone == "UTC"
    assert _event_zones(case, proxy.source.id) == {"UTC"}


def test_local_time_exports_record_the_zone_the_events_use(tmp_path: Path) -> None:
    case = ek.new_case(tmp_path / "case", "EK-T-3")
    summary = ek.ingest(case, _evidence(tmp_path), format="operation_log")
    assert summary.source.time_zone == "Asia/Tokyo"
    assert _event_zones(case, summary.source.id) == {"Asia/Tokyo"}


def test_mapping_profile_hash_is_recorded_through_the_facade(tmp_path: Path) -> None:
    case = ek.new_case(tmp_path / "case", "EK-T-4")
    summary = ek.ingest(case, _evidence(tmp_path), mapping=PROFILE)
    parameters = summary.source.parameters
    assert parameters["mapping_sha256"] == hashlib.sha256(PROFILE.read_bytes()).hexdigest()
    assert Path(parameters["mapping"]) == PROFILE.resolve()
    assert summary.source.time_zone == "Asia/Tokyo"


def test_run_summary_names_each_source_format_also_when_reused(tmp_path: Path) -> None:
    sources = tmp_path / "sources"
    sources.mkdir()
    (sources / "oplog.csv").write_bytes(OPLOG.encode("cp932"))
    shutil.copy(SAMPLE / "m365-audit.csv", sources)
    definition = tmp_path / "case.toml"
    definition.write_text(
        '[case]\nid = "EK-T-5"\ntitle = "t"\nexaminer = "e"\noutput = "output"\n'
        '[[sources]]\npath = "sources/oplog.csv"\ntype = "log"\n'
        '[[sources]]\npath = "sources/m365-audit.csv"\ntype = "log"\n',
        encoding="utf-8",
    )
    first, again = ek.run(definition), ek.run(definition)
    formats = [(s.format, s.reused) for s in first.sources]
    assert formats == [("operation_log", False), ("m365_ual", False)]
    assert [(s.format, s.reused) for s in again.sources] == [
        ("operation_log", True),
        ("m365_ual", True),
    ]

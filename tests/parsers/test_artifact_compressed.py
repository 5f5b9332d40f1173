"""Compressed loose artifacts (.xz/.gz/.bz2): the corpus .xz hives ingested as they are
(compressed hashes as the source, decompressed size and SHA-256 recorded, both checked
against FACTS.json), .gz/.bz2 copies made at test time with the standard library, a
compression bomb and damaged streams refused with nothing left behind."""

from __future__ import annotations

import bz2
import gzip
import hashlib
import lzma
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from cli.main import cli
from evidencekit.case.compressed import (
    DEFAULT_LIMIT,
    DecompressionRefused,
    compression_of,
    ingest_compressed,
    inner_name,
)
from evidencekit.case.workspace import Case
from evidencekit.errors import EvidenceWriteRefused, UnreadableInput
from evidencekit.events.devices import events_from_lines
from tests.parsers.test_artifact_setupapi_xp import HEADER, USB1
from tests.writers.artifacts import corpus_file, facts_for, to7

SYSTEM = "registry/win7_SYSTEM_usb_hp_v100w.xz"
NTUSER = "registry/win7_NTUSER_recentdocs.DAT.xz"
LOG = (HEADER + USB1).replace("\n", "\r\n").encode("ascii")


def new_case(tmp_path: Path) -> Case:
    return Case.init(tmp_path / "case", "compressed")


def evidence(tmp_path: Path, name: str, data: bytes) -> Path:
    """A file in its own evidence folder (the case folder lies outside it)."""
    folder = tmp_path / "ev"
    folder.mkdir(exist_ok=True)
    path = folder / name
    path.write_bytes(data)
    return path


def stored(case: Case) -> list[dict[str, Any]]:
    return list(events_from_lines(case.store.event_lines()))


def leftovers(case: Case) -> list[str]:
    return sorted(p.name for p in case.root.iterdir() if p.name.startswith(".ek-"))


@pytest.mark.corpus
def test_corpus_system_hive_xz(tmp_path: Path, corpus: Path, corpus_facts: dict[str, Any]) -> None:
    facts = facts_for(corpus_facts, SYSTEM)
    case = new_case(tmp_path)
    summary = ingest_compressed(case, corpus_file(corpus, SYSTEM))
    source = summary.source
    assert source.parser == "registry" and source.name == "win7_SYSTEM_usb_hp_v100w.xz"
    assert (source.size, source.md5, source.sha256) == (
        facts["size"],
        facts["md5"],
        facts["sha256"],
    )
    assert source.sha256_after == facts["sha256"]
    assert source.parameters["decompressed"] == {
        "compression": "xz",
        "name": "win7_SYSTEM_usb_hp_v100w",
        "size": facts["decompressed"]["size"],
        "sha256": facts["decompressed"]["sha256"],
    }
    (device,) = facts["usbstor_devices"]
    usb = [e for e in stored(case) if e["kind"] == "registry.usbstor"]
    written = next(e for e in usb if e["time_role"] == "key_last_written")
    assert to7(written["time"]) == device["key_last_written"]
    assert written["device"]["usb_serial"] == device["serial_instance"].split("&")[0]
    assert summary.issues == 0 and leftovers(case) == []


@pytest.mark.corpus
def test_corpus_ntuser_xz_via_cli(
    tmp_path: Path, corpus: Path, corpus_facts: dict[str, Any]
) -> None:
    facts = facts_for(corpus_facts, NTUSER)
    case = new_case(tmp_path)
    path = corpus_file(corpus, NTUSER)
    run = CliRunner().invoke(cli, ["ingest", "artifact", str(path), "--case", str(case.root)])
    assert run.exit_code == 0, run.output
    assert "content recognised as registry" in run.output
    (source,) = [s for s in case.store.sources() if s.name == path.name]
    assert source.sha256 == facts["sha256"]
    assert source.parameters["decompressed"]["sha256"] == facts["decompressed"]["sha256"]
    assert source.parameters["decompressed"]["name"] == "win7_NTUSER_recentdocs.DAT"
    mp2 = {
        e["attributes"]["mount_point"]: to7(e["time"])
        for e in stored(case)
        if e["kind"] == "registry.mountpoints2"
    }
    assert mp2 == facts["mountpoints2"]
    assert leftovers(case) == []


@pytest.mark.parametrize(
    ("suffix", "compress"), [(".gz", gzip.compress), (".bz2", bz2.compress), (".xz", lzma.compress)]
)
def test_small_log_in_each_compression(tmp_path: Path, suffix: str, compress: Any) -> None:
    path = evidence(tmp_path, f"setupapi.log{suffix}", compress(LOG))
    case = new_case(tmp_path)
    summary = ingest_compressed(case, path, time_zone="UTC")
    assert summary.source.parser == "setupapi_xp" and summary.events == 1
    assert summary.source.sha256 == hashlib.sha256(path.read_bytes()).hexdigest()
    plain = summary.source.parameters["decompressed"]
    assert (plain["name"], plain["size"]) == ("setupapi.log", len(LOG))
    assert plain["sha256"] == hashlib.sha256(LOG).hexdigest()
    (event,) = stored(case)
    assert event["time"] == "2008-03-19T10:40:05.000000000Z"
    assert event["locator"]["path"] == "setupapi.log"
    assert sorted(p.name for p in path.parent.iterdir()) == [path.name]


def test_explicit_kind(tmp_path: Path) -> None:
    path = evidence(tmp_path, "log.gz", gzip.compress(LOG))
    summary = ingest_compressed(new_case(tmp_path), path, "setupapi_xp")
    assert summary.source.parser == "setupapi_xp" and summary.events == 1


@pytest.mark.parametrize("compress", [gzip.compress, lzma.compress, bz2.compress])
def test_bomb_is_refused_and_nothing_stored(tmp_path: Path, compress: Any) -> None:
    path = evidence(tmp_path, "SYSTEM.bin", compress(bytes(8 << 20)))  # 8 MiB of zeros
    assert path.stat().st_size < 64 << 10
    case = new_case(tmp_path)
    with pytest.raises(DecompressionRefused, match="more than 1048576 bytes"):
        ingest_compressed(case, path, limit=1 << 20)
    assert list(case.store.sources()) == [] and leftovers(case) == []
    run = CliRunner().invoke(
        cli,
        [
            "ingest",
            "artifact",
            str(path),
            "--case",
            str(case.root),
            "--max-decompressed",
            "1048576",
        ],
    )
    assert run.exit_code != 0 and "refused" in run.output
    assert DEFAULT_LIMIT == 1 << 30


def test_damaged_and_cut_streams(tmp_path: Path) -> None:
    case = new_case(tmp_path)
    data = lzma.compress(LOG * 50)
    cut = evidence(tmp_path, "cut.xz", data[: len(data) // 2])
    with pytest.raises(UnreadableInput, match="damaged or cut short"):
        ingest_compressed(case, cut)
    bad = evidence(tmp_path, "bad.gz", gzip.compress(LOG)[:10] + b"\xff" * 64)
    with pytest.raises(UnreadableInput, match="damaged or cut short"):
        ingest_compressed(case, bad)
    assert list(case.store.sources()) == [] and leftovers(case) == []


def test_unrecognised_content(tmp_path: Path) -> None:
    path = evidence(tmp_path, "notes.txt.gz", gzip.compress(b"hello\n"))
    case = new_case(tmp_path)
    with pytest.raises(UnreadableInput, match="no artifact parser recognises"):
        ingest_compressed(case, path)
    run = CliRunner().invoke(cli, ["ingest", "artifact", str(path), "--case", str(case.root)])
    assert run.exit_code != 0 and "no artifact parser recognises" in run.output


def test_case_inside_evidence_folder_refused(tmp_path: Path) -> None:
    path = tmp_path / "log.gz"
    path.write_bytes(gzip.compress(LOG))
    case = Case.init(tmp_path / "case", "inside")  # beside the evidence: inside its folder
    with pytest.raises(EvidenceWriteRefused):
        ingest_compressed(case, path)


def test_magic_and_names(tmp_path: Path) -> None:
    path = tmp_path / "x"
    for data, name in (
        (gzip.compress(b"a"), "gzip"),
        (bz2.compress(b"a"), "bzip2"),
        (b"regf", None),
    ):
        path.write_bytes(data)
        assert compression_of(path) == name
    assert inner_name(Path("SYSTEM.XZ"), "xz") == "SYSTEM"
    assert inner_name(Path(".gz"), "gzip") == ".gz.decompressed"


def test_rotated_log_gz_through_ingest_log(tmp_path: Path) -> None:
    """A rotated proxy log (access.log.1.gz): recognised on its decompressed bytes, read
    as the plain log is, the .gz the evidence, the decompressed copy described and gone,
    its zone the format's (Squid epoch times: UTC), through the CLI and by kind."""
    from tests.parsers.test_log_formats import SQUID

    gz = evidence(tmp_path, "access.log.1.gz", gzip.compress(SQUID.encode(), mtime=0))
    plain = evidence(tmp_path, "access.log", SQUID.encode())
    runner = CliRunner()
    cases = [new_case(tmp_path), Case.init(tmp_path / "plain", "plain")]
    for case, path in zip(cases, (gz, plain), strict=True):
        result = runner.invoke(cli, ["ingest", "log", str(path), "--case", str(case.root)])
        assert result.exit_code == 0, result.output
        assert "format: proxy_squid" in result.output
    (source,) = cases[0].store.sources()
    (reference,) = cases[1].store.sources()
    assert source.sha256 == hashlib.sha256(gz.read_bytes()).hexdigest()
    assert source.parser == "proxy_squid" and source.time_zone == "UTC" == reference.time_zone
    assert source.parameters["decompressed"] == {
        "compression": "gzip",
        "name": "access.log.1",
        "size": len(SQUID.encode()),
        "sha256": hashlib.sha256(SQUID.encode()).hexdigest(),
    }
    assert (source.records_read, source.records_failed) == (
        reference.records_read,
        reference.records_failed,
    )
    drop = ("id", "salt", "source")
    ours = [{k: v for k, v in e.items() if k not in drop} for e in stored(cases[0])]
    theirs = [{k: v for k, v in e.items() if k not in drop} for e in stored(cases[1])]
    assert ours == theirs and len(ours) == 3
    assert leftovers(cases[0]) == []
    from evidencekit.case.ingest_by_kind import ingest_by_kind

    again = ingest_by_kind(Case.init(tmp_path / "kind", "kind"), gz, "log")
    assert again.source.parser == "proxy_squid" and again.events == 3

"""In-image artifacts: files matching a parser's image_globs are parsed from the image,
with locators that start at the image location and keep the parser's inner position."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from evidencekit.case.image_artifacts import ArtifactHook, glob_regex
from evidencekit.case.ingest_image import ingest_image
from evidencekit.case.workspace import Case
from evidencekit.errors import EvidenceChanged
from evidencekit.model import Event
from evidencekit.parsers.base import ParseContext, parsers
from evidencekit.parsers.events_jsonl import EventsJsonl
from tests.conftest import CORPUS
from tests.sources.conftest import MTOOLS_ENV, build_fat, run
from tests.sources.helpers import ingest, validate_events


def test_glob_segments_and_case() -> None:
    regex = glob_regex("Users/*/NTUSER.DAT")
    assert regex.fullmatch("users/alice/ntuser.dat")
    assert not regex.fullmatch("Users/alice/sub/NTUSER.DAT")
    assert glob_regex("$Extend/$UsnJrnl:$J").fullmatch("$Extend/$UsnJrnl:$J")


_HOOK = ArtifactHook("src", None, [])
_GLOBS = [pattern for _, cls in parsers for pattern in getattr(cls, "image_globs", ())]
_SEGMENT = st.text(alphabet="abAB.$-_ 01/", max_size=6)


@st.composite
def _in_image_paths(draw: st.DrawFn) -> str:
    """A registered glob filled in (``*`` -> text that may hold ``/``, ``?`` -> one
    character), randomly re-cased and cut or extended: matches and near misses."""
    glob = draw(st.sampled_from(_GLOBS)).strip("/")
    path = "".join(
        draw(_SEGMENT) if ch == "*" else draw(st.sampled_from("x/.")) if ch == "?" else ch
        for ch in glob
    )
    path = "".join(c.swapcase() if draw(st.booleans()) else c for c in path)
    return draw(st.sampled_from([path, path[:-1], path + "x", "x/" + path]))


@settings(max_examples=400, deadline=None)
@given(_in_image_paths())
def test_combined_match_equals_glob_by_glob(path: str) -> None:
    """The one-alternation match names the same parser as trying each glob in order."""
    assert _GLOBS, "no parser registers image_globs"
    assert _HOOK.match(path) == _HOOK.match_each(path)


def _add(image: Path, folder: Path, in_image: str, data: bytes) -> None:
    parts = in_image.split("/")
    for depth in range(1, len(parts)):
        run("mmd", "-D", "s", "-i", image, "::/" + "/".join(parts[:depth]), env=MTOOLS_ENV)
    src = folder / "payload"
    src.write_bytes(data)
    run("mcopy", "-i", image, src, "::/" + in_image, env=MTOOLS_ENV)


def test_events_jsonl_inside_image(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    built = build_fat(tmp_path / "evidence")
    lines = [
        {"time": "2024-03-23T13:00:00+09:00", "time_role": "logged", "action": "download",
         "kind": "proxy.get", "object": {"url": "https://example.com/a"}},
        {"time": "bad", "time_role": "logged", "action": "upload", "kind": "proxy.post"},
    ]  # fmt: skip
    data = "".join(json.dumps(line) + "\n" for line in lines).encode()
    _add(built.path, tmp_path, "exports/proxy.jsonl", data)
    monkeypatch.setattr(EventsJsonl, "image_globs", ("exports/*.jsonl",), raising=False)
    result = ingest(built.path, tmp_path / "case")
    inode = result.entry("exports/proxy.jsonl")["inode"]
    (event,) = [e for e in result.events if e["kind"] == "proxy.get"]
    assert event["time"] == "2024-03-23T04:00:00.000000000Z"
    assert event["locator"] == {
        "partition": 0,
        "inode": inode,
        "path": "exports/proxy.jsonl",
        "line": 1,
        "offset": "0",
        "length": len(json.dumps(lines[0])) + 1,
    }
    (issue,) = [i for i in result.issues if i["parser"] == "events_jsonl"]
    assert issue["locator"]["line"] == 2 and issue["locator"]["path"] == "exports/proxy.jsonl"
    assert issue["source"] == result.summary.source.id
    assert result.summary.source.records_read == result.summary.counts.entries + 1
    validate_events(result.events)


def test_recycle_bin_record_inside_image(tmp_path: Path) -> None:
    sample = CORPUS / "recycle_bin" / "$I103S5F.jpg"
    if not sample.exists():
        pytest.skip(f"{sample} is absent (../shared/corpus is not beside this checkout)")
    built = build_fat(tmp_path / "evidence")
    where = "$Recycle.Bin/S-1-5-21-1-2-3-1001/$I103S5F.jpg"
    _add(built.path, tmp_path, where, sample.read_bytes())
    result = ingest(built.path, tmp_path / "case")
    found = [e for e in result.events if e["locator"].get("path") == where
             and not e["kind"].startswith("fs.")]  # fmt: skip
    assert found, "the recyclebin parser produced no event from the in-image $I file"
    assert all(e["locator"]["partition"] == 0 for e in found)
    assert all(e["locator"]["inode"] == result.entry(where)["inode"] for e in found)
    assert {e["source"] for e in found} == {result.summary.source.id}
    assert any("bunnies.jpg" in json.dumps(e, ensure_ascii=False) for e in found)


def test_evidence_changed_during_ingest_is_an_error(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A file that changes while it is read (simulated by a parser that writes to it)
    fails the ingest: no batch, no inventory, no body file are kept."""
    built = build_fat(tmp_path / "evidence")
    _add(built.path, tmp_path, "exports/trigger.jsonl", b"{}\n")

    class Tamper:
        name = "tamper_test"
        version = "1"
        source_kind = "artifact"
        image_globs = ("exports/trigger.jsonl",)

        @classmethod
        def check(cls, head: bytes, path: Path) -> bool:
            return False

        def parse(self, ctx: ParseContext) -> Iterator[Event]:
            with open(built.path, "r+b") as fp:
                fp.seek(100)
                byte = fp.read(1)
                fp.seek(100)
                fp.write(bytes([byte[0] ^ 0xFF]))
            return iter(())

    monkeypatch.setitem(parsers._items, "tamper_test", Tamper)
    case = Case.init(tmp_path / "case", "c")
    with pytest.raises(EvidenceChanged):
        ingest_image(case, built.path)
    assert case.store.batches() == []
    assert list((case.root / "store" / "inventories").iterdir()) == []


def test_spooled_artifact_keeps_zero_blocks_and_length(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Spool files skip zero blocks (sparse) but the parser still sees every byte."""
    built = build_fat(tmp_path / "evidence")
    payload = bytes(1 << 20) + b'{"x": 1}\n' + bytes((1 << 20) + 5)
    _add(built.path, tmp_path, "exports/sparse.bin", payload)
    seen: dict[str, str] = {}

    class Probe:
        name = "probe_test"
        version = "1"
        source_kind = "artifact"
        image_globs = ("exports/sparse.bin",)

        @classmethod
        def check(cls, head: bytes, path: Path) -> bool:
            return False

        def parse(self, ctx: ParseContext) -> Iterator[Event]:
            seen["sha256"] = hashlib.sha256(ctx.path.read_bytes()).hexdigest()
            return iter(())

    monkeypatch.setitem(parsers._items, "probe_test", Probe)
    ingest(built.path, tmp_path / "case")
    assert seen["sha256"] == hashlib.sha256(payload).hexdigest()

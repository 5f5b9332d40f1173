"""One conformance test over every Windows artifact parser: documented, versioned,
declares its in-image globs, refuses foreign bytes in ``check``, and turns empty,
random and truncated input into parse issues or nothing (never an exception)."""

from __future__ import annotations

import random
from pathlib import Path

import pytest

from evidencekit.model import Event, ParseIssue
from evidencekit.parsers.base import ParseContext, parsers

ISSUE_KINDS = {"registry", "setupapi", "lnk", "jumplist", "recyclebin", "usnjrnl", "mft"}
ISSUE_KINDS |= {"prefetch", "browser", "shellbags"}
# Every registered artifact parser, so a new one is held to the same contract unasked.
ARTIFACT_PARSERS = tuple(n for n in parsers.names() if parsers.get(n).source_kind == "artifact")


def test_every_kind_of_the_issue_is_registered() -> None:
    assert set(ARTIFACT_PARSERS) >= ISSUE_KINDS


@pytest.mark.parametrize("name", ARTIFACT_PARSERS)
def test_contract(name: str) -> None:
    cls = parsers.get(name)
    assert cls.name == name and cls.version and cls.source_kind == "artifact"
    assert (cls.__doc__ or "").strip()
    globs = cls.image_globs  # type: ignore[attr-defined]
    assert isinstance(globs, tuple) and all(isinstance(g, str) for g in globs)
    assert not cls.check(b"%PDF-1.7\n" + b"\x00" * 200, Path("report.pdf"))


@pytest.mark.parametrize("name", ARTIFACT_PARSERS)
@pytest.mark.parametrize("content", [b"", b"\x00" * 4096, "random"])
def test_hostile_input_never_raises(name: str, content: bytes | str, tmp_path: Path) -> None:
    data = random.Random(name).randbytes(8192) if content == "random" else content
    assert isinstance(data, bytes)
    path = tmp_path / "input.bin"
    path.write_bytes(data)
    cls = parsers.get(name)
    ctx = ParseContext(source_id="0" * 16, path=path, parser=name, version=cls.version)
    items = list(cls().parse(ctx))
    for item in items:
        if isinstance(item, dict):
            Event.model_validate(item)
        else:
            assert isinstance(item, Event | ParseIssue)
    assert ctx.records_failed <= len([i for i in items if isinstance(i, ParseIssue)])


@pytest.mark.corpus
@pytest.mark.parametrize(
    ("name", "rel"),
    [
        ("lnk", "lnk/fixed_disk_NeroInfoTool.lnk"),
        ("jumplist", "lnk/jumplists/win7_1b4dd67f29cb1962.automaticDestinations-ms"),
        ("recyclebin", "recycle_bin/INFO2"),
        ("usnjrnl", "usnjrnl/plaso_UsnJrnl.raw"),
        ("prefetch", "prefetch/ONEDRIVE.EXE-7E152375.pf"),
        ("browser", "browser/chrome_v36_History-59.0.3071.86"),
    ],
)
def test_deterministic(name: str, rel: str, corpus: Path) -> None:
    path = corpus / rel
    if not path.exists():
        pytest.skip(f"{path} is absent from the corpus")

    def run() -> list[dict[str, object]]:
        cls = parsers.get(name)
        ctx = ParseContext(source_id="0" * 16, path=path, parser=name, version=cls.version)
        return [
            item if isinstance(item, dict) else item.model_dump(mode="json")
            for item in cls().parse(ctx)
        ]

    first = run()
    assert first and first == run()

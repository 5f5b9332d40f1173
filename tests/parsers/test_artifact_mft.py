"""$MFT parser on an NTFS volume built at test time (mkntfs + ntfscp, $MFT extracted
with TSK's icat), checked against TSK's body file (fls -m); a timestomped record and a
torn record (fixup mismatch) written into a copy of the same $MFT."""

from __future__ import annotations

import shutil
import struct
import subprocess
from calendar import timegm
from pathlib import Path
from time import strptime

import pytest

from evidencekit.model import Event
from tests.writers.artifacts import run_parser

TOOLS = ("mkntfs", "ntfscp", "icat", "fls")


@pytest.fixture(scope="module")
def volume(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    missing = [t for t in TOOLS if shutil.which(t) is None]
    if missing:
        pytest.skip(f"needs {', '.join(missing)} (ntfs-3g, sleuthkit)")
    folder = tmp_path_factory.mktemp("ntfs")
    image = folder / "ntfs.img"
    with open(image, "wb") as fp:
        fp.truncate(16 << 20)
    subprocess.run(
        ["mkntfs", "-F", "-f", "-q", "-L", "TEST", str(image)], check=True, capture_output=True
    )
    for name, size in (("plan.docx", 12345), ("notes.txt", 10)):
        local = folder / name
        local.write_bytes(bytes(range(256)) * (size // 256) + b"x" * (size % 256))
        subprocess.run(
            ["ntfscp", "-f", str(image), str(local), f"/{name}"], check=True, capture_output=True
        )
    mft = folder / "MFT"
    with open(mft, "wb") as fp:
        subprocess.run(["icat", str(image), "0"], check=True, stdout=fp)
    return image, mft


def _body(image: Path) -> dict[str, list[str]]:
    lines = subprocess.run(
        ["fls", "-r", "-m", "/", str(image)], check=True, capture_output=True, text=True
    ).stdout.splitlines()
    return {line.split("|")[1]: line.split("|") for line in lines}


def _seconds(event: Event) -> int:
    assert event.time is not None
    return timegm(strptime(event.time[:19], "%Y-%m-%dT%H:%M:%S"))


def test_mft_matches_tsk_body_file(volume: tuple[Path, Path]) -> None:
    image, mft = volume
    events, issues, _ = run_parser("mft", mft)
    assert issues == []
    body = _body(image)
    for name in ("plan.docx", "notes.txt"):
        mine = {e.time_role: e for e in events if e.object and e.object.name == name}
        si = body[f"/{name}"]
        fn = body[f"/{name} ($FILE_NAME)"]
        assert mine["si_created"].locator.inode == si[2].split("-")[0]
        assert mine["si_created"].object is not None
        assert mine["si_created"].object.size == int(si[6])
        assert mine["si_created"].object.path == f"\\{name}"
        for row, prefix in ((si, "si"), (fn, "fn")):
            atime, mtime, ctime, crtime = (int(x) for x in row[7:11])
            assert _seconds(mine[f"{prefix}_accessed"]) == atime
            assert _seconds(mine[f"{prefix}_modified"]) == mtime
            assert _seconds(mine[f"{prefix}_mft_modified"]) == ctime
            assert _seconds(mine[f"{prefix}_created"]) == crtime
        assert not any("timestomp_suspected" in e.flags for e in mine.values())


def _record_of(mft: bytes, name: str) -> int:
    needle = name.encode("utf-16-le")
    return mft.index(needle) // 1024


def test_timestomp_and_torn_record(volume: tuple[Path, Path], tmp_path: Path) -> None:
    _, mft = volume
    data = bytearray(mft.read_bytes())
    stomped, torn = _record_of(data, "plan.docx"), _record_of(data, "notes.txt")
    base = stomped * 1024
    first_attr = struct.unpack_from("<H", data, base + 20)[0]
    assert struct.unpack_from("<I", data, base + first_attr)[0] == 0x10  # $SI comes first
    body = base + first_attr + struct.unpack_from("<H", data, base + first_attr + 20)[0]
    # What SetMACE-style tools do: write an old $SI creation time (2001-01-01).
    struct.pack_into("<Q", data, body, 126227808000000000)
    data[torn * 1024 + 510] ^= 0xFF  # sector 0 no longer ends with the update sequence number
    path = tmp_path / "MFT"
    path.write_bytes(bytes(data))
    events, issues, _ = run_parser("mft", path)
    assert [(i.code, i.locator.record, i.locator.offset) for i in issues] == [
        ("bad_record", str(torn), str(torn * 1024))
    ]
    assert "fixup" in issues[0].message
    flagged = {e.object.name for e in events if "timestomp_suspected" in e.flags and e.object}
    assert flagged == {"plan.docx"}
    assert not any(e.object and e.object.name == "notes.txt" for e in events)
    created = next(
        e
        for e in events
        if e.time_role == "si_created" and e.object and e.object.name == "plan.docx"
    )
    assert created.time == "2001-01-01T00:00:00.000000000Z"

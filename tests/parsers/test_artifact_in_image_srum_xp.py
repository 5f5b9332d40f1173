"""SRUM and XP setupapi.log found inside an image: an ext4 volume built at test time with
``mkfs.ext4 -d`` holding a SRUDB.dat from the ESE writer (read back with libesedb first)
and an XP setupapi.log at their Windows paths; the image engine's glob dispatch runs the
parsers and the events carry the image location."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pyesedb
import pytest

from evidencekit.case.ingest_image import ingest_image
from evidencekit.case.workspace import Case
from evidencekit.events.devices import events_from_lines
from tests.parsers.test_artifact_setupapi_xp import HEADER, USB1
from tests.parsers.test_artifact_srum import SID, srum_db


def test_image_ingest_runs_srum_and_setupapi_xp(tmp_path: Path) -> None:
    if shutil.which("mkfs.ext4") is None:
        pytest.skip("needs mkfs.ext4 (e2fsprogs)")
    tree = tmp_path / "tree"
    sru = tree / "Windows/System32/sru"
    sru.mkdir(parents=True)
    db = srum_db(sru)
    check = pyesedb.open(str(db))
    assert check.get_table_by_name("SruDbIdMapTable").number_of_records == 3
    check.close()
    (tree / "Windows/setupapi.log").write_bytes((HEADER + USB1).replace("\n", "\r\n").encode())
    evidence = tmp_path / "evidence"
    evidence.mkdir()
    image = evidence / "win.img"
    subprocess.run(["mkfs.ext4", "-q", "-F", "-d", str(tree), str(image), "16M"], check=True)
    case = Case.init(tmp_path / "case", "img")
    ingest_image(case, image, time_zone="UTC")
    events = list(events_from_lines(case.store.event_lines()))
    net = [e for e in events if e["kind"] == "srum.network_usage"]
    assert sorted(e["attributes"]["bytes_sent"] for e in net) == [5, 734_003_200]
    assert all(e["actor"]["sid"] == SID for e in net)
    assert all(e["locator"]["path"] == "Windows/System32/sru/SRUDB.dat" for e in net)
    assert all(e["locator"].get("inode") for e in net)
    (xp,) = [e for e in events if e["kind"] == "setupapi_xp.section"]
    assert xp["time"] == "2008-03-19T10:40:05.000000000Z" and xp["time_zone"] == "UTC"
    assert xp["device"]["usb_serial"] == "5B6B0B6F7C10"
    assert xp["locator"]["path"] == "Windows/setupapi.log" and xp["locator"]["line"] == 8

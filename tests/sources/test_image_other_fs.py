"""ISO 9660 (genisoimage) and exFAT (mkfs.exfat) through the same walk."""

from __future__ import annotations

import hashlib
from pathlib import Path

from evidencekit.events.time import from_unix
from tests.sources.conftest import FIXED_MTIME, ISO_FILES, build_exfat, build_iso
from tests.sources.helpers import fls_body, ingest, validate_events, without_md5


def test_iso9660_files_times_and_markings(tmp_path: Path) -> None:
    built = build_iso(tmp_path / "evidence", zone="Asia/Tokyo")
    result = ingest(built.path, tmp_path / "case", tz="Asia/Tokyo")
    fs = result.summary.source.acquisition["file_systems"]
    assert [f["fs_type"] for f in fs] == ["ISO9660"]
    for path, data in ISO_FILES.items():
        assert result.entry(path)["sha256"] == hashlib.sha256(data).hexdigest()
    # genisoimage wrote the Tokyo wall clock of the files' mtime; placed in that zone it
    # is the instant we set.
    event = result.events_for("readme.txt")["crtime"]
    assert event["time"] == from_unix(FIXED_MTIME)
    assert (event["time_offset"], event["time_zone"]) == ("+09:00", "Asia/Tokyo")
    assert result.entry("sub/design.txt")["markings"][0]["term"] == "Proprietary"
    ours = without_md5(result.summary.body.read_text(encoding="utf-8").splitlines())
    assert ours == without_md5(fls_body(built.path, tz="Asia/Tokyo"))
    validate_events(result.events)


def test_exfat_volume_is_opened(tmp_path: Path) -> None:
    built = build_exfat(tmp_path / "evidence")
    result = ingest(built.path, tmp_path / "case")
    assert [f["fs_type"] for f in result.summary.source.acquisition["file_systems"]] == ["exFAT"]
    assert {r["path"] for r in result.inventory} >= {"$ALLOC_BITMAP", "$UPCASE_TABLE"}
    assert result.issues == []
    assert not result.summary.nothing_read

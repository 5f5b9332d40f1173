"""The real third-party disk images in ../shared/corpus, checked against FACTS.json
(facts established there with pytsk3, fls/istat/icat, mmls, ewfinfo and DFTT answer keys)."""

from __future__ import annotations

import zipfile
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import CORPUS
from tests.sources.helpers import Result, ingest, validate_events

pytestmark = pytest.mark.corpus
FS_NAMES = {"FAT16": "FAT16", "FAT12": "FAT12", "FAT32": "FAT32", "Ext2": "ext2", "NTFS": "NTFS"}


def _disk_facts() -> list[dict[str, Any]]:
    if not (CORPUS / "FACTS.json").is_file():
        return []
    import json

    data = json.loads((CORPUS / "FACTS.json").read_text())
    return [f for f in data["files"] if f.get("kind") == "disk_image"]


FACTS = _disk_facts()


def _image(fact: dict[str, Any], tmp_path: Path) -> Path:
    path = CORPUS / fact["file"]
    if not path.exists():
        pytest.skip(f"{path} is absent (../shared/corpus is not beside this checkout)")
    member = fact["facts"].get("zip_member")
    if member is None:
        return path
    out = tmp_path / "extracted" / Path(member).name
    out.parent.mkdir()
    with zipfile.ZipFile(path) as zf, zf.open(member) as src, open(out, "wb") as dst:
        while chunk := src.read(1 << 20):
            dst.write(chunk)
    return out


def _slot(result: Result, offset_sectors: int) -> int:
    if result.summary.source.acquisition["volume_system"] == "none":
        return 0
    parts = result.summary.source.acquisition["partitions"]
    return next(p["slot"] for p in parts if p["start_sector"] == offset_sectors)


def _user_visible_deleted(result: Result, slot: int) -> list[str]:
    """FACTS' rule: user-visible names (no TSK virtual entries, no NTFS named streams,
    no $-system files; $OrphanFiles/* included)."""
    names = []
    for r in result.inventory:
        if r["partition"] != slot or not r["deleted"]:
            continue
        base = r["path"].rsplit("/", 1)[-1]
        if r.get("meta_type") in ("virtual", "virtual_dir") or (
            base.startswith("$") and not r["path"].startswith("$OrphanFiles/")
        ):
            continue
        if r["fs_type"] == "NTFS" and r["path"].startswith("$OrphanFiles/OrphanFile-"):
            continue  # reserved, never-used MFT entries, not user names
        names.append(r["path"])
    return sorted(names)


def _seconds(text: str | None) -> str | None:
    return None if text is None else text[:19].replace("T", " ")


def _check_sample(result: Result, slot: int, sample: dict[str, Any]) -> None:
    entry = result.entry(sample["path"], slot)
    assert entry["inode"] == str(sample["meta_addr"])
    assert entry["name_allocated"] is sample["name_allocated"]
    if sample.get("meta") is None and "size" not in sample:
        assert "meta_type" not in entry or entry.get("meta_allocated") is not True
        return
    assert entry["size"] == sample["size"]
    for key in ("md5", "sha256"):
        if key in sample:
            assert entry[key] == sample[key], (sample["path"], key)
    prefix = "si_" if entry["fs_type"] == "NTFS" else ""
    for role, expected in sample["times_utc"].items():
        assert _seconds(entry["times"].get(prefix + role)) == expected, (sample["path"], role)


@pytest.mark.parametrize("fact", FACTS, ids=[f["file"].split("/")[1] + ":" + Path(f["file"]).name
                                             for f in FACTS])  # fmt: skip
def test_corpus_image_facts(fact: dict[str, Any], tmp_path: Path) -> None:
    image = _image(fact, tmp_path)
    facts = fact["facts"]
    result = ingest(image, tmp_path / "case", tz="UTC")
    source = result.summary.source
    if "ewf" in facts:
        ewf = facts["ewf"]
        assert (source.md5, source.sha256) == (
            ewf["computed_media_md5"],
            ewf["computed_media_sha256"],
        )
        assert source.size == ewf["media_size"]
        assert source.acquisition["ewf_stored_hashes"]["md5"] == ewf["stored_md5"]
        assert set(source.acquisition["ewf_stored_hash_check"].values()) == {"match"}
    else:
        assert source.md5 == facts["media_md5"]
    if facts.get("partition_scheme"):
        assert source.acquisition["volume_system"] == facts["partition_scheme"]
        parts = source.acquisition["partitions"]
        ours = [(p["slot"], p["start_sector"], p["sectors"]) for p in parts
                if not p["description"].startswith("DOS Extended")]  # fmt: skip
        assert ours == [(p["slot"], p["start"], p["length"]) for p in facts["partitions"]]
    for fs in facts["filesystems"]:
        slot = _slot(result, fs["offset_sectors"])
        if "error" in fs:
            codes = [i["code"] for i in result.issues if i["locator"].get("partition") == slot]
            assert codes == ["unknown_filesystem"]
            continue
        ours = {f["partition"]: f["fs_type"] for f in source.acquisition["file_systems"]}
        assert ours[slot] == FS_NAMES[fs["fs_type"]]
        assert _user_visible_deleted(result, slot) == sorted(fs["deleted_names"])
        for sample in fs["sample_files"]:
            _check_sample(result, slot, sample)
        streams = {s["path"] for r in result.inventory if r["partition"] == slot
                   for s in r.get("streams", []) if s["attribute"].startswith("128-")}  # fmt: skip
        for ads in fs.get("alternate_data_streams", []):
            assert ads in streams
    validate_events(result.events[:2000])

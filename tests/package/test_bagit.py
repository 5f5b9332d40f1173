"""The strict BagIt validator against the Library of Congress conformance bags, and the
path rules (percent-encoding, NFC, collisions) RFC 8493 and our profile require."""

from __future__ import annotations

import shutil
import unicodedata
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from evidencekit.package import bagit
from tests.conftest import VECTORS

SUITE = VECTORS / "bagit-conformance" / "v1.0"


def _bags(kind: str) -> list[str]:
    folder = SUITE / kind
    return sorted(p.name for p in folder.iterdir()) if folder.is_dir() else []


def _all(found: bagit.BagProblems) -> list[str]:
    return found.declaration + found.payload + found.tags + found.signatures_dir


def test_the_v1_suite_is_there() -> None:
    if not SUITE.exists():
        pytest.skip("../shared/vectors is absent")
    assert _bags("invalid") and _bags("valid")


@pytest.mark.parametrize("name", _bags("invalid"))
def test_every_invalid_conformance_bag_is_refused(name: str) -> None:
    assert _all(bagit.check_bag(SUITE / "invalid" / name))


def test_duplicate_entries_in_the_suite_are_named() -> None:
    if not SUITE.exists():
        pytest.skip("../shared/vectors is absent")
    for name in ("same-filename-listed-twice-with-the-same-hash",
                 "same-filename-listed-twice-with-different-hashes"):  # fmt: skip
        found = bagit.check_bag(SUITE / "invalid" / name)
        assert any("listed twice" in p for p in found.payload), found.payload


def test_invalid_whitespace_declaration_is_refused() -> None:
    # bagit-python accepts this one (PROVENANCE.md); the strict validator does not.
    if not SUITE.exists():
        pytest.skip("../shared/vectors is absent")
    found = bagit.check_bag(SUITE / "invalid" / "bagit-with-invalid-whitespace")
    assert "bagit.txt is not the BagIt 1.0 UTF-8 declaration" in found.declaration


def test_valid_suite_bag_fails_only_on_our_profile_rules() -> None:
    # basicBag is valid BagIt with SHA-512 and no bag-info.txt; our profile requires
    # one SHA-256 manifest set and a Payload-Oxum, and says exactly that.
    if not SUITE.exists():
        pytest.skip("../shared/vectors is absent")
    found = bagit.check_bag(SUITE / "valid" / "basicBag")
    assert sorted(_all(found)) == sorted([
        "manifest-sha512.txt: a second manifest set (only SHA-256 is allowed)",
        "tagmanifest-sha512.txt: a second manifest set (only SHA-256 is allowed)",
        "manifest-sha256.txt is missing",
        "tagmanifest-sha256.txt is missing",
        "bag-info.txt is missing",
    ])  # fmt: skip


def test_percent_cr_lf_are_encoded_and_round_trip() -> None:
    name = "data/100%\rdone\nreally.txt"
    encoded = bagit.encode_path(name)
    assert encoded == "data/100%25%0Ddone%0Areally.txt"
    assert bagit.decode_path(encoded) == name
    text = bagit.manifest_bytes({name: "0" * 64})
    assert text.count(b"\n") == 1 and b"\r" not in text


def _minimal_bag(root: Path, files: dict[str, bytes]) -> Path:
    (root / "data").mkdir(parents=True)
    for name, data in files.items():
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_bytes(data)
    payload = sorted(files)
    (root / "bagit.txt").write_bytes(bagit.BAGIT_TXT)
    (root / "manifest-sha256.txt").write_bytes(
        bagit.manifest_bytes(bagit.hash_files(root, payload))
    )
    oxum = bagit.payload_oxum(root, payload)
    (root / "bag-info.txt").write_bytes(bagit.bag_info_bytes([("Payload-Oxum", oxum)]))
    tags = ["bagit.txt", "bag-info.txt", "manifest-sha256.txt"]
    (root / "tagmanifest-sha256.txt").write_bytes(
        bagit.manifest_bytes(bagit.hash_files(root, tags))
    )
    return root


def test_percent_name_bag_validates(tmp_path: Path) -> None:
    bag = _minimal_bag(tmp_path / "bag", {"data/100% done.txt": b"ok"})
    assert _all(bagit.check_bag(bag)) == []
    assert b"data/100%25 done.txt" in (bag / "manifest-sha256.txt").read_bytes()


def test_nfd_and_case_colliding_names_on_disk_are_refused(tmp_path: Path) -> None:
    nfd = unicodedata.normalize("NFD", "data/ガイド.txt")
    bag = _minimal_bag(tmp_path / "bag", {nfd: b"a", "data/Report.txt": b"b"})
    (bag / "data/report.txt").write_bytes(b"c")
    found = bagit.check_bag(bag)
    assert any("not in Unicode NFC form" in p for p in found.declaration)
    assert any("differ only by case or Unicode form" in p for p in found.declaration)


def test_symlink_in_bag_is_refused(tmp_path: Path) -> None:
    bag = _minimal_bag(tmp_path / "bag", {"data/a.txt": b"a"})
    (bag / "data/link").symlink_to("/etc/passwd")
    assert "data/link: symbolic link in the bag" in bagit.check_bag(bag).declaration


def test_bom_is_refused(tmp_path: Path) -> None:
    bag = _minimal_bag(tmp_path / "bag", {"data/a.txt": b"a"})
    info = bag / "bag-info.txt"
    info.write_bytes(b"\xef\xbb\xbf" + info.read_bytes())
    found = bagit.check_bag(bag)
    assert "bag-info.txt: starts with a byte-order mark" in found.payload


def test_copy_of_suite_is_not_modified(tmp_path: Path) -> None:
    # Validation only reads: a copied conformance bag is byte-identical afterwards.
    if not SUITE.exists():
        pytest.skip("../shared/vectors is absent")
    copy = tmp_path / "basic"
    shutil.copytree(SUITE / "valid" / "basicBag", copy)
    before = {p: p.read_bytes() for p in copy.rglob("*") if p.is_file()}
    bagit.check_bag(copy)
    assert {p: p.read_bytes() for p in copy.rglob("*") if p.is_file()} == before


@given(
    st.dictionaries(
        st.text(
            st.characters(exclude_categories=("Cs",), exclude_characters="/\\\x00"),
            min_size=1,
            max_size=12,
        ).map(lambda s: "data/" + unicodedata.normalize("NFC", s)),
        st.from_regex(r"[0-9a-f]{64}", fullmatch=True),
        max_size=6,
    )
)
def test_manifest_round_trips_any_safe_name(entries: dict[str, str]) -> None:
    entries = {k: v for k, v in entries.items() if bagit.path_problem(k) is None}
    keys = {bagit.collision_key(k) for k in entries}
    if len(keys) != len(entries):
        return  # colliding names are refused elsewhere; nothing to round-trip
    problems: list[str] = []
    text = bagit.manifest_bytes(entries)
    assert bagit.parse_manifest(text, "manifest-sha256.txt", problems) == entries
    assert problems == []
    assert b"\r" not in text and text.count(b"\n") == len(entries)

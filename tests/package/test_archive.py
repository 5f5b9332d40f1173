"""The single-file form: verify reads it directly; hostile and truncated archives are refused."""

from __future__ import annotations

import contextlib
import gzip
import hashlib
import io
import tarfile
import tempfile
import unicodedata
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from evidencekit.package.archive import ArchiveError, ExtractLimits, safe_extract
from evidencekit.package.build import PackageOptions, build_package
from evidencekit.package.signing import load_signer
from evidencekit.verify.package import verify_package
from evidencekit.verify.policy import load_anchors
from evidencekit.verify.report import PackageVerificationError
from tests.package.conftest import PASSPHRASE, MakeCase, Pki


def _tar(path: Path, members: list[tarfile.TarInfo], data: dict[str, bytes] | None = None) -> Path:
    data = data or {}
    with tarfile.open(path, "w", format=tarfile.PAX_FORMAT) as tar:
        for info in members:
            payload = data.get(info.name)
            if payload is not None:
                info.size = len(payload)
            tar.addfile(info, io.BytesIO(payload) if payload is not None else None)
    return path


def _file(name: str) -> tarfile.TarInfo:
    info = tarfile.TarInfo(name)
    info.type = tarfile.REGTYPE
    return info


def _special(name: str, kind: bytes, link: str = "") -> tarfile.TarInfo:
    info = tarfile.TarInfo(name)
    info.type, info.linkname = kind, link
    return info


@pytest.fixture
def archive(make_case: MakeCase, pki: Pki, tmp_path: Path) -> Path:
    signer = load_signer(pki.examiner.sign_spec, PASSPHRASE)
    exhibit = tmp_path / "evidence-case" / "vpn.jsonl"
    options = PackageOptions(
        out=tmp_path / "EK-pkg", signers=[signer], archive=True, exhibits=[exhibit]
    )
    result = build_package(make_case(), options)
    assert result.archive is not None
    return result.archive


def test_verify_reads_the_archive_directly(archive: Path, pki: Pki) -> None:
    report = verify_package(archive, load_anchors(str(pki.root.cert_pem)))
    assert report.passed
    assert report.checks[0].name == "archive" and report.checks[0].status == "passed"


def test_payload_byte_flipped_inside_the_archive(archive: Path, pki: Pki, tmp_path: Path) -> None:
    with tarfile.open(archive) as tar:
        member = tar.getmember("EK-pkg/data/exhibits/E0001.jsonl")
    data = bytearray(archive.read_bytes())
    data[member.offset_data + 10] ^= 0x01
    bad = tmp_path / "bad.tar"
    bad.write_bytes(bytes(data))
    with pytest.raises(PackageVerificationError) as info:
        verify_package(bad, load_anchors(str(pki.root.cert_pem)))
    failed = {c.name: c.problems for c in info.value.report.checks if c.status == "failed"}
    assert list(failed) == ["payload files"]
    assert "data/exhibits/E0001.jsonl: SHA-256" in failed["payload files"][0]


def test_streamed_extraction_hashes_payload_without_writing_it(
    archive: Path, tmp_path: Path
) -> None:
    digests: dict[str, str] = {}
    bag = safe_extract(archive, tmp_path / "out", payload_digests=digests)
    placeholder = bag / "data/exhibits/E0001.jsonl"
    original = (tmp_path / "evidence-case" / "vpn.jsonl").read_bytes()
    assert placeholder.stat().st_size == len(original)
    assert placeholder.read_bytes() == bytes(len(original))  # never written
    assert digests["data/exhibits/E0001.jsonl"] == hashlib.sha256(original).hexdigest()
    assert sorted(digests) == ["data/README.txt", "data/exhibits/E0001.jsonl"]
    assert (bag / "metadata/manifest.json").read_bytes().startswith(b"{")  # tag files written


@pytest.mark.parametrize("where", ["middle", "inside the last member"])
def test_truncated_archive(archive: Path, tmp_path: Path, pki: Pki, where: str) -> None:
    data = archive.read_bytes()
    with tarfile.open(archive) as tar:
        last = [m for m in tar.getmembers() if m.isfile()][-1]
    keep = len(data) // 2 if where == "middle" else last.offset_data + last.size // 2
    cut = tmp_path / "cut.tar"
    cut.write_bytes(data[:keep])
    with pytest.raises(PackageVerificationError) as info:
        verify_package(cut, load_anchors(str(pki.root.cert_pem)))
    (check,) = info.value.report.checks
    assert check.name == "archive" and check.status == "failed"
    assert "archive is truncated" in check.problems[0]


def test_truncated_exactly_at_a_member_boundary(tmp_path: Path) -> None:
    full = _tar(tmp_path / "a.tar", [_file("bag/a.txt")], {"bag/a.txt": b"x" * 10})
    cut = tmp_path / "cut.tar"
    cut.write_bytes(full.read_bytes()[: 512 * 3])  # pax header + header + one data block
    with pytest.raises(ArchiveError, match="no end-of-archive marker"):
        safe_extract(cut, tmp_path / "out")


HOSTILE = {
    "traversal": ([_file("bag/../../evil.txt")], "'.', '..' or an empty component"),
    "absolute": ([_file("/etc/evil.txt")], "absolute"),
    "home": ([_file("~/evil.txt")], "home-relative"),
    "symlink": ([_special("bag/link", tarfile.SYMTYPE, "/etc/passwd")], "links are not allowed"),
    "hardlink": ([_special("bag/hard", tarfile.LNKTYPE, "bag/a")], "links are not allowed"),
    "device": ([_special("bag/dev", tarfile.CHRTYPE)], "device, FIFO or special file"),
    "fifo": ([_special("bag/fifo", tarfile.FIFOTYPE)], "device, FIFO or special file"),
    "duplicate": ([_file("bag/a.txt"), _file("bag/a.txt")], "duplicate entry"),
    "case": ([_file("bag/Report.txt"), _file("bag/report.txt")], "collides with 'bag/Report.txt'"),
}


@pytest.mark.parametrize("name", sorted(HOSTILE))
def test_hostile_entries_are_refused(tmp_path: Path, name: str) -> None:
    members, message = HOSTILE[name]
    path = _tar(tmp_path / "h.tar", members)
    out = tmp_path / "out"
    with pytest.raises(ArchiveError, match=message.replace("(", r"\(").replace(")", r"\)")):
        safe_extract(path, out)
    assert not (tmp_path / "evil.txt").exists() and not Path("/etc/evil.txt").exists()


def test_names_differing_only_by_unicode_form(tmp_path: Path) -> None:
    nfc = unicodedata.normalize("NFC", "bag/ガイド.txt")
    nfd = unicodedata.normalize("NFD", "bag/ガイド.txt")
    path = _tar(tmp_path / "u.tar", [_file(nfc), _file(nfd)])
    with pytest.raises(ArchiveError, match="not in Unicode NFC form"):
        safe_extract(path, tmp_path / "out")


def test_decompression_bomb(tmp_path: Path) -> None:
    raw = io.BytesIO()
    with tarfile.open(fileobj=raw, mode="w", format=tarfile.PAX_FORMAT) as tar:
        info = _file("bag/zeros.bin")
        info.size = 64 << 20
        tar.addfile(info, io.BytesIO(bytes(info.size)))
    bomb = tmp_path / "bomb.tar.gz"
    bomb.write_bytes(gzip.compress(raw.getvalue(), compresslevel=9))
    assert bomb.stat().st_size < 200_000
    with pytest.raises(ArchiveError, match="decompression or size bomb"):
        safe_extract(bomb, tmp_path / "out")
    assert not (tmp_path / "out" / "bag" / "zeros.bin").exists()


def test_size_limit_on_plain_archives(archive: Path, tmp_path: Path) -> None:
    with pytest.raises(ArchiveError, match="size bomb"):
        safe_extract(archive, tmp_path / "out", ExtractLimits(max_total=100))


def test_two_top_folders_are_refused(tmp_path: Path) -> None:
    path = _tar(tmp_path / "t.tar", [_file("one/a"), _file("two/b")])
    with pytest.raises(ArchiveError, match="exactly one top folder"):
        safe_extract(path, tmp_path / "out")


_NAME_PARTS = st.sampled_from(["bag", "a", "A", "..", ".", "", "~", "/", "\\", "C:", "ｂ", "%"])


@settings(max_examples=60, deadline=None)
@given(st.lists(st.lists(_NAME_PARTS, min_size=1, max_size=4).map("/".join), max_size=4))
def test_extraction_never_writes_outside_its_folder(names: list[str]) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        archive = root / "a.tar"
        try:
            _tar(archive, [_file(n) for n in names], dict.fromkeys(names, b"x"))
        except (ValueError, OSError):
            return  # tarfile itself cannot write such a name
        dest = root / "out" / "inner"
        with contextlib.suppress(ArchiveError):
            safe_extract(archive, dest)
        outside = [p for p in root.rglob("*") if p != archive and dest not in (p, *p.parents)
                   and p not in (root / "out",)]  # fmt: skip
        assert outside == []

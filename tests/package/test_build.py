"""Building packages: layout, determinism, and independent tools (bagit-python, openssl,
sha256sum) accepting what we write."""

from __future__ import annotations

import hashlib
import json
import shutil
import subprocess
import tarfile
import unicodedata
from pathlib import Path

import bagit
import pytest

from evidencekit.package.build import PackageOptions, build_package
from evidencekit.package.manifest import PackageManifest
from evidencekit.package.signing import load_signer
from evidencekit.verify.package import verify_package
from evidencekit.verify.policy import load_anchors
from evidencekit.verify.report import PackageVerificationError
from tests.package.conftest import PASSPHRASE, MakeCase, Pki


def _package(case, out: Path, pki: Pki, **kw):  # type: ignore[no-untyped-def]
    signers = kw.pop("signers", None) or [load_signer(pki.examiner.sign_spec, PASSPHRASE)]
    return build_package(case, PackageOptions(out=out, signers=signers, **kw))


def test_layout_holds_every_part_and_never_the_secret(
    make_case: MakeCase, pki: Pki, tmp_path: Path
) -> None:
    case = make_case()
    result = _package(case, tmp_path / "pkg", pki)
    bag = result.path
    names = sorted(p.relative_to(bag).as_posix() for p in bag.rglob("*") if p.is_file())
    assert "metadata/timeline.jsonl" in names
    assert {"bagit.txt", "bag-info.txt", "manifest-sha256.txt", "tagmanifest-sha256.txt",
            "metadata/manifest.json", "metadata/head.json", "metadata/sources.jsonl",
            "metadata/parse-issues.jsonl", "metadata/case.json", "metadata/custody.jsonl",
            "signatures/Examiner-Yamada.p7s"} <= set(names)  # fmt: skip
    assert not any("secret" in n for n in names)
    secret = (case.root / "secret.key").read_bytes().strip()
    for path in bag.rglob("*"):
        if path.is_file():
            assert secret not in path.read_bytes(), path
            data = path.read_bytes()
            if not path.name.endswith((".p7s", ".sig", ".tsr")):
                assert b"\r" not in data and not data.startswith(b"\xef\xbb\xbf"), path
    info = (bag / "bag-info.txt").read_text()
    assert "External-Identifier: EK-2026-007" in info
    assert "Contact-Name: Examiner Yamada" in info
    assert "Source-Organization: Test Law Office" in info
    readme = (bag / "data/README.txt").read_bytes()
    assert f"Payload-Oxum: {len(readme)}.1" in info  # never empty: sha256sum -c refuses that
    assert b"Evidence package of case EK-2026-007" in readme
    done = subprocess.run(["sha256sum", "--strict", "-c", "manifest-sha256.txt"], cwd=bag)
    assert done.returncode == 0  # without exhibits too
    # The parse issue of the malformed line travels into the package, with its location.
    issues = (bag / "metadata/parse-issues.jsonl").read_text().splitlines()
    assert len(issues) == 1 and json.loads(issues[0])["code"] == "malformed_record"
    manifest = PackageManifest.from_bytes((bag / "metadata/manifest.json").read_bytes())
    assert manifest.counts.events == 15 and manifest.counts.parse_issues == 1
    assert manifest.counts.records_failed == 1
    assert manifest.timeline.merkle_root == case.head().merkle_root
    entries = case.custody.entries()
    assert entries[-1].action == "packaging"
    assert entries[-1].evidence["metadata/manifest.json"] == result.manifest_sha256


def test_same_case_and_secret_give_byte_identical_manifest_and_payload(
    make_case: MakeCase, pki: Pki, tmp_path: Path
) -> None:
    case = make_case()
    exhibit = tmp_path / "evidence-case" / "fileserver.jsonl"
    one = _package(case, tmp_path / "one", pki, exhibits=[exhibit], archive=True)
    copy_root = tmp_path / "copy-of-case"
    shutil.copytree(case.root, copy_root)
    from evidencekit.case.workspace import Case

    two = _package(Case(copy_root), tmp_path / "two", pki, exhibits=[exhibit], archive=True)
    for name in ("metadata/manifest.json", "metadata/timeline.jsonl", "manifest-sha256.txt",
                 "data/exhibits/E0001.jsonl", "metadata/sources.jsonl"):  # fmt: skip
        assert (one.path / name).read_bytes() == (two.path / name).read_bytes(), name
    assert one.archive is not None and two.archive is not None
    with tarfile.open(one.archive) as a, tarfile.open(two.archive) as b:
        ma = {m.name.split("/", 1)[1]: m for m in a.getmembers() if "/" in m.name}
        mb = {m.name.split("/", 1)[1]: m for m in b.getmembers() if "/" in m.name}
        assert sorted(ma) == sorted(mb)
        member = ma["data/exhibits/E0001.jsonl"]
        assert (member.mtime, member.uid, member.gid, member.mode) == (0, 0, 0, 0o644)
        for name in ("data/exhibits/E0001.jsonl", "metadata/manifest.json"):
            fa, fb = a.extractfile(ma[name]), b.extractfile(mb[name])
            assert fa is not None and fb is not None
            assert fa.read() == fb.read()
        assert [m.name for m in a.getmembers()] == sorted(m.name for m in a.getmembers())


def test_exhibit_names_are_ascii_and_originals_kept(
    make_case: MakeCase, pki: Pki, tmp_path: Path
) -> None:
    case = make_case()
    nfd_name = unicodedata.normalize("NFD", "図面_ガイド.pdf")
    exhibit = tmp_path / "exhibits" / nfd_name
    exhibit.parent.mkdir()
    exhibit.write_bytes(b"%PDF-1.4 exhibit bytes\n")
    result = _package(case, tmp_path / "pkg", pki, exhibits=[exhibit])
    manifest = PackageManifest.from_bytes((result.path / "metadata/manifest.json").read_bytes())
    (entry,) = manifest.exhibits
    assert entry.path == "data/exhibits/E0001.pdf" and entry.path.isascii()
    assert entry.original_name == nfd_name
    assert bytes.fromhex(entry.original_name_hex) == nfd_name.encode("utf-8")
    assert entry.nfc_normalised is True
    assert entry.sha256 == hashlib.sha256(exhibit.read_bytes()).hexdigest()


def test_bagit_python_validates_the_package(make_case: MakeCase, pki: Pki, tmp_path: Path) -> None:
    case = make_case()
    exhibit = tmp_path / "evidence-case" / "vpn.jsonl"
    result = _package(case, tmp_path / "pkg", pki, exhibits=[exhibit])
    bag = bagit.Bag(str(result.path))
    bag.validate()  # raises BagValidationError on any problem
    assert bag.algorithms == ["sha256"]
    assert sorted(bag.payload_entries()) == ["data/README.txt", "data/exhibits/E0001.jsonl"]


def test_sha256sum_openssl_cms_and_ts_accept_the_package(
    make_case: MakeCase, pki: Pki, tsa_url: str, tmp_path: Path
) -> None:
    case = make_case()
    exhibit = tmp_path / "evidence-case" / "vpn.jsonl"
    result = _package(case, tmp_path / "pkg", pki, exhibits=[exhibit], tsa_url=tsa_url)
    bag = result.path
    for manifest in ("tagmanifest-sha256.txt", "manifest-sha256.txt"):
        done = subprocess.run(
            ["sha256sum", "--strict", "-c", manifest], cwd=bag, capture_output=True, text=True
        )
        assert done.returncode == 0, done.stdout + done.stderr
    cms = subprocess.run(
        ["openssl", "cms", "-verify", "-cades", "-binary", "-inform", "DER",
         "-in", "signatures/Examiner-Yamada.p7s", "-content", "tagmanifest-sha256.txt",
         "-CAfile", str(pki.root.cert_pem), "-out", "/dev/null"],
        cwd=bag, capture_output=True, text=True,
    )  # fmt: skip
    assert cms.returncode == 0, cms.stderr
    assert "Verification successful" in cms.stderr
    ts = subprocess.run(
        ["openssl", "ts", "-verify", "-data", "tagmanifest-sha256.txt",
         "-in", "signatures/tagmanifest-sha256.txt.tsr", "-CAfile", str(pki.tsa_root.cert_pem)],
        cwd=bag, capture_output=True, text=True,
    )  # fmt: skip
    assert ts.returncode == 0, ts.stdout + ts.stderr
    assert "Verification: OK" in ts.stdout
    # And our own verifier agrees, with the trust given from outside.
    from cryptography import x509

    report = verify_package(
        bag,
        load_anchors(str(pki.root.cert_pem)),
        tsa_roots=[x509.load_pem_x509_certificate(pki.tsa_root.cert_pem.read_bytes())],
    )
    assert report.passed and report.timestamp is not None
    assert {c.name: c.status for c in report.checks}["time stamp"] == "passed"


def test_encrypted_key_without_passphrase_is_refused(pki: Pki) -> None:
    from evidencekit.package.signing import SigningKeyError

    with pytest.raises(SigningKeyError, match="encrypted; give its passphrase"):
        load_signer(pki.examiner.sign_spec, None)
    with pytest.raises(SigningKeyError, match="wrong passphrase"):
        load_signer(pki.examiner.sign_spec, b"not it")


def test_unencrypted_private_key_is_refused(pki: Pki, tmp_path: Path) -> None:
    from cryptography.hazmat.primitives import serialization

    from evidencekit.package.signing import SigningKeyError

    plain = tmp_path / "plain.key.pem"
    plain.write_bytes(
        pki.examiner.key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    with pytest.raises(SigningKeyError, match="not encrypted; keys must be kept encrypted"):
        load_signer(f"{pki.examiner.cert_pem}:{plain}", None)


def test_inventories_analysis_and_report_are_packaged(
    make_case: MakeCase, pki: Pki, tmp_path: Path
) -> None:
    case = make_case()
    inventories = case.root / "store" / "inventories" / "disk0"
    inventories.mkdir(parents=True)
    (inventories / "a1b2.inventory.jsonl").write_text('{"path":"/Users/e1/設計.dwg"}\n')
    (case.root / "analysis").mkdir()
    (case.root / "analysis" / "analysis.json").write_text('{"findings":[]}\n')
    (case.root / "report").mkdir()
    (case.root / "report" / "report.pdf").write_bytes(b"%PDF-1.7\n%%EOF\n")
    (case.root / "report" / "report.pdf.partial").write_bytes(b"half-written")
    result = _package(case, tmp_path / "pkg", pki)
    bag = result.path
    manifest = PackageManifest.from_bytes((bag / "metadata/manifest.json").read_bytes())
    assert "metadata/inventories/disk0/a1b2.inventory.jsonl" in manifest.files
    assert "metadata/analysis/analysis.json" in manifest.files
    assert "metadata/report/report.pdf" not in manifest.files  # carries its creation time
    tags = (bag / "tagmanifest-sha256.txt").read_text()
    assert "  metadata/report/report.pdf\n" in tags
    assert not (bag / "metadata/report/report.pdf.partial").exists()
    verify_package(bag, load_anchors(str(pki.root.cert_pem)))
    (bag / "metadata/report/report.pdf").write_bytes(b"%PDF-1.7\n% replaced\n%%EOF\n")
    with pytest.raises(PackageVerificationError) as info:
        verify_package(bag, load_anchors(str(pki.root.cert_pem)))
    assert info.value.failures == [
        "tag files: metadata/report/report.pdf: SHA-256 "
        + hashlib.sha256((bag / "metadata/report/report.pdf").read_bytes()).hexdigest()
        + " does not match tagmanifest-sha256.txt ("
        + next(line.split()[0] for line in tags.splitlines() if "report.pdf" in line)
        + ")"
    ]


def test_package_inside_an_evidence_folder_is_refused(
    make_case: MakeCase, pki: Pki, tmp_path: Path
) -> None:
    from evidencekit.errors import EvidenceWriteRefused

    case = make_case()
    with pytest.raises(EvidenceWriteRefused, match="evidence is read-only"):
        _package(case, tmp_path / "evidence-case" / "pkg", pki)
    assert not (tmp_path / "evidence-case" / "pkg").exists()


def test_rsa_signer_gives_cades_that_openssl_and_we_accept(
    make_case: MakeCase, pki: Pki, tmp_path: Path
) -> None:
    signer = load_signer(pki.rsa_examiner.sign_spec, PASSPHRASE)
    result = _package(make_case(), tmp_path / "pkg", pki, signers=[signer])
    cms = subprocess.run(
        ["openssl", "cms", "-verify", "-cades", "-binary", "-inform", "DER",
         "-in", "signatures/Examiner-Kato.p7s", "-content", "tagmanifest-sha256.txt",
         "-CAfile", str(pki.root.cert_pem), "-out", "/dev/null"],
        cwd=result.path, capture_output=True, text=True,
    )  # fmt: skip
    assert cms.returncode == 0, cms.stderr
    report = verify_package(result.path, load_anchors(str(pki.root.cert_pem)))
    (sig,) = report.signatures
    assert sig.kind == "cms" and "CN=Examiner Kato" in sig.signer and sig.signing_time


def test_failed_signing_leaves_no_package_and_says_so_in_custody(
    make_case: MakeCase, pki: Pki, tmp_path: Path
) -> None:
    from evidencekit.package.timestamp import TimeStampError

    case = make_case()
    with pytest.raises(TimeStampError, match="time-stamp authority"):
        _package(case, tmp_path / "pkg", pki, tsa_url="http://127.0.0.1:9/unreachable")
    assert not (tmp_path / "pkg").exists() and not (tmp_path / "pkg.partial").exists()
    last = case.custody.entries()[-2:]
    assert [e.action for e in last] == ["packaging", "note"]
    assert last[1].what.startswith("package pkg was not completed: time-stamp authority")


def test_two_signers_of_one_name_are_refused(make_case: MakeCase, pki: Pki, tmp_path: Path) -> None:
    from evidencekit.errors import CaseError

    one = load_signer(pki.examiner.sign_spec, PASSPHRASE)
    two = load_signer(pki.reviewer.sign_spec, PASSPHRASE, name=one.name)
    with pytest.raises(CaseError, match="two signers are both named 'Examiner-Yamada'"):
        _package(make_case(), tmp_path / "pkg", pki, signers=[one, two])

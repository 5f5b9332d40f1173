"""Every tamper case is caught, each with its own message (PACKAGING.md's catalogue)."""

from __future__ import annotations

import json
import re
import shutil
from dataclasses import dataclass
from pathlib import Path

import pytest
import rfc8785
from cryptography import x509

from evidencekit.package import bagit
from evidencekit.package.build import PackageOptions, build_package, sign_into
from evidencekit.package.signing import Signer, load_signer
from evidencekit.verify.package import verify_package
from evidencekit.verify.policy import Anchor, load_anchors
from evidencekit.verify.report import PackageVerificationError, VerificationReport
from tests.package.conftest import PASSPHRASE, Pki, build_case


@dataclass
class Built:
    bag: Path
    other: Path  # a second, independently built package of another case
    anchors: list[Anchor]
    tsa_roots: list[x509.Certificate]
    examiner: Signer

    def verify(self, path: Path | None = None) -> VerificationReport:
        return verify_package(path or self.bag, self.anchors, self.tsa_roots)

    def failures(self, path: Path | None = None) -> dict[str, list[str]]:
        """check name -> problems, for the checks that failed (raises if nothing failed)."""
        with pytest.raises(PackageVerificationError) as info:
            self.verify(path)
        report = info.value.report
        return {c.name: list(c.problems) for c in report.checks if c.status == "failed"}


@pytest.fixture(scope="module")
def pristine(pki: Pki, tsa_url: str, tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """Two signed, time-stamped packages of two cases, built once for this module."""
    root = tmp_path_factory.mktemp("pristine")
    examiner = load_signer(pki.examiner.sign_spec, PASSPHRASE)
    packages = []
    for name in ("a", "b"):
        case = build_case(root, name, n=10 if name == "a" else 7)
        exhibit = root / f"evidence-{name}" / "vpn.jsonl"
        options = PackageOptions(
            out=root / f"pkg-{name}", signers=[examiner], tsa_url=tsa_url, exhibits=[exhibit]
        )
        packages.append(build_package(case, options).path)
    return packages[0], packages[1]


@pytest.fixture
def built(pristine: tuple[Path, Path], pki: Pki, tmp_path: Path) -> Built:
    """A fresh copy of the pristine packages for one test to tamper with."""
    bag, other = (shutil.copytree(p, tmp_path / p.name) for p in pristine)
    examiner = load_signer(pki.examiner.sign_spec, PASSPHRASE)
    tsa_root = x509.load_pem_x509_certificate(pki.tsa_root.cert_pem.read_bytes())
    anchors = load_anchors(str(pki.root.cert_pem))
    result = Built(bag, other, anchors, [tsa_root], examiner)
    result.verify()  # the untouched package passes
    return result


def rehash_tags(bag: Path) -> None:
    """Regenerate the tag manifest, as a forger who cannot sign would."""
    tags = [
        p.relative_to(bag).as_posix()
        for p in bag.rglob("*")
        if p.is_file() and p.relative_to(bag).parts[0] not in ("data", "signatures")
        and p.name != "tagmanifest-sha256.txt"
    ]  # fmt: skip
    (bag / "tagmanifest-sha256.txt").write_bytes(bagit.manifest_bytes(bagit.hash_files(bag, tags)))


def resign(built: Built, signer: Signer) -> None:
    """Drop the signatures and sign again (as the trusted examiner, to reach deeper checks).
    The new signatures carry no time stamp, so the verifier is given no TSA root."""
    shutil.rmtree(built.bag / "signatures")
    sign_into(built.bag, (built.bag / "tagmanifest-sha256.txt").read_bytes(), [signer], None)
    built.tsa_roots = []


def flip(path: Path, offset: int = 5) -> None:
    data = bytearray(path.read_bytes())
    data[offset] ^= 0x01
    path.write_bytes(bytes(data))


def test_payload_byte_flip_same_size(built: Built) -> None:
    flip(built.bag / "data/exhibits/E0001.jsonl")
    failed = built.failures()
    assert list(failed) == ["payload files"]
    assert "data/exhibits/E0001.jsonl: SHA-256" in failed["payload files"][0]
    assert "does not match manifest-sha256.txt" in failed["payload files"][0]


@pytest.mark.parametrize(
    "name", ["metadata/sources.jsonl", "bag-info.txt", "metadata/custody.jsonl", "bagit.txt"]
)
def test_tag_file_byte_flip(built: Built, name: str) -> None:
    flip(built.bag / name, 3)
    failed = built.failures()
    assert any(p.startswith(f"{name}: SHA-256") for p in failed["tag files"])


def test_manifest_byte_flip_breaks_payload_and_tag_checks(built: Built) -> None:
    # another hex digit (a bit flip turns 'a' or 'f' into a non-hex character about one
    # run in eight: a malformed line, which is a different failure)
    path = built.bag / "manifest-sha256.txt"
    data = bytearray(path.read_bytes())
    data[2] = ord("0") if data[2] != ord("0") else ord("1")
    path.write_bytes(bytes(data))
    failed = built.failures()
    assert any("manifest-sha256.txt: SHA-256" in p for p in failed["tag files"])
    assert any("does not match manifest-sha256.txt" in p for p in failed["payload files"])


def test_manifest_digest_made_non_hex_is_a_malformed_line(built: Built) -> None:
    path = built.bag / "manifest-sha256.txt"
    data = bytearray(path.read_bytes())
    data[2] = ord("g")
    path.write_bytes(bytes(data))
    failed = built.failures()
    assert any("manifest-sha256.txt: SHA-256" in p for p in failed["tag files"])
    problems = [p for group in failed.values() for p in group]
    assert any("line 1: not '<sha256>  <path>'" in p for p in problems)


def test_file_added_in_payload_root_and_metadata(built: Built) -> None:
    (built.bag / "data/extra.bin").write_bytes(b"x")
    (built.bag / "notes.txt").write_bytes(b"x")
    (built.bag / "metadata/extra.json").write_bytes(b"{}")
    failed = built.failures()
    assert failed["payload files"][0] == (
        "data/extra.bin: present but not listed in manifest-sha256.txt (added file)"
    )
    assert failed["payload files"][1].startswith("bag-info.txt: Payload-Oxum")
    added = [p for p in failed["tag files"] if "added file" in p]
    assert sorted(p.split(":")[0] for p in added) == ["metadata/extra.json", "notes.txt"]


def test_file_removed_and_renamed(built: Built) -> None:
    (built.bag / "metadata/parse-issues.jsonl").unlink()
    (built.bag / "data/exhibits/E0001.jsonl").rename(built.bag / "data/exhibits/E0002.jsonl")
    failed = built.failures()
    assert (
        "metadata/parse-issues.jsonl: listed in tagmanifest-sha256.txt but missing"
        in (failed["tag files"])
    )
    assert (
        "data/exhibits/E0001.jsonl: listed in manifest-sha256.txt but missing"
        in (failed["payload files"])
    )
    assert any(p.startswith("data/exhibits/E0002.jsonl: present but not listed") for p in
               failed["payload files"])  # fmt: skip


def test_extra_file_in_signatures_folder(built: Built) -> None:
    (built.bag / "signatures/readme.txt").write_bytes(b"trust me")
    failed = built.failures()
    assert failed["signatures folder"] == [
        "signatures/readme.txt: not an allowed signature file name"
    ]


def test_manifest_edited_and_rehashed_but_not_resigned(built: Built) -> None:
    path = built.bag / "metadata/manifest.json"
    data = json.loads(path.read_bytes())
    data["counts"]["events"] -= 1
    path.write_bytes(rfc8785.dumps(data) + b"\n")
    rehash_tags(built.bag)
    failed = built.failures()
    assert "tag files" not in failed and "payload files" not in failed
    assert failed["signature Examiner-Yamada.p7s"] == [
        "signed digest does not match tagmanifest-sha256.txt (signs other content)"
    ]
    assert failed["time stamp"] == [
        "time stamp is over a different digest than tagmanifest-sha256.txt"
    ]
    assert any("event count: manifest 12, timeline 13" in p for p in failed["manifest agreement"])


def test_payload_changed_with_both_manifests_regenerated(built: Built) -> None:
    flip(built.bag / "data/exhibits/E0001.jsonl")
    payload = ["data/exhibits/E0001.jsonl"]
    (built.bag / "manifest-sha256.txt").write_bytes(
        bagit.manifest_bytes(bagit.hash_files(built.bag, payload))
    )
    rehash_tags(built.bag)
    failed = built.failures()
    assert "signed digest does not match" in failed["signature Examiner-Yamada.p7s"][0]
    assert (
        "exhibit data/exhibits/E0001.jsonl: hash differs from manifest-sha256.txt"
        in (failed["manifest agreement"])
    )


def test_signature_moved_from_another_package(built: Built) -> None:
    shutil.copyfile(
        built.other / "signatures/Examiner-Yamada.p7s", built.bag / "signatures/Examiner-Yamada.p7s"
    )
    failed = built.failures()
    assert failed["signature Examiner-Yamada.p7s"] == [
        "signed digest does not match tagmanifest-sha256.txt (signs other content)"
    ]


def test_time_stamp_over_another_digest(built: Built) -> None:
    name = "signatures/tagmanifest-sha256.txt.tsr"
    shutil.copyfile(built.other / name, built.bag / name)
    failed = built.failures()
    assert failed == {
        "time stamp": ["time stamp is over a different digest than tagmanifest-sha256.txt"]
    }


def test_time_stamp_checked_only_against_outside_tsa_roots(built: Built, pki: Pki) -> None:
    other_root = x509.load_pem_x509_certificate(pki.other_tsa_root.cert_pem.read_bytes())
    with pytest.raises(PackageVerificationError) as info:
        verify_package(built.bag, built.anchors, [other_root])
    failed = {c.name: c.problems for c in info.value.report.checks if c.status == "failed"}
    assert sorted(failed) == ["signature Examiner-Yamada.p7s", "signer trust", "time stamp"]
    assert failed["time stamp"][0].startswith("TSA not trusted")
    assert failed["signature Examiner-Yamada.p7s"][0].startswith(
        "signature time stamp: TSA not trusted"
    )
    report = verify_package(built.bag, built.anchors, [])  # no roots: the stamp is only shown
    stamp = next(c for c in report.checks if c.name == "time stamp")
    assert stamp.status == "skipped" and "no --tsa-root" in stamp.detail


def test_truncated_signature_and_malformed_der(built: Built) -> None:
    path = built.bag / "signatures/Examiner-Yamada.p7s"
    path.write_bytes(path.read_bytes()[:-40])
    failed = built.failures()
    assert failed["signature Examiner-Yamada.p7s"][0].startswith("malformed CMS signature (DER)")


def _resign_as(built: Built, spec: str) -> None:
    resign(built, load_signer(spec, PASSPHRASE))


def test_signature_by_untrusted_key(built: Built, pki: Pki) -> None:
    _resign_as(built, pki.reviewer.sign_spec)  # a real signer, but counsel trusts only examiner
    anchors = load_anchors(str(pki.examiner.cert_pem))
    with pytest.raises(PackageVerificationError) as info:
        verify_package(built.bag, anchors, built.tsa_roots)
    report = info.value.report
    failed = {c.name: c.problems for c in report.checks if c.status == "failed"}
    assert list(failed) == ["signer trust"]
    assert failed["signer trust"][0].startswith("no signature by any trusted signer")
    assert report.integrity_ok and "signer is not trusted" in report.verdict


def test_attacker_ca_of_the_same_name_inside_the_bag(built: Built, pki: Pki) -> None:
    bundle = built.bag.parent / "forged-bundle.pem"
    bundle.write_bytes(
        pki.forged_examiner.cert_pem.read_bytes()
        + pki.attacker_root.cert_pem.read_bytes()
        + pki.forged_examiner.key_pem.read_bytes()
    )
    resign(built, load_signer(str(bundle), PASSPHRASE))
    failed = built.failures()
    assert list(failed) == ["signer trust"]
    assert any("does not chain to a trusted certificate" in p for p in failed["signer trust"])


def test_expired_certificate(built: Built, pki: Pki) -> None:
    _resign_as(built, pki.expired.sign_spec)
    failed = built.failures()
    (problem,) = failed["signature Expired-Examiner.p7s"]
    assert problem.startswith("certificate 'Expired Examiner' expired")


def test_certificate_without_digital_signature_usage(built: Built, pki: Pki) -> None:
    _resign_as(built, pki.no_signing_usage.sign_spec)
    failed = built.failures()
    assert failed["signature Encryption-Only.p7s"] == [
        "certificate 'Encryption Only' lacks digitalSignature/nonRepudiation key usage"
    ]


def test_timeline_lines_reordered(built: Built) -> None:
    path = built.bag / "metadata/timeline.jsonl"
    lines = path.read_bytes().splitlines(keepends=True)
    lines[2], lines[3] = lines[3], lines[2]
    path.write_bytes(b"".join(lines))
    assert "metadata/timeline.jsonl: SHA-256" in built.failures()["tag files"][0]
    rehash_tags(built.bag)
    resign(built, built.examiner)  # even re-signed, the chain itself shows the edit
    failed = built.failures()
    assert failed == {
        "timeline": [
            "metadata/timeline.jsonl: line 3: sequence number 3, expected 2 "
            "(a line was dropped, inserted, duplicated or moved)"
        ]
    }


def test_timeline_line_dropped(built: Built) -> None:
    path = built.bag / "metadata/timeline.jsonl"
    lines = path.read_bytes().splitlines(keepends=True)
    path.write_bytes(b"".join(lines[:-1]))
    rehash_tags(built.bag)
    resign(built, built.examiner)
    failed = built.failures()
    assert "lines missing at the end" in failed["timeline"][0]


def test_crlf_conversion(built: Built) -> None:
    for name in ("tagmanifest-sha256.txt", "bag-info.txt"):
        path = built.bag / name
        path.write_bytes(path.read_bytes().replace(b"\n", b"\r\n"))
    failed = built.failures()
    assert (
        "tagmanifest-sha256.txt: CR/CRLF line endings (the file was converted; hashes break)"
        in failed["tag files"]
    )
    assert any(p.startswith("bag-info.txt: CR/CRLF") for p in failed["payload files"])


def test_duplicate_manifest_entries(built: Built) -> None:
    path = built.bag / "manifest-sha256.txt"
    line = path.read_bytes().splitlines(keepends=True)[0]
    path.write_bytes(path.read_bytes() + line)
    failed = built.failures()
    assert "manifest-sha256.txt line 3: 'data/README.txt' listed twice" in failed["payload files"]


def test_traversal_path_in_manifest(built: Built) -> None:
    path = built.bag / "tagmanifest-sha256.txt"
    path.write_bytes(path.read_bytes() + b"0" * 64 + b"  ../../etc/passwd\n")
    failed = built.failures()
    assert any("'../../etc/passwd'" in p and "'..'" in p for p in failed["tag files"])


def test_wrong_payload_oxum(built: Built) -> None:
    path = built.bag / "bag-info.txt"
    path.write_text(re.sub(r"Payload-Oxum: \d+\.\d+", "Payload-Oxum: 1.2", path.read_text()))
    rehash_tags(built.bag)
    failed = built.failures()
    assert any(p.startswith("bag-info.txt: Payload-Oxum 1.2 does not match") for p in
               failed["payload files"])  # fmt: skip


def test_report_replaced_in_a_signed_package(built: Built) -> None:
    # A PDF report added after signing is an unlisted tag file.
    (built.bag / "metadata/report").mkdir()
    (built.bag / "metadata/report/report.pdf").write_bytes(b"%PDF-1.7 forged\n")
    failed = built.failures()
    assert failed["tag files"] == [
        "metadata/report/report.pdf: present but not listed in tagmanifest-sha256.txt (added file)"
    ]


def test_non_canonical_timeline_line(built: Built) -> None:
    path = built.bag / "metadata/timeline.jsonl"
    lines = path.read_bytes().splitlines(keepends=True)
    lines[1] = lines[1].replace(b'{"event":{', b'{"event": {', 1)
    path.write_bytes(b"".join(lines))
    rehash_tags(built.bag)
    resign(built, built.examiner)
    failed = built.failures()
    assert list(failed) == ["timeline"]
    assert failed["timeline"][0].startswith("metadata/timeline.jsonl: line 2:")


def test_duplicate_key_in_manifest_json(built: Built) -> None:
    path = built.bag / "metadata/manifest.json"
    data = path.read_bytes()
    path.write_bytes(data.replace(b'{"case_id":', b'{"case_id":"EK-FORGED","case_id":', 1))
    rehash_tags(built.bag)
    resign(built, built.examiner)
    failed = built.failures()
    assert failed["manifest agreement"][0].startswith("metadata/manifest.json: json: duplicate key")


def test_oversized_signature_file_is_not_read(built: Built) -> None:
    path = built.bag / "signatures/Examiner-Yamada.p7s"
    path.write_bytes(path.read_bytes() + bytes(2 << 20))
    failed = built.failures()
    assert failed["signature Examiner-Yamada.p7s"] == ["larger than 1 MiB; not read"]
    assert failed["signatures"] == ["the package is not signed"]


def _cms_token_response(der: bytes) -> bytes:
    """The embedded signature time stamp of a CAdES-T signature, as an RFC 3161 response."""
    from asn1crypto import cms, tsp

    si = cms.ContentInfo.load(der)["content"]["signer_infos"][0]
    token = si["unsigned_attrs"][0]["values"][0]
    response = tsp.TimeStampResp({"status": {"status": "granted"}, "time_stamp_token": token})
    return bytes(response.dump())


def test_signatures_carry_a_trusted_signature_time_stamp(built: Built) -> None:
    (sig,) = built.verify().signatures
    assert sig.details["signature time stamp"].endswith("(trusted)")


def test_signature_time_stamp_moved_from_another_signature(built: Built) -> None:
    from evidencekit.package.cades import add_signature_timestamp

    path = built.bag / "signatures/Examiner-Yamada.p7s"
    other = (built.other / "signatures/Examiner-Yamada.p7s").read_bytes()
    path.write_bytes(add_signature_timestamp(path.read_bytes(), _cms_token_response(other)))
    failed = built.failures()
    assert failed["signature Examiner-Yamada.p7s"] == [
        "signature time stamp: time stamp is over a different digest than the signature value"
    ]


def test_certificate_checked_at_the_trusted_stamp_time(built: Built, pki: Pki) -> None:
    # The signature claims a signing time inside the certificate's life, but the trusted
    # time stamp over the signature is from after the certificate expired.
    import datetime as dt

    from evidencekit.package.cades import add_signature_timestamp, signature_value
    from tests.package.conftest import stamp_locally

    shutil.rmtree(built.bag / "signatures")
    signer = load_signer(pki.short_lived.sign_spec, PASSPHRASE)
    sign_into(built.bag, (built.bag / "tagmanifest-sha256.txt").read_bytes(), [signer], None)
    path = built.bag / "signatures/Short-Lived.p7s"
    later = dt.datetime.now(dt.UTC) + dt.timedelta(days=200)
    tsr = stamp_locally(pki, signature_value(path.read_bytes()), later)
    path.write_bytes(add_signature_timestamp(path.read_bytes(), tsr))
    failed = built.failures()
    (problem,) = failed["signature Short-Lived.p7s"]
    assert problem.startswith("certificate 'Short Lived' expired")
    assert f"before {later:%Y-%m-%d}" in problem


def test_time_stamp_removed_while_counsel_expects_one(built: Built) -> None:
    (built.bag / "signatures/tagmanifest-sha256.txt.tsr").unlink()
    failed = built.failures()
    assert failed == {"time stamp": ["a --tsa-root was given, but the package has no time stamp"]}

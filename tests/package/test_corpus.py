"""Packaging real third-party evidence from ../shared/corpus: a case built from a real EVTX
log, with real files exported as exhibits, checked by openssl, sha256sum and our verifier;
the exported exhibits keep the SHA-256 that PROVENANCE.md publishes."""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

import pytest

from evidencekit.case.ingest import ingest_file
from evidencekit.case.workspace import Case
from evidencekit.package.build import PackageOptions, build_package
from evidencekit.package.manifest import PackageManifest
from evidencekit.package.signing import load_signer
from evidencekit.verify.package import verify_package
from evidencekit.verify.policy import load_anchors
from tests.package.conftest import PASSPHRASE, Pki

pytestmark = pytest.mark.corpus

EVTX = "evtx/security_4663_file_read_browser_creds.evtx"
RECYCLED = "recycle_bin/$I103S5F.jpg"


def _published_sha256(corpus: Path, name: str) -> str:
    """The SHA-256 column of PROVENANCE.md for ``name`` (written by the corpus curators)."""
    for line in (corpus / "PROVENANCE.md").read_text(encoding="utf-8").splitlines():
        if line.startswith(f"| `{name}` |"):
            found = re.findall(r"`([0-9a-f]{64})`", line)
            if found:
                return found[-1]
    pytest.skip(f"{name} is not listed in PROVENANCE.md")


def test_real_evidence_package(corpus: Path, pki: Pki, tmp_path: Path) -> None:
    evtx, recycled = corpus / EVTX, corpus / RECYCLED
    for path in (evtx, recycled):
        if not path.is_file():
            pytest.skip(f"{path} is absent")
    before = {p: p.read_bytes() for p in (evtx, recycled)}
    case = Case.init(tmp_path / "case", "EK-CORPUS-1", examiner="Examiner Yamada")
    summary = ingest_file(case, evtx, "evtx")
    assert summary.events > 0
    case.seal()
    signer = load_signer(pki.examiner.sign_spec, PASSPHRASE)
    options = PackageOptions(out=tmp_path / "pkg", signers=[signer], exhibits=[evtx, recycled])
    bag = build_package(case, options).path
    manifest = PackageManifest.from_bytes((bag / "metadata/manifest.json").read_bytes())
    by_name = {e.original_name: e for e in manifest.exhibits}
    assert by_name[evtx.name].sha256 == _published_sha256(corpus, EVTX)
    assert by_name[recycled.name].sha256 == _published_sha256(corpus, RECYCLED)
    assert by_name[recycled.name].path == "data/exhibits/E0002.jpg"
    assert manifest.sources[0].sha256 == _published_sha256(corpus, EVTX)
    for name in ("tagmanifest-sha256.txt", "manifest-sha256.txt"):
        done = subprocess.run(["sha256sum", "--strict", "-c", name], cwd=bag, capture_output=True)
        assert done.returncode == 0, done.stdout
    report = verify_package(bag, load_anchors(str(pki.root.cert_pem)))
    assert report.passed
    assert {p: p.read_bytes() for p in (evtx, recycled)} == before  # evidence untouched

"""The verification appendix's commands, run inside a real evidence package."""

from __future__ import annotations

import hashlib
import re
import subprocess
from pathlib import Path

from evidencekit.package.build import PackageOptions, build_package
from evidencekit.report import build_report
from evidencekit.report.i18n import Labels
from evidencekit.report.sec_timeline import verification_steps
from tests.report.conftest import build_case, pdf_text


def test_appendix_commands_verify_the_package(tmp_path: Path) -> None:
    built = build_case(tmp_path)
    result = build_report(built.case, "en")
    bag = build_package(built.case, PackageOptions(out=tmp_path / "EK-pkg")).path
    head = built.case.head()
    steps = dict(verification_steps(Labels("en"), head))
    sha_step = next(v for k, v in steps.items() if "Package" in k).splitlines()
    hashes = next(line for line in sha_step if line.startswith("sha256sum --strict"))
    subprocess.run(["bash", "-c", hashes], cwd=bag, check=True, capture_output=True)
    timeline = next(v for k, v in steps.items() if "Timeline file" in k).splitlines()[0]
    run = subprocess.run(
        ["bash", "-c", timeline], cwd=bag, check=True, capture_output=True, text=True
    )
    assert run.stdout.split()[0] == head.timeline_sha256
    merkle = next(v for k, v in steps.items() if "Merkle" in k)
    run = subprocess.run(
        ["bash", "-c", merkle], cwd=bag, check=True, capture_output=True, text=True
    )
    assert run.stdout.strip() == head.merkle_root
    annex = (bag / "metadata" / "report" / "annex-sealed.pdf").read_bytes()
    assert annex == result.annex.read_bytes()
    printed = re.sub(r"\s+", "", pdf_text(bag / "metadata" / "report" / "report.pdf"))
    assert f"annex-sealed.pdfSHA-256:{hashlib.sha256(annex).hexdigest()}" in printed

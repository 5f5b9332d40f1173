"""The report's verification appendix tells counsel to check the PDF signature against the
root they received only: pyHanko's ``--trust`` alone adds the operating system's CA list."""

from __future__ import annotations

import shlex
from pathlib import Path

from evidencekit.package.build import PackageOptions, build_package
from evidencekit.report import build_report
from evidencekit.report.i18n import Labels
from evidencekit.report.sec_timeline import verification_steps
from tests.report.conftest import build_case


def test_pdf_signature_command_replaces_the_system_trust_list(tmp_path: Path) -> None:
    built = build_case(tmp_path)
    build_report(built.case, "en")
    bag = build_package(built.case, PackageOptions(out=tmp_path / "EK-pkg")).path
    steps = dict(verification_steps(Labels("en"), built.case.head()))
    lines = next(v for k, v in steps.items() if "Report signature" in k).splitlines()
    words = shlex.split(next(line for line in lines if line.startswith("pyhanko ")), comments=True)
    assert words[:3] == ["pyhanko", "sign", "validate"]
    assert "--trust-replace" in words
    assert words[words.index("--trust") + 1] == "signer-root.pem"
    assert (bag / words[-1]).is_file()

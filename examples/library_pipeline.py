"""Worked example: the evidencekit pipeline step by step from a script.

Builds the bundled sample case's sources into a work folder, then runs each stage with
the library API and prints what a legal team's script would look at.

    python examples/library_pipeline.py [WORK_FOLDER]
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

import evidencekit as ek
from evidencekit.demo import build_sample_case
from evidencekit.demo.keys import DEMO_PASSPHRASE


def main(work: Path) -> int:
    _, keys = build_sample_case(work)  # writes sources/, keys/ and case.toml
    sources = work / "sources"
    case = ek.new_case(work / "scripted-case", "EK-2025-001", examiner="山田 太郎")

    ek.ingest(case, sources / "laptop-PC-D012.img")  # a disk image
    for name in (
        "fs01-security.xml",
        "m365-audit.csv",
        "proxy-access.log",
        "door-access.csv",
        "hr-events.csv",
    ):
        summary = ek.ingest(case, sources / name)  # format recognised
        print(f"{name}: {summary.events} events, {summary.issues} parse issues")
    ek.ingest(case, sources / "oplog-export.csv", format="operation_log")

    head = ek.seal(case)
    print(f"timeline v{head.version}: {head.size} events, Merkle root {head.merkle_root}")

    result = ek.analyze(case, identities=sources / "identities.csv", assets=sources / "assets.toml")
    for element in result.elements:
        print(f"  {element.label_ja} / {element.label_en}: {element.status_ja}")

    passphrase = DEMO_PASSPHRASE.encode()  # demo keys only; real keys: prompt or env var
    ek.report(case, cert=keys.examiner_cert, key=keys.examiner_key, passphrase=passphrase)
    package = ek.package(
        case,
        work / "packages" / "EK-2025-001-001",
        sign=[f"{keys.examiner_cert}:{keys.examiner_key}", str(keys.reviewer_key)],
        passphrase=passphrase,
    )
    verdict = ek.verify(package.archive, trust=[str(keys.ca_cert), str(keys.reviewer_public)])
    print(verdict.verdict)
    return 0 if verdict.passed else 1


if __name__ == "__main__":
    os.environ.setdefault("EVIDENCEKIT_KEY_PASSPHRASE", DEMO_PASSPHRASE)
    sys.exit(main(Path(sys.argv[1] if len(sys.argv) > 1 else "evidencekit-library-example")))

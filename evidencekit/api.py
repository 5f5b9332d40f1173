"""The pipeline in a few calls, for scripts::

    import evidencekit as ek

    case = ek.new_case("case-2025-001", "EK-2025-001", examiner="山田 太郎")
    ek.ingest(case, "evidence/laptop.E01")                 # image, log or artifact: detected
    ek.ingest(case, "evidence/oplog.csv", mapping="profiles/oplog.toml")
    head = ek.seal(case)
    result = ek.analyze(case, identities="identities.csv", assets="assets.toml")
    pdf = ek.report(case)
    pkg = ek.package(case, "out/EK-2025-001-001", sign=["examiner.pem:examiner.key"])
    ek.verify(pkg.archive or pkg.path, trust=["ca.pem"])     # raises when anything fails

or the whole job from a ``case.toml``: ``ek.run("case.toml")``.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from evidencekit.case.workspace import Case

PathLike = str | os.PathLike[str]

IMAGE_SUFFIXES = (".dd", ".raw", ".img", ".bin", ".001", ".e01", ".ex01", ".iso")


def new_case(
    folder: PathLike,
    case_id: str,
    title: str = "",
    examiner: str | None = None,
    organisation: str | None = None,
    time_zone: str = "Asia/Tokyo",
) -> Case:
    """Create a case folder (fresh case secret, custody log) and open it."""
    return Case.init(Path(folder), case_id, title, examiner, organisation, time_zone)


def open_case(folder: PathLike) -> Case:
    """Open an existing case folder."""
    return Case(Path(folder))


def ingest(
    case: Case,
    path: PathLike,
    kind: str = "auto",
    format: str = "auto",
    mapping: PathLike | None = None,
    time_zone: str | None = None,
    force: bool = False,
) -> Any:
    """Ingest one piece of evidence; ``kind`` is image, log, artifact, events or auto.

    Returns the ingest summary (source record, event and issue counts).
    """
    from evidencekit.case.compressed import compression_of
    from evidencekit.case.detect import detect_artifact_kind
    from evidencekit.case.ingest_by_kind import ingest_by_kind
    from evidencekit.case.ingest_image import ingest_image

    p = Path(path)
    if kind == "auto" and not compression_of(p):
        if p.suffix.lower() in IMAGE_SUFFIXES:
            kind = "image"
        elif mapping is None and format == "auto" and detect_artifact_kind(p):
            kind = "artifact"
        else:
            kind = "log"
    if kind == "image":
        return ingest_image(case, p, time_zone=time_zone, force=force)
    where = Path(mapping) if mapping else None
    return ingest_by_kind(case, p, kind, format, where, time_zone, force)


def seal(case: Case, append: bool = False) -> Any:
    """Seal everything ingested into a new timeline version; return its head."""
    return case.seal(append=append)


def analyze(
    case: Case,
    legal: str = "jp_ucpa_civil",
    identities: PathLike | None = None,
    assets: PathLike | None = None,
    hr: PathLike | None = None,
) -> Any:
    """Run the rules against the latest timeline, write ``analysis/analysis.json``, return it."""
    from evidencekit.analysis.engine import AnalysisOptions, write_result
    from evidencekit.analysis.engine import analyze as run_rules

    def path(value: PathLike | None) -> Path | None:
        return Path(value) if value is not None else None

    result = run_rules(
        case,
        AnalysisOptions(legal=legal, identities=path(identities), assets=path(assets), hr=path(hr)),
    )
    write_result(case, result)
    return result


def report(
    case: Case,
    lang: str = "both",
    cert: PathLike | None = None,
    key: PathLike | None = None,
    passphrase: bytes | None = None,
) -> Any:
    """Write the PDF report and its sealed annex (PAdES-signed when ``cert``/``key`` given)."""
    from evidencekit.report import build_report
    from evidencekit.report.sign import SigningIdentity

    identity = None
    if cert is not None and key is not None:
        identity = SigningIdentity(cert=Path(cert), key=Path(key), passphrase=passphrase)
    return build_report(case, lang, identity=identity)  # type: ignore[arg-type]


def package(
    case: Case,
    out: PathLike,
    sign: Sequence[str] = (),
    tsa_url: str | None = None,
    passphrase: bytes | None = None,
    archive: bool = True,
) -> Any:
    """Assemble and sign the evidence package; ``sign`` holds ``KEY.pem`` (Ed25519) or
    ``CERT.pem:KEY.pem`` specs."""
    from evidencekit.package.build import PackageOptions, build_package
    from evidencekit.package.signing import load_signer

    signers = [load_signer(spec, passphrase) for spec in sign]
    return build_package(
        case, PackageOptions(out=Path(out), signers=signers, tsa_url=tsa_url, archive=archive)
    )


def verify(
    package_path: PathLike, trust: Sequence[str] = (), tsa_roots: Sequence[PathLike] = ()
) -> Any:
    """Verify a package against trust anchors given from outside; raise on any failure."""
    from cryptography import x509

    from evidencekit.verify.package import verify_package
    from evidencekit.verify.policy import load_anchors

    anchors = [a for spec in trust for a in load_anchors(spec)]
    roots = [x509.load_pem_x509_certificate(Path(r).read_bytes()) for r in tsa_roots]
    return verify_package(Path(package_path), anchors, roots)


def run(definition: PathLike) -> Any:
    """The whole job for a ``case.toml`` (see :mod:`evidencekit.case.pipeline`)."""
    from evidencekit.case.pipeline import run as run_pipeline

    return run_pipeline(Path(definition))

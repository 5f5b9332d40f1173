"""The main job: ``case.toml`` → ingest → correlate → timeline → analysis → report →
package → verify, resumable and deterministic.

Re-running on the same inputs reuses the case folder (and so its secret): sources
already ingested are recognised by their hashes, the timeline is re-sealed only when
the store changed, and the manifest comes out byte-identical. A run interrupted at any
point leaves no half-written package; the next run cleans up and finishes.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from evidencekit.analysis.engine import AnalysisOptions, analyze, write_result
from evidencekit.case.definition import CaseDefinition, Signer, SourceEntry, load_definition
from evidencekit.case.ingest import IngestSummary
from evidencekit.case.ingest_by_kind import ingest_by_kind
from evidencekit.case.ingest_image import ingest_image
from evidencekit.case.workspace import CASE_FILE, Case
from evidencekit.errors import CaseError
from evidencekit.events.correlate import store_correlations
from evidencekit.package.build import PackageOptions, build_package
from evidencekit.package.signing import Signer as PackageSigner
from evidencekit.package.signing import load_signer
from evidencekit.report import build_report
from evidencekit.report.options import ReportOptions
from evidencekit.report.sign import SigningIdentity
from evidencekit.sources.pathtext import path_text
from evidencekit.timeline.seal import TIMELINE_FILE
from evidencekit.verify.package import verify_package
from evidencekit.verify.policy import Anchor, load_anchors
from evidencekit.verify.report import PackageVerificationError

Step = Callable[[str], None]


@dataclass
class SourceResult:
    """What one source of the case definition gave."""

    path: str
    type: str
    format: str
    source_id: str | None = None
    events: int = 0
    issues: int = 0
    records_read: int = 0
    records_failed: int = 0
    reused: bool = False


@dataclass
class RunSummary:
    """The final summary of a run."""

    case_dir: Path
    sources: list[SourceResult] = field(default_factory=list)
    events: int = 0
    parse_issues: int = 0
    timeline_version: int = 0
    merkle_root: str = ""
    elements: list[dict[str, Any]] = field(default_factory=list)
    findings: int = 0
    report: Path | None = None
    annex: Path | None = None
    package: Path | None = None
    archive: Path | None = None
    verified: bool = False
    verification: list[str] = field(default_factory=list)


def run(definition_path: Path, step: Step | None = None) -> RunSummary:
    """Run the whole job for one ``case.toml``."""
    say = step or (lambda _: None)
    definition, base = load_definition(definition_path)
    signers = _signers(definition, base)  # a wrong passphrase stops the run before ingest
    output = (base / definition.case.output).resolve()
    case = _open_case(definition, output / "case")
    summary = RunSummary(case_dir=case.root)
    for entry in definition.sources:
        say(f"ingest {entry.path}")
        summary.sources.append(_ingest(case, entry, base, definition.case.time_zone))
    if definition.hr is not None:
        say(f"ingest HR events {definition.hr.path}")
        hr = SourceEntry(path=definition.hr.path, type="log", format=definition.hr.format or "hr")
        summary.sources.append(_ingest(case, hr, base, definition.case.time_zone))
    say("correlate copies to removable media")
    _correlate(case)
    say("seal the timeline")
    head = _seal_if_changed(case)
    summary.timeline_version, summary.merkle_root = head.version, head.merkle_root
    summary.events = head.size
    summary.parse_issues = sum(1 for _ in case.store.issue_dicts())
    say("analyse against the legal elements")
    _analyse(case, definition, base, summary)
    package_dir = _next_package(definition, output / "packages")
    say("write the PDF report")
    _report(case, definition, base, summary, package_dir.name)
    say("assemble and sign the evidence package")
    _package(case, definition, base, package_dir, summary, signers)
    say("verify the package independently")
    _verify(definition, base, summary)
    return summary


def _open_case(definition: CaseDefinition, folder: Path) -> Case:
    info = definition.case
    if (folder / CASE_FILE).is_file():
        case = Case(folder)
        if case.meta.case_id != info.id:
            raise CaseError(f"{folder} holds case {case.meta.case_id}, not {info.id}")
        return case
    if folder.exists():  # a run killed during 'case init': nothing in it is evidence yet
        shutil.rmtree(folder)
    return Case.init(folder, info.id, info.title, info.examiner, info.organisation, info.time_zone)


def _ingest(case: Case, entry: SourceEntry, base: Path, zone: str) -> SourceResult:
    path = (base / entry.path).resolve()
    tz = entry.time_zone or zone
    result = SourceResult(path=entry.path, type=entry.type, format=entry.format)
    known = {s.sha256 for s in case.store.sources()}
    try:
        if entry.type == "image":
            image = ingest_image(case, path, time_zone=tz)
            source, events, issues = image.source, image.events, image.issues
        else:
            summary = _ingest_file(case, entry, path, base, tz)
            source, events, issues = summary.source, summary.events, summary.issues
    except CaseError as exc:
        if "already ingested" not in str(exc):
            raise
        result.reused = True
        source = next(
            s
            for s in case.store.sources()
            if s.path == path_text(path) or (s.name == path_text(path.name) and s.sha256 in known)
        )
        events, issues = source.events, _issue_count(case, source.id)
    result.source_id, result.events, result.issues = source.id, events, issues
    result.format = source.format  # as read (raw, ewf, m365_ual...), also when reused
    result.records_read, result.records_failed = source.records_read, source.records_failed
    return result


def _ingest_file(case: Case, entry: SourceEntry, path: Path, base: Path, tz: str) -> IngestSummary:
    mapping = (base / entry.mapping) if entry.mapping else None
    return ingest_by_kind(case, path, entry.type, entry.format, mapping, tz)


def _issue_count(case: Case, source_id: str) -> int:
    return next((b.issues for b in case.store.batches() if b.source.id == source_id), 0)


def _correlate(case: Case) -> None:
    import orjson

    events = (orjson.loads(line) for line in case.store.event_lines())
    try:
        store_correlations(case.store, events)
    except CaseError as exc:
        if "already ingested" not in str(exc):
            raise


def _seal_if_changed(case: Case) -> Any:
    batches = case.store.batches()
    versions = case.timeline_versions()
    if versions:
        head = case.head()
        stored = {b.source.id: b.events for b in batches}
        if (
            head.sources == {k: v for k, v in stored.items() if v}
            and (case.timeline_dir() / TIMELINE_FILE).is_file()
        ):
            return head
    return case.seal()


def _analyse(case: Case, definition: CaseDefinition, base: Path, summary: RunSummary) -> None:
    def ref(name: str) -> Path | None:
        item = getattr(definition, name)
        return (base / item.path).resolve() if item is not None else None

    # HR events are already in the timeline (ingested through the HR log reader above).
    options = AnalysisOptions(
        legal=definition.case.legal_profile, identities=ref("identities"), assets=ref("assets")
    )
    result = analyze(case, options)
    write_result(case, result)
    summary.findings = len(result.findings)
    summary.elements = [
        {
            "element": e.element,
            "label_ja": e.label_ja,
            "label_en": e.label_en,
            "status": e.status,
            "status_ja": e.status_ja,
            "findings": len(e.supporting_findings),
        }
        for e in result.elements
    ]


def _passphrase(signer: Signer) -> bytes | None:
    value = os.environ.get(signer.passphrase_env or "EVIDENCEKIT_KEY_PASSPHRASE")
    return value.encode() if value else None


def _report(
    case: Case, definition: CaseDefinition, base: Path, summary: RunSummary, package_id: str
) -> None:
    x509 = next((s for s in definition.signing if s.certificate), None)
    identity = None
    if x509 is not None and x509.certificate is not None:
        identity = SigningIdentity(
            cert=(base / x509.certificate).resolve(),
            key=(base / x509.key).resolve(),
            passphrase=_passphrase(x509),
        )
    parties = {p.role: p.name for p in definition.parties}
    options = ReportOptions(
        client=parties.get("client"), prepared_for=parties.get("counsel"), package_id=package_id
    )
    result = build_report(case, "both", identity=identity, options=options)
    summary.report, summary.annex = result.report, result.annex


def _next_package(definition: CaseDefinition, folder: Path) -> Path:
    """The next package folder ``EK-<case>-<seq>``, after clearing an interrupted run's
    partial output (never evidence: the case folder keeps everything)."""
    folder.mkdir(parents=True, exist_ok=True)
    for stale in folder.glob("*.partial"):
        shutil.rmtree(stale) if stale.is_dir() else stale.unlink()
    done = sorted(p for p in folder.iterdir() if p.is_dir())
    case_id = definition.case.id
    stem = case_id if case_id.startswith("EK-") else f"EK-{case_id}"
    return folder / f"{stem}-{len(done) + 1:03d}"


def _signers(definition: CaseDefinition, base: Path) -> list[PackageSigner]:
    """Every signing key of the definition, loaded (decrypted) once, first thing."""
    signers = []
    for s in definition.signing:
        spec = f"{base / s.certificate}:{base / s.key}" if s.certificate else str(base / s.key)
        signers.append(load_signer(spec, _passphrase(s), s.name))
    return signers


def _package(
    case: Case,
    definition: CaseDefinition,
    base: Path,
    out: Path,
    summary: RunSummary,
    signers: list[PackageSigner],
) -> None:
    tsa = definition.tsa.url if definition.tsa else None
    exhibits = [(base / s.path).resolve() for s in definition.sources if s.export]
    options = PackageOptions(
        out=out,
        signers=signers,
        tsa_url=tsa,
        exhibits=exhibits,
        custodian=definition.case.examiner,
        archive=True,
    )
    result = build_package(case, options)
    summary.package, summary.archive = result.path, result.archive


def _anchors(definition: CaseDefinition, base: Path) -> list[Anchor]:
    anchors: list[Anchor] = []
    for spec in definition.trust:
        anchors.extend(load_anchors(str(base / spec)))
    return anchors


def _verify(definition: CaseDefinition, base: Path, summary: RunSummary) -> None:
    from cryptography import x509

    if summary.archive is None:
        raise CaseError("no package archive to verify")
    roots = [
        x509.load_pem_x509_certificate((base / r).read_bytes())
        for r in (definition.tsa.roots if definition.tsa else [])
    ]
    try:
        report = verify_package(summary.archive, _anchors(definition, base), roots)
    except PackageVerificationError as exc:
        report = exc.report
    summary.verified = report.passed
    summary.verification = [f"{c.status.upper()}: {c.name}: {c.detail}" for c in report.checks]
    summary.verification.append(report.verdict)

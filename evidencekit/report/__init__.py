"""The PDF report (bilingual, cross-referenced, optionally PAdES-signed) and its sealed annex.

Entry point: :func:`build_report`. reportlab is used only inside this package.
"""

from __future__ import annotations

import hashlib
import io
import os
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from pathlib import Path

from reportlab.platypus import Flowable, Paragraph, Table

from evidencekit.case.custody import utc_now
from evidencekit.case.workspace import Case
from evidencekit.report import (
    sec_analysis,
    sec_appendix,
    sec_evidence,
    sec_front,
    sec_legal,
    sec_timeline,
)
from evidencekit.report.annex import render_annex
from evidencekit.report.data import ReportData, collect
from evidencekit.report.doc import ReportDocument, Styles, TableRun, make_styles, numbered_canvas
from evidencekit.report.fonts import FontSet, load_fonts
from evidencekit.report.i18n import Lang, parse_utc
from evidencekit.report.options import ReportOptions
from evidencekit.report.pdfa import add_pdfa_identification
from evidencekit.report.sign import SigningIdentity, certificate_subject, sign_pdf
from evidencekit.report.wording import check_texts
from evidencekit.sources.guard import check_output

__all__ = ["ReportOptions", "ReportResult", "SigningIdentity", "build_report", "render"]

SUBJECT = "evidencekit report (UCPA trade-secret matter)"
REPORT_FILE = "report.pdf"
ANNEX_FILE = "annex-sealed.pdf"


@dataclass(frozen=True)
class ReportResult:
    """What :func:`build_report` wrote.

    Attributes:
        report: Path of the report PDF.
        annex: Path of the sealed annex PDF.
        report_sha256: SHA-256 of the report as written (after signing).
        annex_sha256: SHA-256 of the annex.
        font: Which fonts were used.
        signer: Subject of the signing certificate, or None.
    """

    report: Path
    annex: Path
    report_sha256: str
    annex_sha256: str
    font: str
    signer: str | None


def build_report(
    case: Case,
    lang: Lang = "both",
    identity: SigningIdentity | None = None,
    out: Path | None = None,
    options: ReportOptions | None = None,
    force: bool = False,
) -> ReportResult:
    """Render the report and the sealed annex for ``case`` and record them in custody.

    Args:
        case: An open case with a sealed timeline (and optionally ``analysis/analysis.json``).
        lang: ``ja``, ``en`` or ``both``.
        identity: Sign the report (PAdES) with this X.509 identity.
        out: Report path (default ``<case>/report/report.pdf``); the annex is written beside it.
        options: Further options (parties, package id, limits); ``lang`` overrides theirs.
        force: Allow writing inside an evidence folder (refused by default).

    Returns:
        The written files and their hashes.
    """
    opt = replace(options or ReportOptions(), lang=lang)
    if opt.created is None:
        opt = replace(opt, created=utc_now())
    report_path, annex_path = _targets(case, out)
    data = collect(case, key_limit=opt.key_limit)
    check_output(report_path.parent, [Path(s.path) for s in data.sources], force=force)
    fonts = load_fonts()
    pdf, annex = render(data, opt, identity, fonts)
    signer = None
    if identity is not None:
        pdf, signer = sign_pdf(pdf, identity, "evidencekit report")
    for path, blob in ((annex_path, annex), (report_path, pdf)):
        _write_atomic(path, blob)
    result = ReportResult(
        report=report_path,
        annex=annex_path,
        report_sha256=hashlib.sha256(pdf).hexdigest(),
        annex_sha256=hashlib.sha256(annex).hexdigest(),
        font=fonts.description,
        signer=signer,
    )
    _record(case, result, opt, data)
    return result


def _targets(case: Case, out: Path | None) -> tuple[Path, Path]:
    """(report path, annex path): ``<case>/report/`` by default, else beside ``out``."""
    report_path = (out or case.root / "report" / REPORT_FILE).resolve()
    annex_name = ANNEX_FILE if out is None else f"{report_path.stem}-{ANNEX_FILE}"
    return report_path, report_path.with_name(annex_name)


def _record(case: Case, result: ReportResult, opt: ReportOptions, data: ReportData) -> None:
    """The custody entry ``report`` with both files' hashes."""
    case.custody.append(
        "report",
        f"report rendered ({opt.lang}) for timeline version {data.head.version}",
        evidence={
            _rel(case, result.report): result.report_sha256,
            _rel(case, result.annex): result.annex_sha256,
        },
        details={
            "merkle_root": data.head.merkle_root,
            "signed": result.signer is not None,
            "signer": result.signer or "",
            "lang": opt.lang,
        },
    )


def render(
    data: ReportData,
    opt: ReportOptions,
    identity: SigningIdentity | None = None,
    fonts: FontSet | None = None,
) -> tuple[bytes, bytes]:
    """Render (report, annex) PDF bytes, unsigned; refuses conclusory wording.

    Args:
        data: What :func:`evidencekit.report.data.collect` gathered.
        opt: Rendering options.
        identity: The identity that will sign (named in the hash register).
        fonts: Fonts to use (default: embedded IPAex when installed).

    Returns:
        The report and the sealed annex as PDF bytes.
    """
    st = make_styles(fonts or load_fonts(), opt.lang)
    author = data.meta.examiner or "evidencekit"
    annex = render_annex(st, data, opt)
    annex = _archival(st, opt, annex, f"{data.meta.case_id} sealed annex", author)
    annex_sha = hashlib.sha256(annex).hexdigest()
    signer_note = None
    if identity is not None:
        stamp = " + RFC 3161 time stamp" if identity.time_stamper() else ""
        signer_note = f"PAdES (SHA-256){stamp}: {certificate_subject(identity.cert)}"
    story = _story(st, data, opt, annex_sha, signer_note)
    check_texts(story_texts(story), "report body")
    buf = io.BytesIO()
    doc = ReportDocument(
        buf,
        st,
        _footer(data, opt),
        opt.classification,
        title=f"{data.meta.case_id} evidence report",
        author=author,
        subject=SUBJECT,
        creator="evidencekit",
        invariant=1,
    )
    label = st.labels("{page} / {total} ページ", "page {page}/{total}")
    doc.multiBuild(story, canvasmaker=numbered_canvas(st.fonts.gothic, label))
    title = f"{data.meta.case_id} evidence report"
    return _archival(st, opt, buf.getvalue(), title, author), annex


def _archival(st: Styles, opt: ReportOptions, pdf: bytes, title: str, author: str) -> bytes:
    """PDF/A-2b identification, when asked for and possible (all fonts embedded)."""
    if not (opt.pdfa and st.fonts.embedded):
        return pdf
    when = parse_utc(opt.created) if opt.created else datetime.now(UTC)
    return add_pdfa_identification(pdf, title, author, SUBJECT, when)


def _story(
    st: Styles, data: ReportData, opt: ReportOptions, annex_sha: str, signer: str | None
) -> list[Flowable]:
    return [
        *sec_front.cover(st, data, opt, annex_sha),
        *sec_front.contents(st),
        *sec_front.summary(st, data),
        *sec_evidence.scope(st, data),
        *sec_evidence.custody(st, data),
        *sec_evidence.hash_register(st, data, annex_sha, signer),
        *sec_analysis.methodology(st, data),
        *sec_analysis.element_matrix(st, data),
        *sec_timeline.key_events(st, data, opt),
        *sec_analysis.findings(st, data),
        *sec_legal.episodes(st, data),
        *sec_legal.art52(st, data),
        *sec_legal.gaps(st, data),
        *sec_timeline.sealed_annex(st, annex_sha, len(data.files)),
        *sec_timeline.verification(st, data),
        *sec_appendix.glossary(st),
        *sec_timeline.event_list(st, data, opt),
    ]


def story_texts(story: list[Flowable]) -> list[str]:
    """Plain text of every paragraph in the story, including table cells."""
    texts: list[str] = []

    def walk(item: object) -> None:
        if isinstance(item, Paragraph):
            texts.append(item.getPlainText())
        elif isinstance(item, Table | TableRun):
            rows = item.cell_values() if isinstance(item, TableRun) else item._cellvalues
            for row in rows:
                for cell in row:
                    walk(cell)
        elif isinstance(item, list | tuple):
            for sub in item:
                walk(sub)
        elif isinstance(item, str):
            texts.append(item)

    walk(story)
    return texts


def _footer(data: ReportData, opt: ReportOptions) -> str:
    package = opt.package_id or data.meta.case_id
    digest = opt.manifest_sha256 or data.head.merkle_root
    label = "manifest" if opt.manifest_sha256 else "MTH"
    return f"{package} · {label} {digest[:16]} · {opt.classification}"


def _rel(case: Case, path: Path) -> str:
    try:
        return str(path.relative_to(case.root))
    except ValueError:
        return str(path)


def _write_atomic(path: Path, blob: bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + ".partial")
    with open(tmp, "wb") as fp:
        fp.write(blob)
        fp.flush()
        os.fsync(fp.fileno())
    tmp.replace(path)

"""The one entry point for verifying an evidence package (folder or archive).

Order: archive safety -> bag declaration -> payload and tag files against their
manifests -> each signature over the tag manifest -> signer trust (policy) ->
time stamp -> timeline chain and Merkle head -> agreement of manifest, timeline,
sources, parse issues and custody log. Every check runs; all failures are
collected and raised together.
"""

from __future__ import annotations

import tempfile
from collections.abc import Callable, Sequence
from pathlib import Path

from cryptography import x509

from evidencekit.package import bagit
from evidencekit.package.archive import ArchiveError, ExtractLimits, safe_extract
from evidencekit.package.bagit import MANIFEST, SIGNATURES, TAGMANIFEST
from evidencekit.package.timestamp import TSR_NAME
from evidencekit.verify.contents import check_contents
from evidencekit.verify.policy import Anchor, Policy, policy_for
from evidencekit.verify.report import PackageVerificationError, VerificationReport
from evidencekit.verify.signatures import check_signatures
from evidencekit.verify.tsa import check_timestamp

#: Signature, public-key and time-stamp files are small; anything larger is refused unread.
MAX_SIGNATURE_FILE = 1 << 20


def verify_package(
    path: Path,
    anchors: Sequence[Anchor] = (),
    tsa_roots: Sequence[x509.Certificate] = (),
    policy: Policy | None = None,
    limits: ExtractLimits | None = None,
) -> VerificationReport:
    """Verify the package at ``path`` (a bag folder or a tar archive of one).

    Args:
        path: The package folder or archive.
        anchors: Trust anchors given from outside (never taken from the package).
        tsa_roots: Root certificates of trusted time-stamp authorities.
        policy: Which signers must have signed; by default any one of ``anchors``.
        limits: Bounds for archive extraction.

    Returns:
        The report, when every check passed.

    Raises:
        PackageVerificationError: listing every failed check (the report is attached).
    """
    report = VerificationReport(package=str(path))
    if path.is_file():
        with tempfile.TemporaryDirectory(prefix="evidencekit-verify-") as tmp:
            streamed: dict[str, str] = {}
            try:
                bag = safe_extract(path, Path(tmp) / "x", limits, streamed)
            except ArchiveError as exc:
                report.add("archive", [str(exc)], "read and extract the archive safely")
                raise PackageVerificationError(report) from exc
            report.add("archive", [], f"{path.name}: safe to extract (no hostile entries)")
            _verify_bag(bag, report, anchors, tsa_roots, policy, streamed)
    else:
        _verify_bag(path, report, anchors, tsa_roots, policy)
    if not report.passed:
        raise PackageVerificationError(report)
    return report


def _verify_bag(
    bag: Path,
    report: VerificationReport,
    anchors: Sequence[Anchor],
    tsa_roots: Sequence[x509.Certificate],
    policy: Policy | None,
    streamed: dict[str, str] | None = None,
) -> None:
    found = bagit.check_bag(bag, _hasher(streamed) if streamed is not None else bagit.hash_files)
    report.add("bag declaration", found.declaration, "BagIt 1.0, one SHA-256 manifest set")
    payload = _fixity(found.payload_count, MANIFEST, found.payload, "; none missing or extra")
    report.add("payload files", found.payload, payload)
    report.add("tag files", found.tags, _fixity(found.tag_count, TAGMANIFEST, found.tags))
    report.add("signatures folder", found.signatures_dir, "only allowed signature files")
    tagmanifest = (bag / TAGMANIFEST).read_bytes() if (bag / TAGMANIFEST).is_file() else b""
    _check_signers(bag, tagmanifest, report, (anchors, tsa_roots), policy)
    _check_stamp(bag, tagmanifest, report, tsa_roots)
    check_contents(bag, report, found.tag_digests)


def _fixity(count: int, manifest: str, problems: list[str], clean: str = "") -> str:
    # A failed check must not print the passing sentence above the problems that deny it.
    if problems:
        return f"{len(problems)} problem(s) among {count} files checked against {manifest}"
    return f"{count} files match {manifest}{clean}"


def _hasher(streamed: dict[str, str]) -> Callable[[Path, list[str]], dict[str, str]]:
    """Payload digests taken while the archive was read; other files hashed on disk."""

    def hasher(root: Path, names: list[str]) -> dict[str, str]:
        rest = [n for n in names if n not in streamed]
        return {**bagit.hash_files(root, rest), **{n: streamed[n] for n in names if n in streamed}}

    return hasher


def _check_signers(
    bag: Path,
    tagmanifest: bytes,
    report: VerificationReport,
    trust: tuple[Sequence[Anchor], Sequence[x509.Certificate]],
    policy: Policy | None,
) -> None:
    anchors, tsa_roots = trust
    folder = bag / SIGNATURES
    files: dict[str, bytes] = {}
    for path in sorted(folder.iterdir()) if folder.is_dir() else []:
        if not path.is_file() or path.is_symlink():
            continue
        if path.stat().st_size > MAX_SIGNATURE_FILE:
            report.add(f"signature {path.name}", ["larger than 1 MiB; not read"], "bounded read")
            continue
        files[path.name] = path.read_bytes()
    results = check_signatures(files, tagmanifest, anchors, tsa_roots)
    report.signatures = results
    if not results:
        report.add("signatures", ["the package is not signed"], "at least one signature")
    for r in results:
        when = f", signed {r.signing_time}" if r.signing_time else ""
        if "signature time stamp" in r.details:
            when += f", time-stamped {r.details['signature time stamp']}"
        vouched = f"; trusted via {', '.join(r.trusted_by)}" if r.trusted_by else "; not trusted"
        detail = f"{r.signer}, key {r.key_fingerprint}{when}{vouched}"
        report.add(f"signature {r.file}", list(r.problems), detail)
    if not anchors:
        report.add(
            "signer trust",
            ["signer not trusted: no trusted key or certificate given (--trust)"],
            "a signer vouched for by an outside anchor",
        )
        return
    failures = (policy or policy_for(anchors)).failures(results)
    if failures:
        failures.extend(
            f"{r.file}: {r.details['not trusted because']}"
            for r in results
            if not r.trusted_by and "not trusted because" in r.details
        )
    trusted = sorted({r.signer for r in results if r.trusted_by})
    detail = f"trusted signer(s): {'; '.join(trusted)}" if trusted else "no trusted signer"
    report.add("signer trust", failures, detail)


def _check_stamp(
    bag: Path, tagmanifest: bytes, report: VerificationReport, roots: Sequence[x509.Certificate]
) -> None:
    tsr = bag / SIGNATURES / TSR_NAME
    if not tsr.is_file():
        if roots:  # stamps sit outside the manifests: one removed must not pass unnoticed
            problem = "a --tsa-root was given, but the package has no time stamp"
            report.add("time stamp", [problem], "RFC 3161 stamp over the tag manifest")
        else:
            report.skip("time stamp", "no RFC 3161 time stamp in the package")
        return
    result = check_timestamp(tsr.read_bytes(), tagmanifest, roots)
    report.timestamp = result.time
    if result.problems:
        report.add("time stamp", list(result.problems), "RFC 3161 stamp over the tag manifest")
    elif result.trusted:
        report.add("time stamp", [], f"tag manifest existed at {result.time} ({result.tsa})")
    else:
        report.skip(
            "time stamp",
            f"stamp by {result.tsa} claims {result.time}, but no --tsa-root was given to check it",
        )

"""``evidencekit verify`` and ``verify-proof``: independent checks for outside counsel."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import click
from cryptography import x509

from cli.output import emit, json_option, out
from evidencekit.case.workspace import Case
from evidencekit.sources.hashing import sha256_file
from evidencekit.verify.package import verify_package
from evidencekit.verify.policy import Anchor, load_anchors, policy_for, policy_for_groups
from evidencekit.verify.proof import read_bundle, verify_event_proof
from evidencekit.verify.report import PackageVerificationError, VerificationReport

_TRUST_HELP = (
    "Trusted signer: CA or signer certificate PEM, Ed25519 public key PEM, or a "
    "'sha256:<hex>' key fingerprint received out of band. Repeatable."
)


def _anchors(trust: tuple[str, ...]) -> list[Anchor]:
    return [a for spec in trust for a in load_anchors(spec)]


def _roots(paths: tuple[Path, ...]) -> list[x509.Certificate]:
    return [c for p in paths for c in x509.load_pem_x509_certificates(p.read_bytes())]


def _print_report(report: VerificationReport, as_json: bool) -> None:
    def human() -> None:
        for check in report.checks:
            mark = {"passed": "PASS", "failed": "FAIL", "skipped": "SKIP"}[check.status]
            out.print(f"{mark}  {check.name}: {check.detail}", markup=False)
            for problem in check.problems:
                out.print(f"        - {problem}", markup=False)
        out.print(f"\nVERDICT: {report.verdict}", markup=False)

    emit(report.as_dict(), as_json, human)


def _package_identity(package: Path) -> dict[str, str]:
    """What the custody entry names as verified: the archive's SHA-256, or for a folder that
    of its signed tag manifest."""
    target = package if package.is_file() else package / "tagmanifest-sha256.txt"
    name = package.name if package.is_file() else f"{package.name}/{target.name}"
    return {name: sha256_file(target)} if target.is_file() else {}


def _run(
    check: Callable[[], VerificationReport],
    as_json: bool,
    case_dir: Path | None,
    what: str,
    evidence: Callable[[], dict[str, str]] = dict,
    trust: dict[str, list[str]] | None = None,
) -> None:
    """Print the report of a verification call and exit 0 only when everything passed;
    with ``case_dir``, record it in the custody log (what was verified, the trust given)."""
    try:
        report = check()
    except PackageVerificationError as exc:
        report = exc.report
    _print_report(report, as_json)
    if case_dir is not None:
        Case(case_dir).custody.append(
            "verification",
            f"{what}: {report.verdict}",
            evidence=evidence(),
            details={"failures": report.failures[:50], "passed": report.passed, **(trust or {})},
        )
    if not report.passed:
        raise SystemExit(1 if report.integrity_ok else 2)


@click.command("verify")
@click.argument("package", type=click.Path(exists=True, path_type=Path))
@click.option("--trust", multiple=True, help=_TRUST_HELP)
@click.option(
    "--tsa-root",
    "tsa_roots",
    multiple=True,
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="Trusted root certificate of the time-stamp authority (PEM). Repeatable.",
)
@click.option(
    "--require-all", is_flag=True, help="A signer trusted through every --trust must have signed."
)
@click.option("--case", "case_dir", type=click.Path(path_type=Path), help="Record in custody.")
@json_option
def verify(
    package: Path,
    trust: tuple[str, ...],
    tsa_roots: tuple[Path, ...],
    require_all: bool,
    case_dir: Path | None,
    as_json: bool,
) -> None:
    """Verify a package folder or archive; exit 0 only when every check passes.

    Trust comes only from --trust and --tsa-root, never from the package itself.
    Exit 1: contents intact but signer not trusted; exit 2: a check failed.
    """
    groups = [load_anchors(spec) for spec in trust]
    anchors = [a for group in groups for a in group]
    roots = _roots(tsa_roots)
    policy = policy_for_groups(groups, require_all)
    _run(
        lambda: verify_package(package, anchors, roots, policy),
        as_json,
        case_dir,
        f"verified package {package.name}",
        lambda: _package_identity(package),
        {"trust": list(trust), "tsa_roots": [str(p) for p in tsa_roots]},
    )


@click.command("verify-proof")
@click.argument("proof_file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--trust", multiple=True, help=_TRUST_HELP)
@click.option(
    "--tsa-root",
    "tsa_roots",
    multiple=True,
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="Trusted TSA root certificate (PEM).",
)
@json_option
def verify_proof(
    proof_file: Path, trust: tuple[str, ...], tsa_roots: tuple[Path, ...], as_json: bool
) -> None:
    """Check that one exported event belongs to a signed timeline."""
    anchors = _anchors(trust)
    bundle = read_bundle(proof_file)
    _run(
        lambda: verify_event_proof(bundle, anchors, _roots(tsa_roots), policy_for(anchors)),
        as_json,
        None,
        "verified event proof",
    )

"""``evidencekit report``: render the PDF report and its sealed annex for a case."""

from __future__ import annotations

import os
from pathlib import Path

import click

from cli.keys_cmd import PASSPHRASE_ENV, passphrase
from cli.output import emit, json_option, out
from evidencekit.case.workspace import Case
from evidencekit.report import ReportOptions, SigningIdentity, build_report
from evidencekit.report.i18n import Lang

_PASSPHRASE_ENV = "EVIDENCEKIT_SIGN_PASSPHRASE"  # noqa: S105 - a variable name


@click.command("report")
@click.option("--case", "case_dir", required=True, type=click.Path(path_type=Path))
@click.option("--lang", type=click.Choice(["ja", "en", "both"]), default="both", show_default=True)
@click.option(
    "--sign-cert",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="Signer certificate (PEM/DER) for a PAdES signature.",
)
@click.option(
    "--sign-key",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help=f"Private key (PEM/DER; if encrypted, passphrase from ${_PASSPHRASE_ENV}, "
    f"else ${PASSPHRASE_ENV}, else a prompt).",
)
@click.option(
    "--sign-chain",
    multiple=True,
    type=click.Path(exists=True, path_type=Path),
    help="Intermediate certificates to embed (repeatable).",
)
@click.option("--tsa-url", help="RFC 3161 time-stamp authority for the PAdES signature (B-T).")
@click.option(
    "--out",
    "out_file",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Report path (default <case>/report/report.pdf); the annex goes beside it.",
)
@click.option("--package-id", help="Evidence package id printed on the cover and footer.")
@click.option("--client", help="Client (依頼者) named on the cover.")
@click.option("--prepared-for", help="Counsel the report is prepared for (代理人).")
@click.option("--force", is_flag=True, help="Allow output inside an evidence folder.")
@json_option
def report(
    case_dir: Path,
    lang: str,
    sign_cert: Path | None,
    sign_key: Path | None,
    sign_chain: tuple[Path, ...],
    tsa_url: str | None,
    out_file: Path | None,
    package_id: str | None,
    client: str | None,
    prepared_for: str | None,
    force: bool,
    as_json: bool,
) -> None:
    """Write report.pdf (bilingual summary mapped to the legal elements) and
    annex-sealed.pdf (別紙・非開示), and record both in the chain of custody."""
    if (sign_cert is None) != (sign_key is None):
        raise click.UsageError("--sign-cert and --sign-key go together")
    if tsa_url and sign_cert is None:
        raise click.UsageError("--tsa-url needs --sign-cert and --sign-key")
    identity = None
    if sign_cert is not None and sign_key is not None:
        secret = os.environ.get(_PASSPHRASE_ENV)
        key_pass = secret.encode() if secret else passphrase(str(sign_key))
        identity = SigningIdentity(sign_cert, sign_key, key_pass, tuple(sign_chain), tsa_url)
    options = ReportOptions(package_id=package_id, client=client, prepared_for=prepared_for)
    result = build_report(
        Case(case_dir), lang_value(lang), identity, out_file, options, force=force
    )
    data = {
        "report": str(result.report),
        "report_sha256": result.report_sha256,
        "annex": str(result.annex),
        "annex_sha256": result.annex_sha256,
        "font": result.font,
        "signer": result.signer,
    }

    def human() -> None:
        out.print(f"Report: {result.report}\n  SHA-256 {result.report_sha256}")
        out.print(f"Sealed annex: {result.annex}\n  SHA-256 {result.annex_sha256}")
        out.print(f"Fonts: {result.font}")
        out.print(f"Signed by: {result.signer}" if result.signer else "Not signed")

    emit(data, as_json, human)


def lang_value(lang: str) -> Lang:
    """Narrow the click choice to the library's language type."""
    if lang == "ja":
        return "ja"
    return "en" if lang == "en" else "both"

"""``evidencekit package``: build a signed evidence package, or countersign one."""

from __future__ import annotations

import re
from pathlib import Path

import click

from cli.keys_cmd import passphrase
from cli.output import emit, json_option, out
from evidencekit.case.workspace import Case
from evidencekit.package.build import PackageOptions, build_package
from evidencekit.package.countersign import countersign
from evidencekit.package.signing import Signer, load_signer

_SIGN_HELP = "KEY.pem (Ed25519), CERT.pem:KEY.pem or a PEM bundle; repeat for several signers."


def _signers(specs: tuple[str, ...]) -> list[Signer]:
    return [load_signer(spec, passphrase(spec)) for spec in specs]


def _default_out(case: Case) -> Path:
    folder = case.root / "packages"
    taken = {p.name for p in folder.iterdir()} if folder.is_dir() else set()
    n = 1
    stem = re.escape(case.meta.case_id)
    while any(re.fullmatch(rf"{stem}-{n:03d}(\.tar|\.partial)?", t) for t in taken):
        n += 1
    return folder / f"{case.meta.case_id}-{n:03d}"


@click.group("package", invoke_without_command=True)
@click.option("--case", "case_dir", type=click.Path(path_type=Path), help="Case folder.")
@click.option("--sign", "sign", multiple=True, help=_SIGN_HELP)
@click.option("--tsa", "tsa_url", default=None, help="RFC 3161 time-stamp authority URL.")
@click.option(
    "--out",
    "out_dir",
    type=click.Path(path_type=Path),
    help="New package folder (default: <case>/packages/<case id>-NNN, the next free number).",
)
@click.option("--archive", is_flag=True, help="Also write the package as one .tar file.")
@click.option(
    "--exhibit",
    "exhibits",
    multiple=True,
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="A file to export into data/ under a generated ASCII name (repeatable).",
)
@click.option("--timeline-version", type=int, default=None, help="Default: the latest.")
@click.option("--custodian", default=None, help="Custodian named in bag-info.txt.")
@click.option("--force", is_flag=True, help="Allow the package inside an exhibit's folder.")
@json_option
@click.pass_context
def package_group(
    ctx: click.Context,
    case_dir: Path | None,
    sign: tuple[str, ...],
    tsa_url: str | None,
    out_dir: Path | None,
    archive: bool,
    exhibits: tuple[Path, ...],
    timeline_version: int | None,
    custodian: str | None,
    force: bool,
    as_json: bool,
) -> None:
    """Build a signed BagIt evidence package from a case (secret.key is never packaged)."""
    if ctx.invoked_subcommand is not None:
        return
    if case_dir is None or not sign:
        raise click.UsageError("package needs --case DIR and at least one --sign")
    case = Case(case_dir)
    options = PackageOptions(
        out=out_dir or _default_out(case),
        signers=_signers(sign),
        tsa_url=tsa_url,
        exhibits=exhibits,
        timeline_version=timeline_version,
        custodian=custodian,
        archive=archive,
        force=force,
    )
    result = build_package(case, options)
    data = {
        "package": str(result.path),
        "archive": str(result.archive) if result.archive else None,
        "manifest_sha256": result.manifest_sha256,
        "tagmanifest_sha256": result.tagmanifest_sha256,
        "signatures": list(result.signature_files),
    }

    def human() -> None:
        out.print(f"Package: {result.path}")
        if result.archive:
            out.print(f"Archive: {result.archive}")
        out.print(f"tagmanifest-sha256.txt SHA-256 (signed): {result.tagmanifest_sha256}")
        for name in result.signature_files:
            out.print(f"  signatures/{name}")

    emit(data, as_json, human)


@package_group.command("countersign")
@click.argument("package", type=click.Path(exists=True, path_type=Path))
@click.option("--sign", "sign", multiple=True, required=True, help=_SIGN_HELP)
@click.option(
    "--out",
    "out_file",
    type=click.Path(path_type=Path),
    help="For an archive: the new archive (default <name>-countersigned.tar).",
)
@click.option("--tsa", "tsa_url", default=None, help="Add a time stamp if there is none.")
@click.option("--case", "case_dir", type=click.Path(path_type=Path), help="Record in custody.")
@json_option
def countersign_cmd(
    package: Path,
    sign: tuple[str, ...],
    out_file: Path | None,
    tsa_url: str | None,
    case_dir: Path | None,
    as_json: bool,
) -> None:
    """Add a reviewer's signature to an existing package (folder, or archive written anew)
    after checking its integrity."""
    case = Case(case_dir) if case_dir else None
    written = countersign(package, _signers(sign), tsa_url, out_file)
    if case is not None:
        case.custody.append(
            "verification",
            f"package {package.name} checked and countersigned",
            details={"signatures": written},
        )
    emit(
        {"package": str(package), "signatures": written},
        as_json,
        lambda: out.print("\n".join(f"Added signatures/{n}" for n in written)),
    )

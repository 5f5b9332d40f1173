"""The openssl command counsel is given (data/README.txt in the package, the report's
verification appendix) trusts only the root named with -CAfile. Without -no-CApath
-no-CAstore, openssl also loads the system's CA directory, so a forgery signed under any
CA found there (a certificate of the same name, bought or self-made and installed) passed."""

from __future__ import annotations

import os
import shlex
import shutil
import subprocess
from pathlib import Path

import pytest
from cryptography.hazmat.primitives.asymmetric import ec

from evidencekit.package.build import PackageOptions, PackageResult, build_package
from evidencekit.package.signing import generate_ed25519, load_signer
from evidencekit.report.i18n import Labels
from evidencekit.report.sec_timeline import verification_steps
from evidencekit.timeline.seal import TimelineHead
from tests.package.conftest import PASSPHRASE, Identity, MakeCase, Pki, _cert, _save

pytestmark = pytest.mark.skipif(shutil.which("openssl") is None, reason="openssl not installed")


def _package(make_case: MakeCase, who: Identity, out: Path, name: str) -> PackageResult:
    signer = load_signer(who.sign_spec, PASSPHRASE)
    return build_package(make_case(name), PackageOptions(out=out, signers=[signer]))


def _public_ca_examiner(folder: Path) -> tuple[Identity, Identity]:
    """A CA of another name (as a public one would be) and a certificate it issued in the
    examiner's name."""
    ca_key = ec.generate_private_key(ec.SECP256R1())
    ca = _save(folder, "public-ca", _cert("Some Public CA", ca_key, None, ca=True), ca_key)
    key = ec.generate_private_key(ec.SECP256R1())
    return ca, _save(folder, "lookalike", _cert("Examiner Yamada", key, (ca.cert, ca_key)), key)


def _system_dir_trusting(root: Identity, folder: Path) -> dict[str, str]:
    """An environment whose default CA directory (SSL_CERT_DIR) holds ``root``."""
    folder.mkdir()
    shutil.copy(root.cert_pem, folder / "ca.pem")
    subprocess.run(["openssl", "rehash", str(folder)], check=True, capture_output=True)
    return {**os.environ, "SSL_CERT_DIR": str(folder)}


def _readme_command(bag: Path, root: Path) -> list[str]:
    text = (bag / "data" / "README.txt").read_text("utf-8").replace("\\\n", " ")
    line = next(x for x in text.splitlines() if x.strip().startswith("openssl cms"))
    (signature,) = (bag / "signatures").glob("*.p7s")
    line = line.replace("signatures/SIGNER.p7s", f"signatures/{signature.name}")
    return shlex.split(line.replace("ROOT-CA.pem", str(root)), comments=True)


def _appendix_command(bag: Path, root: Path, case_head: TimelineHead) -> list[str]:
    steps = dict(verification_steps(Labels("en"), case_head))
    text = next(v for k, v in steps.items() if "Package" in k).replace("\\\n", " ")
    line = next(x for x in text.splitlines() if x.startswith("openssl cms"))
    (signature,) = (bag / "signatures").glob("*.p7s")
    line = line.replace("signatures/<signer>.p7s", f"signatures/{signature.name}")
    return shlex.split(line.replace("signer-root.pem", str(root)), comments=True)


def test_counsel_commands_trust_only_the_given_root(
    make_case: MakeCase, pki: Pki, tmp_path: Path
) -> None:
    genuine = _package(make_case, pki.examiner, tmp_path / "genuine", "a")
    public_ca, lookalike = _public_ca_examiner(tmp_path)
    forged = _package(make_case, lookalike, tmp_path / "forged", "b")
    env = _system_dir_trusting(public_ca, tmp_path / "system-cas")
    case_head = make_case("c").head()
    root = pki.root.cert_pem
    for bag, expected in ((genuine.path, 0), (forged.path, 4)):
        for args in (_readme_command(bag, root), _appendix_command(bag, root, case_head)):
            assert "-no-CApath" in args and "-no-CAstore" in args
            run = subprocess.run(args, cwd=bag, env=env, capture_output=True, text=True)
            assert run.returncode == expected, (bag.name, args, run.stderr)


def test_readme_ed25519_command_checks_the_signature(make_case: MakeCase, tmp_path: Path) -> None:
    key, pub, _ = generate_ed25519(tmp_path / "field-key", PASSPHRASE)
    _, other, _ = generate_ed25519(tmp_path / "other-key", PASSPHRASE)
    signer = load_signer(str(key), PASSPHRASE)
    bag = build_package(make_case(), PackageOptions(out=tmp_path / "P", signers=[signer])).path
    text = (bag / "data" / "README.txt").read_text("utf-8").replace("\\\n", " ")
    line = next(x for x in text.splitlines() if x.strip().startswith("openssl pkeyutl"))
    (signature,) = (bag / "signatures").glob("*.ed25519.sig")
    line = line.replace("signatures/SIGNER.ed25519.sig", f"signatures/{signature.name}")
    for given, expected in ((pub, 0), (other, 1)):
        args = shlex.split(line.replace("SIGNER-KEY.pub", str(given)), comments=True)
        run = subprocess.run(args, cwd=bag, capture_output=True, text=True)
        assert run.returncode == expected, (given.name, run.stdout, run.stderr)

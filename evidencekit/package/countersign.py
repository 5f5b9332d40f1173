"""Countersigning: a reviewer adds a signature to an existing package.

The reviewer's signature covers the same tag manifest, so it is only added after
the bag's integrity (every payload and tag file against the manifests) is checked.
An archive is extracted safely, countersigned and written as a new archive; the
original file is left as it was.
"""

from __future__ import annotations

import tempfile
from collections.abc import Sequence
from pathlib import Path

from evidencekit.errors import CaseError, VerificationError
from evidencekit.package import bagit
from evidencekit.package.archive import safe_extract, write_archive
from evidencekit.package.bagit import TAGMANIFEST
from evidencekit.package.build import sign_into
from evidencekit.package.signing import Signer


def countersign(
    package: Path,
    signers: Sequence[Signer],
    tsa_url: str | None = None,
    out: Path | None = None,
) -> list[str]:
    """Check ``package`` and add each signer's signature to it.

    Args:
        package: A bag folder (signed in place) or an archive of one.
        signers: The countersigning identities.
        tsa_url: Add an RFC 3161 time stamp when the package has none.
        out: For an archive, the new archive (default ``<name>-countersigned.tar``).

    Returns:
        The names of the files added under ``signatures/``.

    Raises:
        VerificationError: the bag fails its integrity checks; nothing is signed.
    """
    if package.is_file():
        target = out or package.with_name(f"{package.name.split('.')[0]}-countersigned.tar")
        if target.exists():
            raise CaseError(f"{target} exists; choose another --out")
        with tempfile.TemporaryDirectory(prefix="evidencekit-countersign-") as tmp:
            bag = safe_extract(package, Path(tmp) / "x")
            written = _countersign_bag(bag, signers, tsa_url)
            write_archive(bag, target)
        return written
    return _countersign_bag(package, signers, tsa_url)


def _countersign_bag(bag: Path, signers: Sequence[Signer], tsa_url: str | None) -> list[str]:
    found = bagit.check_bag(bag)
    problems = found.declaration + found.payload + found.tags + found.signatures_dir
    if problems:
        raise VerificationError([f"refusing to countersign: {p}" for p in problems])
    tagmanifest = (bag / TAGMANIFEST).read_bytes()
    return sign_into(bag, tagmanifest, signers, tsa_url)

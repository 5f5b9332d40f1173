"""Countersigning: a reviewer adds a signature to an existing package.

The reviewer's signature covers the same tag manifest, so it is only added after
the bag's integrity (every payload and tag file against the manifests) is checked.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from evidencekit.errors import VerificationError
from evidencekit.package import bagit
from evidencekit.package.bagit import TAGMANIFEST
from evidencekit.package.build import sign_into
from evidencekit.package.signing import Signer


def countersign(package: Path, signers: Sequence[Signer], tsa_url: str | None = None) -> list[str]:
    """Check ``package`` (a bag folder) and add each signer's signature to it.

    Raises:
        VerificationError: the bag fails its integrity checks; nothing is signed.
    """
    found = bagit.check_bag(package)
    problems = found.declaration + found.payload + found.tags + found.signatures_dir
    if problems:
        raise VerificationError([f"refusing to countersign: {p}" for p in problems])
    tagmanifest = (package / TAGMANIFEST).read_bytes()
    return sign_into(package, tagmanifest, signers, tsa_url)

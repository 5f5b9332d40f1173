"""Folders named in the asset register: the public corpus and copies of the secret set.

``[public_corpus] folder`` holds the customer-supplied public material (catalogues,
manuals, web pages, patent publications); ``[secret_set] folder`` holds copies of the
secret-set documents supplied by the company (never evidence originals). Both are
only read: every regular file is hashed (SHA-256, streamed) and listed as an analysis
input, so the package records exactly what was compared. Symbolic links are not
followed (a link could lead outside the folder); they are listed as skipped.
"""

from __future__ import annotations

import hashlib
import os
from dataclasses import dataclass, field
from pathlib import Path

from evidencekit.analysis.config import AnalysisError
from evidencekit.analysis.model import InputFile

MAX_FILES = 100_000
_CHUNK = 1 << 20


@dataclass(frozen=True)
class FolderFile:
    """One file of a register folder, identified by its relative path and hash."""

    role: str
    rel: str
    path: Path
    sha256: str
    size: int

    @property
    def name(self) -> str:
        """The name the file carries in the analysis inputs (``role/relative/path``)."""
        return f"{self.role}/{self.rel}"

    def input_file(self) -> InputFile:
        return InputFile(role=self.role, name=self.name, sha256=self.sha256, records=1)


@dataclass
class FolderSet:
    """The files of one register folder, in path order, and what was skipped."""

    role: str
    root: Path
    files: list[FolderFile] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)


def _sha256(path: Path) -> tuple[str, int]:
    digest = hashlib.sha256()
    size = 0
    with open(path, "rb") as fp:
        while chunk := fp.read(_CHUNK):
            digest.update(chunk)
            size += len(chunk)
    return digest.hexdigest(), size


def load_folder(base: Path, folder: str, role: str) -> FolderSet:
    """Hash every regular file under ``base / folder`` (read-only, links not followed).

    Raises:
        AnalysisError: The folder does not exist or holds more than ``MAX_FILES`` files.
    """
    root = (base / folder).resolve()
    if not root.is_dir():
        raise AnalysisError(f"[{role}] folder {folder!r} is not a folder ({root})")
    out = FolderSet(role, root)
    paths: list[tuple[str, Path]] = []
    for dirpath, dirnames, filenames in os.walk(root, followlinks=False):
        dirnames.sort()
        links = [Path(dirpath) / d for d in dirnames if (Path(dirpath) / d).is_symlink()]
        paths.extend((p.relative_to(root).as_posix(), p) for p in links)  # listed, not walked
        for name in filenames:
            p = Path(dirpath) / name
            paths.append((p.relative_to(root).as_posix(), p))
            if len(paths) > MAX_FILES:
                raise AnalysisError(f"[{role}] folder holds more than {MAX_FILES} files")
    for rel, p in sorted(paths):
        if p.is_symlink() or not p.is_file():
            out.skipped.append(f"{rel}: not a regular file")
            continue
        try:
            digest, size = _sha256(p)
        except OSError as exc:
            out.skipped.append(f"{rel}: {exc.strerror or exc}")
            continue
        out.files.append(FolderFile(role, rel, p, digest, size))
    return out

"""Folders named in the asset register: the public corpus and copies of the secret set.

``[public_corpus] folder`` holds the customer-supplied public material (catalogues,
manuals, web pages, patent publications); ``[secret_set] folder`` holds copies of the
secret-set documents supplied by the company (never evidence originals). Both are
only read: every regular file is hashed (SHA-256, streamed) and listed as an analysis
input, so the package records exactly what was compared. Symbolic links are not
followed (a link could lead outside the folder); they are listed as skipped.
"""

from __future__ import annotations

import errno
import hashlib
import os
import stat
from dataclasses import dataclass, field
from pathlib import Path
from typing import BinaryIO

from evidencekit.analysis.config import AnalysisError
from evidencekit.analysis.model import InputFile
from evidencekit.sources.pathtext import path_text

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


_OPEN_FLAGS = os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_NONBLOCK", 0)


def open_regular(path: Path) -> BinaryIO:
    """``path`` opened for reading if it is a regular file: opened without following a
    link and without blocking, then checked, so a FIFO or device put in place of a
    listed file is refused instead of read (reading a FIFO waits forever).

    Raises:
        OSError: The file cannot be opened or is not a regular file.
    """
    fd = os.open(path, _OPEN_FLAGS | getattr(os, "O_BINARY", 0))
    fp = open(fd, "rb")  # noqa: SIM115 (returned to the caller, who closes it)
    if not stat.S_ISREG(os.fstat(fd).st_mode):
        fp.close()
        raise OSError(errno.EINVAL, "not a regular file", str(path))
    return fp


def _sha256(path: Path) -> tuple[str, int]:
    digest = hashlib.sha256()
    size = 0
    with open_regular(path) as fp:
        while chunk := fp.read(_CHUNK):
            digest.update(chunk)
            size += len(chunk)
    return digest.hexdigest(), size


def _listing(root: Path, role: str, skipped: list[str]) -> list[tuple[str, Path, bool]]:
    """Every entry under ``root`` as (relative name, path, is a regular file), links and
    special files included but never entered; a folder that cannot be listed (removed,
    unreadable, a path longer than the system allows) is recorded in ``skipped``."""
    found: list[tuple[str, Path, bool]] = []
    pending = [root]
    while pending:
        folder = pending.pop()
        try:
            with os.scandir(folder) as it:
                entries = list(it)
        except OSError as exc:
            skipped.append(f"{_rel(folder, root)}: folder not listed: {exc.strerror or exc}")
            continue
        for entry in entries:
            path = Path(entry.path)
            try:
                is_dir = entry.is_dir(follow_symlinks=False)
                regular = entry.is_file(follow_symlinks=False)
            except OSError:
                is_dir = regular = False
            if is_dir:
                pending.append(path)
                continue
            found.append((_rel(path, root), path, regular))
            if len(found) > MAX_FILES:
                raise AnalysisError(f"[{role}] folder holds more than {MAX_FILES} files")
    return found


def _rel(path: Path, root: Path) -> str:
    return path_text(path.relative_to(root).as_posix())


def load_folder(base: Path, folder: str, role: str) -> FolderSet:
    """Hash every regular file under ``base / folder`` (read-only, links not followed).

    Raises:
        AnalysisError: The folder does not exist or holds more than ``MAX_FILES`` files.
    """
    root = (base / folder).resolve()
    if not root.is_dir():
        raise AnalysisError(f"[{role}] folder {folder!r} is not a folder ({root})")
    out = FolderSet(role, root)
    for rel, p, regular in sorted(_listing(root, role, out.skipped)):
        if not regular:
            out.skipped.append(f"{rel}: not a regular file")
            continue
        try:
            digest, size = _sha256(p)
        except OSError as exc:
            out.skipped.append(f"{rel}: {exc.strerror or exc}")
            continue
        out.files.append(FolderFile(role, rel, p, digest, size))
    out.skipped.sort()
    return out

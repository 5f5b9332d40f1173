"""Recognise an artifact's kind from its first bytes, for ``ingest artifact`` and ``run``."""

from __future__ import annotations

from pathlib import Path

from evidencekit.parsers.base import parsers

# Signature tests that are strict come first, so a loose one cannot claim their files.
DETECT_ORDER = (
    "evtx", "lnk", "prefetch", "recyclebin", "mft", "jumplist", "shellbags", "registry",
    "browser", "setupapi", "usnjrnl",
)  # fmt: skip
_HEAD = 4096


def detect_artifact_kind(path: Path) -> str | None:
    """The first artifact kind whose parser's ``check`` accepts the file, or None."""
    with open(path, "rb") as fp:
        head = fp.read(_HEAD)
    for kind in DETECT_ORDER:
        if kind in parsers and parsers.get(kind).check(head, path):
            return kind
    return None

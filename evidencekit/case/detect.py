"""Recognise an artifact's kind from its first bytes, for ``ingest artifact`` and ``run``."""

from __future__ import annotations

import hashlib
from pathlib import Path
from typing import Any

from evidencekit.errors import EvidenceKitError
from evidencekit.parsers.base import parsers
from evidencekit.parsers.logdetect import detect_log_format

# Signature tests that are strict come first, so a loose one cannot claim their files.
DETECT_ORDER = (
    "evtx", "lnk", "prefetch", "recyclebin", "mft", "jumplist", "shellbags", "registry",
    "srum", "browser", "setupapi", "setupapi_xp", "usnjrnl",
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


def choose_parser(
    path: Path, kind: str, format: str = "auto", mapping: Path | None = None
) -> tuple[str, dict[str, Any]]:
    """The parser (and its options) for a non-image source of ``kind`` log, artifact or
    events: a mapping profile, a named format, or recognition from the file's first bytes."""
    if mapping is not None:
        digest = hashlib.sha256(mapping.read_bytes()).hexdigest()  # the mapping travels along
        return "mapped_csv", {"mapping": str(mapping.resolve()), "mapping_sha256": digest}
    if kind == "events":
        return "events_jsonl", {}
    if format != "auto":
        return format, {}
    if kind == "artifact":
        found = detect_artifact_kind(path)
        if found is None:
            raise EvidenceKitError(f"{path}: no artifact parser recognises this file")
        return found, {}
    return detect_log_format(path), {}

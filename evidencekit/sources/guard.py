"""Evidence is read-only: refuse outputs inside an evidence folder unless forced."""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

from evidencekit.errors import EvidenceWriteRefused


def evidence_folder(evidence: Path) -> Path:
    """The folder that holds an evidence file (or the folder itself)."""
    resolved = evidence.resolve()
    return resolved if resolved.is_dir() else resolved.parent


def check_output(output: Path, evidence: Iterable[Path], force: bool = False) -> None:
    """Raise :class:`EvidenceWriteRefused` if ``output`` lies inside any evidence folder."""
    out = output.resolve()
    for item in evidence:
        folder = evidence_folder(item)
        if out == folder or folder in out.parents:
            if force:
                continue
            raise EvidenceWriteRefused(
                f"output {out} is inside the evidence folder {folder}; evidence is read-only. "
                "Choose another location, or force it knowingly."
            )

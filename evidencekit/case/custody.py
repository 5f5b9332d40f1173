"""The chain-of-custody log: an append-only, hash-chained record of every action.

It starts at ``case init`` and records seizure, sealing, transfer, acquisition,
ingest, analysis, packaging, export and verification: who, witness (立会人), when,
what, evidence hashes, tool version, host and notes.
"""

from __future__ import annotations

import os
import socket
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from evidencekit import __version__
from evidencekit.errors import CaseError, TimelineError
from evidencekit.model import JsonMap
from evidencekit.timeline.canonical import dumps
from evidencekit.timeline.chain import build_line, chain_tail, read_chain

CustodyAction = Literal[
    "case_created", "seizure", "sealing", "transfer", "acquisition", "ingest", "timeline_sealed",
    "analysis", "packaging", "export", "verification", "report", "note",
]  # fmt: skip


class CustodyEntry(BaseModel):
    """One action in the chain of custody."""

    model_config = ConfigDict(frozen=True, extra="forbid")
    time: str
    action: CustodyAction
    who: str
    witness: str | None = None
    what: str
    evidence: dict[str, str] = Field(default_factory=dict, description="name -> sha256")
    tool: str = f"evidencekit {__version__}"
    host: str = Field(default_factory=socket.gethostname)
    notes: str | None = None
    details: JsonMap = Field(default_factory=dict)


class CustodyLog:
    """Appends to and reads a custody log file (``custody.jsonl``)."""

    def __init__(self, path: Path) -> None:
        self.path = path

    def entries(self) -> list[CustodyEntry]:
        """All entries, after checking every link; raises on the first bad line."""
        if not self.path.exists():
            return []
        with open(self.path, "rb") as fp:
            return [CustodyEntry.model_validate(p) for _, _, p in read_chain(fp, "entry")]

    def append(self, action: CustodyAction, what: str, who: str | None = None, **kw: Any) -> str:
        """Record one action now; return the new line's hash."""
        try:
            seq, head = chain_tail(self.path, "entry")
        except TimelineError as exc:
            raise CaseError(f"custody log {self.path} is damaged: {exc}") from exc
        entry = CustodyEntry(
            time=utc_now(),
            action=action,
            who=who or os.environ.get("EVIDENCEKIT_EXAMINER") or _login(),
            what=what,
            **kw,
        )
        payload = dumps(entry.model_dump(mode="json", exclude_none=True))
        line, digest = build_line("entry", payload, head, seq)
        with open(self.path, "ab") as fp:
            fp.write(line)
            fp.flush()
            os.fsync(fp.fileno())
        return digest


def utc_now() -> str:
    """Now, in the fixed-width UTC form used everywhere."""
    now = datetime.now(UTC)
    return now.strftime("%Y-%m-%dT%H:%M:%S.") + f"{now.microsecond:06d}000Z"


def _login() -> str:
    try:
        return os.getlogin()
    except OSError:
        return os.environ.get("USER", "unknown")

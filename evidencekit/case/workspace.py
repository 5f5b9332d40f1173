"""A case folder: metadata, the case secret, the event store, timelines and custody log.

Layout::

    case.json        case metadata (no secrets)
    secret.key       random case secret, owner-only, never packaged
    custody.jsonl    chain-of-custody log (hash-chained)
    store/           append-only ingested events and parse issues
    timeline/vNNNN/  sealed timeline versions (timeline.jsonl + head.json)
"""

from __future__ import annotations

import os
import re
import secrets
import stat
from pathlib import Path
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import BaseModel, ConfigDict, Field

from evidencekit import __version__
from evidencekit.case.custody import CustodyLog, utc_now
from evidencekit.case.store import EventStore
from evidencekit.errors import CaseError
from evidencekit.events.keys import EventKeyer
from evidencekit.timeline.canonical import dumps, loads_strict
from evidencekit.timeline.seal import HEAD_FILE, TIMELINE_FILE, TimelineHead, read_head, seal

CASE_FILE = "case.json"
SECRET_FILE = "secret.key"  # noqa: S105 - a file name, not a secret


class CaseMeta(BaseModel):
    """What ``case.json`` holds."""

    model_config = ConfigDict(frozen=True, extra="forbid")
    format: str = "evidencekit-case/1"
    case_id: str = Field(pattern=r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$")
    title: str = ""
    examiner: str | None = None
    organisation: str | None = None
    time_zone: str = "Asia/Tokyo"
    created: str
    tool_version: str = __version__


class Case:
    """An open case folder."""

    def __init__(self, root: Path) -> None:
        self.root = root.resolve()
        meta_path = self.root / CASE_FILE
        if not meta_path.is_file():
            raise CaseError(f"{self.root} is not a case folder (no {CASE_FILE}); run 'case init'")
        self.meta = CaseMeta.model_validate(loads_strict(meta_path.read_bytes()))
        self.custody = CustodyLog(self.root / "custody.jsonl")
        self._keyer: EventKeyer | None = None

    @classmethod
    def init(
        cls,
        root: Path,
        case_id: str,
        title: str = "",
        examiner: str | None = None,
        organisation: str | None = None,
        time_zone: str = "Asia/Tokyo",
    ) -> Case:
        """Create a new case folder with a fresh random secret."""
        root = root.resolve()
        _check_zone(time_zone)
        if (root / CASE_FILE).exists():
            raise CaseError(f"{root} already holds a case")
        if root.exists() and any(root.iterdir()):
            raise CaseError(f"{root} exists and is not empty")
        root.mkdir(parents=True, exist_ok=True)
        meta = CaseMeta(
            case_id=case_id,
            title=title,
            examiner=examiner,
            organisation=organisation,
            time_zone=time_zone,
            created=utc_now(),
        )
        secret_path = root / SECRET_FILE
        fd = os.open(secret_path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w") as fp:
            fp.write(secrets.token_hex(32) + "\n")
        (root / CASE_FILE).write_bytes(dumps(meta.model_dump(mode="json")) + b"\n")
        case = cls(root)
        case.custody.append(
            "case_created",
            f"case {case_id} created",
            who=examiner,
            details={"time_zone": time_zone},
        )
        return case

    def secret(self) -> bytes:
        """The case secret; refuses a secret file readable by group or others."""
        path = self.root / SECRET_FILE
        mode = path.stat().st_mode
        if mode & (stat.S_IRWXG | stat.S_IRWXO):
            raise CaseError(f"{path} is readable by others (mode {oct(mode & 0o777)}); chmod 600")
        text = path.read_text().strip()
        if not re.fullmatch(r"[0-9a-f]{64}", text):
            raise CaseError(f"{path} does not hold a 256-bit hex secret")
        return bytes.fromhex(text)

    @property
    def keyer(self) -> EventKeyer:
        if self._keyer is None:
            self._keyer = EventKeyer(self.secret())
        return self._keyer

    @property
    def store(self) -> EventStore:
        return EventStore(self.root / "store", self.keyer)

    def timeline_versions(self) -> list[int]:
        folder = self.root / "timeline"
        if not folder.is_dir():
            return []
        return sorted(
            int(p.name[1:])
            for p in folder.iterdir()
            if re.fullmatch(r"v\d{4}", p.name) and (p / HEAD_FILE).is_file()
        )

    def timeline_dir(self, version: int | None = None) -> Path:
        """Folder of a sealed version (the latest by default)."""
        versions = self.timeline_versions()
        if not versions:
            raise CaseError("no sealed timeline yet; run 'timeline seal'")
        chosen = versions[-1] if version is None else version
        if chosen not in versions:
            raise CaseError(f"timeline version {chosen} does not exist (have {versions})")
        return self.root / "timeline" / f"v{chosen:04d}"

    def head(self, version: int | None = None) -> TimelineHead:
        return read_head(self.timeline_dir(version) / HEAD_FILE)

    def seal(self, append: bool = False, buffer_bytes: int = 48 << 20) -> TimelineHead:
        """Seal everything ingested so far into a new timeline version."""
        versions = self.timeline_versions()
        previous = None
        if versions:
            prev_dir = self.timeline_dir(versions[-1])
            previous = (read_head(prev_dir / HEAD_FILE), prev_dir / TIMELINE_FILE)
        version = (versions[-1] if versions else 0) + 1
        out = self.root / "timeline" / f"v{version:04d}"
        head = seal(self.store.event_lines(), out, version, previous, append, buffer_bytes)
        self.custody.append(
            "timeline_sealed",
            f"timeline version {version} sealed: {head.size} events",
            evidence={f"timeline/v{version:04d}/{TIMELINE_FILE}": head.timeline_sha256},
            details={
                "merkle_root": head.merkle_root,
                "chain_head": head.chain_head,
                "append": append,
            },
        )
        return head


def _check_zone(zone: str) -> None:
    # Every later ingest reads local times in this zone: a typo must stop the case here.
    try:
        ZoneInfo(zone)
    except (ZoneInfoNotFoundError, ValueError) as exc:
        hint = "use an IANA name such as Asia/Tokyo"
        raise CaseError(f"unknown time zone {zone!r} ({hint})") from exc

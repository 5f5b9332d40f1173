"""The case definition file (``case.toml``) that ``evidencekit run`` executes.

Paths are relative to the file's folder. Validation collects every problem and
reports each with its location, e.g. ``sources[2].format``.
"""

from __future__ import annotations

import tomllib
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from evidencekit.errors import EvidenceKitError

SourceType = Literal["image", "log", "artifact", "events"]


class CaseDefinitionError(EvidenceKitError):
    """A case definition that cannot be used; ``problems`` lists each with its location."""

    def __init__(self, path: Path, problems: list[str]) -> None:
        super().__init__(f"{path}: " + "; ".join(problems))
        self.path = path
        self.problems = problems

    def diagnostics(self) -> str:
        return f"{self.path} is not a valid case definition:\n" + "\n".join(
            f"  - {p}" for p in self.problems
        )


class _Strict(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class Party(_Strict):
    """A party to the matter (plaintiff, defendant, witness, custodian…)."""

    role: str
    name: str
    note: str | None = None


class CaseInfo(_Strict):
    id: str = Field(pattern=r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$")
    title: str = ""
    examiner: str
    organisation: str | None = None
    time_zone: str = "Asia/Tokyo"
    legal_profile: str = "jp_ucpa_civil"
    output: str = "./output"

    @field_validator("time_zone")
    @classmethod
    def _known_zone(cls, value: str) -> str:
        from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError) as exc:
            raise ValueError(f"unknown time zone {value!r}") from exc
        return value


class SourceEntry(_Strict):
    """One piece of evidence to ingest."""

    path: str
    type: SourceType
    format: str = "auto"
    mapping: str | None = None
    time_zone: str | None = None
    description: str | None = None
    acquired_by: str | None = None
    acquired_at: str | None = None
    legal_basis: str | None = None
    export: bool = Field(default=False, description="copy the file into the package payload")


class FileRef(_Strict):
    path: str
    format: str | None = None


class Signer(_Strict):
    """A signing identity: an X.509 certificate + key, or an Ed25519 key."""

    name: str = Field(pattern=r"^[A-Za-z0-9_.-]{1,40}$")
    certificate: str | None = None
    key: str
    passphrase_env: str | None = None


class Tsa(_Strict):
    url: str
    roots: list[str] = Field(default_factory=list)


class CaseDefinition(_Strict):
    """All of ``case.toml``."""

    case: CaseInfo
    parties: list[Party] = Field(default_factory=list)
    sources: list[SourceEntry] = Field(min_length=1)
    hr: FileRef | None = None
    identities: FileRef | None = None
    assets: FileRef | None = None
    signing: list[Signer] = Field(default_factory=list)
    trust: list[str] = Field(default_factory=list, description="trust anchors for verify")
    tsa: Tsa | None = None


def load_definition(path: Path) -> tuple[CaseDefinition, Path]:
    """Read and validate ``case.toml``; return it and the folder its paths are relative to."""
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError as exc:
        raise CaseDefinitionError(path, ["file not found"]) from exc
    except (tomllib.TOMLDecodeError, UnicodeDecodeError, RecursionError) as exc:
        raise CaseDefinitionError(path, [f"not valid TOML: {exc}"]) from exc
    try:
        definition = CaseDefinition.model_validate(data)
    except ValidationError as exc:
        problems = [f"{_where(e['loc'])}: {e['msg']}" for e in exc.errors()]
        raise CaseDefinitionError(path, problems) from exc
    base = path.resolve().parent
    missing = [
        f"sources[{i}].path: {s.path} does not exist"
        for i, s in enumerate(definition.sources)
        if not (base / s.path).exists()
    ]
    for name in ("hr", "identities", "assets"):
        ref = getattr(definition, name)
        if ref is not None and not (base / ref.path).exists():
            missing.append(f"{name}.path: {ref.path} does not exist")
    if missing:
        raise CaseDefinitionError(path, missing)
    return definition, base


def _where(loc: tuple[int | str, ...]) -> str:
    out = ""
    for part in loc:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out or "(top level)"

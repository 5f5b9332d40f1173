"""The top-level package manifest: one canonical JSON object binding the package together.

It names the sealed timeline (version, Merkle tree head, chain head), every source
with its hashes and counts, the exported exhibits with their original names, the
deterministic metadata files with their hashes, tool and dependency versions and
the packaging parameters. It holds no dates, so the same case, parameters and case
secret give byte-identical manifests.
"""

from __future__ import annotations

import importlib.metadata
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from evidencekit import __version__
from evidencekit.timeline.canonical import dumps, loads_strict

_HEX64 = r"^[0-9a-f]{64}$"
#: Libraries whose versions can change what a package contains or how it is checked.
DEPENDENCIES = (
    "cryptography", "orjson", "pydantic", "rfc8785", "rfc3161-client", "asn1crypto",
    "pytsk3", "libewf-python", "evtx", "regipy", "reportlab", "pyhanko",
)  # fmt: skip


class TimelineRef(BaseModel):
    """The sealed timeline version in the package and its tree head."""

    model_config = ConfigDict(frozen=True, extra="forbid")
    version: int = Field(ge=1)
    size: int = Field(ge=0)
    merkle_root: str = Field(pattern=_HEX64)
    chain_head: str = Field(pattern=_HEX64)
    timeline_sha256: str = Field(pattern=_HEX64)
    head_sha256: str = Field(pattern=_HEX64)


class SourceEntry(BaseModel):
    """One source as packaged: hashes and read/failed counts."""

    model_config = ConfigDict(frozen=True, extra="forbid")
    id: str
    name: str
    format: str
    parser: str
    parser_version: str
    size: int
    md5: str
    sha1: str
    sha256: str = Field(pattern=_HEX64)
    sha256_after: str | None = None
    time_zone: str | None = None
    records_read: int
    records_failed: int
    events: int
    parse_issues: int


class ExhibitEntry(BaseModel):
    """A payload file exported under a generated ASCII name."""

    model_config = ConfigDict(frozen=True, extra="forbid")
    path: str
    original_name: str
    original_name_hex: str
    nfc_normalised: bool
    size: int
    sha256: str = Field(pattern=_HEX64)


class Counts(BaseModel):
    """Totals the verifier checks against the timeline and the source records."""

    model_config = ConfigDict(frozen=True, extra="forbid")
    sources: int
    events: int
    parse_issues: int
    records_read: int
    records_failed: int
    events_per_source: dict[str, int]
    parse_issues_per_source: dict[str, int]


class PackageManifest(BaseModel):
    """``metadata/manifest.json``: the top-level manifest of an evidence package."""

    model_config = ConfigDict(frozen=True, extra="forbid")
    format: Literal["evidencekit-package-manifest/1"] = "evidencekit-package-manifest/1"
    case_id: str
    timeline: TimelineRef
    sources: list[SourceEntry]
    counts: Counts
    exhibits: list[ExhibitEntry] = Field(default_factory=list)
    files: dict[str, str] = Field(
        default_factory=dict, description="deterministic metadata file -> sha256"
    )
    tool: dict[str, str]
    dependencies: dict[str, str]
    parameters: dict[str, Any] = Field(default_factory=dict)

    def canonical_bytes(self) -> bytes:
        """RFC 8785 bytes, as written to the package (plus a final LF)."""
        return dumps(self.model_dump(mode="json", exclude_none=True))

    @classmethod
    def from_bytes(cls, data: bytes) -> PackageManifest:
        """Read a manifest, refusing duplicate keys and non-canonical bytes."""
        manifest = cls.model_validate(loads_strict(data))
        if manifest.canonical_bytes() + b"\n" != data:
            raise ValueError("manifest.json is not in canonical form")
        return manifest


def dependency_versions() -> dict[str, str]:
    """Installed versions of :data:`DEPENDENCIES` (``absent`` when not installed)."""
    found: dict[str, str] = {}
    for name in DEPENDENCIES:
        try:
            found[name] = importlib.metadata.version(name)
        except importlib.metadata.PackageNotFoundError:
            found[name] = "absent"
    return dict(sorted(found.items()))


def tool_versions() -> dict[str, str]:
    """This tool's name and version."""
    return {"name": "evidencekit", "version": __version__}

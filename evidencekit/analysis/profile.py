"""Legal profiles: element lists as data files (TOML), built in or supplied by the user.

A profile names its elements with Japanese and English labels, the statute (or
several, chosen by the date of the act, e.g. Art. 21 before and after 2024-04-01),
the source keys of the domain map, a plain explanation and how the element's status
is derived (see the header of ``profiles/jp_ucpa_civil.toml``). ``[include]`` reuses
elements of another built-in profile (``elements = [...]``; all of them without the list).
An element id may appear once.
"""

from __future__ import annotations

import hashlib
import tomllib
from importlib import resources
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from evidencekit.analysis.config import AnalysisError

BUILTIN = ("jp_ucpa_civil", "jp_ucpa_criminal", "us_dtsa_civil")


class StatuteVersion(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")
    text: str
    valid_from: str | None = None
    valid_to: str | None = None


class ProfileElement(BaseModel):
    """One legal element of a profile."""

    model_config = ConfigDict(frozen=True, extra="forbid")
    id: str = Field(pattern=r"^[a-z0-9_]+(\.[a-z0-9_]+)*$")
    label_ja: str
    label_en: str
    statute: str | None = None
    statutes: tuple[StatuteVersion, ...] = ()
    source_keys: tuple[str, ...] = ()
    plain_ja: str = ""
    plain_en: str = ""
    kind: Literal["substantive", "mental", "procedural", "remedy", "presumption", "act_type"] = (
        "substantive"
    )
    scope: Literal["primary", "partial", "out_of_scope"] = "primary"
    support_min: Literal["direct", "strong_indirect"] = "direct"
    max_status: Literal["supported", "partially_supported"] = "supported"
    requires: tuple[str, ...] = ()
    requires_also: tuple[str, ...] = ()
    also: tuple[str, ...] = ()
    special: Literal["secret_set", "holder", "act_dates", "act_type"] | None = None
    negative_wins: bool = False
    verify: bool = False
    act_all: tuple[str, ...] = ()  # act_type rows: components that must all hold
    act_any: tuple[str, ...] = ()  # act_type rows: components of which one must hold

    def statute_for(self, act_day: str | None) -> str:
        """The statute text in force on the act date (latest version when unknown)."""
        if not self.statutes:
            return self.statute or ""
        for v in self.statutes:
            if act_day is None:
                if v.valid_to is None:
                    return v.text
                continue
            if (v.valid_from or "0000") <= act_day <= (v.valid_to or "9999"):
                return v.text
        return self.statutes[0].text

    def ids(self) -> tuple[str, ...]:
        return (self.id, *self.also)


class Profile(BaseModel):
    """A legal profile (set of elements) with its version and file hash."""

    model_config = ConfigDict(frozen=True, extra="forbid")
    id: str
    version: str
    title_ja: str
    title_en: str
    elements: tuple[ProfileElement, ...]
    sha256: str

    def has(self, element_id: str) -> bool:
        return any(element_id in e.ids() for e in self.elements)


def _read(name_or_path: str) -> tuple[dict[str, Any], bytes]:
    if name_or_path in BUILTIN:
        res = resources.files("evidencekit.analysis").joinpath("profiles", f"{name_or_path}.toml")
        data = res.read_bytes()
    else:
        path = Path(name_or_path)
        if not path.is_file():
            raise AnalysisError(
                f"unknown legal profile {name_or_path!r} (built in: {', '.join(BUILTIN)}; or a TOML file)"  # noqa: E501 - bilingual wording kept whole
            )
        data = path.read_bytes()
    try:
        return tomllib.loads(data.decode("utf-8")), data
    except (UnicodeDecodeError, tomllib.TOMLDecodeError, RecursionError) as exc:
        raise AnalysisError(f"legal profile {name_or_path}: {exc}") from exc


def _check_ids(name: str, rows: list[dict[str, Any]]) -> None:
    """A profile names each element once (a second row would hide the first)."""
    if not rows:
        raise AnalysisError(f"legal profile {name} has no elements ([[element]] or [include])")
    ids = [str(r.get("id")) for r in rows]
    twice = sorted({i for i in ids if ids.count(i) > 1})
    if twice:
        raise AnalysisError(f"legal profile {name} names these elements twice: {twice}")


def load_profile(name_or_path: str) -> Profile:
    """Load a built-in profile by id, or a user profile from a TOML file."""
    doc, data = _read(name_or_path)
    digest = hashlib.sha256(data).digest()
    rows: list[dict[str, Any]] = []
    inc = doc.get("include")
    if inc:
        base, base_data = _read(str(inc["profile"]))
        digest = hashlib.sha256(digest + base_data).digest()
        by_id = {e["id"]: e for e in base.get("element", [])}
        wanted = list(inc.get("elements", by_id))  # no list: every element of the profile
        missing = [w for w in wanted if w not in by_id]
        if missing:
            raise AnalysisError(f"profile {doc.get('id')}: included elements not found: {missing}")
        rows.extend(by_id[w] for w in wanted)
    rows.extend(doc.get("element", []))
    _check_ids(name_or_path, rows)
    try:
        return Profile(
            id=str(doc["id"]),
            version=str(doc["version"]),
            title_ja=str(doc.get("title_ja", "")),
            title_en=str(doc.get("title_en", "")),
            sha256=digest.hex(),
            elements=tuple(ProfileElement.model_validate(r) for r in rows),
        )
    except (KeyError, ValidationError) as exc:
        raise AnalysisError(f"legal profile {name_or_path} is invalid: {exc}") from exc

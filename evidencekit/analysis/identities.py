"""Identity map: accounts, SIDs, mail addresses and hosts resolve to one person.

Input is CSV (header ``person,display_name,accounts,sids,emails,hosts,devices,
service_account,role,department``; list cells separated by ``;``) or TOML (one
``[[person]]`` table per person with the same keys as lists). The map itself is
evidence of attribution: it is hashed into the result and listed there (§3.1).
Accounts never mapped stay separate as ``account:<name>``; accounts named ``svc_*``
or listed with ``service_account = true`` are service accounts.
"""

from __future__ import annotations

import csv
import hashlib
import io
import tomllib
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from evidencekit.analysis.config import AnalysisError
from evidencekit.analysis.csvtext import decode_csv
from evidencekit.analysis.model import InputFile, PersonIdentity

_LIST_KEYS = ("accounts", "sids", "emails", "hosts", "devices")
_MAX_BYTES = 64 << 20


def _norm(text: str) -> str:
    return text.strip().lower()


def _split(cell: Any) -> tuple[str, ...]:
    if cell is None:
        return ()
    if isinstance(cell, list):
        return tuple(str(x).strip() for x in cell if str(x).strip())
    return tuple(x.strip() for x in str(cell).split(";") if x.strip())


def _truthy(value: Any) -> bool:
    return str(value).strip().lower() in {"1", "true", "yes", "y", "はい"}


class IdentityMap:
    """Resolves the actor of an event to a person id (cached per actor)."""

    def __init__(self, people: Iterable[PersonIdentity] = (), source: InputFile | None = None):
        self.people: dict[str, PersonIdentity] = {}
        self.source = source
        self._index: dict[str, str] = {}
        # Bare user names (from DOMAIN\user or an address's local part): a name two
        # persons share is None, so it never picks one of them.
        self._bare: dict[str, str | None] = {}
        self._host_owner: dict[str, str] = {}
        self._cache: dict[tuple[Any, ...], str | None] = {}
        self._service: dict[str, bool] = {}
        for person in people:
            self.add(person)

    def add(self, person: PersonIdentity) -> None:
        if person.person in self.people:
            raise AnalysisError(f"identity map lists person {person.person!r} twice")
        self.people[person.person] = person
        keys = [person.person, *person.accounts, *person.sids, *person.emails]
        for key in keys:
            norm = _norm(key)
            owner = self._index.get(norm)
            if owner is not None and owner != person.person:
                raise AnalysisError(f"identifier {key!r} is mapped to {owner} and {person.person}")
            self._index[norm] = person.person
            if "\\" in norm:  # DOMAIN\user: the bare user name resolves too, unless ambiguous
                self._add_bare(norm.split("\\", 1)[1], person.person)
            if "@" in norm and not norm.endswith("@"):
                self._add_bare(norm.split("@", 1)[0], person.person)
        for host in (*person.hosts, *person.devices):
            self._host_owner[_norm(host)] = person.person

    def _add_bare(self, bare: str, person: str) -> None:
        if self._bare.setdefault(bare, person) != person:
            self._bare[bare] = None

    def resolve(self, actor: dict[str, Any] | None) -> str | None:
        """Person id for an event actor dict (or ``account:<user>`` when unmapped)."""
        if not actor:
            return None
        key = (actor.get("user"), actor.get("domain"), actor.get("sid"), actor.get("email"))
        if key in self._cache:
            return self._cache[key]
        found = self._lookup(*key)
        if len(self._cache) < 1_000_000:
            self._cache[key] = found
        return found

    def _lookup(self, user: Any, domain: Any, sid: Any, email: Any) -> str | None:
        candidates = []
        if sid:
            candidates.append(_norm(sid))
        if user and domain:
            candidates.append(_norm(f"{domain}\\{user}"))
        if user:
            candidates.append(_norm(user))
            if "\\" in user:  # DOMAIN\user in the user field: its user part too
                candidates.append(_norm(user.split("\\", 1)[1]))
        if email:
            candidates.append(_norm(email))
        for c in candidates:
            if c in self._index:
                return self._index[c]
        for c in candidates:
            bare = self._bare.get(c)
            if bare is not None:
                return bare
        if user:
            return f"account:{_norm(user)}"
        if email:
            return f"account:{_norm(email)}"
        return None

    def is_service(self, person: str | None) -> bool:
        """Service account: flagged in the map, or an unmapped ``svc_*`` account."""
        if person is None:
            return False
        hit = self._service.get(person)
        if hit is None:
            hit = self._service[person] = self._is_service(person)
        return hit

    def _is_service(self, person: str) -> bool:
        known = self.people.get(person)
        if known is not None:
            return known.service_account
        name = person.removeprefix("account:")
        return name.split("\\")[-1].startswith("svc_")

    def host_owner(self, host: str | None) -> str | None:
        """The person a host or device is assigned to (sole-use device), if any."""
        return self._host_owner.get(_norm(host)) if host else None

    def emails_of(self, person: str | None) -> tuple[str, ...]:
        known = self.people.get(person or "")
        return tuple(_norm(e) for e in known.emails) if known else ()

    def display(self, person: str) -> str | None:
        known = self.people.get(person)
        return known.display_name if known else None


def _person(row: dict[str, Any], where: str) -> PersonIdentity:
    pid = str(row.get("person") or "").strip()
    if not pid:
        raise AnalysisError(f"{where}: 'person' is empty")
    return PersonIdentity(
        person=pid,
        display_name=(str(row["display_name"]).strip() or None)
        if row.get("display_name")
        else None,
        service_account=_truthy(row.get("service_account", "")),
        role=(str(row["role"]).strip() or None) if row.get("role") else None,
        department=(str(row["department"]).strip() or None) if row.get("department") else None,
        **{k: _split(row.get(k)) for k in _LIST_KEYS},
    )


def load_identities(path: Path) -> IdentityMap:
    """Read an identity map from CSV or TOML; errors name the row."""
    data = path.read_bytes()
    if len(data) > _MAX_BYTES:
        raise AnalysisError(f"identity map {path} is larger than {_MAX_BYTES} bytes")
    people: list[PersonIdentity] = []
    if path.suffix.lower() == ".toml":
        try:
            doc = tomllib.loads(data.decode("utf-8"))
        except (UnicodeDecodeError, tomllib.TOMLDecodeError, RecursionError) as exc:
            raise AnalysisError(f"identity map {path}: {exc}") from exc
        rows = doc.get("person", [])
        if not isinstance(rows, list) or not all(isinstance(row, dict) for row in rows):
            raise AnalysisError(f"identity map {path}: 'person' must be [[person]] tables")
        for i, row in enumerate(rows):
            people.append(_person(row, f"{path.name} person[{i}]"))
    else:
        text = decode_csv(data, "identity map", path)
        for line, row in enumerate(csv.DictReader(io.StringIO(text)), start=2):
            people.append(_person(row, f"{path.name} line {line}"))
    source = InputFile(
        role="identities",
        name=path.name,
        sha256=hashlib.sha256(data).hexdigest(),
        records=len(people),
    )
    return IdentityMap(people, source)

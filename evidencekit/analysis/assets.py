"""Asset register: the trade-secret set, protections, corporate devices and destinations.

TOML (full form) with tables ``[[asset]]`` (id, path, sha256 list, description of
business value, value_class, protection list, acl ``restricted``/``everyone``,
marking, origin, technical tag for Art. 5-2 T1, confirmed), ``[[device]]`` (serial),
``[[destination]]`` (value: NAS path prefix, host, tenant), ``[[governance]]`` (type,
person, title, date, dtsa_1833b), ``[[ticket]]`` (id, person, start, end, paths),
``[watch_list]`` (domains, addresses), ``[counterparties]`` (domains),
``[public_corpus]`` (description, sha256; optional ``folder`` of public material and
``covers_own_publications``), ``[secret_set]`` (``folder`` of copies of the secret-set
documents) and ``[known_files]`` (sha256; NSRL-style). Folders are relative to the
register file; their files are hashed and listed as analysis inputs (see
:mod:`evidencekit.analysis.folders`).
CSV holds only asset rows (the same column names; lists separated by ``;``).

Files touched by an actor match an asset by SHA-256 or by path prefix. A known-file
(NSRL-style) hash only removes known software from the secret set ([P24]); it says
nothing about whether a document is public.
"""

from __future__ import annotations

import csv
import hashlib
import io
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from evidencekit.analysis.config import AnalysisError
from evidencekit.analysis.csvtext import decode_csv
from evidencekit.analysis.folders import FolderSet, load_folder
from evidencekit.analysis.model import InputFile
from evidencekit.domains import within

_MAX_BYTES = 256 << 20


def norm_path(path: str) -> str:
    """Case-folded path with backslashes, for prefix matching across sources."""
    return path.replace("/", "\\").casefold()


def _is_path(value: str) -> bool:
    """A UNC or drive path (normalised), as against a host, URL or tenant name."""
    return value.startswith("\\\\") or value[1:3] == ":\\"


def _host(value: str) -> str:
    """The host a normalised value names: a URL's (without user and port), a UNC path's
    server (without WebDAV's ``@ssl``), a host or tenant as it is; none for a drive path."""
    if value[1:3] == ":\\":
        return ""
    if value.startswith("\\\\"):
        return value[2:].split("\\", 1)[0].split("@", 1)[0].rstrip(".")
    if ":\\\\" in value:  # a URL (norm_path turned its slashes)
        value = value.split(":\\\\", 1)[1].split("\\", 1)[0].rpartition("@")[2]
    return value.split(":", 1)[0].rstrip(".")


def _list(value: Any) -> tuple[str, ...]:
    if value is None or value == "":
        return ()
    if isinstance(value, list):
        return tuple(str(v).strip() for v in value if str(v).strip())
    return tuple(v.strip() for v in str(value).split(";") if v.strip())


@dataclass(frozen=True)
class Asset:
    """One entry of the secret set (a file or a folder, with hashes)."""

    id: str
    path: str | None
    sha256: frozenset[str]
    description: str = ""
    value_class: str | None = None
    protection: tuple[str, ...] = ()
    acl: str | None = None
    marking: str | None = None
    origin: str | None = None
    technical: str | None = None
    confirmed: bool = False


@dataclass
class AssetRegister:
    """Everything the register file says, with matching helpers."""

    assets: list[Asset] = field(default_factory=list)
    devices: set[str] = field(default_factory=set)
    destinations: list[str] = field(default_factory=list)
    governance: list[dict[str, Any]] = field(default_factory=list)
    tickets: list[dict[str, Any]] = field(default_factory=list)
    watch_domains: set[str] = field(default_factory=set)
    watch_addresses: set[str] = field(default_factory=set)
    counterparties: set[str] = field(default_factory=set)
    public_corpus: dict[str, Any] | None = None
    secret_set: dict[str, Any] | None = None
    known_files: frozenset[str] = frozenset()
    source: InputFile | None = None
    public_folder: FolderSet | None = None
    secret_folder: FolderSet | None = None

    @property
    def folder_inputs(self) -> list[InputFile]:
        """Every file of the public-corpus and secret-set folders, as analysis inputs."""
        sets = (self.public_folder, self.secret_folder)
        return [f.input_file() for s in sets if s is not None for f in s.files]

    def __post_init__(self) -> None:
        self._prefixes = [(norm_path(a.path), a) for a in self.assets if a.path]
        self._by_hash = {h: a for a in self.assets for h in a.sha256}
        dest = [norm_path(d).rstrip("\\") for d in self.destinations]
        self._dest_paths = [d for d in dest if _is_path(d)]
        self._dest_hosts = {_host(d) for d in dest if not _is_path(d)} - {""}
        self._devices = {d.casefold() for d in self.devices}
        self._folders: dict[str, tuple[str, tuple[tuple[str, Asset], ...], Asset | None]] = {}

    def match(self, path: str | None, sha256: str | None) -> Asset | None:
        """The asset a file belongs to, by hash first, then by path prefix."""
        if sha256 and sha256 in self.known_files:
            return None
        if sha256:
            hit = self._by_hash.get(sha256)
            if hit is not None:
                return hit
        if path:
            return self._match_path(path)
        return None

    def _match_path(self, path: str) -> Asset | None:
        """First asset whose normalised path prefixes ``path``, cached per folder.

        ``norm_path`` maps character by character, so the normalised path is the
        normalised folder followed by the normalised name: a prefix no longer than the
        folder matches the path exactly when it matches the folder; only the (rare)
        longer prefixes that extend the folder need the name.
        """
        folder, sep, name = path.rpartition("\\")
        if not sep or "/" in path:  # rare: no folder, or forward slashes
            p = norm_path(path)
            return next((asset for prefix, asset in self._prefixes if p.startswith(prefix)), None)
        entry = self._folders.get(folder)
        if entry is None:
            if len(self._folders) > 100_000:
                self._folders.clear()
            entry = self._folders[folder] = self._folder_entry(norm_path(folder + sep))
        nf, longer, hit = entry
        if longer:
            p = nf + norm_path(name)
            for prefix, asset in longer:
                if p.startswith(prefix):
                    return asset
        return hit

    def _folder_entry(self, nf: str) -> tuple[str, tuple[tuple[str, Asset], ...], Asset | None]:
        longer: list[tuple[str, Asset]] = []
        for prefix, asset in self._prefixes:
            if len(prefix) <= len(nf):
                if nf.startswith(prefix):
                    return nf, tuple(longer), asset
            elif prefix.startswith(nf):
                longer.append((prefix, asset))
        return nf, tuple(longer), None

    def is_registered_device(self, serial: str | None) -> bool:
        return serial is not None and serial.casefold() in self._devices

    def is_corporate_destination(self, value: str | None) -> bool:
        """A path at or below a listed NAS path, or a host (a URL's, a UNC path's server) or
        tenant that is listed as corporate or a sub-domain of one (CI.03). Names match at
        their boundaries only: ``evilcontoso.sharepoint.com`` is not ``contoso.sharepoint.com``
        and ``\\\\nas01\\daily2`` is not below ``\\\\nas01\\daily``."""
        if not value:
            return False
        v = norm_path(value)
        if any(v == d or v.startswith(d + "\\") for d in self._dest_paths):
            return True
        return within(_host(v), self._dest_hosts)

    def has_secret_set(self) -> bool:
        return bool(self.assets)


def _asset(row: dict[str, Any], where: str) -> Asset:
    aid = str(row.get("id") or "").strip()
    if not aid:
        raise AnalysisError(f"{where}: asset 'id' is empty")
    hashes = frozenset(h.lower() for h in _list(row.get("sha256")))
    if not row.get("path") and not hashes:
        raise AnalysisError(f"{where}: asset {aid} needs a path or a sha256 list")
    return Asset(
        id=aid,
        path=str(row["path"]) if row.get("path") else None,
        sha256=hashes,
        description=str(row.get("description") or ""),
        value_class=str(row["value_class"]) if row.get("value_class") else None,
        protection=_list(row.get("protection")),
        acl=str(row["acl"]) if row.get("acl") else None,
        marking=str(row["marking"]) if row.get("marking") else None,
        origin=str(row["origin"]) if row.get("origin") else None,
        technical=str(row["technical"]) if row.get("technical") else None,
        confirmed=str(row.get("confirmed", "")).lower() in {"true", "1", "yes"},
    )


def _from_toml(doc: dict[str, Any], name: str) -> AssetRegister:
    assets = [_asset(r, f"{name} asset[{i}]") for i, r in enumerate(doc.get("asset", []))]
    watch = doc.get("watch_list", {})
    return AssetRegister(
        assets=assets,
        devices={str(d["serial"]) for d in doc.get("device", [])},
        destinations=[str(d["value"]) for d in doc.get("destination", [])],
        governance=list(doc.get("governance", [])),
        tickets=list(doc.get("ticket", [])),
        watch_domains={d.casefold() for d in watch.get("domains", [])},
        watch_addresses={a.casefold() for a in watch.get("addresses", [])},
        counterparties={d.casefold() for d in doc.get("counterparties", {}).get("domains", [])},
        public_corpus=doc.get("public_corpus"),
        secret_set=doc.get("secret_set"),
        known_files=frozenset(h.lower() for h in doc.get("known_files", {}).get("sha256", [])),
    )


def load_assets(path: Path) -> AssetRegister:
    """Read an asset register (TOML or CSV); errors name the entry."""
    data = path.read_bytes()
    if len(data) > _MAX_BYTES:
        raise AnalysisError(f"asset register {path} is larger than {_MAX_BYTES} bytes")
    if path.suffix.lower() == ".toml":
        try:
            register = _from_toml(tomllib.loads(data.decode("utf-8")), path.name)
        except (UnicodeDecodeError, tomllib.TOMLDecodeError, KeyError, RecursionError) as exc:
            raise AnalysisError(f"asset register {path}: {exc}") from exc
    else:
        rows = csv.DictReader(io.StringIO(decode_csv(data, "asset register", path)))
        register = AssetRegister(
            assets=[_asset(r, f"{path.name} line {i}") for i, r in enumerate(rows, start=2)]
        )
    _load_folders(register, path.parent)
    register.source = InputFile(
        role="assets",
        name=path.name,
        sha256=hashlib.sha256(data).hexdigest(),
        records=len(register.assets),
    )
    return register


def _load_folders(register: AssetRegister, base: Path) -> None:
    """Hash the files of ``[public_corpus] folder`` and ``[secret_set] folder``."""
    corpus = register.public_corpus or {}
    if not isinstance(corpus.get("covers_own_publications", False), bool):
        raise AnalysisError("[public_corpus] covers_own_publications must be true or false")
    if register.secret_set is not None and not register.secret_set.get("folder"):
        raise AnalysisError("[secret_set] needs a folder (copies of the secret-set documents)")
    if corpus.get("folder"):
        register.public_folder = load_folder(base, str(corpus["folder"]), "public_corpus")
    if register.secret_set and register.secret_set.get("folder"):
        folder = str(register.secret_set["folder"])
        register.secret_folder = load_folder(base, folder, "secret_set")

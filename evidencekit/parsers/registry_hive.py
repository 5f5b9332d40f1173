"""Windows registry hives (SYSTEM, SOFTWARE, NTUSER.DAT, Amcache.hve) read with regipy.

The hive's kind is recognised by its keys, then the artifact readers for that kind run
(:mod:`.reg_system`, :mod:`.reg_user`, :mod:`.amcache`). Every read goes through
:class:`HiveReader`, which turns regipy's exceptions on damaged cells into parse issues
located by key path and carries on with the sibling keys.

Locators name the key path (``attribute``) and value; regipy does not expose cell
offsets, so ``raw_sha256`` is the SHA-256 of the value data as stored (binary data as
its bytes, text as UTF-16LE, numbers as little-endian), prefixed by the key path and
value name. References: Microsoft "Windows registry file format" (libyal/libregf
documentation), SANS "USB device forensics" poster, 13Cubed USB artefact notes.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any, ClassVar

from construct import ConstructError  # type: ignore[import-untyped]
from regipy import registry as regipy_registry
from regipy.exceptions import RegipyException, RegistryKeyNotFoundException

from evidencekit.model import Action, Actor, Event, Locator, ParseIssue
from evidencekit.parsers.base import ParseContext, parsers
from evidencekit.parsers.winutil import filetime_event, in_image_path

_PARSE_ERRORS = (
    RegipyException,
    ConstructError,
    ValueError,
    KeyError,
    IndexError,
    OSError,
    EOFError,
    UnicodeDecodeError,
    AttributeError,
    TypeError,
)
_PROFILE = re.compile(r"(?:^|/)(?:Users|Documents and Settings)/([^/]+)/", re.IGNORECASE)
NKRecord = Any  # regipy's key record; regipy's API is untyped

HiveHandler = Callable[["HiveReader"], Iterator[Event]]
HANDLERS: dict[str, list[HiveHandler]] = {}


def handler(kind: str) -> Callable[[HiveHandler], HiveHandler]:
    """Register an artifact reader for one hive kind (``system``, ``software``, ...)."""

    def deco(func: HiveHandler) -> HiveHandler:
        HANDLERS.setdefault(kind, []).append(func)
        return func

    return deco


def value_bytes(value: Any) -> bytes:
    """The stored form of a regipy value, for hashing."""
    if isinstance(value, bytes):
        return value
    if isinstance(value, int):
        return value.to_bytes(8, "little", signed=value < 0)
    if isinstance(value, list):
        return b"\x00\x00".join(str(v).encode("utf-16-le") for v in value)
    return str(value).encode("utf-16-le")


def hex_bytes(value: Any) -> bytes | None:
    """regipy gives REG_BINARY data as hex text; turn it back into bytes."""
    if isinstance(value, bytes):
        return value
    if isinstance(value, str):
        try:
            return bytes.fromhex(value)
        except ValueError:
            return None
    return None


class HiveReader:
    """regipy access that records damage as parse issues instead of raising."""

    def __init__(self, ctx: ParseContext, hive: Any) -> None:
        self.ctx = ctx
        self.hive = hive
        self.path = in_image_path(ctx)
        self.issues: list[ParseIssue] = []
        self.control_set: str | None = None
        found = _PROFILE.search(self.path.replace("\\", "/"))
        self.user = found.group(1) if found else None
        """The profile owner when the hive is a user's NTUSER.DAT / UsrClass.dat in an image."""

    def locator(self, key_path: str, value: str | None = None) -> Locator:
        """The hive file and the key path (plus value name) inside it."""
        where = f"{key_path}\\{value}" if value is not None else key_path
        return Locator(path=self.path, attribute=where)

    def raw(self, key_path: str, value_name: str = "", data: Any = b"") -> bytes:
        """The bytes ``raw_sha256`` is taken over: key path, value name, stored data."""
        return f"{key_path}\x00{value_name}\x00".encode() + value_bytes(data)

    def damaged(self, key_path: str, exc: BaseException) -> None:
        """Record a key regipy could not read (an error issue; siblings are still read)."""
        self.issues.append(
            self.ctx.issue(
                "damaged_key",
                f"{key_path}: {type(exc).__name__}: {exc}",
                self.locator(key_path),
                self.raw(key_path),
                severity="error",
            )
        )

    def key(self, key_path: str) -> NKRecord | None:
        """The key at ``key_path``; None when absent or damaged (damage is recorded)."""
        try:
            return self.hive.get_key(key_path)
        except RegistryKeyNotFoundException:
            return None
        except _PARSE_ERRORS as exc:
            self.damaged(key_path, exc)
            return None

    def subkeys(self, key: NKRecord | None, key_path: str) -> list[tuple[str, NKRecord]]:
        """(path, key) of each readable subkey; damage ends the list with an issue."""
        found: list[tuple[str, NKRecord]] = []
        if key is None:
            return found
        try:
            found.extend((f"{key_path}\\{sub.name}", sub) for sub in key.iter_subkeys() or ())
        except _PARSE_ERRORS as exc:
            self.damaged(key_path, exc)
            return found
        if len(found) < key.subkey_count:
            # regipy silently yields nothing for a subkey list with an unknown signature.
            self.damaged(
                key_path,
                ValueError(f"key declares {key.subkey_count} subkeys, {len(found)} readable"),
            )
        return found

    def values(self, key: NKRecord | None, key_path: str) -> dict[str, Any]:
        """Value name -> data of the readable values of ``key``."""
        out: dict[str, Any] = {}
        if key is None:
            return out
        try:
            for value in key.iter_values(trim_values=False) or ():
                if value.is_corrupted:
                    self.issues.append(
                        self.ctx.issue(
                            "corrupted_value",
                            "regipy marks the value as corrupted",
                            self.locator(key_path, value.name),
                            self.raw(key_path, value.name),
                        )
                    )
                    continue
                out[value.name] = value.value
        except _PARSE_ERRORS as exc:
            self.damaged(key_path, exc)
        return out

    def last_written(self, key: NKRecord) -> int:
        """The key's last-written FILETIME."""
        return int(key.header.last_modified)

    def event(
        self,
        filetime: int | None,
        role: str,
        action: Action,
        kind: str,
        key_path: str,
        value_name: str | None = None,
        data: Any = b"",
        **fields: Any,
    ) -> Event:
        """One event located at ``key_path`` (and value), hashed over the value data."""
        # The key path also goes into the attributes: an image's locator keeps only the
        # image location and the inner record/offset, not ``attribute``.
        where = f"{key_path}\\{value_name}" if value_name is not None else key_path
        fields["attributes"] = {"registry_key": where, **fields.get("attributes", {})}
        if self.user and "actor" not in fields:
            fields["actor"] = Actor(user=self.user)
        return filetime_event(
            self.ctx,
            filetime,
            role=role,
            action=action,
            kind=kind,
            locator=self.locator(key_path, value_name),
            raw=self.raw(key_path, value_name or "", data),
            **fields,
        )


def hive_kinds(reader: HiveReader) -> list[str]:
    """Which kinds of hive this is, judged by the keys present (not by its file name)."""
    probes = (
        ("system", "\\Select"),
        ("software", "\\Microsoft\\Windows NT\\CurrentVersion"),
        ("ntuser", "\\Software\\Microsoft\\Windows\\CurrentVersion\\Explorer"),
        ("amcache", "\\Root\\InventoryApplicationFile"),
        ("amcache", "\\Root\\File"),
        ("usrclass", "\\Local Settings\\Software\\Microsoft\\Windows\\Shell\\BagMRU"),
        ("usrclass", "\\Software\\Microsoft\\Windows\\Shell\\BagMRU"),
    )
    kinds: list[str] = []
    for kind, key_path in probes:
        if kind not in kinds and reader.key(key_path) is not None:
            kinds.append(kind)
    return kinds


@parsers.register("registry")
class RegistryParser:
    """Registry hives: SYSTEM (USBSTOR, USB, MountedDevices, WPD, ShimCache), SOFTWARE
    (EMDMgmt, WPD, volume serials), NTUSER.DAT (MountPoints2, RecentDocs, Office MRU)
    and Amcache.hve. Reference: libregf "Windows NT Registry File (REGF) format"."""

    name: ClassVar[str] = "registry"
    version: ClassVar[str] = "1"
    source_kind: ClassVar[str] = "artifact"
    image_globs: ClassVar[tuple[str, ...]] = (
        "Windows/System32/config/SYSTEM",
        "Windows/System32/config/SOFTWARE",
        "Users/*/NTUSER.DAT",
        "Documents and Settings/*/NTUSER.DAT",
        "Windows/AppCompat/Programs/Amcache.hve",
    )

    @classmethod
    def check(cls, head: bytes, path: Path) -> bool:
        return head[:4] == b"regf"

    def parse(self, ctx: ParseContext) -> Iterator[Event | ParseIssue]:
        yield from self.parse_kinds(ctx, only=None)

    def parse_kinds(self, ctx: ParseContext, only: str | None) -> Iterator[Event | ParseIssue]:
        """Run the readers of every kind the hive is (or of ``only`` that kind)."""
        try:
            hive: Any = regipy_registry.RegistryHive(str(ctx.path))  # type: ignore[no-untyped-call]
        except _PARSE_ERRORS as exc:
            yield ctx.issue(
                "unreadable_hive",
                f"{type(exc).__name__}: {exc}",
                Locator(path=in_image_path(ctx), offset="0"),
                severity="error",
            )
            return
        reader = HiveReader(ctx, hive)
        kinds = [k for k in hive_kinds(reader) if only is None or k == only]
        if not kinds:
            yield ctx.issue(
                "unknown_hive",
                f"no {only or 'SYSTEM, SOFTWARE, NTUSER, Amcache or UsrClass'} keys found",
                Locator(path=reader.path, offset="0"),
                severity="info",
            )
        for kind in kinds:
            for func in HANDLERS.get(kind, []):
                for event in func(reader):
                    yield event
                    yield from _drain(reader)
            yield from _drain(reader)


def _drain(reader: HiveReader) -> Iterator[ParseIssue]:
    while reader.issues:
        yield reader.issues.pop(0)

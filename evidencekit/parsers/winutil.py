"""Helpers shared by the Windows artifact parsers: FILETIME fields, bounded reads,
event building and the configurable lists of flagged tools and cloud domains.

Registers no parser. The lists live in ``parsers/data/*.toml`` and may be replaced
per run through the parse option ``tools_file`` / ``domains_file``.
"""

from __future__ import annotations

import hashlib
import struct
import tomllib
from functools import lru_cache
from pathlib import Path, PureWindowsPath
from typing import Any

from evidencekit.events.time import TimeError, from_filetime
from evidencekit.model import Action, Event, Locator, ParseIssue, TimePrecision
from evidencekit.parsers.base import ParseContext
from evidencekit.sources.pathtext import path_text

DATA = Path(__file__).parent / "data"
MAX_ARTIFACT = 256 << 20
"""Largest loose artifact read whole into memory (hostile-input bound)."""


def read_bounded(path: Path, limit: int = MAX_ARTIFACT) -> bytes:
    """Read at most ``limit`` bytes of ``path`` (callers report truncation)."""
    with open(path, "rb") as fp:
        return fp.read(limit)


def oversize_issue(ctx: ParseContext, data: bytes) -> ParseIssue | None:
    """An issue when ``data`` (a bounded read) is shorter than the file: the rest is
    not read, and the report says so rather than dropping it silently."""
    size = ctx.path.stat().st_size
    if size <= len(data):
        return None
    return ctx.issue(
        "oversized",
        f"file is {size} bytes; only the first {len(data)} are read (bound against hostile input)",
        Locator(path=in_image_path(ctx), offset=str(len(data)), length=size - len(data)),
    )


def u16(data: bytes, off: int) -> int | None:
    """Little-endian u16 at ``off`` or None when it lies outside ``data``."""
    return struct.unpack_from("<H", data, off)[0] if 0 <= off <= len(data) - 2 else None


def u32(data: bytes, off: int) -> int | None:
    """Little-endian u32 at ``off`` or None when it lies outside ``data``."""
    return struct.unpack_from("<I", data, off)[0] if 0 <= off <= len(data) - 4 else None


def u64(data: bytes, off: int) -> int | None:
    """Little-endian u64 at ``off`` or None when it lies outside ``data``."""
    return struct.unpack_from("<Q", data, off)[0] if 0 <= off <= len(data) - 8 else None


def utf16z(data: bytes, off: int, limit: int = 32768) -> str | None:
    """NUL-terminated UTF-16LE string at ``off`` (None if unterminated within bounds)."""
    end = off
    stop = min(len(data), off + limit)
    while end + 1 < stop:
        if data[end] == 0 and data[end + 1] == 0:
            return data[off:end].decode("utf-16-le", "replace")
        end += 2
    return None


def time_fields(filetime: int | None) -> dict[str, Any]:
    """Event fields for a FILETIME: time, original text, precision and flags."""
    if filetime is None or filetime == 0:
        return {
            "time": None,
            "time_original": None if filetime is None else "0",
            "flags": ("time_missing",),
        }
    try:
        text = from_filetime(filetime)
    except TimeError:
        return {
            "time": None,
            "time_original": f"filetime:{filetime}",
            "flags": ("time_unparseable",),
        }
    return {
        "time": text,
        "time_original": f"filetime:{filetime}",
        "time_offset": "Z",
        "time_precision": TimePrecision.NS100,
        "flags": (),
    }


def time_content(filetime: int | None) -> dict[str, Any]:
    """:func:`time_fields` in event-content (JSON) form, for hot parsers yielding dicts."""
    tf = time_fields(filetime)
    out = {k: v for k, v in tf.items() if v is not None and k != "flags"}
    if "time_precision" in out:
        out["time_precision"] = str(out["time_precision"].value)
    if tf["flags"]:
        out["flags"] = list(tf["flags"])
    return out


def filetime_event(
    ctx: ParseContext,
    filetime: int | None,
    *,
    role: str,
    action: Action,
    kind: str,
    locator: Locator,
    raw: bytes,
    flags: tuple[str, ...] = (),
    **fields: Any,
) -> Event:
    """One event for one FILETIME role of a record (kept even when the time is unset)."""
    tf = time_fields(filetime)
    tf["flags"] = tuple(sorted(set(tf["flags"]) | set(flags)))
    return Event(
        time_role=role,
        action=action,
        kind=kind,
        source=ctx.source_id,
        locator=locator,
        raw_sha256=hashlib.sha256(raw).hexdigest(),
        **tf,
        **fields,
    )


def windows_name(path: str) -> str:
    """The final component of a Windows path (``C:\\a\\b.txt`` -> ``b.txt``)."""
    return PureWindowsPath(path).name


def in_image_path(ctx: ParseContext) -> str:
    """The path of the artifact inside its image when the image engine gives one
    (option ``image_path``), else the loose file's name."""
    value = ctx.options.get("image_path")
    return str(value) if value else path_text(ctx.path.name)


def artifact_name(ctx: ParseContext) -> str:
    """The artifact's own file name (in the image, not the engine's spool file)."""
    return in_image_path(ctx).replace("\\", "/").rsplit("/", 1)[-1]


@lru_cache(maxsize=8)
def _load_toml(path: str) -> dict[str, Any]:
    with open(path, "rb") as fp:
        return tomllib.load(fp)


def tool_list(ctx: ParseContext | None = None) -> dict[str, Any]:
    """The flagged-tools list (option ``tools_file`` overrides the packaged one)."""
    custom = ctx.options.get("tools_file") if ctx else None
    return _load_toml(str(custom or DATA / "tools.toml"))


def domain_list(ctx: ParseContext | None = None) -> dict[str, Any]:
    """The cloud-storage / webmail domain list (option ``domains_file`` overrides)."""
    custom = ctx.options.get("domains_file") if ctx else None
    return _load_toml(str(custom or DATA / "domains.toml"))


@lru_cache(maxsize=8)
def _compiled_tools(
    path: str,
) -> tuple[tuple[str, frozenset[str], tuple[str, ...], frozenset[str]], ...]:
    """(flag, names, path fragments, hashes) per listed tool, lower-cased once."""
    return tuple(
        (
            f"tool.{tool['category']}",
            frozenset(n.lower() for n in tool.get("names", [])),
            tuple(p.lower() for p in tool.get("paths", [])),
            frozenset(h.lower() for h in (*tool.get("sha256", []), *tool.get("sha1", []))),
        )
        for tool in _load_toml(path).get("tool", [])
    )


def tool_flags(
    ctx: ParseContext | None,
    path_or_name: str,
    sha256: str | None = None,
    sha1: str | None = None,
) -> list[str]:
    """Flags such as ``tool.wiper`` for an executable known from the tools list.

    Matches on the executable's file name (case-insensitive), on a path fragment,
    or on a SHA-256 / SHA-1 listed for the tool (keys ``sha256`` / ``sha1``).
    """
    custom = ctx.options.get("tools_file") if ctx else None
    text = path_or_name.replace("/", "\\").lower()
    name = text.rsplit("\\", 1)[-1]
    digests = {h.lower() for h in (sha256, sha1) if h}
    return sorted(
        {
            flag
            for flag, names, paths, hashes in _compiled_tools(str(custom or DATA / "tools.toml"))
            if name in names or any(p in text for p in paths) or digests & hashes
        }
    )


def domain_category(ctx: ParseContext | None, host: str) -> str | None:
    """``cloud_storage`` / ``webmail`` / ... when ``host`` (or a parent domain) is listed."""
    host = host.lower().rstrip(".")
    for category, domains in sorted(domain_list(ctx).get("categories", {}).items()):
        for domain in domains:
            d = domain.lower()
            if host == d or host.endswith("." + d):
                return str(category)
    return None


def volume_serial_text(serial: int) -> str:
    """The one text form of a 32-bit volume serial used by every parser (``70ECFA33``),
    so that LNK, Prefetch, EMDMgmt and event-log serials compare equal."""
    return f"{serial & 0xFFFFFFFF:08X}"

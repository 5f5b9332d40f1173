"""The one Windows event normalizer: a parsed event record -> timeline event content.

Every reader of Windows events (``.evtx`` files, Event Viewer XML and CSV exports, the
in-image artifact parsers) builds a :class:`WinRecord` and calls :func:`normalize`. The
mapping uses only locale-independent fields (provider, event id, keywords, EventData
field names, hex access masks); rendered messages are kept, and read only for an access
mask when the fields are missing (the CSV reader maps message labels to fields itself).

References: Microsoft "Advanced security audit policy" event pages (4656, 4663, 5145...),
[MS-DTYP] 2.4.3 ACCESS_MASK, Sysmon event schema, "USB device forensics" device ids.
Unknown event ids become action ``other`` with every field kept in ``attributes``.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from evidencekit.events.windows_devices import DEVICE_HANDLERS
from evidencekit.events.windows_map import HANDLERS as _EVENT_HANDLERS
from evidencekit.events.windows_map import Ctx
from evidencekit.model import Event

__all__ = [
    "AUDIT_FAILURE",
    "KEYWORD_CACHE",
    "KEY_CACHE",
    "LOOKUP_CACHE",
    "WinRecord",
    "clean_value",
    "content_kind",
    "finish_handled",
    "keyword_failed",
    "lookup",
    "normalize",
    "normalize_event",
    "put_unique",
    "safe_key",
]

AUDIT_FAILURE = 0x0010000000000000
"""Keyword bit of failure audits (``0x8010000000000000`` on Security events)."""
AUDIT_SUCCESS = 0x0020000000000000
_MAX_SAFE = 2**53 - 1
_KEY_OK = re.compile(r"^[A-Za-z0-9_.:-]{1,80}$")
_KEY_BAD = re.compile(r"[^A-Za-z0-9_.:-]")
_SHORT = {
    "microsoft-windows-security-auditing": "security",
    "microsoft-windows-eventlog": "eventlog",
    "eventlog": "eventlog",
    "microsoft-windows-sysmon": "sysmon",
    "service control manager": "scm",
    "microsoft-windows-printservice": "printservice",
    "microsoft-windows-partition": "partition",
    "microsoft-windows-driverframeworks-usermode": "driverframeworks",
    "microsoft-windows-kernel-pnp": "kernel-pnp",
    "microsoft-windows-userpnp": "userpnp",
}


@dataclass(slots=True)
class WinRecord:
    """One Windows event as any reader parsed it (all values as text, as in the XML form).

    Attributes:
        provider: Provider name (``System/Provider/@Name``; CSV "Source").
        event_id: Event id without qualifiers.
        channel: Channel (``Security``, ``System``, ...); empty when unknown (CSV).
        record_id: ``EventRecordID`` as decimal text.
        time: Canonical UTC time (``events.time``) or None.
        time_original: The time text as found.
        time_offset: ``Z`` for UTC sources, ``+09:00`` etc. for local ones.
        time_zone: The zone assumed for local times (CSV exports).
        time_precision: Resolution of the carried time (``1us``, ``100ns``, ``1s``).
        computer: ``System/Computer``.
        user_sid: ``System/Security/@UserID``.
        keywords: Keywords as hex text (``0x8020000000000000``).
        outcome: ``success``/``failure`` when only the level says so (CSV exports).
        data: EventData/UserData fields (name -> text or list of texts).
        data_clean: True when ``data`` keys already pass :func:`safe_key` and its values
            :func:`clean_value` (readers that clean while they read skip a second pass).
        system: Other System fields kept as attributes (level, task, opcode, ...): keys are
            the reader's own attribute names, values text (copied as they are).
        message: Rendered message, when the export carries one (locale-dependent).
    """

    provider: str
    event_id: int
    channel: str = ""
    record_id: str | None = None
    time: str | None = None
    time_original: str | None = None
    time_offset: str | None = "Z"
    time_zone: str | None = None
    time_precision: str = "100ns"
    computer: str | None = None
    user_sid: str | None = None
    keywords: str | None = None
    outcome: str | None = None
    data: dict[str, Any] = field(default_factory=dict)
    data_clean: bool = False
    system: dict[str, Any] = field(default_factory=dict)
    message: str | None = None


def content_kind(provider: str, event_id: int) -> str:
    """The event kind: ``evtx.<provider short name>.<event id>`` (format-independent)."""
    low = provider.lower()
    short = _SHORT.get(low)
    if short is None:
        short = _KEY_BAD.sub("_", low)[:90] or "unknown"
    return f"evtx.{short}.{event_id}"


def normalize(
    rec: WinRecord,
    source: str,
    locator: dict[str, Any],
    raw_sha256: str | None,
    flags: tuple[str, ...] = (),
) -> dict[str, Any]:
    """Build event content (the :meth:`Event.content` shape) for one Windows event.

    Args:
        rec: The parsed record.
        source: Source id.
        locator: Locator fields (already in JSON form, ``None`` values left out).
        raw_sha256: SHA-256 of the raw record bytes.
        flags: Extra flags (e.g. ``chunk_crc_mismatch``).

    Returns:
        A content dict that ``Event.model_validate`` accepts unchanged.
    """
    attrs = _base_attributes(rec)
    kind, handler, security = lookup(rec.provider, rec.event_id)
    failed = _failed(rec) if rec.keywords or rec.outcome is not None else False
    if handler is not None:
        ctx = Ctx(rec, attrs, failed, {}, [])
        return finish_handled(ctx, handler(ctx), kind, source, locator, raw_sha256, flags)
    # any other failure audit of the Security log is an access denied
    action = "access_denied" if failed and security else "other"
    content = {"time_role": "logged", "action": action}
    return _finish(rec, content, kind, source, locator, raw_sha256, flags, attrs)


def finish_handled(
    ctx: Ctx,
    action: str,
    kind: str,
    source: str,
    locator: dict[str, Any],
    raw_sha256: str | None,
    flags: tuple[str, ...],
) -> dict[str, Any]:
    """The content of an event a handler has mapped (``action`` is what it returned)."""
    content: dict[str, Any] = {"time_role": "logged", "action": action}
    content.update({name: part for name, part in ctx.parts.items() if part})
    if ctx.flags:
        flags = (*flags, *ctx.flags)
    return _finish(ctx.rec, content, kind, source, locator, raw_sha256, flags, ctx.attrs)


def _finish(
    rec: WinRecord,
    content: dict[str, Any],
    kind: str,
    source: str,
    locator: dict[str, Any],
    raw_sha256: str | None,
    flags: tuple[str, ...],
    attrs: dict[str, Any],
) -> dict[str, Any]:
    if rec.time is not None:
        content["time"] = rec.time
        content["time_precision"] = rec.time_precision
        if rec.time_offset is not None:
            content["time_offset"] = rec.time_offset
    else:
        flags = (*flags, "time_unparseable" if rec.time_original else "time_missing")
    if rec.time_original is not None:
        content["time_original"] = rec.time_original
    if rec.time_zone is not None:
        content["time_zone"] = rec.time_zone
    content["kind"] = kind
    content["source"] = source
    content["locator"] = locator
    if raw_sha256 is not None:
        content["raw_sha256"] = raw_sha256
    if flags:
        content["flags"] = sorted(set(flags))
    content["attributes"] = attrs
    return content


def normalize_event(
    rec: WinRecord, source: str, locator: dict[str, Any], raw_sha256: str | None
) -> Event:
    """Like :func:`normalize` but validated into an :class:`~evidencekit.model.Event`
    (for artifact parsers that are not on a hot path)."""
    return Event.model_validate(normalize(rec, source, locator, raw_sha256))


HANDLERS = {**_EVENT_HANDLERS, **DEVICE_HANDLERS}
_LOOKUP: dict[tuple[str, int], tuple[str, Callable[[Ctx], str] | None, bool]] = {}
_KEYWORDS: dict[str, bool] = {}
LOOKUP_CACHE = _LOOKUP
"""What :func:`lookup` found so far, by (provider, event id) (hot readers look here first)."""
KEYWORD_CACHE = _KEYWORDS
"""What :func:`keyword_failed` found so far, by keywords text (hot readers look here first)."""


def lookup(provider: str, event_id: int) -> tuple[str, Callable[[Ctx], str] | None, bool]:
    """(kind, handler, is Security log) for a provider and event id, cached."""
    found = _LOOKUP.get((provider, event_id))
    if found is None:
        low = provider.lower()
        short = _SHORT.get(low, low)
        found = (
            content_kind(provider, event_id),
            HANDLERS.get((short, event_id)),
            short == "security",
        )
        if len(_LOOKUP) < 65536:
            _LOOKUP[(provider, event_id)] = found
    return found


def _failed(rec: WinRecord) -> bool:
    if rec.outcome is not None:
        return rec.outcome == "failure"
    keywords = rec.keywords
    if not keywords:
        return False
    return keyword_failed(keywords)


def keyword_failed(keywords: str) -> bool:
    """Whether keywords text (``0x8010000000000000``) has the failure audit bit, cached."""
    failed = _KEYWORDS.get(keywords)
    if failed is None:
        try:
            failed = bool(int(keywords, 16) & AUDIT_FAILURE)
        except ValueError:
            failed = False
        if len(_KEYWORDS) < 4096:
            _KEYWORDS[keywords] = failed
    return failed


def _base_attributes(rec: WinRecord) -> dict[str, Any]:
    attrs: dict[str, Any] = {"event_id": rec.event_id, "provider": rec.provider}
    if rec.channel:
        attrs["channel"] = rec.channel
    if rec.record_id is not None:
        attrs["record_id"] = rec.record_id
    if rec.computer:
        attrs["computer"] = rec.computer
    if rec.user_sid:
        attrs["user_sid"] = rec.user_sid
    if rec.keywords:
        attrs["keywords"] = rec.keywords
    if rec.outcome:
        attrs["outcome"] = rec.outcome
    if rec.system:
        attrs.update(rec.system)
    if rec.data:
        attrs["data"] = rec.data if rec.data_clean else _clean_map(rec.data)
    if rec.message:
        attrs["message"] = rec.message
    return attrs


def _clean_map(data: dict[str, Any]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key, value in data.items():
        put_unique(out, safe_key(key), value if type(value) is str else clean_value(value))
    return out


def put_unique(out: dict[str, Any], key: str, value: Any) -> None:
    """Set ``out[key]``; a name that two fields share after :func:`safe_key` gets a
    numbered twin (``Param_1_2``) so that no value is lost."""
    if key in out:
        n = 2
        while f"{key[:76]}_{n}" in out:
            n += 1
        key = f"{key[:76]}_{n}"
    out[key] = value


KEY_CACHE: dict[str, str] = {}
"""Raw key -> :func:`safe_key` result (bounded; readers may look keys up directly)."""


def safe_key(key: str) -> str:
    """An attribute key allowed by the model (other characters become ``_``)."""
    safe = KEY_CACHE.get(key)
    if safe is None:
        safe = key if _KEY_OK.match(key) else (_KEY_BAD.sub("_", key)[:80] or "_")
        if len(KEY_CACHE) < 65536:
            KEY_CACHE[key] = safe
    return safe


def clean_value(value: Any) -> Any:
    """A JSON value the canonical form can carry: text for scalars, no floats, no big ints."""
    if isinstance(value, str):
        return value
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return str(value)
    if isinstance(value, list | tuple):
        return [clean_value(v) for v in value]
    if isinstance(value, dict):
        return _clean_map({str(k): v for k, v in value.items()})
    return str(value)

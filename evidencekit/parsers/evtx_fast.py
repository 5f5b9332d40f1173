"""The usual ``evtx`` JSON record -> event content in one pass (the .evtx reader's hot path).

Gives exactly what :func:`evtx_json.record_from_json` followed by
:func:`evidencekit.events.windows.normalize` give (tests hold the two equal on every corpus
record and on records hypothesis bends), without the intermediate :class:`WinRecord` for
events that no handler maps, and with the content dict built at once. A record of any
other shape gives None: the caller takes the general path.

:func:`read_usual` (the System block and the event data -> attributes) is done by the
optional C helper ``_evtxcore`` when it is built, unless ``EVIDENCEKIT_PURE_PYTHON=1``;
:data:`IMPLEMENTATION` says which (a property test holds the two equal). Registers no
parser.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from evidencekit.events.windows import (
    KEYWORD_CACHE,
    LOOKUP_CACHE,
    WinRecord,
    keyword_failed,
    lookup,
)
from evidencekit.events.windows_map import Ctx
from evidencekit.extensions import optional_extension
from evidencekit.parsers.base import EventContent
from evidencekit.parsers.evtx_chunks import RawRecord
from evidencekit.parsers.evtx_json import (
    UTC_SHAPE,
    attrs_of,
    event_data,
    opt,
    system_extra,
    text,
)

_DIGITS = bytes(48 if 48 <= b <= 57 else b for b in range(256))  # every digit -> "0"

Usual = tuple[dict[str, Any], dict[str, Any], str, int, dict[str, Any], str, "str | None",
              "str | None", "str | None", "str | None"]  # fmt: skip
"""(content without action, kind and flags; attributes, provider, event id, data, channel,
record id, computer, user SID, keywords)."""


def fast_content(
    event: dict[str, Any], raw: RawRecord, number: int, flags: tuple[str, ...], source_id: str
) -> EventContent | None:
    """Event content for one decoded record found by the walk, or None when the record is
    not of the usual shape (then ``record_from_json`` and ``normalize`` read it)."""
    usual = _read(event, number, raw, source_id)
    if usual is None:
        return None
    content, attrs, name, eid, data, channel, rid, computer, sid, keywords = usual
    if raw.damaged:
        flags = (*flags, "record_damaged")
    found = LOOKUP_CACHE.get((name, eid))  # the caches read here save two calls a record
    kind, handler, security_log = found if found is not None else lookup(name, eid)
    failed = False
    if keywords:
        cached = KEYWORD_CACHE.get(keywords)
        failed = keyword_failed(keywords) if cached is None else cached
    content["kind"] = kind
    if handler is None:
        content["action"] = "access_denied" if failed and security_log else "other"
    else:
        rec = WinRecord(name, eid, channel, rid, content["time"], content["time_original"], "Z",
                        None, "1us", computer, sid, keywords, None, data, True)  # fmt: skip
        ctx = Ctx(rec, attrs, failed, {}, [])
        content["action"] = handler(ctx)
        for part, values in ctx.parts.items():  # (as windows.finish_handled)
            if values:
                content[part] = values
        if ctx.flags:
            flags = (*flags, *ctx.flags)
    if flags:
        content["flags"] = sorted(set(flags))
    return content


def read_usual(event: Any, number: int, raw: RawRecord, source_id: str) -> Usual | None:
    """The parts of a record of the usual shape (None for any other shape): what
    ``record_from_json`` reads there, the base attributes ``normalize`` makes of it and
    the content's fixed part with the locator as ``_content`` gives it (the reference of
    ``_evtxcore.read_usual``)."""
    if type(event) is not dict:
        return None
    system = event.get("System")
    if type(system) is not dict:
        return None
    try:
        name = system["Provider"]["#attributes"]["Name"]
        when = system["TimeCreated"]["#attributes"]["SystemTime"]
        eid = system["EventID"]
    except (KeyError, TypeError):
        return None
    if type(eid) is not int or type(name) is not str or not name or type(when) is not str:
        return None
    if len(when) != 27 or not when.isascii() or when.encode().translate(_DIGITS) != UTC_SHAPE:
        return None
    get = system.get
    attrs: dict[str, Any] = {"event_id": eid, "provider": name}
    channel, rid, computer, keywords, security = (get("Channel"), get("EventRecordID"),
        get("Computer"), get("Keywords"), get("Security"))  # fmt: skip
    if type(channel) is not str:
        channel = opt(channel) or ""
    if channel:
        attrs["channel"] = channel
    rid = str(rid) if type(rid) is int else opt(rid)
    if rid is not None:
        attrs["record_id"] = rid
    if computer is not None and type(computer) is not str:
        computer = str(computer)
    if computer:
        attrs["computer"] = computer
    sid = None if security is None else opt(attrs_of(security).get("UserID"))
    if sid:
        attrs["user_sid"] = sid
    if keywords is not None and type(keywords) is not str:
        keywords = str(keywords)
    if keywords:
        attrs["keywords"] = keywords
    system_extra(attrs, get)
    if rid is not None and rid != str(number):
        attrs["record_number"] = str(number)
    data = event_data(event)
    if data:
        attrs["data"] = data
    record = rid if rid and rid.isascii() and rid.isdigit() and rid[0] != "0" else str(number)
    content = {
        "time_role": "logged",
        "time": when[:26] + "000Z",  # evtx renders FILETIMEs to the microsecond
        "time_precision": "1us",
        "time_offset": "Z",
        "time_original": when,
        "source": source_id,
        "locator": {"record": record, "offset": str(raw[1]), "length": raw[2]},
        "raw_sha256": raw[3],
        "attributes": attrs,
    }
    return content, attrs, name, eid, data, channel, rid, computer, sid, keywords


Reader = Callable[[Any, int, RawRecord, str], "Usual | None"]


def _c_reader() -> Reader | None:
    _evtxcore = optional_extension("evidencekit.parsers._evtxcore", "setup", "read_usual")
    if _evtxcore is None:
        return None
    _evtxcore.setup(text, event_data)
    reader: Reader = _evtxcore.read_usual
    return reader


_C_READ = _c_reader()
_read = _C_READ or read_usual
IMPLEMENTATION = "c" if _C_READ is not None else "python"
"""``"c"`` when :func:`read_usual` runs in the ``_evtxcore`` helper, else ``"python"``."""

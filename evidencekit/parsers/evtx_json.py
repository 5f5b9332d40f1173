"""The ``evtx`` package's JSON form of one event -> :class:`WinRecord`.

Values become text as in the XML form (so every reader of Windows events gives the same
attributes); names are made attribute-safe. Registers no parser.
"""

from __future__ import annotations

import re
from typing import Any

from evidencekit.events.time import TimeError, parse_iso
from evidencekit.events.windows import KEY_CACHE, WinRecord, clean_value, put_unique, safe_key


def record_from_json(event: dict[str, Any]) -> WinRecord:
    """A :class:`WinRecord` from the ``evtx`` JSON form of one ``Event`` element."""
    system = event["System"]
    try:  # the shape every undamaged record has, read without helper calls
        name = system["Provider"]["#attributes"]["Name"]
        when = system["TimeCreated"]["#attributes"]["SystemTime"]
        eid = system["EventID"]
    except (KeyError, TypeError):
        return _general(event, system)
    if type(eid) is not int or type(name) is not str or not name or type(when) is not str:
        return _general(event, system)
    if len(when) != 27 or not when.isascii() or when.encode().translate(_DIGITS) != _UTC_SHAPE:
        return _general(event, system)  # not evtx's usual microsecond UTC form
    get = system.get
    extra: dict[str, Any] = {}
    system_extra(extra, get)
    rid, channel, computer, keywords, security = (get("EventRecordID"), get("Channel"),
        get("Computer"), get("Keywords"), get("Security"))  # fmt: skip
    sid = None if security is None else _opt(_attrs(security).get("UserID"))
    return WinRecord(
        name,
        eid,
        channel if type(channel) is str else (_opt(channel) or ""),
        str(rid) if type(rid) is int else _opt(rid),
        when[:26] + "000Z",  # evtx renders FILETIMEs to the microsecond
        when, "Z", None, "1us",
        computer if computer is None or type(computer) is str else str(computer),
        sid,
        keywords if keywords is None or type(keywords) is str else str(keywords),
        None, _event_data(event), True, extra,
    )  # fmt: skip


def system_extra(extra: dict[str, Any], get: Any) -> None:
    """Version, level, task, opcode, process and thread ids of a System block (``get``:
    its ``dict.get``) into ``extra``."""
    for key, label in _SYSTEM_EXTRA:
        value = get(key)
        if value is not None:
            extra[label] = str(value) if type(value) is int else _text(value)
    execution = get("Execution")
    xattrs = execution.get("#attributes") if type(execution) is dict else None
    if type(xattrs) is dict and xattrs:
        pid, tid = xattrs.get("ProcessID"), xattrs.get("ThreadID")
        extra["process_id"] = str(pid) if type(pid) is int else _text(pid)
        extra["thread_id"] = str(tid) if type(tid) is int else _text(tid)


def _general(event: dict[str, Any], system: dict[str, Any]) -> WinRecord:
    """Any shape, damaged records included (the reference for the common case above)."""
    get = system.get
    pattrs = _attrs(get("Provider"))
    eid = get("EventID")
    extra: dict[str, Any] = {}
    if type(eid) is dict:
        extra["qualifiers"] = _text(_attrs(eid).get("Qualifiers"))
        eid = eid.get("#text")
    for key, name in _SYSTEM_EXTRA:
        value = get(key)
        if value is not None:
            extra[name] = str(value) if type(value) is int else _text(value)
    xattrs = _attrs(get("Execution"))
    if xattrs:
        extra["process_id"] = _text(xattrs.get("ProcessID"))
        extra["thread_id"] = _text(xattrs.get("ThreadID"))
    rec = WinRecord(
        str(pattrs.get("Name") or pattrs.get("EventSourceName") or ""),
        int(eid),  # type: ignore[arg-type]
        _opt(get("Channel")) or "",
        _opt(get("EventRecordID")),
        computer=_opt(get("Computer")),
        user_sid=_opt(_attrs(get("Security")).get("UserID")),
        keywords=_opt(get("Keywords")),
        data=_event_data(event),
        data_clean=True,
        system=extra,
        time_precision="1us",
    )
    _set_time(rec, _attrs(get("TimeCreated")).get("SystemTime"))
    return rec


def _opt(value: Any) -> str | None:
    """A System value that must be text (damaged records can carry other types)."""
    if value is None or type(value) is str:
        return value
    return str(value)


def _text(value: Any) -> Any:
    """A System value as text (nested values cleaned), as the XML form has it."""
    return str(value) if type(value) is int else clean_value(value)


_UTC_US = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z")
_DIGITS = bytes(48 if 48 <= b <= 57 else b for b in range(256))  # every digit -> "0"
_UTC_SHAPE = b"0000-00-00T00:00:00.000000Z"  # what _UTC_US matches, as a digit mask
_SYSTEM_EXTRA = (("Version", "version"), ("Level", "level"), ("Task", "task"), ("Opcode", "opcode"))
_NO_ATTRS: dict[str, Any] = {}


def _attrs(element: Any) -> dict[str, Any]:
    if type(element) is dict:
        found = element.get("#attributes")
        if type(found) is dict:
            return found
    return _NO_ATTRS


def _set_time(rec: WinRecord, text: Any) -> None:
    if not isinstance(text, str):
        return
    rec.time_original = text
    if len(text) == 27 and _UTC_US.fullmatch(text):
        rec.time = text[:26] + "000Z"  # evtx renders FILETIMEs to the microsecond
        return
    try:
        rec.time, rec.time_offset = parse_iso(text)
    except TimeError:
        rec.time = None


def _event_data(event: dict[str, Any]) -> dict[str, Any]:
    """EventData/UserData (and any other payload element) as cleaned name -> text."""
    if len(event) - ("#attributes" in event) == 2:  # System and one payload: the common case
        reused = _reuse(event.get("EventData"))
        if reused is not None:
            return reused
    data: dict[str, Any] = {}
    for part, value in event.items():
        if part in _SKIP or value is None:
            continue
        if type(value) is not dict:
            put_unique(data, safe_key(part), clean_value(value))
            continue
        if part == "UserData":
            for element, inner in value.items():
                if type(inner) is dict:
                    _element_attributes(data, inner.get("#attributes"))
                    _put_fields(data, inner)
                else:
                    put_unique(data, safe_key(element), clean_value(inner))
        else:
            _put_fields(data, value)
    return data


_SKIP = frozenset({"System", "#attributes", "RenderingInfo"})
_SAFE: set[tuple[str, ...]] = set()  # EventData name tuples whose names are all safe


def _reuse(fields: Any) -> dict[str, Any] | None:
    """The decoded EventData dict itself when its names are safe and its values text or
    integers (made text in place); None when it needs the general path."""
    if type(fields) is not dict:
        return None
    names = tuple(fields)
    if names not in _SAFE:  # names checked once per set of names (bounded)
        if any(safe_key(key) != key for key in names):
            return None
        if len(_SAFE) < 4096:
            _SAFE.add(names)
    for key, item in fields.items():
        kind = type(item)
        if kind is not str:
            if kind is int:
                fields[key] = str(item)  # a value change, not a key change: safe here
            elif item is None:
                fields[key] = ""
            else:
                return None
    return fields


def _element_attributes(data: dict[str, Any], attrs: Any) -> None:
    """Attributes of the UserData element (e.g. ``instance``), namespace declarations aside."""
    if type(attrs) is dict:
        for key, value in attrs.items():
            if not key.startswith("xmlns"):
                put_unique(data, safe_key(key), clean_value(value))


def _put_fields(data: dict[str, Any], fields: dict[str, Any]) -> None:
    keys = KEY_CACHE
    for key, item in fields.items():
        if key == "#attributes":
            continue
        kind = type(item)
        if kind is str:
            pass
        elif kind is int:
            item = str(item)
        else:
            if kind is dict and "#text" in item:
                item = item["#text"]
            item = clean_value(item)
        safe = keys.get(key) or safe_key(key)
        if safe in data:
            put_unique(data, safe, item)
        else:
            data[safe] = item


# shared with the one-pass reader of the usual record shape (:mod:`evtx_fast`)
UTC_SHAPE = _UTC_SHAPE
attrs_of = _attrs
event_data = _event_data
opt = _opt
text = _text

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
    pattrs = _attrs(system.get("Provider"))
    eid = system.get("EventID")
    extra: dict[str, Any] = {}
    if type(eid) is dict:
        extra["qualifiers"] = _text(_attrs(eid).get("Qualifiers"))
        eid = eid.get("#text")
    for key, name in _SYSTEM_EXTRA:
        value = system.get(key)
        if value is not None:
            extra[name] = str(value) if type(value) is int else _text(value)
    xattrs = _attrs(system.get("Execution"))
    if xattrs:
        extra["process_id"] = _text(xattrs.get("ProcessID"))
        extra["thread_id"] = _text(xattrs.get("ThreadID"))
    rid = system.get("EventRecordID")
    rec = WinRecord(
        str(pattrs.get("Name") or pattrs.get("EventSourceName") or ""),
        int(eid),
        _opt(system.get("Channel")) or "",
        _opt(rid),
        computer=_opt(system.get("Computer")),
        user_sid=_opt(_attrs(system.get("Security")).get("UserID")),
        keywords=_opt(system.get("Keywords")),
        data=_event_data(event),
        data_clean=True,
        system=extra,
        time_precision="1us",
    )
    _set_time(rec, _attrs(system.get("TimeCreated")).get("SystemTime"))
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
_SAFE: set[str] = set()  # EventData names already checked by safe_key (bounded)


def _reuse(fields: Any) -> dict[str, Any] | None:
    """The decoded EventData dict itself when its names are safe and its values text or
    integers (made text in place); None when it needs the general path."""
    if type(fields) is not dict:
        return None
    safe = _SAFE
    for key, item in fields.items():
        if key not in safe:
            if len(safe) > 65536 or safe_key(key) != key:
                return None
            safe.add(key)
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

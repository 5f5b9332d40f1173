"""One ``<Event>`` element of an XML export as a tree (:class:`Node`), and the
:class:`~evidencekit.events.windows.WinRecord` made of it: the System block, EventData and
UserData (nested values as the evtx JSON form has them), the rendered message. Used by
:mod:`evtx_xml`; registers no parser.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from evidencekit.events.time import TimeError, parse_iso
from evidencekit.events.windows import WinRecord, put_unique


@dataclass(slots=True)
class Node:
    """One element of the event being read."""

    tag: str
    attrs: dict[str, str]
    text: list[str] = field(default_factory=list)
    children: list[Node] = field(default_factory=list)

    def child(self, tag: str) -> Node | None:
        """The first child element called ``tag``."""
        return next((c for c in self.children if c.tag == tag), None)

    def value(self) -> str:
        """The text of this element."""
        return "".join(self.text)


def record_from_node(event: Node) -> WinRecord:
    """A :class:`WinRecord` from one parsed ``<Event>`` element."""
    system = event.child("System")
    if system is None:
        raise ValueError("event without <System>")
    values = {c.tag: c for c in system.children}
    eid = values.get("EventID")
    if eid is None or not (eid.value().strip().isascii() and eid.value().strip().isdigit()):
        raise ValueError("event without a numeric <EventID>")
    extra: dict[str, Any] = {}
    if eid.attrs.get("Qualifiers"):
        extra["qualifiers"] = eid.attrs["Qualifiers"]
    for key, name in (
        ("Version", "version"),
        ("Level", "level"),
        ("Task", "task"),
        ("Opcode", "opcode"),
    ):
        if key in values and values[key].value():
            extra[name] = values[key].value()
    _execution(values.get("Execution"), extra)
    provider = values["Provider"].attrs if "Provider" in values else {}
    rec = WinRecord(
        provider=provider.get("Name") or provider.get("EventSourceName") or "",
        event_id=int(eid.value()),
        channel=_text(values.get("Channel")) or "",
        record_id=_text(values.get("EventRecordID")),
        computer=_text(values.get("Computer")),
        user_sid=values["Security"].attrs.get("UserID") if "Security" in values else None,
        keywords=_text(values.get("Keywords")),
        data=_payload(event),
        system=extra,
        message=_message(event),
    )
    created = values.get("TimeCreated")
    _set_time(rec, created.attrs.get("SystemTime") if created is not None else None)
    return rec


def _execution(node: Node | None, extra: dict[str, Any]) -> None:
    if node is not None:
        for key, name in (("ProcessID", "process_id"), ("ThreadID", "thread_id")):
            if key in node.attrs:
                extra[name] = node.attrs[key]


def _text(node: Node | None) -> str | None:
    if node is None:
        return None
    return node.value().strip() or None


def _set_time(rec: WinRecord, text: str | None) -> None:
    if not text:
        return
    rec.time_original = text
    try:
        rec.time, rec.time_offset = parse_iso(text)
    except TimeError:
        return
    digits = len(text.strip().rstrip("Z").partition(".")[2])
    rec.time_precision = (
        "100ns" if digits >= 7 else "1us" if digits >= 4 else "1ms" if digits else "1s"
    )


def _payload(event: Node) -> dict[str, Any]:
    data: dict[str, Any] = {}
    for part in event.children:
        if part.tag in ("System", "RenderingInfo"):
            continue
        if part.tag == "EventData":
            _event_data(part, data)
        elif part.tag == "UserData":
            for element in part.children:
                for key, value in element.attrs.items():
                    if not key.startswith("xmlns"):
                        put_unique(data, key, value)
                for item in element.children:
                    put_unique(data, item.tag, _tree(item))
        else:
            put_unique(data, part.tag, _tree(part))
    return data


def _event_data(part: Node, data: dict[str, Any]) -> None:
    unnamed: list[str] = []
    for item in part.children:
        name = item.attrs.get("Name")
        if item.tag == "Data" and name:
            put_unique(data, name, item.value())
        elif item.tag == "Data":
            unnamed.append(item.value())
        else:
            put_unique(data, item.tag, _tree(item))
    if unnamed:
        put_unique(data, "Data", unnamed[0] if len(unnamed) == 1 else unnamed)


def _tree(node: Node) -> Any:
    """Nested payload as the evtx JSON form has it (attributes under ``_attributes``)."""
    if not node.children and not node.attrs:
        return node.value()
    out: dict[str, Any] = {"_attributes": dict(node.attrs)} if node.attrs else {}
    for child in node.children:
        out[child.tag] = _tree(child)
    if not node.children and node.value().strip():
        out["_text"] = node.value()
    return out


def _message(event: Node) -> str | None:
    info = event.child("RenderingInfo")
    message = info.child("Message") if info is not None else None
    return message.value() if message is not None and message.value() else None

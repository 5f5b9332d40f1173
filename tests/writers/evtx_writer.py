"""A small spec-following EVTX writer for tests (no tool writes .evtx outside Windows).

Follows the libevtx format description (Joachim Metz, "Windows XML Event Log (EVTX)
format"): a 4 KiB file header, 64 KiB chunks with a 512-byte header (CRC32 of the header
and of the event records), and event records (``2a 2a 00 00``, size, number, FILETIME,
Binary XML, size copy). The Binary XML is written without templates: fragment header,
elements with inline names, attributes and UTF-16 text values, end-of-stream. An
independent parser (the Rust ``evtx`` package) reads the output back in the tests.
"""

from __future__ import annotations

import struct
import zlib
from dataclasses import dataclass, field

HEADER_SIZE = 4096
CHUNK_SIZE = 65536
CHUNK_HEADER = 512
NS = "http://schemas.microsoft.com/win/2004/08/events/event"
DEPENDENCY_ID = False  # element headers outside template definitions carry none


@dataclass
class Element:
    """An XML element: name, attributes, text or children."""

    name: str
    attrs: dict[str, str] = field(default_factory=dict)
    text: str | None = None
    children: list[Element] = field(default_factory=list)


def event(
    provider: str,
    event_id: int,
    record_id: int,
    system_time: str,
    data: dict[str, str],
    channel: str = "Security",
    computer: str = "PC-01",
    keywords: str = "0x8020000000000000",
    user_data: str | None = None,
) -> Element:
    """An ``<Event>`` with a System block and EventData (or UserData/<user_data>) fields."""
    system = Element("System", children=[
        Element("Provider", {"Name": provider}),
        Element("EventID", text=str(event_id)),
        Element("Level", text="0"),
        Element("Keywords", text=keywords),
        Element("TimeCreated", {"SystemTime": system_time}),
        Element("EventRecordID", text=str(record_id)),
        Element("Channel", text=channel),
        Element("Computer", text=computer),
    ])  # fmt: skip
    fields = [Element(k, text=v) for k, v in data.items()]
    if user_data:
        payload = Element("UserData", children=[Element(user_data, children=fields)])
    else:
        named = [Element("Data", {"Name": k}, text=v) for k, v in data.items()]
        payload = Element("EventData", children=named)
    return Element("Event", {"xmlns": NS}, children=[system, payload])


class _BinXml:
    """Serialises elements; names are inline, so their offsets are chunk positions."""

    def __init__(self, base: int) -> None:
        self.base = base  # chunk offset of the first byte written
        self.out = bytearray()

    def pos(self) -> int:
        return self.base + len(self.out)

    def name(self, text: str) -> None:
        self.out += struct.pack("<I", self.pos() + 4)  # the name follows right here
        units = text.encode("utf-16-le")
        self.out += struct.pack("<IHH", 0, _hash(text), len(text)) + units + b"\x00\x00"

    def value(self, text: str) -> None:
        self.out += b"\x05\x01" + struct.pack("<H", len(text)) + text.encode("utf-16-le")

    def element(self, el: Element) -> None:
        self.out.append(0x41 if el.attrs else 0x01)
        if DEPENDENCY_ID:
            self.out += struct.pack("<H", 0xFFFF)
        size_at = len(self.out)
        self.out += b"\x00\x00\x00\x00"
        self.name(el.name)
        if el.attrs:
            attrs_at = len(self.out)
            self.out += b"\x00\x00\x00\x00"
            items = list(el.attrs.items())
            for i, (key, val) in enumerate(items):
                self.out.append(0x46 if i < len(items) - 1 else 0x06)
                self.name(key)
                self.value(val)
            struct.pack_into("<I", self.out, attrs_at, len(self.out) - attrs_at - 4)
        if el.text is None and not el.children:
            self.out.append(0x03)  # close empty element
        else:
            self.out.append(0x02)  # close start element
            if el.text is not None:
                self.value(el.text)
            for child in el.children:
                self.element(child)
            self.out.append(0x04)  # end element
        struct.pack_into("<I", self.out, size_at, len(self.out) - size_at - 4)


def _hash(text: str) -> int:
    value = 0
    for ch in text:
        value = (value * 65599 + ord(ch)) & 0xFFFFFFFF
    return value & 0xFFFF


def record(number: int, filetime: int, root: Element, chunk_pos: int) -> bytes:
    """One event record placed at ``chunk_pos`` inside its chunk."""
    xml = _BinXml(chunk_pos + 24)
    xml.out += b"\x0f\x01\x01\x00"
    xml.element(root)
    xml.out.append(0x00)
    body = bytes(xml.out)
    size = 24 + len(body) + 4
    pad = (-size) % 8
    body += b"\x00" * pad
    size += pad
    return (
        struct.pack("<4sIQQ", b"\x2a\x2a\x00\x00", size, number, filetime)
        + body
        + struct.pack("<I", size)
    )


def chunk(first: int, events: list[tuple[int, Element]]) -> bytes:
    """A chunk holding ``events`` (FILETIME, element) numbered from ``first``."""
    data = bytearray(CHUNK_HEADER)
    last_offset = CHUNK_HEADER
    for i, (filetime, root) in enumerate(events):
        last_offset = len(data)
        data += record(first + i, filetime, root, len(data))
    if len(data) > CHUNK_SIZE:
        raise ValueError("events do not fit one chunk")
    free = len(data)
    data += bytes(CHUNK_SIZE - len(data))
    last = first + len(events) - 1
    struct.pack_into("<8sQQQQIII", data, 0, b"ElfChnk\x00", first, last, first, last, 128,
                     last_offset, free)  # fmt: skip
    struct.pack_into("<I", data, 52, zlib.crc32(data[CHUNK_HEADER:free]))
    struct.pack_into("<I", data, 124, zlib.crc32(data[:120] + data[128:CHUNK_HEADER]))
    return bytes(data)


def evtx_file(chunks: list[bytes], next_record: int) -> bytes:
    """A whole file: header (CRC32 over its first 120 bytes) and the chunks."""
    head = bytearray(HEADER_SIZE)
    struct.pack_into("<8sQQQIHHHH", head, 0, b"ElfFile\x00", 0, len(chunks) - 1, next_record,
                     128, 1, 3, HEADER_SIZE, len(chunks))  # fmt: skip
    struct.pack_into("<I", head, 124, zlib.crc32(head[:120]))
    return bytes(head) + b"".join(chunks)

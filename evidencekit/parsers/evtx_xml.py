"""Windows events exported as XML (Event Viewer "Save as XML", ``wevtutil qe /f:xml``).

Streamed with a guarded expat parser: a document type declaration or any entity
declaration is refused (no DTD, no entity expansion, so no XML bomb and no external
entity), memory holds one ``<Event>`` at a time. Each event keeps its line, byte offset
and length and the SHA-256 of its exact bytes. Malformed XML becomes an error issue at
its line and byte offset; reading resumes at the next ``<Event`` (UTF-8 and other
ASCII-compatible encodings). Events go through :mod:`evidencekit.events.windows`.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any, ClassVar
from xml.parsers import expat

from evidencekit.events.windows import normalize
from evidencekit.model import Locator, ParseIssue
from evidencekit.parsers.base import EventContent, ParseContext, parsers
from evidencekit.parsers.evtx_xml_record import Node, record_from_node

_BLOCK = 1 << 20
_MAX_EVENT = 16 << 20  # one event larger than this is refused (bounded memory)
_SHOWN = 512  # bytes of a malformed spot an issue locates and hashes
_HEAD = re.compile(rb"^(?:\s|<\?xml[^>]*\?>|<!--.*?-->)*<(Events|Event)[\s>]", re.S)
_RESTART = "<Events>"
_NEXT_EVENT = re.compile(rb"<(?:[A-Za-z_][\w.-]*:)?Event[\s>]")
# the same search in UTF-16 text (an export saved as Unicode): the zero byte after (LE) or
# before (BE) each ASCII character
_NEXT_EVENT_UTF16 = {
    "utf-16-le": re.compile(
        rb"<\x00(?:[A-Za-z_]\x00(?:[\w.-]\x00)*:\x00)?E\x00v\x00e\x00n\x00t\x00[ \t\r\n>]\x00"
    ),
    "utf-16-be": re.compile(
        rb"\x00<(?:\x00[A-Za-z_](?:\x00[\w.-])*\x00:)?\x00E\x00v\x00e\x00n\x00t\x00[ \t\r\n>]"
    ),
}


class _Refused(Exception):
    """A construct the guarded parser does not accept (DTD, entities, huge events)."""


@parsers.register("evtx_xml")
class EvtxXmlParser:
    """Windows events exported as XML (<Events><Event>...)."""

    name: ClassVar[str] = "evtx_xml"
    version: ClassVar[str] = "1"
    source_kind: ClassVar[str] = "log"
    default_time_zone: ClassVar[str] = "UTC"
    utc_by_definition: ClassVar[bool] = True  # SystemTime is UTC with a Z: never shifted

    @classmethod
    def check(cls, head: bytes, path: Path) -> bool:
        if head.startswith((b"\xff\xfe", b"\xfe\xff")):
            head = head.decode("utf-16", "ignore").encode("utf-8")
        head = head.removeprefix(b"\xef\xbb\xbf")
        m = _HEAD.match(head[:4096])
        if not m:
            return False
        rest = head[m.end(1) : m.end(1) + 200]
        return m.group(1) == b"Events" or b"schemas.microsoft.com/win/2004/08/events" in rest

    def parse(self, ctx: ParseContext) -> Iterator[ParseIssue | EventContent]:
        reader = _Reader(ctx)
        yield from reader.run()


class _Reader:
    """Feeds the file to expat block by block and turns each ``<Event>`` into content."""

    def __init__(self, ctx: ParseContext) -> None:
        self.ctx = ctx
        self.out: list[ParseIssue | EventContent] = []
        self.buf = bytearray()
        self.buf_base = 0  # file offset of buf[0]
        self.doc_base = 0  # file offset of the parser's byte 0
        self.stack: list[Node] = []
        self.event_start: tuple[int, int] | None = None  # (file offset, line)
        self.event_chars = 0
        self.parser: Any = None
        self.codec: str | None = None  # "utf-16-le"/"-be" for a Unicode export, else None
        self.gt = b">"  # the encoded ">" that ends a tag
        self.nl = b"\n"  # the encoded newline
        self.depth = 0  # open elements, the synthetic root included
        self.wrapped = False
        self.restarted = -1  # file offset where the parser last restarted after an error
        self.lines_trimmed = 0  # newlines in the bytes dropped from buf
        self.line_base = 0  # file lines before the parser's first line

    def run(self) -> Iterator[ParseIssue | EventContent]:
        with open(self.ctx.path, "rb") as fp:
            head = fp.read(4)
            fp.seek(0)
            if head.startswith((b"\xff\xfe", b"\xfe\xff")):
                self.codec = "utf-16-le" if head[0] == 0xFF else "utf-16-be"
                self.gt, self.nl = ">".encode(self.codec), "\n".encode(self.codec)
            wrap = self.codec is None and self._bare_events(fp)
            parser = self._new_parser("" if not wrap else _RESTART, 0)
            fed = 0
            while block := fp.read(_BLOCK):
                self.buf += block
                fed += len(block)
                parser = self._feed(parser, block)
                yield from self.out
                self.out.clear()
                self._trim(fed)
            self._finish(parser, fed)
            yield from self.out

    def _bare_events(self, fp: Any) -> bool:
        """Whether the file is a sequence of ``<Event>`` elements without a root."""
        head = fp.read(4096)
        fp.seek(0)
        m = _HEAD.match(head.removeprefix(b"\xef\xbb\xbf"))
        return bool(m and m.group(1) == b"Event" and not head.lstrip().startswith(b"<?"))

    def _new_parser(self, prefix: str, file_offset: int) -> Any:
        """A fresh guarded parser for the document from ``file_offset`` on, fed ``prefix``
        first (a restart mid-file has no byte-order mark: it is told the encoding)."""
        data = prefix.encode(self.codec or "ascii")
        encoding = self.codec.upper().replace("-16-", "-16") if self.codec and data else None
        parser: Any = expat.ParserCreate(encoding)
        parser.buffer_text = True
        parser.SetParamEntityParsing(expat.XML_PARAM_ENTITY_PARSING_NEVER)
        parser.StartDoctypeDeclHandler = self._refuse
        parser.EntityDeclHandler = self._refuse
        parser.ExternalEntityRefHandler = self._refuse
        parser.StartElementHandler = self._start
        parser.EndElementHandler = self._end
        parser.CharacterDataHandler = self._text
        self.parser = parser
        self.doc_base = file_offset - len(data)
        self.stack.clear()
        self.event_start = None
        self.depth = 0
        self.wrapped = bool(data)
        if data:
            parser.Parse(data, False)
        return parser

    def _feed(self, parser: Any, data: bytes) -> Any:
        while True:
            if isinstance(parser, _Skip):
                parser, rest = self._resume(parser)
                if rest is None:
                    return parser
                data = rest
            try:
                parser.Parse(data, False)
            except (expat.ExpatError, _Refused) as exc:
                parser = self._recover(parser, exc)
                continue
            return parser

    def _recover(self, parser: Any, exc: Exception) -> _Skip:
        """Record the error; reading resumes at the next ``<Event`` after it."""
        at = max(self.doc_base + max(parser.ErrorByteIndex, 0), self.buf_base)
        line = parser.ErrorLineNumber + self.line_base if parser.ErrorLineNumber else None
        # the bytes the parser stopped at, to the end of their line (at most _SHOWN): located
        # and hashed like any record
        start = at - self.buf_base
        end = self.buf.find(self.nl, start, start + _SHOWN)
        raw = bytes(self.buf[start : start + _SHOWN if end < 0 else end])
        where = Locator(line=line, offset=str(at), length=len(raw) or None)
        refused = isinstance(exc, _Refused)
        then = "nothing more is read" if refused else "reading resumes at the next <Event"
        self.out.append(
            self.ctx.issue("malformed_xml", f"{exc}; {then}", where, raw or None, "error")
        )
        # resume at the error itself unless that is where the last restart began (progress)
        resume = at if at > self.restarted else self.restarted + 1
        skip = _Skip(None if refused else resume)  # a document with a DTD is not read on
        self.parser = skip
        return skip

    def _resume(self, skip: _Skip) -> tuple[Any, bytes | None]:
        """Find the next ``<Event`` in what has been read; restart the parser there."""
        if skip.resume_at is None:
            return skip, None
        pattern = _NEXT_EVENT if self.codec is None else _NEXT_EVENT_UTF16[self.codec]
        at = max(skip.resume_at - self.buf_base, 0)
        while (found := pattern.search(self.buf, at)) is not None and self.codec:
            if (self.buf_base + found.start()) % 2 == 0:  # a whole code unit (BOM at 0)
                break
            at = found.start() + 1
        if found is None:
            skip.resume_at = max(self.buf_base + len(self.buf) - 64, skip.resume_at)
            return skip, None
        self.restarted = self.buf_base + found.start()
        self.line_base = self.lines_trimmed + self.buf.count(self.nl, 0, found.start())
        fresh = self._new_parser(_RESTART, self.restarted)
        return fresh, bytes(self.buf[found.start() :])

    def _trim(self, fed: int) -> None:
        keep = self.event_start[0] if self.event_start else fed
        if isinstance(self.parser, _Skip) and self.parser.resume_at is not None:
            keep = min(keep, max(self.parser.resume_at, fed - 64))
        if keep - self.buf_base > _MAX_EVENT and self.event_start:
            keep = fed  # event too large: its bytes are not kept; the event is refused
            self.event_start = (-1, self.event_start[1])
        cut = keep - self.buf_base
        if cut > 0:
            self.lines_trimmed += self.buf.count(self.nl, 0, cut)
            del self.buf[:cut]
            self.buf_base = keep

    def _finish(self, parser: Any, fed: int) -> None:
        try:
            if self.wrapped and self.depth == 1:
                parser.Parse(_RESTART.replace("<", "</").encode(self.codec or "ascii"), False)
            parser.Parse(b"", True)
        except (expat.ExpatError, _Refused) as exc:
            at = self.doc_base + max(parser.ErrorByteIndex, 0)
            self.out.append(
                self.ctx.issue(
                    "malformed_xml",
                    f"{exc} (end of file)",
                    Locator(offset=str(min(at, fed))),
                    None,
                    "error",
                )
            )

    def _refuse(self, *args: Any) -> int:
        raise _Refused("DOCTYPE or entity declaration refused (XML bomb / XXE guard)")

    def _start(self, tag: str, attrs: dict[str, str]) -> None:
        self.depth += 1
        node = Node(tag.rpartition(":")[2], attrs)
        if node.tag == "Event" and self.event_start is not None and self.stack:
            self._interrupted()
        if node.tag == "Event" and self.event_start is None:
            offset = self.doc_base + self.parser.CurrentByteIndex
            self.event_start = (offset, self.line_base + self.parser.CurrentLineNumber)
            self.event_chars = 0
            self.stack = [node]
            return
        if self.stack:
            self.stack[-1].children.append(node)
            self.stack.append(node)

    def _interrupted(self) -> None:
        """A new ``<Event`` inside an unfinished one: the unfinished one was cut."""
        start, line = self.event_start or (-1, 0)
        where = Locator(line=line or None, offset=str(max(start, 0)))
        self.out.append(
            self.ctx.issue(
                "event_incomplete",
                "event not closed before the next <Event begins; its content is not read",
                where,
                None,
                "error",
            )
        )
        self.event_start = None
        self.stack = []

    def _text(self, text: str) -> None:
        if self.stack:
            self.event_chars += len(text)
            if self.event_chars <= _MAX_EVENT:
                self.stack[-1].text.append(text)

    def _end(self, tag: str) -> None:
        self.depth -= 1
        if not self.stack:
            return
        node = self.stack.pop()
        if self.stack or node.tag != "Event" or self.event_start is None:
            return
        start, line = self.event_start
        self.event_start = None
        end = self.doc_base + self.parser.CurrentByteIndex
        close = self.buf.find(self.gt, end - self.buf_base)
        end = self.buf_base + close + len(self.gt) if close >= 0 else end
        self._emit(node, start, end, line)

    def _emit(self, node: Node, start: int, end: int, line: int) -> None:
        where = Locator(
            line=line, offset=str(max(start, 0)), length=end - start if start >= 0 else None
        )
        raw = bytes(self.buf[start - self.buf_base : end - self.buf_base]) if start >= 0 else b""
        if start < 0 or self.event_chars > _MAX_EVENT:
            self.out.append(
                self.ctx.issue(
                    "event_too_large",
                    f"event over {_MAX_EVENT} bytes refused",
                    where,
                    None,
                    "error",
                )
            )
            return
        try:
            rec = record_from_node(node)
        except (ValueError, KeyError) as exc:
            self.out.append(self.ctx.issue("malformed_event", str(exc), where, raw, "error"))
            return
        self.ctx.records_read += 1
        loc = where.model_dump(exclude_none=True)
        if rec.record_id is not None and rec.record_id.isascii() and rec.record_id.isdigit():
            loc = {"record": str(int(rec.record_id)), **loc}
        self.out.append(normalize(rec, self.ctx.source_id, loc, hashlib.sha256(raw).hexdigest()))


class _Skip:
    """Stands in for the parser after an error, until the next ``<Event`` is found."""

    ErrorByteIndex = -1
    ErrorLineNumber = 0

    def __init__(self, resume_at: int | None) -> None:
        self.resume_at = resume_at  # file offset to search from; None: never resume

    def Parse(self, data: bytes, final: bool = False) -> None:
        return None

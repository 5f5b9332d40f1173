"""CSV / TSV records from a text export, streamed, each with the exact place of its bytes.

Quoting follows RFC 4180 as Python's :mod:`csv` reads it in strict mode; a quoted field
may span up to ``max_record_lines`` physical lines. Problems (bad quoting, unterminated
quotes, wrong column counts, undecodable bytes, over-long lines, preamble lines skipped,
a header repeated mid-file) are yielded as :class:`~evidencekit.sources.textlog.Problem`
in file order with the rest of the records; nothing is dropped without one.
"""

from __future__ import annotations

import csv
import hashlib
from collections.abc import Generator, Iterator
from dataclasses import dataclass
from pathlib import Path

from evidencekit.sources.lineblocks import LineBlock
from evidencekit.sources.textlog import (
    DEFAULT_MAX_LINE,
    Problem,
    Record,
    TextLog,
    looks_like_formula,
    may_hold_formula,
)

Line = tuple[int, int, bytes, str, int | None]
TYPE_LINE = "#TYPE "  # Windows PowerShell's Export-Csv writes "#TYPE <class>" above the header
_DELIMITERS = (",", "\t", ";", "|")


@dataclass(slots=True)
class PlainRun:
    """Plain records on consecutive physical lines: the first one's line ``number`` and
    byte ``offset``; per record its ``fields`` and ``raws`` (bytes without the line end,
    whose length is ``eol``). Record k is on line ``number + k``."""

    number: int
    offset: int
    eol: int
    fields: list[list[str]]
    raws: list[bytes]


class DelimitedReader:
    """Records of a delimited text export.

    Args:
        path: the export (opened read-only).
        encoding: codec name or ``"auto"`` (see :func:`~.textlog.detect_encoding`).
        delimiter: ``","``, ``"\\t"``, ... or ``"auto"`` (chosen from the header line).
        columns: column names when the file has no header row.
        skip_lines: physical lines before the header (titles), reported as info.
        max_line: longest physical line, in bytes.
        max_record_lines: most physical lines one quoted record may span.
    """

    def __init__(
        self,
        path: Path,
        encoding: str = "auto",
        delimiter: str = "auto",
        columns: list[str] | None = None,
        skip_lines: int = 0,
        max_line: int = DEFAULT_MAX_LINE,
        max_record_lines: int = 64,
    ) -> None:
        self.log = TextLog(path, encoding, max_line)
        self.delimiter = delimiter
        self.header: list[str] | None = list(columns) if columns else None
        self.header_line: int | None = None
        self.skip_lines = skip_lines
        self.max_record_lines = max_record_lines
        self._one_line: _OneLine | None = None
        enc = self.log.encoding.name
        self._crlf, self._lf = len("\r\n".encode(enc)), len("\n".encode(enc))

    @property
    def encoding(self) -> str:
        """The codec used (detected or given)."""
        return self.log.encoding.name

    def records(self) -> Iterator[Record | Problem]:
        """Yield data records and problems; the header row sets :attr:`header`."""
        for item in self.batches():
            if type(item) is PlainRun:
                number, offset, eol = item.number, item.offset, item.eol
                for fields, raw in zip(item.fields, item.raws, strict=True):
                    yield Record(fields, number, offset, len(raw), raw)
                    number += 1
                    offset += len(raw) + eol
            else:
                yield item  # type: ignore[misc]

    def batches(self) -> Iterator[Record | Problem | PlainRun]:
        """Like :meth:`records`, with runs of plain records on consecutive lines as
        :class:`PlainRun`.

        A plain record is one read on the fast path: one physical line, decoded cleanly,
        the header's column count, nothing formula-like (``replaced`` and ``formula`` both
        false). Order is kept: a run is yielded before anything after it.
        """
        if not self.log.splittable:
            yield from self._run(self.log.lines())
            return
        pending: list[Line] = []
        for block in self.log.blocks():
            if isinstance(block, Problem):
                if pending:
                    yield from self._cut(pending, block)
                    pending = []
                yield block
            elif block.texts is None or not block.terminated:
                for line in block.lines(self.log.encoding.name):
                    yield from self._step(line, pending)
            else:
                yield from self._block(block, block.texts, pending)
        if pending:
            yield self._broken(pending, "unterminated_quote", "quoted field never closed")
            yield from self._run(iter(pending[1:]))

    def _clean(self, pending: list[Line], number: int) -> bool:
        """Whether line ``number`` may be read on the fast path (header known, past the
        preamble, no quoted record open)."""
        return not pending and self.header is not None and number > self.skip_lines

    def _block(
        self, block: LineBlock, texts: list[str], pending: list[Line]
    ) -> Iterator[Record | Problem | PlainRun]:
        """The lines of a cleanly decoded block: plain runs, the rest the careful way."""
        raws, n, k = block.raws, len(texts), 0
        number, offset = block.number, block.offset
        end = "\r\n" if block.eol == 2 else "\n"
        end_raw = end.encode()
        while k < n and (not block.eol or not self._clean(pending, number)):
            yield from self._step(
                (number, offset, raws[k] + end_raw, texts[k] + end, None), pending
            )
            number, offset, k = number + 1, offset + len(raws[k]) + len(end_raw), k + 1
        if k == n:
            return
        split, odd = self._scan(block, texts, k)
        for j in [*odd, n]:
            if j < k:  # a continuation line of a quoted record, read below
                continue
            if j > k:
                yield PlainRun(number, offset, len(end_raw), split[k:j], raws[k:j])  # type: ignore[arg-type]
                offset += sum(map(len, raws[k:j])) + (j - k) * len(end_raw)
                number, k = number + j - k, j
            if j == n:
                return
            fields = split[j]
            if fields is None:  # a quote left open or bad quoting: the careful way
                while k == j or (pending and k < n):
                    line = (number, offset, raws[k] + end_raw, texts[k] + end, None)
                    yield from self._step(line, pending)
                    number, offset, k = number + 1, offset + len(raws[k]) + len(end_raw), k + 1
                continue
            if fields and texts[j]:
                yield from self._emit(fields, texts[j], number, offset, raws[j], None)
            number, offset, k = number + 1, offset + len(raws[j]) + len(end_raw), j + 1

    def _scan(
        self, block: LineBlock, texts: list[str], k: int
    ) -> tuple[list[list[str] | None], list[int]]:
        """Fields of every line of the block (from ``k`` on; None: needs the careful way)
        and the sorted indexes of lines that are not plain records."""
        header = self.header or []
        if self._one_line is None or self._one_line.delimiter != self.delimiter:
            self._one_line = _OneLine(self.delimiter)
        quoted, delimiter = self._one_line.quoted, self.delimiter
        end = "\r\n" if block.eol == 2 else "\n"
        split: list[list[str] | None] = [None] * k
        split += [quoted(t + end) if '"' in t else t.split(delimiter) for t in texts[k:]]
        width = len(header)
        odd = [
            i
            for i in range(k, len(texts))
            if (f := split[i]) is None or len(f) != width or f == header
        ]
        if width == 1:  # a blank line splits into one empty field: not a record
            odd += [i for i in range(k, len(texts)) if not texts[i]]
        if block.formula_signs:
            odd += [i for i in range(k, len(texts)) if may_hold_formula(texts[i])]
        if width == 1 or block.formula_signs:
            odd = sorted(set(odd))
        return split, odd

    def _run(self, source: Iterator[Line | Problem]) -> Iterator[Record | Problem]:
        pending: list[Line] = []
        for item in source:
            if isinstance(item, Problem):
                if pending:
                    yield from self._cut(pending, item)
                    pending = []
                yield item
                continue
            yield from self._step(item, pending)
        if pending:
            yield self._broken(pending, "unterminated_quote", "quoted field never closed")
            yield from self._run(iter(pending[1:]))

    def _cut(self, pending: list[Line], problem: Problem) -> Iterator[Record | Problem]:
        """A quoted record cut by an over-long line: reported, its other lines read again."""
        yield self._broken(
            pending,
            "unterminated_quote",
            f"quoted field cut by an over-long line at line {problem.line}",
        )
        yield from self._run(iter(pending[1:]))

    def _step(self, item: Line, pending: list[Line]) -> Iterator[Record | Problem]:
        """One physical line (``pending`` holds the lines of an open quoted record)."""
        number, offset, raw, text, bad = item
        header = self.header
        if pending or header is None or bad is not None or '"' in text or number <= self.skip_lines:
            yield from self._slow(item, pending)
            return
        if text[-2:] == "\r\n":
            body, size = text[:-2], len(raw) - self._crlf
        elif text[-1:] == "\n":
            body, size = text[:-1], len(raw) - self._lf
        else:
            body, size = text, len(raw)
        if not body:
            return
        fields = body.split(self.delimiter)
        if len(fields) != len(header) or fields == header or may_hold_formula(body):
            yield from self._emit(fields, body, number, offset, raw[:size], None)
            return
        yield Record(fields, number, offset, size, raw[:size])

    def _slow(self, line: Line, pending: list[Line]) -> Iterator[Record | Problem]:
        """Preamble, header, quoted or badly decoded lines (``pending`` is updated)."""
        if line[0] <= self.skip_lines and not pending:
            yield self._problem(line, "skipped_line", "preamble line before the header", "info")
        elif pending or '"' in line[3]:
            pending.append(line)
            replay = yield from self._quoted(pending)
            # Lines after a broken record are read again with the same pending list: a
            # quote they leave open goes on into the lines still to come.
            for item in replay:
                yield from self._step(item, pending)
        else:
            yield from self._simple(line)

    def _simple(self, line: Line) -> Iterator[Record | Problem]:
        number, offset, raw, text, bad = line
        if text.endswith("\r\n"):
            body, cut = text[:-2], self._crlf
        elif text.endswith("\n"):
            body, cut = text[:-1], self._lf
        else:
            body, cut = text, 0
        if not body:
            return
        if self.header is None:
            if body.startswith(TYPE_LINE):
                yield self._problem(line, "skipped_line", "PowerShell type line", "info")
                return
            self._set_header(body.split(self._choose_delimiter(body)), number)
            return
        data = raw[: len(raw) - cut] if cut else raw
        yield from self._emit(body.split(self.delimiter), body, number, offset, data, bad)

    def _quoted(self, pending: list[Line]) -> Generator[Record | Problem, None, list[Line]]:
        """Parse the pending lines as one record; return lines to read again on failure."""
        delimiter = self.delimiter
        if self.header is None:
            delimiter = self._choose_delimiter(pending[0][3])
        try:
            rows = list(csv.reader([p[3] for p in pending], delimiter=delimiter, strict=True))
        except csv.Error as exc:
            unterminated = "unexpected end of data" in str(exc)
            if unterminated and len(pending) < self.max_record_lines:
                return []
            code = "unterminated_quote" if unterminated else "malformed_quoting"
            yield self._broken(pending, code, f"CSV quoting: {exc}")
            replay = pending[1:]
            pending.clear()
            return replay
        first, last = pending[0], pending[-1]
        raw = b"".join(p[2] for p in pending)
        text = "".join(p[3] for p in pending)
        cut = self._crlf if last[3].endswith("\r\n") else self._lf if last[3].endswith("\n") else 0
        bad = next((p[1] - first[1] + p[4] for p in pending if p[4] is not None), None)
        pending.clear()
        if not rows or rows == [[]]:
            return []
        if self.header is None:
            self._set_header(rows[0], first[0])
            return []
        # The last line end is no part of any field (nor of the formula pre-test).
        body = text[: len(text) - (2 if text.endswith("\r\n") else text.endswith("\n"))]
        yield from self._emit(rows[0], body, first[0], first[1], raw[: len(raw) - cut], bad)
        return []

    def _emit(
        self, fields: list[str], text: str, number: int, offset: int, raw: bytes, bad: int | None
    ) -> Iterator[Record | Problem]:
        header = self.header or []
        if bad is not None:
            yield Problem(
                "undecodable_bytes",
                f"bytes not valid {self.encoding} at offset "
                f"{offset + bad} (line {number}); replaced with U+FFFD",
                number,
                offset + bad,
                len(raw) - bad,
                _sha(raw[bad:]),  # the located bytes: from the first bad one to the record end
                "warning",
            )
        if len(fields) != len(header):
            yield Problem(
                "column_count",
                f"{len(fields)} fields where the header has {len(header)}",
                number,
                offset,
                len(raw),
                _sha(raw),
            )
            return
        if fields == header:
            yield Problem(
                "repeated_header",
                "header row repeated inside the data",
                number,
                offset,
                len(raw),
                _sha(raw),
                "info",
            )
            return
        record = Record(fields, number, offset, len(raw), raw, bad is not None)
        if may_hold_formula(text):
            record.formula = any(looks_like_formula(f) for f in fields)
        yield record

    def _set_header(self, fields: list[str], line: int) -> None:
        self.header = [f.strip() for f in fields]
        self.header_line = line

    def _choose_delimiter(self, text: str) -> str:
        if self.delimiter == "auto":
            self.delimiter = max(_DELIMITERS, key=text.count)
        return self.delimiter

    def _broken(self, pending: list[Line], code: str, message: str) -> Problem:
        return self._problem(pending[0], code, message)

    def _problem(self, line: Line, code: str, message: str, severity: str = "error") -> Problem:
        number, offset, raw, _, _ = line
        return Problem(
            code, f"{message} (line {number})", number, offset, len(raw), _sha(raw), severity
        )


class _Feed:
    """One line for a long-lived ``csv.reader`` (building a reader per line costs more
    than parsing the line). The reader resets its state at every record, so each
    ``next`` parses ``line`` exactly as a reader over ``[line]`` would."""

    __slots__ = ("line",)

    def __init__(self) -> None:
        self.line: str | None = None

    def __iter__(self) -> _Feed:
        return self

    def __next__(self) -> str:
        line = self.line
        if line is None:
            raise StopIteration
        self.line = None
        return line


class _OneLine:
    """Fields of a record on one physical line, quoted or not (see :meth:`split`)."""

    def __init__(self, delimiter: str) -> None:
        self.delimiter = delimiter
        self._feed = _Feed()
        self._reader = csv.reader(self._feed, delimiter=delimiter, strict=True)

    def quoted(self, line: str) -> list[str] | None:
        """Fields of ``line`` (with its line end; ``[]``: nothing to read), or None when the
        line needs the careful way (a quote left open, bad quoting). Parsed as ``_quoted``
        parses a record of one line."""
        self._feed.line = line
        try:
            row = next(self._reader, None)
        except csv.Error:
            return None
        finally:
            self._feed.line = None
        return row or []


def _sha(raw: bytes) -> str:
    return hashlib.sha256(raw).hexdigest()

"""SRUM (System Resource Usage Monitor, ``Windows/System32/sru/SRUDB.dat``): bytes sent
and received per application and user, and per-application disk I/O.

SRUDB.dat is an ESE (JET Blue) database, read with libesedb (``pyesedb``). Two tables
become events, one per record (the monitor writes about one record per application,
user and interface each hour):

* network usage ``{973F5D5C-1D90-4944-BE8E-24B94231A174}`` -> ``srum.network_usage``
  (action ``send``; attributes ``bytes_sent``, ``bytes_received``, ``interface_luid``);
* application resource usage ``{D10CA2FE-6FCF-4F6D-848E-B2E99266FA89}`` ->
  ``srum.app_resource_usage`` (action ``execute``; foreground/background bytes read
  and written, cycle times).

``AppId`` and ``UserId`` are resolved through ``SruDbIdMapTable`` (``IdType`` 3: a
binary SID; other types: a UTF-16 application path or service name). ``TimeStamp`` is
an OLE Automation date (days since 1899-12-30, UTC), kept as text in
``time_original`` and rounded to the millisecond. libesedb gives column values, not
record bytes: ``raw_sha256`` is the SHA-256 over the record's column values in column
order (identifier u16, size u32, bytes each). Reference: Joachim Metz, "Extensible
Storage Engine (ESE) Database File (EDB) format"; Khatri, "SRUM forensics" (2015).
"""

from __future__ import annotations

import hashlib
import struct
from collections.abc import Iterator
from fractions import Fraction
from pathlib import Path
from typing import Any, ClassVar

import pyesedb

from evidencekit.events.time import TimeError, format_ns
from evidencekit.model import Action, Actor, Event, Locator, ObjectRef, ParseIssue, TimePrecision
from evidencekit.parsers.base import ParseContext, parsers
from evidencekit.parsers.winutil import in_image_path
from evidencekit.sources.ntfs_security import sid_text

NETWORK_TABLE = "{973F5D5C-1D90-4944-BE8E-24B94231A174}"
APP_TABLE = "{D10CA2FE-6FCF-4F6D-848E-B2E99266FA89}"
ID_MAP_TABLE = "SruDbIdMapTable"
_OLE_EPOCH_DAYS = 25569  # 1899-12-30 .. 1970-01-01
_NS_PER_DAY = 86_400 * 10**9
_MAX_SAFE = 2**53 - 1
_SID_TYPE = 3

# Column name -> attribute name for each table (absent columns are left out).
_NETWORK = {
    "BytesSent": "bytes_sent", "BytesRecvd": "bytes_received",
    "InterfaceLuid": "interface_luid", "L2ProfileId": "l2_profile_id",
    "L2ProfileFlags": "l2_profile_flags",
}  # fmt: skip
_APP = {
    "ForegroundCycleTime": "foreground_cycle_time",
    "BackgroundCycleTime": "background_cycle_time", "FaceTime": "face_time",
    "ForegroundBytesRead": "foreground_bytes_read",
    "ForegroundBytesWritten": "foreground_bytes_written",
    "BackgroundBytesRead": "background_bytes_read",
    "BackgroundBytesWritten": "background_bytes_written",
}  # fmt: skip
_TABLES = (
    (NETWORK_TABLE, "srum.network_usage", Action.SEND, _NETWORK),
    (APP_TABLE, "srum.app_resource_usage", Action.EXECUTE, _APP),
)


def ole_date_time(raw: bytes) -> tuple[str, str]:
    """An 8-byte OLE Automation date -> (canonical UTC text, original text).

    Raises:
        TimeError: the value is not a finite date within years 1601..9999.
    """
    (days,) = struct.unpack("<d", raw)
    original = f"oledate:{days!r}"
    if days != days or days in (float("inf"), float("-inf")):
        raise TimeError(f"{original} is not a finite date")
    exact = (Fraction(days) - _OLE_EPOCH_DAYS) * _NS_PER_DAY
    ms = round(exact / 10**6)
    return format_ns(ms * 10**6), original


def _json_int(value: int) -> int | str:
    return value if -_MAX_SAFE <= value <= _MAX_SAFE else str(value)


def _record_values(record: Any) -> tuple[dict[str, tuple[int, bytes | None]], bytes]:
    """Column name -> (column type, value bytes), and the bytes hashed for raw_sha256."""
    values: dict[str, tuple[int, bytes | None]] = {}
    hashed = bytearray()
    for index in range(record.number_of_values):
        data = record.get_value_data(index)
        values[record.get_column_name(index)] = (record.get_column_type(index), data)
        blob = data or b""
        hashed += struct.pack("<HI", index, len(blob)) + blob
    return values, bytes(hashed)


def _int_value(values: dict[str, tuple[int, bytes | None]], name: str) -> int | None:
    """A fixed-size integer column's value (signed as ESE stores it), or None."""
    _, data = values.get(name, (0, None))
    if not data or len(data) not in (1, 2, 4, 8):
        return None
    return int.from_bytes(data, "little", signed=len(data) > 1)


def id_map(db: Any) -> dict[int, tuple[int, str | None]]:
    """``SruDbIdMapTable``: IdIndex -> (IdType, SID text / application name)."""
    table = db.get_table_by_name(ID_MAP_TABLE)
    out: dict[int, tuple[int, str | None]] = {}
    if table is None:
        return out
    for record in table.records:
        values, _ = _record_values(record)
        index, kind = _int_value(values, "IdIndex"), _int_value(values, "IdType")
        blob = values.get("IdBlob", (0, None))[1] or b""
        if index is None or kind is None:
            continue
        if kind == _SID_TYPE:
            out[index] = (kind, sid_text(blob))
        else:
            text = blob.decode("utf-16-le", "replace").rstrip("\x00") if blob else None
            out[index] = (kind, text)
    return out


@parsers.register("srum")
class SrumParser:
    """SRUM SRUDB.dat (ESE database): bytes sent/received per application and user per
    hour, and per-application disk I/O, with users as SIDs."""

    name: ClassVar[str] = "srum"
    version: ClassVar[str] = "1"
    source_kind: ClassVar[str] = "artifact"
    image_globs: ClassVar[tuple[str, ...]] = ("Windows/System32/sru/SRUDB.dat",)

    @classmethod
    def check(cls, head: bytes, path: Path) -> bool:
        # The ESE file header signature at offset 4; every ESE database has it, so a
        # loose ESE file is taken as SRUM only when it holds the SRUM tables (parse
        # then reports their absence).
        return head[4:8] == b"\xef\xcd\xab\x89"

    def parse(self, ctx: ParseContext) -> Iterator[Event | ParseIssue]:
        path = in_image_path(ctx)
        db = pyesedb.file()
        with open(ctx.path, "rb") as fp:
            head = fp.read(4096)
            fp.seek(0)
            try:
                db.open_file_object(fp)
            except (OSError, ValueError) as exc:
                yield ctx.issue(
                    "unreadable_ese",
                    f"libesedb: {exc}",
                    Locator(path=path, offset="0", length=len(head)),
                    head,
                    severity="error",
                )
                return
            try:
                yield from self._tables(ctx, db, path)
            finally:
                db.close()

    def _tables(self, ctx: ParseContext, db: Any, path: str) -> Iterator[Event | ParseIssue]:
        try:
            ids = id_map(db)
        except (OSError, ValueError) as exc:
            ids = {}
            yield ctx.issue(
                "unreadable_table",
                f"{ID_MAP_TABLE}: {exc}",
                Locator(path=path, attribute=ID_MAP_TABLE),
            )
        found = 0
        for guid, kind, action, columns in _TABLES:
            table = db.get_table_by_name(guid)
            if table is None:
                continue
            found += 1
            yield from self._records(ctx, table, path, ids, (guid, kind, action, columns))
        if found == 0:
            yield ctx.issue(
                "no_srum_tables",
                "ESE database without the SRUM network or application usage tables",
                Locator(path=path),
            )

    def _records(
        self,
        ctx: ParseContext,
        table: Any,
        path: str,
        ids: dict[int, tuple[int, str | None]],
        spec: tuple[str, str, Action, dict[str, str]],
    ) -> Iterator[Event | ParseIssue]:
        guid = spec[0]
        for index in range(table.number_of_records):
            locator = Locator(path=path, attribute=guid, record=str(index))
            try:
                values, hashed = _record_values(table.get_record(index))
            except (OSError, ValueError) as exc:
                message = f"table {guid} record {index}: libesedb: {exc}"
                yield ctx.issue("unreadable_record", message, locator, severity="error")
                continue
            yield self._event(ctx, values, hashed, locator, ids, spec)

    def _event(
        self,
        ctx: ParseContext,
        values: dict[str, tuple[int, bytes | None]],
        hashed: bytes,
        locator: Locator,
        ids: dict[int, tuple[int, str | None]],
        spec: tuple[str, str, Action, dict[str, str]],
    ) -> Event | ParseIssue:
        guid, kind, action, columns = spec
        stamp = values.get("TimeStamp", (0, None))[1]
        if stamp is None or len(stamp) != 8:
            message = f"table {guid} record {locator.record}: no 8-byte TimeStamp"
            return ctx.issue("bad_time", message, locator, hashed, "error")
        try:
            when, original = ole_date_time(stamp)
        except TimeError as exc:
            message = f"table {guid} record {locator.record}: {exc}"
            return ctx.issue("bad_time", message, locator, hashed, severity="error")
        ctx.records_read += 1
        attrs: dict[str, Any] = {"srum_table": guid}
        for column, name in columns.items():
            value = _int_value(values, column)
            if value is not None:
                attrs[name] = str(value) if name == "interface_luid" else _json_int(value)
        app, sid, flags = self._resolve(values, ids, attrs)
        return Event(
            time=when,
            time_original=original,
            time_offset="Z",
            time_precision=TimePrecision.MS,
            time_role="recorded",
            action=action,
            kind=kind,
            actor=Actor(sid=sid, process=app) if (sid or app) else None,
            object=ObjectRef(kind="application", path=app) if app else None,
            source=ctx.source_id,
            locator=locator,
            raw_sha256=hashlib.sha256(hashed).hexdigest(),
            flags=flags,
            attributes=attrs,
        )

    @staticmethod
    def _resolve(
        values: dict[str, tuple[int, bytes | None]],
        ids: dict[int, tuple[int, str | None]],
        attrs: dict[str, Any],
    ) -> tuple[str | None, str | None, tuple[str, ...]]:
        """Application and user SID named by AppId/UserId (flag what stays unresolved)."""
        flags: set[str] = set()
        resolved: list[str | None] = []
        for column, attr in (("AppId", "app_id"), ("UserId", "user_id")):
            ident = _int_value(values, column)
            if ident is None:
                resolved.append(None)
                continue
            attrs[attr] = ident
            kind, text = ids.get(ident, (None, None))
            if text is None:
                flags.add("srum_id_unresolved")
            else:
                attrs[f"{attr}_type"] = kind
            if attr == "user_id" and kind != _SID_TYPE and text is not None:
                attrs["user_name"] = text  # a user id that maps to a name, not a SID
                text = None
            resolved.append(text)
        return resolved[0], resolved[1], tuple(sorted(flags))

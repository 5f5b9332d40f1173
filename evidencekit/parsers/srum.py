"""SRUM (System Resource Usage Monitor, ``Windows/System32/sru/SRUDB.dat``): bytes sent
and received per application and user, per-application disk I/O, network connections.

SRUDB.dat is an ESE (JET Blue) database, read with libesedb (``pyesedb``). Three tables
become events, one per record (the monitor writes about one record per application,
user and interface each hour):

* network usage ``{973F5D5C-1D90-4944-BE8E-24B94231A174}`` -> ``srum.network_usage``
  (action ``send``; attributes ``bytes_sent``, ``bytes_received``, ``interface_luid``);
* application resource usage ``{D10CA2FE-6FCF-4F6D-848E-B2E99266FA89}`` ->
  ``srum.app_resource_usage`` (action ``execute``; foreground/background bytes read
  and written, cycle times);
* network connectivity ``{DD6636C4-8929-4683-974E-22C046A43763}`` ->
  ``srum.network_connectivity`` (action ``other``; ``connect_start`` (FILETIME, as UTC
  text), ``connected_seconds``, ``interface_luid``, ``l2_profile_id``).

``AppId`` and ``UserId`` are resolved through ``SruDbIdMapTable`` (``IdType`` 3: a
binary SID; other types: a UTF-16 application path or service name). ``TimeStamp`` is
an OLE Automation date (days since 1899-12-30, UTC), kept as text in
``time_original`` and rounded to the millisecond. libesedb gives column values, not
record bytes: ``raw_sha256`` is the SHA-256 over the record's column values in column
order (index u16, size u32, bytes each; a long value's own bytes, read from the table's
long-value tree). Reference: Joachim Metz, "Extensible
Storage Engine (ESE) Database File (EDB) format"; Khatri, "SRUM forensics" (2015).
"""

from __future__ import annotations

import hashlib
import math
import struct
from collections.abc import Iterator
from functools import lru_cache
from pathlib import Path
from typing import Any, ClassVar

import pyesedb

from evidencekit.events.time import TimeError, format_ns, from_filetime
from evidencekit.model import Action, Locator, ParseIssue, TimePrecision
from evidencekit.parsers.base import EventContent, ParseContext, parsers
from evidencekit.parsers.winutil import in_image_path
from evidencekit.sources.ntfs_security import sid_text

NETWORK_TABLE = "{973F5D5C-1D90-4944-BE8E-24B94231A174}"
APP_TABLE = "{D10CA2FE-6FCF-4F6D-848E-B2E99266FA89}"
CONNECTIVITY_TABLE = "{DD6636C4-8929-4683-974E-22C046A43763}"
ID_MAP_TABLE = "SruDbIdMapTable"
_OLE_EPOCH_DAYS = 25569  # 1899-12-30 .. 1970-01-01
_MS_PER_DAY = 86_400_000
_MS = TimePrecision.MS.value
_SIZE = struct.Struct("<HI")
_LONG_TYPES = frozenset({11, 12})  # JET_coltypLongBinary, JET_coltypLongText
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
_CONNECTIVITY = {
    "InterfaceLuid": "interface_luid", "L2ProfileId": "l2_profile_id",
    "L2ProfileFlags": "l2_profile_flags", "ConnectedTime": "connected_seconds",
    "ConnectStartTime": "connect_start",
}  # fmt: skip
_FILETIME_ATTRS = frozenset({"connect_start"})
_TABLES = (
    (NETWORK_TABLE, "srum.network_usage", Action.SEND, _NETWORK),
    (APP_TABLE, "srum.app_resource_usage", Action.EXECUTE, _APP),
    (CONNECTIVITY_TABLE, "srum.network_connectivity", Action.OTHER, _CONNECTIVITY),
)


@lru_cache(maxsize=1 << 16)
def ole_date_time(raw: bytes) -> tuple[str, str]:
    """An 8-byte OLE Automation date -> (canonical UTC text, original text); cached, as
    the monitor stamps every application's record of one hour alike.

    Raises:
        TimeError: the value is not a finite date within years 1601..9999.
    """
    (days,) = struct.unpack("<d", raw)
    original = f"oledate:{days!r}"
    if not math.isfinite(days):
        raise TimeError(f"{original} is not a finite date")
    # Exact rational value of the double, rounded half up to the millisecond. Before
    # 1899-12-30 the whole days count back but the fraction is still the time of day
    # (-1.25 is 1899-12-29 06:00), as the OLE Automation date format defines it.
    num, den = days.as_integer_ratio()
    if num < 0:
        whole, fraction = divmod(-num, den)
        num = fraction - whole * den
    since_1970 = num - _OLE_EPOCH_DAYS * den
    ms = (2 * since_1970 * _MS_PER_DAY + den) // (2 * den)
    return format_ns(ms * 10**6), original


def _filetime_text(value: int) -> str | None:
    """A FILETIME column as UTC text (None when unset; the number when out of range)."""
    try:
        return from_filetime(value)
    except TimeError:
        return f"filetime:{value}"


def _json_int(value: int) -> int | str:
    return value if -_MAX_SAFE <= value <= _MAX_SAFE else str(value)


def _record_values(
    record: Any, names: list[str], longs: frozenset[int]
) -> tuple[dict[str, bytes | None], bytes]:
    """Column name -> value bytes (long values read from the long-value tree), and the
    bytes hashed for raw_sha256."""
    values: dict[str, bytes | None] = {}
    hashed = bytearray()
    get = record.get_value_data
    for index, name in enumerate(names):
        if index in longs and record.is_long_value(index):
            data = record.get_value_data_as_long_value(index).get_data()
        else:
            data = get(index)
        values[name] = data
        hashed += _SIZE.pack(index, len(data or b""))
        if data:
            hashed += data
    return values, bytes(hashed)


def _int_value(values: dict[str, bytes | None], name: str) -> int | None:
    """A fixed-size integer column's value (signed as ESE stores it), or None."""
    data = values.get(name)
    if not data or len(data) not in (1, 2, 4, 8):
        return None
    return int.from_bytes(data, "little", signed=len(data) > 1)


def columns_of(table: Any) -> tuple[list[str], frozenset[int]]:
    """The table's column names in column order (values are read by index), and the
    indexes of its large binary/text columns (the ones that may hold long values)."""
    columns = [table.get_column(i) for i in range(table.number_of_columns)]
    longs = frozenset(i for i, c in enumerate(columns) if c.type in _LONG_TYPES)
    return [c.name for c in columns], longs


def id_map(db: Any) -> tuple[dict[int, tuple[int, str | None]], list[tuple[int, str]]]:
    """``SruDbIdMapTable``: IdIndex -> (IdType, SID text / application name), and the
    records libesedb could not read (index, reason).

    Raises:
        OSError: libesedb cannot read the table itself.
    """
    table = db.get_table_by_name(ID_MAP_TABLE)
    out: dict[int, tuple[int, str | None]] = {}
    failed: list[tuple[int, str]] = []
    if table is None:
        return out, failed
    names, longs = columns_of(table)
    for number in range(table.number_of_records):
        try:
            values, _ = _record_values(table.get_record(number), names, longs)
        except (OSError, ValueError) as exc:
            failed.append((number, f"libesedb: {exc}"))
            continue
        index, kind = _int_value(values, "IdIndex"), _int_value(values, "IdType")
        blob = values.get("IdBlob") or b""
        if index is None or kind is None:
            failed.append((number, "no IdIndex or IdType; the entry cannot be used"))
            continue
        if kind == _SID_TYPE:
            out[index] = (kind, sid_text(blob))
        else:
            text = blob.decode("utf-16-le", "replace").rstrip("\x00") if blob else None
            out[index] = (kind, text)
    return out, failed


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

    def parse(self, ctx: ParseContext) -> Iterator[EventContent | ParseIssue]:
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

    def _tables(self, ctx: ParseContext, db: Any, path: str) -> Iterator[EventContent | ParseIssue]:
        try:
            ids, failed = id_map(db)
        except (OSError, ValueError) as exc:
            ids, failed = {}, []
            yield ctx.issue(
                "unreadable_table",
                f"{ID_MAP_TABLE}: {exc} (applications and users stay unresolved)",
                Locator(path=path, attribute=ID_MAP_TABLE),
            )
        for number, reason in failed:
            yield ctx.issue(
                "unreadable_record",
                f"{ID_MAP_TABLE} record {number}: {reason}",
                Locator(path=path, attribute=ID_MAP_TABLE, record=str(number)),
            )
        found = 0
        for guid, kind, action, columns in _TABLES:
            try:
                table = db.get_table_by_name(guid)
                if table is None:
                    continue
                layout = (*columns_of(table), table.number_of_records)
            except (OSError, ValueError) as exc:
                # libesedb counts records by walking every leaf page: one damaged page
                # makes the whole table unreadable to it.
                message = f"table {guid}: libesedb: {exc}"
                yield ctx.issue("unreadable_table", message, Locator(path=path, attribute=guid),
                                severity="error")  # fmt: skip
                found += 1
                continue
            found += 1
            spec = (guid, kind, action, columns)
            yield from self._records(ctx, table, layout, path, ids, spec)
        if found == 0:
            yield ctx.issue(
                "no_srum_tables",
                "ESE database without the SRUM network, application or connectivity tables",
                Locator(path=path),
            )

    def _records(
        self,
        ctx: ParseContext,
        table: Any,
        layout: tuple[list[str], frozenset[int], int],
        path: str,
        ids: dict[int, tuple[int, str | None]],
        spec: tuple[str, str, Action, dict[str, str]],
    ) -> Iterator[EventContent | ParseIssue]:
        guid = spec[0]
        names, longs, count = layout
        for index in range(count):
            locator = {"path": path, "attribute": guid, "record": str(index)}
            try:
                values, hashed = _record_values(table.get_record(index), names, longs)
            except (OSError, ValueError) as exc:
                message = f"table {guid} record {index}: libesedb: {exc}"
                yield ctx.issue("unreadable_record", message, Locator(**locator), None, "error")
                continue
            yield self._event(ctx, values, hashed, locator, ids, spec)

    def _event(
        self,
        ctx: ParseContext,
        values: dict[str, bytes | None],
        hashed: bytes,
        locator: dict[str, Any],
        ids: dict[int, tuple[int, str | None]],
        spec: tuple[str, str, Action, dict[str, str]],
    ) -> EventContent | ParseIssue:
        guid, kind, action, columns = spec
        stamp = values.get("TimeStamp")
        try:
            if stamp is None or len(stamp) != 8:
                raise TimeError("no 8-byte TimeStamp")
            when, original = ole_date_time(stamp)
        except TimeError as exc:
            message = f"table {guid} record {locator['record']}: {exc}"
            return ctx.issue("bad_time", message, Locator(**locator), hashed, severity="error")
        ctx.records_read += 1
        attrs: dict[str, Any] = {"srum_table": guid}
        for column, name in columns.items():
            value = _int_value(values, column)
            if value is None:
                continue
            if name in _FILETIME_ATTRS:
                if text := _filetime_text(value):
                    attrs[name] = text
            else:
                attrs[name] = str(value) if name == "interface_luid" else _json_int(value)
        app, sid, flags = self._resolve(values, ids, attrs)
        content: dict[str, Any] = {
            "time": when, "time_original": original, "time_offset": "Z",
            "time_precision": _MS, "time_role": "recorded", "action": action.value,
            "kind": kind, "source": ctx.source_id, "locator": locator,
            "raw_sha256": hashlib.sha256(hashed).hexdigest(), "attributes": attrs,
        }  # fmt: skip
        if sid or app:
            content["actor"] = {k: v for k, v in (("sid", sid), ("process", app)) if v}
        if app:
            content["object"] = {"kind": "application", "path": app}
        if flags:
            content["flags"] = flags
        return content

    @staticmethod
    def _resolve(
        values: dict[str, bytes | None],
        ids: dict[int, tuple[int, str | None]],
        attrs: dict[str, Any],
    ) -> tuple[str | None, str | None, list[str]]:
        """Application and user SID named by AppId/UserId (flag what stays unresolved)."""
        flags: list[str] = []
        resolved: list[str | None] = []
        for column, attr in (("AppId", "app_id"), ("UserId", "user_id")):
            ident = _int_value(values, column)
            if ident is None:
                resolved.append(None)
                continue
            attrs[attr] = ident
            kind, text = ids.get(ident, (None, None))
            if text is None:
                flags = ["srum_id_unresolved"]
            else:
                attrs[f"{attr}_type"] = kind
            if attr == "user_id" and kind != _SID_TYPE and text is not None:
                attrs["user_name"] = text  # a user id that maps to a name, not a SID
                text = None
            resolved.append(text)
        return resolved[0], resolved[1], flags

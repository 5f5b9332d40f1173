"""A small ESE (JET Blue) database writer for tests, following Joachim Metz's
"Extensible Storage Engine (ESE) Database File (EDB) format" (libesedb documentation).

It writes what a reader needs to find tables and their records: the file header and
its shadow copy, the database root page (FDP 1), the catalog MSysObjects as one root
leaf page at page 4 (FDP 2) holding one table definition and its column definitions
per table, its backup copy MSysObjectsShadow at page 24 (FDP 3), and from page 25 on
each table's records: one root leaf page, or sibling-linked leaf pages under branch
pages up to a root branch page when they do not fit one page. Format version 0x620
revision 0x09 (the page header with page number and XOR-32 checksum, tagged columns
as an offset array), 4 KiB pages. Every fixture is read back with libesedb-python in
the tests; this writer does not parse what it writes.
"""

from __future__ import annotations

import struct
from dataclasses import dataclass, field
from pathlib import Path

PAGE = 4096
VERSION = 0x620
REVISION = 0x09
_SIGNATURE = 0x89ABCDEF
_HEADER = 40  # page header size for pages below 16 KiB before revision 0x11
_CATALOG_PAGE = 4
_SHADOW_CATALOG_PAGE = 24  # MSysObjectsShadow, the catalog's backup copy (FDP 3)
_FIRST_TABLE_PAGE = 25
_FIRST_TABLE_OBJID = 5

# Column types (JET_COLTYP) and their fixed sizes.
BIT, UBYTE, SHORT, LONG, CURRENCY, DATETIME = 1, 2, 3, 4, 5, 8
BINARY, TEXT, LONG_BINARY, LONG_TEXT = 9, 10, 11, 12
ULONG, LONGLONG, GUID, USHORT = 14, 15, 16, 17
FIXED_SIZE = {BIT: 1, UBYTE: 1, SHORT: 2, LONG: 4, CURRENCY: 8, DATETIME: 8, ULONG: 4,
              LONGLONG: 8, GUID: 16, USHORT: 2}  # fmt: skip
_PACK = {BIT: "<B", UBYTE: "<B", SHORT: "<h", LONG: "<i", CURRENCY: "<q", DATETIME: "<Q",
         ULONG: "<I", LONGLONG: "<q", USHORT: "<H"}  # fmt: skip

# Page flags and page tag flags.
_ROOT, _LEAF, _PARENT, _LONG_VALUE = 0x0001, 0x0002, 0x0004, 0x0080

# Catalog (MSysObjects) fixed columns 1..10 of revision 0x09: name, type.
_CATALOG_FIXED = ((1, LONG), (2, SHORT), (3, LONG), (4, LONG), (5, LONG), (6, LONG),
                  (7, LONG), (8, BIT), (9, SHORT), (10, LONG))  # fmt: skip
_TYPE_TABLE, _TYPE_COLUMN, _TYPE_LONG_VALUE = 1, 2, 4
_TAG_LONG_VALUE = 0x04
_SEGMENT = 1024
_COLUMN_FIXED, _COLUMN_TAGGED = 0x1, 0x2


@dataclass(frozen=True)
class Column:
    """One column: identifier (1-127 fixed, 128-255 variable, 256+ tagged), name, type."""

    ident: int
    name: str
    coltyp: int
    codepage: int = 0


@dataclass
class Table:
    """A table: its columns and records (dicts of column name to int/bytes/str/None)."""

    name: str
    columns: list[Column]
    records: list[dict[str, object]] = field(default_factory=list)


@dataclass(frozen=True)
class LongValue:
    """A tagged column value stored in the table's long-value tree under ``lid``."""

    lid: int
    data: bytes


def xor32(data: bytes, initial: int) -> int:
    """XOR of the little-endian 32-bit words of ``data`` with ``initial``."""
    value = initial
    for (word,) in struct.iter_unpack("<I", data):
        value ^= word
    return value


def encode_value(column: Column, value: object) -> bytes:
    """A column value's stored bytes (fixed types packed little-endian)."""
    if isinstance(value, bytes):
        return value
    if isinstance(value, str):
        return value.encode("utf-16-le" if column.codepage == 1200 else "ascii")
    if isinstance(value, int) and column.coltyp in _PACK:
        return struct.pack(_PACK[column.coltyp], value)
    raise TypeError(f"{column.name}: cannot encode {value!r}")


def record_data(columns: list[Column], values: dict[str, object]) -> bytes:
    """A data definition record: header, fixed values + null bitmap, variable, tagged."""
    by_id = {c.ident: c for c in columns}
    present = {c.ident: values[c.name] for c in columns if values.get(c.name) is not None}
    fixed_ids = [i for i in by_id if i < 128]
    last_fixed = max(fixed_ids, default=0)
    var_ids = [i for i in present if 128 <= i < 256]
    last_var = max(var_ids, default=127)
    fixed, nulls = b"", bytearray((last_fixed + 7) // 8)
    for ident in range(1, last_fixed + 1):
        col = by_id[ident]
        size = FIXED_SIZE[col.coltyp]
        if ident in present:
            fixed += encode_value(col, present[ident]).ljust(size, b"\0")[:size]
        else:
            fixed += b"\0" * size
            nulls[(ident - 1) // 8] |= 1 << ((ident - 1) % 8)
    offsets, var_data = b"", b""
    for ident in range(128, last_var + 1):
        if ident in present:
            var_data += encode_value(by_id[ident], present[ident])
            offsets += struct.pack("<H", len(var_data))
        else:
            offsets += struct.pack("<H", 0x8000 | len(var_data))
    tagged = _tagged(by_id, present)
    header = struct.pack("<BBH", last_fixed, last_var, 4 + len(fixed) + len(nulls))
    return header + fixed + bytes(nulls) + offsets + var_data + tagged


def _tagged(by_id: dict[int, Column], present: dict[int, object]) -> bytes:
    """Tagged values (revision 9+): an offset array of (id, offset) then the data."""
    ids = sorted(i for i in present if i >= 256)
    array_size = 4 * len(ids)
    entries, data = b"", b""
    for ident in ids:
        value = present[ident]
        if isinstance(value, LongValue):
            # 0x4000: a flags byte precedes the value; flag 0x04: the value is a long
            # value identifier (little-endian; its key in the long-value tree is reversed)
            entries += struct.pack("<HH", ident, 0x4000 | (array_size + len(data)))
            data += bytes([_TAG_LONG_VALUE]) + struct.pack("<I", value.lid)
            continue
        entries += struct.pack("<HH", ident, array_size + len(data))
        data += encode_value(by_id[ident], value)
    return entries + data


def key_long(value: int) -> bytes:
    """A normalised key segment of a signed 32-bit value (0x7f prefix, sign bit flipped)."""
    return b"\x7f" + struct.pack(">I", (value ^ 0x80000000) & 0xFFFFFFFF)


def page(
    number: int, fdp: int, flags: int, values: list[bytes], prev: int = 0, next_: int = 0
) -> bytes:
    """One page: header, values (tag 0 first), tags backwards from the page end."""
    body = b"".join(values)
    free = PAGE - _HEADER - len(body) - 4 * len(values)
    if free < 0:
        raise ValueError(f"page {number}: {len(body)} bytes of values do not fit")
    header = bytearray(_HEADER)
    struct.pack_into("<I", header, 4, number)
    struct.pack_into("<II", header, 16, prev, next_)  # sibling leaf pages (0: none)
    struct.pack_into("<IHHHHI", header, 24, fdp, free, 0, len(body), len(values), flags)
    data = bytearray(PAGE)
    data[:_HEADER] = header
    data[_HEADER : _HEADER + len(body)] = body
    offset = 0
    for index, value in enumerate(values):
        end = PAGE - 4 * index
        struct.pack_into("<HH", data, end - 4, len(value), offset)
        offset += len(value)
    struct.pack_into("<I", data, 0, xor32(bytes(data[4:]), _SIGNATURE))
    return bytes(data)


def root_header(initial_pages: int = 1, parent_fdp: int = 1) -> bytes:
    """The father data page header (tag 0 of a root page): no space tree."""
    return struct.pack("<IIII", initial_pages, parent_fdp, 0, 0)


def leaf_entry(key: bytes, data: bytes) -> bytes:
    """A leaf page value: local key size, key, data (no common key)."""
    return struct.pack("<H", len(key)) + key + data


def file_header(last_objid: int) -> bytes:
    """The database file header page (clean shutdown), with its XOR-32 checksum."""
    data = bytearray(PAGE)
    struct.pack_into("<IIIQ", data, 4, _SIGNATURE, VERSION, 0, 1)
    struct.pack_into("<I", data, 24, 0x45534557)  # database signature: random number
    struct.pack_into("<I", data, 52, 3)  # JET_dbstateCleanShutdown
    struct.pack_into("<I", data, 212, last_objid)
    struct.pack_into("<IIII", data, 216, 6, 1, 7601, 1)
    struct.pack_into("<II", data, 232, REVISION, PAGE)
    struct.pack_into("<II", data, 340, VERSION, REVISION)
    struct.pack_into("<I", data, 0, xor32(bytes(data[4:]), _SIGNATURE))
    return bytes(data)


def _catalog_record(values: dict[int, object]) -> bytes:
    columns = [Column(i, str(i), t) for i, t in _CATALOG_FIXED] + [Column(128, "128", TEXT)]
    return record_data(columns, {str(k): v for k, v in values.items()})


def catalog_entries(
    tables: list[Table], roots: list[int], long_values: dict[int, tuple[int, int]]
) -> list[bytes]:
    """Catalog leaf values: per table its definition, its column definitions and (when
    it has one) its long-value tree ``long_values[index] = (object id, root page)``."""
    entries = []
    for index, (table, root) in enumerate(zip(tables, roots, strict=True)):
        objid = _FIRST_TABLE_OBJID + index
        table_values = {1: objid, 2: _TYPE_TABLE, 3: objid, 4: root, 5: 80, 6: 0, 7: 1,
                        8: 1, 128: table.name}  # fmt: skip
        key = key_long(objid) + b"\x7f\x80\x01" + key_long(objid)
        entries.append(leaf_entry(key, _catalog_record(table_values)))
        for col in table.columns:
            flags = _COLUMN_FIXED if col.ident < 128 else _COLUMN_TAGGED if col.ident >= 256 else 0
            size = FIXED_SIZE.get(col.coltyp, 0)
            col_values = {1: objid, 2: _TYPE_COLUMN, 3: col.ident, 4: col.coltyp, 5: size,
                          6: flags, 7: col.codepage, 128: col.name}  # fmt: skip
            key = key_long(objid) + b"\x7f\x80\x02" + key_long(col.ident)
            entries.append(leaf_entry(key, _catalog_record(col_values)))
        if index in long_values:
            lv_objid, lv_root = long_values[index]
            lv_values = {1: objid, 2: _TYPE_LONG_VALUE, 3: lv_objid, 4: lv_root, 5: 80,
                         6: 0, 7: 1, 128: "LV"}  # fmt: skip
            key = key_long(objid) + b"\x7f\x80\x04" + key_long(lv_objid)
            entries.append(leaf_entry(key, _catalog_record(lv_values)))
    return entries


def _chunks(entries: list[tuple[bytes, bytes]]) -> list[list[tuple[bytes, bytes]]]:
    """(key, page value) pairs split into groups that each fit one page beside tag 0."""
    room = PAGE - _HEADER - 4 - 24  # tag 0 (at most a root header) and a little slack
    chunks: list[list[tuple[bytes, bytes]]] = [[]]
    used = 0
    for key, value in entries:
        size = len(value) + 4
        if chunks[-1] and used + size > room:
            chunks.append([])
            used = 0
        chunks[-1].append((key, value))
        used += size
    return chunks


def table_pages(first: int, objid: int, table: Table) -> list[bytes]:
    """A table's pages from page ``first`` (its root): one root leaf page when the records
    fit, else leaf pages linked as siblings under branch pages whose entries are (last
    key of a child, child page number), up to one root branch page."""
    entries = []
    for number, record in enumerate(table.records, start=1):
        key = key_long(number)
        entries.append((key, leaf_entry(key, record_data(table.columns, record))))
    return tree_pages(first, objid, entries)


def long_value_entries(table: Table) -> list[tuple[bytes, bytes]]:
    """The long-value tree of a table: per long value a header (key: identifier
    big-endian; 1, total size) and its segments (key: identifier + segment offset)."""
    found = sorted(
        (v for r in table.records for v in r.values() if isinstance(v, LongValue)),
        key=lambda v: v.lid,
    )
    entries = []
    for value in found:
        key = struct.pack(">I", value.lid)
        entries.append((key, leaf_entry(key, struct.pack("<II", 1, len(value.data)))))
        for offset in range(0, len(value.data), _SEGMENT):
            seg_key = key + struct.pack(">I", offset)
            segment = value.data[offset : offset + _SEGMENT]
            entries.append((seg_key, leaf_entry(seg_key, segment)))
    return entries


def tree_pages(
    first: int, objid: int, entries: list[tuple[bytes, bytes]], kind: int = 0
) -> list[bytes]:
    """The pages of one B+-tree (root at ``first``) over sorted (key, leaf value) pairs;
    ``kind`` is added to every page's flags (``_LONG_VALUE`` for a long-value tree)."""
    chunks = _chunks(entries)
    if len(chunks) == 1:
        values = [root_header(), *(v for _, v in chunks[0])]
        return [page(first, objid, kind | _ROOT | _LEAF, values)]
    numbers = [first + 1 + i for i in range(len(chunks))]
    pages: dict[int, bytes] = {}
    for i, (chunk, number) in enumerate(zip(chunks, numbers, strict=True)):
        prev = numbers[i - 1] if i else 0
        next_ = numbers[i + 1] if i + 1 < len(numbers) else 0
        values = [b"", *(v for _, v in chunk)]
        pages[number] = page(number, objid, kind | _LEAF, values, prev, next_)
    level = [(chunk[-1][0], number) for chunk, number in zip(chunks, numbers, strict=True)]
    while True:
        branch = [(key, leaf_entry(key, struct.pack("<I", child))) for key, child in level]
        groups = _chunks(branch)
        if len(groups) == 1:
            values = [root_header(len(pages) + 1), *(v for _, v in branch)]
            pages[first] = page(first, objid, kind | _ROOT | _PARENT, values)
            return [pages[n] for n in sorted(pages)]
        level = []
        for group in groups:
            number = first + 1 + len(pages)
            pages[number] = page(number, objid, kind | _PARENT, [b"", *(v for _, v in group)])
            level.append((group[-1][0], number))


def write_database(path: Path, tables: list[Table]) -> Path:
    """Write an ESE database holding ``tables`` (pages 25 on; the catalog at page 4)."""
    roots, data_pages = [], []
    long_values: dict[int, tuple[int, int]] = {}
    next_objid = _FIRST_TABLE_OBJID + len(tables)
    for index, table in enumerate(tables):
        roots.append(_FIRST_TABLE_PAGE + len(data_pages))
        data_pages += table_pages(roots[-1], _FIRST_TABLE_OBJID + index, table)
        lv_entries = long_value_entries(table)
        if lv_entries:
            long_values[index] = (next_objid, _FIRST_TABLE_PAGE + len(data_pages))
            data_pages += tree_pages(long_values[index][1], next_objid, lv_entries, _LONG_VALUE)
            next_objid += 1
    pages = [file_header(next_objid) for _ in range(2)]
    pages.append(page(1, 1, _ROOT | _LEAF, [root_header()]))
    pages.append(page(2, 1, _LEAF, [b""]))  # space tree pages of the database: unused
    pages.append(page(3, 1, _LEAF, [b""]))
    catalog = [root_header(parent_fdp=1), *catalog_entries(tables, roots, long_values)]
    pages.append(page(_CATALOG_PAGE, 2, _ROOT | _LEAF, catalog))
    pages.extend(bytes(PAGE) for _ in range(len(pages), _SHADOW_CATALOG_PAGE + 1))
    pages.append(page(_SHADOW_CATALOG_PAGE, 3, _ROOT | _LEAF, catalog))
    path.write_bytes(b"".join(pages + data_pages))
    return path

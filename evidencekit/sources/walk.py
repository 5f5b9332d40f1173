"""The full file-system walk: every allocated and deleted name, with its metadata.

For each directory entry TSK reports (allocated names, deleted names, orphan files
and TSK's virtual entries) one :class:`Entry` is produced with its path, metadata
address and sequence, allocation states, size, owner, every timestamp the file system
keeps and, for NTFS, the ``$FILE_NAME`` times and the named data streams (ADS).

Problems (a directory that cannot be opened, a loop, a name that is not valid
Unicode or holds control characters) become :class:`WalkProblem` items with their
location; the walk goes on.

A file system opened by the native core (``fs.native``) is listed a directory at a time
in C, with the same fields; the recursion, its rules and every decision below are the
same code for both paths, so both give the same entries and problems.
"""

from __future__ import annotations

import struct
from collections.abc import Callable, Iterator
from functools import partial
from typing import Any

import pytsk3

from evidencekit.sources.ntfs_security import load_secure, owner_sid
from evidencekit.sources.tsk_text import tsk_message
from evidencekit.sources.volumes import FileSystem
from evidencekit.sources.walk_types import (
    META_TYPES,
    NAME_TYPES,
    TYPE_CHARS,
    Entry,
    Stream,
    WalkProblem,
    decode_name,
    register_entry,
)

__all__ = ["META_TYPES", "NAME_TYPES", "TYPE_CHARS", "Entry", "Stream", "WalkProblem",
           "decode_name", "walk"]  # fmt: skip

_NTFS_SI = int(pytsk3.TSK_FS_ATTR_TYPE_NTFS_SI)
_NTFS_FN = int(pytsk3.TSK_FS_ATTR_TYPE_NTFS_FNAME)
_NTFS_DATA = int(pytsk3.TSK_FS_ATTR_TYPE_NTFS_DATA)
_NTFS_IDXROOT = int(pytsk3.TSK_FS_ATTR_TYPE_NTFS_IDXROOT)
_NTFS_SEC = int(pytsk3.TSK_FS_ATTR_TYPE_NTFS_SEC)
_DIR = int(pytsk3.TSK_FS_META_TYPE_DIR)
_VIRT_DIR = int(pytsk3.TSK_FS_META_TYPE_VIRT_DIR)
_NAME_UNALLOC = int(pytsk3.TSK_FS_NAME_FLAG_UNALLOC)
_META_ALLOC = int(pytsk3.TSK_FS_META_FLAG_ALLOC)
_TSK_ROLES = ("crtime", "mtime", "atime", "ctime")
_SI_TSK_ROLES = ("si_crtime", "si_mtime", "si_atime", "si_ctime")
_DIR_TYPES = frozenset({"dir", "virtual_dir"})
_FN_ROLES = ("fn_crtime", "fn_mtime", "fn_ctime", "fn_atime")
_SI_ROLES = ("si_crtime", "si_mtime", "si_ctime", "si_atime")


_C_ENTRIES = register_entry()


def walk(fs: FileSystem, utc_precision: str | None = None) -> Iterator[Entry | WalkProblem]:
    """Every entry of the file system in ``fls -r`` order (a directory's contents
    straight after it), deleted entries included.

    Args:
        fs: the opened file system.
        utc_precision: for a file system whose times are UTC, the ``time_precision``
            its event times carry: the native core then also gives each entry its
            ``time_fields`` and ``body_stamps`` (see :class:`Entry`).
    """
    root = int(fs.fs.info.root_inum)
    walked: set[int] = {root}
    if fs.fs_type == "NTFS":
        fs.owners, problem = load_secure(fs.fs)
        if problem:
            yield WalkProblem(fs.partition.slot, 9, "$Secure", "secure_unreadable", problem)
    opened = _open_dir(fs, root, "", "", utc_precision)
    if isinstance(opened, WalkProblem):
        yield opened
        return
    stack: list[tuple[Iterator[Any], str, frozenset[int]]] = [(opened, "", frozenset({root}))]
    make = _native_maker(fs) if fs.native is not None else partial(_entry, fs)
    while stack:
        entries, prefix, ancestry = stack[-1]
        # A directory's iterator is resumed after its sub-directory is done (the stack).
        for handle in entries:
            if type(handle) is Entry:  # made by the native core (the common case)
                item: Entry = handle
            else:
                try:
                    made = make(handle, prefix)
                except (OSError, ValueError, OverflowError, struct.error) as exc:
                    # A damaged record must not end the walk: say where it is and go on.
                    addr, reason = _safe_addr(handle), tsk_message(exc)
                    yield WalkProblem(fs.partition.slot, addr, prefix, "entry_unreadable",
                                      reason)  # fmt: skip
                    continue
                if made is None:
                    continue
                item = made
            if item.name_problems:
                yield from _name_problems(item)
            yield item
            if item.meta_type not in _DIR_TYPES and (item.meta_type or item.name_type != "dir"):
                continue  # not a directory (the test _descend starts with, off the hot path)
            child = _descend(item, ancestry, walked)
            if isinstance(child, WalkProblem):
                yield child
            elif child is not None:
                walked.add(child[0])
                sub = _open_dir(fs, child[0], item.path, child[1], utc_precision)
                if isinstance(sub, WalkProblem):
                    yield sub
                else:
                    stack.append((sub, child[1], child[2]))
                    break
        else:
            stack.pop()


def _safe_addr(handle: Any) -> int | None:
    if isinstance(handle, tuple):
        return int(handle[1])
    try:
        return int(handle.info.name.meta_addr)
    except (AttributeError, OSError, ValueError):
        return None


def _open_dir(
    fs: FileSystem, inode: int, path: str, prefix: str, precision: str | None
) -> Iterator[Any] | WalkProblem:
    """The directory's entries: pytsk3 Files, or the native core's Entry objects (and
    tuples where Python must finish the entry: NTFS, names to decode, no metadata)."""
    try:
        if fs.native is not None:
            owner = fs if _C_ENTRIES else None
            listing: Iterator[Any] = fs.native.iter_dir(inode, precision, owner, prefix)
            return listing
        directory = fs.fs.open_dir(inode=inode)
        # A generator: walk resumes it after a sub-directory, and iter() on a pytsk3
        # Directory starts it over.
        return (handle for handle in directory)
    except OSError as exc:
        reason = tsk_message(exc)
        return WalkProblem(fs.partition.slot, inode, path, "directory_unreadable", reason)


def _descend(
    item: Entry, ancestry: frozenset[int], walked: set[int]
) -> tuple[int, str, frozenset[int]] | WalkProblem | None:
    is_dir = item.meta_type in ("dir", "virtual_dir") or (
        item.meta_type is None and item.name_type == "dir"
    )
    if not is_dir or item.inode is None or item.inode == 0:
        return None
    if item.inode in ancestry:
        return WalkProblem(
            item.partition, item.inode, item.path, "directory_loop",
            f"directory entry points back to its ancestor inode {item.inode}; not descended",
        )  # fmt: skip
    if item.inode in walked:
        return WalkProblem(
            item.partition, item.inode, item.path, "directory_seen",
            f"inode {item.inode} was already walked under another name; not descended",
            "info",
        )  # fmt: skip
    return (item.inode, item.path + "/", ancestry | {item.inode})


def _entry(fs: FileSystem, handle: Any, prefix: str) -> Entry | None:
    info = handle.info
    tsk_name = info.name
    raw_name: bytes = tsk_name.name
    if raw_name in (b".", b".."):
        return None
    name, problems = decode_name(raw_name)
    meta = info.meta
    meta_addr = int(tsk_name.meta_addr)
    if meta is None and meta_addr:
        # Orphan entries come without their metadata loaded; fls loads it by address.
        handle, meta = _open_meta(fs, meta_addr, handle)
    entry = Entry(
        fs=fs,
        path=prefix + name,
        name=name,
        inode=meta_addr,
        sequence=int(tsk_name.meta_seq) if fs.fs_type == "NTFS" else None,
        name_type=NAME_TYPES.get(int(tsk_name.type), "unknown"),
        meta_type=None,
        name_allocated=not int(tsk_name.flags) & _NAME_UNALLOC,
        meta_allocated=None,
        name_problems=problems,
        file=handle,
    )
    if meta is not None:
        _fill_meta(entry, meta)
        if entry.is_ntfs:
            _apply_ntfs(entry, _pytsk_attrs(entry, handle))
    return entry


def _native_maker(fs: FileSystem) -> Callable[[tuple[Any, ...], str], Entry]:
    """An :class:`Entry` from one record of ``_tskcore.FileSystem.list_dir``, with what is
    fixed for the file system looked up once."""
    ntfs = fs.fs_type == "NTFS"
    names, metas = NAME_TYPES, META_TYPES

    def make(rec: tuple[Any, ...], prefix: str) -> Entry:
        raw_name, meta_addr, meta_seq, name_type, name_flags, meta, attrs = rec
        # The core hands over a str when the name is valid UTF-8 without control characters.
        name, problems = (raw_name, []) if type(raw_name) is str else decode_name(raw_name)
        if meta is None:
            return Entry(fs, prefix + name, name, meta_addr, meta_seq if ntfs else None,
                         names.get(name_type, "unknown"), None, not name_flags & _NAME_UNALLOC,
                         None, name_problems=problems)  # fmt: skip
        mtype, mflags, size, mode, uid, gid, times, fields, stamps = meta
        entry = Entry(fs, prefix + name, name, meta_addr, meta_seq if ntfs else None,
                      names.get(name_type, "unknown"), metas.get(mtype, "unknown"),
                      not name_flags & _NAME_UNALLOC, bool(mflags & _META_ALLOC), size, mode,
                      uid, gid, times, name_problems=problems, time_fields=fields,
                      body_stamps=stamps)  # fmt: skip
        if ntfs:
            _apply_ntfs(entry, attrs)
            _drop_unset(entry, attrs)
        return entry

    return make


def _drop_unset(entry: Entry, attrs: Any) -> None:
    """A $STANDARD_INFORMATION time of 0 means "not set": pytsk3's TSK (4.12+) reports
    it as 0, the system libtsk (4.11) wraps it to 2076-11-29. Follow the reference."""
    for kind, _, _, _, raw in attrs:
        if kind == _NTFS_SI and raw and len(raw) >= 32:
            for role, value in zip(_SI_ROLES, struct.unpack_from("<4Q", raw), strict=True):
                if value == 0:
                    entry.times.pop(role, None)
            return


def _open_meta(fs: FileSystem, addr: int, handle: Any) -> tuple[Any, Any]:
    try:
        opened = fs.fs.open_meta(inode=addr)
    except OSError:
        return handle, None
    return opened, opened.info.meta


def _fill_meta(entry: Entry, meta: Any) -> None:
    entry.meta_type = META_TYPES.get(int(meta.type), "unknown")
    entry.meta_allocated = bool(int(meta.flags) & _META_ALLOC)
    entry.size, entry.mode = int(meta.size), int(meta.mode)
    entry.uid, entry.gid = int(meta.uid), int(meta.gid)
    stamps = (meta.crtime, meta.crtime_nano, meta.mtime, meta.mtime_nano,
              meta.atime, meta.atime_nano, meta.ctime, meta.ctime_nano)  # fmt: skip
    _set_times(entry, stamps)


def _set_times(entry: Entry, stamps: Any) -> None:
    """``stamps``: crtime, its nanoseconds, mtime, ..., ctime, its nanoseconds."""
    roles = _SI_TSK_ROLES if entry.is_ntfs else _TSK_ROLES
    for i, role in enumerate(roles):
        seconds, nanos = stamps[2 * i], stamps[2 * i + 1]
        if seconds or nanos:
            entry.times[role] = (int(seconds), int(nanos))


def _pytsk_attrs(entry: Entry, handle: Any) -> list[tuple[int, int, bytes | None, int, Any]]:
    """Each attribute's type, id, name and size, with the raw bytes of the small ones
    :func:`_apply_ntfs` decodes (the native core gives the same tuples)."""
    found: list[tuple[int, int, bytes | None, int, Any]] = []
    for attr in handle:
        a = attr.info
        kind, ident, size = int(a.type), int(a.id), int(a.size)
        raw = None
        if kind == _NTFS_SEC and 0 < size <= 65536:
            raw = _read_attr(handle, kind, ident, size)
        elif kind in (_NTFS_SI, _NTFS_FN) and 0 < size <= 1024:
            raw = _read_attr(handle, kind, ident, size)
            if not raw.strip(b"\0") and entry.inode is not None:
                # Some system files ($MFT) read only through a handle opened by address.
                raw = _read_attr(_open_meta(entry.fs, entry.inode, handle)[0], kind, ident, size)
        found.append((kind, ident, a.name, size, raw))
    return found


def _apply_ntfs(entry: Entry, attrs: Any) -> None:
    """$STANDARD_INFORMATION raw times and owner, $FILE_NAME times, data streams."""
    file_names: list[tuple[int, int, bytes]] = []
    for kind, ident, attr_name, size, raw in attrs:
        if kind in (_NTFS_DATA, _NTFS_IDXROOT):
            name = decode_name(attr_name)[0] if attr_name else ""
            # As fls: the unnamed $DATA (files) or the $I30 index (directories) is the
            # entry's own content; other named data or index attributes are streams.
            if (kind == _NTFS_DATA and not name) or (kind == _NTFS_IDXROOT and name == "$I30"):
                entry.data_attribute = entry.data_attribute or f"{kind}-{ident}"
            elif name:
                entry.streams.append(Stream(name, kind, ident, size))
        elif raw is None:
            continue
        elif kind == _NTFS_SEC:
            entry.owner_sid = owner_sid(raw)
        elif kind in (_NTFS_SI, _NTFS_FN):
            if kind == _NTFS_SI:
                _parse_si(entry, raw)
            elif len(raw) >= 66:
                file_names.append((raw[65], ident, raw))
    if entry.owner_sid is None and entry.security_id is not None:
        entry.owner_sid = entry.fs.owners.get(entry.security_id)
    if file_names:
        # The Win32 / POSIX name carries the times Windows keeps; the DOS 8.3 name is a copy.
        file_names.sort(key=lambda item: item[0] == 2)
        _, ident, raw = file_names[0]
        entry.fn_attribute = (ident, len(raw))
        times = struct.unpack_from("<4Q", raw, 8)
        _check_utf16(entry, raw[66 : 66 + 2 * raw[64]])
        entry.filetimes.update({r: t for r, t in zip(_FN_ROLES, times, strict=True) if t})


def _check_utf16(entry: Entry, raw_name: bytes) -> None:
    """TSK replaces invalid UTF-16 in names with '^'; the $FILE_NAME bytes tell."""
    try:
        raw_name.decode("utf-16-le")
    except UnicodeDecodeError:
        entry.name_problems.append(f"name_invalid_utf16: $FILE_NAME bytes {raw_name.hex()}")


def _parse_si(entry: Entry, raw: bytes) -> None:
    if len(raw) < 32:
        return
    times = struct.unpack_from("<4Q", raw, 0)
    entry.filetimes.update({r: t for r, t in zip(_SI_ROLES, times, strict=True) if t})
    if len(raw) >= 56:
        entry.security_id = struct.unpack_from("<I", raw, 52)[0]


def _read_attr(handle: Any, kind: int, ident: int, size: int) -> bytes:
    try:
        data: bytes = handle.read_random(0, size, kind, ident)
    except OSError:
        return b""
    return data


def _name_problems(entry: Entry) -> Iterator[WalkProblem]:
    for text in entry.name_problems:
        code, message = text.split(": ", 1)
        yield WalkProblem(entry.partition, entry.inode, entry.path, code, message, "info")

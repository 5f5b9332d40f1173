"""What the walk yields: :class:`Entry` (one directory entry and its metadata),
:class:`Stream` (an NTFS named data stream) and :class:`WalkProblem`; TSK's type names
and letters; file-name decoding. The native core is told here how to make an
:class:`Entry` itself (:func:`register_entry`).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

import pytsk3

from evidencekit.sources.native import NativeFile, native_core
from evidencekit.sources.volumes import FileSystem

_TYPE_NAMES = {
    "REG": "file", "DIR": "dir", "LNK": "link", "FIFO": "fifo", "CHR": "chr", "BLK": "blk",
    "SOCK": "sock", "SHAD": "shadow", "WHT": "whiteout", "VIRT": "virtual",
    "VIRT_DIR": "virtual_dir", "UNDEF": "unknown",
}  # fmt: skip
META_TYPES = {
    int(getattr(pytsk3, f"TSK_FS_META_TYPE_{k}")): v
    for k, v in _TYPE_NAMES.items()
    if hasattr(pytsk3, f"TSK_FS_META_TYPE_{k}")
}
NAME_TYPES = {
    int(getattr(pytsk3, f"TSK_FS_NAME_TYPE_{k}")): v
    for k, v in _TYPE_NAMES.items()
    if hasattr(pytsk3, f"TSK_FS_NAME_TYPE_{k}")
}
TYPE_CHARS = {"file": "r", "dir": "d", "link": "l", "fifo": "p", "chr": "c", "blk": "b",
              "sock": "s", "shadow": "h", "whiteout": "w", "virtual": "v",
              "virtual_dir": "V"}  # fmt: skip
"""TSK's one-letter type (``ls``-style mode strings, the body file); others are '-'."""
_CONTROL = re.compile("[\x00-\x1f\x7f]")


@dataclass
class Stream:
    """A named data stream (NTFS ADS) of an entry."""

    name: str
    attr_type: int
    attr_id: int
    size: int


@dataclass(slots=True)
class Entry:
    """One directory entry and what the file system says about it.

    ``times`` holds TSK's (seconds, nanoseconds) per role.
    ``time_fields``, ``body_stamps`` and ``body_tail``, when the native core gave them
    (UTC file systems), are what :func:`evidencekit.case.image_events.entry_times`
    would compute from ``times``, the body file's seconds from those, and the body
    line after the name (``|inode|mode|uid|gid|size|atime|mtime|ctime|crtime``);
    None otherwise.
    """

    fs: FileSystem
    path: str
    name: str
    inode: int | None
    sequence: int | None
    name_type: str
    meta_type: str | None
    name_allocated: bool
    meta_allocated: bool | None
    size: int | None = None
    mode: int | None = None
    uid: int | None = None
    gid: int | None = None
    times: dict[str, tuple[int, int]] = field(default_factory=dict)
    filetimes: dict[str, int] = field(default_factory=dict)
    data_attribute: str | None = None
    fn_attribute: tuple[int, int] | None = None
    security_id: int | None = None
    owner_sid: str | None = None
    streams: list[Stream] = field(default_factory=list)
    name_problems: list[str] = field(default_factory=list)
    file: Any = None  # the pytsk3 File (reference path); natively made on first use
    time_fields: list[dict[str, Any]] | None = None
    body_stamps: tuple[int, int, int, int] | None = None
    body_tail: str | None = None

    @property
    def handle(self) -> Any:
        """What content is read through: the pytsk3 File, or a :class:`NativeFile`
        (made on first use: most entries are never read here)."""
        if self.file is None and self.fs.native is not None:
            self.file = NativeFile(self.fs.native, self.inode or 0)
        return self.file

    @property
    def deleted(self) -> bool:
        """The name is unallocated (deleted) or its metadata has been freed."""
        return not self.name_allocated or self.meta_allocated is False

    @property
    def partition(self) -> int:
        return self.fs.partition.slot

    @property
    def is_ntfs(self) -> bool:
        return self.fs.fs_type == "NTFS"


@dataclass(frozen=True)
class WalkProblem:
    """Something in the file system that could not be walked as expected."""

    partition: int
    inode: int | None
    path: str
    code: str
    message: str
    severity: str = "warning"


# The slots the native core writes when it makes an Entry itself (its F_ order).
_C_FIELDS = ("fs", "path", "name", "inode", "sequence", "name_type", "meta_type",
             "name_allocated", "meta_allocated", "size", "mode", "uid", "gid", "times",
             "filetimes", "data_attribute", "fn_attribute", "security_id", "owner_sid",
             "streams", "name_problems", "file", "time_fields", "body_stamps",
             "body_tail")  # fmt: skip
_TYPE_TABLE = 16  # TSK type values the core looks up; any other is "unknown"


def register_entry() -> bool:
    """Let the native core make :class:`Entry` objects (what ``make`` gives), if it can."""
    core = native_core()
    if core is None or set(_C_FIELDS) != set(Entry.__slots__):
        return False
    tables = [
        (*(types.get(i, "unknown") for i in range(_TYPE_TABLE)), "unknown")
        for types in (NAME_TYPES, META_TYPES)
    ]
    chars = ["".join(TYPE_CHARS.get(name, "-") for name in table) for table in tables]
    core.set_entry_type(Entry, _C_FIELDS, *tables, *chars)
    return True


def decode_name(raw: bytes) -> tuple[str, list[str]]:
    """A file name as text, and what was wrong with it (invalid encoding, control chars)."""
    problems: list[str] = []
    try:
        name = raw.decode("utf-8")
    except UnicodeDecodeError:
        name = raw.decode("utf-8", "replace")
        problems.append(f"name_invalid_encoding: raw bytes {raw.hex()}")
    if _CONTROL.search(name):
        problems.append(f"name_control_characters: raw bytes {raw.hex()}")
    return name, problems

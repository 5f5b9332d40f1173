"""File-system entries -> timeline events (one per timestamp role), inventory, body file.

Time semantics by file system:

* NTFS: ``$STANDARD_INFORMATION`` (``si_*``) and ``$FILE_NAME`` (``fn_*``) FILETIMEs,
  UTC, 100 ns; the FILETIME is kept as ``time_original``.
* FAT / exFAT / ISO 9660: the clock wrote local wall time. TSK turns it into seconds with the
  process's local zone; that is undone here and the wall time is placed in the zone
  the FAT clock ran in (``--tz``; default the case zone), which is recorded. Created
  time has 10 ms resolution (recorded as 1 s precision plus an attribute, never
  overstated), modified 2 s, accessed a date.
* ext2/3/4, HFS+, ISO 9660 and others: UTC seconds (+ nanoseconds on ext4).
"""

from __future__ import annotations

import os
import re
import time
from datetime import datetime
from functools import lru_cache
from typing import Any

from evidencekit.events.time import (
    FILETIME_EPOCH_OFFSET,
    TimeError,
    format_ns,
    from_local,
)
from evidencekit.model import Action, TimePrecision
from evidencekit.sources.content import ContentResult
from evidencekit.sources.walk import TYPE_CHARS, Entry, Stream

ACTIONS = {"crtime": Action.CREATE, "mtime": Action.MODIFY, "atime": Action.ACCESS,
           "ctime": Action.METADATA_CHANGE}  # fmt: skip
ADS_TYPE = 128  # NTFS $DATA: a named one is an alternate data stream
FAT_FS = ("FAT12", "FAT16", "FAT32", "exFAT")
# ISO 9660 records local time plus a GMT offset, but TSK ignores the offset (as it
# ignores exFAT's): for both, the wall clock is all we have, placed in the given zone.
LOCAL_TIME_FS = (*FAT_FS, "ISO9660")
_FAT_PRECISION = {"crtime": TimePrecision.S, "mtime": TimePrecision.S2, "atime": TimePrecision.DAY}
_BODY_UNSAFE = re.compile(r"[\x00-\x1f|\x7f]")


def utc_precision(fs_type: str) -> str | None:
    """The ``time_precision`` of a file system whose times are UTC seconds (+ nanoseconds),
    None for NTFS and the local-time ones (for :func:`evidencekit.sources.walk.walk`)."""
    if fs_type == "NTFS" or fs_type in LOCAL_TIME_FS:
        return None
    return (TimePrecision.NS if fs_type == "ext4" else TimePrecision.S).value


def entry_times(entry: Entry, zone: str) -> list[dict[str, Any]]:
    """The entry's timestamps as event time fields, one dict per role (not to be
    changed: they may be the entry's own ``time_fields``)."""
    if entry.time_fields is not None:
        return entry.time_fields  # made by the native core, as below
    if entry.is_ntfs:
        filetimes = dict(entry.filetimes)
        for role, (s, n) in entry.times.items():
            if role not in filetimes:
                # When $STANDARD_INFORMATION could not be read raw, TSK's values stand in.
                filetimes[role] = s * 10**7 + n // 100 + FILETIME_EPOCH_OFFSET
        return [_filetime(role, value) for role, value in sorted(filetimes.items())]
    if entry.fs.fs_type in LOCAL_TIME_FS:
        fat = entry.fs.fs_type in FAT_FS
        return [_wall_time(role, s, n, zone, fat) for role, (s, n) in sorted(entry.times.items())]
    precision = utc_precision(entry.fs.fs_type)
    return [
        {
            "time_role": role,
            "time": _utc_text(s, n),
            "time_original": f"{s}.{n:09d}",
            "time_offset": "Z",
            "time_precision": precision,
        }
        for role, (s, n) in sorted(entry.times.items())
    ]


@lru_cache(maxsize=1 << 16)
def _second_text(seconds: int) -> str:
    return format_ns(seconds * 10**9)[:19]


def _utc_text(seconds: int, nanos: int) -> str:
    """``format_ns`` for (seconds, nanoseconds); file systems repeat seconds a lot."""
    if not 0 <= nanos < 10**9:
        return format_ns(seconds * 10**9 + nanos)
    return f"{_second_text(seconds)}.{nanos:09d}Z"


def _filetime(role: str, value: int) -> dict[str, Any]:
    seconds, ticks = divmod(value - FILETIME_EPOCH_OFFSET, 10**7)
    try:
        second = _second_text(seconds)  # = from_filetime(value), cached by the second
    except TimeError:
        return {"time_role": role, "time_original": str(value), "flags": ["time_unparseable"]}
    return {"time_role": role, "time_original": str(value),
            "time": f"{second}.{ticks * 100:09d}Z", "time_offset": "Z",
            "time_precision": _NS100}  # fmt: skip


_NS100 = TimePrecision.NS100.value


def _wall_time(role: str, seconds: int, nanos: int, zone: str, fat: bool) -> dict[str, Any]:
    parts = _wall_parts(seconds, zone, _local_zone())
    if parts is None:
        return {"time_role": role, "time_original": str(seconds), "flags": ["time_unparseable"]}
    wall, original, utc_seconds, offset = parts
    if fat and role == "crtime":
        original += f".{nanos // 10**7:02d}"
    fields: dict[str, Any] = {"time_role": role, "time_original": original, "time_zone": zone}
    try:
        if utc_seconds is None:  # not placeable at a whole second: say why, as from_local
            fields["time"], fields["time_offset"] = from_local(wall, zone, nanos)
        else:  # = from_local(wall, zone, nanos)
            fields["time"], fields["time_offset"] = _utc_text(utc_seconds, nanos), offset
    except TimeError:
        fields["flags"] = ["time_unparseable"]
        return fields
    precision = _FAT_PRECISION.get(role, TimePrecision.S) if fat else TimePrecision.S
    fields["time_precision"] = precision.value
    return fields


def _local_zone() -> tuple[Any, ...]:
    """What ``datetime.fromtimestamp`` depends on (the process zone), for the cache key."""
    return os.environ.get("TZ"), time.timezone, time.altzone, time.tzname


@lru_cache(maxsize=1 << 16)
def _wall_parts(
    seconds: int, zone: str, local: tuple[Any, ...]
) -> tuple[datetime, str, int | None, str | None] | None:
    """The wall clock TSK's ``seconds`` stand for (None: no time), its text, and its UTC
    seconds and offset in ``zone`` (None, None when from_local refuses it). FAT clocks
    repeat (dates for accessed times, 2 s steps): each second is placed once. ``local``
    is only part of the key."""
    try:
        # TSK built these seconds with mktime() in this process's zone; localtime undoes it.
        wall = datetime.fromtimestamp(seconds)  # noqa: DTZ006 - deliberately the process zone
    except (OverflowError, OSError, ValueError):
        return None
    original = wall.strftime("%Y-%m-%d %H:%M:%S")
    try:
        text, offset = from_local(wall, zone, 0)
    except TimeError:
        return wall, original, None, None
    return wall, original, _epoch_seconds(text[:19]), offset


# How TSK found a deleted file's content: what a reader of "recovered" must know.
RECOVERY_BASIS = {
    "FAT12": "fat_contiguous_clusters_assumed", "FAT16": "fat_contiguous_clusters_assumed",
    "FAT32": "fat_contiguous_clusters_assumed", "exFAT": "fat_contiguous_clusters_assumed",
    "NTFS": "mft_runlist", "ext2": "inode_block_pointers", "ext3": "inode_block_pointers",
    "ext4": "inode_extents",
}  # fmt: skip


def entry_kind(entry: Entry) -> str:
    """``fs.file``, ``fs.dir``, ``fs.link`` ... from the metadata (or the name) type."""
    return "fs." + (entry.meta_type or entry.name_type)


def entry_flags(entry: Entry, content: ContentResult | None, markings: list[Any]) -> list[str]:
    """Flags shared by every event of the entry."""
    flags: list[str] = []
    if entry.deleted:
        flags.append("deleted")
        if entry.meta_type == "file" or entry.meta_type is None:
            recovered = content is not None and content.complete
            flags.append("recovered" if recovered else "unrecoverable")
    if markings:
        flags.append("marked")
    if any(s.attr_type == ADS_TYPE for s in entry.streams):
        flags.append("ads")
    if any(s.name.lower() == "zone.identifier" for s in entry.streams):
        flags.append("zone_identifier")
    if timestomp_suspected(entry):
        flags.append("timestomp_suspected")
    if entry.name_problems:
        flags.append("name_problem")
    return sorted(flags)


def timestomp_suspected(entry: Entry) -> bool:
    """$SI creation earlier than $FILE_NAME creation (the classic sign of a tool that
    rewrote $STANDARD_INFORMATION). Modified times are not compared: copy tools that
    keep the source's mtime (robocopy, unzip, ntfscp -t) put $SI mtime before $FN's."""
    si, fn = entry.filetimes.get("si_crtime", 0), entry.filetimes.get("fn_crtime", 0)
    return bool(si and fn and si < fn)


def mode_string(entry: Entry) -> str:
    """TSK's ``ls``-style mode (``r/rrw-r--r--``) for the body file."""
    return _mode_text(entry.name_type, entry.meta_type, entry.mode or 0)


@lru_cache(maxsize=4096)
def _mode_text(name_type: str, meta_type: str | None, mode: int) -> str:
    name_char = TYPE_CHARS.get(name_type, "-")
    meta_char = TYPE_CHARS.get(meta_type or "", "-")
    perms = "".join(ch if mode & (1 << (8 - i)) else "-" for i, ch in enumerate("rwxrwxrwx"))
    return f"{name_char}/{meta_char}{perms}"


def body_lines(
    entry: Entry, md5: str | None, prefix: str, times: list[dict[str, Any]]
) -> list[str]:
    """mactime body-file lines as ``fls -m`` writes them (TSK 3+ format): for NTFS a
    ``($FILE_NAME)`` line first, then the data line, then one line per named stream.
    ``times`` is what :func:`entry_times` gave for the entry."""
    name = prefix + _body_escape(entry.path)
    if entry.deleted:
        suffix = " (deleted)" if not entry.name_allocated else " (deleted-realloc)"
    else:
        suffix = ""
    if entry.body_tail is not None:  # made by the native core, as below
        return [f"{md5 or '0'}|{name}{suffix}{entry.body_tail}"]
    mode = mode_string(entry)
    if not entry.is_ntfs:  # one line, the entry's own
        stamps = entry.body_stamps or _stamps(times, "")
        return [_BODY_LINE % (md5 or "0", name, suffix, entry.inode or 0, mode, entry.uid or 0,
                              entry.gid or 0, entry.size or 0, *stamps)]  # fmt: skip
    return _ntfs_lines(entry, md5, name, suffix, mode, times)


def _ntfs_lines(
    entry: Entry, md5: str | None, name: str, suffix: str, mode: str, times: list[dict[str, Any]]
) -> list[str]:
    """:func:`body_lines` of an NTFS entry: $FILE_NAME, data, named streams."""
    seconds = {t["time_role"]: _epoch(t.get("time")) for t in times}
    addr = str(entry.inode or 0)
    owner = f"|{mode}|{entry.uid or 0}|{entry.gid or 0}|"
    si = "|".join([str(seconds.get("si_" + r, 0)) for r in _BODY_ROLES])
    lines = []
    if entry.fn_attribute:
        fn_id, fn_size = entry.fn_attribute
        fn = "|".join([str(seconds.get("fn_" + r, 0)) for r in _BODY_ROLES])
        lines.append(f"0|{name} ($FILE_NAME){suffix}|{addr}-48-{fn_id}{owner}{fn_size}|{fn}")
    if not (entry.data_attribute is None and entry.streams):
        inode = f"{addr}-{entry.data_attribute}" if entry.data_attribute else addr
        lines.append(f"{md5 or '0'}|{name}{suffix}|{inode}{owner}{entry.size or 0}|{si}")
    for st in entry.streams:
        label = f"{name}:{_body_escape(st.name)}{suffix}"
        lines.append(f"0|{label}|{addr}-{st.attr_type}-{st.attr_id}{owner}{st.size}|{si}")
    return lines


# digest|name|inode|mode|uid|gid|size|atime|mtime|ctime|crtime (ints as str() gives them)
_BODY_LINE = "%s|%s%s|%d|%s|%d|%d|%d|%d|%d|%d|%d"
_BODY_ROLES = ("atime", "mtime", "ctime", "crtime")


def _stamps(times: list[dict[str, Any]], pre: str) -> list[int]:
    """The body file's atime, mtime, ctime, crtime seconds (0: none) from event times."""
    seconds = {t["time_role"]: _epoch(t.get("time")) for t in times}
    return [seconds.get(pre + r, 0) for r in _BODY_ROLES]


def _epoch(text: str | None) -> int:
    """Whole seconds since 1970 of a canonical UTC time (no strptime: this is hot)."""
    if text is None:
        return 0
    return _epoch_seconds(text[:19])


@lru_cache(maxsize=1 << 16)
def _epoch_seconds(text: str) -> int:
    """:func:`_epoch` of ``YYYY-MM-DDTHH:MM:SS`` (file systems repeat seconds a lot)."""
    year, month, day = int(text[0:4]), int(text[5:7]), int(text[8:10])
    # Days from civil (H. Hinnant's algorithm), proleptic Gregorian.
    y = year - (month <= 2)
    era = y // 400
    yoe = y - era * 400
    doy = (153 * (month + (-3 if month > 2 else 9)) + 2) // 5 + day - 1
    days = era * 146097 + yoe * 365 + yoe // 4 - yoe // 100 + doy - 719468
    return days * 86400 + int(text[11:13]) * 3600 + int(text[14:16]) * 60 + int(text[17:19])


def _body_escape(text: str) -> str:
    """The body file is '|'-separated lines: control characters and '|' become '^'."""
    if not _BODY_UNSAFE.search(text):
        return text
    return "".join("^" if ord(c) < 32 or c in "|\x7f" else c for c in text)


def content_fields(result: ContentResult | None) -> dict[str, Any]:
    """Inventory fields for what reading a stream gave (hashes, type, markings, errors)."""
    if result is None:
        return {"content": "not_read"}
    data: dict[str, Any] = {"content": "complete" if result.complete else "incomplete",
                            "bytes_read": result.read}  # fmt: skip
    for key in ("md5", "sha1", "sha256", "mime", "error", "error_offset"):
        if getattr(result, key) is not None:
            data[key] = getattr(result, key)
    if result.scan is not None:
        data["scanned_as"] = result.scan.kind
        if result.scan.markings:
            data["markings"] = [m.as_dict() for m in result.scan.markings]
    if result.notes:
        data["notes"] = list(result.notes)
    return data


def event_attributes(entry: Entry, rec: dict[str, Any]) -> dict[str, Any]:
    """The ``attributes`` shared by every event of an entry (from its inventory record)."""
    attrs: dict[str, Any] = {
        "fs_type": entry.fs.fs_type, "name_allocated": entry.name_allocated,
        "meta_allocated": entry.meta_allocated, "meta_type": entry.meta_type,
        "uid": entry.uid, "gid": entry.gid, "security_id": entry.security_id,
        "owner_sid": entry.owner_sid,
        "markings": rec.get("markings"), "content": rec.get("content"),
    }  # fmt: skip
    if entry.fs.fs_type in LOCAL_TIME_FS:
        attrs["time_semantics"] = "local_wall_clock"
    if entry.fs.fs_type in FAT_FS:
        attrs["crtime_resolution"] = "10ms"
    if entry.deleted and rec.get("content") == "complete":
        attrs["recovery_basis"] = RECOVERY_BASIS.get(entry.fs.fs_type, "tsk_metadata")
    if rec.get("streams"):
        attrs["streams"] = [{k: s[k] for k in ("name", "size", "sha256", "zone_identifier")
                             if k in s} for s in rec["streams"]]  # fmt: skip
    return {k: v for k, v in attrs.items() if v is not None}


def untimed(entry: Entry) -> dict[str, Any]:
    """Time fields for an entry with no timestamp at all (e.g. a deleted name whose
    inode was cleared): one event, ``time_missing``, so the entry is not lost."""
    role = "deleted_name" if entry.deleted else "entry"
    action = Action.DELETE if entry.deleted else Action.OTHER
    return {"time_role": role, "action": action, "flags": ["time_missing"]}


def zone_identifier(entry: Entry, stream: Stream) -> dict[str, str]:
    """The ``key=value`` lines of a Zone.Identifier stream (ZoneId, HostUrl, ...)."""
    try:
        raw: bytes = entry.handle.read_random(0, stream.size, stream.attr_type, stream.attr_id)
    except OSError:
        return {}
    text = raw.decode("utf-8", "replace").replace("\x00", "")
    pairs = (line.split("=", 1) for line in text.splitlines() if "=" in line)
    return {k.strip(): v.strip() for k, v in pairs if k.strip().isidentifier()}

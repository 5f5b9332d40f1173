"""One image ingest run: walk every file system and write events, issues and outputs.

Used by :mod:`evidencekit.case.ingest_image`; kept apart so each part stays small.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

import orjson

from evidencekit.case.image_artifacts import ArtifactHook
from evidencekit.case.image_events import (
    ACTIONS,
    ADS_TYPE,
    body_lines,
    entry_flags,
    entry_kind,
    entry_times,
)
from evidencekit.case.store import BatchWriter
from evidencekit.model import Action, Locator, ParseIssue
from evidencekit.sources.content import ContentResult, read_content
from evidencekit.sources.image import DiskImage
from evidencekit.sources.markings import MarkingScanner
from evidencekit.sources.volumes import FileSystem, VolumeProblem, open_file_systems, read_layout
from evidencekit.sources.walk import Entry, Stream, WalkProblem, walk

PARSER, VERSION = "disk_image", "1"
_ZONE_ID_MAX = 64 << 10
_SKIP_STREAMS = {("$BadClus", "$Bad")}  # sparse, as large as the volume, never data


@dataclass
class RunCounts:
    """Totals for the summary."""

    entries: int = 0
    files: int = 0
    dirs: int = 0
    deleted: int = 0
    recovered: int = 0
    unrecoverable: int = 0
    marked: int = 0
    streams: int = 0
    failed: int = 0
    bytes_hashed: int = 0


@dataclass
class _Output:
    """A case output file written as ``.partial`` and renamed when the batch is kept."""

    final: Path
    fp: IO[bytes] = field(init=False)

    def __post_init__(self) -> None:
        self.partial = self.final.with_name(self.final.name + ".partial")
        self.fp = open(self.partial, "wb", buffering=1 << 20)  # noqa: SIM115

    def write(self, data: bytes) -> None:
        self.fp.write(data)


class ImageRun:
    """Walks an opened image and writes into one store batch and two output files."""

    def __init__(
        self,
        image: DiskImage,
        source_id: str,
        zone: str,
        scanner: MarkingScanner,
        hook: ArtifactHook,
        batch: BatchWriter,
        folder: Path,
    ) -> None:
        self.image, self.source_id, self.zone = image, source_id, zone
        self.scanner, self.hook, self.batch = scanner, hook, batch
        self.counts = RunCounts()
        self.problems: list[str] = []
        self.partitions: list[dict[str, Any]] = []
        self.file_systems: list[dict[str, Any]] = []
        self.layout_scheme: str | None = None
        self.stored_check: dict[str, str] = {}
        self.inventory = _Output(folder / f"{source_id}.inventory.jsonl")
        self.body = _Output(folder / f"{source_id}.body")
        self._multi = False
        self._tick: Callable[[str, int], None] = lambda kind, n: None

    def run(self, progress: Callable[[str, int], None] | None = None) -> None:
        """Walk every partition's file system; record what could not be read."""
        if progress is not None:
            self._tick = progress
        for name in self.image.segment_gaps():
            msg = f"EWF segment file {name} is missing; its media range reads as zeros"
            self.problems.append(msg)
            self._issue("ewf_segment_missing", msg, Locator(path=name), "error")
        layout = read_layout(self.image.img, self.image.media_size)
        self.layout_scheme, self._multi = layout.scheme, layout.scheme is not None
        self.partitions = [
            {"slot": p.slot, "start_sector": p.start_sector, "sectors": p.sectors,
             "description": p.description} for p in layout.partitions
        ]  # fmt: skip
        for item in open_file_systems(self.image.img, layout):
            if isinstance(item, VolumeProblem):
                self._volume_problem(item)
            else:
                self._walk_fs(item)
        self._read_errors()

    def _volume_problem(self, problem: VolumeProblem) -> None:
        part = problem.partition
        where = Locator(partition=part.slot, offset=str(part.offset), length=None)
        self.problems.append(f"partition {part.slot} at byte {part.offset}: {problem.message}")
        self._issue(problem.code, problem.message, where, "warning")

    def _walk_fs(self, fs: FileSystem) -> None:
        self.file_systems.append(
            {"partition": fs.partition.slot, "offset": str(fs.partition.offset),
             "fs_type": fs.fs_type, "block_size": fs.block_size,
             "block_count": str(fs.block_count)}
        )  # fmt: skip
        prefix = f"/p{fs.partition.slot}/" if self._multi else "/"
        end = fs.partition.offset + fs.block_count * fs.block_size
        if end > self.image.media_size:
            msg = (
                f"{fs.fs_type} declares {fs.block_count} blocks of {fs.block_size} bytes, "
                f"ending at byte {end}, but the image ends at {self.image.media_size}"
            )
            self.problems.append(f"partition {fs.partition.slot}: image truncated: {msg}")
            where = Locator(partition=fs.partition.slot, offset=str(self.image.media_size))
            self._issue("image_truncated", msg, where, "error")
        for item in walk(fs):
            if isinstance(item, WalkProblem):
                where = Locator(partition=item.partition, inode=_digits(item.inode),
                                path=item.path or None)  # fmt: skip
                self._issue(item.code, item.message, where, item.severity)
            else:
                self._entry(item, prefix)

    def _entry(self, entry: Entry, prefix: str) -> None:
        self.counts.entries += 1
        self._tick("entries", 1)
        content = self._content(entry, entry.path, None, entry.size)
        markings = content.scan.markings if content and content.scan else []
        streams = [self._stream(entry, s) for s in entry.streams]
        flags = entry_flags(entry, content, markings)
        self._count(entry, flags)
        record = self._inventory(entry, content, flags, streams)
        self.inventory.write(orjson.dumps(record, option=orjson.OPT_SORT_KEYS) + b"\n")
        for line in body_lines(entry, content.md5 if content else None, prefix, self.zone):
            self.body.write(line.encode("utf-8") + b"\n")
        self._events(entry, content, flags, record)

    def _count(self, entry: Entry, flags: list[str]) -> None:
        c = self.counts
        c.files += entry.meta_type == "file"
        c.dirs += entry.meta_type == "dir"
        c.deleted += "deleted" in flags
        c.recovered += "recovered" in flags
        c.unrecoverable += "unrecoverable" in flags
        c.marked += "marked" in flags

    def _content(
        self, entry: Entry, path: str, stream: Stream | None, size: int | None
    ) -> ContentResult | None:
        """Read a regular file's default stream (or a named stream) once."""
        if stream is None and (entry.meta_type != "file" or not entry.inode):
            return None
        if size is None or entry.handle is None:
            return None
        parser = self.hook.match(path) if self.hook.patterns else None
        spool = self.hook.spool() if parser else None
        attr = (stream.attr_type, stream.attr_id) if stream else None
        try:
            result = read_content(entry.handle, size, attr, self.scanner, spool)
        finally:
            if spool is not None:
                spool.close()
        self.counts.bytes_hashed += result.read
        self._tick("bytes", result.read)
        where = self._locator(entry, path, stream)
        if result.error and not entry.deleted:
            loc = where.model_copy(update={"offset": str(result.error_offset)})
            self._issue("content_unreadable", result.error, loc, "error")
        for problem in result.scan.problems if result.scan else []:
            self._issue(problem.split(":", 1)[0], problem, where, "warning")
        if parser and spool is not None:
            self._artifact(parser, Path(spool.name), where, result)
        return result

    def _artifact(self, parser: str, spool: Path, where: Locator, result: ContentResult) -> None:
        if not result.complete:
            spool.unlink(missing_ok=True)
            self._issue("artifact_incomplete", f"{parser}: content read short", where, "warning")
            return
        for item in self.hook.parse(parser, spool, where.model_dump(exclude_none=True)):
            if isinstance(item, ParseIssue):
                self.batch.add_issue(item)
            elif isinstance(item, dict):
                self.batch.add_content(item)
            else:
                self.batch.add_event(item)

    def _stream(self, entry: Entry, stream: Stream) -> dict[str, Any]:
        path = f"{entry.path}:{stream.name}"
        self.counts.streams += 1
        if (entry.name, stream.name) in _SKIP_STREAMS or stream.attr_type != ADS_TYPE:
            result = None
        else:
            result = self._content(entry, path, stream, stream.size)
        data: dict[str, Any] = {"name": stream.name, "path": path, "size": stream.size,
                                "attribute": f"{stream.attr_type}-{stream.attr_id}"}  # fmt: skip
        data.update(_content_fields(result))
        if stream.name.lower() == "zone.identifier" and stream.size <= _ZONE_ID_MAX:
            data["zone_identifier"] = _zone_identifier(entry, stream)
        return data

    def _inventory(
        self,
        entry: Entry,
        content: ContentResult | None,
        flags: list[str],
        streams: list[dict[str, Any]],
    ) -> dict[str, Any]:
        record: dict[str, Any] = {
            "partition": entry.partition, "fs_type": entry.fs.fs_type, "path": entry.path,
            "name": entry.name, "inode": _digits(entry.inode), "sequence": entry.sequence,
            "attribute": entry.data_attribute, "name_type": entry.name_type,
            "meta_type": entry.meta_type, "name_allocated": entry.name_allocated,
            "meta_allocated": entry.meta_allocated, "deleted": entry.deleted, "size": entry.size,
            "mode": oct(entry.mode) if entry.mode is not None else None, "uid": entry.uid,
            "gid": entry.gid, "security_id": entry.security_id, "flags": flags,
            "times": {t["time_role"]: t.get("time") for t in entry_times(entry, self.zone)},
        }  # fmt: skip
        record.update(_content_fields(content))
        if streams:
            record["streams"] = streams
        return {k: v for k, v in record.items() if v is not None}

    def _events(
        self, entry: Entry, content: ContentResult | None, flags: list[str], rec: dict[str, Any]
    ) -> None:
        obj = {k: v for k, v in (("kind", "file" if entry.meta_type == "file" else entry.meta_type),
               ("path", entry.path), ("name", entry.name), ("size", entry.size),
               ("md5", rec.get("md5")), ("sha1", rec.get("sha1")), ("sha256", rec.get("sha256")),
               ("mime", rec.get("mime"))) if v is not None}  # fmt: skip
        attrs = _event_attributes(entry, rec)
        locator = self._locator(entry, entry.path, None).model_dump(exclude_none=True)
        times = entry_times(entry, self.zone) or [_untimed(entry)]
        for fields in times:
            role = fields["time_role"]
            action = ACTIONS.get(role.rsplit("_", 1)[-1], Action.OTHER)
            extra = fields.pop("flags", [])
            content_dict: dict[str, Any] = {
                **fields, "action": str(fields.pop("action", action)), "kind": entry_kind(entry),
                "object": obj, "source": self.source_id, "locator": locator,
            }  # fmt: skip
            all_flags = sorted({*flags, *extra})
            if all_flags:
                content_dict["flags"] = all_flags
            if attrs:
                content_dict["attributes"] = attrs
            self.batch.add_content(content_dict)

    def _locator(self, entry: Entry, path: str, stream: Stream | None) -> Locator:
        attribute = f"{stream.attr_type}-{stream.attr_id}" if stream else entry.data_attribute
        return Locator(partition=entry.partition, inode=_digits(entry.inode),
                       sequence=entry.sequence, attribute=attribute, path=path)  # fmt: skip

    def _issue(self, code: str, message: str, where: Locator, severity: str) -> None:
        if severity == "error":
            self.counts.failed += 1
        self.batch.add_issue(ParseIssue(source=self.source_id, locator=where, parser=PARSER,
                                        parser_version=VERSION, code=code, message=message,
                                        severity=severity))  # fmt: skip

    def _read_errors(self) -> None:
        """Media ranges that could not be read (while hashing or walking), merged."""
        for err in self.image.unreadable_ranges():
            where = Locator(offset=str(err.offset), length=err.length)
            self._issue("media_unreadable", f"{err.reason}; read as zeros", where, "error")
            self.problems.append(f"media bytes {err.offset}+{err.length} unreadable: {err.reason}")

    def check_stored(self, computed: dict[str, str]) -> None:
        """Record, per algorithm, whether the stored EWF hash matches the media hash."""
        for algo, stored in sorted(self.image.stored_hashes.items()):
            ok = computed.get(algo) == stored
            self.stored_check[algo] = "match" if ok else "mismatch"
            if not ok:
                msg = f"stored {algo} {stored} != computed {computed.get(algo)} of the media"
                self.problems.append(msg)
                self._issue("acquisition_hash_mismatch", msg, Locator(offset="0"), "error")

    def publish(self) -> tuple[Path, Path]:
        """Close and rename the output files (the batch is being kept)."""
        for out in (self.inventory, self.body):
            out.fp.close()
            out.partial.replace(out.final)
        return self.inventory.final, self.body.final

    def discard_outputs(self) -> None:
        """Close and remove the unpublished outputs (the batch is being discarded)."""
        for out in (self.inventory, self.body):
            out.fp.close()
            out.partial.unlink(missing_ok=True)


def _content_fields(result: ContentResult | None) -> dict[str, Any]:
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


def _event_attributes(entry: Entry, rec: dict[str, Any]) -> dict[str, Any]:
    attrs: dict[str, Any] = {
        "fs_type": entry.fs.fs_type, "name_allocated": entry.name_allocated,
        "meta_allocated": entry.meta_allocated, "meta_type": entry.meta_type,
        "uid": entry.uid, "gid": entry.gid, "security_id": entry.security_id,
        "markings": rec.get("markings"), "content": rec.get("content"),
    }  # fmt: skip
    if entry.fs.fs_type.startswith(("FAT", "exFAT")):
        attrs["time_semantics"] = "local_wall_clock"
        attrs["crtime_resolution"] = "10ms"
    if rec.get("streams"):
        attrs["streams"] = [{k: s[k] for k in ("name", "size", "sha256", "zone_identifier")
                             if k in s} for s in rec["streams"]]  # fmt: skip
    return {k: v for k, v in attrs.items() if v is not None}


def _untimed(entry: Entry) -> dict[str, Any]:
    role = "deleted_name" if entry.deleted else "entry"
    action = Action.DELETE if entry.deleted else Action.OTHER
    return {"time_role": role, "action": action, "flags": ["time_missing"]}


def _zone_identifier(entry: Entry, stream: Stream) -> dict[str, str]:
    try:
        raw: bytes = entry.handle.read_random(0, stream.size, stream.attr_type, stream.attr_id)
    except OSError:
        return {}
    text = raw.decode("utf-8", "replace").replace("\x00", "")
    pairs = (line.split("=", 1) for line in text.splitlines() if "=" in line)
    return {k.strip(): v.strip() for k, v in pairs if k.strip().isidentifier()}


def _digits(value: int | None) -> str | None:
    return None if value is None else str(value)


def iter_lines(path: Path) -> Iterator[dict[str, Any]]:
    """Read back an inventory file."""
    with open(path, "rb") as fp:
        for line in fp:
            yield orjson.loads(line)

"""One image ingest run: walk every file system and write events, issues and outputs.

Used by :mod:`evidencekit.case.ingest_image`; kept apart so each part stays small.
"""

from __future__ import annotations

import hashlib
from collections import deque
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import orjson

from evidencekit.case.image_artifacts import ArtifactHook
from evidencekit.case.image_events import (
    ACTIONS,
    ADS_TYPE,
    body_lines,
    content_fields,
    entry_flags,
    entry_kind,
    entry_times,
    event_attributes,
    untimed,
    utc_precision,
    zone_identifier,
)
from evidencekit.case.image_reporting import (
    PARSER,
    VERSION,
    RunCounts,
    RunReporting,
    _digits,
    _Output,
)
from evidencekit.case.store import BatchWriter
from evidencekit.model import Action, Locator, ParseIssue
from evidencekit.sources.content import (
    ContentResult,
    classify,
    classify_native,
    finish_content,
    read_and_classify,
    read_content,
)
from evidencekit.sources.fat_records import FatRecords
from evidencekit.sources.image import DiskImage
from evidencekit.sources.markings import MarkingScanner
from evidencekit.sources.native import reader_name
from evidencekit.sources.records import RecordReader
from evidencekit.sources.volumes import FileSystem, VolumeProblem, open_file_systems, read_layout
from evidencekit.sources.walk import Entry, Stream, WalkProblem, walk

__all__ = ["PARSER", "VERSION", "ImageRun", "RunCounts"]

_ZONE_ID_MAX = 64 << 10
_SKIP_STREAMS = {("$BadClus", "$Bad")}  # sparse, as large as the volume, never data
# libmagic is slow (up to milliseconds a file) but runs without the GIL: entries wait
# in a short queue while worker threads classify them. The queue is bounded by count
# and by the bytes of content heads it holds, and is drained in order (deterministic).
_QUEUE_ENTRIES = 64
_QUEUE_BYTES = 64 << 20


@dataclass
class _Pending:
    entry: Entry
    prefix: str
    content: ContentResult | None
    mime: Future[str] | None
    streams: list[dict[str, Any]]
    artifact: tuple[str, Path] | None
    job: Future[tuple[ContentResult, str | None]] | None = None


class ImageRun(RunReporting):
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
        self.readers: dict[str, str] = {}  # partition -> TSK build (custody only)
        self.layout_scheme: str | None = None
        self.stored_check: dict[str, str] = {}
        self.inventory = _Output(folder / f"{source_id}.inventory.jsonl")
        self.body = _Output(folder / f"{source_id}.body")
        self._multi = False
        self._tick: Callable[[str, int], None] = lambda kind, n: None
        self._queue: deque[_Pending] = deque()
        self._queued_bytes = 0
        self._pool: ThreadPoolExecutor | None = None
        self._records: RecordReader | None = None
        self._mimes: dict[bytes, str] = {}  # libmagic's answers in this run, by digest
        self._fat: FatRecords | None = None

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
        with ThreadPoolExecutor(max_workers=2, thread_name_prefix="ek-magic") as pool:
            self._pool = pool
            for item in open_file_systems(self.image.img, layout, self.image.native):
                if isinstance(item, VolumeProblem):
                    self._volume_problem(item)
                else:
                    self._walk_fs(item)
                    self._drain(0)
        self._pool = None
        self._read_errors()

    def _walk_fs(self, fs: FileSystem) -> None:
        self.file_systems.append(
            {"partition": fs.partition.slot, "offset": str(fs.partition.offset),
             "fs_type": fs.fs_type, "block_size": fs.block_size,
             "block_count": str(fs.block_count)}
        )  # fmt: skip
        self.readers[str(fs.partition.slot)] = reader_name(fs.native is not None)
        prefix = f"/p{fs.partition.slot}/" if self._multi else "/"
        self._records = RecordReader(fs, self.image.read)
        self._fat = FatRecords.for_fs(fs, self.image.read)
        end = fs.partition.offset + fs.block_count * fs.block_size
        if end > self.image.media_size:
            msg = (
                f"{fs.fs_type} declares {fs.block_count} blocks of {fs.block_size} bytes, "
                f"ending at byte {end}, but the image ends at {self.image.media_size}"
            )
            self.problems.append(f"partition {fs.partition.slot}: image truncated: {msg}")
            where = Locator(partition=fs.partition.slot, offset=str(self.image.media_size))
            self._issue("image_truncated", msg, where, "error")
        for item in walk(fs, utc_precision(fs.fs_type)):
            if isinstance(item, WalkProblem):
                where = Locator(partition=item.partition, inode=_digits(item.inode),
                                path=item.path or None)  # fmt: skip
                self._issue(item.code, item.message, where, item.severity)
            else:
                self._entry(item, prefix)

    def _entry(self, entry: Entry, prefix: str) -> None:
        """Read the entry's content now (natively: on a worker) and classify it on a
        worker; finish it in order."""
        self.counts.entries += 1
        self._tick("entries", 1)
        if self._oversized(entry, entry.size, entry.path, None):
            job, content, artifact = None, None, None
        else:
            job = self._native_job(entry)
            content, artifact = self._content(entry) if job is None else (None, None)
        mime = None
        if content is not None and content.head and self._pool is not None:
            mime = self._pool.submit(classify, content.head, self._mimes)
            self._queued_bytes += len(content.head)
        streams = [self._stream(entry, s) for s in entry.streams]
        self._queue.append(_Pending(entry, prefix, content, mime, streams, artifact, job))
        self._drain(_QUEUE_ENTRIES)

    def _oversized(self, entry: Entry, size: int | None, path: str, stream: Stream | None) -> bool:
        """A stated size beyond the whole media is not read: a damaged or hostile entry
        would have the walk read zeros for hours (a sparse file that large is rare, and
        the issue says how to hash it separately)."""
        if size is None or size <= self.image.media_size or entry.meta_type != "file":
            return False
        message = (
            f"stated size {size} bytes exceeds the media size {self.image.media_size}; "
            "content not read or hashed (damaged or sparse entry: extract it with icat "
            "to hash it if needed)"
        )
        self._issue("content_size_implausible", message, self._locator(entry, path, stream),
                    "warning")  # fmt: skip
        return True

    def _native_job(self, entry: Entry) -> Future[tuple[ContentResult, str | None]] | None:
        """A worker reads, hashes and classifies a regular file through the native core
        (GIL released), unless an artifact parser wants its bytes spooled here."""
        image = self.image.native
        if image is None or entry.fs.native is None or self._pool is None:
            return None
        if entry.meta_type != "file" or not entry.inode or entry.size is None:
            return None
        if self.hook.patterns and self.hook.match(entry.path):
            return None
        keep = self.scanner.max_bytes
        self._queued_bytes += min(entry.size, keep)
        offset = entry.fs.partition.offset
        return self._pool.submit(
            classify_native, image, offset, entry.handle, entry.inode, entry.size, keep,
            self._mimes,
        )  # fmt: skip

    def _drain(self, keep: int) -> None:
        while self._queue and (len(self._queue) > keep or self._queued_bytes > _QUEUE_BYTES):
            self._finish(self._queue.popleft())

    def _finish(self, p: _Pending) -> None:
        entry, content, mime = p.entry, p.content, None
        if p.job is not None:
            content, mime = p.job.result()
            self._queued_bytes -= min(entry.size or 0, self.scanner.max_bytes) - len(content.head)
        elif p.mime is not None:
            mime = p.mime.result()
        where = None
        if content is not None:
            self._read_done(entry, entry.path, None, content)
            self._queued_bytes -= len(content.head)
            finish_content(content, entry.size or 0, mime, self.scanner)
            where = self._locator(entry, entry.path, None)
            for problem in content.scan.problems if content.scan else []:
                self._issue(problem.split(":", 1)[0], problem, where, "warning")
            if p.artifact is not None:
                self._artifact(p.artifact[0], p.artifact[1], where, content)
        markings = content.scan.markings if content and content.scan else []
        flags = entry_flags(entry, content, markings)
        self._count(entry, flags)
        times = entry_times(entry, self.zone)
        record = self._inventory(entry, content, flags, p.streams, times)
        real = entry.meta_type not in (None, "virtual", "virtual_dir")
        raw = (
            self._records.raw(entry.inode)
            if self._records and real and entry.inode is not None
            else None
        )
        if raw is not None:
            record["record_sha256"] = hashlib.sha256(raw).hexdigest()
        if self._fat is not None:  # FAT/exFAT: the directory-entry bytes (or why none)
            record.update(self._fat.fields(entry.inode, entry.meta_type))
        self.inventory.write(orjson.dumps(record, option=orjson.OPT_SORT_KEYS) + b"\n")
        lines = body_lines(entry, content.md5 if content else None, p.prefix, times)
        self.body.write("".join([line + "\n" for line in lines]).encode("utf-8"))
        self._events(entry, flags, record, times, where)

    def _count(self, entry: Entry, flags: list[str]) -> None:
        c = self.counts
        c.files += entry.meta_type == "file"
        c.dirs += entry.meta_type == "dir"
        c.deleted += "deleted" in flags
        c.recovered += "recovered" in flags
        c.unrecoverable += "unrecoverable" in flags
        c.marked += "marked" in flags

    def _content(self, entry: Entry) -> tuple[ContentResult | None, tuple[str, Path] | None]:
        """Read a regular file's default stream once (hashes, head; spooled if an
        artifact parser wants it)."""
        if entry.meta_type != "file" or not entry.inode or entry.size is None:
            return None, None
        parser = self.hook.match(entry.path) if self.hook.patterns else None
        spool = self.hook.spool() if parser else None
        try:
            result = read_content(entry.handle, entry.size, None, self.scanner.max_bytes, spool)
        finally:
            if spool is not None:
                spool.close()
        return result, (parser, Path(spool.name)) if parser and spool is not None else None

    def _read_done(self, entry: Entry, path: str, stream: Stream | None, r: ContentResult) -> None:
        self.counts.bytes_hashed += r.read
        self._tick("bytes", r.read)
        if r.error and not entry.deleted:
            where = self._locator(entry, path, stream)
            loc = where.model_copy(update={"offset": str(r.error_offset)})
            self._issue("content_unreadable", r.error, loc, "error")

    def _stream_content(self, entry: Entry, path: str, stream: Stream) -> ContentResult:
        """A named stream (NTFS ADS), read and classified here (streams are few)."""
        parser = self.hook.match(path) if self.hook.patterns else None
        spool = self.hook.spool() if parser else None
        attr = (stream.attr_type, stream.attr_id)
        try:
            result = read_and_classify(entry.handle, stream.size, attr, self.scanner, spool)
        finally:
            if spool is not None:
                spool.close()
        self._read_done(entry, path, stream, result)
        where = self._locator(entry, path, stream)
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
        self.counts.streams += stream.attr_type == ADS_TYPE
        skip = (entry.name, stream.name) in _SKIP_STREAMS or stream.attr_type != ADS_TYPE
        if skip or self._oversized(entry, stream.size, path, stream):
            result = None
        else:
            result = self._stream_content(entry, path, stream)
        data: dict[str, Any] = {"name": stream.name, "path": path, "size": stream.size,
                                "attribute": f"{stream.attr_type}-{stream.attr_id}"}  # fmt: skip
        data.update(content_fields(result))
        if stream.name.lower() == "zone.identifier" and stream.size <= _ZONE_ID_MAX:
            data["zone_identifier"] = zone_identifier(entry, stream)
        return data

    def _inventory(
        self,
        entry: Entry,
        content: ContentResult | None,
        flags: list[str],
        streams: list[dict[str, Any]],
        times: list[dict[str, Any]],
    ) -> dict[str, Any]:
        record: dict[str, Any] = {
            "partition": entry.partition, "fs_type": entry.fs.fs_type, "path": entry.path,
            "name": entry.name, "inode": _digits(entry.inode), "sequence": entry.sequence,
            "attribute": entry.data_attribute, "name_type": entry.name_type,
            "meta_type": entry.meta_type, "name_allocated": entry.name_allocated,
            "meta_allocated": entry.meta_allocated, "deleted": entry.deleted, "size": entry.size,
            "mode": oct(entry.mode) if entry.mode is not None else None, "uid": entry.uid,
            "gid": entry.gid, "security_id": entry.security_id, "owner_sid": entry.owner_sid,
            "flags": flags,
            "times": {t["time_role"]: t.get("time") for t in times},
        }  # fmt: skip
        record.update(content_fields(content))
        if streams:
            record["streams"] = streams
        return {k: v for k, v in record.items() if v is not None}

    def _events(
        self,
        entry: Entry,
        flags: list[str],
        rec: dict[str, Any],
        times: list[dict[str, Any]],
        where: Locator | None,
    ) -> None:
        """One event per time role (``where``: the entry's locator, if made already)."""
        obj = {k: v for k, v in (("kind", "file" if entry.meta_type == "file" else entry.meta_type),
               ("path", entry.path), ("name", entry.name), ("size", entry.size),
               ("md5", rec.get("md5")), ("sha1", rec.get("sha1")), ("sha256", rec.get("sha256")),
               ("mime", rec.get("mime"))) if v is not None}  # fmt: skip
        attrs = event_attributes(entry, rec)
        locator = (where or self._locator(entry, entry.path, None)).model_dump(exclude_none=True)
        if "record_offset" in rec and "record_extents" not in rec:
            locator.update(offset=rec["record_offset"], length=rec["record_length"])
        kind = entry_kind(entry)
        for fields in times or [untimed(entry)]:
            role = fields["time_role"]
            action = fields.get("action") or ACTIONS.get(role.rsplit("_", 1)[-1], Action.OTHER)
            if "flags" in fields or "action" in fields:
                content_dict = {k: v for k, v in fields.items() if k not in ("flags", "action")}
                all_flags = sorted({*flags, *fields.get("flags", ())})
            else:  # the common case: the entry's flags (sorted, each once) alone
                content_dict, all_flags = dict(fields), list(flags)
            content_dict.update(action=str(action), kind=kind, object=obj,
                                source=self.source_id, locator=locator)  # fmt: skip
            if "record_sha256" in rec:
                content_dict["raw_sha256"] = rec["record_sha256"]
            if all_flags:
                content_dict["flags"] = all_flags
            if attrs:
                content_dict["attributes"] = attrs
            self.batch.add_content(content_dict)

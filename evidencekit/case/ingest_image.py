"""Ingest a disk image into a case: hash, walk every file system, store, re-hash.

Steps: refuse a case folder inside the evidence folder; open the image read-only;
MD5+SHA-1+SHA-256 of the media in one pass (for EWF also compared with the hashes
stored in the container, and each segment file hashed); walk every file system
(deleted entries included), reading each regular file once for its hashes, libmagic
type and markings; run artifact parsers on in-image files their globs name; write
timeline events and parse issues as one store batch, the inventory
(``store/inventories/<source>.inventory.jsonl``) and the body file (``.body``); hash
the image again and refuse the batch if anything changed.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from evidencekit.case.image_artifacts import ArtifactHook
from evidencekit.case.image_walk import ImageRun, RunCounts
from evidencekit.case.ingest import source_id_for
from evidencekit.case.workspace import Case
from evidencekit.errors import EvidenceChanged, EvidenceKitError
from evidencekit.model import Source
from evidencekit.sources.guard import check_output
from evidencekit.sources.hashing import Hashes, hash_file, hash_files, sha256_file
from evidencekit.sources.image import DiskImage, open_image
from evidencekit.sources.markings import DEFAULT_MARKINGS, MarkingScanner
from evidencekit.sources.pathtext import path_text

PARSER = "disk_image"
VERSION = "1"
Progress = Callable[[str, int], None]


@dataclass(frozen=True)
class ImageIngestSummary:
    """What an image ingest produced (the CLI prints it)."""

    source: Source
    events: int
    issues: int
    counts: RunCounts
    inventory: Path
    body: Path
    problems: tuple[str, ...] = field(default_factory=tuple)

    @property
    def nothing_read(self) -> bool:
        """True when no file system entry at all could be read."""
        return self.counts.entries == 0


def ingest_image(
    case: Case,
    path: Path,
    time_zone: str | None = None,
    force: bool = False,
    markings: tuple[str, ...] | None = None,
    progress: Progress | None = None,
) -> ImageIngestSummary:
    """Ingest the image whose (first) segment is ``path``.

    Args:
        case: the open case.
        path: raw/dd image, first split segment (``.001``) or first EWF segment (``.E01``).
        time_zone: the zone FAT/exFAT clocks ran in (default: the case zone).
        force: allow the case folder inside the evidence folder.
        markings: marking terms (default :data:`DEFAULT_MARKINGS`).
        progress: ``progress(kind, n)`` with kind ``"bytes"`` or ``"entries"``.
    """
    check_output(case.root, [path], force=force)
    zone = time_zone or case.meta.time_zone
    try:
        ZoneInfo(zone)
    except (ZoneInfoNotFoundError, ValueError) as exc:
        raise EvidenceKitError(f"unknown time zone {zone!r} (use an IANA name)") from exc
    image = open_image(path)
    try:
        check_output(case.root, list(image.segments), force=force)
        image.chunk_check()  # alongside the media hash and the walk
        return _ingest(case, image, zone, force, markings or DEFAULT_MARKINGS, progress)
    finally:
        image.close()


def _ingest(
    case: Case,
    image: DiskImage,
    zone: str,
    force: bool,
    terms: tuple[str, ...],
    progress: Progress | None,
) -> ImageIngestSummary:
    tick = (lambda n: progress("bytes", n)) if progress else None
    before, segments = _hash_image(image, tick)
    source_id = source_id_for(before.sha256, PARSER)
    folder = case.root / "store" / "inventories"
    folder.mkdir(parents=True, exist_ok=True)
    hook = ArtifactHook(source_id, zone, list(image.segments), force)
    with case.store.batch(source_id) as batch:
        run = ImageRun(image, source_id, zone, MarkingScanner(terms=terms), hook, batch, folder)
        try:
            run.check_stored({"md5": before.md5, "sha1": before.sha1, "sha256": before.sha256})
            run.run(progress)
            after, segments_after = _hash_image(image, None)
            _check_unchanged(image, before, after, segments, segments_after)
        except BaseException:
            run.discard_outputs()
            raise
        finally:
            hook.close()
        inventory, body = run.publish()
        source = _source(image, source_id, before, after, segments, segments_after, zone, run)
        source = source.model_copy(update={"events": batch.events})
        record = batch.finish(source)
    _custody(case, image, source, record.events, record.issues, run, inventory, body)
    return ImageIngestSummary(
        source, record.events, record.issues, run.counts, inventory, body, tuple(run.problems)
    )


def _hash_image(
    image: DiskImage, tick: Callable[[int], None] | None
) -> tuple[Hashes, list[dict[str, Any]]]:
    """Media hashes, and per-segment file hashes for containers (EWF)."""
    if image.format == "ewf":
        media = image.hash_media(tick)
        segments = [
            {"name": path_text(p.name), "size": h.size, "sha256": h.sha256}
            for p, h in ((p, hash_file(p)) for p in image.segments)
        ]
        return media, segments
    media = hash_files(image.segments, tick)
    return media, [{"name": path_text(p.name), "size": p.stat().st_size} for p in image.segments]


def _check_unchanged(
    image: DiskImage,
    before: Hashes,
    after: Hashes,
    segments: list[dict[str, Any]],
    segments_after: list[dict[str, Any]],
) -> None:
    if after.sha256 != before.sha256 or segments != segments_after:
        raise EvidenceChanged(
            f"{image.path} changed while it was read: media SHA-256 {before.sha256} before, "
            f"{after.sha256} after; segments before {segments}, after {segments_after}"
        )


def _source(
    image: DiskImage,
    source_id: str,
    before: Hashes,
    after: Hashes,
    segments: list[dict[str, Any]],
    segments_after: list[dict[str, Any]],
    zone: str,
    run: ImageRun,
) -> Source:
    acquisition: dict[str, Any] = {
        "media_size": image.media_size,
        "volume_system": run.layout_scheme or "none",
        "partitions": run.partitions,
        "file_systems": run.file_systems,
    }
    if image.format == "ewf":
        acquisition["ewf_stored_hashes"] = image.stored_hashes
        acquisition["ewf_header"] = {_key(k): v for k, v in image.metadata.items()}
        acquisition["ewf_stored_hash_check"] = run.stored_check
    return Source(
        id=source_id,
        kind="disk_image",
        format=image.format,
        name=path_text(image.path.name),
        path=path_text(image.path),
        size=before.size,
        md5=before.md5,
        sha1=before.sha1,
        sha256=before.sha256,
        sha256_after=after.sha256,
        segments=tuple(
            {**s, "sha256_after": a.get("sha256")} if "sha256" in s else s
            for s, a in zip(segments, segments_after, strict=True)
        ),
        parser=PARSER,
        parser_version=VERSION,
        time_zone=zone,
        parameters={"fat_time_zone": zone, "markings": list(run.scanner.terms)},
        acquisition=acquisition,
        records_read=run.counts.entries + run.hook.records_read,
        records_failed=run.counts.failed + run.hook.records_failed,
    )


def _key(text: str) -> str:
    return "".join(c if c.isascii() and (c.isalnum() or c in "_.:-") else "_" for c in text)[:80]


def _custody(
    case: Case,
    image: DiskImage,
    source: Source,
    events: int,
    issues: int,
    run: ImageRun,
    inventory: Path,
    body: Path,
) -> None:
    rel_inv = inventory.relative_to(case.root).as_posix()
    rel_body = body.relative_to(case.root).as_posix()
    c = run.counts
    case.custody.append(
        "ingest",
        f"ingested disk image {path_text(image.path.name)} ({image.format})",
        evidence={
            path_text(image.path.name): source.sha256,
            rel_inv: sha256_file(inventory),
            rel_body: sha256_file(body),
        },
        details={
            "source_id": source.id,
            "events": events,
            "issues": issues,
            "entries": c.entries,
            "files": c.files,
            "deleted": c.deleted,
            "recovered": c.recovered,
            "marked": c.marked,
            "artifacts_parsed": run.hook.parsed,
            "file_system_readers": run.readers,
            "md5": source.md5,
            "sha1": source.sha1,
            "sha256_after": source.sha256_after,
        },
    )

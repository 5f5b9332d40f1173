"""Issue and problem reporting of an image ingest run, and its output files.

Split from :mod:`evidencekit.case.image_walk` (the per-entry work): the run's counts,
its ``.partial`` output files, and the :class:`RunReporting` base of ``ImageRun`` that
records issues, volume problems, unreadable media ranges, EWF chunk problems and the
stored-hash check, then publishes or discards the outputs.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import IO

from evidencekit.case.store import BatchWriter
from evidencekit.model import Locator, ParseIssue
from evidencekit.sources.image import DiskImage
from evidencekit.sources.volumes import VolumeProblem
from evidencekit.sources.walk import Entry, Stream

PARSER, VERSION = "disk_image", "1"


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


class RunReporting:
    """Records what an image run could not read and owns its output files; the
    attributes are set by ``ImageRun.__init__``."""

    image: DiskImage
    source_id: str
    batch: BatchWriter
    counts: RunCounts
    problems: list[str]
    stored_check: dict[str, str]
    inventory: _Output
    body: _Output

    def _volume_problem(self, problem: VolumeProblem) -> None:
        part = problem.partition
        where = Locator(partition=part.slot, offset=str(part.offset), length=None)
        self.problems.append(f"partition {part.slot} at byte {part.offset}: {problem.message}")
        self._issue(problem.code, problem.message, where, "warning")

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
        check = self.image.chunk_check()
        for bad in check.result().problems if check else []:
            self.counts.failed += bad.severity == "error"  # EWF chunks failing checksums
            self.problems.append(bad.message)
            self.batch.add_issue(bad.issue(self.source_id, PARSER, VERSION))
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


def _digits(value: int | None) -> str | None:
    return None if value is None else str(value)

"""Ingest a log, artifact or events file by its kind, the one way ``run`` and the library
facade do it: a compressed artifact or log is unpacked (bounded) first; the parser is
a mapping profile, a named format or recognised from the file's first bytes."""

from __future__ import annotations

from pathlib import Path

from evidencekit.case.compressed import compression_of, ingest_compressed
from evidencekit.case.detect import choose_parser
from evidencekit.case.ingest import IngestSummary, ingest_file
from evidencekit.case.workspace import Case
from evidencekit.parsers.logdetect import check_zone, log_time_zone


def ingest_by_kind(
    case: Case,
    path: Path,
    kind: str,
    format: str = "auto",
    mapping: Path | None = None,
    time_zone: str | None = None,
    force: bool = False,
) -> IngestSummary:
    """Ingest ``path`` as ``kind`` (log, artifact, events; ``auto`` only reaches here for
    a compressed file, which is taken as an artifact)."""
    if time_zone is not None:
        check_zone(time_zone)
    if kind in ("auto", "artifact", "log") and compression_of(path):
        parser, options = choose_parser(path, kind, format, mapping) if mapping else (None, {})
        name = parser or (None if format == "auto" else format)
        as_kind = "log" if kind == "log" else "artifact"
        return ingest_compressed(
            case, path, name, time_zone=time_zone, options=options, force=force, kind=as_kind
        )
    parser, options = choose_parser(path, kind, format, mapping)
    if kind == "log":  # the zone the parser reads in (UTC formats: UTC), as `ingest log` records
        time_zone = log_time_zone(parser, time_zone, options)
    return ingest_file(case, path, parser, time_zone=time_zone, options=options, force=force)

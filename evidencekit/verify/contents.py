"""Checks of what a package says: timeline, manifest agreement, custody log.

These read the metadata files of a bag; their integrity is checked separately
against the (signed) tag manifest, so a failure here means the package
contradicts itself even though its hashes may be consistent.
"""

from __future__ import annotations

from collections import Counter
from pathlib import Path
from typing import Any

from evidencekit.case.custody import CustodyLog
from evidencekit.errors import EvidenceKitError, ModelError, TimelineError
from evidencekit.package import bagit
from evidencekit.package.manifest import PackageManifest
from evidencekit.sources.hashing import sha256_file
from evidencekit.timeline.canonical import is_canonical, loads_strict
from evidencekit.timeline.seal import TimelineHead, read_head, verify_timeline
from evidencekit.verify.report import VerificationReport


def check_contents(
    bag: Path, report: VerificationReport, known: dict[str, str] | None = None
) -> None:
    """Add the timeline, agreement and custody checks for the bag at ``bag``.

    ``known`` maps tag files already hashed (and found matching) to their SHA-256, so
    large metadata files are not read twice.
    """
    meta = bag / "metadata"
    head = _check_timeline(meta, report)
    manifest = _read_manifest(meta, report)
    if manifest is not None and head is not None:
        report.add(
            "manifest agreement",
            _agreement(bag, manifest, head, known or {}),
            "manifest, timeline head, sources, parse issues and exhibits agree",
        )
    _check_custody(meta, report)


def _check_timeline(meta: Path, report: VerificationReport) -> TimelineHead | None:
    try:
        head = read_head(meta / "head.json")
        count = verify_timeline(meta / "timeline.jsonl", head)
    except (EvidenceKitError, ValueError, OSError) as exc:
        # named by its place in the package, not by where it was unpacked
        what = f"line {exc.line}: {exc.reason}" if isinstance(exc, TimelineError) else str(exc)
        report.add("timeline", [f"metadata/timeline.jsonl: {what}"], "chain and Merkle head")
        return None
    report.add(
        "timeline",
        [],
        f"{count} events; hash chain intact; Merkle root {head.merkle_root}; "
        f"chain head {head.chain_head}",
    )
    return head


def _read_manifest(meta: Path, report: VerificationReport) -> PackageManifest | None:
    try:
        return PackageManifest.from_bytes((meta / "manifest.json").read_bytes())
    except (EvidenceKitError, ValueError, OSError) as exc:
        report.add("manifest agreement", [f"metadata/manifest.json: {exc}"], "readable manifest")
        return None


def _agreement(
    bag: Path, manifest: PackageManifest, head: TimelineHead, known: dict[str, str]
) -> list[str]:
    problems: list[str] = []
    ref = manifest.timeline
    problems.extend(
        f"timeline {name}: manifest {getattr(ref, name)}, head {getattr(head, name)}"
        for name in ("version", "size", "merkle_root", "chain_head", "timeline_sha256")
        if getattr(ref, name) != getattr(head, name)
    )
    if sha256_file(bag / "metadata" / "head.json") != ref.head_sha256:
        problems.append("metadata/head.json differs from the one the manifest names")
    if manifest.counts.events != head.size:
        problems.append(f"event count: manifest {manifest.counts.events}, timeline {head.size}")
    if manifest.counts.events_per_source != head.sources:
        in_head = {
            k: v for k, v in head.sources.items() if manifest.counts.events_per_source.get(k) != v
        }
        problems.append(f"events per source differ from the timeline: {in_head}")
    problems.extend(_sources_agree(bag, manifest))
    problems.extend(_files_agree(bag, manifest, known))
    return problems


def _sources_agree(bag: Path, manifest: PackageManifest) -> list[str]:
    problems: list[str] = []
    sources = _jsonl(bag / "metadata" / "sources.jsonl", problems)
    issues = _jsonl(bag / "metadata" / "parse-issues.jsonl", problems)
    by_id = {str(s.get("id")): s for s in sources}
    per_source = Counter(str(i.get("source")) for i in issues)
    if sorted(by_id) != [s.id for s in manifest.sources]:
        problems.append("sources.jsonl and the manifest list different sources")
    for entry in manifest.sources:
        record = by_id.get(entry.id, {})
        problems.extend(
            f"source {entry.id} {name}: manifest {getattr(entry, name)}, "
            f"sources.jsonl {record.get(name)}"
            for name in ("sha256", "size", "records_read", "records_failed", "events")
            if record and record.get(name) != getattr(entry, name)
        )
        if per_source.get(entry.id, 0) != entry.parse_issues:
            problems.append(
                f"source {entry.id}: manifest says {entry.parse_issues} parse issues, "
                f"the log holds {per_source.get(entry.id, 0)}"
            )
    if sum(per_source.values()) != manifest.counts.parse_issues:
        problems.append("parse-issue total differs from the manifest")
    return problems


def _files_agree(bag: Path, manifest: PackageManifest, known: dict[str, str]) -> list[str]:
    problems = []
    for name, digest in sorted(manifest.files.items()):
        path = bag / name
        if bagit.path_problem(name) or not path.is_file():
            problems.append(f"{name}: named in the manifest but missing")
        elif (known.get(name) or sha256_file(path)) != digest:
            problems.append(f"{name}: differs from the hash in the manifest")
    listed = {}
    if (bag / bagit.MANIFEST).is_file():
        listed = bagit.parse_manifest((bag / bagit.MANIFEST).read_bytes(), bagit.MANIFEST, [])
    problems.extend(
        f"exhibit {e.path}: hash differs from manifest-sha256.txt"
        for e in manifest.exhibits
        if listed.get(e.path) != e.sha256
    )
    return problems


def _jsonl(path: Path, problems: list[str]) -> list[dict[str, Any]]:
    items: list[dict[str, Any]] = []
    if not path.is_file():
        problems.append(f"{path.name} is missing")
        return items
    with open(path, "rb") as fp:
        for number, line in enumerate(fp, start=1):
            raw = line.rstrip(b"\n")
            try:
                item = loads_strict(raw)
            except ModelError as exc:
                problems.append(f"{path.name} line {number}: {exc}")
                continue
            if not is_canonical(raw) or not isinstance(item, dict):
                problems.append(f"{path.name} line {number}: not a canonical JSON object")
                continue
            items.append(item)
    return items


def _check_custody(meta: Path, report: VerificationReport) -> None:
    path = meta / "custody.jsonl"
    try:
        entries = CustodyLog(path).entries() if path.is_file() else None
    except (EvidenceKitError, ValueError) as exc:
        report.add("custody log", [f"metadata/custody.jsonl: {exc}"], "hash-chained custody log")
        return
    if not entries:
        report.add("custody log", ["metadata/custody.jsonl is missing or empty"], "custody log")
        return
    problems = []
    packaging = [e for e in entries if e.action == "packaging"]
    manifest_sha = sha256_file(meta / "manifest.json") if (meta / "manifest.json").is_file() else ""
    if not packaging or packaging[-1].evidence.get("metadata/manifest.json") != manifest_sha:
        problems.append("the last packaging entry does not name this manifest's hash")
    report.add(
        "custody log",
        problems,
        f"{len(entries)} entries, chain intact, from {entries[0].action} at {entries[0].time}",
    )

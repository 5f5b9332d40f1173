"""Build a signed evidence package (a strict BagIt 1.0 bag) from a case folder.

Build order avoids circular hashes: payload -> metadata (timeline, sources, issues,
top-level manifest) -> custody entry -> custody log -> manifests -> tag manifest
-> signatures -> time stamp. The bag is built in ``<out>.partial`` and renamed
when complete. ``secret.key`` is never read here and never packaged.
"""

from __future__ import annotations

import os
import shutil
import unicodedata
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from evidencekit.case.custody import utc_now
from evidencekit.case.workspace import CASE_FILE, Case
from evidencekit.errors import CaseError
from evidencekit.model import Source
from evidencekit.package import bagit
from evidencekit.package.archive import write_archive
from evidencekit.package.bagit import SIGNATURES, TAGMANIFEST
from evidencekit.package.cades import add_signature_timestamp, signature_value
from evidencekit.package.manifest import (
    Counts,
    ExhibitEntry,
    PackageManifest,
    SourceEntry,
    TimelineRef,
    dependency_versions,
    tool_versions,
)
from evidencekit.package.signing import Signer
from evidencekit.package.timestamp import TSR_NAME, request_timestamp
from evidencekit.sources.guard import check_output
from evidencekit.sources.hashing import sha256_file
from evidencekit.timeline.canonical import dumps
from evidencekit.timeline.seal import HEAD_FILE, TIMELINE_FILE, read_head, verify_timeline

PROFILE_ID = "urn:evidencekit:bagit-profile:evidence-package:1"
#: Metadata files whose bytes are a function of the case inputs (listed in the manifest).
DETERMINISTIC = ("metadata/timeline.jsonl", "metadata/head.json", "metadata/sources.jsonl",
                 "metadata/parse-issues.jsonl", "metadata/case.json")  # fmt: skip


@dataclass(frozen=True)
class PackageOptions:
    """What to package and how to sign it."""

    out: Path
    signers: Sequence[Signer] = ()
    tsa_url: str | None = None
    exhibits: Sequence[Path] = ()
    timeline_version: int | None = None
    custodian: str | None = None
    archive: bool = False
    force: bool = False


@dataclass(frozen=True)
class PackageResult:
    """Where the package went and what binds it."""

    path: Path
    archive: Path | None
    manifest_sha256: str
    tagmanifest_sha256: str
    signature_files: tuple[str, ...]


def build_package(case: Case, options: PackageOptions) -> PackageResult:
    """Package ``case`` into ``options.out`` (a new folder) and sign it.

    Raises:
        CaseError: the output exists, no timeline is sealed, or the sealed timeline
            fails verification.
    """
    out = options.out.resolve()
    evidence = [*options.exhibits, *(Path(s.path) for s in case.store.sources())]
    check_output(out, evidence, force=options.force)
    partial = out.with_name(out.name + ".partial")
    if out.exists() or partial.exists():
        raise CaseError(f"{out} (or {partial.name}) exists; choose a new package folder")
    (partial / "data").mkdir(parents=True)
    (partial / "metadata").mkdir()
    recorded = False
    try:
        exhibits = _copy_exhibits(options.exhibits, partial)
        manifest = _write_metadata(case, partial, options, exhibits)
        manifest_sha = sha256_file(partial / "metadata" / "manifest.json")
        _record_custody(case, manifest, manifest_sha, out.name)
        recorded = True
        shutil.copyfile(case.custody.path, partial / "metadata" / "custody.jsonl")
        _write_bag_files(case, partial, manifest, options)
        tagmanifest = (partial / TAGMANIFEST).read_bytes()
        written = sign_into(partial, tagmanifest, options.signers, options.tsa_url)
    except BaseException as exc:
        shutil.rmtree(partial, ignore_errors=True)
        if recorded:  # the log is append-only: say that this package was never completed
            case.custody.append("note", f"package {out.name} was not completed: {exc}")
        raise
    partial.replace(out)
    archive = None
    if options.archive:
        archive = write_archive(out, out.with_name(out.name + ".tar"))
        case.custody.append(
            "export",
            f"package {out.name} written as one archive",
            evidence={archive.name: sha256_file(archive)},
        )
    return PackageResult(out, archive, manifest_sha, sha256_file(out / TAGMANIFEST), tuple(written))


def sign_into(
    bag: Path, tagmanifest: bytes, signers: Sequence[Signer], tsa_url: str | None
) -> list[str]:
    """Write each signer's signature under ``signatures/``; never overwrite a file.

    With ``tsa_url`` each CMS signature gets a time stamp over its signature value
    (CAdES-T), and the package one over the tag manifest (if it has none yet).
    Return the names written."""
    folder = bag / SIGNATURES
    folder.mkdir(exist_ok=True)
    files: dict[str, bytes] = {}
    for signer in signers:
        produced = signer.signature_files(tagmanifest)
        if files.keys() & produced.keys():
            raise CaseError(f"two signers are both named {signer.name!r}; rename one")
        files.update(produced)
    if tsa_url:
        for name in [n for n in files if n.endswith(".p7s")]:  # CAdES-BES -> CAdES-T
            stamp = request_timestamp(tsa_url, signature_value(files[name]))
            files[name] = add_signature_timestamp(files[name], stamp)
    if tsa_url and not (folder / TSR_NAME).exists():
        files[TSR_NAME] = request_timestamp(tsa_url, tagmanifest)
    for name in files:
        if (folder / name).exists():
            raise CaseError(f"{folder / name} exists; a signer of that name already signed")
    for name, data in files.items():
        with open(folder / name, "xb") as fp:
            fp.write(data)
    return sorted(files)


def _copy_exhibits(exhibits: Sequence[Path], bag: Path) -> list[ExhibitEntry]:
    entries: list[ExhibitEntry] = []
    if exhibits:
        (bag / "data" / "exhibits").mkdir()
    for number, source in enumerate(exhibits, start=1):
        if not source.is_file():
            raise CaseError(f"exhibit {source} is not a readable file")
        name = source.name
        rel = f"data/exhibits/E{number:04d}{_ascii_suffix(name)}"
        before = sha256_file(source)
        shutil.copyfile(source, bag / rel)
        after, copied = sha256_file(source), sha256_file(bag / rel)
        if not before == after == copied:
            raise CaseError(f"exhibit {source} changed while it was copied")
        entries.append(
            ExhibitEntry(
                path=rel,
                original_name=name,
                original_name_hex=os.fsencode(name).hex(),
                nfc_normalised=unicodedata.normalize("NFC", name) != name,
                size=(bag / rel).stat().st_size,
                sha256=copied,
            )
        )
    return entries


def _ascii_suffix(name: str) -> str:
    suffix = Path(name).suffix.lower()
    return suffix if suffix[1:].isascii() and suffix[1:].isalnum() and len(suffix) <= 9 else ""


def _write_metadata(
    case: Case, bag: Path, options: PackageOptions, exhibits: list[ExhibitEntry]
) -> PackageManifest:
    meta = bag / "metadata"
    tl_dir = case.timeline_dir(options.timeline_version)
    head = read_head(tl_dir / HEAD_FILE)
    shutil.copyfile(tl_dir / TIMELINE_FILE, meta / TIMELINE_FILE)
    shutil.copyfile(tl_dir / HEAD_FILE, meta / HEAD_FILE)
    verify_timeline(meta / TIMELINE_FILE, head)
    sources = sorted(case.store.sources(), key=lambda s: s.id)
    _write_lines(meta / "sources.jsonl", [s.model_dump(mode="json") for s in sources])
    issues = list(case.store.issue_dicts())
    _write_lines(meta / "parse-issues.jsonl", issues)
    shutil.copyfile(case.root / CASE_FILE, meta / "case.json")
    extra = _copy_optional(case.root, meta)
    entries = _source_entries(sources, issues)
    files = [*DETERMINISTIC, *extra]
    manifest = PackageManifest(
        case_id=case.meta.case_id,
        timeline=TimelineRef(
            head_sha256=sha256_file(meta / HEAD_FILE),
            **head.model_dump(
                include={"version", "size", "merkle_root", "chain_head", "timeline_sha256"}
            ),
        ),
        sources=entries,
        counts=_counts(entries, head.size),
        exhibits=exhibits,
        files=bagit.hash_files(bag, files),
        tool=tool_versions(),
        dependencies=dependency_versions(),
        parameters=_parameters(case, head.version, options),
    )
    (meta / "manifest.json").write_bytes(manifest.canonical_bytes() + b"\n")
    return manifest


_SOURCE_FIELDS = set(SourceEntry.model_fields) - {"parse_issues"}


def _source_entries(sources: list[Source], issues: list[dict[str, Any]]) -> list[SourceEntry]:
    per_source = Counter(str(i.get("source")) for i in issues)
    return [
        SourceEntry(parse_issues=per_source.get(s.id, 0), **s.model_dump(include=_SOURCE_FIELDS))
        for s in sources
    ]


def _counts(entries: list[SourceEntry], events: int) -> Counts:
    return Counts(
        sources=len(entries),
        events=events,
        parse_issues=sum(e.parse_issues for e in entries),
        records_read=sum(e.records_read for e in entries),
        records_failed=sum(e.records_failed for e in entries),
        events_per_source={e.id: e.events for e in entries},
        parse_issues_per_source={e.id: e.parse_issues for e in entries},
    )


def _parameters(case: Case, version: int, options: PackageOptions) -> dict[str, Any]:
    return {
        "timeline_version": version,
        "default_time_zone": case.meta.time_zone,
        "exhibits": len(options.exhibits),
        "hash_algorithm": "sha256",
        "profile": PROFILE_ID,
    }


def _write_lines(path: Path, items: list[dict[str, Any]]) -> None:
    """Canonical JSON lines in a deterministic order (sorted by their canonical bytes)."""
    lines = sorted(dumps(item) for item in items)
    path.write_bytes(b"".join(line + b"\n" for line in lines))


def _copy_optional(root: Path, meta: Path) -> list[str]:
    """Inventories, analysis results and the PDF report, when the case has them.

    Returns the deterministic ones (named with their hashes in the manifest); the PDF
    report carries its creation time and is covered by the tag manifest only.
    """
    copied: list[str] = []
    for source_dir, pattern, target, deterministic in (
        (root / "store" / "inventories", "**/*", "inventories", True),
        (root / "analysis", "*.json", "analysis", True),
        (root / "report", "*.pdf", "report", False),
    ):
        found = sorted(source_dir.glob(pattern)) if source_dir.is_dir() else []
        for path in found:
            if not path.is_file() or path.name.endswith(".partial"):
                continue
            rel = f"metadata/{target}/{path.relative_to(source_dir).as_posix()}"
            if path.is_symlink() or bagit.path_problem(rel):
                raise CaseError(f"{path}: cannot go into a package (link or unsafe name)")
            (meta.parent / rel).parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(path, meta.parent / rel)
            if deterministic:
                copied.append(rel)
    return copied


def _record_custody(case: Case, manifest: PackageManifest, manifest_sha: str, name: str) -> None:
    case.custody.append(
        "packaging",
        f"package {name} built from timeline version {manifest.timeline.version}",
        evidence={"metadata/manifest.json": manifest_sha},
        details={
            "merkle_root": manifest.timeline.merkle_root,
            "chain_head": manifest.timeline.chain_head,
            "events": manifest.counts.events,
        },
    )


def _readme(manifest: PackageManifest) -> bytes:
    """``data/README.txt``: what the package holds and how to check it with standard tools.

    Deterministic (no dates). It also keeps the payload from being empty, which
    ``sha256sum -c`` refuses ("no properly formatted checksum lines").
    """
    t = manifest.timeline
    lines = [
        f"Evidence package of case {manifest.case_id} (evidencekit {manifest.tool['version']})",
        f"Timeline version {t.version}: {t.size} events, Merkle root {t.merkle_root}",
        f"Exported exhibits in data/exhibits/: {len(manifest.exhibits)} "
        "(original names in metadata/manifest.json)",
        "",
        "Check it with standard tools; take trust anchors from outside this package:",
        "  openssl cms -verify -cades -binary -inform DER -in signatures/SIGNER.p7s \\",
        "      -content tagmanifest-sha256.txt -CAfile ROOT-CA.pem -no-CApath -no-CAstore \\",
        "      -out /dev/null    # -no-CA*: the system's CAs must not vouch (OpenSSL 3)",
        "  openssl pkeyutl -verify -pubin -inkey SIGNER-KEY.pub -rawin \\",
        "      -in tagmanifest-sha256.txt -sigfile signatures/SIGNER.ed25519.sig  # Ed25519",
        "  openssl ts -verify -data tagmanifest-sha256.txt \\",
        "      -in signatures/tagmanifest-sha256.txt.tsr -CAfile TSA-ROOT.pem",
        "  sha256sum --strict -c tagmanifest-sha256.txt",
        "  sha256sum --strict -c manifest-sha256.txt",
        "or: evidencekit verify PACKAGE --trust ROOT-CA.pem --tsa-root TSA-ROOT.pem",
    ]
    return ("\n".join(lines) + "\n").encode("utf-8")


def _write_bag_files(
    case: Case, bag: Path, manifest: PackageManifest, options: PackageOptions
) -> None:
    (bag / "data" / "README.txt").write_bytes(_readme(manifest))
    payload = sorted(
        p.relative_to(bag).as_posix() for p in (bag / "data").rglob("*") if p.is_file()
    )
    (bag / bagit.MANIFEST).write_bytes(bagit.manifest_bytes(bagit.hash_files(bag, payload)))
    (bag / "bagit.txt").write_bytes(bagit.BAGIT_TXT)
    (bag / "bag-info.txt").write_bytes(
        bagit.bag_info_bytes(_bag_info(case, bag, manifest, options, payload))
    )
    tags = sorted(
        p.relative_to(bag).as_posix()
        for p in bag.rglob("*")
        if p.is_file() and p.relative_to(bag).parts[0] not in ("data", SIGNATURES)
    )
    (bag / TAGMANIFEST).write_bytes(bagit.manifest_bytes(bagit.hash_files(bag, tags)))


def _bag_info(
    case: Case, bag: Path, manifest: PackageManifest, options: PackageOptions, payload: list[str]
) -> list[tuple[str, str]]:
    now = utc_now()
    fields = [
        ("BagIt-Profile-Identifier", PROFILE_ID),
        ("Source-Organization", case.meta.organisation or "unspecified"),
        ("Contact-Name", case.meta.examiner or "unspecified"),
        ("External-Identifier", case.meta.case_id),
        ("External-Description", case.meta.title or case.meta.case_id),
        ("Bagging-Date", now[:10]),
        ("EvidenceKit-Created", now),
        ("Payload-Oxum", bagit.payload_oxum(bag, payload)),
        ("Bag-Software-Agent", f"evidencekit {manifest.tool['version']}"),
        ("EvidenceKit-Timeline-Version", str(manifest.timeline.version)),
        ("EvidenceKit-Merkle-Root", manifest.timeline.merkle_root),
        (
            "EvidenceKit-Name-Normalisation",
            "NFC; names outside ASCII kept in metadata/manifest.json",
        ),
    ]
    if options.custodian:
        fields.append(("EvidenceKit-Custodian", options.custodian))
    fields.extend(("EvidenceKit-Dependency", f"{k} {v}") for k, v in manifest.dependencies.items())
    return fields

"""The single-file form of a package: a deterministic tar, and a safe extractor.

Members are written in sorted order with fixed times, owners and modes, so the
payload and manifest members are byte-identical for the same inputs. Extraction
never uses ``tarfile.extractall``: each member is checked (no traversal, absolute
path, link, device, duplicate, or name colliding by case or Unicode form), sizes
are bounded (decompression and size bombs), and short data is reported as a
truncated archive.
"""

from __future__ import annotations

import hashlib
import os
import tarfile
from dataclasses import dataclass
from pathlib import Path

from evidencekit.errors import EvidenceKitError
from evidencekit.package.bagit import collision_key, path_problem

_FIXED_MTIME = 0
_COPY = 8 << 20


class ArchiveError(EvidenceKitError):
    """An archive is damaged, truncated or holds a hostile entry."""


@dataclass(frozen=True)
class ExtractLimits:
    """Bounds on what an archive may expand to."""

    max_total: int = 1 << 40
    max_members: int = 1_000_000
    max_ratio: int = 200  # uncompressed / compressed size, for compressed archives


def write_archive(bag: Path, out: Path) -> Path:
    """Write ``bag`` as an uncompressed PAX tar at ``out``, members under ``<bag name>/``."""
    if out.exists():
        raise ArchiveError(f"{out} exists; refusing to overwrite")
    names = sorted(_walk(bag))
    tmp = out.with_name(out.name + ".partial")
    with tarfile.open(tmp, "w", format=tarfile.PAX_FORMAT) as tar:
        for rel in names:
            full = bag / rel if rel else bag
            info = tarfile.TarInfo(f"{bag.name}/{rel}".rstrip("/"))
            info.mtime, info.uid, info.gid, info.uname, info.gname = _FIXED_MTIME, 0, 0, "", ""
            if full.is_dir():
                info.type, info.mode = tarfile.DIRTYPE, 0o755
                tar.addfile(info)
                continue
            info.size, info.mode = full.stat().st_size, 0o644
            with open(full, "rb") as fp:
                tar.addfile(info, fp)
    with open(tmp, "rb") as fp:
        os.fsync(fp.fileno())
    tmp.replace(out)
    return out


def _walk(bag: Path) -> list[str]:
    found = [""]
    for folder, dirs, files in os.walk(bag):
        rel = Path(folder).relative_to(bag).as_posix()
        prefix = "" if rel == "." else f"{rel}/"
        found.extend(prefix + d for d in dirs)
        found.extend(prefix + f for f in files)
    return found


def safe_extract(
    archive: Path,
    dest: Path,
    limits: ExtractLimits | None = None,
    payload_digests: dict[str, str] | None = None,
) -> Path:
    """Extract ``archive`` into the empty folder ``dest``; return the bag folder inside.

    With ``payload_digests`` (a dict to fill), payload files (``<top>/data/...``) are not
    written: they are hashed while read and stand on disk as sparse placeholders of the
    right size, and the dict maps their bag-relative paths to their SHA-256. A large
    archive is then read once and needs no room for a second copy of its payload.

    Raises:
        ArchiveError: naming the first hostile entry, or saying the archive is truncated.
    """
    limits = limits or ExtractLimits()
    compressed = _is_compressed(archive)
    budget = limits.max_total
    if compressed:
        budget = min(budget, max(archive.stat().st_size, 1) * limits.max_ratio)
    dest.mkdir(parents=True, exist_ok=True)
    seen: dict[str, str] = {}
    total = 0
    tops: set[str] = set()
    try:
        with tarfile.open(archive, "r:*") as tar:
            count = 0
            while (member := tar.next()) is not None:
                count += 1
                if count > limits.max_members:
                    raise ArchiveError(f"more than {limits.max_members} members (archive bomb)")
                _check_member(member, seen)
                tops.add(member.name.split("/", 1)[0])
                total += member.size
                if total > budget:
                    raise ArchiveError(
                        f"expands beyond {budget} bytes (decompression or size bomb)"
                    )
                _extract_one(tar, member, dest, payload_digests)
            end = tar.offset
    except (tarfile.TarError, EOFError, OSError) as exc:
        raise ArchiveError(f"{archive}: archive is truncated or corrupt: {exc}") from exc
    if not compressed:
        _check_end_marker(archive, end)
    if len(tops) != 1:
        raise ArchiveError(f"{archive}: must hold exactly one top folder, found {sorted(tops)}")
    return dest / tops.pop()


def _is_compressed(archive: Path) -> bool:
    with open(archive, "rb") as fp:
        head = fp.read(6)
    return head.startswith((b"\x1f\x8b", b"BZh", b"\xfd7zXZ\x00"))


def _check_end_marker(archive: Path, offset: int) -> None:
    """An uncompressed tar ends with two zero blocks; without them it was cut short."""
    with open(archive, "rb") as fp:
        fp.seek(offset)
        tail = fp.read(1024)
    if len(tail) < 1024 or tail.strip(b"\x00"):
        raise ArchiveError(f"{archive}: archive is truncated (no end-of-archive marker)")


def _check_member(member: tarfile.TarInfo, seen: dict[str, str]) -> None:
    name = member.name
    if member.issym() or member.islnk():
        raise ArchiveError(f"{name!r}: links are not allowed in a package")
    if not (member.isfile() or member.isdir()):
        raise ArchiveError(f"{name!r}: device, FIFO or special file is not allowed")
    why = path_problem(name.rstrip("/") if member.isdir() else name)
    if why:
        raise ArchiveError(f"{name!r}: {why}")
    key = collision_key(name.rstrip("/"))
    if key in seen:
        other = seen[key]
        what = "duplicate entry" if other == name.rstrip("/") else f"collides with {other!r}"
        raise ArchiveError(f"{name!r}: {what} (names differing only by case or Unicode form)")
    seen[key] = name.rstrip("/")


def _extract_one(
    tar: tarfile.TarFile, member: tarfile.TarInfo, dest: Path, digests: dict[str, str] | None
) -> None:
    target = dest / member.name
    if member.isdir():
        target.mkdir(parents=True, exist_ok=True)
        return
    target.parent.mkdir(parents=True, exist_ok=True)
    source = tar.extractfile(member)
    if source is None:
        raise ArchiveError(f"{member.name!r}: cannot be read")
    relative = member.name.split("/", 1)[-1]
    hash_only = digests is not None and relative.startswith("data/")
    digest = hashlib.sha256()
    left = member.size
    with open(target, "xb") as out:
        while left > 0:
            chunk = source.read(min(_COPY, left))
            if not chunk:
                raise ArchiveError(f"{member.name!r}: archive is truncated (data ends early)")
            if hash_only:
                digest.update(chunk)
            else:
                out.write(chunk)
            left -= len(chunk)
        if hash_only:
            out.truncate(member.size)  # sparse: right size for Payload-Oxum, no data
    if digests is not None and hash_only:
        digests[relative] = digest.hexdigest()

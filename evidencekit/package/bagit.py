"""A small, strict BagIt 1.0 (RFC 8493) writer and validator, SHA-256 only.

Strict where bagit-python is lenient (see PACKAGING.md): LF-only UTF-8 tag files
without BOM, exactly one manifest set, every file outside ``data/`` and the
``signatures/`` allow-list covered by the tag manifest, duplicate entries refused,
``%``/CR/LF percent-encoded in paths, names that are not NFC or that collide by
case or Unicode form refused, and every problem collected rather than the first.
"""

from __future__ import annotations

import os
import re
import unicodedata
from collections.abc import Callable, Iterable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

from evidencekit.sources.hashing import sha256_file

BAGIT_TXT = b"BagIt-Version: 1.0\nTag-File-Character-Encoding: UTF-8\n"
MANIFEST = "manifest-sha256.txt"
TAGMANIFEST = "tagmanifest-sha256.txt"
SIGNATURES = "signatures"
_LINE = re.compile(r"^([0-9a-f]{64})[ \t]+\*?(.+)$")
_SIGNATURE_NAME = re.compile(
    r"^(?:[A-Za-z0-9][A-Za-z0-9._-]{0,80}\.(?:p7s|ed25519\.sig|ed25519\.pub)"
    r"|tagmanifest-sha256\.txt\.tsr)$"
)


def encode_path(path: str) -> str:
    """Percent-encode ``%``, CR and LF as RFC 8493 section 2.1.3 requires."""
    return path.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def decode_path(text: str) -> str:
    """Undo :func:`encode_path` (only the three encodings the RFC defines)."""
    return re.sub(
        r"%(25|0D|0A|0d|0a)", lambda m: {"25": "%", "0D": "\r", "0A": "\n"}[m[1].upper()], text
    )


def path_problem(path: str) -> str | None:
    """Why ``path`` may not appear in a bag (traversal, absolute, odd form), or None."""
    if not path or path.startswith(("/", "~")) or "\\" in path or "\x00" in path:
        return "absolute, home-relative or malformed path"
    if re.match(r"^[A-Za-z]:", path):
        return "drive-letter path"
    parts = path.split("/")
    if any(p in ("", ".", "..") for p in parts):
        return "path with '.', '..' or an empty component"
    if unicodedata.normalize("NFC", path) != path:
        return "name not in Unicode NFC form"
    return None


def collision_key(path: str) -> str:
    """Two names with the same key collide on case-insensitive or normalising systems."""
    return unicodedata.normalize("NFC", path).casefold()


def hash_files(root: Path, names: Iterable[str], workers: int | None = None) -> dict[str, str]:
    """SHA-256 of many files under ``root`` in parallel threads; name -> hex digest."""
    ordered = sorted(set(names))
    workers = workers or max(1, min(8, os.cpu_count() or 2, len(ordered)))
    with ThreadPoolExecutor(max_workers=workers) as pool:
        digests = pool.map(lambda n: sha256_file(root / n), ordered)
        return dict(zip(ordered, digests, strict=True))


def manifest_bytes(digests: dict[str, str]) -> bytes:
    """Manifest text in ``sha256sum`` form, sorted by path, LF line endings."""
    lines = [f"{digests[n]}  {encode_path(n)}\n" for n in sorted(digests)]
    return "".join(lines).encode("utf-8")


def bag_info_bytes(fields: list[tuple[str, str]]) -> bytes:
    """``bag-info.txt`` from ordered (label, value) pairs; values kept on one line."""
    out = []
    for label, value in fields:
        if not re.fullmatch(r"[A-Za-z0-9][A-Za-z0-9-]*", label):
            raise ValueError(f"bad bag-info label {label!r}")
        clean = " ".join(value.split())
        out.append(f"{label}: {clean}\n")
    return "".join(out).encode("utf-8")


def payload_oxum(root: Path, names: Iterable[str]) -> str:
    """``Payload-Oxum`` (octets.streamcount) of the payload files."""
    listed = list(names)
    return f"{sum((root / n).stat().st_size for n in listed)}.{len(listed)}"


@dataclass
class BagProblems:
    """Every problem found in a bag, grouped by the check that found it."""

    declaration: list[str] = field(default_factory=list)
    payload: list[str] = field(default_factory=list)
    tags: list[str] = field(default_factory=list)
    signatures_dir: list[str] = field(default_factory=list)
    payload_count: int = 0
    tag_count: int = 0
    tag_digests: dict[str, str] = field(default_factory=dict)


def read_text_file(data: bytes, name: str, problems: list[str]) -> str | None:
    """Decode a tag file strictly: UTF-8, no BOM, LF only; record why not."""
    if data.startswith(b"\xef\xbb\xbf"):
        problems.append(f"{name}: starts with a byte-order mark")
    if b"\r" in data:
        problems.append(f"{name}: CR/CRLF line endings (the file was converted; hashes break)")
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        problems.append(f"{name}: not UTF-8 at byte {exc.start}")
        return None


def parse_manifest(data: bytes, name: str, problems: list[str]) -> dict[str, str]:
    """Entries of a manifest (path -> digest); bad lines, unsafe paths and duplicates recorded."""
    text = read_text_file(data, name, problems)
    entries: dict[str, str] = {}
    if text is None:
        return entries
    if text and not text.endswith("\n"):
        problems.append(f"{name}: last line has no newline")
    seen: dict[str, str] = {}
    for number, line in enumerate(text.rstrip("\r\n").split("\n") if text else [], start=1):
        match = _LINE.match(line.rstrip("\r"))
        if not match:
            problems.append(f"{name} line {number}: not '<sha256>  <path>'")
            continue
        digest, path = match[1], decode_path(match[2])
        why = path_problem(path)
        if why:
            problems.append(f"{name} line {number}: {why}: {path!r}")
            continue
        key = collision_key(path)
        if key in seen:
            what = "listed twice" if seen[key] == path else f"collides with {seen[key]!r}"
            problems.append(f"{name} line {number}: {path!r} {what}")
            continue
        seen[key] = path
        entries[path] = digest
    return entries


def list_files(root: Path, problems: list[str]) -> list[str]:
    """Every regular file under ``root`` (relative, '/'-separated); links and others recorded."""
    found: list[str] = []
    for folder, dirs, files in os.walk(root, followlinks=False):
        rel_dir = Path(folder).relative_to(root).as_posix()
        for name in sorted(dirs + files):
            rel = name if rel_dir == "." else f"{rel_dir}/{name}"
            full = Path(folder) / name
            if full.is_symlink():
                problems.append(f"{rel}: symbolic link in the bag")
            elif name in files and not full.is_file():
                problems.append(f"{rel}: not a regular file")
            elif name in files:
                found.append(rel)
        dirs[:] = [d for d in dirs if not (Path(folder) / d).is_symlink()]
    return sorted(found)


def check_bag(
    root: Path, hasher: Callable[[Path, list[str]], dict[str, str]] = hash_files
) -> BagProblems:
    """Validate the bag at ``root`` strictly; every problem is collected, none raised."""
    result = BagProblems()
    on_disk = list_files(root, result.declaration)
    _check_names(on_disk, result.declaration)
    _check_declaration(root, result.declaration)
    payload = [n for n in on_disk if n.startswith("data/")]
    signatures = [n for n in on_disk if n.startswith(f"{SIGNATURES}/")]
    tags = [n for n in on_disk if n not in payload and n not in signatures and n != TAGMANIFEST]
    for name in signatures:
        if not _SIGNATURE_NAME.fullmatch(name[len(SIGNATURES) + 1 :]):
            result.signatures_dir.append(f"{name}: not an allowed signature file name")
    others = [n for n in on_disk if n.startswith(("tagmanifest-", "manifest-"))]
    for name in others:
        if name not in (MANIFEST, TAGMANIFEST):
            result.declaration.append(f"{name}: a second manifest set (only SHA-256 is allowed)")
    result.payload_count = len(payload)
    result.tag_count = len(tags)
    _check_manifest(root, MANIFEST, payload, result.payload, hasher)
    result.tag_digests = _check_manifest(root, TAGMANIFEST, tags, result.tags, hasher)
    _check_oxum(root, payload, result.payload)
    return result


def _check_names(names: list[str], problems: list[str]) -> None:
    seen: dict[str, str] = {}
    for name in names:
        why = path_problem(name)
        if why:
            problems.append(f"{name!r}: {why}")
        key = collision_key(name)
        if key in seen:
            problems.append(f"{name!r} and {seen[key]!r} differ only by case or Unicode form")
        seen[key] = name


def _check_declaration(root: Path, problems: list[str]) -> None:
    path = root / "bagit.txt"
    if not path.is_file():
        problems.append("bagit.txt is missing")
    elif path.read_bytes() != BAGIT_TXT:
        read_text_file(path.read_bytes(), "bagit.txt", problems)
        problems.append("bagit.txt is not the BagIt 1.0 UTF-8 declaration")
    if not (root / "data").is_dir():
        problems.append("data/ folder is missing")


def _check_manifest(
    root: Path,
    manifest: str,
    present: list[str],
    problems: list[str],
    hasher: Callable[[Path, list[str]], dict[str, str]],
) -> dict[str, str]:
    path = root / manifest
    if not path.is_file():
        problems.append(f"{manifest} is missing")
        return {}
    listed = parse_manifest(path.read_bytes(), manifest, problems)
    if manifest == TAGMANIFEST:
        bad = [n for n in listed if n.startswith(("data/", f"{SIGNATURES}/"))]
        problems.extend(f"{manifest}: lists {n}, which it must not cover" for n in bad)
    elif any(not n.startswith("data/") for n in listed):
        problems.append(f"{manifest}: lists files outside data/")
    present_set = set(present)
    missing = sorted(n for n in listed if n not in present_set and not n.startswith(SIGNATURES))
    extra = sorted(present_set - set(listed))
    problems.extend(f"{n}: listed in {manifest} but missing" for n in missing)
    problems.extend(f"{n}: present but not listed in {manifest} (added file)" for n in extra)
    actual = hasher(root, [n for n in listed if n in present_set])
    for name, digest in sorted(actual.items()):
        if digest != listed[name]:
            problems.append(f"{name}: SHA-256 {digest} does not match {manifest} ({listed[name]})")
    return {n: d for n, d in listed.items() if actual.get(n) == d}


def _check_oxum(root: Path, payload: list[str], problems: list[str]) -> None:
    info = root / "bag-info.txt"
    if not info.is_file():
        problems.append("bag-info.txt is missing")
        return
    fields = parse_bag_info(info.read_bytes(), problems)
    oxum = [v for k, v in fields if k == "Payload-Oxum"]
    if len(oxum) != 1:
        problems.append("bag-info.txt: needs exactly one Payload-Oxum")
    elif oxum[0] != payload_oxum(root, payload):
        problems.append(
            f"bag-info.txt: Payload-Oxum {oxum[0]} does not match the payload "
            f"({payload_oxum(root, payload)})"
        )


def parse_bag_info(data: bytes, problems: list[str]) -> list[tuple[str, str]]:
    """Labels and values of ``bag-info.txt`` (continuation lines folded in)."""
    text = read_text_file(data, "bag-info.txt", problems) or ""
    fields: list[tuple[str, str]] = []
    for number, line in enumerate(text.splitlines(), start=1):
        if line[:1] in (" ", "\t") and fields:
            label, value = fields[-1]
            fields[-1] = (label, f"{value} {line.strip()}")
            continue
        label, sep, value = line.partition(":")
        if not sep or not label or label != label.strip():
            problems.append(f"bag-info.txt line {number}: not 'Label: value'")
            continue
        fields.append((label, value.strip()))
    return fields

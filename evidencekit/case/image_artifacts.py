"""Artifacts inside an image: run registered parsers on the files their globs name.

A parser class may declare ``image_globs`` (case-insensitive patterns on the path in
the image, ``*`` and ``?`` not crossing ``/``; a named stream is ``path:stream``).
Matching content is spooled to a private temporary file outside every evidence
folder, parsed with a :class:`ParseContext` for the image's source id, and every
resulting event or issue gets a locator that starts with the image location
(partition, inode, sequence, attribute, path in the image) and keeps the parser's
inner record, line, offset and length. The spool file is removed straight after.
"""

from __future__ import annotations

import re
import shutil
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

from evidencekit.model import Event, Locator, ParseIssue
from evidencekit.parsers.base import KeyedLines, ParseContext, parsers
from evidencekit.sources.guard import check_output

_INNER = ("record", "line", "offset", "length")


def glob_regex(pattern: str) -> re.Pattern[str]:
    """A glob on in-image paths as a regex (``*``/``?`` stay within one path segment)."""
    parts = [
        "[^/]*" if ch == "*" else "[^/]" if ch == "?" else re.escape(ch)
        for ch in pattern.strip("/")
    ]
    return re.compile("".join(parts), re.IGNORECASE)


@dataclass
class ArtifactHook:
    """Finds in-image artifacts for the registered parsers and parses them."""

    source_id: str
    time_zone: str | None
    evidence: list[Path]
    force: bool = False
    patterns: list[tuple[str, re.Pattern[str]]] = field(default_factory=list)
    records_read: int = 0
    records_failed: int = 0
    parsed: int = 0
    _tmp: Path | None = None
    _any: re.Pattern[str] | None = None

    def __post_init__(self) -> None:
        for name, cls in parsers:
            for pattern in getattr(cls, "image_globs", ()):
                self.patterns.append((name, glob_regex(pattern)))
        # One alternation, one group per glob (the globs have no groups of their own):
        # fullmatch takes the first alternative that matches, as the loop over patterns.
        alternatives = "|".join(f"({regex.pattern})" for _, regex in self.patterns)
        self._any = re.compile(alternatives, re.IGNORECASE) if self.patterns else None

    def match(self, path: str) -> str | None:
        """The name of the first parser whose glob matches ``path``, or None."""
        found = self._any.fullmatch(path) if self._any is not None else None
        if found is None or found.lastindex is None:
            return None
        return self.patterns[found.lastindex - 1][0]

    def match_each(self, path: str) -> str | None:
        """:meth:`match` glob by glob (the reference it is tested against)."""
        for name, regex in self.patterns:
            if regex.fullmatch(path):
                return name
        return None

    def spool(self) -> IO[bytes]:
        """A new private spool file (the caller writes the content, then calls parse)."""
        if self._tmp is None:
            self._tmp = Path(tempfile.mkdtemp(prefix="ek-artifacts-"))
            check_output(self._tmp, self.evidence, force=self.force)
        return tempfile.NamedTemporaryFile(dir=self._tmp, prefix="spool-", delete=False)

    def parse(
        self, parser_name: str, spool_path: Path, where: dict[str, Any]
    ) -> Iterator[Event | ParseIssue | dict[str, Any]]:
        """Parse one spooled artifact; locators are rebased on ``where`` (image location)."""
        cls = parsers.get(parser_name)
        ctx = ParseContext(
            source_id=self.source_id,
            path=spool_path,
            parser=parser_name,
            version=cls.version,
            time_zone=self.time_zone,
            options={"image_path": where.get("path")},
        )
        try:
            for item in cls().parse(ctx):
                if isinstance(item, KeyedLines):  # only with ctx.keyer, never set here
                    raise TypeError(f"{parser_name} yielded keyed lines without a keyer")
                yield rebase(item, where, spool_path)
        finally:
            self.records_read += ctx.records_read
            self.records_failed += ctx.records_failed
            self.parsed += 1
            spool_path.unlink(missing_ok=True)

    def close(self) -> None:
        """Remove the spool folder."""
        if self._tmp is not None:
            shutil.rmtree(self._tmp, ignore_errors=True)
            self._tmp = None


def rebase(
    item: Event | ParseIssue | dict[str, Any], where: dict[str, Any], spool: Path
) -> Event | ParseIssue | dict[str, Any]:
    """The item with a locator that starts with the image location ``where``."""
    if isinstance(item, dict):
        inner = dict(item.get("locator") or {})
        return {**item, "locator": _merged(inner, where, spool)}
    inner = item.locator.model_dump(exclude_none=True)
    return item.model_copy(update={"locator": Locator(**_merged(inner, where, spool))})


def _merged(inner: dict[str, Any], where: dict[str, Any], spool: Path) -> dict[str, Any]:
    merged = {k: v for k, v in where.items() if v is not None}
    # A parser names the file it read: the in-image path we gave it (or, if it ignored
    # that, the spool file, whose name must never reach the store). Only a genuinely
    # inner path (a member inside the artifact) is appended.
    own = {where.get("path"), str(spool), spool.name}
    if inner.get("path") and inner["path"] not in own:
        merged["path"] = f"{where.get('path', '')}::{inner['path']}"
    merged.update({k: inner[k] for k in _INNER if inner.get(k) is not None})
    return merged

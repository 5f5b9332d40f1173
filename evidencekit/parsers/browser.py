"""Browser history: Chrome / Edge (Chromium) ``History`` and Firefox ``places.sqlite``.

Visits (``visit``) and downloads (``download``, at start and end). Hosts on the
configurable domain list (``parsers/data/domains.toml``) are flagged
``domain.cloud_storage`` / ``domain.webmail``; a visit to such a host whose URL path
looks like an upload or compose page is flagged ``upload_page`` as well. History does
not record uploads themselves: the flag marks where to look, not proof of a transfer.

The database is opened read-only and immutable (no journal, no WAL replay, nothing
written). Locators name the table and rowid; ``raw_sha256`` is over the row's values
in column order as SQLite returned them (SQLite does not expose record bytes).
"""

from __future__ import annotations

import hashlib
import json
import re
import sqlite3
from collections.abc import Iterator
from pathlib import Path
from typing import Any, ClassVar
from urllib.parse import unquote, urlsplit

from evidencekit.events.time import TimeError, from_unix
from evidencekit.model import Action, Event, Locator, ObjectRef, ParseIssue, TimePrecision
from evidencekit.parsers.base import ParseContext, parsers
from evidencekit.parsers.winutil import domain_category, in_image_path, windows_name

SQLITE = b"SQLite format 3\x00"
_UPLOAD_PATH = re.compile(r"upload|compose|/share|/send|transfer|/drive/my-drive", re.I)
_WEBKIT_TO_UNIX_US = 11644473600 * 10**6


def open_readonly(path: Path) -> sqlite3.Connection:
    """Open ``path`` read-only and immutable, so SQLite writes nothing beside it."""
    return sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro&immutable=1", uri=True)


def _columns(db: sqlite3.Connection, table: str) -> list[str]:
    return [row[1] for row in db.execute(f"PRAGMA table_info({table})")]


def _time(micros: Any, webkit: bool) -> dict[str, Any]:
    """Event time fields for WebKit (µs since 1601) or PRTime (µs since 1970) values."""
    if not isinstance(micros, int) or micros <= 0:
        return {
            "time": None,
            "time_original": None if micros is None else str(micros),
            "flags": ("time_missing",),
        }
    unix_us = micros - _WEBKIT_TO_UNIX_US if webkit else micros
    try:
        text = from_unix(unix_us // 10**6, (unix_us % 10**6) * 1000)
    except TimeError:
        return {"time": None, "time_original": str(micros), "flags": ("time_unparseable",)}
    return {
        "time": text,
        "time_original": f"{'webkit' if webkit else 'prtime'}:{micros}",
        "time_offset": "Z",
        "time_precision": TimePrecision.US,
        "flags": (),
    }


def url_flags(ctx: ParseContext, url: str | None) -> tuple[str, ...]:
    """``domain.<category>`` (and ``upload_page``) for a URL on the domain list."""
    if not url:
        return ()
    parts = urlsplit(url)
    category = domain_category(ctx, parts.hostname or "")
    if category is None:
        return ()
    upload = bool(_UPLOAD_PATH.search(f"{parts.path}?{parts.query}#{parts.fragment}"))
    return (f"domain.{category}", "upload_page") if upload else (f"domain.{category}",)


class _Rows:
    """Event building for one table of one database."""

    def __init__(self, ctx: ParseContext, table: str, webkit: bool) -> None:
        self.ctx, self.table, self.webkit = ctx, table, webkit
        self.path = in_image_path(ctx)

    def event(
        self,
        row: tuple[Any, ...],
        rowid: int,
        micros: Any,
        role: str,
        action: Action,
        kind: str,
        obj: ObjectRef,
        attrs: dict[str, Any],
        url: str | None,
    ) -> Event:
        """One event for one row (located by table and rowid) with the URL's flags."""
        tf = _time(micros, self.webkit)
        tf["flags"] = tuple(sorted(set(tf["flags"]) | set(url_flags(self.ctx, url))))
        return Event(
            time_role=role,
            action=action,
            kind=kind,
            source=self.ctx.source_id,
            locator=Locator(path=self.path, attribute=self.table, record=str(rowid)),
            raw_sha256=hashlib.sha256(repr(row).encode()).hexdigest(),
            object=obj,
            attributes={k: v for k, v in attrs.items() if v is not None and v != ""},
            **tf,
        )


def _chrome(ctx: ParseContext, db: sqlite3.Connection) -> Iterator[Event]:
    rows = _Rows(ctx, "visits", webkit=True)
    query = (
        "SELECT visits.id, visits.visit_time, urls.url, urls.title, visits.transition, "
        "visits.from_visit FROM visits LEFT JOIN urls ON visits.url = urls.id "
        "ORDER BY visits.id"
    )
    for row in db.execute(query):
        ctx.records_read += 1
        vid, when, url, title, transition, from_visit = row
        yield rows.event(
            row,
            vid,
            when,
            "visited",
            Action.VISIT,
            "browser.chrome.visit",
            ObjectRef(kind="url", url=url, name=title or None),
            {"transition": f"0x{(transition or 0) & 0xFFFFFFFF:08x}", "from_visit": from_visit},
            url,
        )
    yield from _chrome_downloads(ctx, db)


def _chrome_downloads(ctx: ParseContext, db: sqlite3.Connection) -> Iterator[Event]:
    cols = set(_columns(db, "downloads"))
    if not cols:
        return
    wanted = [
        c
        for c in (
            "id",
            "target_path",
            "current_path",
            "start_time",
            "end_time",
            "received_bytes",
            "total_bytes",
            "state",
            "tab_url",
            "referrer",
            "mime_type",
        )
        if c in cols
    ]
    chains: dict[int, str] = {}
    if _columns(db, "downloads_url_chains"):
        # ordered by chain_index, so the last link (where the bytes came from) wins
        chains = dict(
            db.execute("SELECT id, url FROM downloads_url_chains ORDER BY id, chain_index")
        )
    rows = _Rows(ctx, "downloads", webkit=True)
    for row in db.execute(f"SELECT {', '.join(wanted)} FROM downloads ORDER BY id"):  # noqa: S608
        ctx.records_read += 1
        rec = dict(zip(wanted, row, strict=True))
        target = rec.get("target_path") or rec.get("current_path") or ""
        url = chains.get(rec["id"]) or rec.get("tab_url")
        obj = ObjectRef(
            kind="file",
            path=target or None,
            name=_basename(target) or None,
            url=url,
            size=rec.get("total_bytes") or None,
        )
        attrs = {
            k: rec.get(k)
            for k in ("received_bytes", "state", "tab_url", "referrer", "mime_type", "current_path")
        }
        for column, role in (("start_time", "download_started"), ("end_time", "download_finished")):
            if column in rec:
                yield rows.event(
                    row,
                    rec["id"],
                    rec[column],
                    role,
                    Action.DOWNLOAD,
                    "browser.chrome.download",
                    obj,
                    attrs,
                    url,
                )


def _basename(path: str) -> str:
    return windows_name(path) if "\\" in path else path.rsplit("/", 1)[-1]


def _firefox(ctx: ParseContext, db: sqlite3.Connection) -> Iterator[Event]:
    rows = _Rows(ctx, "moz_historyvisits", webkit=False)
    query = (
        "SELECT v.id, v.visit_date, p.url, p.title, v.visit_type, v.from_visit "
        "FROM moz_historyvisits v LEFT JOIN moz_places p ON v.place_id = p.id ORDER BY v.id"
    )
    for row in db.execute(query):
        ctx.records_read += 1
        vid, when, url, title, visit_type, from_visit = row
        yield rows.event(
            row,
            vid,
            when,
            "visited",
            Action.VISIT,
            "browser.firefox.visit",
            ObjectRef(kind="url", url=url, name=title or None),
            {"visit_type": visit_type, "from_visit": from_visit},
            url,
        )
    yield from _firefox_downloads(ctx, db)


def file_uri_path(uri: str) -> str:
    """``file:///C:/Users/a%20b/x.zip`` -> ``C:\\Users\\a b\\x.zip`` (POSIX paths kept)."""
    path = unquote(urlsplit(uri).path)
    if len(path) > 2 and path[0] == "/" and path[2] == ":":
        return path[1:].replace("/", "\\")
    return path


def _firefox_downloads(ctx: ParseContext, db: sqlite3.Connection) -> Iterator[Event]:
    """Firefox 26+ downloads: ``moz_annos`` destinationFileURI (+ metaData JSON)."""
    names = dict(db.execute("SELECT name, id FROM moz_anno_attributes"))
    dest_id, meta_id = names.get("downloads/destinationFileURI"), names.get("downloads/metaData")
    if dest_id is None:
        return
    meta = {}
    if meta_id is not None:
        for place, content in db.execute(
            "SELECT place_id, content FROM moz_annos WHERE anno_attribute_id = ?", (meta_id,)
        ):
            try:
                meta[place] = json.loads(content)
            except (TypeError, ValueError):
                meta[place] = {}
    rows = _Rows(ctx, "moz_annos", webkit=False)
    query = (
        "SELECT a.id, a.place_id, a.content, a.dateAdded, p.url FROM moz_annos a "
        "LEFT JOIN moz_places p ON a.place_id = p.id WHERE a.anno_attribute_id = ? "
        "ORDER BY a.id"
    )
    for row in db.execute(query, (dest_id,)):
        ctx.records_read += 1
        aid, place, content, added, url = row
        info = meta.get(place) or {}
        target = file_uri_path(str(content or ""))
        size = info.get("fileSize") if isinstance(info.get("fileSize"), int) else None
        obj = ObjectRef(
            kind="file",
            path=target or None,
            name=_basename(target) or None,
            url=url,
            size=size if size is None or size >= 0 else None,
        )
        attrs = {"state": info.get("state"), "destination_uri": content}
        yield rows.event(
            row,
            aid,
            added,
            "download_started",
            Action.DOWNLOAD,
            "browser.firefox.download",
            obj,
            attrs,
            url,
        )
        end = info.get("endTime")
        if isinstance(end, int):
            yield rows.event(
                row,
                aid,
                end * 1000,
                "download_finished",
                Action.DOWNLOAD,
                "browser.firefox.download",
                obj,
                attrs,
                url,
            )


@parsers.register("browser")
class BrowserParser:
    """Chrome/Edge History and Firefox places.sqlite: visits, downloads, and visits to
    cloud-storage and webmail sites (configurable domain list)."""

    name: ClassVar[str] = "browser"
    version: ClassVar[str] = "1"
    source_kind: ClassVar[str] = "artifact"
    image_globs: ClassVar[tuple[str, ...]] = (
        "Users/*/AppData/Local/Google/Chrome/User Data/*/History",
        "Users/*/AppData/Local/Microsoft/Edge/User Data/*/History",
        "Users/*/AppData/Roaming/Mozilla/Firefox/Profiles/*/places.sqlite",
    )

    @classmethod
    def check(cls, head: bytes, path: Path) -> bool:
        name = path.name.lower()
        return head.startswith(SQLITE) and ("history" in name or "places" in name)

    def parse(self, ctx: ParseContext) -> Iterator[Event | ParseIssue]:
        locator = Locator(path=in_image_path(ctx), offset="0")
        try:
            db = open_readonly(ctx.path)
            tables = {r[0] for r in db.execute("SELECT name FROM sqlite_master")}
        except sqlite3.DatabaseError as exc:
            yield ctx.issue("not_a_database", f"SQLite: {exc}", locator, severity="error")
            return
        try:
            if {"visits", "urls"} <= tables:
                yield from _chrome(ctx, db)
            elif {"moz_historyvisits", "moz_places"} <= tables:
                yield from _firefox(ctx, db)
            else:
                yield ctx.issue(
                    "unknown_schema",
                    f"no browser history tables ({len(tables)} tables)",
                    locator,
                    severity="error",
                )
        except sqlite3.DatabaseError as exc:
            yield ctx.issue(
                "damaged_database", f"SQLite stopped reading: {exc}", locator, severity="error"
            )
        finally:
            db.close()

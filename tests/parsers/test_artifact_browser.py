"""Browser history from the real corpus against FACTS.json; domain flags; a file that
is not a database; the evidence file is not modified by reading."""

from __future__ import annotations

import hashlib
from pathlib import Path
from typing import Any

import pytest

from evidencekit.model import Action
from tests.writers.artifacts import corpus_file, facts_for, run_parser

pytestmark = pytest.mark.corpus
CHROME = "browser/chrome_v36_History-59.0.3071.86"
FIREFOX = "browser/firefox_places.sqlite"


def _seconds(text: str | None) -> str | None:
    return None if text is None else text[:19].replace("T", " ")


def test_chrome_history(corpus: Path, corpus_facts: dict[str, Any]) -> None:
    facts = facts_for(corpus_facts, CHROME)
    path = corpus_file(corpus, CHROME)
    before = hashlib.sha256(path.read_bytes()).hexdigest()
    events, issues, ctx = run_parser("browser", path)
    assert issues == [] and hashlib.sha256(path.read_bytes()).hexdigest() == before
    visits = [e for e in events if e.action is Action.VISIT]
    assert len(visits) == int(facts["visits_count"])
    (download,) = facts["downloads"]
    did, target, start, end, received, total, state, url = download
    chain_url = facts["download_url_chain"][0][2]
    started = next(e for e in events if e.time_role == "download_started")
    finished = next(e for e in events if e.time_role == "download_finished")
    assert _seconds(started.time) == start and _seconds(finished.time) == end
    assert started.object is not None and started.object.path == target
    assert started.object.size == int(total) and started.object.url == url == chain_url
    assert started.attributes["received_bytes"] == int(received)
    assert started.attributes["state"] == int(state) and started.locator.record == did
    assert "domain.cloud_storage" in started.flags
    assert ctx.records_read == len(visits) + 1


def test_firefox_places(corpus: Path, corpus_facts: dict[str, Any]) -> None:
    facts = facts_for(corpus_facts, FIREFOX)
    events, issues, _ = run_parser("browser", corpus_file(corpus, FIREFOX))
    assert issues == [] and len(events) == int(facts["moz_historyvisits_count"])
    url, when, _count = facts["most_recent_visit"][0]
    assert events[0].object is not None and events[0].object.url == url
    assert _seconds(events[0].time) == when == facts["last_visit_max"]


def test_custom_domain_list_and_upload_page(corpus: Path, tmp_path: Path) -> None:
    domains = tmp_path / "domains.toml"
    domains.write_text('[categories]\nwebmail = ["google.com"]\n')
    events, _, _ = run_parser("browser", corpus_file(corpus, FIREFOX), domains_file=str(domains))
    assert events[0].flags == ("domain.webmail",)
    from evidencekit.parsers.base import ParseContext
    from evidencekit.parsers.browser import url_flags

    ctx = ParseContext(source_id="0" * 16, path=tmp_path, parser="browser", version="1")
    assert url_flags(ctx, "https://www.dropbox.com/upload?x=1") == (
        "domain.cloud_storage",
        "upload_page",
    )
    assert url_flags(ctx, "https://example.org/upload") == ()


def test_not_a_database(tmp_path: Path) -> None:
    path = tmp_path / "History"
    path.write_bytes(b"SQLite format 3\x00" + b"\xff" * 4000)
    events, issues, ctx = run_parser("browser", path)
    assert events == [] and [i.code for i in issues] == ["not_a_database"]
    assert issues[0].locator.path == "History" and ctx.records_failed == 1


def test_truncated_database(corpus: Path, tmp_path: Path) -> None:
    data = corpus_file(corpus, FIREFOX).read_bytes()
    path = tmp_path / "places.sqlite"
    path.write_bytes(data[: len(data) // 3])
    events, issues, ctx = run_parser("browser", path)
    assert len(issues) == 1 and issues[0].severity == "error"
    assert len(events) == ctx.records_read
    assert issues[0].code in ("damaged_database", "not_a_database")


def _firefox_db(path: Path) -> None:
    """A places.sqlite written with SQLite itself, in Firefox's schema (tables and
    columns as in Firefox 26+; only those the parser and the checks need)."""
    import sqlite3

    db = sqlite3.connect(path)
    db.executescript("""
        CREATE TABLE moz_places (id INTEGER PRIMARY KEY, url LONGVARCHAR, title LONGVARCHAR,
            rev_host LONGVARCHAR, visit_count INTEGER DEFAULT 0, hidden INTEGER DEFAULT 0,
            typed INTEGER DEFAULT 0, frecency INTEGER DEFAULT -1, last_visit_date INTEGER);
        CREATE TABLE moz_historyvisits (id INTEGER PRIMARY KEY, from_visit INTEGER,
            place_id INTEGER, visit_date INTEGER, visit_type INTEGER, session INTEGER);
        CREATE TABLE moz_anno_attributes (id INTEGER PRIMARY KEY, name VARCHAR(32) UNIQUE);
        CREATE TABLE moz_annos (id INTEGER PRIMARY KEY, place_id INTEGER,
            anno_attribute_id INTEGER, content LONGVARCHAR, flags INTEGER DEFAULT 0,
            expiration INTEGER DEFAULT 0, type INTEGER DEFAULT 0, dateAdded INTEGER DEFAULT 0,
            lastModified INTEGER DEFAULT 0);
        INSERT INTO moz_places (id, url, title) VALUES
            (1, 'https://www.dropbox.com/s/abc/secret.zip?dl=1', 'secret.zip'),
            (2, 'https://mail.google.com/mail/u/0/#compose', 'Gmail');
        INSERT INTO moz_historyvisits VALUES (1, 0, 2, 1711533000000000, 1, 0);
        INSERT INTO moz_anno_attributes VALUES (1, 'downloads/destinationFileURI'),
            (2, 'downloads/metaData');
        INSERT INTO moz_annos (id, place_id, anno_attribute_id, content, dateAdded) VALUES
            (1, 1, 1, 'file:///C:/Users/bob/Downloads/secret%20plans.zip', 1711533600000000),
            (2, 1, 2, '{"state":1,"endTime":1711533605000,"fileSize":4096}', 1711533605000000);
    """)
    db.commit()
    db.close()


def test_firefox_downloads_and_webmail_compose(tmp_path: Path) -> None:
    path = tmp_path / "places.sqlite"
    _firefox_db(path)
    events, issues, ctx = run_parser("browser", path)
    assert issues == [] and ctx.records_read == 2
    visit = next(e for e in events if e.action is Action.VISIT)
    assert visit.flags == ("domain.webmail", "upload_page")
    assert visit.time == "2024-03-27T09:50:00.000000000Z"  # 1711533000 s since 1970
    started, finished = [e for e in events if e.action is Action.DOWNLOAD]
    assert started.object is not None
    assert started.object.path == "C:\\Users\\bob\\Downloads\\secret plans.zip"
    assert started.object.size == 4096 and started.object.name == "secret plans.zip"
    assert started.object.url == "https://www.dropbox.com/s/abc/secret.zip?dl=1"
    assert started.flags == ("domain.cloud_storage",)
    assert (started.time, finished.time) == (
        "2024-03-27T10:00:00.000000000Z",
        "2024-03-27T10:00:05.000000000Z",
    )

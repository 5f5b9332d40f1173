"""Evidence whose file name is not valid Unicode (a CP932 name on a Linux disk) is
ingested; its name keeps the bytes visibly as \\xNN escapes."""

from __future__ import annotations

import os
from pathlib import Path

from evidencekit.case.ingest import ingest_file
from evidencekit.case.workspace import Case
from evidencekit.sources.pathtext import path_text

SQUID = (
    b"1711929600.123    250 10.0.0.5 TCP_MISS/200 5120 POST https://www.dropbox.com/upload"
    b" yamada HIER_DIRECT/162.125.1.1 application/octet-stream\n"
)


def test_path_text_escapes_only_what_is_not_unicode(tmp_path: Path) -> None:
    assert path_text(tmp_path / "顧客リスト.csv") == str(tmp_path / "顧客リスト.csv")
    name = os.fsdecode("ログ.txt".encode("cp932"))
    assert path_text(name) == "\\x83\\x8d\\x83O.txt"


def test_log_named_in_cp932_is_ingested(tmp_path: Path) -> None:
    folder = tmp_path / "evidence"
    folder.mkdir()
    raw = os.fsencode(folder) + b"/" + "プロキシ.log".encode("cp932")
    with open(raw, "wb") as fp:
        fp.write(SQUID)
    path = Path(os.fsdecode(raw))
    case = Case.init(tmp_path / "case", "names")
    summary = ingest_file(case, path, "proxy_squid")
    assert summary.events == 1
    assert summary.source.name == "\\x83v\\x83\\x8d\\x83L\\x83V.log"
    assert summary.source.path == path_text(path) and summary.source.path.startswith(str(folder))
    assert summary.source.name in case.custody.entries()[-1].evidence
    assert case.seal().size == 1


def test_run_reuses_a_source_named_in_cp932(tmp_path: Path) -> None:
    """A re-run finds the stored source again by its (escaped) path."""
    from evidencekit.case.definition import SourceEntry
    from evidencekit.case.pipeline import _ingest

    folder = tmp_path / "evidence"
    folder.mkdir()
    raw = os.fsencode(folder) + b"/" + "プロキシ.log".encode("cp932")
    with open(raw, "wb") as fp:
        fp.write(SQUID)
    case = Case.init(tmp_path / "case", "names")
    entry = SourceEntry(path=os.fsdecode(raw), type="log", format="proxy_squid")
    first = _ingest(case, entry, tmp_path, "Asia/Tokyo")
    again = _ingest(case, entry, tmp_path, "Asia/Tokyo")
    assert not first.reused and again.reused and again.source_id == first.source_id

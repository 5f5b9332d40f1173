"""Regressions found by acceptance testing of ``evidencekit analyze`` (issue 6).

Each test builds its inputs at test time: identity maps and profiles as files, exports
read by the real log parsers into a real case folder, sealed and analysed.
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
from pathlib import Path

import pytest

from evidencekit.analysis.assets import load_assets
from evidencekit.analysis.config import AnalysisError
from evidencekit.analysis.engine import AnalysisOptions, analyze
from evidencekit.analysis.hr import read_hr_file
from evidencekit.analysis.identities import load_identities
from evidencekit.analysis.model import AnalysisResult
from evidencekit.analysis.profile import load_profile
from evidencekit.analysis.wording import banned_in
from evidencekit.case.ingest import ingest_file
from evidencekit.case.workspace import Case
from tests.parsers.test_log_formats import OPLOG_HEADER


def _csv(rows: list[list[str]]) -> bytes:
    buf = io.StringIO()
    csv.writer(buf, lineterminator="\r\n").writerows(rows)
    return buf.getvalue().encode("utf-8")


def _case(tmp_path: Path, exports: dict[str, tuple[bytes, str]]) -> Case:
    """A sealed case holding ``exports`` (file name -> (bytes, parser)), read for real."""
    evidence = tmp_path / "evidence"
    evidence.mkdir()
    case = Case.init(tmp_path / "case", "ACC-6", examiner="test")
    for name, (data, parser) in exports.items():
        path = evidence / name
        path.write_bytes(data)
        ingest_file(case, path, parser)
    case.seal()
    return case


def test_bare_user_name_shared_by_two_people_resolves_to_neither(tmp_path: Path) -> None:
    path = tmp_path / "ids.toml"
    path.write_text(
        '[[person]]\nperson = "e1"\naccounts = ["CORP\\\\sato"]\n'
        '[[person]]\nperson = "e2"\naccounts = ["SALES\\\\sato"]\n',
        encoding="utf-8",
    )
    ids = load_identities(path)
    assert ids.resolve({"user": "sato", "domain": "SALES"}) == "e2"
    assert ids.resolve({"user": "sato", "domain": "CORP"}) == "e1"
    # Without a domain the name is one of two people's: it stays an unmapped account.
    assert ids.resolve({"user": "sato"}) == "account:sato"


def test_address_local_part_never_takes_another_persons_account(tmp_path: Path) -> None:
    path = tmp_path / "ids.csv"
    path.write_text(
        "person,accounts,emails\n"
        "e1,CORP\\e1.tanaka,e1.tanaka@example.co.jp;sato@gmail.com\n"
        "e2,sato,\n",
        encoding="utf-8",
    )
    ids = load_identities(path)  # e2's exact account "sato" is not a conflict
    assert ids.resolve({"user": "sato"}) == "e2"
    assert ids.resolve({"user": "e1.tanaka"}) == "e1"  # unambiguous bare names still resolve


def test_domain_written_in_the_user_field_resolves_like_a_domain_field(tmp_path: Path) -> None:
    """An export that writes CORP\\x in its user column resolves as user x of domain CORP
    would: to the map's CORP\\x, else to its bare x, never across an ambiguous name."""
    path = tmp_path / "ids.toml"
    path.write_text(
        '[[person]]\nperson = "e1"\naccounts = ["x"]\n'
        '[[person]]\nperson = "e2"\naccounts = ["CORP\\\\sato"]\n'
        '[[person]]\nperson = "e3"\naccounts = ["SALES\\\\sato"]\n',
        encoding="utf-8",
    )
    ids = load_identities(path)
    assert ids.resolve({"user": "CORP\\x"}) == ids.resolve({"user": "x", "domain": "CORP"})
    assert ids.resolve({"user": "CORP\\x"}) == "e1"
    assert ids.resolve({"user": "SALES\\sato"}) == "e3"
    assert ids.resolve({"user": "OTHER\\sato"}) == "account:other\\sato"


_MAIL = ["2025/03/05 3:10:00", "e1.tanaka@example.co.jp", "tanaka.home@gmail.com", "資料"]


def _trace(*extra: str) -> bytes:
    """One traced message to the sender's own free-mail address (UTC, as traces are)."""
    header = ["Received", "SenderAddress", "RecipientAddress", "Subject", "Status", "Size"]
    row = [*_MAIL, "Delivered", "10485760"]
    if extra:
        header.append("Attachments")
        row.append(";".join(extra))
    return _csv([header, row])


def _ids(tmp_path: Path) -> Path:
    path = tmp_path / "ids.toml"
    path.write_text(
        '[[person]]\nperson = "e1"\naccounts = ["CORP\\\\e1.tanaka"]\n'
        'emails = ["e1.tanaka@example.co.jp", "tanaka.home@gmail.com"]\n',
        encoding="utf-8",
    )
    return path


def _r05(result: AnalysisResult) -> list[tuple[str, object]]:
    found = [f for f in result.findings if f.rule == "R05"]
    return [(f.explanation_en, f.facts.get("attachments")) for f in found]


def test_message_trace_mail_gives_one_finding_per_recipient(tmp_path: Path) -> None:
    # The trace parser keeps recipients in attributes.recipients and the first one in
    # target.name too; one message to one address is one finding, not two.
    case = _case(tmp_path, {"trace.csv": (_trace("図面.dwg"), "message_trace")})
    result = analyze(case, AnalysisOptions(identities=_ids(tmp_path)))
    found = _r05(result)
    assert len(found) == 1, found
    assert found[0][1] == 1  # the one attachment the export names


def test_subject_is_not_counted_as_an_attachment(tmp_path: Path) -> None:
    # A standard message trace has no attachment column: the subject (object.name) is
    # not an attachment, so no sentence may say "mail with 1 attachment(s)". The 10 MiB
    # message to the sender's own free-mail address is reported as such, its
    # attachments not listed, at indirect strength and low severity.
    case = _case(tmp_path, {"trace.csv": (_trace(), "message_trace")})
    result = analyze(case, AnalysisOptions(identities=_ids(tmp_path)))
    (finding,) = [f for f in result.findings if f.rule == "R05"]
    assert "attachment(s)" not in finding.explanation_en
    assert "10.0 MiB" in finding.explanation_en and "do not list" in finding.explanation_en
    assert "添付ファイルの記載がない" in finding.explanation_ja
    assert (finding.severity, finding.strength) == ("low", "strong_indirect")
    assert finding.facts["attachments_listed"] is False and finding.facts["bytes"] == 10485760


def test_small_unlisted_message_is_not_reported(tmp_path: Path) -> None:
    # below mail.unlisted_attachments_bytes_min, a message with no attachment list is
    # ordinary mail
    small = _trace().replace(b"10485760", b"20480")
    case = _case(tmp_path, {"trace.csv": (small, "message_trace")})
    assert _r05(analyze(case, AnalysisOptions(identities=_ids(tmp_path)))) == []


def _profile(tmp_path: Path, body: str) -> Path:
    path = tmp_path / "mine.toml"
    path.write_text('id = "mine"\nversion = "1"\n' + body, encoding="utf-8")
    return path


_OWN = (
    '[[element]]\nid = "{id}"\nlabel_ja = "独自"\nlabel_en = "Own"\nstatute = "規程 第5条"\n'
    'plain_ja = "x"\nplain_en = "x"\n'
)


def test_user_profile_refuses_an_element_id_twice(tmp_path: Path) -> None:
    body = (
        '[include]\nprofile = "jp_ucpa_civil"\n'
        'elements = ["misappropriation_act.acquisition"]\n'
        + _OWN.format(id="misappropriation_act.acquisition")
    )
    with pytest.raises(AnalysisError, match=r"misappropriation_act\.acquisition"):
        load_profile(str(_profile(tmp_path, body)))


def test_user_profile_include_without_a_list_takes_every_element(tmp_path: Path) -> None:
    body = '[include]\nprofile = "jp_ucpa_civil"\n' + _OWN.format(id="acme.policy")
    mine = load_profile(str(_profile(tmp_path, body)))
    civil = load_profile("jp_ucpa_civil")
    assert [e.id for e in mine.elements] == [e.id for e in civil.elements] + ["acme.policy"]


def test_user_profile_without_elements_is_refused(tmp_path: Path) -> None:
    with pytest.raises(AnalysisError, match="no elements"):
        load_profile(str(_profile(tmp_path, "")))


def test_hr_simple_csv_saved_as_cp932_is_read(tmp_path: Path) -> None:
    path = tmp_path / "hr.csv"  # Excel on Japanese Windows saves CSV as CP932
    text = "person,hr_type,date,end_date,note\ne1,resignation_notice,2025-03-03,,退職届受理\n"
    path.write_bytes(text.encode("cp932"))
    facts, source = read_hr_file(path, "Asia/Tokyo")
    assert [(f.person, f.hr_type, f.day, f.origin) for f in facts] == [
        ("e1", "resignation_notice", "2025-03-03", "hr.csv:2")
    ]
    assert source.sha256 == hashlib.sha256(path.read_bytes()).hexdigest()


def test_asset_csv_saved_as_cp932_is_read(tmp_path: Path) -> None:
    path = tmp_path / "assets.csv"
    text = "id,path,description,marking\nSF-001,\\\\fs-design\\製品図面\\,製品図面,【秘】\n"
    path.write_bytes(text.encode("cp932"))
    register = load_assets(path)
    asset = register.assets[0]
    assert (asset.id, asset.path, asset.description, asset.marking) == (
        "SF-001",
        "\\\\fs-design\\製品図面\\",
        "製品図面",
        "【秘】",
    )


def test_csv_inputs_that_are_not_text_give_a_typed_error(tmp_path: Path) -> None:
    path = tmp_path / "assets.csv"
    path.write_bytes(b"id,path\nSF-1,C:\\x\\\x81 \n")  # a lead byte without its trail
    with pytest.raises(AnalysisError, match=r"asset register .* not readable as"):
        load_assets(path)


def _oplog(n: int) -> bytes:
    """An operation log (CP932, JST) of ``n`` reads of distinct files in a 【秘】 folder."""
    header = OPLOG_HEADER
    rows = [
        [
            f"2025/3/4 10:{i // 60:02d}:{i % 60:02d}",
            "e1.tanaka",
            "LT-0101",
            "ファイルアクセス",
            f"\\\\fs-design\\【秘】製品図面\\B{i:04d}.dwg",
            "",
            "ネットワーク",
            "1024",
        ]
        for i in range(n)
    ]
    buf = io.StringIO()
    csv.writer(buf, lineterminator="\r\n").writerows([header, *rows])
    return buf.getvalue().encode("cp932")


@pytest.mark.parametrize(("files", "said"), [(30, "30 marked files"), (520, "at least 500 ")])
def test_marked_file_count_is_a_lower_bound_when_the_set_is_full(
    tmp_path: Path, files: int, said: str
) -> None:
    case = _case(tmp_path, {"oplog.csv": (_oplog(files), "operation_log")})
    result = analyze(case, AnalysisOptions(identities=_ids(tmp_path)))
    e01 = [f for f in result.findings if f.rule == "E01" and f.person == "e1"]
    assert len(e01) == 1 and e01[0].evidence_total == files
    assert said in e01[0].explanation_en
    assert (said.startswith("at least")) == e01[0].facts["marked_files_at_least"]
    assert ("少なくとも" in e01[0].explanation_ja) == (files > 500)


def _copies_without_size_or_serial() -> bytes:
    """Two copies to a removable drive; the export names neither a size nor a serial."""
    header = OPLOG_HEADER
    rows = [
        [
            f"2025/3/19 23:59:{i:02d}",
            "e1.tanaka",
            "LT-0101",
            "ファイルコピー",
            f"\\\\fs-design\\【秘】製品図面\\B{i:04d}.dwg",
            f"E:\\B{i:04d}.dwg",
            "リムーバブル",
            "",  # the export left the size empty
        ]
        for i in range(2)
    ]
    buf = io.StringIO()
    csv.writer(buf, lineterminator="\r\n").writerows([header, *rows])
    return buf.getvalue().encode("cp932")


def test_copies_without_sizes_are_not_said_to_total_zero_bytes(tmp_path: Path) -> None:
    case = _case(tmp_path, {"oplog.csv": (_copies_without_size_or_serial(), "operation_log")})
    (r03,) = [f for f in analyze(case, AnalysisOptions()).findings if f.rule == "R03"]
    assert "(size not recorded)" in r03.explanation_en and "0.0 MiB" not in r03.explanation_en
    assert "サイズの記録なし" in r03.explanation_ja and r03.facts["bytes"] == 0


def test_a_device_without_serial_is_not_said_to_be_unregistered(tmp_path: Path) -> None:
    # Nothing identifies the drive, so the register cannot be consulted: the text says so
    # instead of asserting the device is missing from the register.
    case = _case(tmp_path, {"oplog.csv": (_copies_without_size_or_serial(), "operation_log")})
    (r03,) = [f for f in analyze(case, AnalysisOptions()).findings if f.rule == "R03"]
    assert "unregistered" not in r03.explanation_en and "登録のない" not in r03.explanation_ja
    assert "unidentified removable device (no serial or label in the records)" in (
        r03.explanation_en
    )
    assert "識別情報（シリアル番号等）の記録がない外部記録媒体へ" in r03.explanation_ja


def test_gaps_without_register_or_device_serial_say_what_is_missing(tmp_path: Path) -> None:
    case = _case(tmp_path, {"oplog.csv": (_copies_without_size_or_serial(), "operation_log")})
    gaps = {g.id: g for g in analyze(case, AnalysisOptions()).gaps}
    # No register: "0 of 0 files at issue" counted nothing; the gap says the list is missing.
    assert "0 of 0" not in gaps["GAP.SM.01"].statement_en
    assert "No list of the files at issue (asset register)" in gaps["GAP.SM.01"].statement_en
    assert "0件中0件" not in gaps["GAP.SM.01"].statement_ja
    # R03's internal id "unknown-removable" is not a device name.
    act04 = gaps["GAP.ACT.04"]
    assert "unknown-" not in act04.statement_en + act04.statement_ja
    assert "(removable device without serial or label)" in act04.statement_en


_USB = ("リムーバブル", "1048576")


def test_records_without_a_usable_time_are_a_gap(tmp_path: Path) -> None:
    # A US export read in America/New_York: 02:30 on 2025-03-09 does not exist and
    # 01:30 on 2025-11-02 happens twice; both copies are kept undated by the parser.
    header = OPLOG_HEADER
    times = ["2025/3/9 1:59:00", "2025/3/9 2:30:00", "2025/11/2 1:30:00", "2025/11/2 2:00:00"]
    rows = [
        [
            t,
            "e1.tanaka",
            "LT-0101",
            "ファイルコピー",
            f"\\\\fs\\【秘】\\X{i}.dwg",
            f"E:\\X{i}.dwg",
            *_USB,
        ]
        for i, t in enumerate(times)
    ]
    evidence = tmp_path / "evidence"
    evidence.mkdir()
    (evidence / "us.csv").write_bytes(_csv([header, *rows]))
    case = Case.init(tmp_path / "case", "ACC-6", examiner="test")
    ingest_file(case, evidence / "us.csv", "operation_log", time_zone="America/New_York")
    case.seal()
    result = analyze(case, AnalysisOptions())
    assert result.coverage.events_undated == 2
    (gap,) = [g for g in result.gaps if g.id == "GAP.SRC.undated"]
    assert gap.statement_en.startswith("2 records the detection rules read have no usable time")
    assert sum(f.evidence_total for f in result.findings if f.rule == "R03") == 2


_COPY = ("e1.tanaka", "LT-0101", "ファイルコピー")


def _usb_copy(when: str, n: int = 3) -> bytes:
    header = OPLOG_HEADER
    rows = [
        [when + f":{i:02d}", *_COPY, f"\\\\fs\\【秘】\\X{i}.dwg", f"E:\\X{i}.dwg", *_USB]
        for i in range(n)
    ]
    return _csv([header, *rows]).decode("utf-8").encode("cp932")


def test_r01_states_the_configured_window_lengths_and_every_trigger(tmp_path: Path) -> None:
    # A copy 150 days before the notice is in the pre window only with pre_days = 180
    # (map §6.3 P6); the sentence must say 180, not a fixed 90.
    case = _case(tmp_path, {"oplog.csv": (_usb_copy("2024/10/4 21:00"), "operation_log")})
    hr = tmp_path / "hr.csv"
    hr.write_text(
        "person,hr_type,date\ne1,transfer,2023-04-01\ne1,resignation_notice,2025-03-03\n",
        encoding="utf-8",
    )
    params = tmp_path / "params.toml"
    params.write_text("[departure_window]\npre_days = 180\n", encoding="utf-8")
    opts = AnalysisOptions(hr=hr, identities=_ids(tmp_path), params=params)
    (r01,) = [f for f in analyze(case, opts).findings if f.rule == "R01"]
    assert "from 180 to 14 days before the trigger" in r01.explanation_en
    assert "90 days" not in r01.explanation_en and "90日" not in r01.explanation_ja
    assert "transfer on 2023-04-01, resignation_notice on 2025-03-03" in r01.explanation_en
    assert "2025-03-03に退職の申出" in r01.explanation_ja
    assert "resignation_notice" not in r01.explanation_ja
    assert r01.facts["triggers"] == [
        ["transfer", "2023-04-01"],
        ["resignation_notice", "2025-03-03"],
    ]


def test_a_custodian_named_stoler_can_be_analysed(tmp_path: Path) -> None:
    # "stole" is banned as a word; the name "Stoler" (or j.stoler@…) merely contains it.
    # Before, every sentence naming the person refused the whole analysis.
    assert banned_in("Ken Stoler (e1), j.stoler@gmail.com") == []
    assert banned_in("Records show he stole.") == ["stole"]
    ids = tmp_path / "ids.toml"
    ids.write_text(
        '[[person]]\nperson = "e1"\ndisplay_name = "Ken Stoler"\naccounts = ["e1.tanaka"]\n',
        encoding="utf-8",
    )
    case = _case(tmp_path, {"oplog.csv": (_usb_copy("2025/3/19 21:00"), "operation_log")})
    (r03,) = [f for f in analyze(case, AnalysisOptions(identities=ids)).findings if f.rule == "R03"]
    assert "Ken Stoler (e1)" in r03.explanation_en


def test_overtime_approved_for_the_day_before_does_not_cover_a_late_evening(
    tmp_path: Path,
) -> None:
    # Overtime approved for 2025-11-20 reaches into the early hours of 11-21 (N2); a copy to
    # USB at 23:30 on 11-21, a day without approval, is not covered by it (CI.07 is per
    # interval, map §2.3.5).
    header = OPLOG_HEADER
    edit = [*_COPY[:2], "ファイル更新", "\\\\fs\\案件\\提案書.pptx", "", "ネットワーク", "1024"]
    rows = [["2025/11/20 22:00:00", *edit], ["2025/11/21 0:30:00", *edit]]
    copies = _usb_copy("2025/11/21 23:30").decode("cp932").splitlines()[1:]
    data = _csv([header, *rows]).decode("utf-8") + "\r\n".join(copies) + "\r\n"
    case = _case(tmp_path, {"oplog.csv": (data.encode("cp932"), "operation_log")})
    hr = tmp_path / "hr.csv"
    hr.write_text("person,hr_type,date\ne1,approved_overtime,2025-11-20\n", encoding="utf-8")
    result = analyze(case, AnalysisOptions(hr=hr, identities=_ids(tmp_path)))
    r09 = {f.facts["day"]: f for f in result.findings if f.rule == "R09"}
    assert [c.id for c in r09["2025-11-20"].counter_indicators] == ["CI.07"]
    assert r09["2025-11-21"].counter_indicators == ()
    assert r09["2025-11-21"].severity == "low"  # combined with the R03 copy that evening


def _ual(n: int) -> bytes:
    """Unified Audit Log CSV: ``n`` SharePoint downloads in one hour (UTC, by definition)."""
    site = "https://contoso.sharepoint.com/sites/design/Shared Documents/【秘】図面/"
    header = ["RecordId", "CreationDate", "RecordType", "Operation", "UserId", "AuditData"]
    rows = []
    for i in range(n):
        when = f"2025-03-04T09:{i // 60 % 60:02d}:{i % 60:02d}"
        audit = {
            "CreationTime": when,
            "Id": f"id-{i}",
            "Operation": "FileDownloaded",
            "UserId": "e1.tanaka@example.co.jp",
            "ObjectId": f"{site}B{i:04d}.dwg",
            "SourceFileName": f"B{i:04d}.dwg",
        }
        rows.append([f"rec-{i}", when, "SharePointFileOperation", "FileDownloaded"])
        rows[-1] += ["e1.tanaka@example.co.jp", json.dumps(audit, ensure_ascii=False)]
    return _csv([header, *rows])


def test_value_share_names_its_sample_when_findings_keep_fewer_names(tmp_path: Path) -> None:
    case = _case(tmp_path, {"ual.csv": (_ual(260), "m365_ual")})
    result = analyze(case, AnalysisOptions(identities=_ids(tmp_path)))
    (r02,) = [f for f in result.findings if f.rule == "R02"]
    (e04,) = [f for f in result.findings if f.rule == "E04"]
    assert r02.evidence_total == 260
    assert e04.facts["taken_files_sampled"] is True
    assert not e04.explanation_en.startswith(f"Of {e04.facts['taken_files']} files (by name)")
    assert "file names kept with acquisition or transfer findings" in e04.explanation_en
    assert "上限" in e04.explanation_ja


@pytest.mark.parametrize(
    ("register", "said"),
    [
        ("[[asset]]\nid = \"SF-1\"\npath = '\\\\fs\\'\n", "does not record that the secret-set"),
        (None, "No asset register was supplied"),
        ('[[asset]]\nid = "SF-1"\npath = \'\\\\fs\\\'\norigin = "internal"\n', None),
    ],
)
def test_holder_standing_without_a_record_gets_a_gap(
    tmp_path: Path, register: str | None, said: str | None
) -> None:
    # Map §4: a gap for every element not found or not assessed; holder_standing had none.
    case = _case(tmp_path, {"oplog.csv": (_usb_copy("2025/3/19 21:00"), "operation_log")})
    assets = None
    if register is not None:
        assets = tmp_path / "assets.toml"
        assets.write_text(register, encoding="utf-8")
    result = analyze(case, AnalysisOptions(assets=assets))
    row = next(e for e in result.elements if e.element == "holder_standing")
    gaps = [g for g in result.gaps if g.id == "GAP.HS.01"]
    if said is None:
        assert row.status == "partially_supported" and gaps == []
        return
    assert row.status in ("not_found", "not_assessed") and len(gaps) == 1
    assert said in gaps[0].statement_en and "GAP.HS.01" in row.gaps


def test_weakening_facts_are_listed_once_and_cite_every_finding(tmp_path: Path) -> None:
    header = OPLOG_HEADER
    photos = [
        [f"2025/9/{day} 15:3{i}:00", *_COPY, f"C:\\家族\\p{i}.jpg", f"E:\\p{i}.jpg", *_USB]
        for day in (29, 30)
        for i in range(3)
    ]
    case = _case(tmp_path, {"oplog.csv": (_csv([header, *photos]), "operation_log")})
    assets = tmp_path / "assets.toml"
    assets.write_text(
        '[[asset]]\nid = "SF-1"\npath = \'\\\\fs\\\'\nmarking = "社外秘"\nacl = "everyone"\n',
        encoding="utf-8",
    )
    result = analyze(case, AnalysisOptions(assets=assets, identities=_ids(tmp_path)))
    rows = {e.element: e for e in result.elements}
    consistency = [w.findings for w in rows["secrecy_management.consistency"].weakening_facts]
    assert len(consistency) == len(set(consistency)), consistency
    personal = sorted(f.id for f in result.findings if f.rule == "R03")
    assert len(personal) == 2  # one personal-files finding per day, each with CI.05
    (ci05,) = [
        w
        for w in rows["misappropriation_act.acquisition"].weakening_facts
        if w.text_en == "Counter-indicator: Personal content"
    ]
    assert list(ci05.findings) == personal


def test_an_upload_of_unknown_size_is_not_said_to_total_zero(tmp_path: Path) -> None:
    # Squid records only the reply size: a POST to a listed host is an upload of unknown
    # size. Five minutes after a secret-set download it fires R04 (map §3.3 R04).
    squid = (
        b"1741165200.000    120 10.0.0.5 TCP_MISS/200 512 POST "
        b"https://www.dropbox.com/upload e1.tanaka HIER_DIRECT/192.0.2.1 text/html\n"
    )
    ual = _ual(1)  # one secret-set download, moved to five minutes before the upload
    ual = ual.replace(b"2025-03-04T09:00:00", b"2025-03-05T08:55:00")
    case = _case(tmp_path, {"ual.csv": (ual, "m365_ual"), "access.log": (squid, "proxy_squid")})
    assets = tmp_path / "assets.toml"
    site = "https://contoso.sharepoint.com/sites/design/Shared Documents/【秘】図面/"
    assets.write_text(f'[[asset]]\nid = "SF-1"\npath = "{site}"\n', encoding="utf-8")
    opts = AnalysisOptions(identities=_ids(tmp_path), assets=assets)
    (r04,) = [f for f in analyze(case, opts).findings if f.rule == "R04"]
    assert "1 upload(s) (size not recorded) to dropbox.com" in r04.explanation_en
    assert "サイズの記録なし" in r04.explanation_ja and "0.0 MiB" not in r04.explanation_ja


def test_marking_summary_without_a_register_counts_no_entries(tmp_path: Path) -> None:
    case = _case(tmp_path, {"ual.csv": (_ual(3), "m365_ual")})
    (org,) = [
        f for f in analyze(case, AnalysisOptions()).findings if f.rule == "E01" and not f.person
    ]
    assert org.explanation_en == (
        "No asset register was supplied; records show 3 operations on marked files."
    )
    assert "0件中0件" not in org.explanation_ja and "操作記録が3件ある" in org.explanation_ja


def test_a_parameter_file_without_a_zone_keeps_the_case_zone(tmp_path: Path) -> None:
    # A Berlin case: local days and hours are Berlin's with or without --params; a file
    # that only lengthens the pre window switched the whole analysis to Asia/Tokyo.
    evidence = tmp_path / "evidence"
    evidence.mkdir()
    (evidence / "oplog.csv").write_bytes(_usb_copy("2025/3/19 23:30"))
    case = Case.init(tmp_path / "case", "ACC-6", examiner="test", time_zone="Europe/Berlin")
    ingest_file(case, evidence / "oplog.csv", "operation_log")
    case.seal()
    params = tmp_path / "params.toml"
    params.write_text("[departure_window]\npre_days = 180\n", encoding="utf-8")
    plain = analyze(case, AnalysisOptions())
    tuned = analyze(case, AnalysisOptions(params=params))
    assert plain.time_zone == tuned.time_zone == "Europe/Berlin"
    assert tuned.calendar["zone"] == "Europe/Berlin"
    assert tuned.parameters["departure_window"]["pre_days"] == 180

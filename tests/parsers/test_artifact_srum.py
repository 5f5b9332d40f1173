"""SRUM (SRUDB.dat): ESE databases written by tests/writers/ese_writer.py with the SRUM
network-usage, application-usage and id-map tables, each one read back first with
libesedb (pyesedb, the independent reader); then the parser's events, and hostile
databases (truncated, not ESE, no SRUM tables, a bad time stamp)."""

from __future__ import annotations

import random
import struct
from datetime import UTC, datetime
from pathlib import Path

import pyesedb
import pytest
from click.testing import CliRunner

from cli.main import cli
from evidencekit.case.detect import detect_artifact_kind
from evidencekit.case.image_artifacts import ArtifactHook
from evidencekit.case.workspace import Case
from evidencekit.events.devices import events_from_lines
from evidencekit.model import Action
from tests.writers import ese_writer as ese
from tests.writers.artifacts import run_parser

SID = "S-1-5-21-1004336348-1177238915-682003330-1001"
APP = "\\Device\\HarddiskVolume3\\Program Files\\7-Zip\\7zFM.exe"
SVC = "DiagTrack"


def sid_bytes(text: str) -> bytes:
    """A SID in its binary form ([MS-DTYP] 2.4.2.2), written independently of the parser."""
    parts = [int(p) for p in text.split("-")[2:]]
    return (
        bytes([1, len(parts) - 1])
        + parts[0].to_bytes(6, "big")
        + struct.pack(f"<{len(parts) - 1}I", *parts[1:])
    )


def ole(when: datetime) -> bytes:
    """An OLE Automation date (days since 1899-12-30) for an aware UTC time."""
    days = (when - datetime(1899, 12, 30, tzinfo=UTC)).total_seconds() / 86400
    return struct.pack("<d", days)


ID_COLUMNS = [
    ese.Column(1, "IdType", ese.UBYTE),
    ese.Column(2, "IdIndex", ese.LONG),
    ese.Column(256, "IdBlob", ese.LONG_BINARY),
]
NET_COLUMNS = [
    ese.Column(1, "AutoIncId", ese.LONG),
    ese.Column(2, "TimeStamp", ese.DATETIME),
    ese.Column(3, "AppId", ese.LONG),
    ese.Column(4, "UserId", ese.LONG),
    ese.Column(5, "InterfaceLuid", ese.LONGLONG),
    ese.Column(6, "L2ProfileId", ese.LONG),
    ese.Column(7, "L2ProfileFlags", ese.LONG),
    ese.Column(8, "BytesSent", ese.LONGLONG),
    ese.Column(9, "BytesRecvd", ese.LONGLONG),
]
APP_COLUMNS = [
    ese.Column(1, "AutoIncId", ese.LONG),
    ese.Column(2, "TimeStamp", ese.DATETIME),
    ese.Column(3, "AppId", ese.LONG),
    ese.Column(4, "UserId", ese.LONG),
    ese.Column(5, "ForegroundCycleTime", ese.LONGLONG),
    ese.Column(6, "BackgroundCycleTime", ese.LONGLONG),
    ese.Column(7, "FaceTime", ese.LONGLONG),
    ese.Column(8, "ForegroundBytesRead", ese.LONGLONG),
    ese.Column(9, "ForegroundBytesWritten", ese.LONGLONG),
    ese.Column(10, "BackgroundBytesRead", ese.LONGLONG),
    ese.Column(11, "BackgroundBytesWritten", ese.LONGLONG),
]
NET = "{973F5D5C-1D90-4944-BE8E-24B94231A174}"
T1 = datetime(2024, 3, 1, 10, 0, tzinfo=UTC)
T2 = datetime(2024, 3, 1, 11, 0, tzinfo=UTC)
LUID = 1689399632855040


def id_table() -> ese.Table:
    return ese.Table(
        "SruDbIdMapTable",
        ID_COLUMNS,
        [
            {"IdType": 0, "IdIndex": 1, "IdBlob": (APP + "\0").encode("utf-16-le")},
            {"IdType": 3, "IdIndex": 2, "IdBlob": sid_bytes(SID)},
            {"IdType": 2, "IdIndex": 3, "IdBlob": (SVC + "\0").encode("utf-16-le")},
        ],
    )


def net_record(when: bytes, sent: int, app: int = 1, user: int = 2) -> dict[str, object]:
    return {"AutoIncId": 1, "TimeStamp": when, "AppId": app, "UserId": user,
            "InterfaceLuid": LUID, "L2ProfileId": 0, "L2ProfileFlags": 0,
            "BytesSent": sent, "BytesRecvd": 4096}  # fmt: skip


def srum_db(tmp_path: Path, net: list[dict[str, object]] | None = None) -> Path:
    net = net if net is not None else [net_record(ole(T1), 734_003_200), net_record(ole(T2), 5)]
    app = {"AutoIncId": 1, "TimeStamp": ole(T1), "AppId": 1, "UserId": 2,
           "ForegroundCycleTime": 10**9, "BackgroundCycleTime": 0, "FaceTime": 60,
           "ForegroundBytesRead": 734_003_200, "ForegroundBytesWritten": 734_003_200,
           "BackgroundBytesRead": 0, "BackgroundBytesWritten": 0}  # fmt: skip
    tables = [
        id_table(),
        ese.Table("{973F5D5C-1D90-4944-BE8E-24B94231A174}", NET_COLUMNS, net),
        ese.Table("{D10CA2FE-6FCF-4F6D-848E-B2E99266FA89}", APP_COLUMNS, [app]),
    ]
    return ese.write_database(tmp_path / "SRUDB.dat", tables)


def test_written_database_reads_back_with_libesedb(tmp_path: Path) -> None:
    db = pyesedb.open(str(srum_db(tmp_path)))
    names = [t.name for t in db.tables]
    assert names == [
        "SruDbIdMapTable",
        "{973F5D5C-1D90-4944-BE8E-24B94231A174}",
        "{D10CA2FE-6FCF-4F6D-848E-B2E99266FA89}",
    ]
    ids = db.get_table_by_name("SruDbIdMapTable")
    assert [c.name for c in ids.columns] == ["IdType", "IdIndex", "IdBlob"]
    assert ids.get_record(1).get_value_data(2) == sid_bytes(SID)
    net = db.get_table_by_name("{973F5D5C-1D90-4944-BE8E-24B94231A174}")
    assert net.number_of_records == 2
    first = net.get_record(0)
    assert [first.get_column_name(i) for i in range(first.number_of_values)] == [
        c.name for c in NET_COLUMNS
    ]
    assert first.get_value_data_as_integer(7) == 734_003_200
    assert first.get_value_data(1) == ole(T1)
    db.close()


def test_network_usage_events(tmp_path: Path) -> None:
    events, issues, ctx = run_parser("srum", srum_db(tmp_path))
    assert issues == [] and ctx.records_read == 3 and ctx.records_failed == 0
    net = [e for e in events if e.kind == "srum.network_usage"]
    assert [e.time for e in net] == [
        "2024-03-01T10:00:00.000000000Z",
        "2024-03-01T11:00:00.000000000Z",
    ]
    first = net[0]
    assert first.action is Action.SEND and first.time_role == "recorded"
    assert first.actor is not None and (first.actor.sid, first.actor.process) == (SID, APP)
    assert first.attributes["bytes_sent"] == 734_003_200
    assert first.attributes["bytes_received"] == 4096
    assert first.attributes["interface_luid"] == str(LUID)
    assert (first.locator.attribute, first.locator.record) == (
        "{973F5D5C-1D90-4944-BE8E-24B94231A174}",
        "0",
    )
    assert first.time_original is not None and first.time_original.startswith("oledate:")
    assert first.raw_sha256 != net[1].raw_sha256


def test_app_resource_usage_event(tmp_path: Path) -> None:
    events, _, _ = run_parser("srum", srum_db(tmp_path))
    (app,) = [e for e in events if e.kind == "srum.app_resource_usage"]
    assert app.action is Action.EXECUTE and app.time == "2024-03-01T10:00:00.000000000Z"
    assert app.attributes["foreground_bytes_written"] == 734_003_200
    assert app.object is not None and app.object.path == APP


def test_unresolved_ids_and_service_user_and_big_counts(tmp_path: Path) -> None:
    net = [net_record(ole(T1), 2**60, app=99, user=3)]
    events, issues, _ = run_parser("srum", srum_db(tmp_path, net))
    first = next(e for e in events if e.kind == "srum.network_usage")
    assert issues == []
    assert first.flags == ("srum_id_unresolved",) and first.attributes["app_id"] == 99
    assert first.actor is None or first.actor.sid is None
    assert first.attributes["user_name"] == SVC
    assert first.attributes["bytes_sent"] == str(2**60)


def test_bad_time_stamp_is_an_issue_and_the_rest_is_read(tmp_path: Path) -> None:
    nan = struct.pack("<d", float("nan"))
    events, issues, ctx = run_parser(
        "srum", srum_db(tmp_path, [net_record(nan, 1), net_record(ole(T2), 2)])
    )
    assert [(i.code, i.locator.attribute, i.locator.record) for i in issues] == [
        ("bad_time", "{973F5D5C-1D90-4944-BE8E-24B94231A174}", "0")
    ]
    assert ctx.records_failed == 1 and ctx.records_read == 2
    assert [e.attributes["bytes_sent"] for e in events if e.kind == "srum.network_usage"] == [2]


def test_truncated_database_is_an_issue(tmp_path: Path) -> None:
    path = srum_db(tmp_path)
    path.write_bytes(path.read_bytes()[: 3 * ese.PAGE])
    events, issues, ctx = run_parser("srum", path)
    assert events == [] and [(i.code, i.severity) for i in issues] == [("unreadable_ese", "error")]
    assert ctx.records_failed == 1


def test_ese_without_srum_tables(tmp_path: Path) -> None:
    path = ese.write_database(tmp_path / "other.edb", [id_table()])
    events, issues, _ = run_parser("srum", path)
    assert events == [] and [i.code for i in issues] == ["no_srum_tables"]


def test_detected_by_ese_signature(tmp_path: Path) -> None:
    assert detect_artifact_kind(srum_db(tmp_path)) == "srum"
    other = tmp_path / "x.bin"
    other.write_bytes(b"\0\0\0\0\xef\xcd\xab\x88" + bytes(100))
    assert detect_artifact_kind(other) != "srum"


@pytest.mark.parametrize(
    "path", ["Windows/System32/sru/SRUDB.dat", "WINDOWS/system32/SRU/srudb.dat"]
)
def test_in_image_glob(path: str) -> None:
    assert ArtifactHook("0" * 16, None, []).match(path) == "srum"


@pytest.mark.parametrize("content", [b"", bytes(4096), "random", "random_signed"])
def test_hostile_input_never_raises(content: bytes | str, tmp_path: Path) -> None:
    data = random.Random(7).randbytes(3 * ese.PAGE) if isinstance(content, str) else content
    if content == "random_signed":  # an ESE signature over random pages
        data = data[:4] + b"\xef\xcd\xab\x89" + data[8:]
    path = tmp_path / "SRUDB.dat"
    path.write_bytes(data)
    events, issues, ctx = run_parser("srum", path)
    assert events == [] and [i.code for i in issues] == ["unreadable_ese"]
    assert ctx.records_failed == 1


def test_deterministic(tmp_path: Path) -> None:
    path = srum_db(tmp_path)
    first, second = run_parser("srum", path)[0], run_parser("srum", path)[0]
    assert [e.model_dump() for e in first] == [e.model_dump() for e in second]


def test_ingest_artifact_recognises_srum(tmp_path: Path) -> None:
    evidence = tmp_path / "ev"
    evidence.mkdir()
    path = srum_db(evidence)
    Case.init(tmp_path / "case", "srum")
    run = CliRunner().invoke(
        cli, ["ingest", "artifact", str(path), "--case", str(tmp_path / "case")]
    )
    assert run.exit_code == 0 and "recognised as srum" in run.output
    stored = list(events_from_lines(Case(tmp_path / "case").store.event_lines()))
    sent = sorted(
        e["attributes"]["bytes_sent"] for e in stored if e["kind"] == "srum.network_usage"
    )
    assert sent == [5, 734_003_200]


def test_table_over_many_pages(tmp_path: Path) -> None:
    net = [net_record(ole(T1), sent) for sent in range(600)]
    path = srum_db(tmp_path, net)
    db = pyesedb.open(str(path))
    table = db.get_table_by_name("{973F5D5C-1D90-4944-BE8E-24B94231A174}")
    assert table.number_of_records == 600
    assert [table.get_record(i).get_value_data_as_integer(7) for i in (0, 299, 599)] == [
        0,
        299,
        599,
    ]
    db.close()
    assert path.stat().st_size > 30 * ese.PAGE  # a branch root over linked leaf pages
    events, issues, ctx = run_parser("srum", path)
    sent = [e.attributes["bytes_sent"] for e in events if e.kind == "srum.network_usage"]
    assert issues == [] and sent == list(range(600)) and ctx.records_read == 601


def test_ole_dates() -> None:
    from evidencekit.events.time import TimeError
    from evidencekit.parsers.srum import ole_date_time

    when = datetime(2024, 3, 1, 10, 0, 5, 123000, tzinfo=UTC)
    assert ole_date_time(ole(when)) == (
        "2024-03-01T10:00:05.123000000Z",
        f"oledate:{struct.unpack('<d', ole(when))[0]!r}",
    )
    assert ole_date_time(struct.pack("<d", 0.0))[0] == "1899-12-30T00:00:00.000000000Z"
    # negative: whole days back from 1899-12-30, the fraction still the time of day
    assert ole_date_time(struct.pack("<d", -1.25))[0] == "1899-12-29T06:00:00.000000000Z"
    assert ole_date_time(struct.pack("<d", -2.0))[0] == "1899-12-28T00:00:00.000000000Z"
    with pytest.raises(TimeError):
        ole_date_time(struct.pack("<d", 1e9))
    with pytest.raises(TimeError):
        ole_date_time(struct.pack("<d", float("inf")))


LONG_APP = "\\Device\\HarddiskVolume3\\" + "Users\\bob\\deep\\" * 300 + "exfil.exe"


def long_id_db(tmp_path: Path) -> Path:
    ids = id_table()
    blob = ese.LongValue(0x01020304, (LONG_APP + "\0").encode("utf-16-le"))
    ids.records[0] = {"IdType": 0, "IdIndex": 1, "IdBlob": blob}
    net = ese.Table(NET, NET_COLUMNS, [net_record(ole(T1), 7)])
    return ese.write_database(tmp_path / "SRUDB.dat", [ids, net])


def test_long_value_id_blob(tmp_path: Path) -> None:
    path = long_id_db(tmp_path)
    db = pyesedb.open(str(path))
    record = db.get_table_by_name("SruDbIdMapTable").get_record(0)
    assert record.is_long_value(2)
    data = record.get_value_data_as_long_value(2).get_data()
    assert (
        data.decode("utf-16-le").rstrip("\0") == LONG_APP and len(data) > 2 * ese.PAGE
    )  # larger than a page
    db.close()
    events, issues, _ = run_parser("srum", path)
    assert issues == [] and events[0].actor is not None
    assert events[0].actor.process == LONG_APP and events[0].actor.sid == SID


def test_damaged_table_page_is_an_issue_and_other_tables_are_read(tmp_path: Path) -> None:
    path = srum_db(tmp_path)
    data = bytearray(path.read_bytes())
    net_objid = 6  # the writer numbers table objects from 5 in table order
    pages = [n for n in range(2, len(data) // ese.PAGE) if data[n * ese.PAGE + 24] == net_objid]
    end = (pages[0] + 1) * ese.PAGE
    data[end - 8 : end - 6] = (0x1FFF).to_bytes(2, "little")  # tag 1: size beyond the page
    path.write_bytes(bytes(data))
    events, issues, ctx = run_parser("srum", path)
    assert [(i.code, i.locator.attribute, i.severity) for i in issues] == [
        ("unreadable_table", NET, "error")
    ]
    assert [e.kind for e in events] == ["srum.app_resource_usage"]
    assert ctx.records_failed == 1


def test_random_damage_never_raises(tmp_path: Path) -> None:
    base = srum_db(tmp_path).read_bytes()
    rng = random.Random(1)
    for _ in range(100):
        data = bytearray(base)
        for _ in range(rng.randint(1, 20)):
            data[rng.randrange(2 * ese.PAGE, len(data))] = rng.randrange(256)
        path = tmp_path / "damaged.dat"
        path.write_bytes(bytes(data))
        _events, issues, ctx = run_parser("srum", path)  # events validated by run_parser
        assert ctx.records_failed <= len(issues)


CONN_COLUMNS = [
    ese.Column(1, "AutoIncId", ese.LONG),
    ese.Column(2, "TimeStamp", ese.DATETIME),
    ese.Column(3, "AppId", ese.LONG),
    ese.Column(4, "UserId", ese.LONG),
    ese.Column(5, "InterfaceLuid", ese.LONGLONG),
    ese.Column(6, "L2ProfileId", ese.LONG),
    ese.Column(7, "ConnectedTime", ese.LONG),
    ese.Column(8, "ConnectStartTime", ese.LONGLONG),
    ese.Column(9, "L2ProfileFlags", ese.LONG),
]


def filetime(when: datetime) -> int:
    return int((when - datetime(1601, 1, 1, tzinfo=UTC)).total_seconds()) * 10**7


def test_network_connectivity(tmp_path: Path) -> None:
    start = datetime(2024, 3, 1, 8, 59, 30, tzinfo=UTC)
    rows = [
        {"AutoIncId": 1, "TimeStamp": ole(T1), "AppId": 1, "UserId": 2, "InterfaceLuid": LUID,
         "L2ProfileId": 268435461, "ConnectedTime": 3630, "ConnectStartTime": filetime(start),
         "L2ProfileFlags": 0},
        {"AutoIncId": 2, "TimeStamp": ole(T2), "AppId": 1, "UserId": 2, "InterfaceLuid": LUID,
         "L2ProfileId": 0, "ConnectedTime": 10, "ConnectStartTime": 0, "L2ProfileFlags": 0},
    ]  # fmt: skip
    table = ese.Table("{DD6636C4-8929-4683-974E-22C046A43763}", CONN_COLUMNS, rows)
    path = ese.write_database(tmp_path / "SRUDB.dat", [id_table(), table])
    db = pyesedb.open(str(path))
    check = db.get_table_by_name("{DD6636C4-8929-4683-974E-22C046A43763}").get_record(0)
    assert check.get_value_data_as_integer(7) == filetime(start)
    db.close()
    events, issues, _ = run_parser("srum", path)
    assert issues == [] and [e.kind for e in events] == ["srum.network_connectivity"] * 2
    first, second = events
    assert first.action is Action.OTHER and first.time == "2024-03-01T10:00:00.000000000Z"
    assert first.attributes["connect_start"] == "2024-03-01T08:59:30.000000000Z"
    assert first.attributes["connected_seconds"] == 3630
    assert first.attributes["l2_profile_id"] == 268435461
    assert "connect_start" not in second.attributes

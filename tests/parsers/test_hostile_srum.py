"""Hostile SRUDB.dat files: id-map entries without their index or type, and random
damage to a database written by tests/writers/ese_writer.py. No exception may escape;
what cannot be used is a located issue."""

from __future__ import annotations

import random
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from evidencekit.model import ParseIssue
from tests.parsers.test_artifact_srum import (
    APP_COLUMNS,
    ID_COLUMNS,
    NET,
    NET_COLUMNS,
    T1,
    id_table,
    net_record,
    ole,
)
from tests.writers import ese_writer as ese
from tests.writers.artifacts import run_parser


def test_id_map_without_its_type_column_is_an_issue_per_entry(tmp_path: Path) -> None:
    # libesedb gives zeros for a NULL fixed column, so a missing value can only come
    # from a table that lacks the column: every entry is then unusable, and says so.
    ids = id_table()
    columns = [ese.Column(1, "IdIndex", ese.LONG), ID_COLUMNS[2]]
    tables = [
        ese.Table(ids.name, columns, [{k: v for k, v in r.items() if k != "IdType"}
                                      for r in ids.records]),
        ese.Table(NET, NET_COLUMNS, [net_record(ole(T1), 5)]),
    ]  # fmt: skip
    path = ese.write_database(tmp_path / "SRUDB.dat", tables)
    events, issues, _ = run_parser("srum", path)
    assert [(i.code, i.locator.attribute, i.locator.record) for i in issues] == [
        ("unreadable_record", "SruDbIdMapTable", str(n)) for n in range(3)
    ]
    assert "no IdIndex or IdType" in issues[0].message
    assert len(events) == 1 and events[0].flags == ("srum_id_unresolved",)


@settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(st.integers(min_value=0, max_value=2**32 - 1))
def test_random_damage_never_escapes(tmp_path: Path, seed: int) -> None:
    rows = [net_record(ole(T1), n) for n in range(30)]
    app = {"AutoIncId": 1, "TimeStamp": ole(T1), "AppId": 1, "UserId": 2}
    tables = [id_table(), ese.Table(NET, NET_COLUMNS, rows),
              ese.Table("{D10CA2FE-6FCF-4F6D-848E-B2E99266FA89}", APP_COLUMNS, [app])]  # fmt: skip
    data = bytearray(ese.write_database(tmp_path / "clean.dat", tables).read_bytes())
    rng = random.Random(seed)
    for _ in range(rng.randrange(1, 24)):
        data[rng.randrange(ese.PAGE, len(data))] = rng.randrange(256)
    path = tmp_path / "SRUDB.dat"
    path.write_bytes(bytes(data[: rng.randrange(ese.PAGE * 2, len(data) + 1)]))
    events, issues, ctx = run_parser("srum", path)  # validates every event
    assert all(isinstance(i, ParseIssue) and i.locator.path for i in issues)
    assert ctx.records_read == len(events)

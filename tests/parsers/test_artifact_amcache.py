"""Amcache.hve (both layouts) written at test time with the REGF writer, read back by
libregf; executions of listed tools are flagged."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pyregf

from evidencekit.model import Action
from tests.writers.artifacts import run_parser
from tests.writers.regf_writer import Key, write_hive

SHA1 = "0123456789abcdef0123456789abcdef01234567"
T = 133_560_000_000_000_000


def test_amcache_entries_and_tool_flags(tmp_path: Path) -> None:
    root = Key("ROOT", T)
    new = root.path("Root\\InventoryApplicationFile\\veracrypt.exe|1a2b3c4d", T + 10_000_000)
    new.sz("LowerCaseLongPath", "c:\\program files\\veracrypt\\veracrypt.exe")
    new.sz("FileId", "0000" + SHA1).sz("ProductName", "VeraCrypt").sz("Publisher", "IDRIX")
    new.dword("Size", 1234)
    old = root.path("Root\\File\\{11111111-2222-3333-4444-555555555555}\\1f", T)
    old.sz("15", "C:\\Tools\\sdelete64.exe").sz("101", "0000" + SHA1.upper())
    path = tmp_path / "Amcache.hve"
    path.write_bytes(write_hive(root, "Amcache.hve"))
    independent = pyregf.file()
    independent.open(str(path))
    key = independent.get_key_by_path("\\Root\\InventoryApplicationFile")
    assert key.get_sub_key(0).get_value_by_name("FileId").get_data_as_string() == "0000" + SHA1
    independent.close()

    events, issues, ctx = run_parser("registry", path)
    assert issues == [] and ctx.records_read == 2
    by_name = {e.object.name: e for e in events if e.object}
    vera = by_name["veracrypt.exe"]
    assert vera.action is Action.EXECUTE and vera.time_role == "amcache_recorded"
    written = datetime(1601, 1, 1, tzinfo=UTC) + timedelta(microseconds=(T + 10_000_000) // 10)
    assert vera.time == written.strftime("%Y-%m-%dT%H:%M:%S.%f000Z")
    assert vera.object is not None and vera.object.sha1 == SHA1
    assert vera.flags == ("tool.encryptor",) and vera.attributes["size"] == 1234
    wiper = by_name["sdelete64.exe"]
    assert wiper.flags == ("tool.wiper",) and wiper.object is not None
    assert wiper.object.sha1 == SHA1
    assert wiper.attributes["volume_guid"] == "11111111-2222-3333-4444-555555555555"


def test_tool_matched_by_sha1_only(tmp_path: Path) -> None:
    root = Key("ROOT", T)
    entry = root.path("Root\\InventoryApplicationFile\\renamed.exe|1", T)
    entry.sz("LowerCaseLongPath", "c:\\users\\bob\\renamed.exe").sz("FileId", "0000" + SHA1)
    path = tmp_path / "Amcache.hve"
    path.write_bytes(write_hive(root, "Amcache.hve"))
    tools = tmp_path / "tools.toml"
    tools.write_text(f'[[tool]]\nname = "x"\ncategory = "wiper"\nsha1 = ["{SHA1.upper()}"]\n')
    events, _, _ = run_parser("registry", path, tools_file=str(tools))
    assert [e.flags for e in events] == [("tool.wiper",)]
    events, _, _ = run_parser("registry", path)
    assert [e.flags for e in events] == [()]

"""ShellBags from a UsrClass.dat written at test time (REGF writer + shell-item writer,
read back by libregf and libfwsi), cross-checked with regipy's own ShellBag plugin."""

from __future__ import annotations

import struct
from pathlib import Path

import pyfwsi
import pyregf
from regipy.plugins.usrclass.shellbags_usrclass import ShellBagUsrclassPlugin
from regipy.registry import RegistryHive

from evidencekit.model import Action
from tests.writers.artifacts import run_parser
from tests.writers.regf_writer import Key, write_hive
from tests.writers.shellitem_writer import directory, root_folder, volume

BAGMRU = "Local Settings\\Software\\Microsoft\\Windows\\Shell\\BagMRU"
T = 133_560_000_000_000_000
MRU = struct.pack("<iI", 0, 0xFFFFFFFF)


def _usrclass(tmp_path: Path, corrupt: bool = False) -> Path:
    root = Key("ROOT", T)
    bag = root.path(BAGMRU, T)
    bag.binary("0", root_folder()).binary("MRUListEx", MRU)
    computer = bag.key("0", T + 1)
    computer.binary("0", volume("E")).binary("MRUListEx", MRU)
    drive = computer.key("0", T + 2)
    secret = directory("Secret Plans", (2024, 3, 23, 12, 0, 0))
    if corrupt:
        secret = secret[:3]
    drive.binary("0", secret).binary("MRUListEx", MRU)
    drive.key("0", T + 3)
    path = tmp_path / "UsrClass.dat"
    path.write_bytes(write_hive(root, "UsrClass.dat"))
    hive = pyregf.file()
    hive.open(str(path))
    assert hive.get_key_by_path("\\" + BAGMRU + "\\0\\0\\0") is not None
    hive.close()
    return path


def test_writer_items_read_by_libfwsi() -> None:
    items = pyfwsi.item_list()
    items.copy_from_byte_stream(
        root_folder() + volume("E") + directory("Secret Plans", (2024, 3, 23, 12, 0, 0)) + b"\0\0"
    )
    assert items.number_of_items == 3
    assert items.get_item(1).name == "E:\\"
    assert items.get_item(2).get_extension_block(0).long_name == "Secret Plans"


def test_shellbags_folder_on_e(tmp_path: Path) -> None:
    path = _usrclass(tmp_path)
    events, issues, ctx = run_parser("shellbags", path)
    assert issues == [] and ctx.records_read == 3
    secret = next(e for e in events if e.object and e.object.name == "Secret Plans")
    assert secret.action is Action.ACCESS
    assert secret.object is not None and secret.object.path == "E:\\Secret Plans"
    assert secret.device is not None and secret.device.drive_letter == "E:"
    assert secret.attributes["shell_path"] == "My Computer\\E:\\Secret Plans"
    assert secret.attributes["folder_modified_fat"] == "2024-03-23T12:00:00"
    plugin = ShellBagUsrclassPlugin(RegistryHive(str(path)), as_json=True)
    plugin.run()
    theirs = {e["path"].replace("\\\\", "\\") for e in plugin.entries}  # regipy keeps "E:\\"
    assert "My Computer\\E:\\Secret Plans" in theirs


def test_broken_shell_item_is_an_issue(tmp_path: Path) -> None:
    path = _usrclass(tmp_path, corrupt=True)
    events, issues, _ = run_parser("shellbags", path)
    assert [i.code for i in issues] == ["bad_shell_item"]
    assert issues[0].locator.attribute == "\\" + BAGMRU + "\\0\\0\\0"
    assert {e.object.name for e in events if e.object} == {"My Computer", "E:"}

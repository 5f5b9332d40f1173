"""``evidencekit ingest image`` end to end."""

from __future__ import annotations

import hashlib
import json
import os
from pathlib import Path

from click.testing import CliRunner

from cli.main import cli
from evidencekit.errors import UnreadableInput
from tests.sources.conftest import FAT_FILES, Built


def _case(runner: CliRunner, folder: Path) -> None:
    result = runner.invoke(cli, ["case", "init", str(folder), "--id", "case-1"])
    assert result.exit_code == 0, result.output


def test_ingest_image_json_summary(fat_image: Built, tmp_path: Path) -> None:
    runner = CliRunner()
    _case(runner, tmp_path / "case")
    args = ["ingest", "image", str(fat_image.path), "--case", str(tmp_path / "case"),
            "--tz", "Asia/Tokyo", "--json"]  # fmt: skip
    result = runner.invoke(cli, args)
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    assert data["files"] == 6  # 4 files + the deleted one + the volume label entry
    assert (data["deleted"], data["recovered"], data["marked"]) == (1, 1, 3)
    assert data["source"]["time_zone"] == "Asia/Tokyo"
    assert data["source"]["sha256"] == hashlib.sha256(fat_image.path.read_bytes()).hexdigest()
    inventory = Path(data["inventory"]).read_text(encoding="utf-8").splitlines()
    paths = {json.loads(line)["path"] for line in inventory}
    assert set(FAT_FILES) <= paths


def test_ingest_image_nothing_readable_exits_nonzero(tmp_path: Path) -> None:
    runner = CliRunner()
    _case(runner, tmp_path / "case")
    evidence = tmp_path / "evidence"
    evidence.mkdir()
    image = evidence / "noise.img"
    image.write_bytes(os.urandom(1 << 20))
    result = runner.invoke(cli, ["ingest", "image", str(image), "--case", str(tmp_path / "case")])
    assert result.exit_code == 1
    assert "Nothing could be read from noise.img" in result.output
    assert "no readable file system" in result.output


def test_ingest_image_custom_markings(fat_image: Built, tmp_path: Path) -> None:
    runner = CliRunner()
    _case(runner, tmp_path / "case")
    args = ["ingest", "image", str(fat_image.path), "--case", str(tmp_path / "case"),
            "--marking", "Quarterly", "--json"]  # fmt: skip
    data = json.loads(runner.invoke(cli, args).output)
    assert data["marked"] == 1
    assert data["source"]["parameters"]["markings"] == ["Quarterly"]


def test_ingest_image_unknown_zone_is_refused(fat_image: Built, tmp_path: Path) -> None:
    runner = CliRunner()
    _case(runner, tmp_path / "case")
    args = ["ingest", "image", str(fat_image.path), "--case", str(tmp_path / "case"),
            "--tz", "Mars/Olympus"]  # fmt: skip
    result = runner.invoke(cli, args)
    assert result.exit_code != 0
    assert "unknown time zone 'Mars/Olympus'" in str(result.exception)


def test_empty_and_broken_containers(tmp_path: Path) -> None:
    runner = CliRunner()
    _case(runner, tmp_path / "case")
    evidence = tmp_path / "evidence"
    evidence.mkdir()
    (evidence / "empty.img").write_bytes(b"")
    (evidence / "bad.E01").write_bytes(b"EVF\x09\x0d\x0a\xff\x00" + b"garbage" * 10)
    empty = runner.invoke(cli, ["ingest", "image", str(evidence / "empty.img"),
                                "--case", str(tmp_path / "case")])  # fmt: skip
    assert empty.exit_code == 1
    assert "Nothing could be read from empty.img" in empty.output
    bad = runner.invoke(cli, ["ingest", "image", str(evidence / "bad.E01"),
                              "--case", str(tmp_path / "case")])  # fmt: skip
    assert isinstance(bad.exception, UnreadableInput)
    assert "cannot open the EWF image" in str(bad.exception)

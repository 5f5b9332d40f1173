"""``evidencekit demo`` as README.md's first command: it runs whatever passphrase the
examiner's shell holds for their own keys, re-runs in its own folder, and does not
overwrite a folder that holds another case file."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]

pytestmark = pytest.mark.skipif(
    not all(shutil.which(t) for t in ("mkfs.vfat", "mcopy")), reason="needs dosfstools, mtools"
)


def _demo(folder: Path, **env: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "cli.main", "--json", "demo", str(folder)],
        cwd=REPO,
        env={**os.environ, **env},
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )


def test_demo_runs_with_another_key_passphrase_set_and_again(tmp_path: Path) -> None:
    folder = tmp_path / "demo"
    first = _demo(folder, EVIDENCEKIT_KEY_PASSPHRASE="the examiner's own passphrase")
    assert first.returncode == 0, first.stderr[-2000:]
    again = _demo(folder)
    assert again.returncode == 0, again.stderr[-2000:]
    assert sorted(p.name for p in (folder / "output" / "packages").glob("*.tar")) == [
        "EK-2025-001-001.tar",
        "EK-2025-001-002.tar",
    ]


def test_demo_refuses_a_folder_with_another_case_file(tmp_path: Path) -> None:
    own = tmp_path / "case.toml"
    own.write_text('[case]\nid = "REAL-1"\n', encoding="utf-8")
    run = _demo(tmp_path)
    assert run.returncode == 1
    assert f"{own} is not the sample case's" in run.stderr
    assert own.read_text(encoding="utf-8") == '[case]\nid = "REAL-1"\n'
    assert sorted(p.name for p in tmp_path.iterdir()) == ["case.toml"]

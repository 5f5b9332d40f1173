"""The near-duplicate pass gives the same result under any PYTHONHASHSEED (sets of
shingles are iterated in hash order; only their sorted or keyed-hash views may count),
and whatever order the file system lists the folder in."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from tests.analysis.textdocs import CATALOGUE_OTHER, SPEC, edited_copy

_SCRIPT = """
import json, sys
from pathlib import Path
from evidencekit.analysis.folders import load_folder
from evidencekit.analysis.publicity import compare
from tests.analysis.test_hostile_folders import _PARAMS
base = Path(sys.argv[1])
pub = load_folder(base, "public", "public_corpus").files
sec = load_folder(base, "secret", "secret_set").files
got = compare(sec, pub, _PARAMS)
print(json.dumps({
    "docs": [[d.file.name, d.size, [h.hex() for h in d.sketch]] for d in got.secret + got.public],
    "near": [[n.secret.name, n.public.name, n.inter, n.union] for n in got.near],
    "other": [got.unreadable, [f.name for f in got.too_short], got.truncated, got.licences],
}, sort_keys=True))
"""


def _run(base: Path, seed: str) -> str:
    env = {**os.environ, "PYTHONHASHSEED": seed}
    root = Path(__file__).resolve().parents[2]
    done = subprocess.run(
        [sys.executable, "-c", _SCRIPT, str(base)],
        cwd=root, env=env, capture_output=True, text=True, check=True, timeout=120,
    )  # fmt: skip
    return done.stdout


def test_same_result_under_different_hash_seeds_and_creation_orders(tmp_path: Path) -> None:
    texts = {
        "public/edited.txt": "\n".join(edited_copy()),
        "public/other.txt": "\n".join(CATALOGUE_OTHER),
        "public/z/short.txt": "短い",
        "secret/spec.txt": "\n".join(SPEC),
        "secret/gpl.c": "// SPDX-License-Identifier: GPL-2.0-only\nint main(void) { return 0; }\n",
    }
    for run, order in (("a", sorted(texts)), ("b", sorted(texts, reverse=True))):
        for rel in order:  # files created in the opposite order: a different listing order
            path = tmp_path / run / rel
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(texts[rel], encoding="utf-8")
    outputs = [_run(tmp_path / "a", "0"), _run(tmp_path / "b", "4242")]
    assert outputs[0] == outputs[1]
    parsed = json.loads(outputs[0])
    assert parsed["near"] and parsed["other"][3] == {"secret_set/gpl.c": ["GPL-2.0-only"]}

"""``evidencekit analyze`` writes analysis.json, logs custody and prints a summary."""

from __future__ import annotations

import json

from click.testing import CliRunner

from cli.main import cli
from evidencekit.analysis.model import AnalysisResult
from evidencekit.sources.hashing import hash_file
from tests.analysis.conftest import Built


def test_analyze_command_json_and_file(b4: Built) -> None:
    case, opts, _ = b4
    args = [
        "analyze",
        "--case",
        str(case.root),
        "--legal",
        "jp_ucpa_criminal",
        "--identities",
        str(opts.identities),
        "--assets",
        str(opts.assets),
        "--json",
    ]
    run = CliRunner().invoke(cli, args, catch_exceptions=False)
    assert run.exit_code == 0, run.output
    data = json.loads(run.output)
    path = case.root / "analysis" / "analysis.json"
    assert data["sha256"] == hash_file(path).sha256
    result = AnalysisResult.model_validate_json(path.read_bytes())
    assert result.profile_id == "jp_ucpa_criminal"
    assert data["persons"] == {"e10": "参考"}
    entry = case.custody.entries()[-1]
    assert entry.action == "analysis" and entry.evidence == {
        "analysis/analysis.json": data["sha256"]
    }


def test_analyze_command_human_summary(b4: Built) -> None:
    case, _opts, _ = b4
    run = CliRunner().invoke(cli, ["analyze", "--case", str(case.root)], catch_exceptions=False)
    assert run.exit_code == 0
    assert "要件事実マトリクス" in run.output and "not assessed" in run.output

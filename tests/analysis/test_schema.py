"""The checked-in JSON Schema matches the analysis models (no drift)."""

import json
from pathlib import Path

from evidencekit.analysis.model import json_schema, tier_for_points

SCHEMA = Path(__file__).resolve().parents[2] / "schemas" / "analysis.schema.json"


def test_schema_file_matches_models() -> None:
    assert json.loads(SCHEMA.read_text(encoding="utf-8")) == json_schema()


def test_tier_boundaries_follow_the_map() -> None:
    # §3.4: <=3 参考, 4-6 要確認, 7-9 重要, >=10 重大
    assert [tier_for_points(p) for p in (-2, 3, 4, 6, 7, 9, 10, 15)] == [
        "参考",
        "参考",
        "要確認",
        "要確認",
        "重要",
        "重要",
        "重大",
        "重大",
    ]

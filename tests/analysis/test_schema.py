"""Tier boundaries; the analysis JSON Schema is checked by tests/test_schemas.py."""

from evidencekit.analysis.model import tier_for_points


def test_tier_boundaries_follow_the_map() -> None:
    # §3.4: <=3 参考, 4-6 要確認, 7-9 重要, >=10 重大
    tiers = [tier_for_points(p) for p in (-2, 3, 4, 6, 7, 9, 10, 15)]
    assert tiers == ["参考", "参考", "要確認", "要確認", "重要", "重要", "重大", "重大"]

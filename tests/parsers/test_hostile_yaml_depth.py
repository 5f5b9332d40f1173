"""Hostile YAML profiles that ``safe_load`` accepts or chokes on: deep nesting (the
composer recurses per level) and merge keys. Each must be a ProfileError, quickly."""

from __future__ import annotations

from pathlib import Path

import pytest

from evidencekit.parsers.profile import MAX_PROFILE_BYTES, ProfileError, load_profile


@pytest.mark.parametrize(
    ("text", "fragment"),
    [
        ("[" * 200_000 + "]" * 200_000, "nested deeper"),
        ("{a: " * 100_000 + "1" + "}" * 100_000, "nested deeper"),
        ("kind: x\ntime:\n" + "".join("  " * i + f"k{i}:\n" for i in range(1, 60)), "nested"),
        ("<<: {kind: x}\nkind: y\n", "merge keys"),
        ("kind: y\ncolumns:\n  <<: {a: b}\n", "merge keys"),
    ],
)
def test_deep_or_merging_yaml_is_a_profile_error(tmp_path: Path, text: str, fragment: str) -> None:
    assert len(text.encode()) <= MAX_PROFILE_BYTES
    path = tmp_path / "hostile.yaml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(ProfileError) as info:
        load_profile(path)
    assert fragment in str(info.value)


def test_quoted_merge_lookalike_is_an_ordinary_key(tmp_path: Path) -> None:
    path = tmp_path / "quoted.yaml"
    path.write_text('"<<": 1\n', encoding="utf-8")
    with pytest.raises(ProfileError) as info:
        load_profile(path)
    assert "merge keys" not in str(info.value)  # refused for the missing fields, not as a merge


@pytest.mark.parametrize(
    "text",
    ["a = " + "[" * 200_000 + "]" * 200_000, "a = " + "{a = " * 50_000 + "1" + "}" * 50_000],
)
def test_deeply_nested_toml_is_a_profile_error(tmp_path: Path, text: str) -> None:
    path = tmp_path / "hostile.toml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(ProfileError, match="nested too deeply"):
        load_profile(path)

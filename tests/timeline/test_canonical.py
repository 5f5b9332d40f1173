"""RFC 8785 canonical JSON against the cyberphone vectors, and the fast path against it."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
import rfc8785
from hypothesis import given
from hypothesis import strategies as st

from evidencekit.errors import ModelError
from evidencekit.timeline.canonical import dumps, dumps_fast, is_canonical, loads_strict
from tests.conftest import VECTORS

JCS = VECTORS / "jcs"


def _cases() -> list[str]:
    return sorted(p.stem for p in (JCS / "input").glob("*.json")) if JCS.exists() else []


@pytest.mark.parametrize("name", _cases())
def test_jcs_vector(name: str) -> None:
    data = json.loads((JCS / "input" / f"{name}.json").read_text(encoding="utf-8"))
    expected = (JCS / "output" / f"{name}.json").read_bytes()
    assert dumps(data) == expected.rstrip(b"\n") or dumps(data) == expected
    hex_expected = "".join((JCS / "outhex" / f"{name}.txt").read_text().split())
    assert dumps(data).hex() == hex_expected


def test_the_jcs_vectors_are_all_there() -> None:
    if not JCS.exists():
        pytest.skip("../shared/vectors is absent")
    assert len(_cases()) == 6


safe_keys = st.from_regex(r"[A-Za-z0-9_.:-]{1,12}", fullmatch=True)
safe_ints = st.integers(min_value=-(2**53) + 1, max_value=2**53 - 1)
safe_text = st.text(st.characters(exclude_categories=("Cs",)), max_size=20)
safe_json = st.recursive(
    st.none() | st.booleans() | safe_ints | safe_text,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(safe_keys, inner, max_size=5),
    max_leaves=25,
)


@given(safe_json)
def test_fast_path_equals_rfc8785_on_the_model_subset(value: Any) -> None:
    assert dumps_fast(value) == rfc8785.dumps(value)
    assert is_canonical(dumps_fast(value))


def test_integers_beyond_2_53_are_refused() -> None:
    with pytest.raises(ModelError):
        dumps({"usn": 2**53})


def test_duplicate_keys_and_nan_are_refused_when_reading() -> None:
    with pytest.raises(ModelError, match="duplicate key 'a'"):
        loads_strict(b'{"a":1,"a":2}')
    with pytest.raises(ModelError, match="NaN"):
        loads_strict(b'{"a":NaN}')


def test_non_canonical_bytes_are_recognised() -> None:
    assert not is_canonical(b'{"b":1, "a":2}')
    assert not is_canonical(b'{"b":1,"a":2}')
    assert is_canonical(b'{"a":2,"b":1}')


def test_vectors_folder_is_read_only_input(tmp_path: Path) -> None:
    # The canonical form of our own model data round-trips through strict parsing.
    text = dumps({"z": [1, "二"], "a": {"b": None}})
    assert loads_strict(text) == {"a": {"b": None}, "z": [1, "二"]}

"""Operator-supplied TOML nested deeper than the parser's recursion (a list of lists
100,000 deep) is refused with the loader's own typed error, never a RecursionError."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from evidencekit.analysis.assets import load_assets
from evidencekit.analysis.config import AnalysisError
from evidencekit.analysis.identities import load_identities
from evidencekit.case.definition import CaseDefinitionError, load_definition

DEEP = "x = " + "[" * 100_000 + "]" * 100_000 + "\n"


@pytest.mark.parametrize(
    ("load", "error"),
    [
        (load_definition, CaseDefinitionError),
        (load_assets, AnalysisError),
        (load_identities, AnalysisError),
    ],
)
def test_deep_toml_is_a_typed_error(
    tmp_path: Path, load: Callable[[Path], Any], error: type[Exception]
) -> None:
    path = tmp_path / "deep.toml"
    path.write_text(DEEP, encoding="utf-8")
    with pytest.raises(error):
        load(path)

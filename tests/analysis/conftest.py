"""Scenario cases are built once per session (real case folders, sealed timelines)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from evidencekit.analysis.engine import AnalysisOptions, analyze
from evidencekit.analysis.model import AnalysisResult
from evidencekit.case.workspace import Case
from tests.analysis import scenarios as sc

Built = tuple[Case, AnalysisOptions, AnalysisResult]


def _build(factory: pytest.TempPathFactory, name: str, fn: Callable[..., Any], **kw: Any) -> Built:
    case, opts = fn(factory.mktemp(name), **kw)
    return case, opts, analyze(case, opts)


@pytest.fixture(scope="session")
def p1(tmp_path_factory: pytest.TempPathFactory) -> Built:
    return _build(tmp_path_factory, "p1", sc.build_p1)


@pytest.fixture(scope="session")
def p2(tmp_path_factory: pytest.TempPathFactory) -> Built:
    return _build(tmp_path_factory, "p2", sc.build_p2)


@pytest.fixture(scope="session")
def p4(tmp_path_factory: pytest.TempPathFactory) -> Built:
    return _build(tmp_path_factory, "p4", sc.build_p4)


@pytest.fixture(scope="session")
def p8(tmp_path_factory: pytest.TempPathFactory) -> Built:
    return _build(tmp_path_factory, "p8", sc.build_p8)


@pytest.fixture(scope="session")
def p6(tmp_path_factory: pytest.TempPathFactory) -> Built:
    return _build(tmp_path_factory, "p6", sc.build_p6)


@pytest.fixture(scope="session")
def p3(tmp_path_factory: pytest.TempPathFactory) -> Built:
    return _build(tmp_path_factory, "p3", sc.build_p3)


@pytest.fixture(scope="session")
def p5(tmp_path_factory: pytest.TempPathFactory) -> Built:
    return _build(tmp_path_factory, "p5", sc.build_p5)


@pytest.fixture(scope="session")
def p7(tmp_path_factory: pytest.TempPathFactory) -> Built:
    return _build(tmp_path_factory, "p7", sc.build_p7)


@pytest.fixture(scope="session")
def n1(tmp_path_factory: pytest.TempPathFactory) -> Built:
    return _build(tmp_path_factory, "n1", sc.build_n1)


@pytest.fixture(scope="session")
def n1_guard(tmp_path_factory: pytest.TempPathFactory) -> Built:
    return _build(tmp_path_factory, "n1g", sc.build_n1, usb_guard=True)


@pytest.fixture(scope="session")
def n2(tmp_path_factory: pytest.TempPathFactory) -> Built:
    return _build(tmp_path_factory, "n2", sc.build_n2)


@pytest.fixture(scope="session")
def n3(tmp_path_factory: pytest.TempPathFactory) -> Built:
    return _build(tmp_path_factory, "n3", sc.build_n3)


@pytest.fixture(scope="session")
def b4(tmp_path_factory: pytest.TempPathFactory) -> Built:
    return _build(tmp_path_factory, "b4", sc.build_b4)


@pytest.fixture(scope="session")
def positives(
    p1: Built, p2: Built, p3: Built, p4: Built, p5: Built, p6: Built, p7: Built, p8: Built
) -> dict[str, Built]:
    return {"P1": p1, "P2": p2, "P3": p3, "P4": p4, "P5": p5, "P6": p6, "P7": p7, "P8": p8}


@pytest.fixture(scope="session")
def benign(n1: Built, n2: Built, n3: Built, b4: Built) -> dict[str, Built]:
    return {"N1": n1, "N2": n2, "N3": n3, "B4": b4}


def statuses(result: AnalysisResult) -> dict[str, str]:
    return {e.element: e.status for e in result.elements}


def rerun(built: Built, **changes: Any) -> AnalysisResult:
    """Analyse the same case again with changed options (profile, HR, assets)."""
    case, opts, _ = built
    return analyze(case, AnalysisOptions(**{**opts.__dict__, **changes}))


def root_of(built: Built) -> Path:
    return built[0].root

"""The analysis pauses the cyclic garbage collector (``stream.paused_gc``): that is sound only
while the pass creates no reference cycles, since reference counting alone must free every
event and every piece of state the rules drop. Checked on every scenario case: with the
collector off, a whole analysis leaves nothing for it to find."""

from __future__ import annotations

import gc

import pytest

from evidencekit.analysis.engine import analyze
from evidencekit.analysis.stream import paused_gc
from tests.analysis.conftest import Built


def test_paused_gc_restores_the_collector_state() -> None:
    assert gc.isenabled()
    with paused_gc():
        assert not gc.isenabled()
    assert gc.isenabled()
    gc.disable()
    try:
        with paused_gc():
            assert not gc.isenabled()
        assert not gc.isenabled()  # a caller's own choice is kept
    finally:
        gc.enable()


def test_paused_gc_restores_the_collector_after_an_error() -> None:
    with pytest.raises(RuntimeError), paused_gc():
        raise RuntimeError("boom")
    assert gc.isenabled()


def test_analysis_creates_no_reference_cycles(
    positives: dict[str, Built], benign: dict[str, Built]
) -> None:
    for name, (case, opts, _) in {**positives, **benign}.items():
        gc.collect()
        gc.disable()
        try:
            result = analyze(case, opts)
            assert gc.collect() == 0, name  # nothing unreachable was left for the collector
        finally:
            gc.enable()
        assert result.findings, name

"""What every proof-gap rule uses (:mod:`gaps`, :mod:`gaps_acts`): the inputs, the element
status as the matrix gives it, and the :class:`Gap` constructor."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from evidencekit.analysis.model import ElementStatus, Finding, Gap, SourceKindCoverage
from evidencekit.analysis.profile import Profile

WEAK = ("not_found", "partially_supported", "contradicted", "not_assessed")


@dataclass
class GapInputs:
    """Facts the gap rules look at."""

    profile: Profile
    rows: dict[str, ElementStatus]
    findings: list[Finding]
    coverage: tuple[SourceKindCoverage, ...]
    shared: dict[str, Any]
    has_corpus: bool
    assets: list[Any]
    hr_supplied: bool
    undated: int = 0  # events the rules read that had no usable time


def gap(
    gid: str,
    element: str,
    pri: str,
    ja: str,
    en: str,
    nxt: tuple[str, ...] = (),
    searched: tuple[str, ...] = (),
    topics: tuple[str, ...] = (),
    findings: tuple[str, ...] = (),
) -> Gap:
    return Gap(
        id=gid,
        element=element,
        priority=pri,
        statement_ja=ja,
        statement_en=en,
        next_evidence=nxt,
        searched=searched,
        interview_topics=topics,
        findings=findings,
    )


def status_of(g: GapInputs, element: str) -> str | None:
    row = g.rows.get(element)
    if row is not None:
        return row.status
    for e in g.profile.elements:
        if element in e.also and e.id in g.rows:
            return g.rows[e.id].status
    return None

"""Baselines for volume rules (map §3.1 "Baselines"): the person's own rolling 60 days, or
the peer group (same department and role from the identity map), with robust statistics.

Robust z-score: ``z = (x - median) / (1.4826 * MAD)``; 1.4826 makes the MAD a consistent
estimate of the standard deviation for normal data. When the MAD is 0 (more than half the
values equal), the mean absolute deviation scaled by 1.2533 is used instead (the usual
"modified z" fallback); when that is 0 too, every value equals the median and any other
value is infinitely far from it. Numbers written to ``analysis.json`` are text (canonical
JSON carries no floats).
"""

from __future__ import annotations

import math
from bisect import bisect_left, bisect_right
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from statistics import median
from typing import Any, Protocol

MAD_SCALE = 1.4826
MEANAD_SCALE = 1.2533
METRICS = ("files", "bytes", "rows")
"""Per-day volumes compared with baselines: files read, bytes read, DB rows exported."""


class DayVolume(Protocol):
    """What a rule's per-day record must offer (R02's day record does)."""

    @property
    def b(self) -> Any: ...  # a Bucket: ``files`` and ``bytes``

    @property
    def rows(self) -> int: ...


def metric(day: DayVolume, name: str) -> int:
    """One of :data:`METRICS` of a day record."""
    if name == "rows":
        return int(day.rows)
    return int(getattr(day.b, name))


def mad(values: Sequence[float], centre: float) -> float:
    return float(median(abs(v - centre) for v in values))


def robust_z(x: float, values: Sequence[float]) -> float:
    """Robust z-score of ``x`` against ``values`` (see the module docstring)."""
    if not values:
        return math.nan
    m = float(median(values))
    scale = MAD_SCALE * mad(values, m)
    if scale == 0:
        scale = MEANAD_SCALE * sum(abs(v - m) for v in values) / len(values)
    if scale == 0:
        return 0.0 if x == m else math.copysign(math.inf, x - m)
    return (x - m) / scale


def ztext(z: float) -> str:
    """A z-score as text for the result (``inf`` / ``-inf`` / two decimals)."""
    if math.isinf(z):
        return "inf" if z > 0 else "-inf"
    return "nan" if math.isnan(z) else f"{z:.2f}"


def shift(day: str, n: int) -> str:
    return (date.fromisoformat(day) + timedelta(days=n)).isoformat()


@dataclass
class Series:
    """A person's active days (sorted local dates) and their day records."""

    days: dict[str, Any]
    order: list[str] = field(default_factory=list)
    _cols: dict[str, list[int]] = field(default_factory=dict, repr=False)

    def __post_init__(self) -> None:
        self.order = sorted(self.days)

    def column(self, name: str) -> list[int]:
        """One metric for every active day, aligned with :attr:`order` (built once)."""
        col = self._cols.get(name)
        if col is None:
            col = self._cols[name] = [metric(self.days[d], name) for d in self.order]
        return col

    def between(self, first: str, before: str) -> list[str]:
        """Active days in ``[first, before)``."""
        return self.order[bisect_left(self.order, first) : bisect_left(self.order, before)]

    def through(self, first: str, last: str) -> list[str]:
        """Active days in ``[first, last]``."""
        return self.order[bisect_left(self.order, first) : bisect_right(self.order, last)]


@dataclass(frozen=True)
class PeerGroup:
    """Persons of the same department and role (the identity map's fields)."""

    key: str  # "department / role" text, or "" when the person has neither
    members: tuple[str, ...]  # every member with volume records, the person included


def peer_key(identity: Any) -> str:
    """``department / role`` of an identity-map entry ('' when both are absent)."""
    if identity is None:
        return ""
    dept, role = identity.department or "", identity.role or ""
    if not dept and not role:
        return ""
    return f"{dept or '-'} / {role or '-'}"


def peer_groups(identities: Any, persons: Iterable[str]) -> dict[str, PeerGroup]:
    """Peer group of every person with records; service accounts are nobody's peers."""
    by_key: dict[str, list[str]] = {}
    keys: dict[str, str] = {}
    for p in sorted(persons):
        if identities.is_service(p):
            continue
        keys[p] = peer_key(identities.people.get(p))
        if keys[p]:
            by_key.setdefault(keys[p], []).append(p)
    return {
        p: PeerGroup(k, tuple(by_key.get(k, ())) if k else (p,)) for p, k in sorted(keys.items())
    }


def peer_values(
    series: Mapping[str, Series], group: PeerGroup, person: str, first: str, last: str, name: str
) -> tuple[list[int], int]:
    """Pooled active person-days of the *other* members in ``[first, last]`` for one metric,
    and how many members contributed."""
    values: list[int] = []
    contributors = 0
    for member in group.members:
        if member == person or member not in series:
            continue
        s = series[member]
        lo, hi = bisect_left(s.order, first), bisect_right(s.order, last)
        if hi > lo:
            contributors += 1
            values.extend(s.column(name)[lo:hi])
    return values, contributors

"""Element matrix (map §1.1, §5 section 6): status, supporting findings, weakening facts.

Only facts count: behaviour findings above ``info`` and evidence builders (E01–E06,
R01). ``direct`` support, or support at the element's ``support_min``, makes an
element *supported*; weaker support is *partially supported*; negative facts alone
(or any, with ``negative_wins``) make it *contradicted*; nothing found where the
needed sources exist is *not found*; missing inputs give *not assessed*.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from evidencekit.analysis.acttypes import act_type_row
from evidencekit.analysis.model import STATUS_EN, STATUS_JA, ElementStatus, Finding, WeakeningFact
from evidencekit.analysis.profile import Profile, ProfileElement

_RANK = {"direct": 0, "strong_indirect": 1, "weak_indirect": 2}
# element family -> source families whose rules could support it (coverage gate, §4.2)
_NEEDS: dict[str, tuple[str, ...]] = {
    "misappropriation_act.improper_means": ("server_audit", "endpoint"),
    "misappropriation_act.acquisition": ("server_audit", "endpoint", "proxy", "mail"),
    "crim.attempt": ("dlp", "endpoint"),
    "crim.ryotoku": ("endpoint", "proxy", "mail"),
}


@dataclass
class MatrixInputs:
    """What the matrix needs besides findings."""

    has_corpus: bool
    assets: list[Any]
    available: set[str]
    act_days: tuple[str | None, str | None]
    public_hits: list[str] = field(default_factory=list)


def counts(f: Finding) -> bool:
    """Whether a finding's facts count for elements (suppressed info findings do not)."""
    return f.severity != "info" or f.rule.startswith("E") or f.rule == "R01"


def _special(
    e: ProfileElement, m: MatrixInputs, sup: list[Finding]
) -> tuple[str, str | None, str | None]:
    if e.special == "secret_set":
        if not m.assets:
            return (
                "not_assessed",
                "営業秘密台帳が提供されていない。",
                "No asset register was supplied.",
            )
        if all(a.confirmed for a in m.assets):
            return "supported", None, None
        return (
            "partially_supported",
            "候補一覧の段階（未確定）。",
            "Candidate list, not confirmed by counsel.",
        )
    if e.special == "holder":
        if not m.assets:
            return "not_assessed", None, None
        internal = [a for a in m.assets if (a.origin or "").casefold() == "internal"]
        return ("partially_supported" if internal else "not_found"), None, None
    first, last = m.act_days
    if first is None:
        return "not_found", None, None
    return "partially_supported", f"行為日: {first}〜{last}", f"Act dates: {first} to {last}"


def element_status(e: ProfileElement, findings: list[Finding], m: MatrixInputs) -> ElementStatus:
    """One matrix row."""
    ids = set(e.ids())
    sup = [(f, s) for f in findings if counts(f) for s in f.elements if s.element in ids]
    pos = [(f, s) for f, s in sup if s.strength in _RANK]
    neg = [(f, s) for f, s in sup if s.strength == "negative"]
    note_ja = note_en = None
    if e.scope == "out_of_scope":
        status = "out_of_scope"
    elif "public_corpus" in e.requires and not m.has_corpus:
        status = "not_assessed"
    elif e.special:
        status, note_ja, note_en = _special(e, m, [f for f, _ in pos])
    elif neg and (e.negative_wins or not pos):
        status = "contradicted"
        if m.public_hits and e.negative_wins:
            note_ja, note_en = (
                f"公開資料と一致: {', '.join(m.public_hits)}（当該ファイルのみ）",
                f"Matches public material: {', '.join(m.public_hits)} (those files only)",
            )
    elif pos:
        best = min(_RANK[s.strength] for _, s in pos)
        strong_rules = {f.rule for f, s in pos if s.strength == "strong_indirect"}
        ok = (
            best == 0
            or (e.support_min == "strong_indirect" and best <= 1)
            or len(strong_rules) >= 2
        )
        status = "supported" if ok and not neg else "partially_supported"
    else:
        needs = _NEEDS.get(e.id, ())
        status = "not_assessed" if needs and not (set(needs) & m.available) else "not_found"
    if status == "supported" and e.max_status == "partially_supported":
        status = "partially_supported"
    strength = min((s.strength for _, s in pos), key=lambda x: _RANK[x], default=None)
    if strength is None and neg:
        strength = "negative"
    # A finding negative for two of the row's ids (e.g. consistency and measures) is one fact.
    negative = {f.id: f for f, _ in neg}
    weak = [
        WeakeningFact(
            text_ja=f.explanation_ja,
            text_en=f.explanation_en,
            findings=(f.id,),
            evidence=f.evidence[:3],
        )
        for f in negative.values()
    ]
    # A counter-indicator cites every finding it applies to, not only the last one seen.
    cis: dict[tuple[str, str, str], set[str]] = {}
    for f, _ in pos:
        for c in f.counter_indicators:
            cis.setdefault((c.id, c.label_ja, c.label_en), set()).add(f.id)
    weak += [
        WeakeningFact(
            text_ja=f"反対方向の事情: {ja}",
            text_en=f"Counter-indicator: {en}",
            findings=tuple(sorted(fids)),
        )
        for (_, ja, en), fids in sorted(cis.items())
    ]
    return ElementStatus(
        element=e.id,
        label_ja=e.label_ja,
        label_en=e.label_en,
        statute=e.statute_for(m.act_days[0]),
        source_keys=e.source_keys,
        status=status,
        status_ja=STATUS_JA[status],
        status_en=STATUS_EN[status],
        strength=strength,
        supporting_findings=tuple(sorted({f.id for f, _ in pos})),
        weakening_facts=tuple(weak),
        note_ja=note_ja,
        note_en=note_en,
    )


def build_matrix(profile: Profile, findings: list[Finding], m: MatrixInputs) -> list[ElementStatus]:
    """The matrix rows of one profile, in profile order."""
    rows = [element_status(e, findings, m) for e in profile.elements if e.special != "act_type"]
    by_id = {r.element: r for r in rows}
    for e in profile.elements:
        for dep in e.requires_also:
            if (
                dep in by_id
                and by_id[dep].status not in ("supported", "partially_supported")
                and by_id[e.id].status in ("supported", "partially_supported")
            ):
                r = by_id[e.id]
                by_id[e.id] = r.model_copy(
                    update={
                        "status": "not_found",
                        "status_ja": STATUS_JA["not_found"],
                        "status_en": STATUS_EN["not_found"],
                    }
                )
    for e in profile.elements:  # act types last: they read their components' rows
        if e.special == "act_type":
            by_id[e.id] = act_type_row(e, by_id, profile, findings, m.act_days[0])
    return [by_id[e.id] for e in profile.elements]

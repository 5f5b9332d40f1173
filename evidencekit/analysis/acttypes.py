"""Act types (map §1.2.3, §1.4): which act type the evidence supports, as matrix rows.

An act type is a profile element with ``special = "act_type"``: its status follows from
the rows of its components (``act_all``: every one must hold; ``act_any``: one of them),
never from findings of its own. Civil Art. 2(1)(iv) (improper means + acquisition; no
purpose element) and (vii) (shown by the holder + purpose + use or disclosure: copying
alone is not a (vii) act), criminal Art. 21(1)(i) and 21(2)(i). Recipient-side items are
out of scope.

The split follows the evidence: a finding that supports improper means (R10, R11) and the
acquisitions of the persons it concerns go to the improper-means type; acquisitions under
the person's own access rights (no improper-means fact in the same finding) are the
"shown by the holder" basis. When no document (NDA, JDA) supports ``shown_by_holder``,
access under the person's own rights makes it *partially supported* for the act type,
and the row's note says so.
"""

from __future__ import annotations

from evidencekit.analysis.model import STATUS_EN, STATUS_JA, ElementStatus, Finding, Gap
from evidencekit.analysis.profile import Profile, ProfileElement

IMPROPER = frozenset(
    {"misappropriation_act.improper_means", "crim.improper_acquisition", "dtsa.improper_means"}
)
ACQUIRE = frozenset(
    {"misappropriation_act.acquisition", "crim.ryotoku", "misappropriation_act.disclosure"}
)
SHOWN = "misappropriation_act.shown_by_holder"
_ORDER = ("supported", "partially_supported", "contradicted", "not_assessed", "not_found")


def _counts(f: Finding) -> bool:
    return f.severity != "info" or f.rule.startswith("E") or f.rule == "R01"


def _row_of(rows: dict[str, ElementStatus], profile: Profile, element: str) -> ElementStatus | None:
    if element in rows:
        return rows[element]
    for e in profile.elements:
        if element in e.also and e.id in rows:
            return rows[e.id]
    return None


def _combine(statuses: list[str]) -> str:
    if all(s == "supported" for s in statuses):
        return "supported"
    if all(s in ("supported", "partially_supported") for s in statuses):
        return "partially_supported"
    for s in ("contradicted", "out_of_scope", "not_assessed"):
        if s in statuses:
            return s
    return "not_found"


def _basis(findings: list[Finding]) -> tuple[set[str], set[str]]:
    """(improper-means finding ids with the acquisitions of their persons, own-rights
    acquisition finding ids)."""
    improper = {f.id for f in findings if any(s.element in IMPROPER for s in f.elements)}
    persons = {f.person for f in findings if f.id in improper and f.person}
    acq = {f.id: f for f in findings if any(s.element in ACQUIRE for s in f.elements)}
    own = {fid for fid in acq if fid not in improper}
    with_means = improper | {fid for fid, f in acq.items() if f.person in persons}
    return with_means, own


Part = tuple[str, str, tuple[str, ...]]  # (component, status, supporting finding ids)


def components(
    e: ProfileElement, rows: dict[str, ElementStatus], profile: Profile, own: set[str]
) -> list[Part]:
    """Status of each component of an act type (the best one of ``act_any``); a missing
    ``shown_by_holder`` document is replaced by own-rights acquisitions (``own``)."""
    parts: list[Part] = []
    for c in e.act_all:
        row = _row_of(rows, profile, c)
        st: str = row.status if row else "not_assessed"
        fids = row.supporting_findings if row else ()
        if c == SHOWN and st not in ("supported", "partially_supported") and own:
            st, fids = "partially_supported", tuple(sorted(own))
        parts.append((c, st, fids))
    if e.act_any:
        opts = [(c, _row_of(rows, profile, c)) for c in e.act_any]
        best = min(
            ((c, r.status if r else "not_assessed", r.supporting_findings if r else ())
             for c, r in opts),
            key=lambda x: _ORDER.index(x[1]) if x[1] in _ORDER else len(_ORDER),
        )  # fmt: skip
        parts.append(best)
    return parts


def act_type_row(
    e: ProfileElement,
    rows: dict[str, ElementStatus],
    profile: Profile,
    findings: list[Finding],
    act_day: str | None,
) -> ElementStatus:
    """The matrix row of one act type from its components' rows."""
    counting = [f for f in findings if _counts(f)]
    with_means, own = _basis(counting)
    improper = bool(IMPROPER & set(e.act_all))
    parts = components(e, rows, profile, own)
    status = "out_of_scope" if e.scope == "out_of_scope" else _combine([p[1] for p in parts])
    if status == "supported" and e.max_status == "partially_supported":
        status = "partially_supported"
    basis = with_means if improper else own
    support = sorted({f for _, _, fids in parts for f in fids} & (basis | _other(counting)))
    note_ja = "; ".join(f"{c}: {STATUS_JA[s]}" for c, s, _ in parts)
    note_en = "; ".join(f"{c}: {STATUS_EN[s]}" for c, s, _ in parts)
    if any(c == SHOWN for c, _, fids in parts if set(fids) == own and own):
        note_ja += "（示されたこと: 本人の権限による取得の記録から。NDA等の文書は未確認）"
        note_en += " (shown by the holder: from acquisitions under the person's own rights; no NDA/JDA found)"  # noqa: E501 - bilingual wording kept whole
    return ElementStatus(
        element=e.id,
        label_ja=e.label_ja,
        label_en=e.label_en,
        statute=e.statute_for(act_day),
        source_keys=e.source_keys,
        status=status,
        status_ja=STATUS_JA[status],
        status_en=STATUS_EN[status],
        supporting_findings=tuple(support) if status in _ORDER[:2] else (),
        note_ja=note_ja,
        note_en=note_en,
    )


def _other(findings: list[Finding]) -> set[str]:
    """Findings that are neither acquisitions nor improper means (purpose, builders)."""
    return {f.id for f in findings if not any(s.element in IMPROPER | ACQUIRE for s in f.elements)}


def act_type_gaps(
    profile: Profile, rows: dict[str, ElementStatus], findings: list[Finding], found: list[Gap]
) -> list[Gap]:
    """One gap per act type that is not supported: which components lack records, and the
    next evidence the components' own gaps (``found``) name."""
    labels = {e.id: (e.label_ja, e.label_en) for e in profile.elements}
    own = _basis([f for f in findings if _counts(f)])[1]
    out = []
    for e in profile.elements:
        row = rows.get(e.id)
        if e.special != "act_type" or row is None or row.status in ("supported", "out_of_scope"):
            continue
        weak = {c: st for c, st, _ in components(e, rows, profile, own) if st != "supported"}
        nxt = tuple(dict.fromkeys(x for g in found if g.element in weak for x in g.next_evidence))
        out.append(
            Gap(
                id=f"GAP.AT.{e.id.split('.', 1)[-1]}",
                element=e.id,
                priority="P2",
                statement_ja=f"{e.label_ja}：構成要素のうち"
                + "、".join(
                    f"{labels.get(c, (c, c))[0]}（{STATUS_JA[st]}）" for c, st in weak.items()
                )
                + "は裏付けが十分ではありません。",
                statement_en=f"{e.label_en}: components not fully supported: "
                + ", ".join(
                    f"{labels.get(c, (c, c))[1]} ({STATUS_EN[st]})" for c, st in weak.items()
                )
                + ".",
                next_evidence=nxt or tuple(f"{labels.get(c, (c, c))[0]}を示す記録" for c in weak),
            )
        )
    return out

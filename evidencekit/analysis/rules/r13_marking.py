"""R13 marking_removal — 秘密表示の除去・ラベル格下げ (map §3.3 R13).

Inputs: events with ``attributes.label_old`` / ``attributes.label_new`` (MIP label change)
where the new label ranks lower, or ``attributes.marking_removed = true``. ``high`` when
inside an R01 window or followed by an R03/R04/R05 transfer within 24 h, else ``medium``.
It also shows the person saw the marking (defendant awareness, strong indirect).
"""

from __future__ import annotations

from typing import Any

from evidencekit.analysis.context import Draft, epoch, ref
from evidencekit.analysis.jpcal import LocalTime
from evidencekit.analysis.rules.base import Rule, rules
from evidencekit.analysis.rules.common import Bucket, attr, who

_RANK = ("public", "general", "internal", "社内", "confidential", "社外秘", "secret", "秘", "極秘")


def _rank(label: str) -> int:
    low = label.casefold()
    return max((i for i, word in enumerate(_RANK) if word in low), default=-1)


@rules.register("R13")
class MarkingRemoval(Rule):
    """Confidentiality marking removed or label downgraded."""

    id = "R13"
    name = "marking_removal"
    person_only = True
    actions = frozenset({"modify", "metadata_change", "other", "create"})
    needs = ("endpoint",)
    phase = 36

    def __init__(self, ctx: Any) -> None:
        super().__init__(ctx)
        self.hits: dict[tuple[str, str], Bucket] = {}

    def observe(self, ev: dict[str, Any], idx: int, person: str | None, lt: LocalTime) -> None:
        if not ev.get("attributes"):
            return  # no label and no removal flag: nothing to see (most events)
        old, new = attr(ev, "label_old"), attr(ev, "label_new")
        down = isinstance(old, str) and _rank(old) > _rank(str(new or ""))
        if person is None or not (down or attr(ev, "marking_removed") is True):
            return
        self.hits.setdefault((person, lt.day), Bucket()).add(ref(ev, idx, "marking_removed"))

    def finish(self) -> None:
        transfers = [d for d in self.ctx.drafts_of("R03", "R04", "R05") if d.t0]
        for (person, day), b in sorted(self.hits.items()):
            t = epoch(b.t0 or "")
            follow = any(
                d.person == person and 0 <= epoch(d.t0 or "") - t <= 86400 for d in transfers
            )
            inside = self.ctx.window(person, day) in ("pre", "hot", "exit_leave")
            wja, wen = who(self.ctx, person)
            self.ctx.emit(
                Draft(
                    rule="R13",
                    person=person,
                    title_ja="秘密表示の除去・ラベル格下げの記録",
                    title_en="Marking removed or label downgraded",
                    explanation_ja=f"{day}、{wja}により秘密表示の除去又はラベルの格下げが{b.files}件行われた記録がある。",
                    explanation_en=f"On {day}, records show {b.files} marking removal(s) or label downgrade(s) under {wen}.",  # noqa: E501 - bilingual wording kept whole
                    refs=b.refs,
                    total=b.files,
                    elements=[
                        ("bad_faith.tori_kagai", "strong_indirect", "SIG.BF.06"),
                        ("secrecy_management.defendant_awareness", "strong_indirect", "SIG.SM.12"),
                    ],
                    strength="strong_indirect",
                    severity="high" if (follow or inside) else "medium",
                    t0=b.t0,
                    t1=b.t1,
                    signals=["SIG.BF.06", "SIG.SM.12"],
                    indicators=["staging"],
                    facts={"day": day, "changes": b.files, "followed_by_transfer": follow},
                ),
                windowed=False,
            )

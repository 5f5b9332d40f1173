"""E03 governance_inventory — 就業規則・規程・誓約書・NDA・研修 (map §3.3 builders; 図8 [S3]).

Inputs: the asset register's ``[[governance]]`` entries (type, person, title, date,
``dtsa_1833b``). Types: ``work_rules``, ``classification_rule``, ``device_policy``,
``monitoring_notice`` (organisation); ``pledge_entry``, ``pledge_project``,
``pledge_exit``, ``nda``, ``jda``, ``training`` (per person). Produces facts for
``secrecy_management.measures`` and ``.defendant_awareness``, ``crim.duty_breach``,
``misappropriation_act.shown_by_holder`` (NDA/JDA) and ``dtsa.whistleblower_notice``.
"""

from __future__ import annotations

from typing import Any

from evidencekit.analysis.context import Draft
from evidencekit.analysis.rules.base import Rule, rules
from evidencekit.analysis.rules.common import who

_ORG = {
    "work_rules",
    "classification_rule",
    "device_policy",
    "monitoring_notice",
    "security_policy",
}
_DUTY = {
    "work_rules",
    "pledge_entry",
    "pledge_project",
    "pledge_exit",
    "nda",
    "jda",
    "security_policy",
}


@rules.register("E03")
class GovernanceInventory(Rule):
    """Rules, pledges, NDAs and training records that show duty and awareness."""

    id = "E03"
    name = "governance_inventory"
    phase = 10

    def finish(self) -> None:
        docs = list(enumerate(self.ctx.assets.governance))
        self.ctx.shared["governance"] = [str(d.get("type")) for _, d in docs]
        org = [(i, d) for i, d in docs if d.get("type") in _ORG]
        if org:
            self._emit(None, org)
        persons = sorted({str(d["person"]) for _, d in docs if d.get("person")})
        for person in persons:
            self._emit(person, [(i, d) for i, d in docs if str(d.get("person", "")) == person])

    def _emit(self, person: str | None, docs: list[tuple[int, dict[str, Any]]]) -> None:
        types = {str(d.get("type")) for _, d in docs}
        elements: list[tuple[str, str, str | None]] = []
        if types & _ORG:
            elements.append(("secrecy_management.measures", "strong_indirect", "SIG.SM.10"))
        if types & _DUTY:
            elements.append(
                ("crim.duty_breach", "direct", "SIG.SM.15" if types & {"nda", "jda"} else None)
            )
        if person and types & {
            "pledge_entry",
            "pledge_project",
            "pledge_exit",
            "nda",
            "jda",
            "training",
        }:
            elements.append(
                ("secrecy_management.defendant_awareness", "strong_indirect", "SIG.SM.12")
            )
        if types & {"nda", "jda"}:
            elements.append(("misappropriation_act.shown_by_holder", "direct", "SIG.SM.15"))
        if any(d.get("dtsa_1833b") is True for _, d in docs):
            elements.append(("dtsa.whistleblower_notice", "direct", None))
        titles = "、".join(str(d.get("title", d.get("type"))) for _, d in docs)
        wja, wen = who(self.ctx, person) if person else ("組織", "the organisation")
        self.ctx.emit(
            Draft(
                rule="E03",
                person=person,
                title_ja="規程・誓約書等の記録",
                title_en="Rules, pledges and agreements",
                explanation_ja=f"{wja}に関し、次の文書の記録がある：{titles}。",
                explanation_en=f"Records for {wen} list these documents: "
                + "; ".join(str(d.get("title", d.get("type"))) for _, d in docs)
                + ".",
                refs=[],
                total=len(docs),
                elements=elements,
                strength="direct" if types & _DUTY else "strong_indirect",
                severity="info",
                signals=sorted({e[2] for e in elements if e[2]}),
                facts={
                    "documents": [
                        {
                            "type": str(d.get("type")),
                            "title": str(d.get("title", "")),
                            "date": str(d.get("date", "")),
                        }
                        for _, d in docs
                    ]
                },
                inputs=[("assets", f"governance[{i}]") for i, _ in docs],
            ),
            windowed=False,
        )

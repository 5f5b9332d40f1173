"""R16 retained_after_pledge — 誓約後の保持（消去せず仮装）(map §3.3 R16; [P7] ハ, [P3]).

Inputs: an exit pledge or warning-letter date (HR ``exit_pledge`` /
``warning_letter`` facts) and later activity by the same person that shows the
data persisted: reads, copies, uploads, sync or access after that date. Fires
``high``. Without any pledge date the rule is not assessed.
"""

from __future__ import annotations

from typing import Any

from evidencekit.analysis.context import Draft, ref
from evidencekit.analysis.jpcal import LocalTime
from evidencekit.analysis.rules.base import Rule, rules
from evidencekit.analysis.rules.common import Bucket, who

_UNSET: Any = object()


@rules.register("R16")
class RetainedAfterPledge(Rule):
    """Data kept or accessed after an exit pledge or warning letter."""

    id = "R16"
    name = "retained_after_pledge"
    person_only = True
    hr_only = True  # observe returns first thing for persons without HR facts
    actions = frozenset({"read", "download", "copy", "upload", "access", "send"})
    needs = ("hr",)
    phase = 36

    def __init__(self, ctx: Any) -> None:
        super().__init__(ctx)
        self.hits: dict[str, Bucket] = {}
        self._days: dict[str, Any] = {}  # person -> pledge day (or None)

    def _pledge(self, person: str) -> str | None:
        hr = self.ctx.hr.get(person)
        facts = [
            f.day
            for f in (hr.facts if hr else [])
            if f.hr_type in ("exit_pledge", "warning_letter")
        ]
        return min(facts) if facts else None

    def active(self) -> bool:
        return bool(self.ctx.hr)

    def observe(self, ev: dict[str, Any], idx: int, person: str | None, lt: LocalTime) -> None:
        if person is None or person not in self.ctx.hr:
            return
        day = self._days.get(person, _UNSET)
        if day is _UNSET:  # HR facts are complete before the stream: one look per person
            day = self._days[person] = self._pledge(person)
        if day is not None and lt.day > day:
            self.hits.setdefault(person, Bucket()).add(ref(ev, idx, "after_pledge"))

    def finish(self) -> None:
        if not any(self._pledge(p) for p in self.ctx.hr):
            self.ctx.not_assessed["R16"] = "no exit pledge or warning-letter date provided"
            return
        for person, b in sorted(self.hits.items()):
            wja, wen = who(self.ctx, person)
            self.ctx.emit(
                Draft(
                    rule="R16",
                    person=person,
                    title_ja="誓約・警告後のデータ保持の記録",
                    title_en="Data retained after an exit pledge or warning",
                    explanation_ja=f"{self._pledge(person)}の誓約又は警告の後に、{wja}によるデータへのアクセス等の記録が{b.files}件ある。",
                    explanation_en=f"After the pledge or warning of {self._pledge(person)}, records show {b.files} data access event(s) under {wen}.",  # noqa: E501 - bilingual wording kept whole
                    refs=b.refs,
                    total=b.files,
                    elements=[
                        ("crim.ryotoku", "strong_indirect", "SIG.ACT.06"),
                        ("bad_faith.tori_kagai", "strong_indirect", "SIG.BF.11"),
                    ],
                    strength="strong_indirect",
                    severity="high",
                    t0=b.t0,
                    t1=b.t1,
                    signals=["SIG.ACT.06", "SIG.BF.11"],
                    facts={"pledge_day": self._pledge(person), "events": b.files},
                ),
                windowed=False,
            )

"""R14 bulk_print — 大量印刷 (map §3.3 R14; [S3] MFP print history).

Inputs: print jobs (PrintService 307, MFP logs; ``attributes.pages``) of >= 200 pages a
day or >= 5 secret-set documents. ``medium`` inside an R01 window (``high`` with R07),
``low`` outside. FP: meeting binders and tender submissions (check the calendar).
"""

from __future__ import annotations

from typing import Any

from evidencekit.analysis.context import Draft, attr_int, obj_path, ref
from evidencekit.analysis.jpcal import LocalTime
from evidencekit.analysis.rules.base import Rule, rules
from evidencekit.analysis.rules.common import Bucket, has_marking, who


@rules.register("R14")
class BulkPrint(Rule):
    """Bulk printing, or printing of secret-set documents."""

    id = "R14"
    name = "bulk_print"
    person_only = True
    actions = frozenset({"print"})
    needs = ("print",)
    phase = 38

    def __init__(self, ctx: Any) -> None:
        super().__init__(ctx)
        self.days: dict[tuple[str, str], Bucket] = {}

    def observe(self, ev: dict[str, Any], idx: int, person: str | None, lt: LocalTime) -> None:
        if person is None:
            return
        b = self.days.setdefault((person, lt.day), Bucket())
        b.add(ref(ev, idx, "print"), attr_int(ev, "pages") or 1)
        path = obj_path(ev)
        if self.ctx.assets.match(path, None) or has_marking(self.ctx, path):
            b.secret += 1

    def finish(self) -> None:
        q = self.p["print"]
        r07 = {d.person for d in self.ctx.drafts_of("R07")}
        for (person, day), b in sorted(self.days.items()):
            if b.files < q["pages_per_day"] and b.secret < q["secret_docs"]:
                continue
            inside = self.ctx.window(person, day) in ("pre", "hot", "exit_leave")
            sev = ("high" if person in r07 else "medium") if inside else "low"
            wja, wen = who(self.ctx, person)
            self.ctx.emit(
                Draft(
                    rule="R14",
                    person=person,
                    title_ja="大量印刷の記録",
                    title_en="Bulk printing",
                    explanation_ja=f"{day}、{wja}により{b.files:,}ページ（営業秘密候補又は秘密表示のある文書{b.secret}件）を印刷した記録がある。",
                    explanation_en=f"On {day}, records show {b.files:,} pages printed under {wen}, including {b.secret} secret-set or marked documents.",  # noqa: E501 - bilingual wording kept whole
                    refs=b.refs,
                    total=b.files,
                    elements=[
                        ("crim.ryotoku", "strong_indirect", "SIG.ACT.02"),
                        ("bad_faith.tori_kagai", "strong_indirect", "SIG.BF.04"),
                    ],
                    strength="strong_indirect",
                    severity=sev,
                    t0=b.t0,
                    t1=b.t1,
                    signals=["SIG.ACT.02"],
                    indicators=["volume"],
                    facts={"day": day, "pages": b.files, "secret_docs": b.secret},
                    params=dict(q),
                ),
                windowed=False,
            )

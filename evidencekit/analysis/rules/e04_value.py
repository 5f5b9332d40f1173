"""E04 value_classifier — 有用性 (map §3.3 builders; SIG.US.01/04/05/06; [S2] 設計図、製法、
顧客名簿; Art. 5-2 T1 suggestion, §1.3).

Inputs: the files in acquisition and transfer findings (R02–R05, by name) and the
asset register (``value_class``, ``description`` of business value, ``technical``
tag). Produces ``usefulness`` facts (value-class files among those taken) and an
Art. 5-2 T1 suggestion (生産方法 / 評価・分析方法) for counsel; never a conclusion.
"""

from __future__ import annotations

from evidencekit.analysis.context import Draft
from evidencekit.analysis.rules.base import Rule, rules
from evidencekit.analysis.rules.common import is_value_class, nfkc


@rules.register("E04")
class ValueClassifier(Rule):
    """Value classes of the files taken; Art. 5-2 T1 suggestion."""

    id = "E04"
    name = "value_classifier"
    phase = 45

    def finish(self) -> None:
        sources = [
            d
            for d in self.ctx.drafts_of("R02", "R02P", "R03", "R04", "R05")
            if d.severity != "info"
        ]
        taken = sorted(
            {
                k
                for d in self.ctx.drafts_of("R02", "R02P", "R03", "R04", "R05")
                if d.severity != "info"
                for k in d.files
                if not k.startswith("path:")
            }
        )
        value = [k for k in taken if is_value_class(self.ctx, k)]
        assets = [a for a in self.ctx.assets.assets if a.value_class or a.description]
        t1 = sorted({a.technical for a in self.ctx.assets.assets if a.technical})
        prod = [k for k in taken if any(nfkc(w) in k for w in self.lists["production_keywords"])]
        if prod and "production_method" not in t1:
            t1.append("production_method (suggested from file names)")
        if not value and not assets:
            return
        self.ctx.shared["value"] = {"taken": len(taken), "value_class": len(value)}
        # Findings keep a bounded set of names (R02: 200 per person-day): when a finding
        # counts more files than it names, the names are a sample and are called so.
        sampled = any(
            d.total > len([k for k in d.files if not k.startswith("path:")]) for d in sources
        )
        of_ja = (
            f"取得・持出しの記録のうち名称を保持しているファイル{len(taken):,}件（各記録が保持する名称の数には上限がある）"
            if sampled
            else f"取得・持出しの記録があるファイル{len(taken):,}件（名称ベース）"
        )
        of_en = (
            f"Of {len(taken):,} file names kept with acquisition or transfer findings (each finding keeps a bounded number of names)"  # noqa: E501 - bilingual wording kept whole
            if sampled
            else f"Of {len(taken):,} files (by name) in acquisition or transfer findings"
        )
        self.ctx.emit(
            Draft(
                rule="E04",
                person=None,
                title_ja="有用性に関する記録",
                title_en="Usefulness",
                explanation_ja=f"{of_ja}のうち{len(value):,}件が設計図・ソースコード・製法・顧客情報等の類型に該当する。台帳に業務上の価値の記載がある営業秘密候補は{len(assets)}件である。",
                explanation_en=f"{of_en}, {len(value):,} fall in value classes (drawings, source code, recipes, customer data, plans). The register describes business value for {len(assets)} secret-set entries.",  # noqa: E501 - bilingual wording kept whole
                refs=[d.refs[0] for d in sources if d.refs][: self.ctx.max_refs()],
                total=len(taken),
                elements=[("usefulness", "strong_indirect", "SIG.US.01")]
                + ([("presumption.ucpa_5_2", "context", None)] if t1 else []),
                strength="strong_indirect",
                severity="info",
                signals=["SIG.US.01"],
                facts={
                    "taken_files": len(taken),
                    "taken_files_sampled": sampled,
                    "value_class_files": len(value),
                    "art5_2_t1_suggestion": t1,
                    "examples": value[:10],
                },
                inputs=[
                    ("assets", f"asset[{self.ctx.assets.assets.index(a)}]") for a in assets[:20]
                ],
            ),
            windowed=False,
        )

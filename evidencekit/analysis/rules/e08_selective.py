"""E08 selective_taking — 選択的な持出し (map §2.3.2 SIG.US.04: "the exfiltrated set is
enriched in high-value classes compared with what the account could access"; strength
``strong_indirect``, also for bad faith).

Inputs: the files of the person's transfer findings (R03/R04/R05 above ``info``, personal
content left out) and every read by the same person during the stream (server audit,
M365, PDM, endpoint opens). Both sides are classed the same way: value-class extensions
(``lists.value_extensions``: CAD, EDA, source code, Simulink; SIG.US.01). Name keywords
are not used on the read side (a per-read keyword scan would cost the stream too much),
so they are not used on the taken side either.

What the account *could* access needs a per-account permission export, which the inputs
do not carry: the files the account *read* stand in for it (a lower bound). The finding
and the gap checklist (GAP.US.04) say so.

Fires (builder, severity ``info``) when >= ``usefulness.selective_taken_min`` files were
taken, >= ``selective_read_min`` were read, and the value-class share of the taken files
is >= ``selective_enrichment`` times the share among the reads (and above it by at least
``selective_margin_percent`` points). False positives: a designer whose work is all CAD
(the shares are then equal and nothing fires).
"""

from __future__ import annotations

from typing import Any

from evidencekit.analysis.context import Draft, extension, file_count
from evidencekit.analysis.jpcal import LocalTime
from evidencekit.analysis.rules.base import Rule, rules
from evidencekit.analysis.rules.common import who

READS = frozenset({"read", "download", "access", "open"})
TRANSFERS = ("R03", "R04", "R05")


@rules.register("E08")
class SelectiveTaking(Rule):
    """SIG.US.04: value-class share of the taken files vs. the files the account read."""

    id = "E08"
    name = "selective_taking"
    actions = READS
    phase = 46  # after the transfer rules and E04
    skips_service = True
    person_only = True  # observe returns at once without a person

    def __init__(self, ctx: Any) -> None:
        super().__init__(ctx)
        self.reads: dict[str, dict[str, int]] = {}  # person -> extension -> files read
        self.value = frozenset(self.lists["value_extensions"])
        self._is_service = ctx.identities.is_service

    def observe(self, ev: dict[str, Any], idx: int, person: str | None, lt: LocalTime) -> None:
        mine = self.reads.get(person)  # type: ignore[arg-type]
        if mine is None:
            if person is None or self._is_service(person):
                return
            mine = self.reads[person] = {}
        obj = ev.get("object")
        path = obj and (obj.get("path") or obj.get("url") or obj.get("name"))
        if not path:
            return
        # the extension from the last 9 characters (".catpart" is the longest listed):
        # extension() rewrites the whole path, too slow for every read of the stream
        tail = path[-9:]
        dot = tail.rfind(".")
        ext = tail[dot:].lower() if dot >= 0 else ""
        if "\\" in ext or "/" in ext:
            ext = ""
        attrs = ev.get("attributes")
        n = file_count(ev) if attrs and "file_count" in attrs else 1
        if len(mine) < 2000 or ext in mine:
            mine[ext] = mine.get(ext, 0) + n

    def finish(self) -> None:
        q = self.p["usefulness"]
        taken: dict[str, set[str]] = {}
        drafts: dict[str, list[Draft]] = {}
        for d in self.ctx.drafts_of(*TRANSFERS):
            if d.person and d.severity != "info" and not d.facts.get("personal"):
                taken.setdefault(d.person, set()).update(
                    k for k in d.files if not k.startswith("path:")
                )
                drafts.setdefault(d.person, []).append(d)
        report: dict[str, Any] = {}
        for person in sorted(taken):
            reads = self.reads.get(person, {})
            t_n = len(taken[person])
            t_v = sum(1 for k in taken[person] if extension(k) in self.value)
            r_n = sum(reads.values())
            r_v = sum(n for ext, n in reads.items() if ext in self.value)
            row = {"taken": t_n, "taken_value": t_v, "read": r_n, "read_value": r_v}
            report[person] = row
            if t_n < q["selective_taken_min"] or r_n < q["selective_read_min"]:
                row["assessed"] = False
                continue
            t_pct, r_pct = 100 * t_v // t_n, 100 * r_v // r_n
            row.update(assessed=True, taken_percent=t_pct, read_percent=r_pct)
            row["enriched"] = (
                t_v > 0
                and 100 * t_v * r_n >= q["selective_enrichment"] * 100 * r_v * t_n
                and t_pct - r_pct >= q["selective_margin_percent"]
            )
            if row["enriched"]:
                self._emit(person, row, drafts[person])
        self.ctx.shared["selective_taking"] = report

    def _emit(self, person: str, row: dict[str, Any], drafts: list[Draft]) -> None:
        wja, wen = who(self.ctx, person)
        refs = [r for d in sorted(drafts, key=lambda d: d.t0 or "") for r in d.refs[:2]]
        times = [t for d in drafts for t in (d.t0, d.t1) if t]
        self.ctx.emit(
            Draft(
                rule="E08",
                person=person,
                title_ja="持出しファイルにおける高価値類型の偏り",
                title_en="Taken files enriched in high-value classes",
                explanation_ja=(
                    f"{wja}による持出しの記録があるファイル{row['taken']:,}件のうち"
                    f"{row['taken_value']:,}件（{row['taken_percent']}%）が設計図・ソースコード等の"
                    f"類型（拡張子）に該当する。同アカウントの閲覧記録{row['read']:,}件では"
                    f"{row['read_value']:,}件（{row['read_percent']}%）である。閲覧記録は"
                    f"アクセス可能であった範囲の下限であり、アカウント別の権限一覧は提供されていない。"
                ),
                explanation_en=(
                    f"Of {row['taken']:,} files in transfer records under {wen}, "
                    f"{row['taken_value']:,} ({row['taken_percent']}%) are in value classes "
                    f"(drawings, source code, by extension); of {row['read']:,} files the "
                    f"account read, {row['read_value']:,} ({row['read_percent']}%) are. The "
                    f"reads are a lower bound of what the account could access; no per-account "
                    f"permission export was supplied."
                ),
                refs=refs[: self.ctx.max_refs()],
                total=row["taken"],
                elements=[
                    ("usefulness", "strong_indirect", "SIG.US.04"),
                    ("bad_faith.tori_kagai", "strong_indirect", "SIG.US.04"),
                ],
                strength="strong_indirect",
                severity="info",
                t0=min(times, default=None),
                t1=max(times, default=None),
                signals=["SIG.US.04"],
                facts={**row, "accessible_basis": "files read by the account (lower bound)"},
                params=dict(self.p["usefulness"]),
            ),
            windowed=False,
        )

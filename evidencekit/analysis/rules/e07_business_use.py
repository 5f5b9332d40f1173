"""E07 business_use — 業務上の利用・投資の代理指標 (map §2.3.2 SIG.US.02 business use,
``strong_indirect``; SIG.US.03 investment proxy, ``context``; [S2] 「現実に利用されて
いなくてもかまいません」: non-use is not fatal, so absence is a gap, never a negative).

Inputs: the asset register's entries (paths, hashes) and the events on server and cloud
objects (UNC paths, URLs) that match them; local copies are not business use. Only runs
with a register.

* SIG.US.02: an asset read on >= ``usefulness.business_days_min`` distinct local days by
  >= ``business_readers_min`` persons who are not the subject of a transfer finding
  (R03/R04/R05) and not service accounts (a backup job is not business use). PLM/PDM/ERP
  links and BOM part numbers would be stronger; they are not among the inputs, which the
  gap checklist states (GAP.US.05).
* SIG.US.03: edits (``modify`` / ``create`` events) on an asset: how many, by how many
  persons, over which span — a proxy for the work invested. Revision counts and authors
  from a document-management system or Office metadata, and cost-centre tags, are not
  among the inputs (GAP.US.03).
"""

from __future__ import annotations

from typing import Any

from evidencekit.analysis.context import Draft, Ref
from evidencekit.analysis.jpcal import LocalTime
from evidencekit.analysis.rules.base import Rule, rules
from evidencekit.analysis.rules.common import _UNSET, secret_asset

READS = frozenset({"read", "download", "access"})
EDITS = frozenset({"modify", "create"})


class _Use:
    __slots__ = ("days", "edit_refs", "editors", "edits", "first", "last", "read_refs", "readers")

    def __init__(self) -> None:
        self.readers: dict[str, int] = {}  # person -> reads
        self.days: set[str] = set()
        self.read_refs: list[Ref] = []
        self.editors: set[str] = set()
        self.edits = 0
        self.first: str | None = None
        self.last: str | None = None
        self.edit_refs: list[Ref] = []


@rules.register("E07")
class BusinessUse(Rule):
    """SIG.US.02 (repeated use by others) and SIG.US.03 (edits) on register assets."""

    id = "E07"
    name = "business_use"
    actions = READS | EDITS
    phase = 46  # after the transfer rules (their persons are left out of "others")
    skips_service = True  # a backup job's reads are not business use
    person_only = True  # observe returns at once without a person

    def __init__(self, ctx: Any) -> None:
        super().__init__(ctx)
        self.use: dict[str, _Use] = {}
        self.examined = 0  # reads and edits of server or cloud objects looked at
        self._is_service = ctx.identities.is_service

    def active(self) -> bool:
        return bool(self.ctx.assets.assets)

    def observe(self, ev: dict[str, Any], idx: int, person: str | None, lt: LocalTime) -> None:
        if person is None or self._is_service(person):
            return
        obj = ev.get("object")
        where = obj and (obj.get("path") or obj.get("url"))
        if not where or not where.startswith(("\\\\", "http")):
            return  # server and cloud objects only: business use is read on shared stores
        self.examined += 1
        asset = ev.get("_asset", _UNSET)  # secret_asset's memo, read without the call
        if asset is _UNSET:
            asset = secret_asset(self.ctx, ev)
        if asset is None:
            return
        u = self.use.get(asset.id)
        if u is None:
            u = self.use[asset.id] = _Use()
        if ev["action"] in EDITS:
            u.edits += 1
            if len(u.editors) < 1000:
                u.editors.add(person)
            u.first = u.first or lt.day
            u.last = lt.day
            if len(u.edit_refs) < 3:
                u.edit_refs.append((idx, ev.get("time"), "edit"))
            return
        u.readers[person] = u.readers.get(person, 0) + 1
        if len(u.days) < 400:
            u.days.add(lt.day)
        if len(u.read_refs) < 3:
            u.read_refs.append((idx, ev.get("time"), "read"))

    def finish(self) -> None:
        q = self.p["usefulness"]
        subjects = {d.person for d in self.ctx.drafts_of("R03", "R04", "R05") if d.person}
        index = {a.id: i for i, a in enumerate(self.ctx.assets.assets)}
        used, edited = [], []
        for aid in sorted(self.use):
            u = self.use[aid]
            others = sorted(p for p in u.readers if p not in subjects)
            if len(others) >= q["business_readers_min"] and len(u.days) >= q["business_days_min"]:
                used.append((aid, others, u))
            if u.edits:
                edited.append((aid, u))
        self.ctx.shared["business_use"] = {
            "examined": self.examined,
            "assets_seen": len(self.use),
            "in_use": [a for a, _, _ in used],
            "edited": [a for a, _ in edited],
        }
        if used:
            self._emit_use(used, index)
        if edited:
            self._emit_edits(edited, index)

    def _emit_use(self, used: list[tuple[str, list[str], _Use]], index: dict[str, int]) -> None:
        refs = [r for _, _, u in used for r in u.read_refs]
        per = {aid: {"readers": len(others), "days": len(u.days)} for aid, others, u in used}
        self.ctx.emit(
            Draft(
                rule="E07",
                person=None,
                title_ja="営業秘密候補の業務上の利用の記録",
                title_en="Business use of secret-set entries",
                explanation_ja=(
                    f"営業秘密候補{len(used)}件（{', '.join(a for a, _, _ in used[:10])}）に"
                    f"ついて、持出しの記録がない複数の者による複数日の閲覧の記録がある。"
                ),
                explanation_en=(
                    f"Records show reads of {len(used)} secret-set entr(y/ies) "
                    f"({', '.join(a for a, _, _ in used[:10])}) on several days by several "
                    f"persons who are not the subject of any transfer record."
                ),
                refs=refs[: self.ctx.max_refs()],
                total=sum(sum(u.readers.values()) for _, _, u in used),
                elements=[("usefulness", "strong_indirect", "SIG.US.02")],
                strength="strong_indirect",
                severity="info",
                signals=["SIG.US.02"],
                facts={"assets": per},
                params=dict(self.p["usefulness"]),
                inputs=[("assets", f"asset[{index[a]}]") for a, _, _ in used[:20] if a in index],
            ),
            windowed=False,
        )

    def _emit_edits(self, edited: list[tuple[str, _Use]], index: dict[str, int]) -> None:
        per = {
            aid: {"edits": u.edits, "editors": len(u.editors), "span": [u.first, u.last]}
            for aid, u in edited
        }
        self.ctx.emit(
            Draft(
                rule="E07",
                person=None,
                title_ja="営業秘密候補の更新の記録（投資の代理指標）",
                title_en="Edits of secret-set entries (investment proxy)",
                explanation_ja=(
                    f"営業秘密候補{len(edited)}件について、計"
                    f"{sum(u.edits for _, u in edited):,}回の更新の記録がある（更新者数・期間は"
                    f"事実欄）。改訂履歴・作成者・原価センターの情報は提供されていない。"
                ),
                explanation_en=(
                    f"Records show {sum(u.edits for _, u in edited):,} edits of "
                    f"{len(edited)} secret-set entr(y/ies) (editors and spans in the facts). "
                    f"Revision history, authors and cost-centre data were not supplied."
                ),
                refs=[r for _, u in edited for r in u.edit_refs][: self.ctx.max_refs()],
                total=sum(u.edits for _, u in edited),
                elements=[("usefulness", "context", "SIG.US.03")],
                strength="context",
                severity="info",
                signals=["SIG.US.03"],
                facts={"assets": per},
                inputs=[("assets", f"asset[{index[a]}]") for a, _ in edited[:20] if a in index],
            ),
            windowed=False,
        )

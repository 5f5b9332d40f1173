"""E02 acl_timeline — アクセス制限 (map §3.3 builders; SIG.SM.02/04; [P10] アクセス制限は
認識可能性を担保する一つの手段).

Inputs: the asset register (``acl`` restricted/everyone, ``protection`` entries such as
``acl:G_Design_Core`` or ``password``), access-denied events on secret-set locations
(controls were enforced, SIG.SM.04) and permission changes. Act-time ACLs are taken
from the register as supplied; reconstruction from AD change logs is not done here
(GAP.SM.02 states it). Produces findings for ``secrecy_management.measures`` and
negative facts for locations readable by everyone.
"""

from __future__ import annotations

from typing import Any

from evidencekit.analysis.context import Draft, ref
from evidencekit.analysis.jpcal import LocalTime
from evidencekit.analysis.rules.base import Rule, rules
from evidencekit.analysis.rules.common import Bucket, secret_asset


@rules.register("E02")
class AclTimeline(Rule):
    """Access restrictions on the secret set and their enforcement."""

    id = "E02"
    name = "acl_timeline"
    actions = frozenset({"access_denied", "permission_change"})
    phase = 10

    def __init__(self, ctx: Any) -> None:
        super().__init__(ctx)
        self.denied = Bucket(ctx.max_refs())
        self.changes = Bucket(ctx.max_refs())

    def observe(self, ev: dict[str, Any], idx: int, person: str | None, lt: LocalTime) -> None:
        if secret_asset(self.ctx, ev) is None:
            return
        if ev["action"] == "access_denied":
            self.denied.add(ref(ev, idx, "denied"), key=person)
        else:
            self.changes.add(ref(ev, idx, "acl_change"), key=person)

    def finish(self) -> None:
        assets = self.ctx.assets.assets
        restricted = [
            a
            for a in assets
            if (a.acl or "").casefold() == "restricted"
            or any(p.startswith(("acl", "password")) for p in a.protection)
        ]
        open_ = [a for a in assets if (a.acl or "").casefold() in ("everyone", "all", "all_staff")]
        self.ctx.shared["acl"] = {
            "restricted": len(restricted),
            "open": len(open_),
            "assets": len(assets),
        }
        if restricted or self.denied.files:
            self.ctx.emit(
                Draft(
                    rule="E02",
                    person=None,
                    title_ja="アクセス制限の記録",
                    title_en="Access restrictions",
                    explanation_ja=f"営業秘密候補{len(assets)}件中{len(restricted)}件にアクセス制限の記録があり、権限のない者のアクセス拒否の記録が{self.denied.files:,}件ある。",
                    explanation_en=f"{len(restricted)} of {len(assets)} secret-set entries are recorded as access-restricted, and records show {self.denied.files:,} access-denied events.",  # noqa: E501 - bilingual wording kept whole
                    refs=self.denied.refs,
                    total=self.denied.files,
                    elements=[
                        (
                            "secrecy_management.measures",
                            "strong_indirect",
                            "SIG.SM.04" if self.denied.files else "SIG.SM.02",
                        ),
                        ("secrecy_management.recognizability", "strong_indirect", "SIG.SM.02"),
                    ],
                    strength="strong_indirect",
                    severity="info",
                    signals=["SIG.SM.02", "SIG.SM.04"],
                    facts={
                        "restricted_assets": len(restricted),
                        "denied_events": self.denied.files,
                        "acl_changes": self.changes.files,
                        "act_time_reconstruction": "register as supplied",
                    },
                    inputs=[("assets", f"asset[{assets.index(a)}]") for a in restricted[:20]],
                ),
                windowed=False,
            )
        for a in open_:
            self.ctx.emit(
                Draft(
                    rule="E02",
                    person=None,
                    title_ja="全従業員が閲覧可能な場所",
                    title_en="Location readable by all staff",
                    explanation_ja=f"{a.id}は全従業員が閲覧可能な設定と台帳に記載されている。",
                    explanation_en=f"The register records {a.id} as readable by all staff.",
                    refs=[],
                    total=0,
                    elements=[("secrecy_management.measures", "negative", "SIG.SM.13")],
                    strength="negative",
                    severity="info",
                    signals=["SIG.SM.13"],
                    facts={"asset": a.id},
                    inputs=[("assets", f"asset[{assets.index(a)}]")],
                ),
                windowed=False,
            )

"""R11 post_termination_access — 退職後・有給消化中のアクセス (map §3.3 R11; [S3]
「退職者の IDは即座に抹消」).

Inputs: logons, VPN sessions (``vpn.*`` kinds or ``attributes.remote``) and data
access, with the R01 windows. Any logon or data access after the retirement date is
``critical``; remote access during ``exit_leave`` (paid leave after the last working
day) is ``high`` unless an approved ticket covers it (CI.02 → ``info``).
"""

from __future__ import annotations

from typing import Any

from evidencekit.analysis.context import Draft, ref
from evidencekit.analysis.jpcal import LocalTime
from evidencekit.analysis.rules.base import Rule, rules
from evidencekit.analysis.rules.common import Bucket, attr, ci, who


@rules.register("R11")
class PostTerminationAccess(Rule):
    """Access after retirement, or remote access during exit leave."""

    id = "R11"
    name = "post_termination_access"
    person_only = True
    hr_only = True  # observe returns first thing for persons without HR facts
    actions = frozenset({"logon", "read", "download", "access", "copy", "upload", "send"})
    needs = ("hr",)

    def __init__(self, ctx: Any) -> None:
        super().__init__(ctx)
        self.hits: dict[tuple[str, str, str], Bucket] = {}

    def active(self) -> bool:
        return bool(self.ctx.hr)

    def observe(self, ev: dict[str, Any], idx: int, person: str | None, lt: LocalTime) -> None:
        if person is None or person not in self.ctx.hr:
            return
        window = self.ctx.window(person, lt.day)
        if window == "post":
            self.hits.setdefault((person, "post", lt.day), Bucket()).add(
                ref(ev, idx, "after_retirement")
            )
        elif window == "exit_leave":
            remote = (
                ev["kind"].startswith("vpn")
                or bool(attr(ev, "remote"))
                or attr(ev, "logon_type") == 10
            )
            if remote and ev["action"] == "logon":
                self.hits.setdefault((person, "exit_leave", lt.day), Bucket()).add(
                    ref(ev, idx, "remote_logon")
                )

    def finish(self) -> None:
        if not self.ctx.hr_supplied:
            self.ctx.not_assessed["R11"] = "HR dates not provided (GAP.BF.01)"
            return
        for (person, window, day), b in sorted(self.hits.items()):
            ticket = self.ctx.ticket_for(person, b.t0)
            post = window == "post"
            wja, wen = who(self.ctx, person)
            self.ctx.emit(
                Draft(
                    rule="R11",
                    person=person,
                    title_ja="退職日後又は有給消化中のアクセスの記録",
                    title_en="Access after retirement or during exit leave",
                    explanation_ja=f"{day}、{wja}による"
                    + ("退職日後のアクセス" if post else "最終出社日後（有給消化中）のリモート接続")
                    + f"の記録が{b.files}件ある。",
                    explanation_en=f"On {day}, records show {b.files} "
                    + (
                        "access event(s) after the retirement date"
                        if post
                        else "remote logon(s) during paid leave after the last working day"
                    )
                    + f" under {wen}.",
                    refs=b.refs,
                    total=b.files,
                    elements=[
                        ("misappropriation_act.improper_means", "strong_indirect", "SIG.ACT.03"),
                        ("bad_faith.tori_kagai", "strong_indirect", "SIG.BF.01"),
                    ],
                    strength="strong_indirect",
                    severity="info" if ticket else ("critical" if post else "high"),
                    t0=b.t0,
                    t1=b.t1,
                    window=window,
                    signals=["SIG.ACT.03", "SIG.BF.01"],
                    cis=[ci("CI.02", note=(f"チケット{ticket['id']}", f"ticket {ticket['id']}"))]
                    if ticket
                    else [],
                    facts={"window": window, "day": day, "events": b.files},
                ),
                windowed=False,
            )

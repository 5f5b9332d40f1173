"""E06 attribution — 行為者の同一性 (map §2.3.6; SIG.ATT.01–05; §2.1 attribution multiplier).

Inputs: logons with ``attributes.mfa`` / ``attributes.auth`` (mfa, smartcard),
badge-in events, the identity map's host and device assignments, HR leave, and R10
credential-misuse findings. For each person with findings: MFA/smartcard logons
(SIG.ATT.01), physical entry on the same day (SIG.ATT.02) and activity on a
sole-assigned host (SIG.ATT.03) support ``actor_attribution``; use of the account
while its owner was on leave or from another person's host is negative (SIG.ATT.05).
Without support, text says "operations recorded under account X".
"""

from __future__ import annotations

from typing import Any

from evidencekit.analysis.context import Draft, ref
from evidencekit.analysis.jpcal import LocalTime
from evidencekit.analysis.rules.base import Rule, rules
from evidencekit.analysis.rules.common import Bucket, attr, who


@rules.register("E06")
class Attribution(Rule):
    """Corroboration that the person, not just the account, acted."""

    id = "E06"
    name = "attribution"
    actions = frozenset({"logon", "badge_in", "read", "copy", "upload", "send"})
    person_only = True
    phase = 70

    def __init__(self, ctx: Any) -> None:
        super().__init__(ctx)
        self.mfa: dict[str, Bucket] = {}
        self.badge: dict[str, dict[str, Any]] = {}
        self.sole: dict[str, Bucket] = {}
        self._other: set[tuple[str, str]] = set()  # (person, host) not the person's own

    def observe(self, ev: dict[str, Any], idx: int, person: str | None, lt: LocalTime) -> None:
        if person is None:
            return
        act = ev["action"]
        if act == "logon" and (
            attr(ev, "mfa") is True or str(attr(ev, "auth") or "").lower() in ("mfa", "smartcard")
        ):
            b = self.mfa.get(person)
            if b is None:
                b = self.mfa[person] = Bucket()
            b.add(ref(ev, idx, "mfa_logon"))
        elif act == "badge_in":
            days = self.badge.setdefault(person, {})
            if len(days) < 5000 and lt.day not in days:
                days[lt.day] = ref(ev, idx, "badge_in")
        elif person not in self.sole:
            host = (ev.get("actor") or {}).get("host")
            if host and (person, host) not in self._other:
                if self.ctx.identities.host_owner(host) == person:
                    self.sole[person] = Bucket(2)
                    self.sole[person].add(ref(ev, idx, "sole_use_host"))
                elif len(self._other) < 100_000:  # host assignments are fixed for the run
                    self._other.add((person, host))

    def finish(self) -> None:
        drafts = [
            d
            for d in self.ctx.drafts
            if d.person and d.severity != "info" and d.rule.startswith("R")
        ]
        persons = sorted({d.person for d in drafts if d.person})
        misused = {
            d.facts.get("account_owner")
            for d in self.ctx.drafts_of("R10")
            if d.facts.get("condition") == "c"
        }
        attributed: set[str] = set()
        for person in persons:
            days = {self.ctx.local(d.t0).day for d in drafts if d.person == person and d.t0}
            refs: list[Any] = []
            signals = []
            if person in self.mfa:
                refs += self.mfa[person].refs[:3]
                signals.append("SIG.ATT.01")
            badge = [r for day, r in sorted(self.badge.get(person, {}).items()) if day in days]
            if badge:
                refs += badge[:3]
                signals.append("SIG.ATT.02")
            if person in self.sole:
                refs += self.sole[person].refs
                signals.append("SIG.ATT.03")
            if signals:
                attributed.add(person)
                self._emit(person, refs, signals, "strong_indirect")
        for person in sorted(p for p in misused if p):
            refs = [r for d in self.ctx.drafts_of("R10") if d.facts.get("account_owner") == person
                    for r in d.refs[:3]]  # fmt: skip
            self._emit(person, refs, ["SIG.ATT.05"], "negative")
        self.ctx.shared["attributed"] = attributed

    def _emit(self, person: str, refs: list[Any], signals: list[str], strength: str) -> None:
        wja, wen = who(self.ctx, person)
        names = {
            "SIG.ATT.01": ("多要素認証によるログオン", "MFA or smartcard logon"),
            "SIG.ATT.02": ("同日の入館記録", "physical entry on the same day"),
            "SIG.ATT.03": ("本人専用端末での操作", "activity on the person's sole-assigned host"),
            "SIG.ATT.05": (
                "本人の休暇中又は他者端末からのアカウント使用",
                "account use while the owner was on leave or from another person's host",
            ),
        }
        self.ctx.emit(
            Draft(
                rule="E06",
                person=person,
                title_ja="行為者の同一性に関する記録",
                title_en="Attribution to the person",
                explanation_ja=f"{wja}について、"
                + "・".join(names[s][0] for s in signals)
                + "の記録がある。",
                explanation_en=f"For {wen}, records show "
                + ", ".join(names[s][1] for s in signals)
                + ".",
                refs=refs,
                total=len(refs),
                elements=[("actor_attribution", strength, signals[0])],
                strength=strength,
                severity="info",
                signals=signals,
                facts={"signals": signals},
            ),
            windowed=False,
        )

"""R12 attempt_and_channel_switch — 未遂・経路切替 (map §3.3 R12; [P14] attempts punishable).

Inputs: DLP, device-control and proxy blocks (``attributes.blocked = true`` or
``attributes.result`` = blocked/denied; ``dlp.*`` kinds with ``access_denied``).
>= 3 blocked attempts in a day is ``medium`` (an attempt fact); a block followed
within 60 minutes by an R03/R04/R05 transfer of the same file (by name) through
another channel is ``high`` (SIG.BF.08).
"""

from __future__ import annotations

from typing import Any

from evidencekit.analysis.context import Draft, epoch, obj_path, ref
from evidencekit.analysis.jpcal import LocalTime
from evidencekit.analysis.rules.base import Rule, rules
from evidencekit.analysis.rules.common import Bucket, file_key, is_block, who


@rules.register("R12")
class AttemptAndChannelSwitch(Rule):
    """Blocked attempts, and switching channel after a block."""

    id = "R12"
    name = "attempt_and_channel_switch"
    person_only = True
    actions = frozenset({"copy", "upload", "send", "access_denied", "create", "other"})
    needs = ("dlp",)
    phase = 36

    def __init__(self, ctx: Any) -> None:
        super().__init__(ctx)
        self.blocks: dict[tuple[str, str], Bucket] = {}

    def observe(self, ev: dict[str, Any], idx: int, person: str | None, lt: LocalTime) -> None:
        if person is None or not is_block(ev):
            return
        self.blocks.setdefault((person, lt.day), Bucket()).add(
            ref(ev, idx, "blocked"), key=file_key(obj_path(ev))
        )

    def finish(self) -> None:
        q = self.p["attempts"]
        transfers = [d for d in self.ctx.drafts_of("R03", "R04", "R05") if d.t0]
        for (person, day), b in sorted(self.blocks.items()):
            t = epoch(b.t0 or "")
            switch = [
                d
                for d in transfers
                if d.person == person
                and b.keys & d.files
                and 0 <= epoch(d.t0 or "") - t <= q["switch_minutes"] * 60
            ]
            if not switch and b.files < q["blocked_per_day"]:
                continue
            refs = b.refs + [r for d in switch for r in d.refs[:2]]
            wja, wen = who(self.ctx, person)
            self.ctx.emit(
                Draft(
                    rule="R12",
                    person=person,
                    title_ja="ブロックされた持出しの試み"
                    + ("と経路の切替" if switch else "")
                    + "の記録",
                    title_en="Blocked attempts" + (" and a channel switch" if switch else ""),
                    explanation_ja=f"{day}、{wja}による持出しが{b.files}件ブロックされた記録がある。"
                    + (
                        "その後60分以内に同じファイルを別の経路で複製・送信した記録がある。"
                        if switch
                        else ""
                    ),
                    explanation_en=f"On {day}, records show {b.files} blocked transfer attempt(s) under {wen}."  # noqa: E501 - bilingual wording kept whole
                    + (
                        " Within 60 minutes the same file was transferred through another channel."
                        if switch
                        else ""
                    ),
                    refs=refs,
                    total=b.files,
                    elements=[
                        ("crim.attempt", "direct", "SIG.ACT.08"),
                        ("bad_faith.tori_kagai", "strong_indirect", "SIG.BF.08"),
                    ],
                    strength="direct",
                    severity="high" if switch else "medium",
                    t0=b.t0,
                    t1=b.t1,
                    signals=["SIG.ACT.08"] + (["SIG.BF.08"] if switch else []),
                    indicators=["channel_switch"] if switch else [],
                    facts={
                        "blocked": b.files,
                        "switched_to": sorted(
                            {str(d.facts.get("medium") or d.rule) for d in switch}
                        ),
                        "day": day,
                    },
                    params=dict(q),
                )
            )

"""R18 log_tampering — ログ改ざん・時刻操作 (map §3.3 R18).

Inputs: log clearing (``action`` log_cleared; Security 1102, System 104), USN journal
deletion, system-time changes (4616, ``attributes.time_change``), and timestomping
flags from the file-system parsers (flag ``timestomp_suspected``, as the image walk and the
$MFT parser write it, or ``timestomp`` / ``si_before_fn``:
``$STANDARD_INFORMATION`` earlier than ``$FILE_NAME``). ``high`` inside an R01 window
or within 30 days after a transfer, else ``medium``. The affected sources get an
integrity caveat. OS upgrades can clear some logs ([P21]): check before relying on it.
"""

from __future__ import annotations

from typing import Any

from evidencekit.analysis.context import Draft, epoch, ref
from evidencekit.analysis.jpcal import LocalTime
from evidencekit.analysis.rules.base import Rule, rules
from evidencekit.analysis.rules.common import Bucket, attr, who

_FLAGS = frozenset({"timestomp", "timestomp_suspected", "si_before_fn", "timestomp.suspected"})


@rules.register("R18")
class LogTampering(Rule):
    """Log clearing, journal deletion, time changes and timestomping."""

    id = "R18"
    name = "log_tampering"
    actions = frozenset({"log_cleared", "metadata_change", "modify", "create", "other", "delete"})
    needs = ("endpoint",)
    phase = 35

    def __init__(self, ctx: Any) -> None:
        super().__init__(ctx)
        self.hits: dict[tuple[str, str], Bucket] = {}

    def observe(self, ev: dict[str, Any], idx: int, person: str | None, lt: LocalTime) -> None:
        flags = ev.get("flags")
        hit = (
            ev["action"] == "log_cleared"
            or bool(flags and not _FLAGS.isdisjoint(flags))
            or attr(ev, "time_change") is True
        )
        hit = hit or ev["kind"] in ("evtx.security.4616", "evtx.security.1102", "evtx.system.104")
        if not hit:
            return
        owner = (
            person
            or self.ctx.identities.host_owner((ev.get("actor") or {}).get("host"))
            or "account:unknown"
        )
        self.hits.setdefault((owner, lt.day), Bucket()).add(ref(ev, idx, "tampering"))

    def finish(self) -> None:
        transfers = [
            d for d in self.ctx.drafts_of("R03", "R04", "R05") if d.t1 and d.severity != "info"
        ]
        for (person, day), b in sorted(self.hits.items()):
            t = epoch(b.t0 or "")
            after = any(
                d.person == person and 0 <= t - epoch(d.t1 or "") <= 30 * 86400 for d in transfers
            )
            inside = self.ctx.window(person, day) in ("pre", "hot", "exit_leave")
            wja, wen = who(self.ctx, person)
            self.ctx.emit(
                Draft(
                    rule="R18",
                    person=person,
                    title_ja="ログ消去・時刻操作の記録",
                    title_en="Log clearing or timestamp manipulation",
                    explanation_ja=f"{day}、{wja}に関連してログ消去又は時刻操作の痕跡が{b.files}件ある。該当ソースの記録の完全性には注意を要する。",
                    explanation_en=f"On {day}, records show {b.files} log-clearing or time-manipulation trace(s) related to {wen}; the affected sources carry an integrity caveat.",  # noqa: E501 - bilingual wording kept whole
                    refs=b.refs,
                    total=b.files,
                    elements=[
                        ("bad_faith.tori_kagai", "strong_indirect", "SIG.BF.07"),
                        ("dtsa.seizure_grounds", "strong_indirect", "SIG.BF.07"),
                    ],
                    strength="strong_indirect",
                    severity="high" if (after or inside) else "medium",
                    t0=b.t0,
                    t1=b.t1,
                    signals=["SIG.BF.07"],
                    indicators=["antiforensic"],
                    facts={"day": day, "traces": b.files, "after_transfer": after},
                ),
                windowed=False,
            )

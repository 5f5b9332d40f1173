"""R01 departure_window — 退職予定者ウィンドウ (map §3.3 R01; [S3] Ⅴ.1, Ⅴ.2(3)).

Inputs: HR facts (timeline ``hr_event`` events or ``--hr FILE``): resignation notice,
severance offer, transfer, contract end, return from leave (triggers), last working
day, retirement. Windows per trigger T: ``pre`` [T-90 d, T-14 d), ``hot`` [T-14 d,
last working day], ``exit_leave`` (last working day, retirement], ``post`` after
retirement (R11). Other findings carry the window tag; this rule states the timing
facts per person. Without HR data it reports ``not_assessed`` (GAP.BF.01), never
"no departure". Parameters: ``departure_window.*``.
"""

from __future__ import annotations

from evidencekit.analysis.context import Draft
from evidencekit.analysis.rules.base import Rule, rules

_ACTS = ("R02", "R02P", "R03", "R04", "R05", "R06", "R07", "R10", "R14")
# HR types that open windows, as a Japanese sentence names them (map §3.3 R01 inputs).
_TYPE_JA = {
    "resignation_notice": "退職の申出",
    "severance_offer": "退職勧奨",
    "transfer": "異動・転籍",
    "contract_end": "契約終了",
    "leave_end": "休職終了",
    "competitor_offer_accepted": "競合他社の内定受諾",
    "manager_watchlist": "重点監視の指定",
    "return_from_leave": "復職",
}


def _windows_ja(p: dict[str, int]) -> dict[str, str]:
    pre, hot = p["pre_days"], p["hot_days_before_trigger"]
    return {
        "pre": f"退職等の申出前{pre}日から{hot}日前まで",
        "hot": f"申出前{hot}日から最終出社日まで",
        "exit_leave": "最終出社日後の有給消化期間",
        "post": "退職日後",
    }


def _windows_en(p: dict[str, int]) -> dict[str, str]:
    pre, hot = p["pre_days"], p["hot_days_before_trigger"]
    return {
        "pre": f"from {pre} to {hot} days before the trigger",
        "hot": f"from {hot} days before the trigger to the last working day",
        "exit_leave": "paid leave after the last working day",
        "post": "after the retirement date",
    }


@rules.register("R01")
class DepartureWindow(Rule):
    """Departure / trigger window: timing of acts relative to HR dates."""

    id = "R01"
    name = "departure_window"
    phase = 80
    needs = ("hr",)

    def finish(self) -> None:
        if not self.ctx.hr_supplied:
            self.ctx.not_assessed["R01"] = "HR dates not provided (GAP.BF.01)"
            return
        acts = [d for d in self.ctx.drafts_of(*_ACTS) if d.severity != "info"]
        # Window names carry the configured day counts (pre_days may be 180 or 365).
        wja, wen = _windows_ja(self.p["departure_window"]), _windows_en(self.p["departure_window"])
        for person, hr in sorted(self.ctx.hr.items()):
            trig = hr.triggers()
            if not trig:
                continue
            mine = [d for d in acts if d.person == person and d.window in wja]
            windows = sorted({d.window for d in mine if d.window})
            # the HR events themselves, and the first event of each act inside a window
            refs = [f.ref for f in hr.facts if f.ref is not None]
            refs += [d.refs[0] for d in mine if d.refs]
            if not refs:
                continue  # HR from a file and no act in any window: nothing to cite
            lines = [
                ("hr", f"line {f.origin.rsplit(':', 1)[1]}") for f in hr.facts if f.ref is None
            ]
            t = trig[0]
            origin = ", ".join(sorted({f.origin for f in hr.facts}))
            # Every trigger is named: a window may come from a later one than the first.
            said_ja = "、".join(f"{f.day}に{_TYPE_JA.get(f.hr_type, f.hr_type)}" for f in trig)
            said_en = ", ".join(f"{f.hr_type} on {f.day}" for f in trig)
            ja = f"人事記録上、{said_ja}の記録がある（出典: {origin}）。" + (
                f"取得・持出し等の記録{len(mine)}件が"
                + "・".join(wja[w] for w in windows)
                + "の期間内にある。"
                if mine
                else "この期間内の取得・持出し等の記録はない。"
            )
            en = f"HR records show {said_en} (source: {origin}). " + (
                f"{len(mine)} acquisition/transfer findings fall in: "
                + "; ".join(wen[w] for w in windows)
                + "."
                if mine
                else "No acquisition or transfer findings fall inside the windows."
            )
            self.ctx.emit(
                Draft(
                    rule="R01",
                    person=person,
                    title_ja="退職等の時期と行為の時期",
                    title_en="Timing relative to departure",
                    explanation_ja=ja,
                    explanation_en=en,
                    refs=[r for r in refs if r][: self.ctx.max_refs()],
                    total=len(hr.facts),
                    elements=[
                        (
                            "bad_faith.tori_kagai",
                            "strong_indirect" if mine else "context",
                            "SIG.BF.01",
                        )
                    ],
                    strength="strong_indirect" if mine else "context",
                    severity="info",
                    t0=None,
                    t1=None,
                    window=windows[-1] if windows else "none",
                    signals=["SIG.BF.01"],
                    facts={
                        "trigger": t.hr_type,
                        "trigger_day": t.day,
                        "triggers": [[f.hr_type, f.day] for f in trig],
                        "windows": windows,
                        "findings_in_window": len(mine),
                    },
                    params=dict(self.p["departure_window"]),
                    inputs=lines,
                ),
                windowed=False,
            )

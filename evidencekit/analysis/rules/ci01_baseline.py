"""CI01 own_baseline — counter-indicator CI.01 「本人の平常時の行動と一致」 (map §2.3.5
counter-indicators; §3.1 Baselines; §3.4 points: CI.01 = -2).

Inputs: R02's per-person, per-local-day volumes and the R02 findings; HR windows (R01).
For each R02 finding the *window under review* is the finding's days inside an R01 window
(pre / hot / exit_leave / post) when HR data places any there, otherwise all its days.
The own baseline is the person's active days in the ``bulk.baseline_days`` (60) before
the review window (so "no change at the trigger" compares the window with the time
before it). It needs ``bulk.baseline_min_active_days`` (20) active days. When the
finding's run began before the window, its start is compared too (the 60 days before
the run): a change there (low and slow, Valspar-type) means no CI.01.

CI.01 holds when, on every review day, the robust z of files, bytes and rows against the
baseline days stays below ``bulk.own_z``. It is added to the finding's counter-indicators
with the figures (the episode loses 2 points); the finding stays as it is (severity,
evidence, text): a counter-indicator is shown, never used to hide a fact. Every R02
finding gets ``facts.ci01`` (assessed or not, and why). Volume only: other rules'
channels have no per-person history in this run (docs/analysis.md, Limits).
"""

from __future__ import annotations

import math
from statistics import median
from typing import Any

from evidencekit.analysis.baseline import METRICS, Series, metric, robust_z, shift, ztext
from evidencekit.analysis.context import Draft
from evidencekit.analysis.rules.base import Rule, rules
from evidencekit.analysis.rules.common import ci
from evidencekit.analysis.rules.r02p_peer import SHARED_KEY

_WINDOWS = ("pre", "hot", "exit_leave", "post")


@rules.register("CI01")
class OwnBaseline(Rule):
    """CI.01 on volume findings whose days match the person's own 60-day baseline."""

    id = "CI01"
    name = "own_baseline_counter_indicator"
    needs = ("server_audit",)
    phase = 24  # after R02 (20) and R02P (22); before C01 counts the points

    def finish(self) -> None:
        days = self.ctx.shared.get(SHARED_KEY) or {}
        for d in self.ctx.drafts_of("R02"):
            person = d.person or ""
            if person in days and d.facts.get("days"):
                self._assess(d, Series(days[person]))

    def review_days(self, d: Draft) -> list[str]:
        """The finding's days under review (those in an R01 window, if any are)."""
        run = [str(x) for x in d.facts.get("days", [])]
        if self.ctx.hr_supplied:
            tagged = [x for x in run if self.ctx.window(d.person, x) in _WINDOWS]
            if tagged:
                return tagged
        return run

    def _assess(self, d: Draft, s: Series) -> None:
        q = self.p["bulk"]
        review = [x for x in self.review_days(d) if x in s.days]
        if not review:
            return
        start = review[0]
        base = s.between(shift(start, -int(q["baseline_days"])), start)
        facts: dict[str, Any] = {
            "review_days": [review[0], review[-1]],
            "baseline_period": [shift(start, -int(q["baseline_days"])), shift(start, -1)],
            "baseline_active_days": len(base),
        }
        d.facts["ci01"] = facts
        if len(base) < q["baseline_min_active_days"]:
            facts.update(
                assessed=False,
                reason_en=f"{len(base)} active day(s) before the review window; "
                f"at least {q['baseline_min_active_days']} needed",
                reason_ja=f"審査対象期間前の稼働日が{len(base)}日で、"
                f"必要数（{q['baseline_min_active_days']}日）に満たない",
            )
            return
        zs, medians = _zmax(s, review, base)
        worst = max(zs.values())
        matches = not math.isnan(worst) and worst < q["own_z"]
        facts.update(
            assessed=True,
            matches=matches,
            z={k: ztext(v) for k, v in zs.items()},
            baseline_median=medians,
        )
        run = [x for x in d.facts["days"] if x in s.days]
        if matches and run[0] < start:
            # the run began before the window: the change may lie at its start (low and
            # slow, Valspar-type), which a window-only comparison would call "no change"
            base0 = s.between(shift(run[0], -int(q["baseline_days"])), run[0])
            if len(base0) >= q["baseline_min_active_days"]:
                z0 = max(_zmax(s, run, base0)[0].values())
                facts["run_start"] = {"day": run[0], "active_days": len(base0), "z": ztext(z0)}
                matches = facts["matches"] = not math.isnan(z0) and z0 < q["own_z"]
        if not matches:
            return
        peak = max(metric(s.days[x], "files") for x in review)
        d.cis.append(
            ci(
                "CI.01",
                note=(
                    f"直前{q['baseline_days']}日間（稼働{len(base)}日）の中央値"
                    f"{medians['files']:,}件/日、審査対象期間（{review[0]}〜{review[-1]}）の"
                    f"最大{peak:,}件/日、ロバストz最大{ztext(worst)}（閾値{q['own_z']}未満）",
                    f"preceding {q['baseline_days']} days ({len(base)} active): median "
                    f"{medians['files']:,} files/day; review window {review[0]} to "
                    f"{review[-1]}: at most {peak:,} files/day; robust z at most "
                    f"{ztext(worst)} (below {q['own_z']})",
                ),
            )
        )

    def release(self) -> None:
        self.ctx.shared.pop(SHARED_KEY, None)
        super().release()


def _zmax(s: Series, days: list[str], base: list[str]) -> tuple[dict[str, float], dict[str, int]]:
    """Per metric: the largest robust z of ``days`` against ``base``, and the base median."""
    zs: dict[str, float] = {}
    medians: dict[str, int] = {}
    for name in METRICS:
        values = [metric(s.days[x], name) for x in base]
        medians[name] = int(median(values))
        zs[name] = max(robust_z(metric(s.days[x], name), values) for x in days)
    return zs, medians

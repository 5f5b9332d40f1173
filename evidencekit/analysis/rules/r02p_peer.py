"""R02P bulk_acquisition_peer — 大量取得（同僚集団との比較） (map §3.1 Baselines, §3.3 R02
"peer z-score >= 3.0"; SIG.BF.04 "far above own and peer baseline").

Inputs: R02's per-person, per-local-day volumes (files, bytes, DB rows read from servers;
service accounts and allow-listed processes already left out) and the identity map's
``department`` and ``role``. The peer group is every non-service person with the same
department and role. Robust z = (x - median) / (1.4826 x MAD) over the pooled active days
of the *other* members in the 60 days up to the day (``evidencekit.analysis.baseline``).

Logic:
  * A day of a person with fewer than ``bulk.baseline_min_active_days`` (20) active days in
    the 60 days before it (new joiner, transfer) has no own baseline: it is compared with
    the peer group and fires when z >= ``bulk.peer_z`` on files, bytes or rows **and** the
    value reaches the metric's floor (``peer_min_files`` / ``peer_min_bytes`` /
    ``peer_min_rows``: z-scores of a handful of files mean little). Days R02 already
    reported are not reported twice.
  * Every R02 finding gets ``facts.baseline``: the own baseline's active days, whether it
    sufficed, and the peer test (second test) on the run's busiest day; when the own
    baseline did not suffice its explanation says so.
  * A peer group needs ``bulk.peer_min_persons`` other members with records and
    ``bulk.peer_min_days`` pooled active days; otherwise the facts state why there was no
    peer comparison (a group of one is not a peer group).
Severity ``medium``; ``high`` when >= 10 % of the files are secret-set or marked; an
approved ticket (CI.02) makes it ``info``. False positives: onboarding into a new team
(the floors and the ticket); a role recorded wrongly in the identity map (stated group).
"""

from __future__ import annotations

from statistics import median
from typing import Any

from evidencekit.analysis.baseline import (
    METRICS,
    PeerGroup,
    Series,
    metric,
    peer_groups,
    peer_values,
    robust_z,
    shift,
    ztext,
)
from evidencekit.analysis.context import Draft
from evidencekit.analysis.rules.base import Rule, rules
from evidencekit.analysis.rules.common import Bucket, ci, size_en, size_ja, who
from evidencekit.analysis.rules.r02_bulk import BULK_ELEMENTS, BULK_SIGNALS

SHARED_KEY = "bulk_days"
"""``ctx.shared`` key under which R02 publishes its per-person, per-day records."""

_FLOOR = {"files": "peer_min_files", "bytes": "peer_min_bytes", "rows": "peer_min_rows"}


def own_active_days(s: Series, day: str, q: dict[str, Any]) -> list[str]:
    """The person's active days in the ``baseline_days`` before ``day``."""
    return s.between(shift(day, -int(q["baseline_days"])), day)


def peer_test(
    series: dict[str, Series], group: PeerGroup | None, person: str, day: str, q: dict[str, Any]
) -> dict[str, Any]:
    """The peer comparison of one person-day, as facts (``applied`` false with the reason)."""
    if group is None or not group.key:
        return {
            "applied": False,
            "reason_en": "no department or role for the person in the identity map",
            "reason_ja": "識別情報に部署・職種の記載がない",
        }
    first = shift(day, -int(q["baseline_days"]))
    x = series[person].days[day]
    out: dict[str, Any] = {"group": group.key, "period": [first, day], "z": {}, "median": {}}
    over: list[str] = []
    for name in METRICS:
        values, contributors = peer_values(series, group, person, first, day, name)
        out["peers"] = contributors
        if contributors < int(q["peer_min_persons"]):
            out.update(
                applied=False,
                reason_en=f"peer group has {contributors + 1} member(s) with records; "
                f"at least {int(q['peer_min_persons']) + 1} are needed (not a peer group)",
                reason_ja=f"同じ部署・職種で記録のある者は本人を含め{contributors + 1}名であり、"
                f"比較集団の要件（{int(q['peer_min_persons']) + 1}名以上）を満たさない",
            )
            return out
        if len(values) < int(q["peer_min_days"]):
            out.update(
                applied=False,
                reason_en=f"{len(values)} pooled peer days; at least {q['peer_min_days']} needed",
                reason_ja=f"比較集団の稼働日が延べ{len(values)}日で、必要数（{q['peer_min_days']}日）に満たない",
            )
            return out
        z = robust_z(metric(x, name), values)
        out["z"][name], out["median"][name] = ztext(z), int(median(values))
        if z >= q["peer_z"] and metric(x, name) >= int(q[_FLOOR[name]]):
            over.append(name)
    out.update(applied=True, over=over, pooled_days=len(values))
    return out


def _over_floors(day: Any, q: dict[str, Any]) -> bool:
    return any(metric(day, name) >= int(q[_FLOOR[name]]) for name in METRICS)


def max_z(test: dict[str, Any]) -> str:
    zs = [float(v) for v in test.get("z", {}).values() if v != "nan"]
    return ztext(max(zs)) if zs else "nan"


@rules.register("R02P")
class PeerBaseline(Rule):
    """Peer-group baseline for R02's volumes (new joiners; second test beside R02)."""

    id = "R02P"
    name = "bulk_acquisition_peer"
    needs = ("server_audit",)
    phase = 22  # after R02 (20), before CI01 (24) and the rules that combine others

    def finish(self) -> None:
        days = self.ctx.shared.get(SHARED_KEY) or {}
        series = {p: Series(d) for p, d in days.items() if d}
        if not series:
            return
        groups = peer_groups(self.ctx.identities, series)
        q = self.p["bulk"]
        r02: dict[str, list[Draft]] = {}
        for d in self.ctx.drafts_of("R02"):
            r02.setdefault(d.person or "", []).append(d)
        for person in sorted(groups):
            flagged = {day for d in r02.get(person, []) for day in d.facts.get("days", [])}
            for d in r02.get(person, []):
                self._annotate(d, series, groups.get(person), q)
            hits: dict[str, dict[str, Any]] = {}
            s = series[person]
            for day in s.order:
                if day in flagged or not _over_floors(s.days[day], q):
                    continue  # below every floor a z-score cannot make the day count
                if len(own_active_days(s, day, q)) >= q["baseline_min_active_days"]:
                    continue
                test = peer_test(series, groups.get(person), person, day, q)
                if test.get("over"):
                    hits[day] = test
            for run in _runs(sorted(hits)):
                self._emit(person, run, hits, series)

    def _annotate(
        self, d: Draft, series: dict[str, Series], group: PeerGroup | None, q: dict[str, Any]
    ) -> None:
        """State on an R02 finding which baseline it was judged against."""
        person, run = d.person or "", list(d.facts.get("days", []))
        if person not in series or not run:
            return
        s = series[person]
        own = own_active_days(s, run[0], q)
        enough = len(own) >= q["baseline_min_active_days"]
        peak = max(run, key=lambda day: (metric(s.days[day], "files"), day))
        test = peer_test(series, group, person, peak, q)
        used = "own" if enough else ("peer" if test.get("applied") else "absolute_minimums")
        d.facts["baseline"] = {
            "used": used,
            "own": {
                "active_days": len(own),
                "period": [shift(run[0], -int(q["baseline_days"])), shift(run[0], -1)],
                "sufficient": enough,
            },
            "peer": {**test, "day": peak},
        }
        if enough:
            return
        if test.get("applied"):
            ja = (
                f"同じ部署・職種（{test['group']}）の{test['peers']}名の稼働日と比較した"
                f"（{peak}のロバストzは最大{max_z(test)}）"
            )
            en = (
                f"the days were compared with {test['peers']} peer(s) of the same department "
                f"and role ({test['group']}): robust z on {peak} up to {max_z(test)}"
            )
        else:
            ja = (
                f"同僚集団との比較も行っていない（{test['reason_ja']}）。判定は絶対的な最小値による"
            )
            en = f"no peer comparison either ({test['reason_en']}); the absolute minimums decided"
        d.explanation_ja += (
            f"本人の直前{q['baseline_days']}日間の稼働日は{len(own)}日で"
            f"基準（{q['baseline_min_active_days']}日）に満たないため、{ja}。"
        )
        d.explanation_en += (
            f" The person had {len(own)} active day(s) in the preceding {q['baseline_days']} "
            f"days (fewer than {q['baseline_min_active_days']}), so {en}."
        )

    def _emit(
        self,
        person: str,
        run: list[str],
        hits: dict[str, dict[str, Any]],
        series: dict[str, Series],
    ) -> None:
        q, s = self.p["bulk"], series[person]
        total = Bucket(self.ctx.max_refs())
        for day in run:
            total.merge(s.days[day].b)
        over = sorted({m for day in run for m in hits[day]["over"]})
        peak = max(run, key=lambda day: (float(max_z(hits[day])), day))
        test = hits[peak]
        share = 100 * total.secret // max(1, total.files)
        sev = "high" if share >= q["secret_share_percent"] else "medium"
        ticket = self.ctx.ticket_for(person, total.t0)
        cis = (
            [ci("CI.02", note=(f"チケット{ticket['id']}", f"ticket {ticket['id']}"))]
            if ticket
            else []
        )
        wja, wen = who(self.ctx, person)
        own = len(own_active_days(s, run[0], q))
        self.ctx.emit(
            Draft(
                rule="R02P",
                person=person,
                title_ja="同じ部署・職種の者を大きく上回る取得の記録",
                title_en="Acquisition far above the peer group",
                explanation_ja=(
                    f"{wja}により、{run[0]}から{run[-1]}までの{len(run)}日間に"
                    f"{total.files:,}件（{size_ja(total.bytes)}）のファイル取得の記録がある。"
                    f"本人の直前{q['baseline_days']}日間の稼働日は{own}日で基準"
                    f"（{q['baseline_min_active_days']}日）に満たないため、同じ部署・職種"
                    f"（{test['group']}）の{test['peers']}名の稼働日と比較した。ロバストzは"
                    f"最大{max_z(test)}（閾値{q['peer_z']}、指標: {', '.join(over)}）である。"
                ),
                explanation_en=(
                    f"Records show {total.files:,} files ({size_en(total.bytes)}) acquired under "
                    f"{wen} over {len(run)} day(s) from {run[0]} to {run[-1]}. The person had "
                    f"{own} active day(s) in the preceding {q['baseline_days']} days (fewer "
                    f"than {q['baseline_min_active_days']}), so the days were compared with "
                    f"{test['peers']} peer(s) of the same department and role "
                    f"({test['group']}): robust z up to {max_z(test)} (threshold "
                    f"{q['peer_z']}; metrics: {', '.join(over)})."
                ),
                refs=total.refs,
                total=total.files,
                elements=list(BULK_ELEMENTS),
                strength="direct",
                severity="info" if ticket else sev,
                t0=total.t0,
                t1=total.t1,
                signals=list(BULK_SIGNALS),
                indicators=["volume"] + (["secret_set"] if total.secret else []),
                cis=cis,
                facts={
                    "files": total.files,
                    "bytes": total.bytes,
                    "days": run,
                    "criteria": [f"peer_z:{m}" for m in over],
                    "secret_files": total.secret,
                    "baseline": {
                        "used": "peer",
                        "own": {"active_days": own, "sufficient": False},
                        "peer": {**test, "day": peak},
                    },
                },
                params={k: q[k] for k in sorted(q) if k.startswith(("peer_", "baseline_"))},
                files=set(total.keys),
            )
        )

    def release(self) -> None:
        self.ctx.shared.pop(SHARED_KEY, None)
        super().release()


def _runs(days: list[str], gap: int = 3) -> list[list[str]]:
    """Sorted local days grouped into runs at most ``gap`` days apart (as R02 does)."""
    runs: list[list[str]] = []
    for d in days:
        if runs and d <= shift(runs[-1][-1], gap):
            runs[-1].append(d)
        else:
            runs.append([d])
    return runs


__all__ = ["SHARED_KEY", "PeerBaseline", "own_active_days", "peer_test"]

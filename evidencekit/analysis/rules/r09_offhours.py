"""R09 off_hours_holiday — 時間外・休日（日本の祝日）(map §3.3 R09; [S3] 休日のログ, [P28], [P32]).

Inputs: the local time of the person's activity (reads, copies, uploads, sends,
deletions, renames, executions), national holidays (``holidays``, Japanese names),
the company calendar, business hours (default Mon–Fri 08:00–20:00) and the late-night
band 22:00–05:00 (労基法37条4項). A day with off-hours activity is ``low`` only when an
R02–R07/R10 finding of the same person falls on it (combined); alone it is ``info``
(timeline colouring). Approved overtime or holiday work (CI.07) and change windows
(CI.02) make it ``info``. Service accounts are skipped (non-human).
"""

from __future__ import annotations

from typing import Any

from evidencekit.analysis.context import Draft
from evidencekit.analysis.jpcal import LocalTime
from evidencekit.analysis.rules.base import Rule, rules
from evidencekit.analysis.rules.common import Bucket, ci, who

_COMBINE = ("R02", "R02P", "R03", "R04", "R05", "R06", "R07", "R10")


@rules.register("R09")
class OffHoursHoliday(Rule):
    """Off-hours, weekend, national and company holiday activity (combined only)."""

    id = "R09"
    name = "off_hours_holiday"
    person_only = True
    off_hours_only = True  # observe returns first thing in business hours
    actions = frozenset(
        {
            "read",
            "download",
            "copy",
            "upload",
            "send",
            "delete",
            "rename",
            "execute",
            "create",
            "modify",
            "logon",
            "open",
            "wipe",
            "print",
        }
    )
    phase = 40
    skips_service = True  # observe returns first thing for service accounts

    def __init__(self, ctx: Any) -> None:
        super().__init__(ctx)
        # (person, local day) -> [events, the day's first local time, any in the late band]
        self.days: dict[tuple[str, str], list[Any]] = {}
        self._is_service = ctx.identities.is_service

    def observe(self, ev: dict[str, Any], idx: int, person: str | None, lt: LocalTime) -> None:
        if not lt.off_hours or person is None or self._is_service(person):
            return
        key = (person, lt.day)
        entry = self.days.get(key)
        if entry is None:
            entry = self.days[key] = [Bucket(3, 0), lt, lt.late_night]
        elif lt.late_night:
            entry[2] = True
        entry[0].add((idx, ev.get("time"), "off_hours"))  # = ref(ev, idx, "off_hours")

    def finish(self) -> None:
        acts = [d for d in self.ctx.drafts_of(*_COMBINE) if d.severity != "info" and d.t0]
        by_day: dict[tuple[str | None, str], list[Any]] = {}
        for d in acts:
            for day in _days(self, d):
                by_day.setdefault((d.person, day), []).append(d)
        for (person, day), (b, lt, late) in sorted(self.days.items()):
            linked = by_day.get((person, day), [])
            cis = self._cis(person, day, lt, b)
            if not linked and not cis:
                continue  # alone it only colours the timeline (report stage)
            self._emit(person, day, (lt, late), b, linked, cis)

    def _cis(self, person: str, day: str, lt: LocalTime, b: Bucket) -> list[Any]:
        hr = self.ctx.hr.get(person)
        late_end = self.p["late_night_band"]["end_hour"]
        working = lt.holiday is None and not lt.company_day and lt.weekday < 5
        kind = "approved_overtime" if working else "approved_holiday_work"

        def covered(t: str | None) -> bool:
            hour = self.ctx.local(t).hour if t else 12
            return hr is not None and bool(
                hr.covers(kind, day, hour, late_end)
                or hr.covers("approved_overtime", day, hour, late_end)
            )

        # The first and the last off-hours event: the previous day's approval reaches only
        # the early hours, so an unapproved evening on the same day is not covered by it.
        if covered(b.t0) and covered(b.t1):
            return [ci("CI.07")]
        ticket = self.ctx.ticket_for(person, b.t0)
        return (
            [ci("CI.02", note=(f"チケット{ticket['id']}", f"ticket {ticket['id']}"))]
            if ticket
            else []
        )

    def _emit(
        self,
        person: str,
        day: str,
        when: tuple[LocalTime, bool],
        b: Bucket,
        linked: list[Any],
        cis: list[Any],
    ) -> None:
        lt, late = when
        band = self.p["late_night_band"]
        hours = f"{band['start_hour']:02d}:00–{band['end_hour']:02d}:00"
        tag_ja = (
            f"国民の祝日（{lt.holiday}）"
            if lt.holiday
            else "会社休日"
            if lt.company_day
            else "週末"
            if lt.weekday >= 5
            else f"業務時間外、深夜帯（{hours}）を含む"
            if late
            else "業務時間外"
        )
        tag_en = (
            f"national holiday ({lt.holiday})"
            if lt.holiday
            else "company holiday"
            if lt.company_day
            else "weekend"
            if lt.weekday >= 5
            else f"outside business hours, including the late-night band {hours}"
            if late
            else "outside business hours"
        )
        combined = bool(linked) and not cis
        wja, wen = who(self.ctx, person)
        self.ctx.emit(
            Draft(
                rule="R09",
                person=person,
                title_ja="時間外・休日の操作の記録",
                title_en="Off-hours or holiday activity",
                explanation_ja=f"{day}（{tag_ja}）に{wja}による操作の記録が{b.files}件ある。"
                + ("同日に取得・持出し等の記録がある。" if linked else ""),
                explanation_en=f"Records show {b.files} operation(s) under {wen} on {day} ({tag_en})."  # noqa: E501 - bilingual wording kept whole
                + (" Acquisition or transfer findings fall on the same day." if linked else ""),
                refs=b.refs,
                total=b.files,
                elements=[("bad_faith.tori_kagai", "weak_indirect", "SIG.BF.05")],
                strength="weak_indirect",
                severity="low" if combined else "info",
                t0=b.t0,
                t1=b.t1,
                signals=["SIG.BF.05"],
                indicators=["off_hours"] if combined else [],
                cis=cis,
                facts={
                    "day": day,
                    "holiday": lt.holiday,
                    "company_day": lt.company_day,
                    "weekday": lt.weekday,
                    "combined_with": len(linked),
                },
                params={
                    "business_hours": dict(self.p["business_hours"]),
                    "late_night_band": dict(self.p["late_night_band"]),
                },
            ),
            windowed=False,
        )


def _days(rule: Rule, d: Any) -> set[str]:
    days = {rule.ctx.local(d.t0).day, rule.ctx.local(d.t1 or d.t0).day}
    days.update(d.facts.get("days", []) if isinstance(d.facts.get("days"), list) else [])
    return days

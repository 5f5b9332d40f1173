"""R15 competitor_contact — 競合・依頼者との接触 (map §3.3 R15; Yoshitsuka, [S1]).

Inputs: mail, calendar and chat metadata (send/receive; ``attributes.from``,
``attributes.to``) and the counsel-maintained watch list (asset register
``[watch_list]`` domains and addresses). A message exchange with a watch-listed
party within 30 days before an R02–R05 finding of the same person is ``high``;
otherwise ``info`` (context). Only metadata is used (parties, times), never
content ([P27]).
"""

from __future__ import annotations

from typing import Any

from evidencekit.analysis.context import Draft, epoch, obj_path, ref
from evidencekit.analysis.jpcal import LocalTime
from evidencekit.analysis.rules.base import Rule, rules
from evidencekit.analysis.rules.common import Bucket, attr, domain_of, file_key, is_secret, who
from evidencekit.analysis.rules.r05_mail import recipients


@rules.register("R15")
class CompetitorContact(Rule):
    """Contact with a watch-listed competitor or requester before acquisition."""

    id = "R15"
    name = "competitor_contact"
    person_only = True
    actions = frozenset({"send", "receive", "share", "read", "download", "copy"})
    needs = ("mail",)
    phase = 36

    def __init__(self, ctx: Any) -> None:
        super().__init__(ctx)
        self.hits: dict[tuple[str, str], Bucket] = {}
        self.open: dict[str, int] = {}  # person -> last contact time (30-day window)
        self.reads: dict[str, list[tuple[int, str]]] = {}  # secret reads inside a window

    def active(self) -> bool:
        a = self.ctx.assets
        return bool(a.watch_domains or a.watch_addresses)

    def observe(self, ev: dict[str, Any], idx: int, person: str | None, lt: LocalTime) -> None:
        a = self.ctx.assets
        if person is None or not (a.watch_domains or a.watch_addresses):
            return
        if ev["action"] in ("read", "download", "copy"):
            self._read(ev, person)
            return
        parties = [*recipients(ev), str(attr(ev, "from") or "").casefold()]
        hit = next(
            (
                p
                for p in parties
                if p and (p in a.watch_addresses or domain_of(p) in a.watch_domains)
            ),
            None,
        )
        if hit:
            self.hits.setdefault((person, hit), Bucket()).add(ref(ev, idx, "contact"))
            self.open[person] = epoch(ev["time"])

    def _read(self, ev: dict[str, Any], person: str) -> None:
        """Secret-set reads within 30 days after a contact (the stream is time-ordered)."""
        start = self.open.get(person)
        if start is None:
            return
        now = epoch(ev["time"])
        if now - start > self.p["contact"]["before_days"] * 86400:
            return
        path = obj_path(ev)
        if path and is_secret(self.ctx, ev):
            rows = self.reads.setdefault(person, [])
            key = file_key(path)
            if key and len(rows) < 20_000:
                rows.append((now, key))

    def finish(self) -> None:
        days = self.p["contact"]["before_days"] * 86400
        acts = [
            d
            for d in self.ctx.drafts_of("R02", "R02P", "R03", "R04", "R05")
            if d.t0 and d.severity != "info"
        ]
        for (person, party), b in sorted(self.hits.items()):
            t = epoch(b.t0 or "")
            later = [d for d in acts if d.person == person and 0 <= epoch(d.t0 or "") - t <= days]
            reads = self.reads.get(person, [])
            read_keys = {k for r, k in reads if 0 <= r - t <= days and k}
            secret_reads = len(read_keys)
            wja, wen = who(self.ctx, person)
            self.ctx.emit(
                Draft(
                    rule="R15",
                    person=person,
                    title_ja="監視対象の相手方とのやり取りの記録",
                    title_en="Contact with a watch-listed party",
                    explanation_ja=f"{wja}と監視対象（{party}）との間で{b.files}件のやり取りの記録がある。"
                    + (
                        f"その後30日以内に取得・持出し等の記録が{len(later)}件ある。"
                        if later
                        else ""
                    ),
                    explanation_en=f"Records show {b.files} message(s) between {wen} and watch-listed party {party}."  # noqa: E501 - bilingual wording kept whole
                    + (
                        f" {len(later)} acquisition or transfer finding(s) follow within 30 days."
                        if later
                        else ""
                    ),
                    refs=b.refs,
                    total=b.files,
                    elements=[
                        ("bad_faith.tori_kagai", "strong_indirect", "SIG.BF.09"),
                        ("crim.former_employee", "strong_indirect", "SIG.BF.09"),
                    ],
                    strength="strong_indirect" if (later or secret_reads) else "context",
                    severity="high" if (later or secret_reads) else "info",
                    t0=b.t0,
                    t1=b.t1,
                    signals=["SIG.BF.09"],
                    indicators=["contact"] if (later or secret_reads) else [],
                    files=set(sorted(read_keys)[:2000]) | {k for d in later for k in d.files},
                    facts={
                        "party": party,
                        "messages": b.files,
                        "followed_by": len(later),
                        "secret_reads_within_30d": secret_reads,
                    },
                    params=dict(self.p["contact"]),
                ),
                windowed=False,
            )

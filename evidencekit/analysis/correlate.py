"""C01 episode correlator and indicator tiers (map §3.4).

An episode groups one person's findings that share file keys or lie within 72 hours
of each other. Points are itemised facts (never printed as a score in court-facing
text): each indicator counts once per episode, counter-indicators subtract. Tiers:
<=3 参考, 4–6 要確認, 7–9 重要, >=10 重大. The person tier is the highest episode
tier, raised one level when >= 3 episodes reach 要確認 or above (repetition, [P20]).
"""

from __future__ import annotations

from typing import Any

from evidencekit.analysis.context import Draft, epoch
from evidencekit.analysis.model import (
    TIER_ORDER,
    Episode,
    IndicatorPoint,
    PersonSummary,
    tier_for_points,
)

POINTS: dict[str, tuple[int, str, str]] = {
    "pre": (1, "退職等の申出前の期間（R01）", "pre window (R01)"),  # pre_days is a parameter
    "hot": (2, "申出直前から最終出社日まで又は有給消化中（R01）", "hot or exit-leave window (R01)"),
    "private_dest": (
        3,
        "私有・管理外の保存先（R03/R04/R05）",
        "private or unmanaged destination (R03/R04/R05)",
    ),
    "volume": (2, "取得量の異常（R02）", "volume anomaly (R02)"),
    "secret_set": (
        2,
        "営業秘密候補・秘密表示ファイルを含む",
        "secret-set or marked files involved",
    ),
    "outside_auth": (2, "権限外アクセス（R10）", "outside authorisation (R10)"),
    "outside_auth_strong": (
        3,
        "他人の認証情報の使用又は自己への権限付与（R10）",
        "credential misuse or self-grant (R10)",
    ),
    "staging": (2, "持出し準備・偽装（R06/R13）", "staging or obfuscation (R06/R13)"),
    "deletion": (2, "持出し後の削除（R07）", "deletion after exfiltration (R07)"),
    "antiforensic": (
        3,
        "証拠隠滅ツール・ログ改ざん（R08/R18）",
        "anti-forensic tool or log tampering (R08/R18)",
    ),
    "off_hours": (
        1,
        "時間外・休日（R09、他の記録と同一エピソード）",
        "off-hours or holiday (R09, combined)",
    ),
    "channel_switch": (3, "ブロック後の経路切替（R12）", "channel switch after a block (R12)"),
    "contact": (2, "競合・依頼者との接触（R15）", "competitor or requester contact (R15)"),
}


_ACCESS = frozenset({"R02", "R02P", "R10", "R15"})
_TRANSFER = frozenset({"R03", "R04", "R05"})


def _groups(items: list[tuple[Draft, str]], gap_s: int) -> list[list[tuple[Draft, str]]]:
    """Group one person's findings in time order (access → staging → transfer → cover-up).

    A finding joins the episode that ended most recently within ``gap_s``; otherwise a later
    stage joins the episode whose files it carries; a cover-up found after a transfer (R07
    conditions a/c, R08/R18 ``after_transfer``) joins the episode holding that transfer;
    anything else starts a new episode (a new access does, so repetition stays visible).
    """
    groups: list[list[tuple[Draft, str]]] = []
    keys: list[set[str]] = []
    ends: list[int] = []
    for d, fid in sorted(items, key=lambda x: (x[0].t0 or "", x[1])):
        start = epoch(d.t0 or "1970-01-01T00:00:00")
        near = [i for i, e in enumerate(ends) if start - e <= gap_s]
        joins = d.rule not in _ACCESS
        target: int | None = max(near, key=lambda i: ends[i]) if near else None
        if target is None and joins and d.files:
            target = next((i for i, k in enumerate(keys) if d.files & k), None)
        if target is None and _after_transfer(d):
            target = next(
                (
                    i
                    for i in range(len(groups) - 1, -1, -1)
                    if any(g.rule in _TRANSFER for g, _ in groups[i])
                ),
                None,
            )
        if target is None:
            groups.append([])
            keys.append(set())
            ends.append(start)
            target = len(groups) - 1
        groups[target].append((d, fid))
        if len(keys[target]) < 20_000:
            keys[target] |= d.files
        # a finding summarising weeks (R07, R17) must not chain every later act into one
        # episode: its own span counts for at most a day
        finish = epoch(d.t1 or d.t0 or "1970-01-01T00:00:00")
        ends[target] = max(ends[target], min(finish, start + 86400))
    return groups


def _after_transfer(d: Draft) -> bool:
    if d.rule == "R07":
        return bool(set(d.facts.get("conditions", [])) & {"a", "c"})
    return d.rule in ("R08", "R18") and bool(d.facts.get("after_transfer"))


def _points(group: list[tuple[Draft, str]]) -> tuple[list[IndicatorPoint], str | None]:
    by: dict[str, list[str]] = {}
    windows = {d.window for d, _ in group}
    window = next((w for w in ("exit_leave", "hot", "pre") if w in windows), None)
    for d, fid in group:
        for ind in d.indicators:
            by.setdefault(ind, []).append(fid)
    if "outside_auth_strong" in by:
        by.pop("outside_auth", None)
    items = [
        IndicatorPoint(
            indicator=k,
            label_ja=POINTS[k][1],
            label_en=POINTS[k][2],
            points=POINTS[k][0],
            findings=tuple(sorted(set(v))),
        )
        for k, v in sorted(by.items())
    ]
    if window is not None:
        key = "pre" if window == "pre" else "hot"
        fids = tuple(sorted({fid for d, fid in group if d.window == window}))
        items.append(
            IndicatorPoint(
                indicator=key,
                label_ja=POINTS[key][1],
                label_en=POINTS[key][2],
                points=POINTS[key][0],
                findings=fids,
            )
        )
    cis: dict[str, Any] = {}
    # a personal-content subset (CI.05 on its own finding) must not offset the points of
    # the non-personal transfers beside it (P2); alone it does (B4)
    mixed = any(d.rule in ("R03", "R04", "R05") and not d.facts.get("personal") for d, _ in group)
    for d, fid in group:
        if mixed and d.facts.get("personal"):
            continue
        for c in d.cis:
            cis.setdefault(c.id, (c, []))[1].append(fid)
    for cid, (c, fids) in sorted(cis.items()):
        items.append(
            IndicatorPoint(
                indicator=cid,
                label_ja=c.label_ja,
                label_en=c.label_en,
                points=c.points,
                findings=tuple(sorted(set(fids))),
            )
        )
    return items, window


def correlate(pairs: list[tuple[Draft, str]], params: dict[str, Any]) -> list[Episode]:
    """Episodes of behaviour findings (severity above info), per person."""
    gap_s = params["episode"]["gap_hours"] * 3600
    per: dict[str, list[tuple[Draft, str]]] = {}
    for d, fid in pairs:
        if d.person and d.rule.startswith("R") and d.rule != "R01" and d.severity != "info":
            per.setdefault(d.person, []).append((d, fid))
    episodes: list[Episode] = []
    for person in sorted(per):
        for group in _groups(per[person], gap_s):
            items, window = _points(group)
            points = sum(i.points for i in items)
            times = sorted(t for d, _ in group for t in (d.t0, d.t1) if t)
            episodes.append(
                Episode(
                    id=f"EP-{len(episodes) + 1:04d}",
                    person=person,
                    findings=tuple(fid for _, fid in group),
                    time_start=times[0] if times else None,
                    time_end=times[-1] if times else None,
                    window=window,
                    indicators=tuple(items),
                    points=points,
                    tier=tier_for_points(points),
                )
            )
    return episodes


def person_summaries(
    episodes: list[Episode], drafts: list[tuple[Draft, str]], identities: Any, repetition: int
) -> list[PersonSummary]:
    """Person tiers: highest episode tier, raised for >= ``repetition`` episodes at 要確認+."""
    persons = sorted({d.person for d, _ in drafts if d.person})
    out = []
    for person in persons:
        eps = [e for e in episodes if e.person == person]
        tier = max((e.tier for e in eps), key=TIER_ORDER.index, default=None)
        raised = sum(1 for e in eps if TIER_ORDER.index(e.tier) >= 1) >= repetition
        if tier is not None and raised:
            tier = TIER_ORDER[min(len(TIER_ORDER) - 1, TIER_ORDER.index(tier) + 1)]
        out.append(
            PersonSummary(
                person=person,
                display_name=identities.display(person),
                service_account=identities.is_service(person),
                tier=tier,
                episodes=tuple(e.id for e in eps),
                findings=tuple(fid for d, fid in drafts if d.person == person),
                repetition_raise=raised,
            )
        )
    return out

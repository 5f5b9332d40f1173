"""Cover, table of contents and executive summary (domain map §5 sections 0 and 1)."""

from __future__ import annotations

from collections import Counter

from reportlab.platypus import Flowable, PageBreak, Spacer

from evidencekit import __version__
from evidencekit.analysis.model import SEVERITY_ORDER, STATUS_EN, STATUS_JA
from evidencekit.report.data import ReportData
from evidencekit.report.doc import Heading, Styles, body, make_toc, para, table
from evidencekit.report.i18n import fmt_time
from evidencekit.report.options import ReportOptions

PRIORITY_ORDER = {"P1": 0, "P2": 1, "P3": 2}


def cover(st: Styles, data: ReportData, opt: ReportOptions, annex_sha256: str) -> list[Flowable]:
    """Section 0: matter, parties, examiner, date, package id and Merkle tree head."""
    L, meta, head = st.labels, data.meta, data.head
    rows = [
        [L("事件名", "Matter"), meta.title or meta.case_id],
        [L("事件番号", "Case id"), meta.case_id],
        [L("依頼者", "Client"), opt.client or "—"],
        [L("提出先（代理人）", "Prepared for (counsel)"), opt.prepared_for or "—"],
        [L("作成者", "Examiner"), meta.examiner or "—"],
        [L("所属", "Organisation"), meta.organisation or "—"],
        [L("作成日時", "Created"), fmt_time(opt.created, st.lang)],
        [L("パッケージID", "Package id"), opt.package_id or L("未パッケージ", "not yet packaged")],
        [L("ツール", "Tool"), f"evidencekit {__version__}"],
        [L("適用プロファイル", "Profile"), _profile(data)],
        [L("タイムライン版", "Timeline version"), f"v{head.version:04d} ({head.size} events)"],
        [L("Merkle木ヘッド（RFC 9162）", "Merkle tree head (RFC 9162)"), head.merkle_root],
        [L("ハッシュチェーン末尾", "Hash-chain head"), head.chain_head],
        [L("別紙（非開示）SHA-256", "Sealed annex SHA-256"), annex_sha256],
        [L("区分", "Classification"), opt.classification],
        [L("証拠番号", "Exhibit no."), opt.exhibit_prefix],
    ]
    mono = {11, 12, 13}
    out: list[Flowable] = [
        Spacer(1, 30),
        para(L("証拠解析報告書", "Forensic Evidence Report"), st.title),
        para(L("営業秘密侵害事案（不正競争防止法）", "Trade-secret matter (UCPA)"), st.h2),
        Spacer(1, 10),
        table(
            st,
            [L("項目", "Item"), L("内容", "Value")],
            [[r[0], para(r[1], st.mono) if i in mono else r[1]] for i, r in enumerate(rows)],
            [1.6, 4.0],
        ),
    ]
    out.append(Spacer(1, 14))
    out += body(
        st,
        "本報告書は記録された事実とその所在を示すものであり、法的評価は代理人及び裁判所の判断事項です。"
        "各イベントにはイベントIDとMerkle木の葉番号を付しています。",
        "This report states recorded facts and where they are found; legal conclusions are "
        "for counsel and the court. Every event carries its event id and Merkle leaf index.",
    )
    out.append(para(L("署名欄：", "Signature:") + " ______________________", st.body_en))
    out.append(PageBreak())
    return out


def _profile(data: ReportData) -> str:
    a = data.analysis
    return f"{a.profile_id} {a.profile_version}" if a else "— (analysis not run)"


def contents(st: Styles) -> list[Flowable]:
    """Table of contents (filled in by the multi-pass build)."""
    return [para(st.labels("目次", "Contents"), st.h1), make_toc(st), PageBreak()]


def summary(st: Styles, data: ReportData) -> list[Flowable]:
    """Section 1: custodians, period, sources, headline counts, mini matrix, top gaps."""
    L, head = st.labels, data.head
    out: list[Flowable] = [Heading("1. " + L("要旨", "Executive Summary"), st.h1, 0)]
    period_ja = f"{fmt_time(head.first_time, 'ja')} 〜 {fmt_time(head.last_time, 'ja')}"
    period_en = f"{fmt_time(head.first_time, 'en')} to {fmt_time(head.last_time, 'en')}"
    refs = _ev_refs(len(data.sources))
    out += body(
        st,
        f"封印済みタイムライン（版{head.version}）には{len(data.sources)}件の証拠源から"
        f"{head.size}件のイベントの記録がある（期間：{period_ja}、時刻不明{head.undated}件）。{refs}",
        f"Records show {head.size} events from {len(data.sources)} evidence sources in sealed "
        f"timeline version {head.version} ({period_en}; {head.undated} without a usable time). "
        f"{refs}",
    )
    out += _action_counts(st, data)
    out += _custodians(st, data)
    out += _findings_headline(st, data)
    out += _mini_matrix(st, data)
    out += _top_gaps(st, data)
    out.append(PageBreak())
    return out


def _ev_refs(count: int) -> str:
    """Evidence-item references closing a factual sentence (domain map §5)."""
    if count == 0:
        return ""
    if count <= 4:
        return "[" + ", ".join(f"EV-{i:04d}" for i in range(1, count + 1)) + "]"
    return f"[EV-0001 – EV-{count:04d}]"


HEADLINE_FINDINGS = 8  # the summary stays short; section 8 lists every finding


def _action_counts(st: Styles, data: ReportData) -> list[Flowable]:
    totals: Counter[str] = Counter()
    for counts in data.activity.by_day.values():
        totals.update(counts)
    if not totals:
        return []
    rows = [[action, str(n)] for action, n in sorted(totals.items(), key=lambda x: (-x[1], x[0]))]
    L = st.labels
    return [
        para(
            L("操作種別ごとの件数（時刻のあるイベント）", "Events by action (dated events)"), st.h2
        ),
        table(st, [L("操作", "Action"), L("件数", "Events")], rows[:16], [3, 1]),
    ]


def _custodians(st: Styles, data: ReportData) -> list[Flowable]:
    a = data.analysis
    if a is None or not a.persons:
        return []
    L = st.labels
    rows = [
        [p.display_name or p.person, p.tier or "—", str(len(p.findings)), ", ".join(p.episodes)]
        for p in a.persons
    ]
    header = [
        L("対象者", "Custodian"),
        L("区分", "Tier"),
        L("所見数", "Findings"),
        L("エピソード", "Episodes"),
    ]
    return [para(L("対象者", "Custodians"), st.h2), table(st, header, rows, [2, 1, 1, 3])]


def _findings_headline(st: Styles, data: ReportData) -> list[Flowable]:
    a = data.analysis
    if a is None or not a.findings:
        return []
    L = st.labels
    order = {s: i for i, s in enumerate(SEVERITY_ORDER)}
    top = sorted(a.findings, key=lambda f: (-order[f.severity], f.id))[:HEADLINE_FINDINGS]
    rows = [
        [
            f.id,
            f"{L(f.title_ja, f.title_en)} ({f.rule})",
            f"{fmt_time(f.time_start, st.lang, long=False)} –\n"
            f"{fmt_time(f.time_end, st.lang, long=False)}",
            str(f.evidence_total),
        ]
        for f in top
    ]
    header = [
        L("所見", "Finding"),
        L("内容", "Title"),
        L("期間(JST)", "Period (JST)"),
        L("イベント数", "Events"),
    ]
    return [
        para(L("所見の一覧（記録された事実）", "Findings (recorded facts)"), st.h2),
        table(st, header, rows, [0.8, 3.2, 2.0, 0.8]),
        *body(
            st,
            f"重大度の高い順に{len(rows)}件を示す（全{len(a.findings)}件は第8章）。",
            f"The {len(rows)} highest-ranked of {len(a.findings)} findings; all are in section 8.",
        ),
    ]


def _mini_matrix(st: Styles, data: ReportData) -> list[Flowable]:
    L = st.labels
    if data.analysis is None:
        return body(
            st,
            "解析（要件事実マトリクス）は実施されていない。全要件の状況は「未評価」である。",
            "The analysis (element matrix) has not been run; every element is 'Not assessed'.",
        )
    rows = [
        [L(e.label_ja, e.label_en), L(STATUS_JA[e.status], STATUS_EN[e.status])]
        for e in data.analysis.elements
    ]
    return [
        para(L("要件事実マトリクス（要約）", "Element matrix (summary)"), st.h2),
        table(st, [L("要件", "Element"), L("状況", "Status")], rows, [3, 2]),
    ]


def _top_gaps(st: Styles, data: ReportData) -> list[Flowable]:
    if data.analysis is None or not data.analysis.gaps:
        return []
    L = st.labels
    gaps = sorted(data.analysis.gaps, key=lambda g: (PRIORITY_ORDER[g.priority], g.id))[:5]
    rows = [[g.priority, g.id, L(g.statement_ja, g.statement_en)] for g in gaps]
    return [
        para(L("主要な立証上の課題（上位5件）", "Top proof gaps (first five)"), st.h2),
        table(st, [L("優先度", "Priority"), "ID", L("内容", "Statement")], rows, [0.7, 1.2, 5]),
    ]

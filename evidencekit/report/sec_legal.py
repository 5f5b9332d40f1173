"""Art. 5-2 checklist and proof gaps (domain map §5 sections 9 and 10; §1.3, §4)."""

from __future__ import annotations

from reportlab.platypus import CondPageBreak, Flowable, PageBreak

from evidencekit.analysis.model import STATUS_EN, STATUS_JA, TIER_EN, AnalysisResult
from evidencekit.report.data import ReportData
from evidencekit.report.doc import Heading, Styles, body, table
from evidencekit.report.i18n import Labels, fmt_time
from evidencekit.report.redact import redactor

PRIORITY = {"P1": 0, "P2": 1, "P3": 2}
ART52_RULES = ("R02", "R03", "R04", "R05", "R10", "R16")
ART52_ELEMENT = "presumption.ucpa_5_2"


def episodes(st: Styles, data: ReportData) -> list[Flowable]:
    """End of section 8: episodes (C01) with their tier label and the itemised facts that
    contribute, never a score (domain map §3.4)."""
    L, a = st.labels, data.analysis
    if a is None or not a.episodes:
        return [PageBreak()]
    rows = [
        [
            f"{e.id}\n{e.person}",
            f"{fmt_time(e.time_start, st.lang, long=False)} –\n"
            f"{fmt_time(e.time_end, st.lang, long=False)}",
            L(e.tier, TIER_EN[e.tier])
            + (f"\n{L('時期', 'window')}: {e.window}" if e.window else ""),
            "\n".join(
                f"{L(i.label_ja, i.label_en)} ({', '.join(i.findings) or '—'})"
                for i in e.indicators
            )
            or "—",
            ", ".join(e.findings),
        ]
        for e in a.episodes
    ]
    header = [
        L("エピソード", "Episode"),
        L("期間(JST)", "Period (JST)"),
        L("区分", "Tier"),
        L("寄与する事実", "Contributing facts"),
        L("所見", "Findings"),
    ]
    intro = body(
        st,
        "区分は調査上の優先度を示すものであり、有責性の評価ではない。目的の評価は代理人の判断事項である。",
        "Tiers rank review work; they are not an assessment of culpability. What the facts "
        "mean for purpose (図利加害目的) is for counsel to decide.",
    )
    heading = Heading("8.E " + L("エピソード（関連する所見のまとまり）", "Episodes"), st.h2, 1)
    # a page break first when little room is left, so the heading never stands alone
    grid = table(st, header, rows, [1.2, 1.5, 1.0, 3.3, 1.2])
    return [CondPageBreak(150), heading, *intro, grid, PageBreak()]


def art52(st: Styles, data: ReportData) -> list[Flowable]:
    """Section 9: Art. 5-2 checklist (T1/T2/T3); never states that use is presumed."""
    L, a = st.labels, data.analysis
    out: list[Flowable] = [
        Heading("9. " + L("使用等の推定（5条の2）チェック", "Art. 5-2 Checklist"), st.h1, 0)
    ]
    if a is not None and not a.profile_id.startswith("jp_ucpa"):
        note = body(
            st,
            "適用プロファイルが日本法ではないため対象外。",
            "Not applicable: the profile is not a Japanese-law profile.",
        )
        return [*out, *note, PageBreak()]
    out.append(
        table(st, ["", L("要件", "Trigger"), L("状況", "Status")], _rows(L, a), [0.4, 3.3, 3.2])
    )
    element = next((e for e in (a.elements if a else ()) if e.element == ART52_ELEMENT), None)
    if element is not None:
        gap_ids = ", ".join(element.gaps) or "—"
        out += body(
            st,
            f"要件事実マトリクス上の状況：{STATUS_JA[element.status]}（課題：{gap_ids}）。",
            f"Status in the element matrix: {STATUS_EN[element.status]} (gaps: {gap_ids}).",
        )
    out += body(
        st,
        "推定の成否は代理人の判断事項です（[P1][P2][P3][P4]、要確認）。",
        "Whether the presumption applies is for counsel to decide ([P1][P2][P3][P4], verify).",
    )
    out.append(PageBreak())
    return out


def _rows(L: Labels, a: AnalysisResult | None) -> list[list[str]]:
    findings = a.findings if a else ()
    qualifying = [f.id for f in findings if f.rule in ART52_RULES]
    suggested = [f.id for f in findings if f.rule == "E04" and f.facts.get("art5_2_t1_suggestion")]
    none = L("該当記録なし" if a else "未評価", "no record found" if a else "not assessed")
    t1 = L("代理人による判断・タグ付けが必要", "Counsel must tag the secret type")
    if suggested:
        t1 += "\n" + L("ツールの候補", "tool suggestion") + ": " + ", ".join(suggested)
    t2 = L("記録あり", "records exist") + ": " + ", ".join(qualifying) if qualifying else none
    return [
        [
            "T1",
            L(
                "技術上の秘密の種別（生産方法／情報の評価・分析の方法）",
                "Type of technical secret (production / evaluation or analysis method)",
            ),
            t1,
        ],
        [
            "T2",
            L(
                "取得型の行為（2条1項4・5・8号、2024年以降の領得型等）",
                "Qualifying acquisition-type act (Art. 2(1)(iv)/(v)/(viii); 2024- taking)",
            ),
            t2,
        ],
        [
            "T3",
            L("被告による生産等", "Production etc. by the defendant"),
            L("本ツールの対象外", "Outside the tool's scope"),
        ],
    ]


def gaps(st: Styles, data: ReportData) -> list[Flowable]:
    """Section 10: every proof gap, P1 first, with what was searched and what to collect."""
    L = st.labels
    out: list[Flowable] = [
        Heading("10. " + L("立証上の課題", "Proof Gaps and Counter-indicators"), st.h1, 0)
    ]
    a = data.analysis
    if a is None:
        return [
            *out,
            *body(
                st,
                "解析未実施のため、全要件について立証上の課題は未評価である。",
                "The analysis was not run; proof gaps are not assessed for any element.",
            ),
            PageBreak(),
        ]
    red = redactor(data)
    rows = [
        [
            g.priority,
            f"{g.id}\n{g.element}",
            red(L(g.statement_ja, g.statement_en)),
            red("\n".join(g.searched)) or "—",
            red("\n".join(g.next_evidence)) or "—",
            red("\n".join(g.interview_topics)) or "—",
        ]
        for g in sorted(a.gaps, key=lambda g: (PRIORITY[g.priority], g.id))
    ]
    header = [
        L("優先度", "Pri."),
        "ID",
        L("内容", "Statement"),
        L("検索範囲", "Searched"),
        L("次に収集する証拠", "Next evidence"),
        L("聴取事項", "Interview topics"),
    ]
    out.append(table(st, header, rows, [0.5, 1.5, 2.8, 1.3, 1.5, 1.5]))
    out.append(PageBreak())
    return out

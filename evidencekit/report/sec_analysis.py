"""Methodology, element matrix, findings, Art. 5-2 checklist and proof gaps
(domain map §5 sections 5, 6, 8, 9 and 10)."""

from __future__ import annotations

from importlib.metadata import version
from typing import Any

from reportlab.platypus import Flowable, PageBreak

from evidencekit.analysis.model import STATUS_EN, STATUS_JA, STRENGTH_JA, AnalysisResult, Finding
from evidencekit.report.data import ReportData
from evidencekit.report.doc import Heading, Styles, body, para, table
from evidencekit.report.i18n import Labels, fmt_time
from evidencekit.report.redact import redactor
from evidencekit.report.sec_evidence import ev_number

STRENGTH_EN = {
    "direct": "direct",
    "strong_indirect": "indirect (strong)",
    "weak_indirect": "indirect (weak)",
    "context": "context",
    "negative": "contrary",
    "statement_needed": "statement needed",
}


def methodology(st: Styles, data: ReportData) -> list[Flowable]:
    """Section 5: parsers, time handling, identities, rules and the thresholds used."""
    L = st.labels
    out: list[Flowable] = [
        Heading("5. " + L("手法・ツール・限界", "Methodology, Tools and Limitations"), st.h1, 0)
    ]
    parsers = sorted({(s.parser, s.parser_version) for s in data.sources})
    out += body(
        st,
        "時刻は内部ではUTC（9桁の小数秒）で保持し、元の表記とオフセットを併せて保存している。"
        "本報告書ではJSTを先に、UTCを括弧内に示す。タイムゾーンの記載がない日本の記録はAsia/Tokyoとして"
        f"解釈した（証拠源ごとの指定は2.1に記載）。使用パーサ：{_plist(parsers)}。"
        f"祝日はholidays {version('holidays')}（[P32]）による。フォント：{st.fonts.description}。",
        "Times are kept in UTC (nine fractional digits) with the original text and offset. "
        "This report shows JST first and UTC in brackets. Japanese records without a zone "
        f"were read as Asia/Tokyo (per-source zones in 2.1). Parsers: {_plist(parsers)}. "
        f"Holidays from holidays {version('holidays')} ([P32]). Fonts: {st.fonts.description}.",
    )
    out += body(
        st,
        "本ツールは法的結論を示さず、公知でないことを証明するものでもない。重大度や区分は調査上の優先順位であり、"
        "有責性の確率ではない。",
        "The tool draws no legal conclusions and cannot prove that information is not public. "
        "Severities and tiers rank review work; they are not probabilities of guilt.",
    )
    if data.analysis is None:
        return [*out, PageBreak()]
    out += _rules(st, data) + _thresholds(st, data) + _identities(st, data) + _inputs(st, data)
    out.append(PageBreak())
    return out


def _plist(parsers: list[tuple[str, str]]) -> str:
    return ", ".join(f"{p} {v}" for p, v in parsers) or "—"


def _rules(st: Styles, data: ReportData) -> list[Flowable]:
    L, a = st.labels, data.analysis
    if a is None:
        return []
    rows = [
        [
            r.rule,
            r.name,
            r.version,
            L("実施", "ran") if r.status == "ran" else L("未評価", "not assessed"),
            str(r.findings),
            r.reason or "",
        ]
        for r in a.rules
    ]
    header = [
        L("ルール", "Rule"),
        L("名称", "Name"),
        L("版", "Version"),
        L("状態", "Status"),
        L("所見", "Findings"),
        L("理由", "Reason"),
    ]
    return [
        Heading("5.1 " + L("ルールと実施状況", "Rules run"), st.h2, 1),
        para(f"{a.profile_id} {a.profile_version} (SHA-256 {a.profile_sha256})", st.mono),
        table(st, header, rows, [0.7, 2.2, 0.6, 0.9, 0.6, 2.5]),
    ]


def _thresholds(st: Styles, data: ReportData) -> list[Flowable]:
    L, a = st.labels, data.analysis
    if a is None:
        return []
    rows = [[k, str(v)] for k, v in _flat(a.parameters)] + [
        [f"calendar.{k}", str(v)] for k, v in _flat(a.calendar)
    ]
    out: list[Flowable] = [Heading("5.2 " + L("使用した閾値", "Thresholds used"), st.h2, 1)]
    out += body(
        st,
        "閾値は本仕様の技術的既定値であり、法的基準ではない（ドメインマップ §3.1）。",
        "Thresholds are engineering defaults, not legal standards (domain map §3.1).",
    )
    out.append(
        table(st, [L("パラメータ", "Parameter"), L("値", "Value")], rows or [["—", "—"]], [3, 3])
    )
    return out


def _flat(values: dict[str, Any], prefix: str = "") -> list[tuple[str, Any]]:
    items: list[tuple[str, Any]] = []
    for key in sorted(values):
        if isinstance(values[key], dict):
            items += _flat(values[key], f"{prefix}{key}.")
        else:
            items.append((f"{prefix}{key}", values[key]))
    return items


def _identities(st: Styles, data: ReportData) -> list[Flowable]:
    L, a = st.labels, data.analysis
    if a is None:
        return []
    if not a.identities:
        return []
    rows = [
        [
            p.person,
            p.display_name or "—",
            ", ".join(p.accounts + p.emails + p.sids) or "—",
            ", ".join(p.hosts + p.devices) or "—",
            L("サービス", "service") if p.service_account else "",
        ]
        for p in a.identities
    ]
    header = [
        L("人物ID", "Person"),
        L("氏名", "Name"),
        L("アカウント", "Accounts"),
        L("端末", "Hosts/devices"),
        "",
    ]
    return [
        Heading("5.3 " + L("同一人物の対応表", "Identity map"), st.h2, 1),
        table(st, header, rows, [1, 1.2, 2.6, 2, 0.7]),
    ]


def _inputs(st: Styles, data: ReportData) -> list[Flowable]:
    L, a = st.labels, data.analysis
    if a is None or not a.inputs:
        return []
    rows = [[i.role, i.name, para(i.sha256, st.mono), str(i.records)] for i in a.inputs]
    header = [L("役割", "Role"), L("ファイル", "File"), "SHA-256", L("レコード", "Records")]
    return [
        Heading("5.4 " + L("解析への入力", "Analysis inputs"), st.h2, 1),
        table(st, header, rows, [1.2, 1.8, 3.6, 0.7]),
    ]


def element_matrix(st: Styles, data: ReportData) -> list[Flowable]:
    """Section 6: one row per element with status, strength, evidence, weaknesses, gaps."""
    L = st.labels
    title = "6. " + L("要件事実マトリクス", "Element Matrix")
    out: list[Flowable] = [Heading(title, st.h1, 0)]
    out += body(
        st,
        "証拠の性質の区分（直接証拠・間接事実・供述）は[S3]図8による。"
        "状況：裏付けあり / 一部裏付けあり / "
        "該当記録なし / 反対方向の記録あり / 本ツールの対象外 / 未評価。",
        "Strength classes (direct / indirect facts / statements) follow 図8 of [S3]. Status: "
        "Supported / Partially supported / No record found / Contrary records exist / Outside "
        "the tool's scope / Not assessed.",
    )
    if data.analysis is None:
        return [
            *out,
            *body(
                st,
                "解析未実施：全要件が未評価である。",
                "Analysis not run: every element is not assessed.",
            ),
            PageBreak(),
        ]
    rows = _matrix_rows(st, data, data.analysis)
    header = [
        L("要件", "Element"),
        L("状況", "Status"),
        L("性質", "Strength"),
        L("主要証拠", "Key evidence"),
        L("弱点", "Weaknesses"),
        L("課題", "Gaps"),
        L("不足する証拠", "Missing"),
    ]
    out.append(table(st, header, rows, [1.9, 1.35, 1.0, 2.3, 1.5, 1.0, 1.4]))
    out.append(PageBreak())
    return out


def _matrix_rows(st: Styles, data: ReportData, analysis: AnalysisResult) -> list[list[Any]]:
    """One row per element: label and statute, status, strength, evidence, weaknesses, gaps."""
    L, red = st.labels, redactor(data)
    findings = {f.id: f for f in analysis.findings}
    rows: list[list[Any]] = []
    for e in analysis.elements:
        key = [_ref_text(findings[f]) if f in findings else f for f in e.supporting_findings]
        weak = [red(L(w.text_ja, w.text_en)) for w in e.weakening_facts]
        rows.append(
            [
                f"{L(e.label_ja, e.label_en)}\n{e.element}\n{e.statute} {' '.join(e.source_keys)}",
                L(STATUS_JA[e.status], STATUS_EN[e.status]),
                L(STRENGTH_JA[e.strength], STRENGTH_EN[e.strength]) if e.strength else "—",
                para("\n".join(key) or "—", st.mono),
                "\n".join(weak) or "—",
                "\n".join(e.gaps) or "—",
                red("\n".join(e.missing_evidence)) or "—",
            ]
        )
    return rows


def _ref_text(f: Finding) -> str:
    first = f.evidence[0] if f.evidence else None
    where = f" #{first.leaf_index} {first.event_id}" if first else ""
    return f"{f.id}{where}"


def findings(st: Styles, data: ReportData) -> list[Flowable]:
    """Section 8: findings grouped by element, each with its events and counter-indicators."""
    L = st.labels
    out: list[Flowable] = [
        Heading("8. " + L("要件ごとの認定事実（記録）", "Findings by Element"), st.h1, 0)
    ]
    a = data.analysis
    if a is None or not a.findings:
        return [
            *out,
            *body(
                st,
                "所見の記録はない（解析未実施または該当なし）。",
                "No findings are recorded (analysis not run or nothing matched).",
            ),
        ]
    shown: set[str] = set()
    labels = {e.element: L(e.label_ja, e.label_en) for e in a.elements}
    order = [e.element for e in a.elements] + sorted(
        {s.element for f in a.findings for s in f.elements} - set(labels)
    )
    for element in order:
        related = [f for f in a.findings if any(s.element == element for s in f.elements)]
        if not related:
            continue
        out.append(Heading(f"{labels.get(element, element)}", st.h2, 1))
        for f in related:
            if f.id in shown:
                out.append(para(L(f"{f.id}（上記参照）", f"{f.id} (see above)"), st.small))
                continue
            shown.add(f.id)
            out += finding_block(st, data, f)
    rest = [f for f in a.findings if f.id not in shown]
    if rest:
        out.append(
            Heading(
                L("要件に対応付けられていない所見", "Findings not tied to an element"), st.h2, 1
            )
        )
        for f in rest:
            out += finding_block(st, data, f)
    return out


def _subject(L: Labels, f: Finding) -> str:
    """The person (or unmapped account) a finding is about; the identity map's accounts of
    the person are named as such (the cited events may show only some of them)."""
    accounts = ", ".join(f.accounts)
    if not f.person or not accounts:
        return f.person or accounts or "—"
    return f"{f.person} ({L('ID対応表上のアカウント', 'accounts in the identity map')}: {accounts})"


def finding_block(st: Styles, data: ReportData, f: Finding) -> list[Flowable]:
    """One finding: title, plain explanation, strength, events (id + leaf), counter-indicators."""
    L, red = st.labels, redactor(data)
    subject = L("アカウント", "account") if f.attribution == "account" else L("人物", "person")
    head = f"{f.id}  {red(L(f.title_ja, f.title_en))}  [{f.rule} {f.rule_name} v{f.rule_version}]"
    out: list[Flowable] = [para(head, st.cell_head)]
    out += [
        para(red(t), st.body_ja if lang == "ja" else st.body_en)
        for t, lang in L.texts(f.explanation_ja, f.explanation_en)
    ]
    meta = [
        f"{L('性質', 'Strength')}: {L(STRENGTH_JA[f.strength], STRENGTH_EN[f.strength])}",
        f"{L('期間', 'Period')}: {fmt_time(f.time_start, st.lang)} – "
        f"{fmt_time(f.time_end, st.lang)}",
        f"{subject}: {_subject(L, f)}",
        f"{L('該当イベント数', 'Events matched')}: {f.evidence_total}",
    ] + [f"{k}: {v}" for k, v in sorted(f.facts.items()) if isinstance(v, int)]
    out.append(para(" / ".join(meta), st.small))
    out.append(_evidence(st, data, f))
    for ci in f.counter_indicators:
        refs = ", ".join(f"#{r.leaf_index} {r.event_id}" for r in ci.evidence)
        note = L(ci.note_ja or "", ci.note_en or "")
        text = f"{L(ci.label_ja, ci.label_en)} {red(note)} {refs}"
        out.append(para(f"{L('反対方向の事情', 'Counter-indicator')} {ci.id}: {text}", st.small))
    return out


def _evidence(st: Styles, data: ReportData, f: Finding) -> Flowable:
    """The events a finding rests on (leaf index + id), or its input-document basis."""
    L, ev = st.labels, ev_number(data)
    if not f.evidence:
        return para(
            L(
                "根拠：解析への入力文書（5.4参照、内容は別紙）",
                "Basis: analysis input documents (see 5.4; details in the sealed annex)",
            ),
            st.small,
        )
    rows = [
        [
            str(r.leaf_index),
            para(r.event_id, st.mono),
            fmt_time(r.time, st.lang, long=False),
            f"{r.action}\n{r.kind}",
            ev.get(r.source, r.source),
            r.role or "",
        ]
        for r in f.evidence
    ]
    header = [
        L("葉番号", "Leaf"),
        L("イベントID", "Event id"),
        "JST",
        L("操作/種別", "Action/kind"),
        "EV",
        L("役割", "Role"),
    ]
    return table(st, header, rows, [0.7, 2.4, 1.5, 1.8, 0.8, 1.4])

"""Scope and sources, parse issues and coverage, chain of custody, hash register
(domain map §5 sections 2–4)."""

from __future__ import annotations

from typing import Any

from reportlab.platypus import Flowable, PageBreak

from evidencekit.model import Source
from evidencekit.report.data import ReportData
from evidencekit.report.doc import Heading, Styles, body, hexwrap, para, table
from evidencekit.report.i18n import fmt_time


def ev_number(data: ReportData) -> dict[str, str]:
    """Evidence item numbers ``EV-0001`` … in store order, keyed by source id."""
    return {s.id: f"EV-{i:04d}" for i, s in enumerate(data.sources, start=1)}


def scope(st: Styles, data: ReportData) -> list[Flowable]:
    """Section 2: the evidence sources, acquisition details, coverage and parse issues."""
    L, ev = st.labels, ev_number(data)
    out: list[Flowable] = [Heading("2. " + L("対象と範囲", "Scope and Sources"), st.h1, 0)]
    out.append(Heading("2.1 " + L("証拠源", "Evidence sources"), st.h2, 1))
    rows = [
        [
            ev[s.id],
            s.id,
            s.name,
            f"{s.kind} / {s.format}",
            f"{s.parser} {s.parser_version}",
            str(s.size),
            f"{s.records_read} / {s.records_failed}",
            str(s.events),
            s.time_zone or "—",
        ]
        for s in data.sources
    ]
    header = [
        "EV",
        L("ソースID", "Source id"),
        L("名称", "Name"),
        L("種別", "Kind"),
        L("パーサ", "Parser"),
        L("バイト数", "Bytes"),
        L("読込/失敗", "Read/failed"),
        L("イベント", "Events"),
        L("時間帯", "Zone"),
    ]
    out.append(
        table(st, header, rows, [0.8, 1.4, 1.6, 1.2, 1.2, 0.9, 0.9, 0.8, 1.0], frozenset({1}))
    )
    out += _acquisition(st, data)
    out += _coverage(st, data)
    out += _issues(st, data)
    out.append(PageBreak())
    return out


def _acquisition(st: Styles, data: ReportData) -> list[Flowable]:
    L, ev = st.labels, ev_number(data)
    rows = []
    for s in data.sources:
        details = _flatten(s.acquisition) or [L("記録なし", "none recorded")]
        params = _flatten(s.parameters)
        rows.append([ev[s.id], "\n".join(details), "\n".join(params) or "—"])
    out: list[Flowable] = [Heading("2.2 " + L("取得の詳細", "Acquisition details"), st.h2, 1)]
    out.append(
        table(
            st,
            ["EV", L("取得情報", "Acquisition"), L("パラメータ", "Parameters")],
            rows,
            [0.8, 4, 2.5],
        )
    )
    return out


def _flatten(values: dict[str, Any], prefix: str = "") -> list[str]:
    lines: list[str] = []
    for key in sorted(values):
        value = values[key]
        if isinstance(value, dict):
            lines += _flatten(value, f"{prefix}{key}.")
        else:
            lines.append(f"{prefix}{key}: {value}")
    return lines


def _coverage(st: Styles, data: ReportData) -> list[Flowable]:
    L = st.labels
    out: list[Flowable] = [
        Heading("2.3 " + L("カバレッジと死角", "Coverage and blind spots"), st.h2, 1)
    ]
    out += body(
        st,
        "検知は部分的である。フォレンジック上の検知が捕捉できる違反は「恐らく50％～75％」とする専門家の"
        "見積りがある（[S3]）。提供されなかった証拠源に関する検知は実施していない。",
        "Detection is partial: an expert estimate puts forensic alerting at about 50–75% of "
        "violations ([S3]). No detection was performed for sources that were not provided.",
    )
    if data.analysis is None:
        return out + body(
            st,
            "解析未実施のため、証拠源の種別ごとの有無は評価していない。",
            "The analysis was not run; source-kind coverage was not assessed.",
        )
    rows = [
        [
            L(k.label_ja, k.label_en),
            L("あり", "available") if k.available else L("なし", "NOT available"),
            str(k.events),
            ", ".join(k.rules) or "—",
        ]
        for k in data.analysis.coverage.kinds
    ]
    header = [
        L("証拠源の種別", "Source kind"),
        L("有無", "Status"),
        L("イベント", "Events"),
        L("関係するルール", "Rules affected"),
    ]
    out.append(table(st, header, rows, [2.5, 1.2, 0.8, 2.5]))
    return out


def _issues(st: Styles, data: ReportData) -> list[Flowable]:
    L, ev, iss = st.labels, ev_number(data), data.issues
    out: list[Flowable] = [Heading("2.4 " + L("読み取りエラー", "Parse issues"), st.h2, 1)]
    read = sum(s.records_read for s in data.sources)
    failed = sum(s.records_failed for s in data.sources)
    out += body(
        st,
        f"全証拠源で{read}件のレコードを読み取り、{failed}件が読み取れなかった。"
        f"記録された読み取りエラーは{iss.total}件である。",
        f"{read} records were read across all sources and {failed} could not be read; "
        f"{iss.total} parse issues are recorded.",
    )
    if not iss.total:
        return out
    rows = [
        [ev.get(src, src), code, sev, str(n)] for (src, code, sev), n in sorted(iss.by_code.items())
    ]
    out.append(
        table(
            st,
            ["EV", L("コード", "Code"), L("重大度", "Severity"), L("件数", "Count")],
            rows,
            [1, 3, 1, 1],
        )
    )
    examples = [
        [
            ev.get(i["source"], i["source"]),
            i["code"],
            _locator(i.get("locator", {})),
            i["message"][:300],
        ]
        for i in iss.examples
    ]
    out.append(para(L("例（所在付き）", "Examples with their locations"), st.h2))
    out.append(
        table(
            st,
            ["EV", L("コード", "Code"), L("所在", "Location"), L("内容", "Message")],
            examples,
            [0.8, 1.4, 2, 4],
        )
    )
    return out


def _locator(loc: dict[str, Any]) -> str:
    return ", ".join(f"{k}={v}" for k, v in loc.items() if k != "path") or "—"


def custody(st: Styles, data: ReportData) -> list[Flowable]:
    """Section 3: 証拠保全の経緯, every custody entry with its evidence hashes."""
    L = st.labels
    out: list[Flowable] = [Heading("3. " + L("証拠保全の経緯", "Chain of Custody"), st.h1, 0)]
    out += body(
        st,
        "保全の各作業（立会人、同一性の検証、作業内容の記録："
        "IDF証拠保全ガイドライン 7-2〜7-4 [P25]）は、"
        "ハッシュチェーンで連結された保全記録（custody.jsonl）に記録されている。",
        "Every preservation step (witness, integrity verification, record of work: IDF "
        "guideline 7-2 to 7-4 [P25]) is recorded in the hash-chained custody log (custody.jsonl).",
    )
    rows = []
    for n, e in enumerate(data.custody, start=1):
        hashes = "\n".join(f"{name}:\n{h}" for name, h in sorted(e.evidence.items())) or "—"
        rows.append(
            [
                str(n),
                fmt_time(e.time, st.lang, long=False),
                e.action,
                f"{e.who}" + (f"\n{L('立会人', 'witness')}: {e.witness}" if e.witness else ""),
                e.what,
                para(hashes, st.mono),
                f"{e.tool}\n{e.host}",
            ]
        )
    header = [
        "#",
        L("日時(JST)", "Time (JST)"),
        L("作業", "Action"),
        L("実施者", "Who"),
        L("内容", "What"),
        L("証拠ハッシュ", "Evidence SHA-256"),
        L("ツール", "Tool"),
    ]
    out.append(table(st, header, rows, [0.35, 1.2, 1.0, 1.0, 2.0, 3.3, 1.2]))
    out.append(PageBreak())
    return out


def hash_register(
    st: Styles, data: ReportData, annex_sha256: str, signer: str | None
) -> list[Flowable]:
    """Section 4: every hash counsel can recompute, and the timeline's tree head."""
    L, ev, head = st.labels, ev_number(data), data.head
    out: list[Flowable] = [Heading("4. " + L("ハッシュ値一覧", "Hash Register"), st.h1, 0)]
    rows: list[list[Any]] = [
        [ev[s.id], s.name, _hashes(st, s), _after(st, s)] for s in data.sources
    ]
    out.append(
        table(
            st,
            [
                "EV",
                L("名称", "Name"),
                "MD5 / SHA-1 / SHA-256",
                L("取得後SHA-256一致", "SHA-256 after"),
            ],
            rows,
            [0.7, 1.3, 4.7, 1.1],
        )
    )
    derived = [
        [
            L("タイムライン", "Timeline") + f" v{head.version:04d} (timeline.jsonl) SHA-256",
            head.timeline_sha256,
        ],
        [L("Merkle木ヘッド", "Merkle tree head") + f" (size {head.size})", head.merkle_root],
        [L("ハッシュチェーン末尾", "Hash-chain head"), head.chain_head],
        [L("解析結果", "Analysis") + " (analysis.json) SHA-256", data.analysis_sha256 or "—"],
        [L("別紙（非開示）", "Sealed annex") + " (annex-sealed.pdf) SHA-256", annex_sha256],
        [L("署名者", "Signer"), signer or L("署名なし", "not signed")],
    ]
    out.append(para(L("派生物", "Derived artefacts"), st.h2))
    out.append(
        table(
            st,
            [L("対象", "Item"), L("値", "Value")],
            [[a, para(b, st.mono)] for a, b in derived],
            [2.6, 4],
        )
    )
    out.append(PageBreak())
    return out


def _hashes(st: Styles, s: Source) -> Flowable:
    return para(f"MD5     {s.md5}\nSHA-1   {s.sha1}\nSHA-256 {s.sha256}", st.mono)


def _after(st: Styles, s: Source) -> str:
    L = st.labels
    if s.sha256_after is None:
        return L("未計測", "not measured")
    return (
        L("一致", "match")
        if s.sha256_after == s.sha256
        else L("不一致", "MISMATCH") + "\n" + hexwrap(s.sha256_after)
    )

"""The sealed annex (別紙・非開示): file references mapped to paths, names and hashes,
and the findings' detailed facts. A separate PDF for protective-order handling."""

from __future__ import annotations

import io
from typing import Any

import orjson
from reportlab.platypus import Flowable, Preformatted

from evidencekit.report.data import ReportData
from evidencekit.report.doc import (
    Heading,
    ReportDocument,
    Styles,
    body,
    hexwrap,
    mono_for,
    numbered_canvas,
    para,
    table,
)
from evidencekit.report.options import ReportOptions


def annex_story(st: Styles, data: ReportData) -> list[Flowable]:
    """The annex content."""
    L = st.labels
    out: list[Flowable] = [para(L("別紙（非開示）", "Sealed Annex"), st.title)]
    out += body(
        st,
        f"本別紙は事件{data.meta.case_id}の報告書"
        f"（タイムライン版{data.head.version}、Merkle木ヘッド "
        f"{data.head.merkle_root}）の一部であり、秘密保持命令又は秘匿決定の下でのみ開示される。",
        f"This annex belongs to the report for case {data.meta.case_id} (timeline version "
        f"{data.head.version}, Merkle tree head {data.head.merkle_root}). Disclose only under a "
        "protective order or 秘匿決定.",
    )
    out.append(Heading(L("A. ファイル参照番号の対応表", "A. File references"), st.h2, 0))
    out.append(_file_table(st, data))
    if data.analysis is not None and data.analysis.findings:
        out.append(Heading(L("B. 所見の詳細事実", "B. Detailed facts of findings"), st.h2, 0))
        for f in data.analysis.findings:
            out.append(para(f"{f.id} {L(f.title_ja, f.title_en)}", st.cell_head))
            facts = _facts(f.facts)
            out.append(Preformatted(facts, mono_for(facts, st), maxLineLength=110))
    return out


def _file_table(st: Styles, data: ReportData) -> Flowable:
    """FILE-nnnn ↔ path, name, SHA-256, size (paths broken by width: fast for many files)."""
    L = st.labels
    rows = [
        [
            f.ref,
            f.path,
            f.name or "—",
            hexwrap(f.sha256, 32) if f.sha256 else "-",
            str(f.size) if f.size is not None else "-",
            str(f.events),
        ]
        for f in data.files.values()
    ]
    header = [
        L("参照", "Ref"),
        L("パス", "Path"),
        L("名称", "Name"),
        "SHA-256",
        L("サイズ", "Size"),
        L("イベント", "Events"),
    ]
    return table(
        st,
        header,
        rows or [["-"] * 6],
        [0.9, 3.0, 1.6, 2.6, 0.7, 0.6],
        plain_cols=frozenset({0, 3, 4, 5}),
        fit_cols=frozenset({1, 2}),
    )


def _facts(facts: dict[str, Any]) -> str:
    return orjson.dumps(facts, option=orjson.OPT_INDENT_2 | orjson.OPT_SORT_KEYS).decode()


def render_annex(st: Styles, data: ReportData, opt: ReportOptions) -> bytes:
    """Render the annex PDF to bytes (deterministic for the same inputs)."""
    buf = io.BytesIO()
    label = st.labels("別紙（非開示）", "Sealed annex")
    footer = f"{data.meta.case_id} · {label} · {data.head.merkle_root[:16]}"
    doc = ReportDocument(
        buf,
        st,
        footer,
        st.labels("非開示", "SEALED — not for disclosure"),
        title=f"{data.meta.case_id} sealed annex",
        author=data.meta.examiner or "evidencekit",
        subject="evidencekit report (UCPA trade-secret matter)",
        creator="evidencekit",
        invariant=1,
    )
    label = st.labels("{page} / {total} ページ", "page {page}/{total}")
    doc.build(annex_story(st, data), canvasmaker=numbered_canvas(st.fonts.gothic, label))
    return buf.getvalue()

"""Proof gaps of the act (acquisition, transfer, media, undated events) and of bad faith
(map §4.1), for :mod:`gaps`."""

from __future__ import annotations

from evidencekit.analysis.gaps_base import WEAK, GapInputs, gap, status_of
from evidencekit.analysis.model import Finding, Gap


def _device(name: str) -> str:
    """R03's device id in a sentence: ``unknown-<medium>`` is a drive nothing identifies."""
    medium = name.removeprefix("unknown-")
    return f"{medium} device without serial or label" if medium != name else name


def undated_gaps(g: GapInputs) -> list[Gap]:
    """Events without a usable time never reach the time-based rules: say how many."""
    if not g.undated:
        return []
    return [
        gap(
            "GAP.SRC.undated",
            "coverage",
            "P2",
            f"検知ルールの対象となる記録のうち{g.undated:,}件は日時を特定できない（日時の欠落・解釈不能）ため、日時に基づく検知に含めていません（各ソースの解析上の問題点の一覧を参照）。",
            f"{g.undated:,} records the detection rules read have no usable time (missing or unparseable) and were left out of the time-based detection (see the parse issues of their sources).",  # noqa: E501 - bilingual wording kept whole
            ("元の記録の日時の確認（タイムゾーン・夏時間の切替時刻）",),
        )
    ]


def acts_gaps(g: GapInputs) -> list[Gap]:
    out = []
    by_rule: dict[str, list[Finding]] = {}
    for f in g.findings:
        if f.severity != "info":
            by_rule.setdefault(f.rule, []).append(f)
    cov = {c.kind: c.available for c in g.coverage}
    if not cov.get("server_audit"):
        out.append(
            gap(
                "GAP.ACT.01",
                "misappropriation_act.acquisition",
                "P2",
                "ファイルサーバ上の閲覧・取得記録が存在しない（監査設定なし又は未提供）ため、取得はエンドポイント痕跡からの推認に留まります。",
                "Server-side read auditing was not enabled or not supplied; acquisition is inferred from endpoint traces only.",  # noqa: E501 - bilingual wording kept whole
                ("バックアップ", "DMSログ", "NetFlow"),
            )
        )
    transfers = [f for r in ("R03", "R04", "R05") for f in by_rule.get(r, [])]
    bulk = by_rule.get("R02", []) + by_rule.get("R02P", [])
    if bulk and not transfers:
        out.append(
            gap(
                "GAP.ACT.02",
                "misappropriation_act.acquisition",
                "P1",
                "取得（ダウンロード）の記録はありますが、社外への持出し経路は特定できていません。",
                "Downloads are recorded, but no off-system transfer path was identified.",
                ("私有機器の提出", "クラウド事業者への開示請求"),
                findings=tuple(f.id for f in bulk),
            )
        )
    copies = [
        f for f in transfers if f.rule in ("R03", "R04") or f.facts.get("recipient_kind") == "self"
    ]
    if (
        copies
        and status_of(g, "misappropriation_act.use") in WEAK
        and status_of(g, "misappropriation_act.disclosure") in (*WEAK, None)
    ):
        out.append(
            gap(
                "GAP.ACT.03",
                "misappropriation_act.use",
                "P1",
                "私有媒体への複製の記録はありますが、使用・開示を直接示す記録はありません（民事2条1項7号は使用・開示を要件とします。差止め（侵害のおそれ）、刑事の領得罪、5条の2の推定の検討を要します）。",
                "Copying to private media is recorded, but no record directly shows use or disclosure. Civil item (vii) requires use or disclosure; consider injunction (threat), the criminal 領得 offence and Art. 5-2.",  # noqa: E501 - bilingual wording kept whole
                ("受領企業からの開示", "製品比較", "5条の2 T3の事実"),
                findings=tuple(f.id for f in copies[:20]),
            )
        )
    if by_rule.get("R03"):
        devs = sorted({_device(str(f.facts.get("device"))) for f in by_rule["R03"]})
        out.append(
            gap(
                "GAP.ACT.04",
                "misappropriation_act.acquisition",
                "P2",
                f"複製先媒体（{', '.join(devs)}）が回収されておらず、複製されたファイルの内容は名称・サイズ等の痕跡からの推定に留まります。",  # noqa: E501 - bilingual wording kept whole
                f"The destination media ({', '.join(devs)}) were not recovered; content is inferred from names and sizes in traces (LNK, USN).",  # noqa: E501 - bilingual wording kept whole
                ("差押え又は提出要求",),
                findings=tuple(f.id for f in by_rule["R03"][:20]),
            )
        )
    return out


def bad_faith_gaps(g: GapInputs) -> list[Gap]:
    out = []
    if not g.hr_supplied:
        out.append(
            gap(
                "GAP.BF.01",
                "bad_faith.tori_kagai",
                "P1",
                "退職・転職等の時期に関する人事情報が提供されていないため、時期的関連性は評価していません。",
                "HR dates were not provided; timing relative to departure was not assessed.",
                ("人事データ（退職願提出日・最終出社日・退職日・有給消化）",),
            )
        )
    cis = sorted(
        {c.label_ja for f in g.findings for c in f.counter_indicators if f.rule.startswith("R")}
    )
    if cis:
        out.append(
            gap(
                "GAP.BF.02",
                "bad_faith.tori_kagai",
                "P2",
                f"以下の事情は目的の推認を弱める可能性があります：{'、'.join(cis)}。",
                "The following facts may weaken an inference of purpose: "
                + ", ".join(
                    sorted(
                        {
                            c.label_en
                            for f in g.findings
                            for c in f.counter_indicators
                            if f.rule.startswith("R")
                        }
                    )
                )
                + ".",
                ("各事情の業務責任者への確認",),
            )
        )
    out.append(
        gap(
            "GAP.BF.03",
            "bad_faith.tori_kagai",
            "P3",
            "目的は主観的要件であり、本報告は間接事実を示すに留まります。供述等による補充を要します。",
            "Purpose is subjective; this report shows only indirect facts. Statements are needed.",
            ("事情聴取",),
            topics=tuple(_topics(g.findings)),
        )
    )
    if g.profile.has("bad_faith.knowledge_gross_negligence"):
        out.append(
            gap(
                "GAP.BF.04",
                "bad_faith.knowledge_gross_negligence",
                "P1",
                "取得者側（転職先等）の悪意・重過失に関する記録は収集範囲外です。",
                "The recipient's knowledge or gross negligence is outside the collected data.",
                ("警告書の日付と内容", "証拠開示"),
            )
        )
    return out


def _topics(findings: list[Finding]) -> list[str]:
    topics: list[str] = []
    for f in findings:
        if f.severity == "info":
            continue
        if f.rule == "R03":
            topics.append(f"機器（{f.facts.get('device')}）の所在と用途")
        elif f.rule == "R09" and f.facts.get("holiday"):
            topics.append(
                f"{f.facts.get('day')}（{f.facts.get('holiday')}）のアクセスの業務上の必要性"
            )
        elif f.rule in ("R02", "R02P"):
            topics.append(f"{f.facts.get('files')}件の取得の目的")
    return sorted(set(topics))[:20]

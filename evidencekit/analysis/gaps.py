"""Proof-gap checklist (立証上の課題, map §4): what is missing and what to collect next.

A gap is emitted when an element is not found, partially supported, contradicted or
not assessed, and when a required source is missing (§4.2). "Always" gaps (NP.03,
BF.03, DTSA.02) state the limits of what records can show. Statements are facts
about the collected data, never conclusions.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from evidencekit.analysis.acttypes import act_type_gaps
from evidencekit.analysis.coverage import FAMILIES
from evidencekit.analysis.model import ElementStatus, Finding, Gap, SourceKindCoverage
from evidencekit.analysis.profile import Profile
from evidencekit.analysis.usegaps import usefulness_gaps

_WEAK = ("not_found", "partially_supported", "contradicted", "not_assessed")


@dataclass
class GapInputs:
    """Facts the gap rules look at."""

    profile: Profile
    rows: dict[str, ElementStatus]
    findings: list[Finding]
    coverage: tuple[SourceKindCoverage, ...]
    shared: dict[str, Any]
    has_corpus: bool
    assets: list[Any]
    hr_supplied: bool
    undated: int = 0  # events the rules read that had no usable time


def _g(
    gid: str,
    element: str,
    pri: str,
    ja: str,
    en: str,
    nxt: tuple[str, ...] = (),
    searched: tuple[str, ...] = (),
    topics: tuple[str, ...] = (),
    findings: tuple[str, ...] = (),
) -> Gap:
    return Gap(
        id=gid,
        element=element,
        priority=pri,
        statement_ja=ja,
        statement_en=en,
        next_evidence=nxt,
        searched=searched,
        interview_topics=topics,
        findings=findings,
    )


def _status(g: GapInputs, element: str) -> str | None:
    row = g.rows.get(element)
    if row is not None:
        return row.status
    for e in g.profile.elements:
        if element in e.also and e.id in g.rows:
            return g.rows[e.id].status
    return None


def _secrecy(g: GapInputs) -> list[Gap]:
    out = []
    mk = g.shared.get("marking", {"assets": 0, "marked": 0})
    n, k = mk["assets"], mk["marked"]
    acl = g.shared.get("acl", {"restricted": 0, "open": 0})
    if _status(g, "secrecy_management.measures") and (n == 0 or (n - k) * 2 > n):
        ja, en = (
            f"対象ファイル{n}件中{n - k}件について、秘密表示（マル秘・社外秘等）は検出されませんでした（検索範囲：本文・ヘッダー・フッター・透かし・ラベル・ファイル名・フォルダ名）。",  # noqa: E501 - bilingual wording kept whole
            f"No confidentiality marking was detected on {n - k} of {n} files at issue (searched: body, headers/footers, watermarks, labels, file and folder names).",  # noqa: E501 - bilingual wording kept whole
        )
        if n == 0:  # no register: there is no list of files at issue to count against
            ja, en = (
                "対象ファイル（営業秘密候補）の一覧（資産台帳）が提供されていないため、対象ファイルごとの秘密表示の有無は確認していません。",
                "No list of the files at issue (asset register) was supplied, so markings were not checked file by file.",  # noqa: E501 - bilingual wording kept whole
            )
        out.append(
            _g(
                "GAP.SM.01",
                "secrecy_management.measures",
                "P1" if not acl["restricted"] else "P2",
                ja,
                en,
                ("フォルダ単位の区分と規程 [P11]", "情報資産台帳", "分類運用に関する証言"),
                ("headers/footers", "watermarks", "labels", "file/folder names"),
            )
        )
    if _status(g, "secrecy_management.measures"):
        out.append(
            _g(
                "GAP.SM.02",
                "secrecy_management.measures",
                "P1" if acl["open"] else "P2",
                "行為時点のアクセス権限を再構成できませんでした（台帳記載の設定のみ）"
                + ("／全従業員が閲覧可能な設定の場所があります。" if acl["open"] else "。"),
                "Access rights at the time of the act could not be reconstructed (register state only)"  # noqa: E501 - bilingual wording kept whole
                + ("; some locations were readable by all staff." if acl["open"] else "."),
                ("AD変更ログ", "ACLエクスポートのバックアップ", "管理者の証言"),
            )
        )
    if _status(g, "secrecy_management.defendant_awareness") in _WEAK:
        out.append(
            _g(
                "GAP.SM.03",
                "secrecy_management.defendant_awareness",
                "P1",
                "対象者が当該情報を秘密として認識し得たことを直接示す記録（誓約書・研修記録・秘密表示のある文書の閲覧）は収集データ中に見当たりません。",
                "No record in the collected data directly shows the custodian could recognise the information as secret (pledge, training, viewing of marked documents).",  # noqa: E501 - bilingual wording kept whole
                ("人事記録・押印のある誓約書", "研修受講記録"),
                topics=("入社時・プロジェクト参加時の説明内容",),
            )
        )
    if _status(g, "secrecy_management.consistency") in ("contradicted", "partially_supported"):
        out.append(
            _g(
                "GAP.SM.04",
                "secrecy_management.consistency",
                "P2",
                "秘密表示又はアクセス制限が形骸化していると主張される可能性のある記録があります。",
                "Some records may support an argument that markings or restrictions were hollowed out.",  # noqa: E501 - bilingual wording kept whole
                ("区分の説明", "実際に機能した制御（アクセス拒否・デバイス制御）の記録"),
            )
        )
    return out


def _value_public(g: GapInputs) -> list[Gap]:
    out = []
    if _status(g, "usefulness") in _WEAK:
        out.append(
            _g(
                "GAP.US.01",
                "usefulness",
                "P2",
                "有用性を裏付ける業務上の利用記録（PLM連携・参照履歴等）は見当たりません。",
                "No business-use records (PLM links, access by the owning team) were found.",
                ("事業部門による利用・費用・優位性の説明",),
            )
        )
    if g.profile.has("non_public") or g.profile.has("usefulness"):
        if not g.has_corpus:
            out.append(
                _g(
                    "GAP.NP.01",
                    "non_public",
                    "P1",
                    "非公知性の照合は実施していません（比較対象の公開資料コーパスが未提供）。",
                    "Non-public status was not checked (no public-material corpus supplied).",
                    ("ウェブサイトのミラー", "カタログ", "取扱説明書", "特許公報"),
                )
            )
        out.extend(
            _g(
                "GAP.NP.02",
                "non_public",
                "P1",
                f"対象ファイル{sf}の記載の一部が公開資料と重複しています（別紙・非開示）。",
                f"Part of file {sf} overlaps public material (sealed annex).",
                ("営業秘密の範囲の再定義（代理人）",),
            )
            for sf in g.shared.get("public_hits", [])
        )
        out.append(
            _g(
                "GAP.NP.03",
                "non_public",
                "P3",
                "本ツールは提供されたコーパスの範囲でのみ照合しており、公知でないことを網羅的に証明するものではありません。",
                "The tool searched only the supplied corpus; it cannot prove absence from all public sources.",  # noqa: E501 - bilingual wording kept whole
                ("専門家の陳述", "代理人による手作業の検索"),
            )
        )
    if not g.assets or not all(a.confirmed for a in g.assets):
        out.append(
            _g(
                "GAP.ID.01",
                "secret_identification",
                "P1",
                "営業秘密の範囲は候補一覧の段階です（確定していません）。",
                "The secret set is a candidate list and has not been confirmed.",
                ("代理人による確定",),
            )
        )
    return out


def _device(name: str) -> str:
    """R03's device id in a sentence: ``unknown-<medium>`` is a drive nothing identifies."""
    medium = name.removeprefix("unknown-")
    return f"{medium} device without serial or label" if medium != name else name


def _undated(g: GapInputs) -> list[Gap]:
    """Events without a usable time never reach the time-based rules: say how many."""
    if not g.undated:
        return []
    return [
        _g(
            "GAP.SRC.undated",
            "coverage",
            "P2",
            f"検知ルールの対象となる記録のうち{g.undated:,}件は日時を特定できない（日時の欠落・解釈不能）ため、日時に基づく検知に含めていません（各ソースの解析上の問題点の一覧を参照）。",
            f"{g.undated:,} records the detection rules read have no usable time (missing or unparseable) and were left out of the time-based detection (see the parse issues of their sources).",  # noqa: E501 - bilingual wording kept whole
            ("元の記録の日時の確認（タイムゾーン・夏時間の切替時刻）",),
        )
    ]


def _acts(g: GapInputs) -> list[Gap]:
    out = []
    by_rule: dict[str, list[Finding]] = {}
    for f in g.findings:
        if f.severity != "info":
            by_rule.setdefault(f.rule, []).append(f)
    cov = {c.kind: c.available for c in g.coverage}
    if not cov.get("server_audit"):
        out.append(
            _g(
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
            _g(
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
        and _status(g, "misappropriation_act.use") in _WEAK
        and _status(g, "misappropriation_act.disclosure") in (*_WEAK, None)
    ):
        out.append(
            _g(
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
            _g(
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


def _bad_faith(g: GapInputs) -> list[Gap]:
    out = []
    if not g.hr_supplied:
        out.append(
            _g(
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
            _g(
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
        _g(
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
            _g(
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


def _holder(g: GapInputs) -> list[Gap]:
    """holder_standing rests on the register's ``origin``: say what is missing (§4)."""
    # partially_supported is the most an internal origin gives (the claim is counsel's)
    if _status(g, "holder_standing") not in ("not_found", "not_assessed"):
        return []
    if g.assets:
        ja = "資産台帳に、営業秘密候補が社内で作成・保管されたこと（origin = internal）の記載がありません。"  # noqa: E501 - bilingual wording kept whole
        en = "The asset register does not record that the secret-set entries were created or kept internally (origin = internal)."  # noqa: E501 - bilingual wording kept whole
    else:
        ja = "資産台帳が提供されていないため、営業秘密の保有・管理の記録は確認していません。"
        en = "No asset register was supplied, so holding or control of the secret was not checked."
    nxt = ("作成者・作成日の記録（文書管理システム）", "社内システム上の保存場所の記録")
    return [_g("GAP.HS.01", "holder_standing", "P2", ja, en, nxt)]


def _other(g: GapInputs) -> list[Gap]:
    out = _holder(g)
    if _status(g, "actor_attribution") in _WEAK:
        out.append(
            _g(
                "GAP.ATT.01",
                "actor_attribution",
                "P1" if g.profile.id.endswith("criminal") else "P2",
                "操作はアカウントによるものとして記録されていますが、本人による操作であることを裏付ける記録（多要素認証・入退室記録等）は十分ではありません。",
                "Operations are recorded under accounts; MFA, entry logs or sole-use devices do not sufficiently corroborate that the person performed them.",  # noqa: E501 - bilingual wording kept whole
                ("入退室記録", "監視カメラ映像", "機器の管理記録"),
                topics=("端末・アカウントの共用の有無",),
            )
        )
    if g.profile.has("crim.duty_breach") and _status(g, "crim.duty_breach") in _WEAK:
        out.append(
            _g(
                "GAP.CR.01",
                "crim.duty_breach",
                "P1",
                "情報管理に係る任務（就業規則・誓約書等）を示す文書が見当たりません。",
                "No document establishing a duty to manage the information was found.",
                ("行為時点の就業規則", "署名済み誓約書"),
            )
        )
    if g.profile.has("crim.overseas") and _status(g, "crim.overseas") in _WEAK:
        out.append(
            _g(
                "GAP.CR.02",
                "crim.overseas",
                "P3",
                "国外での使用・開示目的を示す記録は確認されていません。",
                "No record shows intended use or disclosure abroad.",
                ("人事（転職先の所在地）", "渡航記録"),
            )
        )
    if g.profile.has("presumption.ucpa_5_2") or g.profile.id.startswith("jp_"):
        out.append(
            _g(
                "GAP.P52.01",
                "presumption.ucpa_5_2",
                "P2",
                "5条の2の推定：技術上の秘密の種別（生産方法等）及び被告による生産等の事実は本ツールの対象外です。",
                "Art. 5-2: the secret type (production method etc.) and production by the defendant are outside the tool's scope.",  # noqa: E501 - bilingual wording kept whole
                ("代理人によるタグ付け", "市場・製品に関する証拠"),
            )
        )
    if (
        g.profile.has("dtsa.whistleblower_notice")
        and _status(g, "dtsa.whistleblower_notice") in _WEAK
    ):
        out.append(
            _g(
                "GAP.DTSA.01",
                "dtsa.whistleblower_notice",
                "P2",
                "秘密保持契約に18 U.S.C. §1833(b)の通知条項が見当たりません。",
                "No §1833(b) whistleblower-immunity notice was found in the agreements.",
                ("米国代理人による確認 [P18]",),
            )
        )
    if g.profile.has("dtsa.interstate_commerce"):
        out.append(
            _g(
                "GAP.DTSA.02",
                "dtsa.interstate_commerce",
                "P3",
                "州際・国際取引との関連は本ツールの対象外です。",
                "The interstate or foreign commerce nexus is outside the tool's scope.",
                ("代理人",),
            )
        )
    out.extend(
        _g(
            f"GAP.SRC.{c.kind}",
            "coverage",
            "P2",
            f"{c.label_ja}が提供されていないため、{', '.join(c.rules)}の検知は実施していません。",
            f"{c.label_en} was not provided, so detection for {', '.join(c.rules)} was not performed.",  # noqa: E501 - bilingual wording kept whole
            (f"{c.label_ja}の保全（保存期間に注意）",),
        )
        for c in g.coverage
        if not c.available and c.kind != "hr"
    )
    return out


def build_gaps(g: GapInputs) -> list[Gap]:
    """All gaps for the profile, P1 first, then by id."""
    gaps = _secrecy(g) + _value_public(g) + _acts(g) + _bad_faith(g) + _other(g) + _undated(g)
    gaps += act_type_gaps(g.profile, g.rows, g.findings, gaps)
    gaps += usefulness_gaps(g.shared, g.findings, bool(g.assets))
    keep = [
        x
        for x in gaps
        if x.element == "coverage" or g.profile.has(x.element) or x.id.startswith("GAP.BF.01")
    ]
    return sorted(keep, key=lambda x: (x.priority, x.id, x.statement_en))


__all__ = ["FAMILIES", "GapInputs", "build_gaps"]

"""Proof-gap checklist (立証上の課題, map §4): what is missing and what to collect next.

A gap is emitted when an element is not found, partially supported, contradicted or
not assessed, and when a required source is missing (§4.2). "Always" gaps (NP.03,
BF.03, DTSA.02) state the limits of what records can show. Statements are facts
about the collected data, never conclusions.
"""

from __future__ import annotations

from evidencekit.analysis.acttypes import act_type_gaps
from evidencekit.analysis.coverage import FAMILIES
from evidencekit.analysis.gaps_acts import acts_gaps, bad_faith_gaps, undated_gaps
from evidencekit.analysis.gaps_base import WEAK, GapInputs, gap, status_of
from evidencekit.analysis.model import Gap
from evidencekit.analysis.usegaps import usefulness_gaps


def _secrecy(g: GapInputs) -> list[Gap]:
    out = []
    mk = g.shared.get("marking", {"assets": 0, "marked": 0})
    n, k = mk["assets"], mk["marked"]
    acl = g.shared.get("acl", {"restricted": 0, "open": 0})
    if status_of(g, "secrecy_management.measures") and (n == 0 or (n - k) * 2 > n):
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
            gap(
                "GAP.SM.01",
                "secrecy_management.measures",
                "P1" if not acl["restricted"] else "P2",
                ja,
                en,
                ("フォルダ単位の区分と規程 [P11]", "情報資産台帳", "分類運用に関する証言"),
                ("headers/footers", "watermarks", "labels", "file/folder names"),
            )
        )
    if status_of(g, "secrecy_management.measures"):
        out.append(
            gap(
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
    if status_of(g, "secrecy_management.defendant_awareness") in WEAK:
        out.append(
            gap(
                "GAP.SM.03",
                "secrecy_management.defendant_awareness",
                "P1",
                "対象者が当該情報を秘密として認識し得たことを直接示す記録（誓約書・研修記録・秘密表示のある文書の閲覧）は収集データ中に見当たりません。",
                "No record in the collected data directly shows the custodian could recognise the information as secret (pledge, training, viewing of marked documents).",  # noqa: E501 - bilingual wording kept whole
                ("人事記録・押印のある誓約書", "研修受講記録"),
                topics=("入社時・プロジェクト参加時の説明内容",),
            )
        )
    if status_of(g, "secrecy_management.consistency") in ("contradicted", "partially_supported"):
        out.append(
            gap(
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
    if status_of(g, "usefulness") in WEAK:
        out.append(
            gap(
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
                gap(
                    "GAP.NP.01",
                    "non_public",
                    "P1",
                    "非公知性の照合は実施していません（比較対象の公開資料コーパスが未提供）。",
                    "Non-public status was not checked (no public-material corpus supplied).",
                    ("ウェブサイトのミラー", "カタログ", "取扱説明書", "特許公報"),
                )
            )
        out.extend(
            gap(
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
            gap(
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
            gap(
                "GAP.ID.01",
                "secret_identification",
                "P1",
                "営業秘密の範囲は候補一覧の段階です（確定していません）。",
                "The secret set is a candidate list and has not been confirmed.",
                ("代理人による確定",),
            )
        )
    return out


def _holder(g: GapInputs) -> list[Gap]:
    """holder_standing rests on the register's ``origin``: say what is missing (§4)."""
    # partially_supported is the most an internal origin gives (the claim is counsel's)
    if status_of(g, "holder_standing") not in ("not_found", "not_assessed"):
        return []
    if g.assets:
        ja = "資産台帳に、営業秘密候補が社内で作成・保管されたこと（origin = internal）の記載がありません。"  # noqa: E501 - bilingual wording kept whole
        en = "The asset register does not record that the secret-set entries were created or kept internally (origin = internal)."  # noqa: E501 - bilingual wording kept whole
    else:
        ja = "資産台帳が提供されていないため、営業秘密の保有・管理の記録は確認していません。"
        en = "No asset register was supplied, so holding or control of the secret was not checked."
    nxt = ("作成者・作成日の記録（文書管理システム）", "社内システム上の保存場所の記録")
    return [gap("GAP.HS.01", "holder_standing", "P2", ja, en, nxt)]


def _other(g: GapInputs) -> list[Gap]:
    out = _holder(g)
    if status_of(g, "actor_attribution") in WEAK:
        out.append(
            gap(
                "GAP.ATT.01",
                "actor_attribution",
                "P1" if g.profile.id.endswith("criminal") else "P2",
                "操作はアカウントによるものとして記録されていますが、本人による操作であることを裏付ける記録（多要素認証・入退室記録等）は十分ではありません。",
                "Operations are recorded under accounts; MFA, entry logs or sole-use devices do not sufficiently corroborate that the person performed them.",  # noqa: E501 - bilingual wording kept whole
                ("入退室記録", "監視カメラ映像", "機器の管理記録"),
                topics=("端末・アカウントの共用の有無",),
            )
        )
    if g.profile.has("crim.duty_breach") and status_of(g, "crim.duty_breach") in WEAK:
        out.append(
            gap(
                "GAP.CR.01",
                "crim.duty_breach",
                "P1",
                "情報管理に係る任務（就業規則・誓約書等）を示す文書が見当たりません。",
                "No document establishing a duty to manage the information was found.",
                ("行為時点の就業規則", "署名済み誓約書"),
            )
        )
    if g.profile.has("crim.overseas") and status_of(g, "crim.overseas") in WEAK:
        out.append(
            gap(
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
            gap(
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
        and status_of(g, "dtsa.whistleblower_notice") in WEAK
    ):
        out.append(
            gap(
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
            gap(
                "GAP.DTSA.02",
                "dtsa.interstate_commerce",
                "P3",
                "州際・国際取引との関連は本ツールの対象外です。",
                "The interstate or foreign commerce nexus is outside the tool's scope.",
                ("代理人",),
            )
        )
    out.extend(
        gap(
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
    gaps = _secrecy(g) + _value_public(g) + acts_gaps(g) + bad_faith_gaps(g) + _other(g)
    gaps += undated_gaps(g)
    gaps += act_type_gaps(g.profile, g.rows, g.findings, gaps)
    gaps += usefulness_gaps(g.shared, g.findings, bool(g.assets))
    keep = [
        x
        for x in gaps
        if x.element == "coverage" or g.profile.has(x.element) or x.id.startswith("GAP.BF.01")
    ]
    return sorted(keep, key=lambda x: (x.priority, x.id, x.statement_en))


__all__ = ["FAMILIES", "GapInputs", "build_gaps"]

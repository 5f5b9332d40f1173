"""Usefulness gaps (map §2.3.2, §4.1): which input is missing for SIG.US.02 business use,
SIG.US.03 investment proxy and SIG.US.04 selective taking, stated precisely (what was
looked at, what would be needed). Read from what E07 and E08 left in ``ctx.shared``.

Ids beside the map's GAP.US.01/02: GAP.US.03 investment proxy, GAP.US.04 selective
taking, GAP.US.05 business-use inputs.
"""

from __future__ import annotations

from typing import Any

from evidencekit.analysis.model import Finding, Gap


def _gap(gid: str, ja: str, en: str, nxt: tuple[str, ...], searched: tuple[str, ...]) -> Gap:
    return Gap(
        id=gid,
        element="usefulness",
        priority="P3",
        statement_ja=ja,
        statement_en=en,
        next_evidence=nxt,
        searched=searched,
    )


def _business(use: dict[str, Any] | None, has_register: bool) -> list[Gap]:
    out = []
    if not use or not use.get("in_use"):
        why_ja, why_en = (
            ("営業秘密台帳が提供されていないため、他の者による利用回数を数えていません",
             "no asset register was supplied, so reads by others were not counted")
            if not has_register
            else ("台帳の営業秘密候補について、他の複数の者による複数日の閲覧の記録はありません",
                  "no secret-set entry was read on several days by several other persons")
        )  # fmt: skip
        out.append(
            _gap(
                "GAP.US.05",
                f"業務上の利用（SIG.US.02）：{why_ja}。PLM/PDM/ERPとの連携記録・部品表（BOM）の"
                "品番は入力に含まれていません。",
                f"Business use (SIG.US.02): {why_en}. PLM/PDM/ERP links and bill-of-materials "
                "part numbers are not among the inputs.",
                (
                    "PLM/PDM/ERPの参照記録",
                    "部品表（BOM）と図番の対応",
                    "所管部門の利用に関する説明",
                ),
                ("register entries", "read events by persons without transfer findings"),
            )
        )
    if not use or not use.get("edited"):
        out.append(
            _gap(
                "GAP.US.03",
                "投資の代理指標（SIG.US.03）：台帳の営業秘密候補に対する更新の記録はなく、"
                "文書管理システムの版履歴・作成者・原価センターの情報は入力に含まれていません。",
                "Investment proxy (SIG.US.03): no edit records on secret-set entries; "
                "document-management revision history, authors and cost-centre tags are not "
                "among the inputs.",
                (
                    "文書管理システムの版履歴",
                    "押収ファイルのメタデータ（改訂回数・作成者）",
                    "原価センター・開発費の記録",
                ),
                ("modify/create events on register entries",),
            )
        )
    return out


def _selective(report: dict[str, Any] | None, findings: list[Finding]) -> list[Gap]:
    if report is None or not report:
        return []
    short = sorted(p for p, r in report.items() if not r.get("assessed"))
    shown = {f.person for f in findings if f.rule == "E08"}
    ja = (
        "選択的な持出し（SIG.US.04）：比較対象の「アクセス可能であった範囲」はアカウントの閲覧"
        "記録で代用しています（アカウント別の権限一覧は未提供）。"
    )
    en = (
        "Selective taking (SIG.US.04): what the account could access was approximated by "
        "the files it read (no per-account permission export was supplied)."
    )
    if short:
        ja += f"{', '.join(short)}は持出し又は閲覧の件数が比較に足りません。"
        en += f" Too few taken or read files to compare for: {', '.join(short)}."
    if not shown:
        ja += "持出しファイルに高価値類型の偏りは示されていません。"
        en += " No enrichment in high-value classes was shown."
    return [
        _gap(
            "GAP.US.04",
            ja,
            en,
            ("アカウント別のアクセス権限一覧（閲覧可能なファイル）", "取得時点のACL"),
            ("transfer findings R03/R04/R05", "read events of the same accounts"),
        )
    ]


def usefulness_gaps(
    shared: dict[str, Any], findings: list[Finding], has_register: bool
) -> list[Gap]:
    """GAP.US.03/04/05 for the inputs the usefulness signals lacked."""
    return _business(shared.get("business_use"), has_register) + _selective(
        shared.get("selective_taking"), findings
    )

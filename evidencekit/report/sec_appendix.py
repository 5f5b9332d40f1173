"""Appendices: glossary JA/EN (domain map §7) and the source keys cited in the report."""

from __future__ import annotations

from reportlab.platypus import Flowable, PageBreak

from evidencekit.report.doc import Heading, Styles, table

GLOSSARY: tuple[tuple[str, str, str], ...] = (
    ("営業秘密", "trade secret (UCPA)", "Art. 2(6)"),
    (
        "秘密管理性 / 秘密管理措置 / 認識可能性",
        "secrecy management / secrecy-management measures / recognisability",
        "指針 2015 [P10][P12]",
    ),
    ("有用性", "usefulness", ""),
    ("非公知性", "non-public status", ""),
    ("不正取得 / 不正の手段", "improper acquisition / improper means", "Art. 2(1)(iv)"),
    ("示された", "shown (lawfully given access) by the holder", "Art. 2(1)(vii)"),
    ("取得・使用・開示", "acquisition, use, disclosure", ""),
    (
        "領得（横領・複製の作成・消去せず仮装）",
        "taking (embezzlement of media, making copies, non-deletion with pretence)",
        "criminal [P7]",
    ),
    ("図利加害目的", "purpose of improper gain or of causing harm", ""),
    ("悪意・重過失", "knowledge or gross negligence", ""),
    ("故意・過失", "intent or negligence", "damages"),
    ("任務違背", "breach of (information-management) duty", "criminal"),
    (
        "管理侵害行為 / 詐欺等行為",
        "acts defeating the holder's controls / deception, violence or threat",
        "criminal 21(1)(i) [P5]",
    ),
    ("使用等の推定", "presumption of use", "Art. 5-2"),
    ("差止め / 損害賠償", "injunction / damages", "Art. 3 / Art. 4"),
    (
        "証拠保全 / 同一性の検証 / 立会人",
        "evidence preservation / integrity (identity) verification / witness",
        "[P25]",
    ),
    (
        "直接証拠 / 間接証拠（間接事実）/ 供述",
        "direct evidence / circumstantial evidence (indirect facts) / statements",
        "図8 [S3]",
    ),
    (
        "退職願・退職届 / 最終出社日 / 退職日 / 有給消化",
        "resignation notice / last attendance day / retirement date / paid-leave period",
        "R01",
    ),
    ("休日出勤 / 残業申請", "approved holiday work / approved overtime", "CI.07"),
    (
        "国民の祝日 / 振替休日 / 国民の休日",
        "national holiday / substitute holiday / citizens' holiday",
        "[P32]",
    ),
    ("別紙（非開示）", "sealed annex", "§5"),
    ("Merkle木ヘッド / 葉番号", "Merkle tree head / leaf index", "RFC 9162"),
)

SOURCE_KEYS: tuple[tuple[str, str], ...] = (
    ("[S1]", "経済産業省 知的財産政策室「営業秘密の保護について」(2013-11)"),
    ("[S3]", "経済産業省委託調査（秘密管理の実務、日米独中）図8・Ⅴ・Ⅵ.6"),
    ("[P1]", "不正競争防止法 2条1項4号・5条の2 条文（引用ページ）"),
    ("[P2]", "経済産業省 2018-09-04 政令（情報の評価又は分析の方法）"),
    ("[P3]", "2023年改正（2024-04-01施行）による5条の2の拡大（法律事務所解説）"),
    ("[P4]", "5条の2の推定の前提事実（3点）"),
    ("[P23]", "Evidence spoliation forensics: examiners give no legal conclusions"),
    ("[P25]", "IDF「証拠保全ガイドライン」7-2 立会人等・7-3 同一性の検証・7-4 作業内容の記録"),
    ("[P32]", "Python package holidays (Japanese national holidays, names in Japanese)"),
)


def glossary(st: Styles) -> list[Flowable]:
    """Appendix: glossary and the source keys cited in the text."""
    L = st.labels
    out: list[Flowable] = [Heading(L("付録 用語集", "Appendix: Glossary"), st.h1, 0)]
    rows = [[ja, en, note] for ja, en, note in GLOSSARY]
    out.append(table(st, ["日本語", "English", L("備考", "Note")], rows, [2.6, 3.2, 1.2]))
    out.append(Heading(L("引用資料の記号", "Source keys cited"), st.h2, 1))
    out.append(
        table(st, [L("記号", "Key"), L("資料", "Source")], [list(k) for k in SOURCE_KEYS], [0.8, 6])
    )
    out.append(PageBreak())
    return out

"""Documents for the near-duplicate tests: a Japanese specification, a lightly edited
public copy of it, unrelated texts, and writers for docx (OOXML by hand, as
tests/sources does) and PDF (reportlab with the embedded IPAex font)."""

from __future__ import annotations

import io
import zipfile
from pathlib import Path
from xml.sax.saxutils import escape

import pytest

IPAEX = Path("/usr/share/fonts/opentype/ipaexfont-gothic/ipaexg.ttf")

# A fictional product specification, one paragraph per line (each short enough for one
# PDF line).
SPEC = [
    "第1章 製品系列Aの概要と設計方針について",
    "本仕様書は、精密減速機RX-200の内部設計を定める。",
    "出力軸の許容トルクは250N・mとし、瞬間最大は400N・mとする。",
    "歯車列は3段の遊星機構で構成し、減速比は1:81とする。",
    "ハウジングはアルミ合金A6061を用い、肉厚は4.5mmを標準とする。",
    "軸受は深溝玉軸受6204を2個、クロスローラ軸受を1個使用する。",
    "潤滑はグリース封入式とし、交換周期は20000時間とする。",
    "バックラッシは1分以下を保証し、出荷時に全数検査を行う。",
    "許容ラジアル荷重は3200Nであり、許容スラスト荷重は1800Nとする。",
    "表面処理はアルマイト黒とし、塩水噴霧試験で96時間に耐えること。",
    "騒音は1m離れた位置で62dB以下とし、振動は0.5G以下とする。",
    "組立後に48時間の慣らし運転を行い、温度上昇は40K以下とする。",
    "第2章 製造工程と検査基準の詳細は別紙Bによる。",
]


def edited_copy() -> list[str]:
    """A catalogue text built from SPEC: one paragraph moved, punctuation changed
    (、 to ，, 。 to ．), digits full-width, one phrase reworded."""
    wide = str.maketrans("0123456789", "０１２３４５６７８９")
    lines = [s.replace("、", "，").replace("。", "．").translate(wide) for s in SPEC]
    lines.insert(2, lines.pop(9))
    lines[5] = lines[5].replace("標準とする", "基本とします")
    return lines


UNRELATED = [
    "本日の会議では、来期の採用計画と研修制度の見直しについて議論した。",
    "新入社員研修は四月の第一週から始まり、三週間にわたって実施される。",
    "各部署の担当者は、研修内容の案を今月末までに人事部へ提出すること。",
    "また、在宅勤務の運用規程についても改定案が示され、意見を募集する。",
    "社員食堂の営業時間は、来月から午前十一時から午後二時までとなる。",
    "次回の会議は、会議室Bにて、翌月の第二水曜日の午後に開催する予定。",
]

CATALOGUE_OTHER = [
    "総合カタログ2024 産業用ロボット周辺機器のご案内",
    "当社の製品は、世界三十か国以上のお客様にご利用いただいております。",
    "お問い合わせは、最寄りの営業所または当社ウェブサイトからどうぞ。",
    "製品の仕様は、改良のため予告なく変更することがあります。",
    "保証期間は、納入後一年間とし、消耗品は保証の対象外とします。",
    "詳しい資料のご請求は、下記の営業窓口までお気軽にお申し付けください。",
]


def make_docx(paragraphs: list[str]) -> bytes:
    """A minimal WordprocessingML package, one ``w:p`` per paragraph."""
    ns = 'xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"'
    body = "".join(f"<w:p><w:r><w:t>{escape(p)}</w:t></w:r></w:p>" for p in paragraphs)
    parts = {
        "[Content_Types].xml": (
            '<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats'
            '.org/package/2006/content-types"><Default Extension="xml" ContentType="application/'
            'xml"/><Override PartName="/word/document.xml" ContentType="application/vnd.'
            'openxmlformats-officedocument.wordprocessingml.document.main+xml"/></Types>'
        ),
        "word/document.xml": (
            f'<?xml version="1.0" encoding="UTF-8"?><w:document {ns}><w:body>{body}'
            "</w:body></w:document>"
        ),
    }
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as zf:
        for name, text in parts.items():
            zf.writestr(name, text.encode("utf-8"))
    return buffer.getvalue()


def make_zip_bomb_docx() -> bytes:
    """A docx whose body part expands 40 MiB from a few KiB (refused by ratio and size)."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("[Content_Types].xml", "<Types/>")
        zf.writestr("word/document.xml", b"<w:t>" + b" " * (40 << 20) + b"</w:t>")
    return buffer.getvalue()


def make_pdf(lines: list[str]) -> bytes:
    """A PDF with one text line per paragraph, IPAex Gothic embedded (with ToUnicode)."""
    if not IPAEX.exists():
        pytest.skip("IPAex fonts are not installed here (fonts-ipaexfont)")
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.ttfonts import TTFont
    from reportlab.pdfgen import canvas

    pdfmetrics.registerFont(TTFont("IPAexGothic", str(IPAEX)))
    buffer = io.BytesIO()
    pdf = canvas.Canvas(buffer, invariant=True)
    pdf.setFont("IPAexGothic", 10)
    for i, line in enumerate(lines):
        pdf.drawString(40, 800 - 16 * i, line)
    pdf.showPage()
    pdf.save()
    return buffer.getvalue()

"""Document frame: styles, page footer (page x/y), table of contents and PDF outline."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any
from xml.sax.saxutils import escape

from reportlab.lib import colors
from reportlab.lib.enums import TA_CENTER
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.pdfgen.canvas import Canvas
from reportlab.platypus import (
    BaseDocTemplate,
    Flowable,
    Frame,
    PageTemplate,
    Paragraph,
    Table,
    TableStyle,
)
from reportlab.platypus.tableofcontents import TableOfContents

from evidencekit.report.fonts import FontSet
from evidencekit.report.i18n import Labels, Lang

PAGE = A4
MARGIN = 18 * mm
FRAME_WIDTH = PAGE[0] - 2 * MARGIN
GRID = colors.HexColor("#9a9a9a")
HEAD_BG = colors.HexColor("#e6e9ef")


@dataclass(frozen=True)
class Styles:
    """Paragraph styles of the report for one font set and language mode."""

    fonts: FontSet
    labels: Labels
    h1: ParagraphStyle
    h2: ParagraphStyle
    body_ja: ParagraphStyle
    body_en: ParagraphStyle
    cell: ParagraphStyle
    cell_head: ParagraphStyle
    mono: ParagraphStyle
    title: ParagraphStyle
    small: ParagraphStyle

    @property
    def lang(self) -> Lang:
        return self.labels.lang


def make_styles(fonts: FontSet, lang: Lang) -> Styles:
    """Build the paragraph styles (CJK line breaking with kinsoku for Japanese text)."""
    g, m = fonts.gothic, fonts.mincho
    cjk = {"wordWrap": "CJK"}
    mono = ParagraphStyle("mono", fontName=fonts.mono, fontSize=6.5, leading=8.5, **cjk)
    _NON_ASCII_FALLBACK["mono"] = ParagraphStyle("mono_ja", parent=mono, fontName=g)
    return Styles(
        fonts=fonts,
        labels=Labels(lang),
        h1=ParagraphStyle(
            "h1", fontName=g, fontSize=14, leading=19, spaceBefore=6, spaceAfter=8, **cjk
        ),
        h2=ParagraphStyle(
            "h2", fontName=g, fontSize=11, leading=15, spaceBefore=8, spaceAfter=4, **cjk
        ),
        body_ja=ParagraphStyle(
            "body_ja", fontName=m, fontSize=9.5, leading=15, spaceAfter=4, **cjk
        ),
        body_en=ParagraphStyle("body_en", fontName=g, fontSize=9, leading=13, spaceAfter=4),
        cell=ParagraphStyle("cell", fontName=g, fontSize=7.5, leading=10, **cjk),
        cell_head=ParagraphStyle("cell_head", fontName=g, fontSize=7.5, leading=10, **cjk),
        mono=mono,
        title=ParagraphStyle(
            "title", fontName=g, fontSize=20, leading=28, alignment=TA_CENTER, spaceAfter=12, **cjk
        ),
        small=ParagraphStyle("small", fontName=g, fontSize=7, leading=9.5, **cjk),
    )


_NON_ASCII_FALLBACK: dict[str, ParagraphStyle] = {}


def para(text: str, style: ParagraphStyle) -> Paragraph:
    """A paragraph of plain text (escaped, so no markup can be injected from evidence).

    Text that is not ASCII never goes to the fixed-width Latin font (it has no Japanese
    glyphs, so it would print as tofu); it uses the style's Japanese fallback instead.
    """
    if not text.isascii() and style.name in _NON_ASCII_FALLBACK:
        style = _NON_ASCII_FALLBACK[style.name]
    return Paragraph(escape(text).replace("\n", "<br/>"), style)


def mono_for(text: str, st: Styles) -> ParagraphStyle:
    """The fixed-width style, or its Japanese-capable fallback for non-ASCII text."""
    return st.mono if text.isascii() else _NON_ASCII_FALLBACK.get(st.mono.name, st.cell)


def body(st: Styles, ja: str, en: str) -> list[Flowable]:
    """Running text in the report's language(s)."""
    return [
        para(t, st.body_ja if lang == "ja" else st.body_en) for t, lang in st.labels.texts(ja, en)
    ]


def hexwrap(value: str | None, width: int = 32) -> str:
    """Break a long hex string into fixed-width lines so table cells never overflow."""
    if not value:
        return "—"
    return "\n".join(value[i : i + width] for i in range(0, len(value), width))


def table(
    st: Styles,
    header: list[str],
    rows: list[list[Any]],
    widths: list[float],
    mono_cols: frozenset[int] = frozenset(),
) -> Table:
    """A grid table with a repeating header; strings become wrapped paragraphs."""
    scale = FRAME_WIDTH / sum(widths)
    cols = [w * scale for w in widths]
    data: list[list[Any]] = [[para(h, st.cell_head) for h in header]]
    data.extend(
        [
            para(c, st.mono if i in mono_cols else st.cell) if isinstance(c, str) else c
            for i, c in enumerate(row)
        ]
        for row in rows
    )
    tbl = Table(data, colWidths=cols, repeatRows=1, splitByRow=True, spaceAfter=6)
    tbl.setStyle(
        [
            ("FONT", (0, 0), (-1, -1), st.fonts.gothic, 7.5),  # else Helvetica, unembedded
            ("GRID", (0, 0), (-1, -1), 0.4, GRID),
            ("BACKGROUND", (0, 0), (-1, 0), HEAD_BG),
            ("VALIGN", (0, 0), (-1, -1), "TOP"),
            ("LEFTPADDING", (0, 0), (-1, -1), 3),
            ("RIGHTPADDING", (0, 0), (-1, -1), 3),
            ("TOPPADDING", (0, 0), (-1, -1), 2),
            ("BOTTOMPADDING", (0, 0), (-1, -1), 2),
        ]
    )
    return tbl


class Heading(Paragraph):  # type: ignore[misc]
    """A section heading that enters the table of contents and the PDF outline."""

    def __init__(self, text: str, style: ParagraphStyle, level: int) -> None:
        super().__init__(escape(text), style)
        self.toc_text = text
        self.toc_level = level


class ReportDocument(BaseDocTemplate):  # type: ignore[misc]
    """A4 document with footer, TOC notifications and outline entries."""

    def __init__(
        self, filename: Any, st: Styles, footer: str, classification: str, **kw: Any
    ) -> None:
        super().__init__(
            filename,
            pagesize=PAGE,
            leftMargin=MARGIN,
            rightMargin=MARGIN,
            topMargin=MARGIN,
            bottomMargin=MARGIN + 4 * mm,
            initialFontName=st.fonts.gothic,
            **kw,
        )
        self.st = st
        self.footer_text = footer
        self.classification = classification
        frame = Frame(MARGIN, MARGIN + 4 * mm, FRAME_WIDTH, PAGE[1] - 2 * MARGIN - 4 * mm, id="f")
        self.addPageTemplates([PageTemplate(id="page", frames=[frame], onPage=self._decorate)])
        self._heading_no = 0

    def _decorate(self, canvas: Canvas, doc: Any) -> None:
        canvas.saveState()
        canvas.setFont(self.st.fonts.gothic, 7)
        canvas.setFillColor(colors.HexColor("#444444"))
        canvas.drawString(MARGIN, MARGIN - 2 * mm, self.footer_text)
        canvas.drawRightString(PAGE[0] - MARGIN, PAGE[1] - MARGIN + 6 * mm, self.classification)
        canvas.restoreState()

    def afterFlowable(self, flowable: Flowable) -> None:
        if isinstance(flowable, Heading):
            self._heading_no += 1
            key = f"h{self._heading_no}"
            self.canv.bookmarkPage(key)
            self.canv.addOutlineEntry(flowable.toc_text, key, level=flowable.toc_level)
            self.notify("TOCEntry", (flowable.toc_level, flowable.toc_text, self.page, key))

    def handle_documentBegin(self) -> None:
        self._heading_no = 0
        super().handle_documentBegin()


def make_toc(st: Styles) -> TableOfContents:
    """Table of contents styled with the report fonts."""
    toc = TableOfContents()
    toc.levelStyles = [
        ParagraphStyle(
            "toc1",
            fontName=st.fonts.gothic,
            fontSize=9.5,
            leading=14,
            leftIndent=8,
            firstLineIndent=-8,
            wordWrap="CJK",
        ),
        ParagraphStyle(
            "toc2",
            fontName=st.fonts.gothic,
            fontSize=8.5,
            leading=12,
            leftIndent=24,
            firstLineIndent=-8,
            wordWrap="CJK",
        ),
    ]
    toc.dotsMinLevel = 0
    toc.tableStyle = TableStyle(
        [*toc.tableStyle.getCommands(), ("FONT", (0, 0), (-1, -1), st.fonts.gothic, 9)]
    )
    return toc


def numbered_canvas(font: str, label: str) -> type[Canvas]:
    """A canvas class that writes ``page x/y`` on every page once the total is known."""

    class NumberedCanvas(Canvas):  # type: ignore[misc]
        def __init__(self, *args: Any, **kw: Any) -> None:
            kw["initialFontName"] = kw.get("initialFontName") or font  # never bare Helvetica
            super().__init__(*args, **kw)
            self._saved: list[dict[str, Any]] = []

        def showPage(self) -> None:
            self._saved.append(dict(self.__dict__))
            self._startPage()

        def save(self) -> None:
            total = len(self._saved)
            for state in self._saved:
                self.__dict__.update(state)
                self.setFont(font, 7)
                self.drawRightString(
                    PAGE[0] - MARGIN,
                    MARGIN - 2 * mm,
                    label.format(page=self._pageNumber, total=total),
                )
                super().showPage()
            super().save()

    return NumberedCanvas

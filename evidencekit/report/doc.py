"""Document frame: styles, page footer (page x/y), table of contents and PDF outline."""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from typing import Any
from xml.sax.saxutils import escape

from reportlab.lib import colors
from reportlab.lib.enums import TA_CENTER
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.pdfbase.pdfmetrics import stringWidth
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


CHUNK_ROWS = 30  # rows per table piece: splitting one huge platypus Table is quadratic


def table(
    st: Styles,
    header: list[str],
    rows: list[list[Any]],
    widths: list[float],
    mono_cols: frozenset[int] = frozenset(),
    plain_cols: frozenset[int] = frozenset(),
    fit_cols: frozenset[int] = frozenset(),
) -> Flowable:
    """A grid table with a repeating header; strings become wrapped paragraphs.

    Args:
        st: Styles.
        header: Column headings.
        rows: Cells: strings (wrapped paragraphs) or flowables.
        widths: Relative column widths (scaled to the frame).
        mono_cols: Columns set in the fixed-width font.
        plain_cols: Columns of short ASCII strings drawn without paragraph layout
            (much faster for long tables; use explicit line breaks).
        fit_cols: Columns of text broken into lines by character width and drawn
            without paragraph layout (fast, for long tables of paths and names).

    Returns:
        One table, or a run of tables of ``CHUNK_ROWS`` rows for long content.
    """
    scale = FRAME_WIDTH / sum(widths)
    cols = [w * scale for w in widths]
    head = [para(h, st.cell_head) for h in header]
    fit = {i: cols[i] - 6 for i in fit_cols}  # minus the cell padding
    cells = [
        [
            c if i in plain_cols or not isinstance(c, str)
            else fit_lines(c, st.fonts.gothic, 7.5, fit[i]) if i in fit
            else para(c, st.mono if i in mono_cols else st.cell)
            for i, c in enumerate(row)
        ]
        for row in rows
    ]  # fmt: skip
    pieces = [
        _grid(st, [head, *cells[i : i + CHUNK_ROWS]], cols, plain_cols)
        for i in range(0, max(len(cells), 1), CHUNK_ROWS)
    ]
    for piece in pieces[:-1]:
        piece.spaceAfter = 0  # pieces join up as one table
    return pieces[0] if len(pieces) == 1 else TableRun(pieces)


@lru_cache(maxsize=65536)
def _char_width(char: str, font: str, size: float) -> float:
    return float(stringWidth(char, font, size))


def fit_lines(text: str, font: str, size: float, width: float) -> str:
    """``text`` broken into lines no wider than ``width`` (any character may break,
    as in CJK wrapping; paths have no spaces to break at)."""
    lines: list[str] = []
    line: list[str] = []
    used = 0.0
    for char in text:
        w = _char_width(char, font, size)
        if line and used + w > width:
            lines.append("".join(line))
            line, used = [], 0.0
        line.append(char)
        used += w
    lines.append("".join(line))
    return "\n".join(lines)


def _grid(st: Styles, data: list[list[Any]], cols: list[float], plain: frozenset[int]) -> Table:
    """One table piece; ``plain`` columns are set in the fixed-width font."""
    tbl = Table(data, colWidths=cols, repeatRows=1, splitByRow=True, spaceAfter=6)
    commands: list[Any] = [
        ("FONT", (0, 0), (-1, -1), st.fonts.gothic, 7.5),  # else Helvetica, unembedded
        ("GRID", (0, 0), (-1, -1), 0.4, GRID),
        ("BACKGROUND", (0, 0), (-1, 0), HEAD_BG),
        ("VALIGN", (0, 0), (-1, -1), "TOP"),
        ("LEFTPADDING", (0, 0), (-1, -1), 3),
        ("RIGHTPADDING", (0, 0), (-1, -1), 3),
        ("TOPPADDING", (0, 0), (-1, -1), 2),
        ("BOTTOMPADDING", (0, 0), (-1, -1), 2),
    ]
    commands += [("FONT", (c, 1), (c, -1), st.fonts.mono, 6.5, 8.5) for c in sorted(plain)]
    tbl.setStyle(commands)
    return tbl


class TableRun(Flowable):  # type: ignore[misc]
    """Consecutive table pieces laid out as one long table (each piece splits cheaply)."""

    def __init__(self, pieces: list[Table]) -> None:
        super().__init__()
        self.pieces = pieces

    def wrap(self, avail_width: float, avail_height: float) -> tuple[float, float]:
        return avail_width, avail_height + 1  # never fits whole: the frame asks to split

    def split(self, avail_width: float, avail_height: float) -> list[Flowable]:
        first, rest = self.pieces[0], self.pieces[1:]
        tail: list[Flowable] = [TableRun(rest) if len(rest) > 1 else rest[0]] if rest else []
        _, height = first.wrap(avail_width, avail_height)
        if height <= avail_height:
            return [first, *tail]
        parts: list[Flowable] = first.split(avail_width, avail_height)
        return [*parts, *tail] if parts else []

    def cell_values(self) -> list[list[Any]]:
        """Every row of every piece (for text checks)."""
        return [row for piece in self.pieces for row in piece._cellvalues]


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
        self.layout_pass = getattr(self, "layout_pass", 0) + 1
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

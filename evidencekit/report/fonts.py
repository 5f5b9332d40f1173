"""Japanese fonts for the report: embedded IPAex TrueType, or reportlab's CID fallback.

IPAex Gothic/Mincho (Debian ``fonts-ipaexfont``) are embedded as subsets, so the PDF
renders the same everywhere and can be archived (PDF/A needs embedded fonts). When they
are missing, reportlab's built-in Adobe-Japan1 CID fonts (HeiseiKakuGo-W5 /
HeiseiMin-W3) are used: the text is still correct Unicode, but the glyphs come from the
reader's installed fonts, so the report says which fonts it used and that it is not
PDF/A in that case.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.cidfonts import UnicodeCIDFont
from reportlab.pdfbase.ttfonts import TTFont

GOTHIC_PATHS = (
    Path("/usr/share/fonts/opentype/ipaexfont-gothic/ipaexg.ttf"),
    Path("/usr/share/fonts/truetype/fonts-japanese-gothic.ttf"),
)
MINCHO_PATHS = (
    Path("/usr/share/fonts/opentype/ipaexfont-mincho/ipaexm.ttf"),
    Path("/usr/share/fonts/truetype/fonts-japanese-mincho.ttf"),
)
MONO_PATHS = (
    Path("/usr/share/fonts/truetype/dejavu/DejaVuSansMono.ttf"),
    Path("/usr/share/fonts/truetype/liberation/LiberationMono-Regular.ttf"),
)
MONO_FALLBACK = "Courier"  # standard font, not embedded (then the PDF cannot be PDF/A)


@dataclass(frozen=True)
class FontSet:
    """The font names registered with reportlab and how they were obtained.

    Attributes:
        gothic: Sans-serif face for headings and tables.
        mincho: Serif face for running Japanese text.
        mono: Fixed-width face for hashes and ids.
        embedded: True when TrueType files were embedded (subset) in the PDF.
        description: One line for the report's methodology section.
    """

    gothic: str
    mincho: str
    mono: str
    embedded: bool
    description: str


def _first(paths: tuple[Path, ...]) -> Path | None:
    return next((p for p in paths if p.is_file()), None)


def _mono() -> str:
    """Register an embeddable fixed-width TrueType font, or fall back to Courier."""
    path = _first(MONO_PATHS)
    if path is None:
        return MONO_FALLBACK
    name = path.stem
    if name not in pdfmetrics.getRegisteredFontNames():
        pdfmetrics.registerFont(TTFont(name, str(path)))
    return name


def load_fonts(prefer_embedded: bool = True) -> FontSet:
    """Register the Japanese fonts with reportlab and describe the choice.

    Args:
        prefer_embedded: Use the installed IPAex TrueType fonts when present.

    Returns:
        The registered font names.
    """
    gothic_path, mincho_path = _first(GOTHIC_PATHS), _first(MINCHO_PATHS)
    mono = _mono() if prefer_embedded else MONO_FALLBACK
    if prefer_embedded and gothic_path is not None and mincho_path is not None:
        for name, path in (("IPAexGothic", gothic_path), ("IPAexMincho", mincho_path)):
            if name not in pdfmetrics.getRegisteredFontNames():
                pdfmetrics.registerFont(TTFont(name, str(path)))
        return FontSet(
            gothic="IPAexGothic",
            mincho="IPAexMincho",
            mono=mono,
            embedded=mono != MONO_FALLBACK,
            description=(
                f"IPAexGothic ({gothic_path.name}) / IPAexMincho ({mincho_path.name}) / {mono}, "
                "TrueType, embedded as subsets"
            ),
        )
    for name in ("HeiseiKakuGo-W5", "HeiseiMin-W3"):
        if name not in pdfmetrics.getRegisteredFontNames():
            pdfmetrics.registerFont(UnicodeCIDFont(name))
    return FontSet(
        gothic="HeiseiKakuGo-W5",
        mincho="HeiseiMin-W3",
        mono=mono,
        embedded=False,
        description=(
            "HeiseiKakuGo-W5 / HeiseiMin-W3 / Courier (reportlab built-in CID and standard "
            "fonts, not embedded; the PDF reader supplies the glyphs)"
        ),
    )

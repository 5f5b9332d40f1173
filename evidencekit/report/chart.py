"""Activity chart: daily event counts by action group (JST days), with off-hours counts,
weekends and national holidays shaded, and the resignation notice and last day marked."""

from __future__ import annotations

from collections import Counter
from datetime import date

from reportlab.graphics.shapes import Drawing, Line, Rect, String
from reportlab.lib import colors
from reportlab.pdfbase.pdfmetrics import stringWidth

from evidencekit.report.data import Activity, day_range
from evidencekit.report.i18n import Labels, is_day_off

GROUPS: tuple[tuple[str, str, str, frozenset[str]], ...] = (
    ("閲覧", "access", "#8fb3d9", frozenset({"access", "read", "open", "visit"})),
    (
        "作成・変更",
        "create/modify",
        "#b9d98f",
        frozenset({"create", "modify", "metadata_change", "rename", "move"}),
    ),
    (
        "持出し系",
        "copy/transfer",
        "#e0a040",
        frozenset({"copy", "download", "upload", "send", "share", "print", "receive"}),
    ),
    ("削除", "delete", "#c0504d", frozenset({"delete", "wipe", "log_cleared"})),
    ("機器", "device", "#8064a2", frozenset({"device_connect", "device_disconnect"})),
    ("ログオン", "logon", "#7f7f7f", frozenset({"logon", "logoff", "logon_failed"})),
)
OTHER = ("その他", "other", "#d9d9d9")
DAY_OFF = colors.HexColor("#f6dada")
OFF_HOURS = colors.HexColor("#303030")


def group_of(action: str) -> int:
    """Index of the action's group (``len(GROUPS)`` for other)."""
    return next((i for i, g in enumerate(GROUPS) if action in g[3]), len(GROUPS))


def activity_chart(
    activity: Activity, labels: Labels, font: str, width: float, height: float = 230
) -> Drawing:
    """Draw the chart; one slot per JST day from the first to the last active day."""
    days = day_range(activity)
    drawing = Drawing(width, height)
    drawing.initialFontName = font  # not reportlab's default Helvetica (unembedded)
    left, bottom, top = 34.0, 40.0, height - 52  # legend and mark labels sit above
    plot_w, plot_h = width - left - 6, top - bottom
    if not days:
        drawing.add(
            String(
                left,
                bottom,
                labels("日付のあるイベントなし", "No dated events"),
                fontName=font,
                fontSize=8,
            )
        )
        return drawing
    peak = max(sum(activity.by_day.get(d, Counter()).values()) for d in days) or 1
    slot = plot_w / len(days)
    for i, day in enumerate(days):
        x = left + i * slot
        if is_day_off(day):
            drawing.add(Rect(x, bottom, slot, plot_h, fillColor=DAY_OFF, strokeColor=None))
        _bar(drawing, activity, day, x, slot, bottom, plot_h / peak)
    _axes(drawing, days, peak, left, bottom, plot_w, plot_h, slot, font)
    _marks(drawing, activity, days, (left, bottom, top, slot), font, labels)
    _legend(drawing, labels, font, left, height - 10)
    return drawing


def _bar(
    drawing: Drawing,
    activity: Activity,
    day: date,
    x: float,
    slot: float,
    bottom: float,
    scale: float,
) -> None:
    counts = activity.by_day.get(day, Counter())
    totals: Counter[int] = Counter()
    for a, n in counts.items():
        totals[group_of(a)] += n
    y = bottom
    for index in sorted(totals):
        colour = (GROUPS[index] if index < len(GROUPS) else OTHER)[2]
        h = totals[index] * scale
        drawing.add(
            Rect(
                x + slot * 0.1,
                y,
                slot * 0.6,
                h,
                fillColor=colors.HexColor(colour),
                strokeColor=None,
            )
        )
        y += h
    off = activity.off_hours.get(day, 0)
    if off:
        drawing.add(
            Rect(
                x + slot * 0.72,
                bottom,
                slot * 0.2,
                off * scale,
                fillColor=OFF_HOURS,
                strokeColor=None,
            )
        )


def _axes(
    drawing: Drawing,
    days: list[date],
    peak: int,
    left: float,
    bottom: float,
    plot_w: float,
    plot_h: float,
    slot: float,
    font: str,
) -> None:
    drawing.add(Line(left, bottom, left + plot_w, bottom, strokeWidth=0.5))
    drawing.add(Line(left, bottom, left, bottom + plot_h, strokeWidth=0.5))
    for value in (0, peak // 2, peak):
        y = bottom + plot_h * value / peak
        drawing.add(
            String(left - 3, y - 2, str(value), fontName=font, fontSize=6, textAnchor="end")
        )
    step = max(1, len(days) // 10)
    for i in range(0, len(days), step):
        x = left + i * slot + slot / 2
        drawing.add(Line(x, bottom, x, bottom - 2, strokeWidth=0.5))
        drawing.add(
            String(
                x, bottom - 10, f"{days[i]:%m-%d}", fontName=font, fontSize=6, textAnchor="middle"
            )
        )
    drawing.add(
        String(
            left,
            bottom - 20,
            f"{days[0]:%Y-%m-%d} – {days[-1]:%Y-%m-%d} (JST)",
            fontName=font,
            fontSize=6,
        )
    )


def _marks(
    drawing: Drawing,
    activity: Activity,
    days: list[date],
    box: tuple[float, float, float, float],
    font: str,
    labels: Labels,
) -> None:
    left, bottom, top, slot = box
    first = days[0]
    for n, (day, ja, en) in enumerate(sorted(set(activity.marks))):
        x = left + (day - first).days * slot + slot / 2
        drawing.add(
            Line(
                x,
                bottom,
                x,
                top + 2 + 8 * (n % 2),
                strokeColor=colors.red,
                strokeWidth=0.8,
                strokeDashArray=[3, 2],
            )
        )
        text = f"{labels(ja, en)} {day:%m-%d}"
        near_end = x + 2 + stringWidth(text, font, 6) > drawing.width
        label = String(
            x - 2 if near_end else x + 2,
            top + 3 + 8 * (n % 2),
            text,
            fontName=font,
            fontSize=6,
            fillColor=colors.red,
            textAnchor="end" if near_end else "start",
        )
        drawing.add(label)


def _legend(drawing: Drawing, labels: Labels, font: str, left: float, y: float) -> None:
    entries = [(labels(g[0], g[1]), g[2]) for g in GROUPS]
    entries += [
        (labels(OTHER[0], OTHER[1]), OTHER[2]),
        (labels("時間外(20–8時)", "off-hours (20–8h)"), "#303030"),
        (labels("土日祝", "weekend/holiday"), "#f6dada"),
    ]
    x, limit = left, drawing.width - 4
    for text, colour in entries:
        step = 12 + stringWidth(text, font, 6)
        if x + step > limit:
            x, y = left, y - 9
        drawing.add(Rect(x, y, 6, 6, fillColor=colors.HexColor(colour), strokeColor=None))
        drawing.add(String(x + 8, y + 0.5, text, fontName=font, fontSize=6))
        x += step

"""Charts drawn by the product as inline SVG: no script, no image from outside, readable without colour
(every chart carries a text title and the page shows the same figures in a table)."""

import datetime
from dataclasses import dataclass

from django.utils import dateformat
from django.utils.html import escape, format_html
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext

HOME_COLOUR = "#1f5fbf"
RIVAL_COLOURS = ("#b45309", "#7c3aed", "#0f766e", "#be185d", "#4d7c0f", "#9f1239", "#475569", "#a16207")
UNKNOWN_COLOUR = "#e4e8ee"


@dataclass(frozen=True)
class Segment:
    """One vendor's share of one workload."""

    label: str
    share: float  # percent, 0..100
    confidence: int  # 0..100: how strong the evidence is
    is_home: bool


@dataclass(frozen=True)
class Bar:
    label: str
    segments: tuple[Segment, ...]


def _svg_open(title: str, width: int, height: int) -> str:
    """The opening tag of an accessible inline chart: named by its title for screen readers."""
    return format_html(
        '<svg class="chart" role="img" aria-label="{}" viewBox="0 0 {} {}" width="{}" height="{}" '
        'xmlns="http://www.w3.org/2000/svg"><title>{}</title>',
        title,
        width,
        height,
        width,
        height,
        title,
    )


def vendor_colours(names: list[str], home: str | None) -> dict[str, str]:
    """A stable colour per vendor: ours is always blue, rivals take the palette in order."""
    colours: dict[str, str] = {}
    rivals = iter(RIVAL_COLOURS * (1 + len(names) // len(RIVAL_COLOURS)))
    for name in names:
        colours[name] = HOME_COLOUR if name == home else next(rivals)
    return colours


def evidence_opacity(confidence: int) -> float:
    """Strong evidence is drawn solid, weak evidence faint, so a guess never looks like a fact."""
    return round(0.35 + 0.65 * max(0, min(confidence, 100)) / 100, 2)


def allocation_bars(bars: list[Bar], *, colours: dict[str, str], title: str) -> SafeString:
    """Horizontal 0..100% bars, one per workload, split by vendor; opacity shows evidence strength."""
    label_width, bar_width, row_height, gap = 150, 420, 26, 12
    width = label_width + bar_width + 100
    height = max(1, len(bars)) * (row_height + gap) + 24
    parts = [_svg_open(title, width, height)]
    for index, bar in enumerate(bars):
        y = 8 + index * (row_height + gap)
        parts.append(
            format_html(
                '<text x="0" y="{}" font-size="13" fill="#1d2430">{}</text>', y + row_height * 0.68, bar.label[:22]
            )
        )
        parts.append(
            format_html(
                '<rect x="{}" y="{}" width="{}" height="{}" fill="{}" rx="3"/>',
                label_width,
                y,
                bar_width,
                row_height,
                UNKNOWN_COLOUR,
            )
        )
        x = float(label_width)
        for segment in bar.segments:
            segment_width = bar_width * max(0.0, min(segment.share, 100.0)) / 100
            parts.append(
                format_html(
                    '<rect x="{}" y="{}" width="{}" height="{}" fill="{}" fill-opacity="{}"'
                    ' stroke="#ffffff" stroke-width="1"><title>{}</title></rect>',
                    round(x, 1),
                    y,
                    round(segment_width, 1),
                    row_height,
                    colours.get(segment.label, "#475569"),
                    evidence_opacity(segment.confidence),
                    gettext("%(vendor)s: %(share)s%% (evidence %(confidence)s/100)")
                    % {"vendor": segment.label, "share": _percent(segment.share), "confidence": segment.confidence},
                )
            )
            if segment_width >= 38:
                parts.append(
                    format_html(
                        '<text x="{}" y="{}" font-size="12" fill="#ffffff" font-weight="600">{}%</text>',
                        round(x + 5, 1),
                        y + row_height * 0.68,
                        _percent(segment.share),
                    )
                )
            x += segment_width
        known = sum(segment.share for segment in bar.segments)
        parts.append(
            format_html(
                '<text x="{}" y="{}" font-size="12" fill="#4a5566">{}</text>',
                label_width + bar_width + 6,
                y + row_height * 0.68,
                gettext("%(share)s%% known") % {"share": _percent(known)},
            )
        )
    parts.append(mark_safe("</svg>"))
    return mark_safe("".join(parts))


def score_history(points: list[tuple[datetime.datetime, int]], *, title: str) -> SafeString:
    """A small line chart of a score over time on a fixed 0..100 scale, with grade bands' gridlines."""
    width, height, pad_left, pad_bottom, pad_top = 320, 120, 28, 18, 8
    plot_width, plot_height = width - pad_left - 8, height - pad_bottom - pad_top
    parts = [_svg_open(title, width, height)]
    for value in (0, 50, 100):
        y = pad_top + plot_height * (1 - value / 100)
        parts.append(
            format_html(
                '<line x1="{}" x2="{}" y1="{}" y2="{}" stroke="#d8dde5"/>'
                '<text x="0" y="{}" font-size="10" fill="#4a5566">{}</text>',
                pad_left,
                width - 8,
                y,
                y,
                y + 3,
                value,
            )
        )
    if points:
        start, end = points[0][0], points[-1][0]
        span = max((end - start).total_seconds(), 1.0)
        coordinates = []
        for moment, value in points:
            x = pad_left + (plot_width * (moment - start).total_seconds() / span if len(points) > 1 else plot_width)
            y = pad_top + plot_height * (1 - max(0, min(value, 100)) / 100)
            coordinates.append((round(x, 1), round(y, 1)))
        parts.append(
            format_html(
                '<polyline fill="none" stroke="{}" stroke-width="2" points="{}"/>',
                HOME_COLOUR,
                " ".join(f"{x},{y}" for x, y in coordinates),
            )
        )
        for (x, y), (moment, value) in zip(coordinates, points, strict=True):
            parts.append(
                format_html(
                    '<circle cx="{}" cy="{}" r="3" fill="{}"><title>{}: {}</title></circle>',
                    x,
                    y,
                    HOME_COLOUR,
                    moment.strftime("%Y-%m-%d %H:%M"),
                    value,
                )
            )
        parts.append(
            format_html(
                '<text x="{}" y="{}" font-size="10" fill="#4a5566">{}</text>'
                '<text x="{}" y="{}" font-size="10" fill="#4a5566" text-anchor="end">{}</text>',
                pad_left,
                height - 4,
                dateformat.format(start, gettext("d M")),
                width - 8,
                height - 4,
                dateformat.format(end, gettext("d M")),
            )
        )
    parts.append(mark_safe("</svg>"))
    return mark_safe("".join(parts))


def _percent(value: float) -> str:
    return escape(f"{value:.0f}" if float(value).is_integer() else f"{value:.1f}")

"""Server-rendered SVG bar charts for the provider's dashboard (strict CSP: no JavaScript, no CDN)."""

from __future__ import annotations

from collections.abc import Sequence

from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString

BAR_HEIGHT = 22
GAP = 6
LABEL_WIDTH = 250
LABEL_CHARS = 34  # what fits in LABEL_WIDTH at 13 px; the bar's tooltip keeps the full label
BAR_AREA = 260
VALUE_WIDTH = 60


def bar_chart(rows: Sequence[tuple[str, float]], *, title: str) -> SafeString:
    """A horizontal bar chart, one bar a row; the SVG carries a title and each bar its value."""
    top = max((value for _label, value in rows), default=0) or 1
    height = len(rows) * (BAR_HEIGHT + GAP) + GAP
    width = LABEL_WIDTH + BAR_AREA + VALUE_WIDTH
    bars = format_html_join(
        "",
        '<g><text x="{}" y="{}" text-anchor="end" font-size="13">{}</text>'
        '<rect x="{}" y="{}" width="{}" height="{}" fill="#2f6f9f"><title>{}: {}</title></rect>'
        '<text x="{}" y="{}" font-size="13">{}</text></g>',
        (
            (
                LABEL_WIDTH - 8,
                GAP + i * (BAR_HEIGHT + GAP) + 16,
                _short(label),
                LABEL_WIDTH,
                GAP + i * (BAR_HEIGHT + GAP),
                round(BAR_AREA * value / top, 1),
                BAR_HEIGHT,
                label,
                _number(value),
                LABEL_WIDTH + round(BAR_AREA * value / top, 1) + 6,
                GAP + i * (BAR_HEIGHT + GAP) + 16,
                _number(value),
            )
            for i, (label, value) in enumerate(rows)
        ),
    )
    return format_html(
        '<svg class="chart" role="img" aria-label="{}" viewBox="0 0 {} {}" width="{}" height="{}"'
        ' xmlns="http://www.w3.org/2000/svg"><title>{}</title>{}</svg>',
        title, width, height, width, height, title, bars,
    )  # fmt: skip


def _number(value: float) -> str:
    return str(int(value)) if float(value).is_integer() else f"{value:.2f}"


def _short(label: str) -> str:
    return label if len(label) <= LABEL_CHARS else label[: LABEL_CHARS - 1] + "…"

"""One bar chart for every page: server-rendered SVG (strict CSP: no script, no style attribute).

Each row is drawn as its label on one line and the bar with its number below, in a narrow drawing
(360 units) shown at most at its natural size: the text stays about 14 px tall from a 390 px phone to
a desktop, and long labels are not cut into a fixed column. The numbers are also given as a table
for screen readers (components/chart.html); the SVG itself is hidden from them.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from django.template.loader import render_to_string
from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString
from django.utils.translation import gettext_lazy as _

WIDTH = 360
LABEL_LINE = 18  # the label's line above its bar
BAR = 16
GAP = 10
VALUE_ROOM = 56  # room right of the longest bar for its number
LABEL_CHARS = 48  # what fits in WIDTH at 14 px; the bar's tooltip and the table keep the full label
ITEM = _("Item")
NUMBER = _("Number")
NOTHING = _("Nothing to show.")
COLOUR = "#0b4f8a"  # the default primary colour: 7.9:1 on white


@dataclass(frozen=True)
class BarChart:
    title: str
    rows: list[tuple[str, str]]  # (label, number as written)
    svg: SafeString
    label_header: Any
    value_header: Any
    empty: Any

    def __html__(self) -> str:
        return render_to_string("components/chart.html", {"chart": self})

    def __str__(self) -> str:
        return self.__html__()


def number(value: float) -> str:
    return str(int(value)) if float(value).is_integer() else f"{value:.2f}"


def bar_chart(
    rows: Sequence[tuple[str, float]],
    *,
    title: str,
    label_header: Any = ITEM,
    value_header: Any = NUMBER,
    empty: Any = NOTHING,
) -> BarChart:
    """A horizontal bar chart, one bar a row, its number written at the end of the bar."""
    written = [(str(label), number(value)) for label, value in rows]
    top = max((value for _label, value in rows), default=0) or 1
    row_height = LABEL_LINE + BAR + GAP
    height = len(rows) * row_height + GAP
    room = WIDTH - VALUE_ROOM

    def bar_width(value: float) -> float:
        return max(1.0, round(room * value / top, 1)) if value else 0.0

    bars = format_html_join(
        "",
        '<g><text x="0" y="{}" font-size="14" fill="#1b1f24">{}</text>'
        '<rect x="0" y="{}" width="{}" height="{}" fill="{}" rx="2"><title>{}: {}</title></rect>'
        '<text x="{}" y="{}" font-size="14" font-weight="700" fill="#1b1f24">{}</text></g>',
        (
            (
                GAP + i * row_height + 13,
                _short(label),
                GAP + i * row_height + LABEL_LINE,
                bar_width(value),
                BAR,
                COLOUR,
                label,
                text,
                bar_width(value) + 6,
                GAP + i * row_height + LABEL_LINE + 13,
                text,
            )
            for i, ((label, value), (_label, text)) in enumerate(zip(rows, written, strict=True))
        ),
    )
    svg = format_html(
        '<svg class="chart" aria-hidden="true" focusable="false" viewBox="0 0 {} {}" width="{}"'
        ' height="{}" xmlns="http://www.w3.org/2000/svg">{}</svg>',
        WIDTH,
        height,
        WIDTH,
        height,
        bars,
    )
    return BarChart(
        title=title,
        rows=written,
        svg=svg,
        label_header=label_header,
        value_header=value_header,
        empty=empty,
    )


def _short(label: str) -> str:
    return label if len(label) <= LABEL_CHARS else label[: LABEL_CHARS - 1] + "…"

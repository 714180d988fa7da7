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


def label_lines(label: str, *, width: int = LABEL_CHARS, most: int = 2) -> list[str]:
    """`label` word-wrapped into at most `most` lines of `width` characters. Only what still does
    not fit is shortened, with "…" (the bar's tooltip and the table keep the whole label)."""
    lines: list[str] = []
    for word in label.split():
        if lines and len(lines[-1]) + 1 + len(word) <= width:
            lines[-1] = f"{lines[-1]} {word}"
        else:
            lines.append(word)
    if len(lines) > most:
        lines = [*lines[: most - 1], " ".join(lines[most - 1 :])]
    return [line if len(line) <= width else line[: width - 1].rstrip() + "…" for line in lines]


def bar_chart(
    rows: Sequence[tuple[str, float]],
    *,
    title: str,
    label_header: Any = ITEM,
    value_header: Any = NUMBER,
    empty: Any = NOTHING,
) -> BarChart:
    """A horizontal bar chart, one bar a row: its label above it (wrapped onto a second line when
    long), its number written at the end of the bar."""
    written = [(str(label), number(value)) for label, value in rows]
    top = max((value for _label, value in rows), default=0) or 1
    room = WIDTH - VALUE_ROOM

    def bar_width(value: float) -> float:
        return max(1.0, round(room * value / top, 1)) if value else 0.0

    drawn, y = [], GAP
    for (label, value), (_label, text) in zip(rows, written, strict=True):
        lines = label_lines(label)
        spans = format_html_join(
            "",
            '<tspan x="0" y="{}">{}</tspan>',
            ((y + n * LABEL_LINE + 13, line) for n, line in enumerate(lines)),
        )
        bar_y = y + len(lines) * LABEL_LINE
        drawn.append(
            format_html(
                '<g><text font-size="14" fill="#1b1f24">{}</text>'
                '<rect x="0" y="{}" width="{}" height="{}" fill="{}" rx="2"><title>{}: {}</title>'
                "</rect>"
                '<text x="{}" y="{}" font-size="14" font-weight="700" fill="#1b1f24">{}</text></g>',
                spans,
                bar_y,
                bar_width(value),
                BAR,
                COLOUR,
                label,
                text,
                bar_width(value) + 6,
                bar_y + 13,
                text,
            )
        )
        y = bar_y + BAR + GAP
    svg = format_html(
        '<svg class="chart" aria-hidden="true" focusable="false" viewBox="0 0 {} {}" width="{}"'
        ' height="{}" xmlns="http://www.w3.org/2000/svg">{}</svg>',
        WIDTH,
        y,
        WIDTH,
        y,
        format_html_join("", "{}", ((g,) for g in drawn)),
    )
    return BarChart(
        title=title,
        rows=written,
        svg=svg,
        label_header=label_header,
        value_header=value_header,
        empty=empty,
    )

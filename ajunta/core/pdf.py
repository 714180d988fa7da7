"""The one PDF helper of Ajunta: A4 documents with any Latin text, built from a few blocks.

    doc = PdfBuilder(title=_("Registry receipt"), footer_text="CSV ABCDE-…")
    doc.heading(org.name)
    doc.key_values([(_("Number"), entry.number), ...])
    doc.table([_("Name"), _("Size")], rows, widths=[120, 60])
    pdf_bytes = doc.to_bytes()

fpdf2's built-in fonts only know Latin-1, so the text is set in DejaVu Sans (vendored in
core/fonts/ with its licence). Parsing a 750 KB TrueType file costs about 200 ms, far too much for
a receipt issued inside every filing, so each process prepares the two faces once: cut down to the
Latin, punctuation and currency blocks (about 1,000 glyphs) and parsed. Every document then gets a
fresh copy of that face, which fpdf2 subsets again to the glyphs the document uses. Characters
outside those blocks are written without their accents when that helps, else as "?".
"""

from __future__ import annotations

import copy
import functools
import io
import logging
import threading
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from fontTools import subset as font_subset
from fontTools import ttLib
from fpdf import FPDF
from fpdf.fonts import SubsetMap, TTFFont

logger = logging.getLogger(__name__)

FONT_DIR = Path(__file__).resolve().parent / "fonts"
FAMILY = "dejavu"
FONT_FILES = {"": "DejaVuSans.ttf", "B": "DejaVuSans-Bold.ttf"}
# What the faces keep: every Latin block, punctuation, currency and a few symbols (№, ™, arrows,
# minus). Each glyph more costs every document a little: see the module docstring.
UNICODE_BLOCKS = (
    (0x0020, 0x007E), (0x00A0, 0x024F), (0x02C6, 0x02DD), (0x1E00, 0x1EFF), (0x2000, 0x206F),
    (0x20A0, 0x20CF), (0x2116, 0x2116), (0x2122, 0x2122), (0x2190, 0x2193), (0x2212, 0x2212),
)  # fmt: skip

INK = (33, 37, 41)
MUTED = (96, 103, 112)
RULE = (206, 212, 218)
SOFT = (238, 241, 244)
CELL_PAD_X = 1.2  # mm between a table cell's border and its text


# --- fonts ---------------------------------------------------------------------------------------
@dataclass(frozen=True)
class _PreparedFace:
    data: bytes  # the cut-down TrueType file
    template: TTFFont  # parsed once: metrics, character map, widths
    glyph_order: tuple[str, ...]
    characters: frozenset[int]


_prepare_lock = threading.Lock()


@functools.cache
def _prepared_face(style: str) -> _PreparedFace:
    with _prepare_lock:
        font = ttLib.TTFont(FONT_DIR / FONT_FILES[style], recalcTimestamp=False)
        options = font_subset.Options()
        options.notdef_outline = True
        options.recommended_glyphs = True
        options.glyph_names = False
        options.layout_features = []
        # No hinting (modern viewers ignore it) and no layout tables (fpdf2 shapes no text here):
        # fewer and smaller tables for fpdf2 to cut down in every document.
        options.hinting = False
        options.drop_tables += ["FFTM", "GDEF", "GPOS", "GSUB", "MATH", "hdmx", "kern", "gasp"]
        subsetter = font_subset.Subsetter(options)
        subsetter.populate(
            unicodes=[c for low, high in UNICODE_BLOCKS for c in range(low, high + 1)]
        )
        subsetter.subset(font)
        font["post"].formatType = 3.0  # no glyph names to parse in every document
        cmap = font["cmap"]
        cmap.tables = [t for t in cmap.tables if (t.platformID, t.platEncID) == (3, 1)]
        buffer = io.BytesIO()
        font.save(buffer)
        data = buffer.getvalue()
        template = TTFFont(FPDF(), io.BytesIO(data), FAMILY + style, style)  # type: ignore[arg-type]
        return _PreparedFace(
            data=data,
            template=template,
            glyph_order=tuple(template.ttfont.getGlyphOrder()),
            characters=frozenset(template.cmap),
        )


def warm_up() -> None:
    """Prepare both faces now (about half a second) rather than in the first document: call it
    once a worker process has started, e.g. from a gunicorn post_fork hook."""
    for style in FONT_FILES:
        _prepared_face(style)


def _attach_face(pdf: FPDF, style: str) -> None:
    """Give `pdf` its own copy of the prepared face (fpdf2 cuts each document's copy down)."""
    key = FAMILY + style
    if key in pdf.fonts:
        return
    prepared = _prepared_face(style)
    try:
        font = copy.copy(prepared.template)
        font.i = len(pdf.fonts) + 1
        font.cw = copy.copy(prepared.template.cw)
        font.glyph_ids = dict(prepared.template.glyph_ids)
        font.ttfont = ttLib.TTFont(
            io.BytesIO(prepared.data), recalcTimestamp=False, recalcBBoxes=False, lazy=True
        )
        font.ttfont.setGlyphOrder(list(prepared.glyph_order))
        font.missing_glyphs = []
        font.biggest_size_pt = 0
        font.subset = SubsetMap(font)
    except (AttributeError, TypeError):  # fpdf2's internals changed: take the slow, sure way
        logger.warning("PDF fonts: falling back to fpdf2's add_font (slower)", exc_info=True)
        pdf.add_font(FAMILY, style, str(FONT_DIR / FONT_FILES[style]))
        return
    pdf.fonts[key] = font


def printable(text: Any) -> str:
    """`text` as the PDF fonts can show it: composed, accents dropped only where no glyph has them,
    control characters (but line breaks) removed, anything else unknown shown as "?"."""
    known = _prepared_face("").characters
    text = unicodedata.normalize("NFC", str(text if text is not None else ""))
    out = []
    for ch in text:
        code = ord(ch)
        if code in known or ch == "\n":
            out.append(ch)
        elif unicodedata.category(ch)[0] == "C" or ch in "\u2028\u2029":
            out.append(" " if ch in "\t\r\u2028\u2029" else "")
        else:
            base = "".join(
                c
                for c in unicodedata.normalize("NFKD", ch)
                if ord(c) in known and not unicodedata.combining(c)
            )
            out.append(base or "?")
    return "".join(out)


# --- documents -----------------------------------------------------------------------------------
class _Fpdf(FPDF):
    footer_text = ""

    def set_font(self, family: str | None = None, style: Any = "", size: float = 0) -> None:
        name = (family or self.font_family or "").lower()
        style_text = getattr(style, "style", style) or ""
        if name == FAMILY:
            # Only regular and bold are vendored: italic falls back to regular; underline stays.
            bold = "B" if "B" in style_text.upper() else ""
            _attach_face(self, bold)
            style = bold + ("U" if "U" in style_text.upper() else "")
        super().set_font(family, style, size)

    def footer(self) -> None:
        self.set_y(-12)
        self.set_font(FAMILY, "", 7)
        self.set_text_color(*MUTED)
        page = _("Page %(page)s of %(pages)s") % {"page": self.page_no(), "pages": "{nb}"}
        if self.footer_text:
            self.cell(self.epw * 0.8, 5, printable(self.footer_text), align="L")
            self.cell(0, 5, page, align="R")
        else:
            self.cell(0, 5, page, align="C")
        self.set_text_color(*INK)


class PdfBuilder:
    """An A4 document (portrait or landscape) written block after block, top to bottom.

    Every text is passed through `printable()`; nothing needs escaping. Widths are millimetres.
    """

    def __init__(
        self,
        *,
        title: str,
        author: str = "",
        subject: str = "",
        landscape: bool = False,
        footer_text: str = "",
    ) -> None:
        pdf = _Fpdf(orientation="L" if landscape else "P", unit="mm", format="A4")
        pdf.footer_text = footer_text
        pdf.set_margins(15, 15, 15)
        pdf.set_auto_page_break(True, margin=18)
        pdf.set_title(printable(title))
        if author:
            pdf.set_author(printable(author))
        if subject:
            pdf.set_subject(printable(subject))
        pdf.set_creator("Ajunta")
        pdf.set_lang(get_language() or "ca")
        pdf.set_creation_date(timezone.now())
        pdf.add_page()
        pdf.set_font(FAMILY, "", 10)
        pdf.set_text_color(*INK)
        pdf.set_draw_color(*RULE)
        self.pdf = pdf

    @property
    def width(self) -> float:
        """The width between the margins, in millimetres."""
        return float(self.pdf.epw)

    def heading(self, text: str, *, level: int = 1) -> None:
        size = {1: 15, 2: 11.5}.get(level, 10)
        if self.pdf.y + 25 > self.pdf.page_break_trigger:  # never alone at the foot of a page
            self.pdf.add_page()
        elif level > 1:
            self.spacer(2.5)
        self._lines(text, size=size, bold=True, line_height=size * 0.5)
        if level > 1:
            self.pdf.set_draw_color(*RULE)
            y = self.pdf.y + 0.8
            self.pdf.line(self.pdf.l_margin, y, self.pdf.w - self.pdf.r_margin, y)
        self.spacer(2)

    def paragraph(
        self, text: str, *, size: float = 9.5, bold: bool = False, muted: bool = False
    ) -> None:
        self._lines(text, size=size, bold=bold, muted=muted, line_height=size * 0.48)
        self.spacer(1.5)

    def _lines(
        self, text: str, *, size: float, bold: bool, line_height: float, muted: bool = False
    ) -> None:
        # Wrapped here rather than by multi_cell(), whose line breaker is quadratic in the length
        # of the text: a receipt's few paragraphs cost more than the rest of it.
        pdf = self.pdf
        pdf.set_font(FAMILY, "B" if bold else "", size)
        if muted:
            pdf.set_text_color(*MUTED)
        for line in self._wrap(printable(text), pdf.epw):
            pdf.cell(0, line_height, line, new_x="LMARGIN", new_y="NEXT")
        pdf.set_text_color(*INK)
        pdf.set_font(FAMILY, "", 10)

    def spacer(self, height: float = 3) -> None:
        self.pdf.ln(height)

    def key_values(
        self, rows: Iterable[tuple[str, str]], *, label_width: float = 50, size: float = 9.5
    ) -> None:
        """Label and value pairs, the labels in a narrow muted column on the left."""
        self._grid(
            None,
            ([label, value] for label, value in rows),
            widths=(label_width, self.width - label_width),
            size=size,
            muted_first_column=True,
        )

    def table(
        self,
        header: Sequence[str],
        rows: Iterable[Sequence[Any]],
        *,
        widths: Sequence[float] | None = None,
        size: float = 8.5,
        align: Sequence[str] | None = None,
        fit: Sequence[int] = (),
    ) -> None:
        """A table whose header row is repeated at the top of every page it runs onto.

        `widths` are proportions (scaled to the page width); `align` holds "L", "R" or "C" per
        column. A cell may hold several lines ("\\n"); long words are cut where they must be.
        The columns in `fit` (their indexes) are as wide as their widest cell, header included,
        so that what they hold never wraps (ticket numbers, dates, short labels; at most a third
        of the page each); the other columns share the rest by their `widths`.
        """
        columns = len(header)
        shares = list(widths) if widths else [1.0] * columns
        if fit:
            rows = [list(row) for row in rows]
            fitted = {
                index: min(
                    self.width / 3,
                    max(
                        self._text_width(str(header[index]), size, bold=True),
                        *(self._text_width(printable(row[index]), size) for row in rows),
                    )
                    + 2 * CELL_PAD_X
                    + 0.5,
                )
                for index in fit
            }
            rest = self.width - sum(fitted.values())
            flexible = sum(share for index, share in enumerate(shares) if index not in fitted)
            sized = [
                fitted[index] if index in fitted else rest * share / (flexible or 1)
                for index, share in enumerate(shares)
            ]
        else:
            sized = [self.width * share / sum(shares) for share in shares]
        self._grid(
            list(header), rows, widths=sized, size=size, align=list(align) if align else None
        )

    def _text_width(self, text: str, size: float, *, bold: bool = False) -> float:
        """How wide `text`'s longest line is, in mm, at `size` points."""
        self.pdf.set_font(FAMILY, "B" if bold else "", size)
        return max(self.pdf.get_string_width(line) for line in text.split("\n"))

    # A hand-made grid rather than fpdf2's table(): that one lays every cell out twice with a
    # line breaker that is quadratic in the cell's length, ten times slower on a registry book.
    def _grid(
        self,
        header: list[str] | None,
        rows: Iterable[Sequence[Any]],
        *,
        widths: Sequence[float],
        size: float,
        align: list[str] | None = None,
        muted_first_column: bool = False,
    ) -> None:
        pdf = self.pdf
        pad_x, pad_y = CELL_PAD_X, 1.0
        line_height = size * 0.45
        alignment = align or ["L"] * len(widths)
        left = pdf.l_margin

        def layout(values: Sequence[Any], bold: bool) -> list[list[str]]:
            pdf.set_font(FAMILY, "B" if bold else "", size)
            return [
                self._wrap(printable(value), width - 2 * pad_x)
                for value, width in zip(values, widths, strict=False)
            ]

        def draw(cells: list[list[str]], start: int, count: int, *, bold: bool) -> None:
            top = pdf.y
            height = count * line_height + 2 * pad_y
            if bold:
                pdf.set_fill_color(*SOFT)
                pdf.rect(left, pdf.y, sum(widths), height, style="F")
            pdf.set_font(FAMILY, "B" if bold else "", size)
            x = left
            for column, (lines, width) in enumerate(zip(cells, widths, strict=False)):
                muted = muted_first_column and column == 0
                if muted:
                    pdf.set_text_color(*MUTED)
                for index, line in enumerate(lines[start : start + count]):
                    pdf.set_xy(x + pad_x, top + pad_y + index * line_height)
                    pdf.cell(width - 2 * pad_x, line_height, line, align=alignment[column])
                if muted:
                    pdf.set_text_color(*INK)
                x += width
            pdf.set_xy(left, top + height)
            pdf.set_draw_color(*RULE)
            pdf.line(left, pdf.y, left + sum(widths), pdf.y)

        def room() -> int:
            return int((pdf.page_break_trigger - pdf.y - 2 * pad_y) // line_height)

        header_cells = layout(header, True) if header else None
        header_lines = max((len(c) for c in header_cells), default=0) if header_cells else 0

        def draw_header() -> None:
            if header_cells:
                draw(header_cells, 0, header_lines, bold=True)

        if header_cells and room() < header_lines + 2:
            pdf.add_page()
        draw_header()
        for values in rows:
            cells = layout(values, False)
            total = max((len(c) for c in cells), default=1) or 1
            start = 0
            while start < total:
                fits = room()
                if fits < min(total - start, 3):  # keep short rows whole, long ones split
                    pdf.add_page()
                    draw_header()
                    continue
                count = min(fits, total - start)
                draw(cells, start, count, bold=False)
                start += count
        pdf.set_font(FAMILY, "", 10)
        self.spacer(2)

    def _wrap(self, text: str, width: float) -> list[str]:
        """Greedy word wrap of `text` into lines at most `width` mm wide, in the current font."""
        pdf = self.pdf
        widths: dict[int, float] = pdf.current_font.cw  # type: ignore[union-attr,assignment]
        scale = pdf.font_size_pt / 1000 / pdf.k

        def measure(word: str) -> float:
            return sum(widths[ord(ch)] for ch in word) * scale

        space = measure(" ")
        lines: list[str] = []
        for paragraph in text.split("\n"):
            line, line_width = "", 0.0
            for word in paragraph.split(" "):
                word_width = measure(word)
                if line and line_width + space + word_width <= width:
                    line, line_width = f"{line} {word}", line_width + space + word_width
                    continue
                if line:
                    lines.append(line)
                line, line_width = word, word_width
                while line_width > width and len(line) > 1:  # a word longer than the column
                    cut, taken = 1, widths[ord(line[0])] * scale
                    while cut < len(line) - 1 and taken + widths[ord(line[cut])] * scale <= width:
                        taken += widths[ord(line[cut])] * scale
                        cut += 1
                    lines.append(line[:cut])
                    line = line[cut:]
                    line_width = measure(line)
            lines.append(line)
        return lines or [""]

    def qr_code(self, data: str, *, size: float = 28, caption: str = "") -> None:
        """A QR code of `data` (an address to open on a phone), drawn as vector squares on the
        left, `caption` beside it. Medium error correction: it still reads from a creased print."""
        import qrcode
        from qrcode.constants import ERROR_CORRECT_M

        code = qrcode.QRCode(error_correction=ERROR_CORRECT_M, border=0)
        code.add_data(data)
        code.make(fit=True)
        matrix = code.get_matrix()
        pdf = self.pdf
        if pdf.y + size + 4 > pdf.page_break_trigger:
            pdf.add_page()
        x0, y0 = pdf.l_margin, pdf.y + 1
        module = size / len(matrix)
        pdf.set_fill_color(0, 0, 0)  # black on white: what every reader expects
        for row_index, row in enumerate(matrix):
            column = 0
            while column < len(row):  # one rectangle per run of dark modules in the row
                if not row[column]:
                    column += 1
                    continue
                start = column
                while column < len(row) and row[column]:
                    column += 1
                pdf.rect(x0 + start * module, y0 + row_index * module,
                         (column - start) * module, module, style="F")  # fmt: skip
        if caption:
            pdf.set_font(FAMILY, "", 8)
            pdf.set_text_color(*MUTED)
            pdf.set_xy(x0 + size + 4, y0)
            for line in self._wrap(printable(caption), pdf.epw - size - 4):
                pdf.cell(0, 4, line, new_x="LEFT", new_y="NEXT")
            pdf.set_text_color(*INK)
            pdf.set_font(FAMILY, "", 10)
        pdf.set_xy(pdf.l_margin, y0 + size + 2)

    def to_bytes(self) -> bytes:
        return bytes(self.pdf.output())

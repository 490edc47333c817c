"""The page, in numbers, from ``_quarto.yml``: margins, grid, sizes, fonts.

GB/T 9704: a text block of 156 x 225 mm holding 22 lines of 28 characters of
16 pt text. The line pitch is 225 mm / 22 and the character pitch 156 mm / 28,
a little under 16 pt, so the body needs a slightly negative tracking.
"""

from __future__ import annotations

import math
import re
from dataclasses import asdict, dataclass, field

from .config import PAPER_MM, nianbao_settings, quarto
from .errors import ConfigError
from .fonts import FontChoice, resolve_all

PT_PER_MM = 72 / 25.4


def length_mm(value: str | int | float, what: str) -> float:
    """``37mm``, ``3.7cm``, ``16pt`` or ``1in`` in millimetres."""
    m = re.fullmatch(r"\s*([0-9.]+)\s*(mm|cm|pt|in)\s*", str(value))
    if not m:
        raise ConfigError(f"_quarto.yml: {what} '{value}' must be a length such as 37mm or 16pt")
    number, unit = float(m.group(1)), m.group(2)
    return number * {"mm": 1, "cm": 10, "pt": 1 / PT_PER_MM, "in": 25.4}[unit]


def size_pt(value: str | int | float, what: str) -> float:
    """A font size from ``_quarto.yml`` in points."""
    return length_mm(value, what) * PT_PER_MM


@dataclass(frozen=True)
class Layout:
    """Everything the PDF and DOCX writers need to lay out a page."""

    paper: str
    page_w_mm: float
    page_h_mm: float
    margin_mm: dict[str, float]
    lines: int
    chars: int
    body_pt: float
    title_pt: float
    page_number_pt: float
    table_pt: float
    fonts: dict[str, str]
    cell_pt: float = 10.5
    # the family a DOCX names for each role: the first of the role's list, the font of an
    # office Windows machine (``fonts`` holds what this machine renders the PDF with)
    office_fonts: dict[str, str] = field(default_factory=dict)
    title_bold: bool = False  # the title font is the bold cut of a 宋体 (a 小标宋 substitute)

    @property
    def text_w_mm(self) -> float:
        return self.page_w_mm - self.margin_mm["left"] - self.margin_mm["right"]

    @property
    def text_h_mm(self) -> float:
        return self.page_h_mm - self.margin_mm["top"] - self.margin_mm["bottom"]

    @property
    def line_pitch_pt(self) -> float:
        """Baseline to baseline: text height / lines."""
        return round(self.text_h_mm * PT_PER_MM / self.lines, 3)

    @property
    def tracking_pt(self) -> float:
        """Extra space per character so that ``chars`` characters fill a line."""
        return round(self.text_w_mm * PT_PER_MM / self.chars - self.body_pt, 3)

    def as_dict(self) -> dict:
        return asdict(self)


def office_fonts() -> dict[str, str]:
    """The first family of each role's list in ``_quarto.yml``: what a DOCX asks for."""
    return {role: families[0] for role, families in nianbao_settings().get("fonts", {}).items() if families}


def page_layout(choices: dict[str, FontChoice] | None = None) -> Layout:
    """Read the layout from ``_quarto.yml`` and resolve the fonts of every role.

    Raises
    ------
    ConfigError
        On a malformed length or an unknown paper size.
    FontError
        When a role has no installed Chinese font.
    """
    typst_fmt = quarto()["format"].get("typst", {})
    settings = nianbao_settings()
    paper = str(typst_fmt.get("papersize", "a4")).lower()
    if paper not in PAPER_MM:
        raise ConfigError(f"_quarto.yml: papersize '{paper}' is not one of {', '.join(PAPER_MM)}")
    margin = typst_fmt.get("margin", {})
    margins = {k: length_mm(margin.get(k, "25mm"), f"margin.{k}") for k in ("top", "bottom", "left", "right")}
    sizes = settings.get("sizes", {})
    grid = settings.get("grid", {})
    choices = choices or resolve_all()
    w, h = PAPER_MM[paper]
    return Layout(
        paper=paper,
        page_w_mm=w,
        page_h_mm=h,
        margin_mm=margins,
        lines=int(grid.get("lines", 22)),
        chars=int(grid.get("chars", 28)),
        body_pt=size_pt(sizes.get("body", typst_fmt.get("fontsize", "16pt")), "sizes.body"),
        title_pt=size_pt(sizes.get("title", "22pt"), "sizes.title"),
        page_number_pt=size_pt(sizes.get("page-number", "14pt"), "sizes.page-number"),
        table_pt=size_pt(sizes.get("table", "12pt"), "sizes.table"),
        cell_pt=size_pt(sizes.get("cell", sizes.get("table", "12pt")), "sizes.cell"),
        fonts={role: c.family for role, c in choices.items()},
        office_fonts=office_fonts(),
        title_bold="bold" in choices["title"].style.lower(),
    )


def display_width(text: str) -> float:
    """Width of ``text`` in half-width units, as typst sets it.

    A hanzi, a full-width mark, ``%`` or ``—`` counts 2, any other character 1, and
    each change between Chinese and Latin or digits half a unit (the quarter-em space
    typst and Word put there).
    """
    import unicodedata

    wide = [unicodedata.east_asian_width(ch) in "WF" for ch in str(text)]
    width = sum(2 if w or ch in "%—" else 1 for ch, w in zip(str(text), wide))
    return width + 0.5 * sum(1 for a, b in zip(wide, wide[1:]) if a != b)


def cell_units_per_line() -> float:
    """How many half-width characters of table text (``sizes.cell``) fit across the text block."""
    typst_fmt = quarto()["format"].get("typst", {})
    sizes = nianbao_settings().get("sizes", {})
    paper = str(typst_fmt.get("papersize", "a4")).lower()
    margin = typst_fmt.get("margin", {})
    width_mm = PAPER_MM.get(paper, PAPER_MM["a4"])[0] - sum(
        length_mm(margin.get(k, "25mm"), f"margin.{k}") for k in ("left", "right"))
    return width_mm * PT_PER_MM / (size_pt(sizes.get("cell", sizes.get("table", "12pt")), "sizes.cell") / 2)


def column_widths(header: list[str], rows: list[list[str]], units: float, pad: float = 1.25,
                  total: int = 400) -> list[int]:
    """Widths of the columns of a table, from their content, in parts of ``total``.

    Every column but the first is as wide as its widest cell, heading included, and the
    first takes the rest of the line. When that does not fit, the headings go on two
    lines; when that does not fit either, the figures still do (every column as wide
    as its widest body cell) and the headings share what is left. ``units`` is the
    line in half-width characters, ``pad`` the two cell margins of a column (3 pt each:
    6 pt, a little over one unit at 5号).
    """
    def parts(width: float) -> int:
        return math.ceil(width * total / units)

    body = [max((display_width(r[i]) for r in rows), default=0) + pad for i in range(len(header))]
    head = [display_width(h) + pad for h in header]
    full = [max(b, h) for b, h in zip(body, head)]
    two_lines = [max(b, math.ceil((h - pad) / 4) * 2 + pad) for b, h in zip(body, head)]
    for need in (full, two_lines):
        rest = [parts(w) for w in need[1:]]
        if parts(need[0]) + sum(rest) <= total:
            return [total - sum(rest), *rest]
    rest = [parts(w) for w in body[1:]]
    spare = max(total - parts(body[0]) - sum(rest), 0)
    deficit = [max(parts(h) - r, 0) for h, r in zip(head[1:], rest)]
    rest = [r + spare * d // (sum(deficit) or 1) for r, d in zip(rest, deficit)]
    return [total - sum(rest), *rest]


def pipe_table(header: list[str], rows: list[list[str]], align: str = "") -> str:
    """A Pandoc pipe table whose relative column widths come from its content (:func:`column_widths`).

    Pandoc reads relative widths from the dashes of the separator line when it is
    longer than 72 characters; here the segments add up to 400. The
    DOCX and HTML get these widths; the typst template sizes the figure columns to
    their measured content where the table fits (``templates/official.typ``).

    Parameters
    ----------
    header : list of str
        The column titles (Markdown).
    rows : list of list of str
        The cells (Markdown), one list per row.
    align : str
        ``l`` or ``r`` per column; default the first left, the others right.

    Returns
    -------
    str
        The table, one line per row.
    """
    align = align or "l" + "r" * (len(header) - 1)
    plain = [[cell.replace("\\", "") for cell in row] for row in rows]
    # pandoc's width of a column: the length of its segment (dashes and colon) over all of them
    lengths = column_widths([h.replace("\\", "") for h in header], plain, cell_units_per_line())
    sep = "|" + "|".join((":" if a == "l" else "") + "-" * (n - 1) + (":" if a == "r" else "")
                         for a, n in zip(align, lengths)) + "|"
    lines = ["| " + " | ".join(header) + " |", sep]
    lines += ["| " + " | ".join(row) + " |" for row in rows]
    return "\n".join(lines)

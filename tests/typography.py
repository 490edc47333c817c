"""Typography of a rendered PDF, measured with pdfplumber (used by tests/test_typography.py and bench/).

Every figure is read from the glyphs the PDF places: where each character
starts (``x0``), where the next one on the same line starts (its advance), the
lines of a page (characters sharing a baseline), the ruled table cells and the
pictures. Nothing is taken from the typst source.
"""

from __future__ import annotations

import statistics
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

MM = 72 / 25.4
PUNCT = "，。、；：？！“”‘’（）《》"
CLOSING = "，。、；：？！）”’》"  # never at the start of a line (避头)
OPENING = "（“‘《"  # never at the end of a line (避尾)
TOLERANCE_PT = 0.25  # an advance "equal" to the pitch, within rounding of the PDF coordinates


def is_hanzi(ch: str) -> bool:
    return "\u4e00" <= ch <= "\u9fff"


@dataclass
class Line:
    page: int
    top: float
    size: float
    chars: list[dict]

    @property
    def text(self) -> str:
        return "".join(c["text"] for c in self.chars)

    def advances(self) -> list[tuple[str, float]]:
        """(character, distance to the start of the next character on the line)."""
        cs = self.chars
        return [(a["text"], b["x0"] - a["x0"]) for a, b in zip(cs, cs[1:])]

    def hanzi_pitch(self) -> float | None:
        """The median advance of a hanzi followed by a hanzi: the line's cell."""
        cs = self.chars
        adv = [b["x0"] - a["x0"] for a, b in zip(cs, cs[1:]) if is_hanzi(a["text"]) and is_hanzi(b["text"])]
        return statistics.median(adv) if adv else None


@dataclass
class PdfTypography:
    path: Path
    pages: int = 0
    right_edge_pt: float = 0.0
    lines: list[Line] = field(default_factory=list)
    # page number -> (text lines, pictures)
    page_fill: dict[int, tuple[int, int]] = field(default_factory=dict)
    # (page, cell text, lines in the cell, whether the cell is in the table's first row: its heading)
    cells: list[tuple[int, str, int, bool]] = field(default_factory=list)

    def body_lines(self, size: float = 16.0) -> list[Line]:
        return [ln for ln in self.lines if abs(ln.size - size) < 0.1]

    # ------------------------------------------------------------------ figures

    def hanzi_pitch(self) -> float:
        """The grid's pitch: the commonest advance of a hanzi followed by a hanzi in the body."""
        adv = Counter(round(b["x0"] - a["x0"], 2) for ln in self.body_lines() for a, b in zip(ln.chars, ln.chars[1:])
                      if is_hanzi(a["text"]) and is_hanzi(b["text"]))
        return adv.most_common(1)[0][0]

    def punctuation_on_the_pitch(self, per_line: bool = False) -> tuple[int, int]:
        """(punctuation advances equal to the hanzi pitch, punctuation advances) in the body.

        The pitch is the grid's (:meth:`hanzi_pitch`), or with ``per_line`` the hanzi
        pitch of each line (which differs on a line that justification stretched).
        A mark followed by another mark may share one cell with it: the pair's two
        advances then add up to one pitch, and both count as on the pitch.
        """
        good = total = 0
        grid = self.hanzi_pitch()
        for line in self.body_lines():
            pitch = line.hanzi_pitch() if per_line else grid
            if pitch is None:
                continue
            adv = line.advances()
            for i, (ch, a) in enumerate(adv):
                if ch not in PUNCT:
                    continue
                total += 1
                if abs(a - pitch) <= TOLERANCE_PT:
                    good += 1
                    continue
                pair = [adv[j][1] for j in (i - 1, i + 1) if 0 <= j < len(adv) and adv[j][0] in PUNCT]
                if any(abs(a + b - pitch) <= TOLERANCE_PT for b in pair):
                    good += 1
        return good, total

    def past_right_edge(self) -> list[tuple[int, str]]:
        """Body characters whose advance box ends past the right edge of the text block."""
        out = []
        for line in self.body_lines():
            for c in line.chars:
                if c["x1"] > self.right_edge_pt + TOLERANCE_PT:
                    out.append((line.page, line.text))
                    break
        return out

    def closing_at_line_start(self) -> list[tuple[int, str]]:
        """Lines of running text starting with a closing mark (避头), or ending with an opening one (避尾)."""
        return [(ln.page, ln.text) for ln in self.lines
                if ln.size >= 10 and (ln.text[0] in CLOSING or ln.text[-1] in OPENING)]

    def stray_pages(self, minimum: int = 4) -> list[int]:
        """Pages holding fewer than ``minimum`` lines of text and no picture."""
        return [p for p, (n, pics) in self.page_fill.items() if n < minimum and not pics]

    def wrapped_cells(self, headings: bool = False) -> list[tuple[int, str]]:
        """Table cells below the heading row (or with ``headings`` the heading cells) on more than one line."""
        return [(p, text) for p, text, n, head in self.cells if n > 1 and head == headings]

    def squeezed_lines(self) -> list[tuple[int, str]]:
        """Body lines holding more characters than the grid has cells (a sign of compressed marks)."""
        return [(ln.page, ln.text) for ln in self.body_lines()
                if sum(1 for ch in ln.text if is_hanzi(ch) or ch in PUNCT) > 28]


def measure(pdf_path: Path, right_margin_mm: float = 26.0, footer_mm: float = 35.0) -> PdfTypography:
    """Read the glyphs, lines, table cells and pictures of ``pdf_path``."""
    import pdfplumber

    out = PdfTypography(Path(pdf_path))
    with pdfplumber.open(pdf_path) as pdf:
        out.pages = len(pdf.pages)
        for number, page in enumerate(pdf.pages, start=1):
            out.right_edge_pt = page.width - right_margin_mm * MM
            body = [c for c in page.chars if c["top"] < page.height - footer_mm * MM and c["text"].strip()]
            lines = _lines(number, body)
            out.lines += lines
            out.page_fill[number] = (len({round(c["bottom"]) for c in body}), len(page.images))
            for table in page.find_tables():
                first = min(cell[1] for cell in table.cells)
                for cell in table.cells:
                    inside = [c for c in body if cell[0] <= (c["x0"] + c["x1"]) / 2 <= cell[2]
                              and cell[1] <= (c["top"] + c["bottom"]) / 2 <= cell[3]]
                    if inside:
                        rows = {round(c["bottom"]) for c in inside}
                        text = "".join(c["text"] for c in sorted(inside, key=lambda c: (c["top"], c["x0"])))
                        out.cells.append((number, text, len(rows), abs(cell[1] - first) < 1))
    return out


def _lines(page: int, chars: Iterable[dict]) -> list[Line]:
    """Characters grouped by baseline (and size), each line sorted left to right.

    Table cells on one row are separate lines when a gap wider than 2 em parts them.
    """
    rows: dict[tuple[int, float], list[dict]] = {}
    for c in chars:
        rows.setdefault((round(c["bottom"]), round(c["size"], 1)), []).append(c)
    out = []
    for (_bottom, size), cs in sorted(rows.items()):
        cs.sort(key=lambda c: c["x0"])
        run = [cs[0]]
        for a, b in zip(cs, cs[1:]):
            if b["x0"] - a["x1"] > 2 * size:
                out.append(Line(page, run[0]["top"], size, run))
                run = []
            run.append(b)
        out.append(Line(page, run[0]["top"], size, run))
    return out


def report(pdfs: Iterable[Path]) -> dict[str, float | int]:
    """The figures of the issue over several PDFs."""
    good = total = good_line = past = closing = stray = wrapped = headings = cells = squeezed = lines = 0
    for path in pdfs:
        m = measure(path)
        g, t = m.punctuation_on_the_pitch()
        good, total = good + g, total + t
        good_line += m.punctuation_on_the_pitch(per_line=True)[0]
        past += len(m.past_right_edge())
        closing += len(m.closing_at_line_start())
        stray += len(m.stray_pages())
        wrapped += len(m.wrapped_cells())
        headings += len(m.wrapped_cells(headings=True))
        cells += len(m.cells)
        squeezed += len(m.squeezed_lines())
        lines += len(m.body_lines())
    return {"punctuation_on_pitch": good, "punctuation": total,
            "share_on_pitch": round(100 * good / total, 1) if total else 100.0,
            "share_on_line_pitch": round(100 * good_line / total, 1) if total else 100.0,
            "body_lines": lines, "lines_over_28": squeezed, "lines_past_right_edge": past,
            "closing_at_line_start": closing, "stray_pages": stray, "wrapped_cells": wrapped,
            "wrapped_heading_cells": headings, "cells": cells}

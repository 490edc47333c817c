"""What a cell's format says: struck-through rows, cancelled fills, formulas without a value.

Offices mark a cancelled record in the workbook itself: a row struck through
(删除线), or filled with a colour that a legend cell of the same fill names
(“黄色底纹为已作废记录”). A formula cell written by a tool, never opened in
Excel or WPS, has no cached value: read as blank it would count as 否.

Values come from calamine (:mod:`helpers.read.sheets`); this module reads only
formats, and only when a file has any to read: ``styles.xml`` is looked at
first, so a workbook without a strike-through or a fill costs one small read.
``.xlsx`` formats are read with openpyxl, ``.xls`` with xlrd's
``formatting_info``.
"""

from __future__ import annotations

import re
import zipfile
from dataclasses import dataclass, field
from pathlib import Path
from xml.etree import ElementTree

_NS_MAIN = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}"
_NS_REL = "{http://schemas.openxmlformats.org/officeDocument/2006/relationships}"
_NS_PKG = "{http://schemas.openxmlformats.org/package/2006/relationships}"
_STRIKE = re.compile(rb"<(?:\w+:)?strike(?![^>]*val=\"(?:0|false)\")")
_CELL = re.compile(rb"<c\b([^>]*?)(?:/>|>(.*?)</c>)", re.S)
_REF = re.compile(rb'\br="([A-Z]+)(\d+)"')
_VALUE = re.compile(rb"<v>[^<]+</v>|<is>", re.S)


@dataclass
class SheetMarks:
    """The formats of one sheet that change what a row means.

    Attributes
    ----------
    struck : dict
        Row (as the spreadsheet numbers it) to the columns (0-based) whose
        filled cells are struck through.
    filled : dict
        Row to ``{column: colour}`` of cells with a solid fill.
    legend : dict
        Fill colour to the text of a cell of that fill that names cancelled
        records (作废, 撤销 …).
    uncached : list of (int, int)
        Formula cells without a cached value: (row, column).
    values : dict
        Row to the columns that hold a value (to tell a wholly struck row).
    """

    struck: dict[int, set[int]] = field(default_factory=dict)
    filled: dict[int, dict[int, str]] = field(default_factory=dict)
    legend: dict[str, str] = field(default_factory=dict)
    uncached: list[tuple[int, int]] = field(default_factory=list)
    values: dict[int, set[int]] = field(default_factory=dict)

    def cancelled_fill_rows(self) -> dict[int, str]:
        """Rows holding a cell of a fill that a legend names as cancelled, with the legend's text."""
        if not self.legend:
            return {}
        out = {}
        for row, cells in self.filled.items():
            for colour in cells.values():
                if colour in self.legend:
                    out[row] = self.legend[colour]
                    break
        return out


def _column_index(letters: bytes) -> int:
    n = 0
    for ch in letters.decode():
        n = n * 26 + ord(ch) - 64
    return n - 1


def _sheet_parts(zf: zipfile.ZipFile) -> dict[str, str]:
    """Sheet name to its part in the package (``xl/worksheets/sheet1.xml``)."""
    book = ElementTree.fromstring(zf.read("xl/workbook.xml"))
    rels = ElementTree.fromstring(zf.read("xl/_rels/workbook.xml.rels"))
    targets = {r.get("Id"): r.get("Target") for r in rels.iter(f"{_NS_PKG}Relationship")}
    out = {}
    for sheet in book.iter(f"{_NS_MAIN}sheet"):
        target = targets.get(sheet.get(f"{_NS_REL}id"), "")
        target = target.lstrip("/")
        out[sheet.get("name")] = target if target.startswith("xl/") else f"xl/{target}"
    return out


def _uncached_formulas(xml: bytes) -> list[tuple[int, int]]:
    if b"<f" not in xml:
        return []
    found = []
    for m in _CELL.finditer(xml):
        inner = m.group(2) or b""
        if b"<f" in inner and not _VALUE.search(inner):
            ref = _REF.search(m.group(1))
            if ref:
                found.append((int(ref.group(2)), _column_index(ref.group(1))))
    return found


def _colour(fill) -> str | None:
    if fill is None or getattr(fill, "fill_type", None) != "solid":
        return None
    colour = fill.fgColor
    if colour is None:
        return None
    value = getattr(colour, colour.type, None) if colour.type else None
    return f"{colour.type}:{value}"


def _xlsx_marks(path: Path, cancel: re.Pattern[str]) -> dict[str, SheetMarks]:
    with zipfile.ZipFile(path) as zf:
        names = set(zf.namelist())
        styles = zf.read("xl/styles.xml") if "xl/styles.xml" in names else b""
        parts = _sheet_parts(zf) if "xl/workbook.xml" in names else {}
        out = {name: SheetMarks(uncached=_uncached_formulas(zf.read(part)))
               for name, part in parts.items() if part in names}
    has_strike = bool(_STRIKE.search(styles))
    has_fill = styles.count(b"<patternFill") > 2 and b'patternType="solid"' in styles
    if not (has_strike or has_fill):
        return out
    from openpyxl import load_workbook

    wb = load_workbook(path, read_only=True, data_only=True)
    try:
        for ws in wb.worksheets:
            marks = out.setdefault(ws.title, SheetMarks())
            for row in ws.iter_rows():
                for cell in row:
                    if getattr(cell, "value", None) in (None, ""):
                        continue
                    r, c = cell.row, cell.column - 1
                    marks.values.setdefault(r, set()).add(c)
                    if has_strike and cell.font is not None and cell.font.strike:
                        marks.struck.setdefault(r, set()).add(c)
                    if has_fill:
                        colour = _colour(cell.fill)
                        if colour:
                            marks.filled.setdefault(r, {})[c] = colour
                            if isinstance(cell.value, str) and cancel.search(cell.value):
                                marks.legend.setdefault(colour, cell.value.strip())
    finally:
        wb.close()
    return out


def _xls_marks(path: Path, cancel: re.Pattern[str]) -> dict[str, SheetMarks]:
    import xlrd

    book = xlrd.open_workbook(str(path), formatting_info=True, on_demand=True, ragged_rows=True)
    try:
        struck_fonts = {i for i, f in enumerate(book.font_list) if f.struck_out}
        filled_xfs = {i: f"indexed:{xf.background.pattern_colour_index}" for i, xf in enumerate(book.xf_list)
                      if xf.background.fill_pattern == 1}
        struck_xfs = {i for i, xf in enumerate(book.xf_list) if xf.font_index in struck_fonts}
        out: dict[str, SheetMarks] = {}
        if not (struck_xfs or filled_xfs):
            return out
        for index in range(book.nsheets):
            sheet = book.get_sheet(index)
            marks = out.setdefault(sheet.name, SheetMarks())
            for r in range(sheet.nrows):
                for c in range(sheet.row_len(r)):
                    cell = sheet.cell(r, c)
                    if cell.ctype in (xlrd.XL_CELL_EMPTY, xlrd.XL_CELL_BLANK):
                        continue
                    xf = sheet.cell_xf_index(r, c)
                    marks.values.setdefault(r + 1, set()).add(c)
                    if xf in struck_xfs:
                        marks.struck.setdefault(r + 1, set()).add(c)
                    if xf in filled_xfs:
                        marks.filled.setdefault(r + 1, {})[c] = filled_xfs[xf]
                        if isinstance(cell.value, str) and cancel.search(cell.value):
                            marks.legend.setdefault(filled_xfs[xf], cell.value.strip())
            book.unload_sheet(index)
        return out
    finally:
        book.release_resources()


def workbook_marks(path: Path, cancel_words: list[str]) -> dict[str, SheetMarks]:
    """The marks of every sheet of a workbook, by sheet name (empty for CSV, or when unreadable).

    Parameters
    ----------
    path : Path
        An ``.xlsx``/``.xlsm`` or ``.xls`` file.
    cancel_words : list of str
        Words that name a record as cancelled (``reading.cancel_words``).
    """
    cancel = re.compile("|".join(re.escape(w) for w in cancel_words if w) or "(?!)")
    suffix = path.suffix.lower()
    try:
        if suffix in (".xlsx", ".xlsm"):
            return _xlsx_marks(path, cancel)
        if suffix == ".xls":
            return _xls_marks(path, cancel)
    except Exception:  # formats are a second look: the values reader names a broken file
        return {}
    return {}

"""Sheets whose used range is far larger than what they hold, read cell by cell.

A stray space at the last row and a far column (GR1048576), or a column
formatted to the end of the sheet, makes a sheet's used range a million rows
wide: a reader that builds the whole range as a grid (calamine does) takes
minutes and gigabytes. Such a sheet is read here from the cells that are
actually in the file — openpyxl's streaming parser for ``.xlsx``, xlrd with
ragged rows for ``.xls`` — so that time and memory follow the cells that hold
values, not the range.
"""

from __future__ import annotations

import io
import re
import zipfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

# A sheet whose used range holds more cells than this is read cell by cell.
DENSE_LIMIT = 4_000_000

_DIMENSION = re.compile(rb'<dimension ref="[A-Z]+\d+:([A-Z]+)(\d+)"')
_LAST_ROW = re.compile(rb'<row r="(\d+)"')
_SPANS = re.compile(rb'spans="\d+:(\d+)"')
_MERGE = re.compile(r"([A-Z]+)(\d+):([A-Z]+)(\d+)")


@dataclass
class SparseSheet:
    """The cells of one sheet that hold something: ``{row: {column: value}}`` (1-based rows, 0-based columns)."""

    cells: dict[int, dict[int, Any]]
    merges: list[tuple[tuple[int, int], tuple[int, int]]]  # ((row0, col0), (row1, col1)), 0-based, as calamine
    hidden: bool = False


def _letters(text: str) -> int:
    n = 0
    for ch in text:
        n = n * 26 + ord(ch) - 64
    return n


def xlsx_area(path: Path, part: str) -> int:
    """The number of cells in a sheet's used range, from its ``<dimension>`` (else its last row and widest span)."""
    with zipfile.ZipFile(path) as zf, zf.open(part) as fh:
        head = fh.read(4096)
        m = _DIMENSION.search(head)
        if m:
            return _letters(m.group(1).decode()) * int(m.group(2))
        data = head + fh.read()
    rows = [int(r) for r in _LAST_ROW.findall(data[-65536:])]
    spans = [int(s) for s in _SPANS.findall(data)] or [1]
    return (max(rows) if rows else 0) * max(spans)


def read_xlsx_sheet(path: Path, sheet: str) -> SparseSheet:
    """The cells of one ``.xlsx`` sheet that hold a value, with its merged ranges."""
    from openpyxl import load_workbook
    from openpyxl.worksheet._reader import WorkSheetParser

    wb = load_workbook(path, read_only=True, data_only=True)
    try:
        ws = wb[sheet]
        cells: dict[int, dict[int, Any]] = {}
        with ws._get_source() as src:
            parser = WorkSheetParser(src, ws._shared_strings, data_only=True, epoch=wb.epoch,
                                     date_formats=wb._date_formats, timedelta_formats=wb._timedelta_formats)
            for idx, row in parser.parse():
                held = {c["column"] - 1: c["value"] for c in row
                        if c["value"] is not None and not (isinstance(c["value"], str) and not c["value"].strip())}
                if held:
                    cells[idx] = held
            merges = []
            for merged in getattr(getattr(parser, "merged_cells", None), "mergeCell", []) or []:
                m = _MERGE.fullmatch(merged.ref)
                if m:
                    merges.append(((int(m.group(2)) - 1, _letters(m.group(1)) - 1),
                                   (int(m.group(4)) - 1, _letters(m.group(3)) - 1)))
        return SparseSheet(cells, merges)
    finally:
        wb.close()


def xls_areas(path: Path) -> dict[str, int]:
    """The number of cells in each sheet's used range of an ``.xls`` workbook, from its DIMENSIONS record.

    Only the records that open each sheet are read (the workbook's BOUNDSHEET
    records say where each sheet starts), so this costs milliseconds however
    many cells the workbook holds.
    """
    from xlrd.compdoc import CompDoc

    data = path.read_bytes()
    doc = CompDoc(data, logfile=io.StringIO())  # xlrd writes its warnings there
    for name in ("Workbook", "Book"):
        mem, base, size = doc.locate_named_stream(name)
        if mem is not None:
            break
    else:
        return {}
    end = base + size

    def records(pos: int, limit: int):
        for _ in range(limit):
            if pos + 4 > end:
                return
            kind, length = int.from_bytes(mem[pos:pos + 2], "little"), int.from_bytes(mem[pos + 2:pos + 4], "little")
            yield kind, mem[pos + 4:pos + 4 + length]
            pos += 4 + length

    sheets = []
    for kind, body in records(base, 100_000):
        if kind == 0x0085 and len(body) >= 8:  # BOUNDSHEET: where a sheet starts, and its name
            n, flags = body[6], body[7]
            name = body[8:8 + 2 * n].decode("utf-16-le") if flags & 1 else body[8:8 + n].decode("latin-1")
            sheets.append((name, int.from_bytes(body[0:4], "little")))
        elif kind == 0x000A:  # EOF of the workbook globals
            break
    out = {}
    for name, offset in sheets:
        for kind, body in records(base + offset, 200):
            if kind == 0x0200 and len(body) >= 12:  # DIMENSIONS (BIFF8): rows, then columns
                out[name] = int.from_bytes(body[4:8], "little") * int.from_bytes(body[10:12], "little")
                break
    return out


def xls_sheets(path: Path) -> dict[str, SparseSheet]:
    """Every sheet of an ``.xls`` workbook, read cell by cell (ragged rows: memory follows the cells)."""
    import xlrd

    book = xlrd.open_workbook(str(path), on_demand=True, ragged_rows=True, formatting_info=True)
    out = {}
    try:
        for index in range(book.nsheets):
            sheet = book.get_sheet(index)
            cells: dict[int, dict[int, Any]] = {}
            for r in range(sheet.nrows):
                held = {}
                for c in range(sheet.row_len(r)):
                    cell = sheet.cell(r, c)
                    if cell.ctype in (xlrd.XL_CELL_EMPTY, xlrd.XL_CELL_BLANK):
                        continue
                    value = cell.value
                    if cell.ctype == xlrd.XL_CELL_DATE:
                        value = xlrd.xldate.xldate_as_datetime(value, book.datemode)
                    if isinstance(value, str) and not value.strip():
                        continue
                    held[c] = value
                if held:
                    cells[r + 1] = held
            merges = [((r0, c0), (r1 - 1, c1 - 1)) for r0, r1, c0, c1 in sheet.merged_cells]
            out[sheet.name] = SparseSheet(cells, merges, sheet.visibility != 0)
            book.unload_sheet(index)
    finally:
        book.release_resources()
    return out

"""Read a ledger file as a careful person reads it: sheets, title rows, headers, totals.

Offices keep their ledgers (台账) in Excel or WPS by hand: a merged title row
above the header, a 填报单位 line, two-row headers with a merged group cell
(办理情况 over 答复日期 and 是否延期), one sheet per month, merged unit cells,
合计 rows and a 填表人 footer. This module turns one file into a list of
:class:`Block` objects, one per sheet whose header matches the table, each a
frame of text cells under the table's canonical column names, with the file,
sheet and spreadsheet row of every record. Everything it cannot read with
confidence stops with a message that says what it found.

It knows nothing of the checks made on values (:mod:`helpers.read.ledgers`).
"""

from __future__ import annotations

import csv
import difflib
import io
import re
import zipfile
from dataclasses import dataclass, field
from datetime import date, datetime, time
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from ..settings.errors import ColumnMissingError, TotalMismatchError, UnreadableFileError
from . import schema

# Invisible characters dropped everywhere; spaces of every kind made plain spaces.
_INVISIBLE = dict.fromkeys(map(ord, "\u200b\u200c\u200d\u2060\ufeff"), None)
_NORMALISE = str.maketrans(
    {**{chr(0xFF10 + i): str(i) for i in range(10)}, "\u3000": " ", "\u00a0": " ", "\u2002": " ", "\u2003": " ",
     **{k: None for k in _INVISIBLE}}
)
_NEEDS_NORMALISING = re.compile("[\uff10-\uff19\u3000\u00a0\u2002\u2003\u200b\u200c\u200d\u2060\ufeff]")
_PADDED = re.compile(r"\x1f\s|\s\x1f")  # a distinct value with white space at either end
# A total line may name its period first: 本月合计, 全年总计.
_TOTAL_PREFIXES = ("本月", "本季度", "本季", "本年度", "本年", "全年", "全部", "总")
_YEAR_IN_SHEET = re.compile(r"((?:19|20)\d{2})")
_YEAR_IN_TITLE = re.compile(r"((?:19|20)\d{2})\s*年(?:度|(?!\s*\d{1,2}\s*月))")


# Kinds of layout rows (not records), as the reading account names them.
LAYOUT_KINDS: dict[str, str] = {
    "title": "标题行",
    "header": "表头行",
    "total": "合计/小计行",
    "footer": "表尾、注释行",
    "page": "页码、续表行",
    "merged": "仅含合并单元格的行",
    "not_ledger": "非台账工作表的行",
}


@dataclass
class Block:
    """The records of one sheet: canonical columns as text, plus where each came from.

    Attributes
    ----------
    file, sheet : str
        File name and sheet name (``""`` for a CSV file).
    frame : DataFrame
        One row per record line; the table's columns found in the file (text),
        ``row``, the row number as the spreadsheet shows it, and ``_aside``, a
        reason the sheet itself gives to set the row aside (a cell struck
        through in a row that is not struck as a whole), else ``""``.
    year : int or None
        The year the sheet name (2024年3月) or its title (2024年度…) gives, for
        dates written without one.
    nonempty : int
        Rows of the sheet that show anything (a value, or a copy of a merged cell).
    layout : dict
        Layout rows by kind (:data:`LAYOUT_KINDS`).
    cancelled : list of (int, str)
        Rows the office marked as cancelled, with how it marked them.
    checks : list of str
        The office's own totals that agreed with the records above them.
    """

    file: str
    sheet: str
    frame: pd.DataFrame
    year: int | None = None
    month: int | None = None
    nonempty: int = 0
    layout: dict[str, int] = field(default_factory=dict)
    cancelled: list[tuple[int, str]] = field(default_factory=list)
    checks: list[str] = field(default_factory=list)

    @property
    def skipped_totals(self) -> int:
        """合计/小计 lines skipped (not records)."""
        return self.layout.get("total", 0)

    @property
    def skipped_footers(self) -> int:
        """填表人/审核人 and note lines skipped (not records)."""
        return self.layout.get("footer", 0)


@dataclass
class SheetNote:
    """A sheet that was not read, and why (named by ``nianbao validate``), with its non-empty rows."""

    file: str
    sheet: str
    reason: str
    rows: int = 0


@dataclass
class FileRead:
    """What one file gave: its blocks, and the sheets it skipped."""

    blocks: list[Block] = field(default_factory=list)
    skipped: list[SheetNote] = field(default_factory=list)


def where(file: str, sheet: str) -> str:
    """``casework.xlsx`` or ``casework.xlsx 工作表“3月”`` as messages name a place."""
    return f"{file} 工作表“{sheet}”" if sheet else file


# --------------------------------------------------------------------------- cells


def cell_text(value: Any) -> str:
    """One cell as text: Excel dates as ``2024-03-05``, whole numbers without ``.0``."""
    if value is None or (isinstance(value, float) and value != value):
        return ""
    if isinstance(value, str):
        return value
    if isinstance(value, bool):
        return "1" if value else "0"
    if isinstance(value, (datetime, pd.Timestamp)):
        return value.strftime("%Y-%m-%d")
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, time):
        return value.strftime("%H:%M")
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def normalise_text(values: pd.Series) -> pd.Series:
    """Trim cells; normalise full-width digits and spaces; drop zero-width characters.

    Each distinct value is normalised once, and a column none of whose values
    needs it is returned as it is, so a column of a million ids costs one join.
    """
    codes, uniques = _normalised_distinct(values)
    return pd.Series(uniques[codes] if len(uniques) else [], index=values.index, dtype=object)


def _normalised_distinct(values: pd.Series) -> tuple[np.ndarray, np.ndarray]:
    """Codes and normalised distinct values of a column of text cells."""
    codes, uniques = pd.factorize(values.fillna("").to_numpy(dtype=object), sort=False)
    uniques = np.asarray(uniques, dtype=object)
    if not len(uniques):
        return codes, uniques
    try:
        joined = "\x1f" + "\x1f".join(uniques) + "\x1f"
    except TypeError:  # not every cell is text
        joined = None
    if joined is not None and not _NEEDS_NORMALISING.search(joined) and not _PADDED.search(joined):
        return codes, uniques
    return codes, np.array([_normalise_one(v) for v in uniques], dtype=object)


def _normalise_one(value: Any) -> str:
    text = value if isinstance(value, str) else cell_text(value)
    if _NEEDS_NORMALISING.search(text):
        text = text.translate(_NORMALISE)
    return text.strip()


# --------------------------------------------------------------------------- files to grids


@dataclass
class _Grid:
    sheet: str
    hidden: bool
    rows: list[list[Any]]  # from the sheet's row 1, column A (or the rows of ``index``)
    own: list[bool]  # per row: holds a value of its own (not only copies of merged cells)
    index: list[int] | None = None  # the rows' numbers, when only the rows that hold something are kept


ENCODINGS_TRIED = "UTF-8、带 BOM 的 UTF-8、GBK/GB18030、带 BOM 的 UTF-16"


def _plausible(text: str) -> bool:
    """Whether decoded text reads as a table: printable Chinese and Latin text, tabs, commas and line breaks."""
    sample = text[:4000]
    good = sum(ch.isprintable() or ch in "\t\r\n" for ch in sample)
    return bool(sample) and good >= 0.95 * len(sample) and any(ch in sample for ch in "\t,\n")


def _utf8(raw: bytes, name: str) -> bytes:
    """The file's bytes as UTF-8: UTF-8 (with or without BOM) as is; UTF-16 with BOM; else GBK/GB18030."""
    if raw.startswith((b"\xff\xfe", b"\xfe\xff")):  # Excel's and WPS's "Unicode 文本"
        try:
            text = raw.decode("utf-16")
            if _plausible(text):
                return text.encode("utf-8")
        except UnicodeDecodeError:
            pass
    try:
        raw.decode("utf-8")
        return raw
    except UnicodeDecodeError:
        pass
    try:
        return raw.decode("gb18030").encode("utf-8")
    except UnicodeDecodeError:
        raise UnreadableFileError(
            f"{name}：无法按文本读取（已尝试的编码：{ENCODINGS_TRIED}）；请在 Excel/WPS 中打开后另存为 .xlsx"
        ) from None


def _csv_frame(path: Path, raw: bytes | None = None) -> pd.DataFrame:
    """A text export as a frame of text cells, numbered from row 1, however ragged its lines.

    Comma-separated (CSV) or tab-separated (Excel's "Unicode 文本"), told from the text.
    """
    data = _utf8(path.read_bytes() if raw is None else raw, path.name)
    head = data[:20000].decode("utf-8", errors="ignore")
    sep = "\t" if head.count("\t") > head.count(",") else ","
    kwargs = dict(header=None, dtype=object, keep_default_na=False, skip_blank_lines=False, encoding="utf-8-sig",
                  sep=sep)
    ragged = False  # lines of fewer fields than the widest leave gaps (keep_default_na: no other NaN)
    try:
        frame = pd.read_csv(io.BytesIO(data), **kwargs)
        # a short line leaves its last fields empty: the last column says whether any line is short
        ragged = bool(frame.iloc[:, -1].isna().any()) if frame.shape[1] else False
    except pd.errors.EmptyDataError:
        return pd.DataFrame()
    except pd.errors.ParserError:
        ragged = True
        # A title line with fewer fields than the header: size the frame by the widest line.
        text = io.StringIO(data.decode("utf-8-sig"))
        width = max((len(r) for r in csv.reader(text, delimiter=sep)), default=0)
        frame = pd.read_csv(io.BytesIO(data), names=range(width), **kwargs)
    del data
    frame.index = pd.RangeIndex(1, len(frame) + 1, name="row")
    frame.columns = range(frame.shape[1])
    return frame.fillna("") if ragged else frame


_OLE2 = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
_ENCRYPTED = "EncryptedPackage".encode("utf-16-le")


def sniff(path: Path) -> str:
    """What a file really is, whatever its name says: ``xlsx``, ``xls``, ``text``, or a Chinese sentence why not.

    A workbook with a password to open, a file cut short, a web page or a text
    export saved with an ``.xls`` name (as some systems export), a WPS lock file.
    """
    name = path.name
    if name.startswith("~$"):
        return f"{name}：这是 WPS/Excel 打开表格时留下的临时文件，不是台账：请关闭该表格（或删除这个文件）"
    with open(path, "rb") as fh:
        head = fh.read(1 << 16)
    if not head:
        return f"{name}：是空文件（0 字节）：文件可能没有保存或复制完整，请重新保存"
    if head.startswith(_OLE2):
        if _ENCRYPTED in head or path.suffix.lower() in (".xlsx", ".xlsm"):
            return f"{name}：有打开密码（已加密），无法读取：请在 Excel/WPS 中打开，另存为无密码的副本"
        return "xls"
    if head.startswith(b"PK\x03\x04"):
        return "xlsx"
    probe = head.lstrip(b"\xef\xbb\xbf\xff\xfe\x00 \t\r\n").lower()
    pages = (b"<html", b"<!doctype", b"<table", b"<?xml", b"<meta", b"<head", b"<body")
    if probe.startswith(pages) or b"<table" in head[:4096].lower():
        return (f"{name}：实际是网页（HTML）文件，只是扩展名为 {path.suffix}（一些系统导出的“Excel”即如此）："
                "请在 Excel/WPS 中打开，另存为 .xlsx")
    if head.startswith((b"\xff\xfe", b"\xfe\xff")):
        return "text"
    if b"\x00" not in head and (b"," in head or b"\t" in head or b"\n" in head):
        return "text"
    return f"{name}：不是能识别的表格文件（内容既不是 Excel 工作簿，也不是文本）：请在 Excel/WPS 中打开后另存为 .xlsx"


def _workbook_grids(path: Path, by_content: bool = False) -> list[_Grid]:
    from python_calamine import CalamineWorkbook

    large = _large_sheets(path) if not by_content else {}
    if large and path.suffix.lower() == ".xls":  # every sheet read cell by cell, calamine never opened
        return [_sparse_grid(name, sheet.hidden, sheet) for name, sheet in ((n, r()) for n, r in large.items())]
    if by_content:  # an .xlsx saved with an .xls name, or the other way round: read what it is
        with open(path, "rb") as fh:
            wb = CalamineWorkbook.from_filelike(io.BytesIO(fh.read()))
    else:
        wb = CalamineWorkbook.from_path(str(path))
    try:
        grids = []
        for meta in wb.sheets_metadata:
            if str(meta.typ).split(".")[-1].lower() not in ("worksheet", "sheettypeenum.worksheet"):
                continue
            hidden = str(meta.visible).split(".")[-1].lower() != "visible"
            if meta.name in large:  # a used range far larger than what it holds: cell by cell
                grids.append(_sparse_grid(meta.name, hidden, large[meta.name]()))
                continue
            sheet = wb.get_sheet_by_name(meta.name)
            rows = sheet.to_python(skip_empty_area=False)
            merges = sheet.merged_cell_ranges or []
            copied = _fill_merges(rows, merges)
            own = [any(_holds(v) and (r, c) not in copied for c, v in enumerate(row))
                   if r in copied_rows else any(_holds(v) for v in row)
                   for copied_rows in [{r for r, _ in copied}] for r, row in enumerate(rows)]
            grids.append(_Grid(meta.name, hidden, rows, own))
        return grids
    finally:
        wb.close()


def _holds(value: Any) -> bool:
    return value not in ("", None) and not (isinstance(value, str) and not value.strip())


def _large_sheets(path: Path) -> dict:
    """Sheets whose used range is over :data:`~helpers.read.sparse.DENSE_LIMIT` cells, each with its reader."""
    from . import sparse

    suffix = path.suffix.lower()
    try:
        if suffix in (".xlsx", ".xlsm"):
            from .marks import _sheet_parts

            with zipfile.ZipFile(path) as zf:
                parts = _sheet_parts(zf)
            return {name: (lambda name=name: sparse.read_xlsx_sheet(path, name))
                    for name, part in parts.items() if sparse.xlsx_area(path, part) > sparse.DENSE_LIMIT}
        if suffix == ".xls" and any(area > sparse.DENSE_LIMIT for area in sparse.xls_areas(path).values()):
            found = sparse.xls_sheets(path)  # every sheet: calamine would build each sheet's range on opening
            return {name: (lambda s=s: s) for name, s in found.items()}
    except Exception:  # the dense reader names a broken file
        return {}
    return {}


def _sparse_grid(name: str, hidden: bool, sheet) -> _Grid:
    """A grid of only the rows that hold something (and the rows merged cells cover), numbered as the sheet is."""
    numbers = set(sheet.cells)
    for (r0, c0), (r1, _c1) in sheet.merges:
        if r0 + 1 in sheet.cells and c0 in sheet.cells[r0 + 1]:
            numbers |= set(range(r0 + 1, r1 + 2))
    index = sorted(numbers)
    width = max([max(row) + 1 for row in sheet.cells.values()] + [c1 + 1 for _s, (_r, c1) in sheet.merges] + [0])
    rows = [[sheet.cells.get(r, {}).get(c, "") for c in range(width)] for r in index]
    own = [r in sheet.cells for r in index]
    position = {r: i for i, r in enumerate(index)}
    for (r0, c0), (r1, c1) in sheet.merges:
        value = sheet.cells.get(r0 + 1, {}).get(c0, "")
        for r in range(r0, r1 + 1):
            i = position.get(r + 1)
            if i is None:
                continue
            for c in range(c0, c1 + 1):
                if (r, c) != (r0, c0):
                    rows[i][c] = value
    return _Grid(name, hidden, rows, own, index)


def _fill_merges(rows: list[list[Any]], merges: list) -> set[tuple[int, int]]:
    """A value merged over several cells applies to each of them (as a reader sees it).

    Returns the cells that were filled with a copy (every cell of a range but its first).
    """
    copied: set[tuple[int, int]] = set()
    if not merges:
        return copied
    width = max([len(r) for r in rows] + [m[1][1] + 1 for m in merges])
    height = max(len(rows), *(m[1][0] + 1 for m in merges))
    while len(rows) < height:
        rows.append([])
    for r in rows:
        if len(r) < width:
            r.extend([""] * (width - len(r)))
    for (r0, c0), (r1, c1) in merges:
        value = rows[r0][c0]
        for r in range(r0, r1 + 1):
            row = rows[r]
            for c in range(c0, c1 + 1):
                row[c] = value
                if (r, c) != (r0, c0):
                    copied.add((r, c))
    return copied


def _shown(value: Any) -> str:
    """A cell as text, ``""`` when it holds only white space (a stray space shows nothing)."""
    text = cell_text(value)
    return text if not text or not text[0].isspace() and not text[-1].isspace() or text.strip() else ""


def _grid_frame(rows: list[list[Any]], index: list[int] | None = None) -> pd.DataFrame:
    width = max((len(r) for r in rows), default=0)
    data = [[_shown(v) for v in r] + [""] * (width - len(r)) for r in rows]
    frame = pd.DataFrame(data, dtype=object, columns=range(width))
    frame.index = pd.RangeIndex(1, len(frame) + 1, name="row") if index is None else pd.Index(index, name="row")
    return frame


def grids(path: Path) -> list[tuple[str, bool, pd.DataFrame, pd.Series | None]]:
    """Every sheet of a file as ``(sheet name, hidden, frame of text cells, own)``.

    A CSV file is one sheet named ``""``. The frame's index is the row number
    as the spreadsheet shows it (row 1 first); merged cells are filled. ``own``
    says per row whether it holds a value of its own, not only copies of merged
    cells (``None`` for CSV: every filled row does).

    Raises
    ------
    UnreadableFileError
        When the file cannot be opened as what its ending says.
    """
    suffix = path.suffix.lower()
    what = "text" if suffix in schema.TEXT_SUFFIXES else sniff(path)
    if what not in ("xlsx", "xls", "text"):
        raise UnreadableFileError(what)
    try:
        if what == "text":
            return [("", False, _csv_frame(path), None)]
        out = []
        for g in _workbook_grids(path, by_content=(what == "xlsx") != (suffix in (".xlsx", ".xlsm"))):
            frame = _grid_frame(g.rows, g.index)
            out.append((g.sheet, g.hidden, frame, pd.Series(g.own[: len(frame)], index=frame.index, dtype=bool)))
        return out
    except UnreadableFileError:
        raise
    except Exception as exc:  # calamine and pandas raise many kinds
        text = str(exc).lower()
        if "password" in text or "encrypt" in text:
            raise UnreadableFileError(
                f"{path.name}：有打开密码（已加密），无法读取：请在 Excel/WPS 中打开，另存为无密码的副本") from None
        if what == "xlsx" and ("zip" in text or "eof" in text or "end of central" in text or "invalid" in text):
            raise UnreadableFileError(
                f"{path.name}：文件不完整（可能没有下载或复制完，或保存时中断），无法打开："
                "请重新下载或复制，或在 Excel/WPS 中打开后另存") from None
        kind = {".xls": "Excel 97-2003 (.xls)"}.get(suffix, "Excel (.xlsx)")
        raise UnreadableFileError(
            f"{path.name}：无法作为 {kind} 文件读取（{type(exc).__name__}）；文件可能已损坏，"
            "或扩展名与实际格式不符：请在 Excel/WPS 中打开后另存为 .xlsx"
        ) from None


# --------------------------------------------------------------------------- headers


@dataclass
class Header:
    """Where a sheet's header is and what each of its columns means."""

    rows: tuple[int, ...]  # spreadsheet row numbers
    columns: dict[int, str]  # grid column -> canonical name (or "satisfaction:满意")


def _known(frame: pd.DataFrame, lookup: dict[str, str]) -> list[list[str | None]]:
    return [[schema.find_column(v, lookup) if v else None for v in row] for row in frame.itertuples(index=False)]


def _is_subheader(known_row: list[str | None], cells: list[str]) -> bool:
    """A row under a header is more header (sub-headers) when it holds header names, not values."""
    names = sum(k is not None for k in known_row)
    others = sum(bool(str(c).strip()) and k is None for k, c in zip(known_row, cells))
    return names >= 2 or (names == 1 and others == 0)


def find_header(frame: pd.DataFrame, table: schema.Table, header_rows: int) -> tuple[Header | None, str, int]:
    """Find the header within the first ``header_rows`` rows.

    The header is the first row that, with the sub-header rows under it (a
    merged group cell 办理情况 over 答复日期 / 是否延期), holds every required
    column of the table; for each column the lowest header cell that is a known
    name wins. Line breaks and spaces inside header cells do not count.

    Returns
    -------
    (Header or None, str, int)
        The header, or ``None`` and a sentence saying what stands where the header
        should be (e.g. “第3行像是表头（信访编号、收到日期），但缺少：承办单位”),
        and how many of the table's column names that row holds.
    """
    lookup = schema.header_lookup(table.name)
    top = frame.iloc[: header_rows + 2]
    known = _known(top, lookup)
    cells = [list(map(str, r)) for r in top.itertuples(index=False)]
    required = {c.name for c in table.required_columns}
    best: tuple[int, int, set[str]] = (0, -1, set())
    for i in range(min(header_rows, len(top))):
        if not any(known[i]):
            continue
        block = [i]
        while block[-1] + 1 < len(top) and len(block) < 3 and _is_subheader(known[block[-1] + 1], cells[block[-1] + 1]):
            block.append(block[-1] + 1)
        columns: dict[int, str] = {}
        for r in block:
            for c, name in enumerate(known[r]):
                if name is not None:
                    columns[c] = name
        found = set(columns.values())
        if required <= found:
            return Header(tuple(int(top.index[r]) for r in block), columns), "", len(found)
        if len(found) > best[0] and _is_subheader(known[i], cells[i]):  # header-like, not a record
            best = (len(found), i, found)
    if best[1] < 0:
        further = frame.iloc[header_rows: header_rows + 40]
        if len(further) and len(frame) > header_rows:
            deeper, _, names = find_header(further, table, len(further))
            if deeper is not None:  # the header is there, only lower than the rules allow
                return None, (f"第{deeper.rows[0]}行像是表头，但表头须在前{header_rows}行内：请删去表头上方多余的行"
                              "（或调大 config/rules.yml 中的 reading.header_rows）"), names
        return None, _no_header_found(top, table, header_rows), 0
    row = int(top.index[best[1]])
    have = "、".join(_label(table, n) for n in sorted(best[2] - {""}, key=_order(table)))
    lacking = sorted(required - best[2], key=_order(table))
    missing = "、".join(_label(table, n, with_aliases=True) for n in lacking)
    hints = _likely_cells(cells[best[1]], known[best[1]], table, lacking)
    return None, f"第{row}行像是表头（{have}），但缺少必需的列：{missing}{hints}", best[0]


def _likely_cells(cells: list[str], known: list[str | None], table: schema.Table, lacking: list[str]) -> str:
    """``（第C列“收件日子”可能就是“收到日期”…）``: header cells that nearly name a missing column."""
    said = []
    for name in lacking:
        column = table.column(name)
        best, score = None, 0.0
        for c, (cell, k) in enumerate(zip(cells, known)):
            if k is not None or not str(cell).strip():
                continue
            for form in schema.header_forms(cell):
                for spelling in column.spellings:
                    ratio = difflib.SequenceMatcher(None, form, schema.header_key(spelling)).ratio()
                    if ratio > score:
                        best, score = c, ratio
        if best is not None and score >= 0.5:
            said.append(f"第{_col_letter(best)}列“{str(cells[best]).strip()[:16]}”可能就是“{column.label}”，"
                        f"请改为“{column.label}”")
    return f"（{'；'.join(said)}）" if said else ""


def _order(table: schema.Table):
    names = [c.name for c in table.columns]
    return lambda n: names.index(n.split(":")[0]) if n.split(":")[0] in names else len(names)


def _label(table: schema.Table, name: str, with_aliases: bool = False) -> str:
    base = name.split(":")[0]
    col = table.column(base)
    if ":" in name:
        return name.split(":", 1)[1]
    if with_aliases:
        return "“" + "”或“".join(col.aliases[:2] + (col.name,)) + "”"
    return col.label


def _no_header_found(top: pd.DataFrame, table: schema.Table, header_rows: int) -> str:
    wanted = "、".join(_label(table, c.name) for c in table.required_columns)
    filled = [(int(i), [c for c in row if str(c).strip()]) for i, row in zip(top.index, top.itertuples(index=False))]
    filled = [(i, cells) for i, cells in filled if cells][:1]
    if not filled:
        return f"前{header_rows}行都是空的，找不到表头（应含：{wanted}）"
    row, cells = filled[0]
    cells = list(dict.fromkeys(cells))  # a merged title repeats in every cell it covers
    if table.personal:  # a casework sheet without a header may show a petitioner's name: never quote it
        shown = f"有{len(cells)}个非空单元格，但没有一个是本表的列名"
    else:
        shown = "内容为“" + "、".join(str(c)[:12] for c in cells[:6]) + ("…" if len(cells) > 6 else "") + "”"
    return f"前{header_rows}行中找不到表头（应含：{wanted}）；第{row}行{shown}"


# --------------------------------------------------------------------------- records


def _word_pattern(words: list[str]) -> re.Pattern[str]:
    alts = "|".join(sorted((re.escape(schema.header_key(w)) for w in words if w), key=len, reverse=True))
    return re.compile(alts or "(?!)")


def _first_filled(frame: pd.DataFrame) -> pd.Series:
    first = pd.Series("", index=frame.index, dtype=object)
    for col in frame.columns:
        values = frame[col]
        first = first.where(first != "", values)
    return first


def _hits(uniques: np.ndarray, pattern: re.Pattern[str], first_chars: frozenset[str]) -> np.ndarray:
    """Which distinct values match ``pattern``.

    Only values that start (after spaces) with one of ``first_chars`` are looked
    at closely; they are found with one regular-expression scan of the joined
    values, so a column of a million ids costs a few milliseconds.
    """
    hit = np.zeros(len(uniques), dtype=bool)
    if not len(uniques):
        return hit
    try:
        joined = "\x1f" + "\x1f".join(uniques)
    except TypeError:
        joined = "\x1f" + "\x1f".join(map(str, uniques))
    scan = re.compile("\x1f[ \t]*[" + re.escape("".join(sorted(first_chars))) + "]")
    positions = [m.start() for m in scan.finditer(joined)]
    if positions:
        starts = np.cumsum(np.fromiter((len(str(u)) + 1 for u in uniques), dtype=np.int64, count=len(uniques)))
        starts = np.concatenate(([0], starts[:-1]))
        for i in np.searchsorted(starts, positions):
            hit[i] = bool(pattern.match(schema.header_key(uniques[i])))
    return hit


@dataclass(frozen=True)
class _Lines:
    """What marks a line that is not a record, and a record the office cancelled (the ``reading`` rules)."""

    total: re.Pattern[str]  # the first filled cell of a total line: 合计, 本月合计：12件
    total_cell: re.Pattern[str]  # a contract cell that is a total word and nothing else
    footer: re.Pattern[str]  # the first filled cell of a footer or note line: 填表人, 注：, 以下空白
    page: re.Pattern[str]  # a page line: 第2页, 共3页, 续表
    first_chars: frozenset[str]
    ditto: frozenset[str]  # 同上, 〃: the value of the record above
    ditto_left: frozenset[str]  # 同左: the value of the cell to the left
    cancel: re.Pattern[str]  # 作废, 已撤销 … in a remark column
    remark_headers: frozenset[str]
    personal_headers: frozenset[str]
    count: re.Pattern[str]  # a count of rows in a total line: 合计：12件, 共12次
    cancel_words: tuple[str, ...] = ()
    petitioner: tuple[frozenset[str], frozenset[str], frozenset[str]] = (frozenset(), frozenset(), frozenset())

    @classmethod
    def of(cls, reading: dict[str, Any]) -> _Lines:
        totals = _word_pattern(reading.get("total_words", [])).pattern
        prefixes = "|".join(_TOTAL_PREFIXES)
        footers = _word_pattern([*reading.get("footer_words", []), *reading.get("note_words", [])]).pattern
        pages = _word_pattern(reading.get("page_words", [])).pattern
        words = [*reading.get("total_words", []), *reading.get("footer_words", []), *reading.get("note_words", []),
                 *reading.get("page_words", []), *_TOTAL_PREFIXES, "第", "共"]
        units = "|".join(re.escape(w) for w in reading.get("count_words", []) if w) or "(?!)"
        return cls(
            total=re.compile(rf"^(?:{prefixes})?(?:{totals})(?![\u4e00-\u9fff])"),
            total_cell=re.compile(rf"^(?:{prefixes})?(?:{totals})[:：]?$"),
            footer=re.compile(rf"^(?:{footers})"),
            page=re.compile(rf"^(?:第\d+页|共\d+页|(?:{pages}))"),
            first_chars=frozenset(schema.header_key(w)[:1] for w in words if w),
            ditto=frozenset(schema.header_key(w) for w in reading.get("ditto_words", []) if w),
            ditto_left=frozenset(schema.header_key(w) for w in reading.get("ditto_left_words", []) if w),
            cancel=re.compile("|".join(re.escape(w) for w in reading.get("cancel_words", []) if w) or "(?!)"),
            remark_headers=frozenset(schema.header_key(w) for w in reading.get("remark_headers", [])),
            personal_headers=frozenset(schema.header_key(w) for w in reading.get("personal_headers", [])),
            count=re.compile(rf"^(?:(?:{prefixes})?(?:{totals}))?[:：]?(?:共)?(\d+)(?:{units})$"),
            cancel_words=tuple(reading.get("cancel_words", [])),
            petitioner=tuple(frozenset(schema.header_key(w) for w in reading.get(f"petitioner_{k}_headers", []))
                             for k in ("id", "name", "phone")),
        )


def read_blocks(path: Path, table: schema.Table, reading: dict[str, Any], personal=None) -> FileRead:
    """Read every sheet of ``path`` whose header matches ``table``, and account for every row.

    Parameters
    ----------
    path : Path
        A ``.csv``, ``.xlsx`` or ``.xls`` file.
    table : schema.Table
        The table the file holds.
    reading : dict
        The ``reading`` section of ``config/rules.yml`` (header rows, total,
        footer, page, ditto and cancel words).
    personal : helpers.read.privacy.Personal, optional
        Collects the values of the sheet's personal columns (姓名, 身份证号 …),
        to hide them wherever a message would quote them.

    Returns
    -------
    FileRead
        One :class:`Block` per matching sheet, in order, and the sheets skipped.

    Raises
    ------
    ColumnMissingError
        No sheet has the table's header; or a sheet looks like a ledger sheet
        (a near-miss header, or dated records) but cannot be read; or two
        columns mean the same thing; or a formula in a record has no value.
    TotalMismatchError
        An office's own 合计/小计 disagrees with the records above it.
    UnreadableFileError
        The file cannot be opened.
    """
    from .marks import SheetMarks, workbook_marks

    header_rows = int(reading.get("header_rows", 10))
    patterns = _Lines.of(reading)
    out = FileRead()
    problems: list[str | ColumnMissingError] = []
    marks = workbook_marks(path, list(patterns.cancel_words)) if path.suffix.lower() not in schema.TEXT_SUFFIXES \
        else {}
    for sheet, hidden, frame, own in grids(path):
        place = where(path.name, sheet)
        shown = (frame != "").any(axis=1) if not frame.empty else pd.Series(dtype=bool)
        if frame.empty or not shown.any():
            out.skipped.append(SheetNote(path.name, sheet, "空白工作表"))
            continue
        header, found, names = find_header(frame, table, header_rows)
        if header is None:
            if names >= 2 or (names and not sheet):
                problems.append(f"{place}：{found}")
            elif sheet and not _is_cover(sheet) and _dated_rows(frame) >= (
                    1 if _sheet_year(sheet) or _sheet_month(sheet) else _RECORD_LIKE_ROWS):
                problems.append(f"{place}：有{_dated_rows(frame)}行带日期的内容，像是台账记录，但{found}")
            elif sheet:
                out.skipped.append(SheetNote(path.name, sheet, "不是台账工作表（没有本表的表头，如封面、说明）",
                                             int(shown.sum())))
            else:
                problems.append(f"{place}：{found}")
            continue
        if hidden:
            problems.append(
                f"{place}：是隐藏的工作表，却含有{table.title}的表头（第{header.rows[0]}行）："
                "请取消隐藏（其记录将被统计）或删除该工作表"
            )
            continue
        try:
            out.blocks.append(_block(path.name, sheet, frame, own, header, table, patterns,
                                     marks.get(sheet) or SheetMarks(), personal, shown.to_numpy()))
        except ColumnMissingError as exc:
            problems.append(exc)
    if problems:
        error = TotalMismatchError if all(isinstance(p, TotalMismatchError) for p in problems) else ColumnMissingError
        raise error("；".join(map(str, problems)))
    if not out.blocks:
        names = "、".join(f"“{n.sheet}”" for n in out.skipped) or "无"
        raise ColumnMissingError(
            f"{path.name}：没有一个工作表含{table.title}的表头（工作表：{names}）；"
            f"表头应含：{'、'.join(_label(table, c.name) for c in table.required_columns)}"
        )
    return out


# Sheet names that hold no ledger even when they carry dates (a cover's 填报日期).
_COVER_WORDS = ("封面", "目录", "图表", "说明", "填表说明", "统计图", "汇总图")


def _is_cover(sheet: str) -> bool:
    key = schema.header_key(sheet)
    return any(w in key for w in _COVER_WORDS)


# A sheet without a header is skipped as no ledger (a cover with its 填报日期, a 说明 sheet)
# unless this many of its rows hold a date (one, on a sheet named for a month or year, as
# 2024年3月): then it looks like records whose header is missing, and the build stops.
_RECORD_LIKE_ROWS = 2


def _dated_rows(frame: pd.DataFrame) -> int:
    """How many of the first 200 rows hold a date cell."""
    sample = frame.iloc[:200]
    return int(sum(any(re.fullmatch(r"\d{4}-\d{2}-\d{2}", str(v)) for v in row)
                   for row in sample.itertuples(index=False)))


def _block(file, sheet, frame, own, header, table, lines: _Lines, marks, personal=None, shown=None) -> Block:
    place = where(file, sheet)
    by_name: dict[str, int] = {}
    last = header.rows[-1]
    data = frame.loc[frame.index > last]
    head = frame.loc[list(header.rows)]
    for col, name in sorted(header.columns.items()):
        if name in by_name:
            first = by_name[name]
            subs = [str(v) for v in head.iloc[-1, [first, col]]] if len(head) > 1 else ["", ""]
            same = (data[col] == "") | (data[col] == data[first])
            if bool(same.all()) and not (all(subs) and subs[0] != subs[1]):
                continue  # a header merged over two columns: the first holds the values
            raise ColumnMissingError(_two_columns(place, table, name, first, col, head))
        by_name[name] = col
    _near_misses(place, table, head, by_name)
    ticks = {n: c for n, c in by_name.items() if ":" in n}
    plain = {n: c for n, c in by_name.items() if ":" not in n}
    extra = _extra_columns(head, set(by_name.values()))
    person = None
    if personal is not None:  # remembered to be hidden wherever quoted; never kept
        for col, key in extra.items():
            if key in lines.personal_headers:
                personal.add(data[col].loc[data[col] != ""].unique())
        person = _petitioner_key(data, extra, lines)
    uncached = [(r, c) for r, c in marks.uncached if r > last and c in by_name.values()]
    if uncached:
        cells = "、".join(f"{_col_letter(c)}{r}" for r, c in uncached[:8]) + ("等" if len(uncached) > 8 else "")
        raise ColumnMissingError(
            f"{place}：{len(uncached)}个公式单元格没有计算结果（{cells}），照此统计会当作空白："
            "请用 Excel 或 WPS 打开该文件并保存（让公式算出结果）后再统计"
        )
    records = pd.DataFrame(index=data.index)
    total = np.zeros(len(data), dtype=bool)
    identity = {c.name for c in table.columns if c.required and c.kind in ("text", "unit")}
    filled_required = np.zeros(len(data), dtype=int)
    repeated = np.zeros(len(data), dtype=int)
    for name, c in plain.items():
        codes, uniques = _normalised_distinct(data[c])
        records[name] = pd.Series(uniques[codes] if len(uniques) else [], index=data.index, dtype=object)
        if name in identity and len(uniques):  # 合计 standing in a unit or village cell, and nothing else
            total |= _hits(uniques, lines.total_cell, lines.first_chars)[codes]
        if table.column(name).required:
            filled_required += (records[name] != "").to_numpy()
        if len(uniques):  # the header written again (a sheet printed page by page, 续表)
            heads = {_normalise_one(v) for v in head[c] if str(v).strip()}
            repeated += np.isin(uniques, list(heads))[codes]
    if ticks:
        base = next(iter(ticks)).split(":")[0]
        if base in plain:
            raise ColumnMissingError(
                f"{place}：既有“{table.column(base).aliases[0]}”列，"
                f"又有勾选列（{'、'.join(n.split(':')[1] for n in ticks)}）：请只保留一种"
            )
        records[base] = _ticked(pd.DataFrame({n.split(":")[1]: normalise_text(data[c]) for n, c in ticks.items()}))
    # Every row that shows anything gets one fate: a record, or a layout row of some kind.
    if shown is None:
        shown = (frame != "").any(axis=1).to_numpy() if len(frame.columns) else np.zeros(len(frame), dtype=bool)
    above = frame.index < header.rows[0]
    layout = {"title": int(shown[above].sum()),
              "header": int(shown[frame.index.isin(header.rows)].sum())}
    data_shown = shown[(frame.index > last)]
    if own is not None:
        nonblank = own.loc[data.index].to_numpy()
    else:
        nonblank = data_shown.copy()
    merged_only = data_shown & ~nonblank
    first_raw = _first_filled(data)
    codes, uniques = _normalised_distinct(first_raw)
    page = np.zeros(len(data), dtype=bool)
    if len(uniques):
        total |= _hits(uniques, lines.total, lines.first_chars)[codes]
        page = _hits(uniques, lines.page, lines.first_chars)[codes] & (filled_required <= 1)
        # a footer word opening the line, with a colon or space after it, or on a line that is no record
        worded = _hits(uniques, lines.footer, lines.first_chars)[codes]
        spaced = np.zeros(len(data), dtype=bool)
        if worded.any():
            spaced[worded] = first_raw[worded].str.match(r"^\s*\S+?\s*[:：\s]").to_numpy(dtype=bool)
        footer = worded & (spaced | (filled_required <= 1)) & ~total
    else:
        footer = np.zeros(len(data), dtype=bool)
    rehead = (repeated >= 2) & nonblank & ~total
    page &= nonblank & ~total & ~rehead
    footer &= ~page & ~rehead
    keep = nonblank & ~total & ~footer & ~page & ~rehead
    layout["header"] += int(rehead.sum())
    layout.update(total=int((nonblank & total).sum()), footer=int((nonblank & footer).sum()),
                  page=int(page.sum()), merged=int(merged_only.sum()))
    year = _sheet_year(sheet) or _title_year(frame.loc[frame.index < header.rows[0]])
    _ditto(records, keep, data, plain, lines)
    cancelled, aside = _cancelled(records, data, keep, extra, lines, marks, set(by_name.values()))
    checks = _reconcile(place, data, records, keep, nonblank & total, cancelled, plain, table, lines, extra)
    kept = keep & ~np.isin(data.index.to_numpy(), [r for r, _ in cancelled])
    if person is not None:
        records["_person"] = person
    records = records.loc[kept]
    records["_aside"] = ""
    if aside:  # the few rows struck through in part
        marked = records.index.isin(list(aside))
        records.loc[marked, "_aside"] = [aside[int(r)] for r in records.index[marked]]
    records.insert(0, "row", records.index.to_numpy())
    records.insert(0, "sheet", sheet)
    records.insert(0, "file", file)
    nonempty = int(shown.sum())
    return Block(file, sheet, records.reset_index(drop=True), year, _sheet_month(sheet), nonempty,
                 {k: v for k, v in layout.items() if v}, cancelled, checks)


# A key per process: the petitioner keys of two runs cannot be linked, and none is ever written.
_PERSON_SALT = __import__("secrets").token_bytes(16)


def _petitioner_key(data: pd.DataFrame, extra: dict[int, str], lines: _Lines) -> pd.Series | None:
    """Per row, a key for the petitioner: the ID number, else the name with the phone number (hashed).

    Used in the read step to link a case to the same petitioner's earlier one
    (重复信访), then dropped: it is never cached, written or shown.
    """
    ids, names, phones = lines.petitioner
    find = lambda wanted: next((c for c, k in extra.items() if k in wanted), None)  # noqa: E731
    id_col, name_col, phone_col = find(ids), find(names), find(phones)
    if id_col is None and (name_col is None or phone_col is None):
        return None
    import hashlib

    def key(parts: tuple[str, ...]) -> str:
        text = "\x1f".join(p.strip().upper() for p in parts)
        if not text.strip("\x1f"):
            return ""
        return hashlib.blake2b(text.encode(), key=_PERSON_SALT, digest_size=12).hexdigest()

    def distinct(col: int | None) -> tuple[np.ndarray, np.ndarray]:
        if col is None:
            return np.zeros(len(data), dtype=np.int64), np.array([""], dtype=object)
        return _normalised_distinct(data[col])

    # Each distinct ID number, or distinct (name, phone) pair, is hashed once; rows share the result.
    id_codes, id_values = distinct(id_col)
    name_codes, names_ = distinct(name_col)
    phone_codes, phones_ = distinct(phone_col)
    has_id = id_values[id_codes] != "" if len(id_values) else np.zeros(len(data), dtype=bool)
    has_pair = (names_[name_codes] != "") & (phones_[phone_codes] != "") & ~has_id
    out = np.full(len(data), "", dtype=object)
    if has_id.any():
        hashed = np.array([key(("id", v)) if v else "" for v in id_values], dtype=object)
        out[has_id] = hashed[id_codes[has_id]]
    if has_pair.any():
        pair = name_codes[has_pair].astype(np.int64) * (len(phones_) + 1) + phone_codes[has_pair]
        pair_codes, pair_values = pd.factorize(pair)
        hashed = [key(("np", names_[v // (len(phones_) + 1)], phones_[v % (len(phones_) + 1)])) for v in pair_values]
        out[has_pair] = np.asarray(hashed, dtype=object)[pair_codes]
    return pd.Series(out, index=data.index, dtype=object)


def _extra_columns(head: pd.DataFrame, used: set[int]) -> dict[int, str]:
    """Columns of the header that are not the table's, by their header text (as :func:`schema.header_key`)."""
    out = {}
    for col in range(head.shape[1]):
        if col in used:
            continue
        texts = [str(v) for v in head[col] if str(v).strip()]
        if texts:
            out[col] = schema.header_key(texts[-1])
    return out


def _ditto(records: pd.DataFrame, keep: np.ndarray, data: pd.DataFrame, plain: dict[str, int], lines: _Lines) -> None:
    """同上 and 〃 take the value of the record above; 同左 the value of the cell to the left (as a reader does).

    Columns are settled from left to right, so a 同左 next to a 同上 takes what
    the 同上 stands for.
    """
    if not len(records) or not (lines.ditto or lines.ditto_left):
        return
    by_col = {c: n for n, c in plain.items()}
    # the cells are trimmed already: a ditto cell is one of these, or one typed with a space inside (同 上, 同　上)
    marks = lines.ditto | lines.ditto_left
    words = list(marks | {sep.join(w) for w in marks if len(w) > 1 for sep in (" ", "\u3000")})
    for col, name in sorted(by_col.items()):
        values = records[name]
        if not values.isin(words).any():  # one hashed look per cell: almost always none
            continue
        codes, uniques = pd.factorize(values.to_numpy(dtype=object), sort=False)
        keys = {i: schema.header_key(u) for i, u in enumerate(uniques) if len(u) <= 8}
        up_codes = [i for i, k in keys.items() if k in lines.ditto]
        left_codes = [i for i, k in keys.items() if k in lines.ditto_left]
        if not up_codes and not left_codes:
            continue
        up = pd.Series(np.isin(codes, up_codes), index=values.index) & keep
        left = pd.Series(np.isin(codes, left_codes), index=values.index) & keep
        if left.any() and col > 0:
            source = records[by_col[col - 1]] if col - 1 in by_col else normalise_text(data[col - 1])
            records.loc[left, name] = source[left]
            values = records[name]
        if up.any():
            filled = values.where(~up).where(keep).ffill()
            records.loc[up, name] = filled[up].fillna(values[up])


def _cancelled(records, data, keep, extra, lines: _Lines, marks, used: set[int]):
    """Rows the office marked as cancelled, and rows to set aside because only part of them is struck.

    Returns
    -------
    (list of (row, how), dict of row to reason)
    """
    out: dict[int, str] = {}
    aside: dict[int, str] = {}
    rows = data.index.to_numpy()[keep]
    for col, key in extra.items():
        if key in lines.remark_headers or any(key.startswith(h) for h in lines.remark_headers if h):
            texts = normalise_text(data[col])[keep]
            hit = texts.str.contains(lines.cancel, regex=True) & (texts != "")
            for r, text in zip(rows[hit.to_numpy()], texts[hit]):
                out.setdefault(int(r), f"备注栏注明“{text[:12]}”")
    fills = marks.cancelled_fill_rows()
    marked = set(marks.struck) | set(fills)  # formats are looked at only where a row has any
    for r in (rows[np.isin(rows, list(marked))] if marked else ()):
        r = int(r)
        struck = marks.struck.get(r)
        if struck:
            valued = marks.values.get(r, struck)
            if valued <= struck:
                out.setdefault(r, "整行有删除线")
            elif struck & used:
                aside[r] = "部分单元格有删除线，无法确定哪个值有效：请删去作废的内容或整行划去"
        if r in fills:
            out.setdefault(r, f"底纹标为作废（图例：{fills[r][:16]}）")
    return sorted(out.items()), {r: why for r, why in aside.items() if r not in out}


_INT_CELL = re.compile(r"^(\d+)(?:\.0+)?\s*(?:人次|人|名)?$")


def _reconcile(place, data, records, keep, totals, cancelled, plain, table, lines: _Lines, extra) -> list[str]:
    """Check each 合计/小计 line the office wrote against the records above it.

    A total closes the records since the total line before it (a 小计 after
    each month), since the last 合计 (a 合计 after several 小计) or since the
    header (a 总计 of the whole sheet): it agrees when it equals one of these.
    A count of rows (合计：12件, a number in the 序号 column) is compared with the
    records, with or without the ones marked cancelled; a number in a count
    column (参加人数) with their sum.

    Raises
    ------
    TotalMismatchError
        On the first disagreement, naming the row and both numbers.
    """
    if not totals.any():
        return []
    index = data.index.to_numpy()
    cancelled_rows = {r for r, _ in cancelled}
    ints = [n for n in plain if table.column(n).kind == "int"]
    serial = [c for c, key in extra.items() if key in ("序号", "序", "no", "no.")]
    checks: list[str] = []
    since_any = since_total = 0
    first = _first_filled(data)
    for i in np.flatnonzero(totals):
        row = int(index[i])
        word = schema.header_key(first.iloc[i])
        spans = []
        for start in dict.fromkeys((since_any, since_total, 0)):
            mine = np.zeros(len(data), dtype=bool)
            mine[start:i] = True
            rows = index[mine & keep]
            spans.append((rows, [r for r in rows if int(r) not in cancelled_rows]))
        claims = []
        for c in range(data.shape[1]):
            text = schema.header_key(data.iat[i, c])
            if not text:
                continue
            m = lines.count.match(text)
            if m:
                claims.append(("rows", int(m.group(1)), str(data.iat[i, c]).strip()))
            elif c in serial and text.isdigit():
                claims.append(("rows", int(text), text))
        for name in ints:
            m = _INT_CELL.match(schema.header_key(data.iat[i, plain[name]]))
            if m:
                claims.append((name, int(m.group(1)), data.iat[i, plain[name]]))
        rows, live = spans[0]
        span_label = f"第{int(rows[0])}–{int(rows[-1])}行" if len(rows) else "上一合计行与本行之间"
        for what, claimed, text in claims:
            if what == "rows":
                if not any(claimed in (len(lv), len(rs)) for rs, lv in spans):
                    raise TotalMismatchError(
                        f"{place}：第{row}行的合计为“{text}”，但其上方（{span_label}）的记录为{len(live)}条，"
                        f"两者不符：请核对是否漏登、多登或合计有误"
                    )
                checks.append(f"第{row}行合计{claimed}条，与记录数相符")
                continue
            sums = [_sum(records, lv, what) for _rs, lv in spans]
            if any(s is None for s in sums):
                continue  # a count written in words (全体党员): the sum cannot be checked
            if claimed not in sums:
                label = table.column(what).label
                raise TotalMismatchError(
                    f"{place}：第{row}行的{label}合计为{claimed}，但其上方（{span_label}）各条记录的{label}之和为"
                    f"{sums[0]}，两者不符：请核对后改正"
                )
            checks.append(f"第{row}行{table.column(what).label}合计{claimed}，与各记录之和相符")
        since_any = i + 1
        if "小计" not in word:
            since_total = i + 1
    return checks


def _sum(records: pd.DataFrame, rows, column: str) -> int | None:
    """The sum of a count column over some records, or ``None`` when one is written in words."""
    total = 0
    for value in records.loc[[r for r in rows if r in records.index], column]:
        key = schema.header_key(value)
        if not key:
            continue
        m = _INT_CELL.match(key)
        if m is None:
            return None
        total += int(m.group(1))
    return total


def _two_columns(place: str, table: schema.Table, name: str, first: int, col: int, head: pd.DataFrame) -> str:
    """Two columns mean one field: say so, or say that only 满意度 may be kept as tick columns."""
    subs = [str(v) for v in head.iloc[-1, [first, col]]] if len(head) > 1 else []
    label = _label(table, name)
    values = len(subs) == 2 and all(subs) and subs[0] != subs[1]
    if values and schema.header_key(subs[0]) not in schema.header_lookup(table.name):
        return (f"{place}：“{label}”下分成了多列（第{_col_letter(first)}列“{subs[0]}”、"
                f"第{_col_letter(col)}列“{subs[1]}”…）：目前只有满意度可以用勾选列，"
                f"请把这些列合并为一列“{label}”，填写所勾选的那一项")
    return f"{place}：第{_col_letter(first)}列和第{_col_letter(col)}列都表示“{label}”：请只保留一列"


def _near_misses(place: str, table: schema.Table, head: pd.DataFrame, by_name: dict[str, int]) -> None:
    """Stop when an unread header looks like a column the table lacks (答复时间 for 答复日期).

    Ignoring it would state a figure as if the column were empty (答复 0 件).
    """
    present = {n.split(":")[0] for n in by_name}
    missing = [c for c in table.columns if c.name not in present]
    if not missing:
        return
    used = set(by_name.values())
    for col in range(head.shape[1]):
        if col in used:
            continue
        texts = [str(v) for v in head[col] if str(v).strip()]
        if not texts:
            continue
        key = schema.header_key(texts[-1]).replace("时间", "日期")
        for column in missing:
            for spelling in column.spellings + column.ticks:
                alias = schema.header_key(spelling)
                close = difflib.SequenceMatcher(None, key, alias).ratio() >= 0.75
                if len(alias) >= 2 and len(key) >= 2 and (close or alias in key or key in alias):
                    raise ColumnMissingError(
                        f"{place}：第{_col_letter(col)}列的表头“{texts[-1]}”像是“{_label(table, column.name)}”，"
                        f"但不是能识别的列名，照此统计会把该列当作没填：请把表头改为“{_label(table, column.name)}”"
                        "（可用的写法见 nianbao init 生成的模板）"
                    )


def _ticked(ticks: pd.DataFrame) -> pd.Series:
    """The value of a choice kept as tick columns: the ticked column's name ("" when none).

    Two ticks give ``满意+不满意``, which the checks set aside; a cell that is
    neither a tick nor blank gives ``?``, set aside too.
    """
    from ..settings.config import rules

    yes = {schema.header_key(w) for w in rules()["reading"]["true_words"]} - {""}
    no = {schema.header_key(w) for w in rules()["reading"]["false_words"]}
    out = pd.Series("", index=ticks.index, dtype=object)
    for name in ticks.columns:
        key = ticks[name].map(schema.header_key)
        on = key.isin(yes)
        odd = ~on & ~key.isin(no)
        out = out.where(~on, out.where(out == "", out + "+") + name)
        out = out.where(~odd, f"“{name}”列填了" + ticks[name].str.slice(0, 10))
    return out


def _sheet_month(sheet: str) -> int | None:
    """The month a sheet is named for (2024年3月, 3月), or ``None``."""
    m = re.search(r"(?<!\d)(\d{1,2})\s*月", sheet or "")
    return int(m.group(1)) if m and 1 <= int(m.group(1)) <= 12 else None


def _sheet_year(sheet: str) -> int | None:
    m = _YEAR_IN_SHEET.search(sheet or "")
    return int(m.group(1)) if m else None


def _title_year(title: pd.DataFrame) -> int | None:
    for value in title.to_numpy().ravel():
        m = _YEAR_IN_TITLE.search(str(value))
        if m:
            return int(m.group(1))
    return None


def _col_letter(index: int) -> str:
    letters = ""
    index += 1
    while index:
        index, rem = divmod(index - 1, 26)
        letters = chr(65 + rem) + letters
    return letters

"""Ledgers shaped as district offices keep them, written with openpyxl (.xlsx) and xlwt (.xls).

A :class:`Sheet` is laid out as a person lays out a sheet by hand: title rows
(a merged "2024年度信访事项登记台账", a 填报单位/填报日期 line, a blank row), a
header of one or two rows with merged group cells, records (optionally with
merged unit cells), 合计 rows and a footer (填表人, 审核人, 联系电话).
:func:`write` writes a list of sheets to ``.xlsx`` or ``.xls``; the shape
builders below turn plain records into those layouts, so that the same records
can be written in every shape and must give the same figures.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

Cell = Any
Merge = tuple[int, int, int, int]  # first row, first col, last row, last col (0-based, inclusive)


@dataclass
class Sheet:
    """One sheet as laid out by hand; rows are lists of cells from column A."""

    name: str
    rows: list[list[Cell]] = field(default_factory=list)
    merges: list[Merge] = field(default_factory=list)
    date_cols: tuple[int, ...] = ()  # written as date cells
    hidden: bool = False
    # formats by (row, col), 0-based: "strike" (删除线) or "fill" (a yellow fill, as offices mark rows)
    styles: dict[tuple[int, int], str] = field(default_factory=dict)


def write(path: Path, sheets: list[Sheet]) -> Path:
    """Write ``sheets`` to ``path`` (``.xlsx`` with openpyxl, ``.xls`` with xlwt)."""
    path = Path(path)
    if path.suffix == ".xls":
        _write_xls(path, sheets)
    else:
        _write_xlsx(path, sheets)
    return path


def _write_xlsx(path: Path, sheets: list[Sheet]) -> None:
    from openpyxl import Workbook
    from openpyxl.styles import Font, PatternFill

    wb = Workbook()
    wb.remove(wb.active)
    for spec in sheets:
        ws = wb.create_sheet(spec.name)
        for r, row in enumerate(spec.rows, start=1):
            for c, value in enumerate(row, start=1):
                if value is None or value == "":
                    continue
                cell = ws.cell(row=r, column=c, value=value)
                if isinstance(value, (dt.date, dt.datetime)):
                    cell.number_format = "yyyy-mm-dd hh:mm" if isinstance(value, dt.datetime) else "yyyy-mm-dd"
                style = spec.styles.get((r - 1, c - 1))
                if style == "strike":
                    cell.font = Font(strike=True)
                elif style == "fill":
                    cell.fill = PatternFill("solid", fgColor="FFFF00")
        for r0, c0, r1, c1 in spec.merges:
            ws.merge_cells(start_row=r0 + 1, start_column=c0 + 1, end_row=r1 + 1, end_column=c1 + 1)
        if spec.hidden:
            ws.sheet_state = "hidden"
    wb.save(path)


def _write_xls(path: Path, sheets: list[Sheet]) -> None:
    import xlwt

    wb = xlwt.Workbook(encoding="utf-8")
    date_style = xlwt.easyxf(num_format_str="YYYY-MM-DD")
    time_style = xlwt.easyxf(num_format_str="YYYY-MM-DD HH:MM")
    looks = {"strike": "font: struck_out on", "fill": "pattern: pattern solid, fore_colour yellow"}

    def style(value, look: str | None):
        fmt = "YYYY-MM-DD HH:MM" if isinstance(value, dt.datetime) else "YYYY-MM-DD" if isinstance(value, dt.date) else None
        if look is None:
            return time_style if fmt == "YYYY-MM-DD HH:MM" else date_style if fmt else None
        return xlwt.easyxf(looks[look], num_format_str=fmt) if fmt else xlwt.easyxf(looks[look])
    for spec in sheets:
        ws = wb.add_sheet(spec.name)
        merged_cells = set()
        for r0, c0, r1, c1 in spec.merges:
            value = spec.rows[r0][c0] if c0 < len(spec.rows[r0]) else ""
            ws.write_merge(r0, r1, c0, c1, value)
            merged_cells |= {(r, c) for r in range(r0, r1 + 1) for c in range(c0, c1 + 1)}
        for r, row in enumerate(spec.rows):
            for c, value in enumerate(row):
                if (r, c) in merged_cells or value is None or value == "":
                    continue
                look = style(value, spec.styles.get((r, c)))
                if look is None:
                    ws.write(r, c, value)
                else:
                    ws.write(r, c, value, look)
        if spec.hidden:
            ws.visibility = 1
    wb.save(str(path))


# --------------------------------------------------------------------------- records

CASE_COLUMNS = ["信访编号", "承办单位", "收到日期", "信访形式", "问题类别", "答复日期", "是否延期", "越级情况", "满意度"]
PERSONAL = ["姓名", "联系电话", "身份证号"]


def case(case_id: str, unit: str, received: dt.date, replied: dt.date | None = None, *, extended: bool = False,
         escalation: str = "无", satisfaction: str = "", channel: str = "来信", category: str = "社会救助") -> dict:
    """One petition as a record (canonical meaning, Chinese headers)."""
    return {"信访编号": case_id, "承办单位": unit, "收到日期": received, "信访形式": channel, "问题类别": category,
            "答复日期": replied, "是否延期": "是" if extended else "否", "越级情况": escalation, "满意度": satisfaction}


def personal(i: int) -> dict:
    """Personal data as offices keep it beside a petition (must never reach any output)."""
    return {"姓名": f"王某{i}", "联系电话": f"1380000{i:04d}", "身份证号": f"34150219800101{i:04d}"}


def personal_of(record: dict) -> dict:
    """The petitioner of a record: one person per 信访编号, whichever sheet or shape it is written in."""
    return personal(sum(ord(ch) * (k + 1) for k, ch in enumerate(record["信访编号"])) % 10000)


def _title(text: str, width: int, unit_line: str = "填报单位：某区民政局（盖章）        填报日期：2025年1月6日") -> tuple[list, list]:
    rows = [[text] + [""] * (width - 1), [unit_line] + [""] * (width - 1), [""] * width]
    merges = [(0, 0, 0, width - 1), (1, 0, 1, width - 1)]
    return rows, merges


def _footer(width: int) -> list[list]:
    return [[""] * width, ["填表人：李某某", "", "审核人：张某某", "", "联系电话：0564-1234567"] + [""] * (width - 5)]


def casework_sheet(name: str, records: list[dict], *, title: str | None = "2024年度信访事项登记台账",
                   two_row_header: bool = True, ticks: bool = False, total_row: bool = True,
                   footer: bool = True, merge_units: bool = False, with_personal: bool = True,
                   date_as: str = "cell", checkmarks: bool = False, header_breaks: bool = False) -> Sheet:
    """A casework sheet as an office keeps it.

    Parameters
    ----------
    two_row_header : bool
        办理情况 merged over 答复日期 / 是否延期 (and the other headers merged over two rows).
    ticks : bool
        Satisfaction as three tick columns 满意 / 基本满意 / 不满意 under a merged 满意度.
    merge_units : bool
        The unit cell merged over consecutive records of the same unit.
    date_as : str
        ``cell`` (Excel date cells), ``datetime`` (with a time), ``serial`` (serial numbers typed
        as text), ``month-day`` (3月5日, the year from the sheet's name or title), ``text``.
    checkmarks : bool
        是否延期 as √ / ×, 越级情况 "none" as ``/`` or ``—``.
    header_breaks : bool
        Line breaks and spaces inside header cells (信访⏎编号).
    """
    plain = ["信访编号", "承办单位", "收到日期", "信访形式", "问题类别"]
    people = PERSONAL if with_personal else []
    sat_cols = ["满意", "基本满意", "不满意"] if ticks else ["满意度"]
    width = 1 + len(people) + len(plain) + 2 + 1 + len(sat_cols)
    rows: list[list] = []
    merges: list[Merge] = []
    if title:
        rows, merges = _title(title, width)
    h = len(rows)
    names = ["序号", *people, *plain]
    if header_breaks:
        names = [n[:2] + "\n" + n[2:] if len(n) == 4 else n for n in names]
        names = [n.replace("姓名", "姓　名") for n in names]
    if two_row_header:
        top = [*names, "办理情况", "", "越级情况", *(["满意度", "", ""] if ticks else ["满意度"])]
        sub = [""] * len(names) + ["答复日期", "是否延期", ""] + (sat_cols if ticks else [""])
        rows += [top, sub]
        for c in range(len(names)):
            merges.append((h, c, h + 1, c))
        merges.append((h, len(names), h, len(names) + 1))
        merges.append((h, len(names) + 2, h + 1, len(names) + 2))
        if ticks:
            merges.append((h, len(names) + 3, h, len(names) + 5))
        else:
            merges.append((h, len(names) + 3, h + 1, len(names) + 3))
        first = h + 2
    else:
        rows.append([*names, "答复日期", "是否延期", "越级情况", *sat_cols])
        first = h + 1
    for i, rec in enumerate(records, start=1):
        row = [i, *(personal_of(rec)[p] for p in people)]
        for col in plain:
            value = rec[col]
            row.append(_date(value, date_as) if col == "收到日期" else value)
        reply = rec["答复日期"]
        # a clerk writes the year when a reply falls in another year than the sheet's
        crosses = reply is not None and reply.year != rec["收到日期"].year and date_as == "month-day"
        row.append(_date(reply, "text" if crosses else date_as) if reply else "")
        ext = rec["是否延期"]
        row.append(("√" if ext == "是" else "×") if checkmarks else ext)
        esc = rec["越级情况"]
        row.append(("/" if i % 2 else "—") if (checkmarks and esc == "无") else esc)
        if ticks:
            row += ["√" if rec["满意度"] == s else "" for s in sat_cols]
        else:
            row.append(rec["满意度"])
        rows.append(row)
    if merge_units:
        col = names.index("承办单位")
        start = first
        for r in range(first + 1, len(rows) + 1):
            if r == len(rows) or rows[r][col] != rows[start][col]:
                if r - start > 1:
                    merges.append((start, col, r - 1, col))
                    for k in range(start + 1, r):
                        rows[k][col] = ""
                start = r
    if total_row:
        rows.append(["合计", *[""] * len(people), f"{len(records)}件"] + [""] * (width - 2 - len(people)))
    if footer:
        rows += _footer(width)
    date_cols = tuple(i for i, n in enumerate(rows[h + (1 if two_row_header else 0)]) if "日期" in str(n))
    return Sheet(name, rows, merges, date_cols)


def _date(value: dt.date | None, how: str) -> Any:
    if value is None:
        return ""
    if how == "cell":
        return value
    if how == "datetime":
        return dt.datetime(value.year, value.month, value.day, 9, 30)
    if how == "serial":
        return str((value - dt.date(1899, 12, 30)).days)
    if how == "month-day":
        return f"{value.month}月{value.day}日"
    return f"{value.year}年{value.month}月{value.day}日"


def monthly(records: list[dict], key: str, **shape) -> list[Sheet]:
    """One sheet per month (named 2024年1月 …) and a 说明 sheet, as many offices keep a year."""
    by_month: dict[tuple[int, int], list[dict]] = {}
    for rec in records:
        d = rec[key]
        by_month.setdefault((d.year, d.month), []).append(rec)
    sheets = [Sheet("填表说明", [["填表说明"], ["1. 每月一个工作表，按收到日期登记。"], ["2. 是否延期填 √ 或 ×。"]])]
    for (y, m), recs in sorted(by_month.items()):
        sheets.append(casework_sheet(f"{y}年{m}月", recs, title=f"{y}年{m}月信访事项登记台账", **shape))
    return sheets


def activities_sheet(name: str, rows: list[tuple], *, title: str | None = "2024年度组织生活台账",
                     total_row: bool = True, counts_with_units: bool = True) -> Sheet:
    """An activities sheet: (unit, date, category, title, participants) rows."""
    width = 6
    out, merges = _title(title, width) if title else ([], [])
    out.append(["序号", "单位", "日期", "类别", "主题", "参加人数"])
    for i, (unit, day, cat, theme, n) in enumerate(rows, start=1):
        out.append([i, unit, day, cat, theme, f"{n}人" if (counts_with_units and isinstance(n, int)) else n])
    if total_row:
        out.append(["小计", "", "", f"{len(rows)}次", "", ""])
    return Sheet(name, out, merges)


def coverage_sheet(name: str, unit: str, villages: list[tuple[str, dt.date | None]], *,
                   merge_unit: bool = True, total_row: bool = True) -> Sheet:
    """Villages a unit covers, the unit cell merged over them, and a 合计 row."""
    out, merges = _title("村（社区）“救急难”互助社建设台账", 4, "填报单位：某区民政局")
    out.append(["序号", "单位", "村（社区）", "建成日期"])
    first = len(out)
    for i, (village, day) in enumerate(villages, start=1):
        out.append([i, unit if (i == 1 or not merge_unit) else "", village, day or ""])
    if merge_unit and len(villages) > 1:
        merges.append((first, 1, first + len(villages) - 1, 1))
    if total_row:
        out.append(["", "合计", f"{len(villages)}个", ""])
    return Sheet(name, out, merges)

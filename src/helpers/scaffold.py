"""``nianbao init DIR``: a new data folder that an office can fill in.

Every ledger table of the registry (:data:`helpers.schema.TABLES`) becomes an
XLSX template: a title row, the contract's Chinese headers, drop-down lists
(data validation) for the columns with a fixed set of values, date-formatted
date columns, and a 说明 sheet. ``units.csv`` gets one example row, and
``narrative/default.md`` the generic prose to edit. ``nianbao validate``
passes on the folder as it is written.
"""

from __future__ import annotations

import shutil
from datetime import date
from pathlib import Path

from . import paths, schema
from .config import rules as load_rules
from .errors import ParameterError

_ROWS = 1000  # rows prepared with drop-down lists and date formats
_HELP = {
    "date": "日期，如 2025-03-05 或 2025年3月5日",
    "int": "整数，如 15（写“15人”也可）",
    "bool": "从下拉列表选择 是 或 否",
    "unit": "单位代码或单位全称，须与 units.csv 一致",
    "url": "以 http:// 或 https:// 开头的链接",
}


def _choices() -> dict[tuple[str, str], list[str]]:
    """The drop-down list of each (table, column) with a fixed set of values."""
    rules = load_rules()
    cw = rules["casework"]
    return {
        ("activities", "category"): [name for name, _aliases in schema.CATEGORIES.values()],
        ("casework", "channel"): list(cw["channels"]),
        ("casework", "extended"): [str(rules["reading"]["true_words"][0]), str(rules["reading"]["false_words"][0])],
        ("casework", "escalation"): [str(rules["reading"]["none_words"][0]), *cw["escalation_levels"]],
        ("casework", "satisfaction"): list(cw["rated"]),
        ("publicity", "level"): list(rules["publicity"]["levels"]),
    }


def header_of(column: schema.Column) -> str:
    """The header a template writes for a column: its first Chinese alias."""
    return column.aliases[0] if column.aliases else column.name


def _write_template(path: Path, table: schema.Table, year: int, choices: dict) -> None:
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Font, PatternFill
    from openpyxl.utils import get_column_letter
    from openpyxl.worksheet.datavalidation import DataValidation

    wb = Workbook()
    ws = wb.active
    ws.title = f"{year}年"
    columns = table.columns
    ws.cell(row=1, column=1, value=f"{year}年度{table.title}")
    ws.merge_cells(start_row=1, start_column=1, end_row=1, end_column=len(columns))
    ws.cell(row=1, column=1).font = Font(bold=True, size=14)
    ws.cell(row=1, column=1).alignment = Alignment(horizontal="center")
    for i, col in enumerate(columns, start=1):
        cell = ws.cell(row=2, column=i, value=header_of(col))
        cell.font = Font(bold=True, color="C00000" if col.required else "000000")
        cell.fill = PatternFill("solid", fgColor="F2F2F2")
        letter = get_column_letter(i)
        ws.column_dimensions[letter].width = 14 if col.kind != "text" else 22
        span = f"{letter}3:{letter}{_ROWS + 2}"
        if col.kind == "date":
            for row in range(3, _ROWS + 3):
                ws.cell(row=row, column=i).number_format = "yyyy-mm-dd"
        options = choices.get((table.name, col.name))
        if options:
            dv = DataValidation(type="list", formula1='"' + ",".join(options) + '"', allow_blank=True,
                                showErrorMessage=table.name != "activities",  # other categories may be typed
                                errorTitle="请从列表中选择", error="请从下拉列表中选择。")
            dv.add(span)
            ws.add_data_validation(dv)
    ws.freeze_panes = "A3"
    help_sheet = wb.create_sheet("说明")
    help_sheet.append(["列名", "是否必填", "填写说明"])
    for col in columns:
        options = choices.get((table.name, col.name))
        note = "从下拉列表选择：" + "、".join(options) if options else _HELP.get(col.kind, "文字")
        help_sheet.append([header_of(col), "必填" if col.required else "选填", note])
    help_sheet.append([])
    help_sheet.append(["每条记录一行；可按月分工作表（如“2025年3月”），表头相同即可。合计行、填表人等表尾行不计入。"])
    help_sheet.column_dimensions["A"].width = 16
    help_sheet.column_dimensions["C"].width = 60
    wb.save(path)


def init_data_folder(target: Path | str, year: int | None = None) -> list[Path]:
    """Write a new data folder with ledger templates, ``units.csv`` and the generic prose.

    Parameters
    ----------
    target : Path or str
        The folder to create; it must not exist yet, or be empty.
    year : int, optional
        The year the templates are titled and their sheets named for; this year by default.

    Returns
    -------
    list of Path
        The files written.

    Raises
    ------
    ParameterError
        When ``target`` holds files already (nothing is overwritten).
    """
    target = Path(target)
    if target.exists() and (not target.is_dir() or any(target.iterdir())):
        raise ParameterError(f"{target} 已存在且不是空文件夹：为免覆盖已有台账，请指定一个新的文件夹")
    year = year or date.today().year
    target.mkdir(parents=True, exist_ok=True)
    written: list[Path] = []
    units = target / "units.csv"
    header = ",".join(header_of(c) for c in schema.UNITS.columns)
    units.write_text(f"{header}\nexample-unit,某某局,中共某某局党组,中共某某区委\n", encoding="utf-8-sig")
    written.append(units)
    choices = _choices()
    for table in schema.TABLES.values():
        if table.name == "units":
            continue
        path = target / f"{table.name}.xlsx"
        _write_template(path, table, year, choices)
        written.append(path)
    prose = target / paths.NARRATIVE_SUBDIR / "default.md"
    prose.parent.mkdir()
    shutil.copyfile(paths.generic_prose(), prose)
    written.append(prose)
    return written

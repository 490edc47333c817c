"""``nianbao init DIR``: a new data folder an office can fill in; ``--project``: a whole project.

Every ledger table of the registry (:data:`helpers.read.schema.TABLES`) becomes an
XLSX template: a title row, the contract's Chinese headers, drop-down lists
(data validation) for the columns with a fixed set of values, date-formatted
date columns, and a 说明 sheet. ``units.csv`` gets one example row, and
``narrative/default.md`` the generic prose to edit. ``nianbao validate``
passes on the folder as it is written.

``nianbao init DIR --project`` makes a project folder, as ``quarto create
project`` does: ``data/`` (the templates holding a small worked example, or
blank with ``--empty``), ``notebooks/``, ``_quarto.yml``, ``config/`` and a short
Chinese README; ``nianbao build`` works in it at once, and its own files
override nianbao's defaults (:mod:`helpers.settings.paths`).
"""

from __future__ import annotations

import shutil
from datetime import date
from pathlib import Path

from ..read import schema
from ..settings import paths
from ..settings.config import rules as load_rules
from ..settings.errors import ParameterError

_ROWS = 1000  # rows prepared with drop-down lists and date formats
_HELP = {
    "date": "日期，如 2025-03-05 或 2025年3月5日",
    "int": "整数，如 15（写“15人”也可）",
    "bool": "从下拉列表选择 是 或 否",
    "unit": "单位代码或单位全称，须与 units.csv 一致",
    "url": "以 http:// 或 https:// 开头的链接",
}


def _choices() -> dict[tuple[str, str], list[str]]:
    """The drop-down list of each (table, column) with a fixed set of values (:attr:`schema.Column.choices`)."""
    rules = load_rules()
    reading = rules["reading"]

    def listed(path: str) -> list:
        value = rules
        for key in path.split("."):
            value = value[key]
        return list(value)

    def values(source: str) -> list[str]:
        if source == "categories":
            return [name for name, _aliases in schema.CATEGORIES.values()]
        if source.startswith("first:"):
            return [str(listed(source.removeprefix("first:"))[0])]
        return [str(v) for v in listed(source)]

    out = {}
    for table in schema.TABLES.values():
        for col in table.columns:
            options = [str(reading["true_words"][0]), str(reading["false_words"][0])] if col.kind == "bool" else []
            if table.counted and col.name == "category":  # its kinds, as config/rules.yml names them
                options += [label for label, _aliases in schema.counted_categories(table).values()]
            for source in col.choices:
                options += values(source)
            if options:
                out[(table.name, col.name)] = options
    return out


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
        cell = ws.cell(row=2, column=i, value=col.label)
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
                                showErrorMessage="categories" not in col.choices,  # other categories may be typed
                                errorTitle="请从列表中选择", error="请从下拉列表中选择。")
            dv.add(span)
            ws.add_data_validation(dv)
    ws.freeze_panes = "A3"
    help_sheet = wb.create_sheet("说明")
    help_sheet.append(["列名", "是否必填", "填写说明"])
    for col in columns:
        options = choices.get((table.name, col.name))
        note = "从下拉列表选择：" + "、".join(options) if options else _HELP.get(col.kind, "文字")
        help_sheet.append([col.label, "必填" if col.required else "选填", note])
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
    header = ",".join(c.label for c in schema.UNITS.columns)
    units.write_text(f"{header}\nexample-unit,某某局,中共某某局党组,中共某某区委\n", encoding="utf-8-sig")
    written.append(units)
    choices = _choices()
    for table in schema.TABLES.values():
        if table.name == "units":
            continue
        path = target / f"{table.name}.xlsx"
        _write_template(path, table, year, choices)
        written.append(path)
    from ..figures.kinds import kinds

    (target / paths.NARRATIVE_SUBDIR).mkdir()
    for kind in kinds().values():  # each kind's generic prose, to edit: default.md, default.casework.md
        prose = target / paths.NARRATIVE_SUBDIR / f"default{kind.suffix()}.md"
        shutil.copyfile(kind.generic_prose(), prose)
        written.append(prose)
    return written


# --------------------------------------------------------------------------- a whole project

PROJECT_FILES = paths.OVERRIDABLE
EXAMPLE_UNITS = (
    ("example-mzj", "某区民政局", "中共某区民政局党组", "中共某区委"),
    ("example-rsj", "某区人社局", "中共某区人社局党组", "中共某区委"),
)
_PROJECT_README = """# {name}

nianbao 年报项目：由台账自动生成年度工作报告（HTML、PDF、Word）。

- `data/`：台账。`units.csv` 是单位名录；{tables}逐行登记，每个文件的“说明”工作表写明各列的填法。
  {example}
- {prose}：报告的文字稿，
  花括号中的占位符（如 {{casework.total}}）由台账数据自动填写。
- `notebooks/`：每类报告一个 Jupyter 笔记本；`_quarto.yml`：版式与字体；
  `config/`：规定频次、答复时限、类别别名和报告类别。
  这些文件可以修改，也可以删除（删除后使用 nianbao 自带的默认文件）。

常用命令（在本文件夹中运行）：

    nianbao validate                      # 检查台账，列出所有问题
    nianbao build --year {year} --unit all   # 生成报告，写入 output/
    nianbao build --year {year} --kind all --period H1   # 两类报告的上半年报告
    nianbao doctor                        # 查看字体与正在使用的配置文件
"""


# The worked example's meetings: id suffix, day, category, title, participants, months held.
_MONTHLY, _QUARTERLY = tuple(range(1, 13)), (3, 6, 9, 12)
_EXAMPLE_MEETINGS = (
    ("a", 8, "理论学习中心组学习", "集中学习", 12, _MONTHLY),
    ("b", 15, "主题党日", "主题党日活动", 20, _MONTHLY),
    ("c", 20, "支部委员会", "支委会", 5, _MONTHLY),
    ("d", 25, "支部党员大会", "党员大会", 20, _QUARTERLY),
    ("e", 26, "党课", "专题党课", 20, _QUARTERLY),
    ("f", 27, "意识形态工作专题研究", "专题研究", 7, (6, 12)),
)


def _example_rows(years: list[int]) -> dict[str, list[list]]:
    """A small, plausible worked example for the two example units: meetings, petitions, press, villages."""
    acts: list[list] = []
    cases: list[list] = []
    press: list[list] = []
    n = 0
    for year in years:
        for unit, *_ in EXAMPLE_UNITS:
            for month in range(1, 13):
                for key, day, category, title, people, months in _EXAMPLE_MEETINGS:
                    if month in months:
                        acts.append([f"{unit}-{year}-{month:02d}{key}", unit, date(year, month, day), category,
                                     title, people])
                if month % 2:
                    n += 1
                    got = date(year, month, 3 + month)
                    late = n % 7 == 0
                    reply = date(year, month + 1, 28) if late and month < 12 else date(year, month, 20 + month // 2)
                    cases.append([f"XF{year}{n:04d}", unit, got, ("来信", "来访", "网上信访", "电话")[n % 4],
                                  ("社会救助", "养老服务", "殡葬管理")[n % 3], reply, "否",
                                  "无", ("满意", "基本满意", "满意", "不满意")[n % 4]])
            for month in (4, 9):
                press.append([unit, date(year, month, 12), ("人民网", "学习强国")[month % 2], "中央",
                              f"{year}年工作动态", ""])
    counted = {name: _counted_examples(schema.TABLES[name], years) for name in schema.COUNTED_TABLES}
    return {"activities": acts, "casework": cases, "publicity": press, **counted}


def _counted_examples(table: schema.Table, years: list[int]) -> list[list]:
    """A counted table's worked example: each kind as often as its minimum asks (else once a year), spread
    over the year, for each example unit; the values in the order of the table's columns."""
    minimums = load_rules()[table.prefix].get("minimums", {})
    rows: list[list] = []
    for year in years:
        for unit, *_ in EXAMPLE_UNITS:
            for code, (label, _aliases) in schema.counted_categories(table).items():
                times = max(1, int(minimums.get(code, {}).get("per_year", 1)))
                for k in range(times):
                    month = int((k + 0.5) * 12 / times) + 1
                    seq = len(rows) + 1
                    values = {"unit": unit, "date": date(year, month, 10 + seq % 15), "category": label,
                              "int": 10 + seq % 20, "key": f"{unit}-{year}-{seq:03d}", "text": f"{year}年{label}"}
                    rows.append([values["key"] if col.name in table.key else
                                 values["category"] if col.name == "category" else
                                 values.get(col.kind, values["text"]) for col in table.columns])
    return rows


def _fill_example(folder: Path, years: list[int]) -> None:
    from openpyxl import load_workbook

    header = ",".join(c.label for c in schema.UNITS.columns)
    (folder / "units.csv").write_text(header + "\n" + "".join(",".join(u) + "\n" for u in EXAMPLE_UNITS),
                                      encoding="utf-8-sig")
    for table, rows in _example_rows(years).items():
        path = folder / f"{table}.xlsx"
        wb = load_workbook(path)
        ws = wb.worksheets[0]
        for i, row in enumerate(rows, start=3):
            for j, value in enumerate(row, start=1):
                ws.cell(row=i, column=j, value=value)
        wb.save(path)
    wb = load_workbook(folder / "coverage.xlsx")
    ws = wb.worksheets[0]
    for i in range(12):
        ws.append(["example-mzj", f"示例村{i + 1}", date(years[0], 1 + i, 10) if i < 10 else None])
    wb.save(folder / "coverage.xlsx")


def init_project(target: Path | str, *, empty: bool = False, year: int | None = None) -> list[Path]:
    """Write a new project folder: ``data/``, ``notebooks/``, ``_quarto.yml``, ``config/``, README.

    Parameters
    ----------
    target : Path or str
        The folder to create; it must not exist yet, or be empty.
    empty : bool
        Leave the ledger templates blank (one example row in ``units.csv``) instead
        of holding a worked example.
    year : int, optional
        The last year of the worked example (this year by default); the example
        covers it and the two years before, so that 同比 has a prior year.

    Returns
    -------
    list of Path
        The files written.

    Raises
    ------
    ParameterError
        When ``target`` holds files already.
    """
    target = Path(target)
    year = year or date.today().year
    years = [year - 2, year - 1, year]
    written = init_data_folder(target / "data", year)
    if not empty:
        _fill_example(target / "data", years)
    for name in PROJECT_FILES:
        dest = target / name
        dest.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(paths.resource(name), dest)
        written.append(dest)
    example = "" if empty else f"其中已填有两个示例单位{years[0]}—{years[-1]}年的示例记录，可照此登记后删除。"
    readme = target / "README.md"
    from ..figures.kinds import kinds

    tables = "、".join(f"`{t.name}.xlsx`（{t.title}）" for t in schema.TABLES.values() if t.name != "units")
    prose = "、".join(f"`data/{paths.NARRATIVE_SUBDIR}/default{k.suffix()}.md`（{k.titles['year']}）"
                     for k in kinds().values())
    readme.write_text(_PROJECT_README.format(name=target.name, example=example, year=years[1], tables=tables,
                                             prose=prose), encoding="utf-8")
    written.append(readme)
    return written

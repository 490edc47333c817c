"""What ``nianbao validate`` prints: set-aside rows, skipped sheets and lines, and a summary, in Chinese."""

from __future__ import annotations

import unicodedata

from . import schema
from .ledgers import LAYOUT_COLUMNS, READING_LABELS, Ledgers, rejected_for_output

_HEADERS = {"file": "文件", "sheet": "工作表", "row": "行", "column": "列", "value": "内容", "reason": "原因"}


def display_width(text: str) -> int:
    """Columns a text takes in a terminal (a hanzi takes two)."""
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def _pad(text: str, width: int) -> str:
    return text + " " * max(0, width - display_width(text))


def table_lines(rows: list[list[str]]) -> list[str]:
    """Rows of text cells, aligned for a terminal."""
    widths = [max(display_width(r[i]) for r in rows) for i in range(len(rows[0]))]
    return ["  ".join(_pad(c, w) for c, w in zip(r, widths)).rstrip() for r in rows]


def validation_lines(ledgers: Ledgers) -> list[str]:
    """Everything ``nianbao validate`` says of a data folder, line by line.

    Parameters
    ----------
    ledgers : Ledgers
        A validated data folder.

    Returns
    -------
    list of str
        The set-aside rows (file, sheet, row, column, value, reason), the notes
        (sheets and lines skipped, files not read, counts and categories to
        check), and a one-line summary.
    """
    out: list[str] = account_lines(ledgers)
    rej = rejected_for_output(ledgers.rejected)
    if not rej.empty:
        out.append("以下行未纳入统计（请改正台账）：")
        rows = [[_HEADERS[c] for c in rej.columns]]
        labels = [_column_label(table, column) for table, column in zip(ledgers.rejected["table"], rej["column"])]
        rows += [[str(v) for v in r] for r in rej.assign(column=labels).itertuples(index=False)]
        out += table_lines(rows)
        out.append("")
    if ledgers.notes:
        out.append("提示：")
        for note in ledgers.notes:
            place = f"{note.file} 工作表“{note.sheet}”" if note.sheet else note.file
            count = f"（{note.count}条）" if note.kind == "category" else ""
            out.append(f"- {place}：{note.message}{count}")
        out.append("")
    good = "、".join(
        f"{schema.TABLES[t].title}{len(getattr(ledgers, t))}行"
        for t in schema.LEDGER_TABLES
        if getattr(ledgers, t) is not None
    )
    missing = [schema.TABLES[t].title for t in schema.OPTIONAL_TABLES if getattr(ledgers, t) is None]
    line = f"共{len(ledgers.units)}个单位；有效记录：{good}"
    if missing:
        line += f"；未提供{'、'.join(missing)}（报告中相应部分从略）"
    line += f"；剔除{ledgers.rejected_rows}行（{len(rej)}处问题）" if ledgers.rejected_rows else "；没有被剔除的行"
    out.append(line)
    return out


def _column_label(table: str, column: str) -> str:
    """A column as the office calls it (日期, 承办单位), not its id (date, unit)."""
    try:
        return schema.TABLES[table].column(column).label
    except (KeyError, StopIteration):
        return {"row": "整行"}.get(column, column)


def account_lines(ledgers: Ledgers) -> list[str]:
    """The reading account: every file and sheet, its non-empty rows and what each became.

    Records + set aside + cancelled + layout rows (title, header, 合计, footer,
    page lines, merged copies, sheets that are no ledger) = non-empty rows.
    """
    acc = ledgers.reading
    if acc.empty:
        return []
    rows = [["文件", "工作表", "非空行", "记录", "剔除", "作废", "非记录行", "说明"]]
    for line in acc.itertuples(index=False):
        layout = {c: getattr(line, c) for c in LAYOUT_COLUMNS if getattr(line, c)}
        what = "、".join(f"{READING_LABELS[c]}{n}" for c, n in layout.items())
        note = line.note or ("" if not line.table else schema.TABLES[line.table].title)
        rows.append([line.file, line.sheet or "-", str(line.rows) if line.table else "-",
                     str(line.records), str(line.set_aside), str(line.cancelled),
                     f"{sum(layout.values())}（{what}）" if layout else "0", note])
    out = ["读取情况（每个文件、工作表的每一非空行：记录 + 剔除 + 作废 + 非记录行 = 非空行）："]
    out += table_lines(rows)
    out.append("")
    if not ledgers.cancelled.empty:
        out.append("以下行在台账中标为作废，未计入：")
        out += table_lines([["文件", "工作表", "行", "标记"]] +
                           [[r.file, r.sheet or "-", str(r.row), r.how] for r in ledgers.cancelled.itertuples()])
        out.append("")
    return out

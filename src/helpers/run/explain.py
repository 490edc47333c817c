"""``nianbao explain``: how one figure of a report was computed, and the ledger rows behind it.

For a count: the rule (with the deadlines of ``config/rules.yml``), each span
and the rows counted, by file, sheet and row as the office's ledger shows
them. For a rate: the numerator's and the denominator's rows. For a median or
a distinct count: the rows it reads. Everything is in Chinese, for the clerk
who checks the report.
"""

from __future__ import annotations

import difflib
import unicodedata
from datetime import date
from pathlib import Path

import pandas as pd

from ..figures.base import SPANS, resolve_as_of
from ..figures.indicators import Indicators, compute_indicators
from ..read.ledgers import Ledgers
from ..settings import paths
from ..settings.errors import ParameterError
from ..words.evidence import (
    SPAN_LABELS,
    XLSX_FILE,
    for_people,
    header,
    is_stock,
    rule_text,
    span_words,
    table_columns,
    table_evidence,
)
from ..words.phrasing import cn_date, number


def figures_of(ledgers: Ledgers, unit: str, year: int, as_of: str | date | None = None,
               period: str = "year") -> Indicators:
    """The figures of one report; ``unit`` may be the district summary's id (every unit with data pooled)."""
    if unit != paths.SUMMARY_ID:
        return compute_indicators(ledgers, unit, year, as_of, period)
    from .summary import pooled

    units = [u for u in ledgers.units.index if int(year) in ledgers.years(u)]
    if not units:
        raise ParameterError(f"{year}年没有任何单位的台账数据，无法汇总")
    return compute_indicators(pooled(ledgers, units), paths.SUMMARY_ID, int(year),
                              resolve_as_of(int(year), as_of, period), period)


def _width(text: str) -> int:
    """Columns a text takes in a terminal (a hanzi takes two)."""
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def _pad(text: str, width: int) -> str:
    return text + " " * (width - _width(text))


def rows_table(lines: pd.DataFrame, table: str, show_unit: bool) -> list[str]:
    """The rows of one figure as aligned text: file, sheet, row, then the record's columns."""
    cols = ["file", "sheet", "row"] + [c for c in table_columns(table) if show_unit or c != "unit"]
    if not lines["sheet"].astype(bool).any():
        cols.remove("sheet")
    heads = [header(c, table) for c in cols]
    body = [[str(v) for v in row] for row in lines[cols].itertuples(index=False)]
    widths = [max(_width(h), *(_width(r[i]) for r in body)) for i, h in enumerate(heads)]
    out = ["  " + "  ".join(_pad(h, w) for h, w in zip(heads, widths)).rstrip()]
    out += ["  " + "  ".join(_pad(v, w) for v, w in zip(r, widths)).rstrip() for r in body]
    return out


def explain(ledgers: Ledgers, unit: str, year: int, key: str, as_of: str | date | None = None,
            out_dir: Path | str | None = None, *, kind: str | None = None, period: str = "year") -> str:
    """Say, in Chinese, how figure ``key`` of a report was computed and which rows it counts.

    Parameters
    ----------
    ledgers : Ledgers
        The validated ledgers.
    unit : str
        A ``unit_id``, or ``_summary`` for the district summary.
    year : int
        The report year.
    key : str
        An indicator id such as ``casework.on_time`` (or a count a rate stands
        on, such as ``casework.due``).
    as_of : str or date, optional
        The report's cut-off date.
    out_dir : Path, optional
        The output root; the report's 核对表 there is named when it exists.
    kind, period : str, optional
        The report kind (its 核对表 is named) and the period (``year``, ``H1`` … ``Q4``;
        a shorter period is explained for 环比 too).

    Returns
    -------
    str
        The explanation, ready to print.

    Raises
    ------
    ParameterError
        Unknown unit, year or indicator (the nearest indicator ids are suggested).
    """
    from ..figures.kinds import get as get_kind
    from ..figures.periods import parse_period

    the_kind = get_kind(kind)
    unit = unit if unit == paths.SUMMARY_ID else ledgers.unit_id_of(unit)  # a unit's name or 简称 too
    ind = figures_of(ledgers, unit, int(year), as_of, parse_period(period))
    items = ind.with_bases()
    if key not in items:
        near = difflib.get_close_matches(key, list(items), n=3, cutoff=0.5)
        hint = f"；是否指 {'、'.join(near)}？" if near else "。"
        raise ParameterError(f"指标 '{key}' 不存在{hint}可查询的指标：{'、'.join(items)}")
    item = items[key]
    name = "各单位汇总" if unit == paths.SUMMARY_ID else ledgers.unit(unit)["unit_name"]
    out = [f"指标：{key}　{item.label}",
           f"报告：{name}（{unit}）{ind.period.words}{the_kind.name}报告，统计截止日{cn_date(ind.as_of)}",
           f"计算方法：{rule_text(key, ind)}。"]
    spans = [s for s in SPANS if s in ind.spans]
    if item.basis:
        parts = "、".join(f"{b}（{items[b].label}）" for b in item.basis)
        out.append(f"依据的计数：{parts}。")
    counts = [key] if item.counted else [b for b in item.basis if items[b].counted]
    for span in spans:
        figure = item.figure(span)
        unit_word = "" if item.unit == "%" else item.unit
        out.append("")
        when = span_words(ind, span, is_stock(key, ind))
        out.append(f"【{SPAN_LABELS[span]}】{when}：{number(figure, item.kind)}{unit_word}")
        if figure is None and item.counted:
            out.append("  上年同期无数据（台账中没有这一期间的记录）。")
            continue
        if item.kind == "rate" and len(item.basis) == 2:
            top, bottom = (items[b] for b in item.basis)
            out.append(f"  = {top.label} {number(top.figure(span))}{top.unit} ÷ {bottom.label} "
                       f"{number(bottom.figure(span))}{bottom.unit}")
        for count in counts:
            part = table_evidence(ledgers, _only(ind, count), items[count].table)
            part = part[part["span"] == span]
            part = for_people(part, items[count].table)
            role = ""
            if count != key:
                role = ("分子" if count == item.basis[0] else "分母") if item.kind == "rate" else "所依据"
                out.append(f"  {role}：{count}（{items[count].label}）{len(part)}行")
            else:
                out.append(f"  计入的台账记录{len(part)}行：" if len(part) else "  计入的台账记录：无。")
            if len(part):
                out += rows_table(part, items[count].table, unit == paths.SUMMARY_ID)
        if item.kind == "days" and figure is not None:
            out.append(f"  上列各件“{header('days_taken', item.table)}”的中位数为{number(figure, 'days')}天。")
        if key == "publicity.outlets" and figure is not None:
            part = table_evidence(ledgers, _only(ind, "publicity.total"), "publicity")
            names = sorted(set(part.loc[part["span"] == span, "outlet"]))
            out.append(f"  不同媒体{len(names)}家：{'、'.join(names)}")
    if out_dir is not None:
        target = paths.report_dir(Path(out_dir), ind.period.label, unit, the_kind.id) / XLSX_FILE
        if target.is_file():
            out += ["", f"核对表：{target}"]
    return "\n".join(out) + "\n"


def _only(ind: Indicators, key: str) -> Indicators:
    """``ind`` with only the figure ``key`` (so its evidence alone is listed)."""
    from dataclasses import replace

    items = ind.with_bases()
    return replace(ind, items={key: items[key]}, bases={})

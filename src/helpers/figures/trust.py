"""Whether a report may state its figures: no figure the ledgers do not support.

A report is refused (exit 1, unless ``--allow-rejected``; the report then says
so on its first page) when, for a table the report's kind counts:

- more than the allowed share of the unit's rows were set aside — rows whose
  unit names no unit count for every unit (they may be its);
- a category spelling nearly names a canonical category but is not mapped
  (counted neither in it nor apart: the figure would be short);
- the unit has no row in the report's span, or in the same span a year
  earlier, while rows whose unit names no unit fall in that span: a 0 or a
  无数据 would be stated over rows that may be the unit's.
"""

from __future__ import annotations

import fnmatch
from dataclasses import dataclass
from datetime import date

import pandas as pd

from ..read import schema
from ..read.ledgers import Ledgers, over_threshold
from .base import Span
from .kinds import Kind
from .periods import Period


def kind_tables(kind: Kind) -> list[str]:
    """The ledger tables whose figures a kind states (a pattern such as ``activity*`` or ``*`` included)."""
    return [name for name in schema.LEDGER_TABLES
            if any(fnmatch.fnmatchcase(schema.TABLES[name].prefix, p.split(".")[0]) for p in kind.figures)]


@dataclass(frozen=True)
class Refusal:
    """One reason not to state a report's figures: for the analyst (files, rows, what to do) and for the page."""

    message: str  # for the build and validate: names files, rows and the fix
    page: str  # for the report's first page, in office words (no file names)


def refusals(ledgers: Ledgers, unit_id: str, kind: Kind, period: Period, as_of: date) -> list[Refusal]:
    """Why the report of ``unit_id`` should not state its figures (empty when it may).

    Parameters
    ----------
    ledgers : Ledgers
    unit_id : str
    kind : Kind
    period : Period
    as_of : date
        The report's cut-off date.

    Returns
    -------
    list of Refusal
        One per reason, in Chinese.
    """
    tables = kind_tables(kind)
    out = []
    over = [(t, bad, total) for t, bad, total in over_threshold(ledgers, unit_id) if t in tables]
    if over:
        parts = "、".join(f"{schema.TABLES[t].title}{bad}/{total}行" for t, bad, total in over)
        page = "、".join(f"{schema.TABLES[t].title}{bad}行（占{bad / total:.1%}）" for t, bad, total in over)
        out.append(Refusal(f"台账中被剔除的行过多，不宜据此出具报告：{parts}",
                           f"{page}因填写不规范未纳入统计，超过规定比例"))
    unsettled = ledgers.unsettled_for(unit_id)
    if unsettled.empty:
        return out
    near = unsettled[(unsettled["what"] == "category") & unsettled["table"].isin(tables)]
    if not near.empty:
        listed = "、".join(f"“{value}”{len(g)}条（像是“{schema.CATEGORIES[g['means'].iloc[0]][0]}”）"
                           for value, g in near.groupby("value", sort=False))
        out.append(Refusal(f"活动类别写法未能确认：{listed}；"
                           "请在 config/categories.yml 相应类别的 aliases 下加上这些写法",
                           f"活动台账中{len(near)}条记录的类别写法未能确认，未计入各类组织生活"))
    this = Span(pd.Timestamp(period.start), pd.Timestamp(as_of))
    spans = [(this.start, this.end, "本期"), (this.prior().start, this.prior().end, "上年同期")]
    loose = unsettled[(unsettled["what"] == "unit") & unsettled["table"].isin(tables)]
    for name, rows in loose.groupby("table", sort=False):
        frame = getattr(ledgers, name)
        date_col = next((c.name for c in schema.TABLES[name].columns if c.kind == "date"), None)
        for start, end, words in spans:
            dates = pd.to_datetime(rows["date"])
            inside = rows[dates.isna() | ((dates >= start) & (dates <= end))]
            if inside.empty:
                continue
            mine = frame[frame["unit"] == unit_id]
            if date_col is not None:
                mine = mine[(mine[date_col] >= start) & (mine[date_col] <= end)]
            if mine.empty:
                where = "、".join(f"{f}{' 工作表“' + s + '”' if s else ''}第{r}行"
                                  for f, s, r in inside[["file", "sheet", "row"]].head(5).itertuples(index=False))
                more = "等" if len(inside) > 5 else ""
                title = schema.TABLES[name].title
                out.append(Refusal(f"{title}中本单位{words}没有记录，但有{len(inside)}行的单位无法对应到"
                                   f"单位名录（{where}{more}），可能属于本单位：请在单位名录的“简称”列登记这些写法",
                                   f"{title}中{len(inside)}条记录未能确认所属单位，{words}数字可能不完整"))
    return out


def first_page_warning(reasons: list[Refusal]) -> str:
    """The sentence on a report's first page when it was built with ``--allow-rejected`` despite ``reasons``."""
    if not reasons:
        return ""
    return ("数据提示：本报告所用台账中，" + "；".join(r.page for r in reasons)
            + "，有关数字可能不完整，请核实更正台账后重新生成。")


__all__ = ["Refusal", "first_page_warning", "kind_tables", "refusals"]


"""The report's tables, as Pandoc pipe tables: the blocks a kind's attachment lists.

:data:`TABLES` maps a block id of ``appendix:`` in ``config/kinds.yml`` to a
function of the report returning a :class:`Table` (or ``None`` when the report
has nothing to show there); the document numbers them 表1, 表2 … in order.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from ..figures.base import Indicator
from ..figures.casework import CASE_NEEDS
from ..figures.indicators import Indicators
from ..settings.layout import pipe_table
from ..words.phrasing import delta_cell, md_escape, number, pct_cell

if TYPE_CHECKING:
    from .report import Report


@dataclass(frozen=True)
class Table:
    """A caption (without its number), a note on what it counts, and the table's Markdown."""

    caption: str
    note: str
    markdown: str


def figure_label(item: Indicator) -> str:
    """``信访件总数（件）``; rates keep their name alone."""
    return item.label + ("" if item.unit == "%" else f"（{item.unit}）")


def indicator_table(ind: Indicators, keys: list[str] | None = None, links: bool = True,
                    span: str = "prior") -> str:
    """The indicator table as a Pandoc pipe table: 本期, 上年同期, 增减, 增幅 (同比).

    With ``span="previous"`` it compares with the period just before (环比):
    本期, 上期, 增减, 增幅. With ``links``, the table is wrapped in
    ``::: {.ev-table keys="…" spans="…"}``: in HTML, ``templates/nianbao.lua``
    links each figure to its evidence (:mod:`helpers.words.evidence`); other formats
    get the plain table.
    """
    keys = list(ind.items) if keys is None else [k for k in keys if k in ind.items]
    items = [ind.items[k] for k in keys]
    header = ["指标", "本期", "上年同期" if span == "prior" else "上期", "增减", "增幅"]
    rows = [[figure_label(i), number(i.value, i.kind), number(i.figure(span), i.kind), delta_cell(i, span),
             pct_cell(i, span)] for i in items]
    table = pipe_table(header, rows)
    if links:
        table = f'::: {{.ev-table keys="{" ".join(keys)}" spans="value {span}"}}\n{table}\n:::'
    return table


def _span_note(r: Report, span: str = "prior") -> str:
    ind = r.indicators
    start, end = ind.period.start, ind.as_of
    text = f"统计口径：{start.year}年{start.month}月{start.day}日至{end.month}月{end.day}日，"
    if span == "prior":
        text += "与上年同期相比"
    else:
        b = ind.period.previous()
        text += f"与上期（{b.words}，{b.start.month}月{b.start.day}日至{b.end.month}月{b.end.day}日）相比"
    return text + "；比率的增减以百分点计。"


def _handling_keys(r: Report) -> list[str]:
    """The 信访工作条例 figures (及时受理, 办结, 重复信访, 复查复核) the report states, in the kind's order."""
    return [k for k in r.kind.chosen(r.indicators.items) if k.startswith("casework.")
            and k.split(".", 1)[1] in CASE_NEEDS]


def _main_keys(r: Report) -> list[str]:
    """The figures of 表1: the kind's, less those a table of their own shows (``handling``)."""
    keys = r.kind.chosen(r.indicators.items)
    if "handling" in r.kind.appendix:
        shown = set(_handling_keys(r))
        keys = [k for k in keys if k not in shown]
    return keys


def table_indicators(r: Report) -> Table:
    """表: the kind's figures against the same span last year (同比)."""
    return Table("主要指标同比情况", _span_note(r), indicator_table(r.indicators, _main_keys(r)))


def table_handling(r: Report) -> Table | None:
    """表: 受理、办结、重复信访和复查复核 (同比), where the ledger keeps their columns; else nothing."""
    keys = _handling_keys(r)
    if not keys:
        return None
    return Table("信访事项受理办结情况", _span_note(r), indicator_table(r.indicators, keys))


def table_ring(r: Report) -> Table | None:
    """表: the kind's figures against the period just before (环比); none for a year's report."""
    ind = r.indicators
    keys = _main_keys(r)
    if not ind.has_previous or all(ind.items[k].previous is None for k in keys):  # no ledger reaches back that far
        return None
    return Table("主要指标环比情况", _span_note(r, "previous"),
                 indicator_table(ind, keys, span="previous"))


def table_trend(r: Report) -> Table | None:
    """表: the kind's headline figures of every year, each over the same span."""
    years = r.trend
    if len(years) < 2:
        return None
    keys = [k for k in r.kind.headline if k in r.indicators.items]
    rows = []
    for key in keys:
        item = r.indicators.items[key]
        cells = [number(i.items[key].value, item.kind) if key in i.items else "—" for i in years.values()]
        rows.append([figure_label(item), *cells])
    table = pipe_table(["指标", *(f"{y}年" for y in years)], rows)
    ind = r.indicators
    start, end = ind.period.start, ind.as_of
    note = f"统计口径：各年{start.month}月{start.day}日至{end.month}月{end.day}日。"
    return Table("主要指标历年同期情况", note, table)


def _share(n: int, total: int) -> str:
    return number(100.0 * n / total, "rate") if total else "—"


def table_channels(r: Report) -> Table | None:
    """表: petitions by channel (信访形式), this period and last year's, with shares."""
    ind = r.indicators
    items = [(k, i) for k, i in ind.items.items() if k.startswith("casework.channel.")]
    total = ind["casework.total"]
    if not total.value and not total.prior:
        return None
    rows = [[md_escape(i.label), number(i.value), _share(i.value, total.value), number(i.prior)] for _, i in items]
    rows.append(["合计", number(total.value), _share(total.value, total.value), number(total.prior)])
    table = pipe_table(["信访形式", "本期（件）", "占比", "上年同期（件）"], rows)
    keys = " ".join([k for k, _ in items] + ["casework.total"])
    table = f'::: {{.ev-table keys="{keys}" spans="value - prior"}}\n{table}\n:::'
    return Table("信访形式分布", _span_note(r).replace("；比率的增减以百分点计", ""), table)


def table_categories(r: Report) -> Table | None:
    """表: petitions by problem category (问题类别), most frequent first."""
    frame = r.categories
    if frame.empty:
        return None
    total = int(frame["本期"].sum())
    rows = [[md_escape(name), str(int(row["本期"])), _share(int(row["本期"]), total), number(row["上年同期"])]
            for name, row in frame.iterrows()]
    rows.append(["合计", str(total), _share(total, total), number(frame["上年同期"].sum()
                                                             if frame["上年同期"].notna().any() else None)])
    table = pipe_table(["问题类别", "本期（件）", "占比", "上年同期（件）"], rows)
    return Table("反映问题类别分布", "按信访台账“问题类别”一栏统计，未填写的单列。", table)


def table_months(r: Report) -> Table | None:
    """表: petitions received per month, this period and the same months last year."""
    frame = r.months
    if frame.empty:
        return None
    rows = [[month, str(int(row["本期"])), number(row["上年同期"])] for month, row in frame.iterrows()]
    table = pipe_table(["月份", "本期（件）", "上年同期（件）"], rows)
    return Table("信访件按月收件情况", "按收到日期统计。", table)


TABLES: dict[str, Callable[[Report], Table | None]] = {
    "indicators": table_indicators,
    "handling": table_handling,
    "ring": table_ring,
    "trend": table_trend,
    "channels": table_channels,
    "categories": table_categories,
    "months": table_months,
}

__all__ = ["TABLES", "Table", "figure_label", "indicator_table"]

"""Chinese phrasing of figures: 同比增长/下降, 持平, 个百分点, 新增, 上年同期无数据."""

from __future__ import annotations

import re
from datetime import date
from typing import TYPE_CHECKING

from ..figures.base import Indicator
from ..settings.config import decimals

if TYPE_CHECKING:
    from ..document.report import Report

NO_PRIOR = "上年同期无数据"


def cn_date(d: date) -> str:
    """``2024年1月5日``: Arabic numerals, no leading zeros."""
    return f"{d.year}年{d.month}月{d.day}日"


def fixed(value: float | int) -> str:
    """A rate, percentage or change with the decimals of ``config/rules.yml`` (``phrasing.decimals``)."""
    return f"{value:.{decimals()}f}"


def is_zero(value: float | int) -> bool:
    """Whether a change reads as zero at the configured decimals (then it is 持平)."""
    return round(value, decimals()) == 0


def number(value: float | int | None, kind: str = "count") -> str:
    """A figure as the reports write it: integers plain, rates and days with the configured decimals."""
    if value is None:
        return "—"
    if kind == "rate":
        return f"{fixed(value)}%"
    if kind == "days":
        return f"{int(value)}" if float(value).is_integer() else fixed(value)
    return f"{int(value)}"


# How a comparison is phrased: its lead word and what it compares with.
COMPARISONS = {"prior": ("同比", "上年同期"), "previous": ("环比", "上期")}


def change_phrase(ind: Indicator, *, lead: str = "同比", span: str = "prior") -> str:
    """Phrase the change of one indicator against the same period last year (or, ``span="previous"``, 环比).

    Counts: ``同比增长17.9%``, ``同比下降2.3%``, ``与上年同期持平``, ``新增`` when
    the base is zero, ``上年同期无数据`` when there is no prior data. Rates:
    ``同比提高1.5个百分点`` / ``下降`` — never ``%``. Against the period just
    before: ``环比增长…``, ``与上期持平``, ``上期无数据``.
    """
    if span != "prior":
        lead, base = COMPARISONS[span]
        ind = ind.against(span)
    else:
        base = COMPARISONS["prior"][1]
    if ind.value is None:
        return f"{base}无数据" if ind.prior is None else "本期无数据"
    if ind.prior is None:
        return f"{base}无数据"
    change = ind.change
    if ind.kind == "rate":
        if is_zero(change):
            return f"与{base}持平"
        word = "提高" if change > 0 else "下降"
        return f"{lead}{word}{fixed(abs(change))}个百分点"
    if ind.kind == "days":
        if is_zero(change):
            return f"与{base}持平"
        word = "增加" if change > 0 else "缩短"
        return f"{lead}{word}{fixed(abs(change))}天"
    if ind.prior == 0:
        return f"{base}为0，本期新增" if ind.value else f"与{base}持平"
    pct = ind.change_pct
    if change == 0 or is_zero(pct):
        return f"与{base}持平"
    word = "增长" if change > 0 else "下降"
    return f"{lead}{word}{fixed(abs(pct))}%"


def delta_cell(ind: Indicator, span: str = "prior") -> str:
    """The 增减 cell of the indicator table, in words (个百分点 for rates).

    Words, not signs: ``增加5件``, ``减少1次``, ``提高3.6个百分点``, ``持平``;
    ``span="previous"`` compares with the period just before (环比).
    """
    if span != "prior":
        ind = ind.against(span)
    if ind.value is None or ind.prior is None:
        return f"{COMPARISONS[span][1]}无数据" if ind.prior is None else "—"
    change = ind.change
    if ind.kind == "count" and change == 0 or ind.kind != "count" and is_zero(change):
        return "持平"
    if ind.kind == "rate":
        return f"{'提高' if change > 0 else '下降'}{fixed(abs(change))}个百分点"
    if ind.kind == "days":
        return f"{'增加' if change > 0 else '缩短'}{fixed(abs(change))}天"
    return f"{'增加' if change > 0 else '减少'}{abs(change)}{ind.unit}"


def pct_cell(ind: Indicator, span: str = "prior") -> str:
    """The 增幅 cell: percent change of counts (``增长17.9%``), ``新增``, ``—`` for rates.

    ``span="previous"`` compares with the period just before (环比), as :func:`delta_cell`.
    """
    if span != "prior":
        ind = ind.against(span)
    if ind.prior is None or ind.value is None:
        return f"{COMPARISONS[span][1]}无数据" if ind.prior is None else "—"
    if ind.kind != "count":
        return "—"
    if ind.prior == 0:
        return "新增" if ind.value else "持平"
    pct = ind.change_pct
    if is_zero(pct):
        return "持平"
    return f"{'增长' if pct > 0 else '下降'}{fixed(abs(pct))}%"


_MD_SPECIAL = re.compile(r"([\\`*_{}\[\]<>()#+\-.!|~^$@&])")


def md_escape(text: str) -> str:
    """Escape text from the ledgers so that Markdown shows it as typed."""
    return _MD_SPECIAL.sub(r"\\\1", str(text))


def md_attribute(text: str) -> str:
    """Text as a quoted value of a Pandoc Markdown attribute (``{alt="…"}``): backslashes and quotes escaped."""
    return '"' + str(text).replace("\\", "\\\\").replace('"', '\\"') + '"'


LEADS = ("一是", "二是", "三是", "四是", "五是", "六是")


def span_words(r: Report) -> str:
    """``全年``, ``上半年``, ``第三季度`` for a whole period; ``截至2024年11月30日`` before it ends."""
    ind = r.indicators
    if ind.as_of != ind.period.end:
        return f"截至{cn_date(ind.as_of)}"
    return "全年" if ind.period.is_year else ind.period.kind.words


def comparisons(r: Report, item: Indicator) -> str:
    """``同比增长17.9%``, and for a period shorter than a year ``，环比增长5.0%``."""
    text = change_phrase(item)
    if r.indicators.has_previous and item.previous is not None:
        text += f"，{change_phrase(item, span='previous')}"
    return text

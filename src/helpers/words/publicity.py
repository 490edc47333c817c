"""The 宣传报道 sentence: reports and the outlets that carried them.
Each takes the report's data and returns Chinese text (:mod:`helpers.words.sentences` registers them).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from .phrasing import comparisons, md_escape, span_words

if TYPE_CHECKING:
    from ..document.report import Report
    from ..figures.base import Indicator


def text_publicity(r: Report) -> str:
    """The sentence on press coverage."""
    ind = r.indicators
    if not ind.has_publicity:
        return "本期未提供宣传报道台账，宣传报道情况从略。"
    total = ind["publicity.total"]
    if not total.value:
        return f"{span_words(r)}暂无对外宣传报道。"
    outlets = "、".join(md_escape(o) for o in ind.outlets)
    by = f"先后被{outlets}等{len(ind.outlets)}家媒体报道" if len(ind.outlets) > 1 else f"被{outlets}报道"
    text = f"{span_words(r)}工作动态{by}，共刊发宣传报道{total.value}篇"
    if total.prior is not None:
        text += f"，{comparisons(r, total)}"
    return text + "。"


# --------------------------------------------------------------------------- the 核对表's words

_RULES = {
    "publicity.total": "刊发日期在统计区间内的宣传报道篇数",
    "publicity.outlets": "刊发日期在统计区间内的宣传报道中，不同媒体名称的个数",
}


def rule_text(key: str, item: Indicator, rules: dict) -> str | None:
    """How a publicity figure is counted, in Chinese (None: not one the table describes itself)."""
    return _RULES.get(key)

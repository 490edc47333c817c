"""The 村（社区）覆盖 sentence: villages and those covered.
Each takes the report's data and returns Chinese text (:mod:`helpers.words.sentences` registers them).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from .phrasing import fixed, number

if TYPE_CHECKING:
    from ..document.report import Report
    from ..figures.base import Indicator


def text_coverage(r: Report) -> str:
    """The sentence on the villages covered (救急难 mutual-aid societies)."""
    ind = r.indicators
    if not ind.has_coverage:
        return ""
    v, c, rt = ind["coverage.villages"], ind["coverage.covered"], ind["coverage.rate"]
    if c.value == v.value:
        text = f"全区{v.value}个村（社区）已全部建成“救急难”互助社，实现全覆盖"
    else:
        text = f"全区{v.value}个村（社区）中已有{c.value}个建成“救急难”互助社，覆盖率{number(rt.value, 'rate')}"
    if rt.prior is not None and c.prior != c.value:
        text += f"，覆盖率较上年同期（{number(rt.prior, 'rate')}）提高{fixed(rt.change)}个百分点"
    return text + "。"


# --------------------------------------------------------------------------- the 核对表's words

_RULES = {
    "coverage.villages": "覆盖台账中的村（社区）个数",
    "coverage.covered": "建成日期不晚于统计截止日的村（社区）个数",
}


def rule_text(key: str, item: Indicator, rules: dict) -> str | None:
    """How a coverage figure is counted, in Chinese (None: not one the table describes itself)."""
    return _RULES.get(key)

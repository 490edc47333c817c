"""The 活动台账's sentence and problem finder (组织生活): meetings held, minimums not met.
Each takes the report's data and returns Chinese text (:mod:`helpers.words.sentences` registers them).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from ..read import schema
from .phrasing import cn_date, comparisons, md_escape, span_words

if TYPE_CHECKING:
    from ..document.report import Report
    from ..figures.base import Indicator


def text_activities(r: Report) -> str:
    """The sentence on meetings and study sessions."""
    ind = r.indicators
    parts = [f"{schema.CATEGORY_SHORT[c]}{ind[f'activity.{c}'].value}次" for c in schema.CATEGORIES]
    others = [f"{md_escape(k)}{v}次" for k, v in ind.activity_counts.items() if k not in schema.CATEGORIES]
    text = f"{span_words(r)}共开展{'，'.join(parts[:-1])}，{parts[-1]}"
    if others:
        text += f"，另开展{'、'.join(others)}"
    total = ind["activity.total"]
    if total.prior is not None:
        text += f"；各类组织生活合计{total.value}次，{comparisons(r, total)}"
    return text + "。"


def problem_activities(r: Report) -> str | None:
    """Activity minimums not met (prorated to the closed rule periods)."""
    ind = r.indicators
    if not ind.shortfalls:
        return None
    parts = [f"{schema.CATEGORY_SHORT[s['code']]}{s['count']}次（按“{s['rule']}”应不少于{s['required']}次）"
             for s in ind.shortfalls]
    lead = span_words(r) if ind.as_of == ind.period.end else f"截至{cn_date(ind.as_of)}（按已届满周期折算）"
    return f"组织生活落实不够到位。{lead}开展{'，'.join(parts)}，未达到规定频次。"


# --------------------------------------------------------------------------- the 核对表's words


def rule_text(key: str, item: Indicator, rules: dict) -> str | None:
    """How an activity figure is counted, in Chinese (None: not a figure of this table)."""
    if key == "activity.total":
        return "活动台账中日期在统计区间内、类别为各规定类别的记录条数（各类组织生活合计）"
    code = key.removeprefix("activity.")
    if code == key or code not in schema.CATEGORIES:
        return None
    name, aliases = schema.CATEGORIES[code]
    also = f"（含{'、'.join(aliases)}等写法）" if aliases else ""
    return f"活动台账中日期在统计区间内、类别为“{name}”{also}的记录条数"


def category_names() -> dict[str, str]:
    """Each activity category code by its Chinese name (``config/categories.yml``)."""
    return {code: name for code, (name, _aliases) in schema.CATEGORIES.items()}

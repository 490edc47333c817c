"""The sentence and problem finder of any table counted kind by kind (纪律教育 …): each kind held, minimums not met.
Each takes the report's data and returns Chinese text (:mod:`helpers.words.sentences` registers them).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from ..read import schema
from ..settings.config import rules as load_rules
from .phrasing import comparisons, span_words

if TYPE_CHECKING:
    from ..document.report import Report
    from ..figures.base import Indicator


def text_counted(r: Report, table: schema.Table) -> str:
    """A counted table (纪律教育): each kind held, and all of them against last year."""
    items, prefix = r.indicators.items, table.prefix
    if f"{prefix}.total" not in items:
        return ""
    kinds = [items[k] for k in items if k.startswith(f"{prefix}.") and k != f"{prefix}.total" and items[k].value]
    if not kinds:
        return f"{span_words(r)}{table.title}中没有开展{table.sheet}活动的记录。"
    total = items[f"{prefix}.total"]
    text = (f"{span_words(r)}开展{'，'.join(f'{i.label}{i.value}次' for i in kinds)}，"
            f"合计{total.value}次")
    if total.prior is not None:
        text += f"，{comparisons(r, total)}"
    return text + "。"


def problem_counted(r: Report, table: schema.Table) -> str | None:
    """A counted table's kinds held less often than their minimums (``minimums`` under its prefix in
    ``config/rules.yml``, prorated to the rule periods closed by as_of)."""
    items, ind = r.indicators.items, r.indicators
    short = []
    for code, rule in (load_rules()[table.prefix].get("minimums") or {}).items():
        item = items.get(f"{table.prefix}.{code}")
        if item is None:
            continue
        required = ind.period.closed_rule_periods(int(rule["per_year"]), ind.as_of)
        if item.value < required:
            short.append(f"{item.label}{item.value}次（按“{rule['rule']}”应不少于{required}次）")
    if not short:
        return None
    return f"{table.sheet}频次不够。{span_words(r)}开展{'，'.join(short)}，未达到规定要求。"


# --------------------------------------------------------------------------- the 核对表's words


def rule_text(key: str, item: Indicator, rules: dict, table: schema.Table) -> str | None:
    """How a counted table's figure is counted, in Chinese (None: not a figure of this table)."""
    dated = table.column(table.date_column).label
    if key == f"{table.prefix}.total":
        return f"{table.title}中{dated}在统计区间内的记录条数（各类{table.sheet}活动合计）"
    kinds = schema.counted_categories(table)
    code = key.removeprefix(f"{table.prefix}.")
    if code == key or code not in kinds:
        return None
    name, aliases = kinds[code]
    also = f"（含{'、'.join(aliases)}等写法）" if aliases else ""
    return f"{table.title}中{dated}在统计区间内、类别为“{name}”{also}的记录条数"


def category_names(table: schema.Table) -> dict[str, str]:
    """Each kind's code of a counted table by its Chinese name (its section of ``config/rules.yml``)."""
    return {code: name for code, (name, _aliases) in schema.counted_categories(table).items()}

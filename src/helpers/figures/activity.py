"""The 活动台账's figures (组织生活): each category's meetings, their total, and the meeting minimums
(``activity_minimums`` of ``config/rules.yml``) against them."""

from __future__ import annotations

from datetime import date

import pandas as pd

from ..read import schema
from ..settings.config import rules as load_rules
from .base import FigureContext, Span, TableFigures
from .periods import Period


def activity_counts(activities: pd.DataFrame, span: Span) -> dict[str, int]:
    """Count activities per category code in ``span`` (every canonical code present).

    Parameters
    ----------
    activities : DataFrame
        Columns ``date`` (datetime64) and ``category`` (code or other text).
    span : Span
    """
    counts = activities.loc[span.mask(activities["date"]), "category"].value_counts()
    out = {code: int(counts.get(code, 0)) for code in schema.CATEGORIES}
    for other, n in counts.items():
        if other not in out:
            out[str(other)] = int(n)
    return out


def activity_rows(activities: pd.DataFrame, span: Span) -> dict[str, pd.Index]:
    """The rows counted for each canonical category in ``span`` (index labels of ``activities``)."""
    in_span = activities.loc[span.mask(activities["date"]), "category"]
    return {code: in_span.index[in_span == code] for code in schema.CATEGORIES}


def closed_periods(per_year: int, as_of: date, period: str = "year") -> int:
    """How many of a rule's periods (``12 / per_year`` months each) lie in the report period and closed by ``as_of``."""
    return Period(as_of.year, period).closed_rule_periods(per_year, as_of)


def activity_shortfalls(counts: dict[str, int], as_of: date, rules: dict | None = None,
                        period: str = "year") -> list[dict]:
    """Compare counts with the minimums of ``config/rules.yml``, prorated to the period up to as_of.

    Returns
    -------
    list of dict
        One per category below its minimum: ``code``, ``count``, ``required``,
        ``per_year`` and the ``rule`` text.
    """
    rules = rules or load_rules()
    out = []
    for code, rule in rules["activity_minimums"].items():
        required = closed_periods(rule["per_year"], as_of, period)
        if counts.get(code, 0) < required:
            out.append({"code": code, "count": counts.get(code, 0), "required": required,
                        "per_year": rule["per_year"], "rule": rule.get("rule", "")})
    return out


def activity_table_figures(ctx: FigureContext) -> TableFigures:
    """组织生活: each category's meetings and their total; the counts against the meeting minimums."""
    figure, items = ctx.figure, {}
    acts = ctx.mine(ctx.ledgers.activities)
    now_counts = activity_counts(acts, ctx.span)
    rows = {name: activity_rows(acts, ctx.spans[name]) for name in ctx.reached(ctx.ledgers.activities, "date")}
    for code in schema.CATEGORIES:
        ev = {name: r[code] for name, r in rows.items()}
        items[f"activity.{code}"] = figure(f"activity.{code}", figures={n: len(e) for n, e in ev.items()},
                                           label=schema.CATEGORY_SHORT[code], unit="次", table="activities",
                                           evidence=ev)
    codes = list(schema.CATEGORIES)
    ev = {name: r[codes[0]].append([r[c] for c in codes[1:]]).sort_values() for name, r in rows.items()}
    items["activity.total"] = figure("activity.total", figures={n: len(e) for n, e in ev.items()},
                                     label="各类组织生活合计", unit="次", table="activities", evidence=ev)
    shortfalls = activity_shortfalls(now_counts, ctx.as_of, ctx.rules, ctx.period.code)
    return TableFigures(items, facts={"activity_counts": now_counts, "shortfalls": shortfalls})

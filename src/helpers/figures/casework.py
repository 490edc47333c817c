"""The 信访 report's breakdowns of one unit's petitions: by problem category and by month (本期, 上年同期).

The figures of the casework table are in :mod:`helpers.figures.indicators`; these
frames feed the 信访 report's tables, charts and sentences.
"""

from __future__ import annotations

import pandas as pd

from ..read.ledgers import Ledgers
from .indicators import Indicators
from .kinds import Kind

SPAN_COLUMNS = ["本期", "上年同期"]
BLANK = "未填写"


def unit_cases(ledgers: Ledgers, unit: str) -> pd.DataFrame:
    """The unit's rows of the casework table."""
    cases = ledgers.casework
    return cases[cases["unit"] == unit]


def month_counts(cases: pd.DataFrame, start: pd.Timestamp, end: pd.Timestamp) -> pd.Series:
    """Cases received per month from ``start`` to ``end`` (every month of the span, zeros included)."""
    got = cases.loc[(cases["received_date"] >= start) & (cases["received_date"] <= end), "received_date"].dt.month
    months = list(range(start.month, end.month + 1))
    return got.value_counts().reindex(months, fill_value=0)


def case_categories(ledgers: Ledgers, ind: Indicators) -> pd.DataFrame:
    """Petitions of the span by problem category (本期, 上年同期), most frequent first; blanks as 未填写.

    Parameters
    ----------
    ledgers : Ledgers
        The validated ledgers.
    ind : Indicators
        The report's figures (its unit and spans).
    """
    spans = ind.spans
    cases = unit_cases(ledgers, ind.unit_id)
    if "category" not in cases:
        return pd.DataFrame(columns=SPAN_COLUMNS)
    col = cases["category"].fillna("").astype(str).str.strip().replace("", BLANK)
    now = col[spans["value"].mask(cases["received_date"])].value_counts()
    if now.empty:
        return pd.DataFrame(columns=SPAN_COLUMNS)
    has_prior = ind["casework.total"].prior is not None
    before = col[spans["prior"].mask(cases["received_date"])].value_counts() if has_prior else now.iloc[:0]
    names = now.index.union(before.index, sort=False)
    frame = pd.DataFrame({"本期": now.reindex(names, fill_value=0),
                          "上年同期": before.reindex(names, fill_value=0) if has_prior else None})
    frame["_blank"] = frame.index == BLANK
    frame = frame.sort_values(["_blank", "本期", "上年同期"], ascending=[True, False, False], kind="stable")
    return frame.drop(columns="_blank")


def case_months(ledgers: Ledgers, ind: Indicators) -> pd.DataFrame:
    """Petitions received per month of the span (``1月`` …; 本期, 上年同期).

    Parameters
    ----------
    ledgers : Ledgers
        The validated ledgers.
    ind : Indicators
        The report's figures (its unit and spans).
    """
    spans = ind.spans
    cases = unit_cases(ledgers, ind.unit_id)
    now = month_counts(cases, spans["value"].start, spans["value"].end)
    frame = pd.DataFrame({"本期": now.to_numpy()}, index=[f"{m}月" for m in now.index])
    if ind["casework.total"].prior is not None:
        frame["上年同期"] = month_counts(cases, spans["prior"].start, spans["prior"].end).to_numpy()
    else:
        frame["上年同期"] = None
    return frame


# The figures a casework ledger gives only when it keeps their columns, and what to keep.
NOT_KEPT = (
    ("casework.acceptance_rate", "未登记受理（告知）日期，及时受理率无法统计"),
    ("casework.closed_on_time_rate", "未登记办结日期或受理日期，办结率、按期办结率无法统计"),
    ("casework.repeat", "未登记是否重复，也没有信访人身份证号或姓名和联系电话，重复信访无法统计"),
    ("casework.reviews", "未登记复查复核情况，复查复核无法统计"),
)


def figures_not_kept(kind: Kind, ind: Indicators) -> list[str]:
    """Why figures of the kind are left out: the unit's casework ledger does not keep their columns."""
    return [why for key, why in NOT_KEPT if kind.picks(key) and key not in ind.items]

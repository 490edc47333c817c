"""The 信访台账's figures: each petition judged against its deadline (答复, 受理, 办结), the counts and
rates of the 信访工作条例, the channels; and the 信访 report's breakdowns by problem category and by
month (本期, 上年同期).
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any

import pandas as pd

from ..read.ledgers import Ledgers
from ..settings.config import rules as load_rules
from .base import FigureContext, Span, TableFigures, rate
from .kinds import Kind

if TYPE_CHECKING:
    from .indicators import Indicators


# The casework counts and the flag of :func:`judge_cases` each one counts.
CASE_COUNTS: tuple[str, ...] = ("total", "replied", "on_time", "pending", "overdue", "escalated",
                                "due", "rated", "satisfied", "accepted_on_time", "acceptance_due", "closed",
                                "closed_on_time", "close_due", "repeat", "first_time", "reviews", "review_upheld")


def judge_cases(casework: pd.DataFrame, span: Span, rules: dict | None = None,
                repeat_flag: bool = False) -> pd.DataFrame:
    """The cases received in ``span``, each judged at ``span.end`` (as_of).

    ``repeat_flag``: the clerk keeps 是否重复, and that flag says which cases
    are repeats (else a case is a repeat when it links to the same
    petitioner's earlier case on the same matter, ``repeat_of``).

    Returns
    -------
    DataFrame
        Indexed like ``casework`` (the cases of the span only): ``deadline``
        (the reply deadline used: ``casework.reply_days``, or ``extended_reply_days`` when
        extended), ``days_taken``
        (days from receipt to a reply on or before as_of, else missing) and one
        boolean per count of :data:`CASE_COUNTS`.
    """
    cw = (rules or load_rules())["casework"]
    cases = casework[span.mask(casework["received_date"])]
    as_of = span.end
    replied_at, limit, deadline = _reply(cases, as_of, cw)
    replied = replied_at.notna()
    on_time = replied & (replied_at <= deadline)
    overdue = (replied & ~on_time) | (~replied & (as_of > deadline))
    nat = pd.Series(pd.NaT, index=cases.index, dtype="datetime64[ns]")
    # 及时受理: written notice of acceptance within acceptance_days of receipt
    accepted_at = cases.get("accepted_date", nat)
    accepted_at = accepted_at.where(accepted_at <= as_of)
    accept_by = cases["received_date"] + pd.Timedelta(days=cw["acceptance_days"])
    accepted_on_time = accepted_at.notna() & (accepted_at <= accept_by)
    # 办结: the closing date, else the reply, on or before as_of; the deadline counted from acceptance
    closed_at = cases.get("closed_date", nat).fillna(cases["replied_date"])
    closed_at = closed_at.where(closed_at <= as_of)
    close_by = accepted_at.fillna(cases["received_date"]) + pd.to_timedelta(limit.astype("int64"), unit="D")
    closed = closed_at.notna()
    closed_on_time = closed & (closed_at <= close_by)
    # 重复信访: the clerk's flag where it is kept, else a link to the petitioner's earlier case
    flagged = cases.get("repeat", pd.Series(False, index=cases.index)).astype(bool)
    linked = cases.get("repeat_of", pd.Series("", index=cases.index)).fillna("") != ""
    repeat = flagged if repeat_flag else linked
    review = cases.get("review", pd.Series("", index=cases.index)).fillna("").astype(str)
    asked = review.str.contains("|".join(map(re.escape, cw["review_words"])), regex=True)
    upheld = asked & review.str.contains("|".join(map(re.escape, cw["review_upheld_words"])), regex=True)
    return pd.DataFrame({
        "deadline": deadline,
        "days_taken": (replied_at - cases["received_date"]).dt.days,
        "accepted_on_time": accepted_on_time,
        "acceptance_due": accepted_at.notna() | (as_of > accept_by),
        "closed": closed,
        "closed_on_time": closed_on_time,
        "close_due": closed | (as_of > close_by),
        "repeat": repeat,
        "first_time": ~repeat,
        "reviews": asked,
        "review_upheld": upheld,
        "total": pd.Series(True, index=cases.index),
        "replied": replied,
        "on_time": on_time,
        "pending": ~replied,
        "overdue": overdue,
        "escalated": cases["escalation"].isin(cw["escalation_levels"]),
        "due": replied | overdue,
        "rated": cases["satisfaction"].isin(cw["rated"]),
        "satisfied": cases["satisfaction"].isin(cw["satisfied"]),
    }, index=cases.index)


def _reply(cases: pd.DataFrame, as_of, cw: dict) -> tuple[pd.Series, pd.Series, pd.Series]:
    """Each case's reply on or before ``as_of`` (else missing), its days allowed and its reply deadline."""
    replied_at = cases["replied_date"].where(cases["replied_date"] <= as_of)
    limit = cases["extended"].astype(bool).map({True: cw["extended_reply_days"], False: cw["reply_days"]})
    deadline = cases["received_date"] + pd.to_timedelta(limit.astype("int64"), unit="D")
    return replied_at, limit, deadline


def reply_times(cases: pd.DataFrame, span: Span, rules: dict | None = None) -> pd.DataFrame:
    """The reply deadline and the days a reply took, as :func:`judge_cases` reckons them at ``span.end``.

    Parameters
    ----------
    cases : DataFrame
        Casework records (any of them: not filtered by ``span``).
    span : Span
        The span whose end is the day the cases are judged on.
    rules : dict, optional
        The rules (``config/rules.yml`` when not given).

    Returns
    -------
    DataFrame
        Indexed like ``cases``: ``deadline`` and ``days_taken`` (missing when
        no reply by ``span.end``).
    """
    replied_at, _limit, deadline = _reply(cases, span.end, (rules or load_rules())["casework"])
    return pd.DataFrame({"deadline": deadline, "days_taken": (replied_at - cases["received_date"]).dt.days},
                        index=cases.index)


def casework_rows(judged: pd.DataFrame) -> dict[str, pd.Index]:
    """The rows each casework count counts (index labels), from :func:`judge_cases`."""
    return {key: judged.index[judged[key].to_numpy(dtype=bool)] for key in CASE_COUNTS}


def casework_figures(casework: pd.DataFrame, span: Span, rules: dict | None = None,
                     judged: pd.DataFrame | None = None) -> dict[str, Any]:
    """The casework figures of ``span``, judged at ``span.end`` (as_of).

    Parameters
    ----------
    judged : DataFrame, optional
        :func:`judge_cases` of the same cases and span, when already at hand.

    Returns
    -------
    dict
        total, replied, on_time, on_time_rate, pending, overdue, escalated,
        median_reply_days, satisfaction_rate, and the bases due, rated, satisfied.
    """
    j = judge_cases(casework, span, rules) if judged is None else judged
    n = {key: int(j[key].sum()) for key in CASE_COUNTS}
    days = j["days_taken"][j["replied"]]
    return {
        **n,
        "on_time_rate": rate(n["on_time"], n["due"]),
        "median_reply_days": float(days.median()) if len(days) else None,
        "satisfaction_rate": rate(n["satisfied"], n["rated"]),
        "participation_rate": rate(n["rated"], n["total"]),
        "acceptance_rate": rate(n["accepted_on_time"], n["acceptance_due"]),
        "closing_rate": rate(n["closed"], n["total"]),
        "closed_on_time_rate": rate(n["closed_on_time"], n["close_due"]),
        "repeat_rate": rate(n["repeat"], n["total"]),
        "first_time_rate": rate(n["first_time"], n["total"]),
    }


def channel_counts(casework: pd.DataFrame, span: Span, channels: list[str] | None = None) -> dict[str, int]:
    """Cases of ``span`` by channel: the channels of ``config/rules.yml`` in their order, then any other text.

    Parameters
    ----------
    casework : DataFrame
        Columns ``received_date`` (datetime64) and ``channel`` (text, "" when not given).
    span : Span
    channels : list of str, optional
        ``casework.channels`` of the rules by default.
    """
    channels = list(channels if channels is not None else load_rules()["casework"]["channels"])
    cases = casework[span.mask(casework["received_date"])]
    counts = cases["channel"].fillna("").astype(str).value_counts() if "channel" in cases else pd.Series(dtype=int)
    out = {name: int(counts.get(name, 0)) for name in channels}
    for other, n in counts.items():
        if other not in out:
            out[str(other)] = int(n)
    return out


_CASE_META = {
    "total": ("信访件总数", "件", "count", ()),
    "replied": ("已答复", "件", "count", ()),
    "on_time": ("按期答复", "件", "count", ()),
    "on_time_rate": ("按期答复率", "%", "rate", ("casework.on_time", "casework.due")),
    "pending": ("未答复", "件", "count", ()),
    "overdue": ("超期", "件", "count", ()),
    "escalated": ("越级信访（{levels}）", "件", "count", ()),  # levels: casework.escalation_levels
    "median_reply_days": ("答复用时中位数", "天", "days", ("casework.replied",)),
    "satisfaction_rate": ("群众满意率", "%", "rate", ("casework.satisfied", "casework.rated")),
    "participation_rate": ("参评率", "%", "rate", ("casework.rated", "casework.total")),
    # stated only where the ledger keeps their columns (_CASE_NEEDS)
    "accepted_on_time": ("及时受理", "件", "count", ()),
    "acceptance_rate": ("及时受理率", "%", "rate", ("casework.accepted_on_time", "casework.acceptance_due")),
    "closed": ("已办结", "件", "count", ()),
    "closing_rate": ("办结率", "%", "rate", ("casework.closed", "casework.total")),
    "closed_on_time": ("按期办结", "件", "count", ()),
    "closed_on_time_rate": ("按期办结率", "%", "rate", ("casework.closed_on_time", "casework.close_due")),
    "repeat": ("重复信访", "件", "count", ()),
    "repeat_rate": ("重复信访率", "%", "rate", ("casework.repeat", "casework.total")),
    "first_time_rate": ("初信初访占比", "%", "rate", ("casework.first_time", "casework.total")),
    "reviews": ("复查复核申请", "件", "count", ()),
    "review_upheld": ("复查复核维持原处理意见", "件", "count", ()),
}


# The columns (any one of them) a figure needs the unit's ledger to keep; the others need none.
CASE_NEEDS: dict[str, tuple[str, ...]] = {
    **dict.fromkeys(("accepted_on_time", "acceptance_rate"), ("accepted_date",)),
    **dict.fromkeys(("closed", "closing_rate", "closed_on_time", "closed_on_time_rate"),
                    ("closed_date", "accepted_date")),
    **dict.fromkeys(("repeat", "repeat_rate", "first_time_rate"), ("repeat", "petitioner")),
    **dict.fromkeys(("reviews", "review_upheld"), ("review",)),
}


# Counts that rates stand on without being figures of the report themselves.
_CASE_BASES = {
    "due": ("应答复（已答复及超期未答复）", "件"),
    "rated": ("参评（满意、基本满意、不满意）", "件"),
    "satisfied": ("满意及基本满意", "件"),
    "acceptance_due": ("应受理（已受理及超过受理时限）", "件"),
    "close_due": ("应办结（已办结及超期未办结）", "件"),
    "first_time": ("初信初访", "件"),
}


def casework_table_figures(ctx: FigureContext) -> TableFigures:
    """信访: counts, timeliness and satisfaction (what the ledger keeps), their bases, cases per channel."""
    figure, rules, out = ctx.figure, ctx.rules, TableFigures()
    cases = ctx.mine(ctx.ledgers.casework)
    kept = ctx.ledgers.kept_columns("casework", ctx.unit)
    judged = {name: judge_cases(cases, ctx.spans[name], rules, repeat_flag="repeat" in kept)
              for name in ctx.reached(ctx.ledgers.casework, "received_date")}
    figs = {name: casework_figures(cases, ctx.spans[name], rules, j) for name, j in judged.items()}
    rows = {name: casework_rows(j) for name, j in judged.items()}
    levels = "、".join(rules["casework"]["escalation_levels"])
    for key, (label, unit_word, kind, basis) in _CASE_META.items():
        if key in CASE_NEEDS and not kept & set(CASE_NEEDS[key]):
            continue  # the ledger does not keep its column: left out, not stated as 0
        ev = {name: r[key] for name, r in rows.items()} if key in CASE_COUNTS else {}
        out.items[f"casework.{key}"] = figure(key, figures={n: f[key] for n, f in figs.items()},
                                              label=label.format(levels=levels), unit=unit_word, kind=kind,
                                              table="casework", basis=basis, evidence=ev)
    for key, (label, unit_word) in _CASE_BASES.items():
        out.bases[f"casework.{key}"] = figure(key, figures={n: f[key] for n, f in figs.items()}, label=label,
                                              unit=unit_word, table="casework",
                                              evidence={name: r[key] for name, r in rows.items()})
    channel_rows = {name: _channel_rows(cases, ctx.spans[name], rules) for name in judged}
    for channel in channel_rows["value"]:
        ev = {name: r.get(channel, cases.index[:0]) for name, r in channel_rows.items()}
        out.items[f"casework.channel.{channel}"] = figure(
            channel, figures={n: len(e) for n, e in ev.items()}, label=f"{channel}", unit="件", table="casework",
            evidence=ev)
    return out


def _channel_rows(cases: pd.DataFrame, span: Span, rules: dict) -> dict[str, pd.Index]:
    """The cases of ``span`` per channel: the configured channels in order, then 其他 and 未填写 when any."""
    in_span = cases.loc[span.mask(cases["received_date"]), "channel"].fillna("").astype(str).str.strip()
    channels = list(rules["casework"]["channels"])
    out = {name: in_span.index[(in_span == name).to_numpy()] for name in channels}
    other = in_span.index[(~in_span.isin(channels) & (in_span != "")).to_numpy()]
    blank = in_span.index[(in_span == "").to_numpy()]
    for name, idx in ((OTHER_CHANNEL, other), (BLANK_CHANNEL, blank)):
        if len(idx):
            out[name] = idx
    return out


OTHER_CHANNEL = "其他形式"


BLANK_CHANNEL = "未填写形式"


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

"""Year-over-year indicators (同比): this year's span against the same span a year before.

Definitions are those of ``shared/data-contract.md``; deadlines and standards
come from ``config/rules.yml``. Every function takes plain frames, so each can
be tested on a tiny frame.

Evidence: every count is the number of ledger rows it selects, and those rows
are kept with it (:attr:`Indicator.evidence`, per span: ``value``, ``prior``,
and ``previous`` once periods exist), as labels of the ledger frame's index.
Rates, medians and distinct counts instead name the counts they come from
(:attr:`Indicator.basis`). :mod:`helpers.words.evidence` writes them out.
"""

from __future__ import annotations

import re
from collections import OrderedDict
from dataclasses import dataclass, field, replace
from datetime import date
from functools import partial
from typing import Any

import pandas as pd

from ..read import schema
from ..read.ledgers import Ledgers
from ..settings.config import decimals
from ..settings.config import rules as load_rules
from ..settings.errors import ParameterError
from .periods import Period


@dataclass(frozen=True)
class Span:
    """The days ``start`` .. ``end`` (both inclusive): a period's days up to as_of."""

    start: pd.Timestamp
    end: pd.Timestamp

    @classmethod
    def of(cls, year: int, as_of: date, period: str = "year") -> Span:
        """The span of a period of ``year`` (the whole year by default) up to ``as_of``."""
        return cls(pd.Timestamp(Period(year, period).start), pd.Timestamp(as_of))

    @classmethod
    def whole(cls, period: Period) -> Span:
        """Every day of a period."""
        return cls(pd.Timestamp(period.start), pd.Timestamp(period.end))

    def in_year(self, year: int) -> Span:
        """The same span in another year (29 February becomes 28 February)."""

        def move(day: pd.Timestamp) -> pd.Timestamp:
            d = min(day.day, 28) if (day.month == 2 and day.day == 29) else day.day
            return pd.Timestamp(year, day.month, d)

        return Span(move(self.start), move(self.end))

    def prior(self) -> Span:
        """The same span one year earlier."""
        return self.in_year(self.start.year - 1)

    def mask(self, dates: pd.Series) -> pd.Series:
        """True where ``dates`` fall in the span."""
        return (dates >= self.start) & (dates <= self.end)


# The spans a figure is given for, in the order evidence lists them: this period
# up to as_of, the same span a year earlier (同比), and the whole period just
# before (环比, for periods shorter than a year).
SPANS: tuple[str, ...] = ("value", "prior", "previous")


@dataclass
class Indicator:
    """One figure of the report, with its value a year earlier.

    ``kind`` is ``count`` (integers), ``rate`` (percent, one decimal; changes
    are percentage points) or ``days``. ``change_pct`` is ``None`` for rates
    and when the prior value is zero or missing.

    ``evidence`` maps a span (``value``, ``prior``, ``previous``) to the index
    labels, in the ledger table ``table``, of the rows a count counted: its
    figure is their number. ``basis`` names, for a figure derived from counts,
    the counts it comes from: ``(numerator, denominator)`` for a rate, the
    count whose rows it reads for a median or a distinct count.
    """

    value: float | int | None
    prior: float | int | None
    label: str
    unit: str
    kind: str = "count"
    additive: bool = True  # False for distinct counts (outlets): a district total is not their sum
    table: str | None = None
    basis: tuple[str, ...] = ()
    evidence: dict[str, pd.Index] = field(default_factory=dict, repr=False, compare=False)
    previous: float | int | None = None  # the period just before (环比); None for a year's report

    def figure(self, span: str) -> float | int | None:
        """The figure of one span (``value``, ``prior`` or ``previous``); ``None`` when it has none."""
        return getattr(self, span, None)

    @property
    def counted(self) -> bool:
        """Whether the figure is a count of ledger rows (and so has evidence)."""
        return self.kind == "count" and self.table is not None and not self.basis

    def against(self, span: str = "prior") -> Indicator:
        """This figure compared with another span: ``prior`` (同比) or ``previous`` (环比).

        The returned indicator's ``prior`` is that span's figure, so every phrase and
        table cell written for 同比 serves 环比 too.
        """
        if span == "prior":
            return self
        return Indicator(self.value, self.figure(span), self.label, self.unit, self.kind, self.additive, self.table,
                         self.basis)

    @property
    def change(self) -> float | int | None:
        if self.value is None or self.prior is None:
            return None
        diff = self.value - self.prior
        return round(diff, decimals()) if isinstance(diff, float) else diff

    @property
    def change_pct(self) -> float | None:
        if self.kind == "rate" or self.change is None or not self.prior:
            return None
        return round(100.0 * self.change / self.prior, decimals())

    def as_json(self, with_previous: bool = False) -> dict[str, Any]:
        """The contract's shape: value, prior, change, change_pct (plus label, unit).

        With ``with_previous`` (a period shorter than a year), also ``previous`` and its
        ``previous_change``, ``previous_change_pct`` (环比).
        """
        out = {
            "value": self.value,
            "prior": self.prior,
            "change": self.change,
            "change_pct": self.change_pct,
        }
        if with_previous:
            ring = self.against("previous")
            out.update(previous=self.previous, previous_change=ring.change, previous_change_pct=ring.change_pct)
        return {**out, "label": self.label, "unit": self.unit}


def resolve_as_of(year: int, as_of: str | date | None, period: str = "year") -> date:
    """Check and return the cut-off date of a report (of ``year``, or of a period of it).

    Raises
    ------
    ParameterError
        When ``as_of`` cannot be read or is not within the period.
    """
    return Period(year, period).resolve_as_of(as_of)


def rate(part: int, whole: int) -> float | None:
    """``part / whole`` in percent (``phrasing.decimals`` decimals); ``None`` when ``whole`` is 0."""
    return round(100.0 * part / whole, decimals()) if whole else None


# --------------------------------------------------------------------------- activities


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


# --------------------------------------------------------------------------- casework


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
    replied_at = cases["replied_date"].where(cases["replied_date"] <= as_of)
    replied = replied_at.notna()
    limit = cases["extended"].astype(bool).map({True: cw["extended_reply_days"], False: cw["reply_days"]})
    deadline = cases["received_date"] + pd.to_timedelta(limit.astype("int64"), unit="D")
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


# --------------------------------------------------------------------------- publicity, coverage


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


def publicity_figures(publicity: pd.DataFrame, span: Span) -> dict[str, Any]:
    """Articles and distinct outlets in ``span``."""
    items = publicity[span.mask(publicity["date"])]
    return {"total": int(len(items)), "outlets": int(items["outlet"].nunique())}


def outlets_in(publicity: pd.DataFrame, span: Span) -> list[str]:
    """Outlets of ``span``, highest level first, then by number of articles."""
    items = publicity[span.mask(publicity["date"])]
    if items.empty:
        return []
    order = {lvl: i for i, lvl in enumerate(load_rules().get("publicity", {}).get("levels", []))}
    stats = items.groupby("outlet").agg(n=("outlet", "size"), level=("level", "first"))
    stats["rank"] = stats["level"].map(order).fillna(len(order))
    stats = stats.reset_index().sort_values(["rank", "n", "outlet"], ascending=[True, False, True])
    return stats["outlet"].tolist()


def coverage_figures(coverage: pd.DataFrame, on: pd.Timestamp) -> dict[str, Any]:
    """Villages, villages covered on ``on``, and the rate."""
    villages = int(len(coverage))
    covered = int((coverage["established_date"] <= on).sum())
    return {"villages": villages, "covered": covered, "rate": rate(covered, villages)}


def coverage_rows(coverage: pd.DataFrame, on: pd.Timestamp) -> dict[str, pd.Index]:
    """The rows counted as villages and as covered on ``on`` (index labels of ``coverage``)."""
    return {"villages": coverage.index, "covered": coverage.index[(coverage["established_date"] <= on).to_numpy()]}


# --------------------------------------------------------------------------- all of them

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


def _has_prior(frame: pd.DataFrame | None, column: str, prior: Span) -> bool:
    """Whether a table's records reach back to the prior span (so a 0 is a real 0)."""
    return frame is not None and not frame.empty and bool((frame[column] <= prior.end).any())


@dataclass
class Indicators:
    """Every figure of one report, plus the context to phrase it."""

    unit_id: str
    year: int
    as_of: date
    items: dict[str, Indicator]
    unit_name: str
    activity_counts: dict[str, int]
    shortfalls: list[dict]
    outlets: list[str]
    rejected_rows: int
    has_publicity: bool
    has_coverage: bool
    spans: dict[str, Span] = field(default_factory=dict)
    bases: dict[str, Indicator] = field(default_factory=dict)
    period: Period | None = None  # None: the whole year

    def __post_init__(self) -> None:
        if self.period is None:
            self.period = Period(self.year)

    @property
    def has_previous(self) -> bool:
        """Whether the figures carry 环比 (a period shorter than a year)."""
        return not self.period.is_year

    def __getitem__(self, key: str) -> Indicator:
        return self.items[key]

    def only(self, keys) -> Indicators:
        """A copy holding only the figures ``keys`` (a report kind's), with the same context."""
        return replace(self, items={k: self.items[k] for k in keys if k in self.items})

    def with_bases(self) -> dict[str, Indicator]:
        """The report's figures and, after them, the counts that its rates stand on (:attr:`bases`)."""
        wanted = {b for item in self.items.values() for b in item.basis}
        return {**self.items, **{k: v for k, v in self.bases.items() if k in wanted}}

    def as_json(self, kind: str | None = None, keys: list[str] | None = None) -> dict[str, Any]:
        """The ``indicators.json`` document of the contract (the figures ``keys``, by default all)."""
        chosen = self.items if keys is None else {k: self.items[k] for k in keys if k in self.items}
        doc = {
            "unit_id": self.unit_id,
            "unit_name": self.unit_name,
            "year": self.year,
            "period": self.period.code,
            "as_of": self.as_of.isoformat(),
            "indicators": {k: v.as_json(self.has_previous) for k, v in chosen.items()},
            "rejected_rows": self.rejected_rows,
        }
        if kind is not None:
            doc = {"unit_id": doc.pop("unit_id"), "unit_name": doc.pop("unit_name"), "year": doc.pop("year"),
                   "kind": kind, **doc}
        return doc


# The last figures computed, by ledgers and parameters: a unit's reports of both kinds
# share them, and a report's trend (表2) reuses the earlier years' figures a warm
# kernel computed for those years' own reports. Only ledgers with a digest (read from
# files) are kept; the rules are part of the key.
_COMPUTED: OrderedDict[tuple, Indicators] = OrderedDict()
_COMPUTED_KEPT = 64


def compute_indicators(ledgers: Ledgers, unit: str, year: int, as_of: date | str | None = None,
                       period: str = "year") -> Indicators:
    """Compute every indicator of one unit's report (or return the same figures computed a moment ago).

    See :func:`_compute_indicators` for the parameters; the figures are the same
    whether computed now or kept from an earlier call with the same ledgers,
    parameters and rules.
    """
    if not ledgers.digest:
        return _compute_indicators(ledgers, unit, year, as_of, period)
    import json

    rules_key = json.dumps(load_rules(), sort_keys=True, default=str)
    resolved = Period(int(year), period).resolve_as_of(as_of)
    key = (ledgers.digest, str(ledgers.data_dir), id(ledgers), unit, int(year), resolved, period, rules_key)
    if key not in _COMPUTED:
        _COMPUTED[key] = _compute_indicators(ledgers, unit, year, resolved, period)
        while len(_COMPUTED) > _COMPUTED_KEPT:
            _COMPUTED.popitem(last=False)
    else:
        _COMPUTED.move_to_end(key)
    kept = _COMPUTED[key]  # a copy: a caller may change its own figures (a test does), never the kept ones
    return replace(kept, items={k: replace(v, evidence=dict(v.evidence)) for k, v in kept.items.items()},
                   bases={k: replace(v, evidence=dict(v.evidence)) for k, v in kept.bases.items()},
                   activity_counts=dict(kept.activity_counts), shortfalls=[dict(x) for x in kept.shortfalls],
                   outlets=list(kept.outlets), spans=dict(kept.spans))


@dataclass(frozen=True)
class FigureContext:
    """What every table's figures are computed against: the unit, the spans (本期, 上年同期, 上期), the rules."""

    ledgers: Ledgers
    unit: str
    period: Period
    as_of: date
    spans: dict[str, Span]
    rules: dict

    @property
    def span(self) -> Span:
        """This period's span (``value``)."""
        return self.spans["value"]

    def reached(self, frame: pd.DataFrame | None, column: str) -> list[str]:
        """The spans a table has data for: this one always, earlier ones when its records reach back."""
        return [name for name, s in self.spans.items() if name == "value" or _has_prior(frame, column, s)]

    def mine(self, frame: pd.DataFrame) -> pd.DataFrame:
        """The unit's rows of a table."""
        return frame[frame["unit"] == self.unit]

    @staticmethod
    def figure(name: str, **kwargs) -> Indicator:
        """An indicator from its figures per span (``figures={span: figure}``) and what describes it."""
        per_span = kwargs.pop("figures")
        return Indicator(per_span.get("value"), per_span.get("prior"), previous=per_span.get("previous"), **kwargs)


@dataclass
class TableFigures:
    """What one ledger table gives a unit's indicators.

    ``items`` the figures stated, ``bases`` the counts rates rest on (evidence
    only), ``facts`` the :class:`Indicators` fields the table sets (whether it
    was kept, the counts the narrative quotes …).
    """

    items: dict[str, Indicator] = field(default_factory=dict)
    bases: dict[str, Indicator] = field(default_factory=dict)
    facts: dict[str, Any] = field(default_factory=dict)


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


def publicity_table_figures(ctx: FigureContext) -> TableFigures:
    """宣传报道 (optional table): reports and the outlets that ran them."""
    if ctx.ledgers.publicity is None:
        return TableFigures(facts={"has_publicity": False, "outlets": []})
    figure, items = ctx.figure, {}
    pub = ctx.mine(ctx.ledgers.publicity)
    figs = {name: publicity_figures(pub, ctx.spans[name]) for name in ctx.reached(ctx.ledgers.publicity, "date")}
    ev = {name: pub.index[ctx.spans[name].mask(pub["date"]).to_numpy()] for name in figs}
    items["publicity.total"] = figure("total", figures={n: f["total"] for n, f in figs.items()},
                                      label="宣传报道", unit="篇", table="publicity", evidence=ev)
    items["publicity.outlets"] = figure("outlets", figures={n: f["outlets"] for n, f in figs.items()},
                                        label="报道媒体", unit="家", additive=False, table="publicity",
                                        basis=("publicity.total",))
    return TableFigures(items, facts={"has_publicity": True, "outlets": outlets_in(pub, ctx.span)})


def coverage_table_figures(ctx: FigureContext) -> TableFigures:
    """“救急难”互助社 coverage (optional table): villages, those covered, the rate, at each span's end."""
    cov = ctx.ledgers.coverage
    if cov is None or not bool((cov["unit"] == ctx.unit).any()):
        return TableFigures(facts={"has_coverage": False})
    figure, items = ctx.figure, {}
    cov = ctx.mine(cov)
    figs = {name: coverage_figures(cov, s.end) for name, s in ctx.spans.items()}
    rows = {name: coverage_rows(cov, ctx.spans[name].end) for name in ctx.spans}
    items["coverage.villages"] = figure("villages", figures={n: f["villages"] for n, f in figs.items()},
                                        label="村（社区）总数", unit="个", table="coverage",
                                        evidence={n: r["villages"] for n, r in rows.items()})
    items["coverage.covered"] = figure("covered", figures={n: f["covered"] for n, f in figs.items()},
                                       label="已建“救急难”互助社", unit="个", table="coverage",
                                       evidence={n: r["covered"] for n, r in rows.items()})
    items["coverage.rate"] = figure("rate", figures={n: f["rate"] for n, f in figs.items()},
                                    label="互助社覆盖率", unit="%", kind="rate", table="coverage",
                                    basis=("coverage.covered", "coverage.villages"))
    return TableFigures(items, facts={"has_coverage": True})


def counted_table_figures(ctx: FigureContext, table: schema.Table) -> TableFigures:
    """A table counted kind by kind (:attr:`helpers.read.schema.Table.counted`, such as 纪律教育): each kind and
    their total, for the spans its records reach; nothing when the unit keeps none of its rows."""
    frame = getattr(ctx.ledgers, table.name)
    if frame is None or not bool((frame["unit"] == ctx.unit).any()):
        return TableFigures()
    spans = {n: ctx.spans[n] for n in ctx.reached(frame, table.date_column)}
    return TableFigures(counted_figures(table, ctx.mine(frame), spans, ctx.figure))


# Each ledger table's figures, in the order indicators.json lists them (a new table: one function, one entry).
TABLE_FIGURES: dict[str, Any] = {
    "activities": activity_table_figures,
    "casework": casework_table_figures,
    "publicity": publicity_table_figures,
    "coverage": coverage_table_figures,
}
for _name in schema.COUNTED_TABLES:  # a counted table needs no function of its own
    TABLE_FIGURES[_name] = partial(counted_table_figures, table=schema.TABLES[_name])
TABLE_FIGURES = {name: TABLE_FIGURES[name] for name in schema.LEDGER_TABLES}


def _compute_indicators(ledgers: Ledgers, unit: str, year: int, as_of: date | str | None = None,
                        period: str = "year") -> Indicators:
    """Compute every indicator of one unit's report: the spans, then each table's figures (:data:`TABLE_FIGURES`).

    Parameters
    ----------
    ledgers : Ledgers
        Validated ledgers (see :func:`helpers.load_ledgers`).
    unit : str
        A ``unit_id`` of ``units``.
    year : int
        The report year.
    as_of : date or str, optional
        Cut-off date; default the last day of the period (today while it is running).
    period : str
        ``year`` (default), ``H1``, ``H2`` or ``Q1``…``Q4`` (:mod:`helpers.figures.periods`).
        A period shorter than a year also gets ``previous`` (环比) figures.

    Returns
    -------
    Indicators

    Raises
    ------
    ParameterError
        Unknown unit or period, ``as_of`` outside the period, or no data at all in ``year``.
    """
    year = int(year)
    ledgers.unit(unit)  # raises for an unknown unit
    the_period = Period(year, period)
    as_of = the_period.resolve_as_of(as_of)
    if year not in ledgers.years(unit):
        have = "、".join(str(y) for y in ledgers.years(unit)) or "无"
        raise ParameterError(f"{year}年：台账中没有单位 {unit} 这一年的记录（有数据的年份：{have}）")
    span = Span(pd.Timestamp(the_period.start), pd.Timestamp(as_of))
    spans = {"value": span, "prior": span.prior()}
    before = the_period.previous()
    if before is not None:
        spans["previous"] = Span.whole(before)
    ctx = FigureContext(ledgers, unit, the_period, as_of, spans, load_rules())
    items: dict[str, Indicator] = {}
    bases: dict[str, Indicator] = {}
    facts: dict[str, Any] = {}
    for table_figures in TABLE_FIGURES.values():
        got = table_figures(ctx)
        items.update(got.items)
        bases.update(got.bases)
        facts.update(got.facts)
    return Indicators(unit_id=unit, year=year, as_of=as_of, items=items, unit_name=ledgers.unit(unit)["unit_name"],
                      rejected_rows=ledgers.rejected_rows, spans=spans, bases=bases, period=the_period, **facts)


def counted_figures(table: schema.Table, mine: pd.DataFrame, spans: dict[str, Span], figure) -> dict[str, Indicator]:
    """The figures of one unit's rows of a counted table: each kind (``<prefix>.<code>``) and all of them
    (``<prefix>.total``).

    Parameters
    ----------
    table : Table
        A counted table (its kinds in ``config/rules.yml`` under its prefix).
    mine : DataFrame
        The unit's rows of the table (``category`` already a code where it is one).
    spans : dict
        The spans the table's records reach (``value`` always).
    figure : callable
        Makes an :class:`Indicator` from its figures per span and what describes it.
    """
    out = {}
    dates = mine[table.date_column]
    rows = {name: mine.index[span.mask(dates).to_numpy()] for name, span in spans.items()}
    for code, (label, _aliases) in schema.counted_categories(table).items():
        ev = {name: r[(mine.loc[r, "category"] == code).to_numpy()] for name, r in rows.items()}
        out[f"{table.prefix}.{code}"] = figure(code, figures={n: len(e) for n, e in ev.items()}, label=label,
                                               unit="次", table=table.name, evidence=ev)
    out[f"{table.prefix}.total"] = figure("total", figures={n: len(r) for n, r in rows.items()},
                                          label=f"{table.sheet}活动合计", unit="次", table=table.name, evidence=rows)
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

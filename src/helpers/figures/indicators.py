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

from collections import OrderedDict
from dataclasses import dataclass, field, replace
from datetime import date
from functools import partial
from typing import Any

import pandas as pd

from ..read import schema
from ..read.ledgers import Ledgers
from ..settings.config import rules as load_rules
from ..settings.errors import ParameterError
from .activity import activity_table_figures
from .base import FigureContext, Indicator, Span
from .casework import casework_table_figures
from .counted import counted_table_figures
from .coverage import coverage_table_figures
from .periods import Period
from .publicity import publicity_table_figures


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

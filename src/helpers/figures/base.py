"""What every table's figures are made of: the spans (本期, 上年同期, 上期), an indicator with the rows it
counted, and the context a table's figures are computed against (:class:`FigureContext`)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Any

import pandas as pd

from ..read.ledgers import Ledgers
from ..settings.config import decimals
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


def _has_prior(frame: pd.DataFrame | None, column: str, prior: Span) -> bool:
    """Whether a table's records reach back to the prior span (so a 0 is a real 0)."""
    return frame is not None and not frame.empty and bool((frame[column] <= prior.end).any())


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

"""One report: its kind, ledgers, unit and figures, and the notebook's way to its text.

The notebook calls :meth:`Report.prepare`, then the report's pieces
(:meth:`Report.body_markdown`, :meth:`Report.appendix_markdown`,
:meth:`Report.data_note_markdown`) and the ``show_*`` functions of
:mod:`helpers.document.display`. The work is done where its job is: the prose
filled in :mod:`helpers.words.fill`, the body and attachment put together in
:mod:`helpers.document.body`, the data note in :mod:`helpers.document.data_note`,
the charts in :mod:`helpers.document.charts`, the 信访 breakdowns in
:mod:`helpers.figures.casework`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from functools import cached_property
from pathlib import Path

import pandas as pd

from ..figures.base import Span
from ..figures.casework import case_categories, case_months
from ..figures.indicators import Indicators, compute_indicators
from ..figures.kinds import Kind
from ..figures.kinds import get as get_kind
from ..figures.periods import Period
from ..read.ledgers import Ledgers, load_ledgers
from ..words import fill
from ..words.narrative import Section, front_matter
from ..words.phrasing import span_words
from . import body, charts, data_note


@dataclass
class Report:
    """One report's data: its kind, the ledgers, the unit, the figures (computed once) and the prose file.

    The sentences are written by :mod:`helpers.words.sentences`, the tables by
    :mod:`helpers.document.tables`, the charts by :mod:`helpers.document.charts`;
    :mod:`helpers.document.body` puts them together in the kind's skeleton
    (``config/kinds.yml``).
    """

    ledgers: Ledgers
    unit: dict[str, str]
    indicators: Indicators
    narrative_path: Path
    kind: Kind
    generic_sections: list[str] = field(default_factory=list)  # sections the analysts left empty: generic prose

    @classmethod
    def prepare(
        cls, year: int, unit: str, as_of: str | date | None = None, data_dir: str | Path | None = None, *,
        kind: str | None = None, period: str = "year",
    ) -> Report:
        """Load the (cached, validated) ledgers and compute the figures of one report.

        Parameters
        ----------
        year : int
            Report year.
        unit : str
            A ``unit_id``.
        as_of : str or date, optional
            Cut-off date (ISO); default the end of the period (today while it is running).
        data_dir : str or Path, optional
            Data folder; the project's ``data/`` by default.
        kind : str, optional
            The report kind (``config/kinds.yml``); the first one by default.
        period : str
            ``year`` (default), ``H1``, ``H2``, ``Q1`` … ``Q4``.
        """
        return cls.from_ledgers(load_ledgers(data_dir), unit, year, as_of, kind=kind, period=period)

    @classmethod
    def from_ledgers(cls, ledgers: Ledgers, unit: str, year: int, as_of: str | date | None = None, *,
                     kind: str | None = None, period: str = "year") -> Report:
        """Like :meth:`prepare`, from ledgers already loaded."""
        the_kind = get_kind(kind)
        ind = compute_indicators(ledgers, unit, int(year), as_of, period)
        prose = the_kind.prose_file(ledgers.data_dir, unit, int(year), ind.period.code)
        return cls(ledgers, ledgers.unit(unit), ind, prose, the_kind)

    # ----------------------------------------------------------------- data

    @property
    def year(self) -> int:
        return self.indicators.year

    @property
    def period(self) -> Period:
        return self.indicators.period

    @cached_property
    def trend(self) -> dict[int, Indicators]:
        """The unit's figures for every year in the ledgers up to the report year, each over the same span."""
        ind = self.indicators
        span = Span(pd.Timestamp(ind.period.start), pd.Timestamp(ind.as_of))
        out = {}
        for y in self.ledgers.years(self.unit["unit_id"]):
            if y < self.year:
                out[y] = compute_indicators(self.ledgers, self.unit["unit_id"], y, span.in_year(y).end.date(),
                                            ind.period.code)
        out[self.year] = ind
        return out

    @cached_property
    def categories(self) -> pd.DataFrame:
        """Petitions of the span by problem category (:func:`helpers.figures.casework.case_categories`)."""
        return case_categories(self.ledgers, self.indicators)

    @cached_property
    def months(self) -> pd.DataFrame:
        """Petitions received per month of the span (:func:`helpers.figures.casework.case_months`)."""
        return case_months(self.ledgers, self.indicators)

    def signed(self) -> date:
        """The date under the signature: ``signed`` in the narrative file, else ``as_of``."""
        return front_matter(self.narrative_path).get("signed") or self.indicators.as_of

    def span_words(self) -> str:
        """``全年``, ``上半年`` or ``截至2024年11月30日``."""
        return span_words(self)

    def issuer(self) -> str:
        """Who reports and signs: the Party organisation or the unit (``issuer`` of the kind)."""
        return self.unit[self.kind.issuer]

    def title(self) -> str:
        """The report's title: ``中共…党组2024年第三季度意识形态工作分析研判报告``."""
        return f"{self.issuer()}{self.kind.title(self.period)}"

    # ----------------------------------------------------------------- the notebook's pieces

    def placeholders(self) -> dict[str, str]:
        """Every placeholder a narrative file may use, filled (:func:`helpers.words.fill.placeholders`)."""
        return fill.placeholders(self)

    def sections(self) -> dict[str, Section]:
        """The analysts' prose, filled (:func:`helpers.words.fill.sections`)."""
        return fill.sections(self)

    def body_markdown(self) -> str:
        """The report from its title to the signature (:func:`helpers.document.body.body_markdown`)."""
        return body.body_markdown(self)

    def appendix_markdown(self) -> str:
        """The attachment's tables (:func:`helpers.document.body.appendix_markdown`)."""
        return body.appendix_markdown(self)

    def charts(self) -> list[charts.Chart]:
        """The report's charts, in the order its kind lists them (:func:`helpers.document.charts.report_charts`)."""
        return charts.report_charts(self)

    def data_note_markdown(self) -> str:
        """The data note and the evidence (:func:`helpers.document.data_note.data_note_markdown`)."""
        return data_note.data_note_markdown(self)


class _AnyName(set):
    """Every placeholder name counts as known (nothing to check names against yet)."""

    def __contains__(self, name: object) -> bool:
        return True

    def __or__(self, other):
        return self


def prose_placeholders(ledgers: Ledgers):
    """For :func:`helpers.words.narrative.check_folder`: the placeholders the reports using a prose file fill.

    ``narrative/<unit_id>/<year>.md`` is used by that unit's report; ``narrative/default.md``
    (and any other file) by every unit's. Each unit is looked at in its last year with data
    (up to the file's year).

    Parameters
    ----------
    ledgers : Ledgers
        The validated ledgers of the data folder.

    Returns
    -------
    callable
        Path to (names every such report fills, names only some of them fill).
    """
    from ..figures.periods import PERIODS
    from ..words.narrative import kind_of

    cache: dict[tuple, frozenset[str]] = {}

    def names(unit: str, year: int | None, kind: str, period: str) -> frozenset[str] | None:
        years = [y for y in ledgers.years(unit) if year is None or y <= year]
        if not years:
            return None
        key = (unit, years[-1], kind, period)
        if key not in cache:
            report = Report.from_ledgers(ledgers, unit, years[-1], Period(years[-1], period).end, kind=kind,
                                         period=period)
            cache[key] = frozenset(report.placeholders())
        return cache[key]

    def known_for(path: Path) -> tuple[set[str], set[str]]:
        unit, stem = path.parent.name, path.name.split(".")[0]
        year_text, _, period = stem.partition("-")
        year = int(year_text) if year_text.isdigit() else None
        period = period if period in PERIODS else "year"
        try:
            kind = kind_of(path)
        except Exception:  # an unknown kind in the name is reported by check_folder
            return _AnyName(), set()
        units = [unit] if unit in ledgers.units.index else list(ledgers.units.index)
        sets = [s for s in (names(u, year, kind, period) for u in units) if s is not None]
        if not sets:  # no unit has data yet (a fresh folder): names cannot be checked, only the syntax
            return _AnyName(), set()
        every = set.intersection(*map(set, sets))
        return every, set.union(*map(set, sets)) - every

    return known_for

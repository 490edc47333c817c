"""Report periods: a whole year, a half-year (H1, H2) or a quarter (Q1…Q4).

A report covers the days of its period up to ``as_of``. "同比" compares that
span with the same span a year earlier; for a period shorter than a year,
"环比" compares it with the whole period just before (H1 with H2 of the year
before, Q3 with Q2). Periods are calendar facts, declared once here
(:data:`PERIODS`); what a report kind calls itself in each period is in
``config/kinds.yml``.
"""

from __future__ import annotations

import calendar
from dataclasses import dataclass
from datetime import date

from ..settings.errors import ParameterError


@dataclass(frozen=True)
class PeriodKind:
    """One period code: its months and its words (``上半年``, ``第三季度``)."""

    code: str
    first_month: int
    months: int
    words: str  # as in 2024年上半年 (empty for the whole year: 2024年度)
    family: str  # year | half | quarter: which title pattern of a kind it takes
    next_words: str  # the next period, as a heading says it: 下半年, 下一季度
    since: str  # the time the report looks back on, as a sentence opens: 一年来, 半年来, 本季度


PERIODS: dict[str, PeriodKind] = {p.code: p for p in (
    PeriodKind("year", 1, 12, "", "year", "{next_year}年", "一年来"),
    PeriodKind("H1", 1, 6, "上半年", "half", "下半年", "半年来"),
    PeriodKind("H2", 7, 6, "下半年", "half", "{next_year}年上半年", "半年来"),
    PeriodKind("Q1", 1, 3, "第一季度", "quarter", "第二季度", "本季度"),
    PeriodKind("Q2", 4, 3, "第二季度", "quarter", "第三季度", "本季度"),
    PeriodKind("Q3", 7, 3, "第三季度", "quarter", "第四季度", "本季度"),
    PeriodKind("Q4", 10, 3, "第四季度", "quarter", "{next_year}年第一季度", "本季度"),
)}
DEFAULT_PERIOD = "year"


def parse_period(code: str | None) -> str:
    """A period code as typed (``h1``, ``Q3``, ``year``) to its canonical form.

    Raises
    ------
    ParameterError
        When the code is not one of :data:`PERIODS`.
    """
    text = str(code or DEFAULT_PERIOD).strip()
    for known in PERIODS:
        if text.lower() == known.lower():
            return known
    raise ParameterError(f"--period '{text}' 不是可用的期间：请写 {'、'.join(PERIODS)} 之一"
                         "（year 全年，H1/H2 上/下半年，Q1…Q4 各季度）")


@dataclass(frozen=True, order=True)
class Period:
    """One period of one year, e.g. ``Period(2024, "Q3")``."""

    year: int
    code: str = DEFAULT_PERIOD

    def __post_init__(self) -> None:
        object.__setattr__(self, "year", int(self.year))
        object.__setattr__(self, "code", parse_period(self.code))

    @property
    def kind(self) -> PeriodKind:
        return PERIODS[self.code]

    @property
    def is_year(self) -> bool:
        """Whether the period is the whole year (it then has no 环比)."""
        return self.code == DEFAULT_PERIOD

    @property
    def start(self) -> date:
        return date(self.year, self.kind.first_month, 1)

    @property
    def end(self) -> date:
        last = self.kind.first_month + self.kind.months - 1
        return date(self.year, last, calendar.monthrange(self.year, last)[1])

    @property
    def label(self) -> str:
        """The output folder's name: ``2024``, ``2024-H1``, ``2024-Q3``."""
        return str(self.year) if self.is_year else f"{self.year}-{self.code}"

    @property
    def words(self) -> str:
        """``2024年度``, ``2024年上半年``, ``2024年第三季度``."""
        return f"{self.year}年度" if self.is_year else f"{self.year}年{self.kind.words}"

    @property
    def next_words(self) -> str:
        """The period after this one, as a heading says it: ``2025年``, ``下半年``, ``第四季度``."""
        return self.kind.next_words.format(next_year=self.year + 1)

    def previous(self) -> Period | None:
        """The period just before (环比): H1 → H2 of the year before, Q3 → Q2; ``None`` for a year."""
        if self.is_year:
            return None
        same = [p for p in PERIODS.values() if p.family == self.kind.family]
        i = same.index(self.kind)
        return Period(self.year, same[i - 1].code) if i else Period(self.year - 1, same[-1].code)

    def contains(self, day: date) -> bool:
        return self.start <= day <= self.end

    def default_as_of(self, today: date | None = None) -> date:
        """The period's last day, or today while the period is running."""
        today = today or date.today()
        return today if self.contains(today) else self.end

    def resolve_as_of(self, as_of: str | date | None) -> date:
        """Check and return the cut-off date of a report of this period.

        Raises
        ------
        ParameterError
            When ``as_of`` cannot be read or is not within the period.
        """
        if as_of in (None, ""):
            return self.default_as_of()
        if isinstance(as_of, str):
            try:
                as_of = date.fromisoformat(as_of.strip())
            except ValueError:
                raise ParameterError(f"as_of '{as_of}' 不是日期：请写成 2024-11-30 这样") from None
        if not self.contains(as_of):
            where = f"{self.year}年" if self.is_year else f"{self.words}（{self.start}至{self.end}）"
            raise ParameterError(f"as_of {as_of} 不在报告期间{where}之内")
        return as_of

    def closed_rule_periods(self, per_year: int, as_of: date) -> int:
        """How many of a rule's periods (``12 / per_year`` months from January) in this period closed by ``as_of``.

        A yearly rule has no closed period inside a quarter: it is due, not a shortfall.
        """
        months = 12 // per_year
        closed_months = as_of.month - (0 if as_of.day == calendar.monthrange(as_of.year, as_of.month)[1] else 1)
        count = 0
        for k in range(per_year):
            first, last = 1 + k * months, (k + 1) * months
            if first >= self.kind.first_month and last <= closed_months:
                count += 1
        return count


__all__ = ["DEFAULT_PERIOD", "PERIODS", "Period", "PeriodKind", "parse_period"]

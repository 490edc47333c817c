"""What a build runs and what each run gives: :class:`Job`, :class:`Result`, and :func:`batches`.

A :class:`Job` is one report (a unit's or the district summary, of one kind,
year and period) with where it reads and writes; a :class:`Result` is what
happened to it. :func:`batches` groups jobs for a pool of workers.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..figures.periods import Period
from ..render.engines import FORMATS
from ..settings import paths


@dataclass(frozen=True)
class Job:
    """One report to build: a unit (or the district summary), a kind, a year and a period."""

    year: int
    unit: str
    as_of: str | None
    data_dir: Path
    out_dir: Path
    formats: tuple[str, ...] = FORMATS
    rejected_csv: Path | None = None  # the folder's set-aside rows, written once per build
    reading_csv: Path | None = None  # the account of every row read, written once per build
    engine: str = "builtin"  # quarto | builtin, chosen once per build (render.choose_engine)
    kind: str = ""  # config/kinds.yml; empty: the first kind declared there
    period: str = "year"  # year | H1 | H2 | Q1 … Q4

    def __post_init__(self) -> None:
        if not self.kind:
            from ..figures.kinds import default_kind

            object.__setattr__(self, "kind", default_kind())

    @property
    def is_summary(self) -> bool:
        """Whether this is a district summary rather than a unit's report."""
        return self.unit == paths.SUMMARY_ID

    @property
    def the_period(self) -> Period:
        return Period(self.year, self.period)

    @property
    def name(self) -> str:
        """``2024/ideology/yeji-mzj``, ``2024-H1/casework/_summary``: the folder under the output root."""
        return f"{self.the_period.label}/{self.kind}/{self.unit}"

    @property
    def folder(self) -> Path:
        return paths.report_dir(self.out_dir, self.the_period.label, self.unit, self.kind)

    @property
    def error_file(self) -> Path:
        """``<period>/<kind>/<unit>.error.txt``: kept beside the folder while the last attempt failed."""
        return self.folder.parent / f"{self.unit}.error.txt"

    @property
    def notebook(self) -> Path:
        """The kind's notebook in force."""
        from ..figures.kinds import get

        return get(self.kind).notebook

    def parameters(self) -> dict[str, Any]:
        """The notebook's parameters (its kind is the notebook itself)."""
        return {"year": self.year, "period": self.period, "unit": self.unit, "as_of": self.as_of,
                "data_dir": str(self.data_dir)}


@dataclass
class Result:
    """What happened to one report."""

    job: Job
    status: str  # built | skipped | failed
    seconds: float
    error: str | None = None
    files: list[str] = field(default_factory=list)


def batches(jobs: list[Job], workers: int) -> list[list[Job]]:
    """The reports in batches for a pool of ``workers``: a unit's reports together where there are enough units.

    A unit's reports of every kind, year and period share figures (the kernel keeps
    the last ones it computed: a report's 表2 reuses the earlier years', the second
    kind reuses the first's), so they go to one worker, in order. With too few units
    to keep every worker busy, a batch is a unit's reports of one kind, or one report.
    The district summaries of one year and period are a batch (their kinds add up the
    same figures).
    """
    grouped: dict = {}
    for job in jobs:
        if job.is_summary:
            grouped.setdefault((job.year, job.period), []).append(job)
    summaries = list(grouped.values())
    reports = [job for job in jobs if not job.is_summary]
    for key in (lambda j: j.unit, lambda j: (j.unit, j.kind)):
        groups: dict = {}
        for job in reports:
            groups.setdefault(key(job), []).append(job)
        if len(groups) >= 2 * workers:
            return list(groups.values()) + summaries
    return [[job] for job in reports] + summaries


def one_report(units: str, years: str | int | None, kinds: str | None, periods: str | None) -> bool:
    """Whether a build's request names a single report: one unit, year (None: the latest), kind and period.

    Read before the ledgers are, as the build's parsers read these lists (a unit list may be
    separated by 、 too; a year range is ``2022-2024``).
    """
    def single(value, range_sign: bool = False) -> bool:
        text = "" if value is None else str(value).strip()
        return text != "all" and not re.search(r"[,，、]", text) and not (range_sign and "-" in text)

    return single(units) and single(years, range_sign=True) and single(kinds) and single(periods)

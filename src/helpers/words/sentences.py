"""The report's own sentences, written from its figures: the registries of the ``{text.*}`` placeholders
(:data:`SENTENCES`) and of the problems found in the data (:data:`PROBLEMS`) that a kind's skeleton adds
after the analysts' own (``problems:`` in ``config/kinds.yml``).

Each sentence lives with its ledger table (:mod:`helpers.words.activity`, :mod:`~helpers.words.casework`,
:mod:`~helpers.words.publicity`, :mod:`~helpers.words.coverage`, :mod:`~helpers.words.counted`): it takes
the report's data (:class:`helpers.document.report.Report`: the indicators, the unit, the period) and
returns Chinese text; nothing here lays out a document.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import partial
from typing import TYPE_CHECKING

from ..read import schema
from . import activity, casework, counted, coverage, publicity

if TYPE_CHECKING:
    from ..document.report import Report


SENTENCES: dict[str, Callable[[Report], str]] = {
    "text.activities": activity.text_activities,
    "text.casework": casework.text_casework,
    "text.total": casework.text_total,
    "text.publicity": publicity.text_publicity,
    "text.coverage": coverage.text_coverage,
    "text.channels": casework.text_channels,
    "text.categories": casework.text_categories,
    "text.timeliness": casework.text_timeliness,
    "text.escalation": casework.text_escalation,
    "text.satisfaction": casework.text_satisfaction,
    "text.months": casework.text_months,
    "text.handling": casework.text_handling,
}
# A counted table's sentence comes with it: {text.<prefix>}.
SENTENCES.update({f"text.{schema.TABLES[name].prefix}": partial(counted.text_counted, table=schema.TABLES[name])
                  for name in schema.COUNTED_TABLES})

# --------------------------------------------------------------------------- problems found in the data

PROBLEMS: dict[str, Callable[[Report], str | None]] = {
    "activities": activity.problem_activities,
    "timeliness": casework.problem_timeliness,
    "escalation": casework.problem_escalation,
    "satisfaction": casework.problem_satisfaction,
    "acceptance": casework.problem_acceptance,
    "repeats": casework.problem_repeats,
}
# A counted table's problem finder comes with it: <prefix>, its minimums.
PROBLEMS.update({schema.TABLES[name].prefix: partial(counted.problem_counted, table=schema.TABLES[name])
                 for name in schema.COUNTED_TABLES})

__all__ = ["PROBLEMS", "SENTENCES"]

"""A report's prose, filled: the placeholders' values, the sections of the narrative, the problems found.

Each function takes the report's data (:class:`helpers.document.report.Report`);
the document step puts the filled sections in the kind's skeleton.
"""

from __future__ import annotations

import sys
import warnings
from typing import TYPE_CHECKING

from ..settings import paths
from . import sentences
from .narrative import NarrativeWarning, Section, parse
from .phrasing import change_phrase, cn_date, md_escape, number, span_words

if TYPE_CHECKING:
    from ..document.report import Report


def placeholders(r: Report) -> dict[str, str]:
    """Every placeholder a narrative file may use, filled (names, periods, ``{text.*}`` sentences, figures)."""
    ind, period = r.indicators, r.period
    values = {
        "unit_name": md_escape(r.unit["unit_name"]),
        "party_org": md_escape(r.unit["party_org"]),
        "recipient": md_escape(r.unit["recipient"]),
        "year": str(r.year),
        "next_year": str(r.year + 1),
        "prior_year": str(r.year - 1),
        "period": period.words,
        "next_period": period.next_words,
        "since": period.kind.since,
        "report": r.kind.titles[period.kind.family],
        "as_of": cn_date(ind.as_of),
        "span": span_words(r),
    }
    values.update({name: write(r) for name, write in sentences.SENTENCES.items()})
    for key, item in ind.items.items():
        values[key] = number(item.value, item.kind)
        values[f"{key}.prior"] = number(item.prior, item.kind)
        values[f"{key}.change"] = change_phrase(item)
        if ind.has_previous:
            values[f"{key}.previous"] = number(item.previous, item.kind)
            values[f"{key}.previous_change"] = change_phrase(item, span="previous")
    return values


def sections(r: Report) -> dict[str, Section]:
    """The analysts' prose (or the generic prose shipped with the package), filled.

    A section the analysts left empty takes the generic prose's (a report never has an
    empty section); their names are kept in ``r.generic_sections`` for the data note.
    Warnings about the prose are printed as one plain Chinese line each.
    """
    values = placeholders(r)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", NarrativeWarning)
        found = parse(r.narrative_path, values, r.kind.sections)
    for warning in caught:  # one plain line each, not Python's warning format
        print(f"提醒：{warning.message}", file=sys.stderr)
    empty = [name for name, s in found.items() if not s.paragraphs and not any(p for _, p in s.subsections)]
    if empty and not paths.is_generic_prose(r.narrative_path):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", NarrativeWarning)
            generic = parse(r.kind.generic_prose(), values, r.kind.sections)
        for name in empty:
            found[name] = generic[name]
        r.generic_sections = empty
    return found


def problems_from_data(r: Report, finders: tuple[str, ...] | None = None) -> list[str]:
    """Problems the ledgers show (the kind's problem finders, or those named)."""
    if finders is None:
        finders = tuple(f for part in r.kind.body for f in part.problems)
    found = [sentences.PROBLEMS[name](r) for name in finders]
    return [text for text in found if text]

"""The figures of a table counted kind by kind (:attr:`helpers.read.schema.Table.counted`, such as
纪律教育): each kind and their total, the kinds from the table's section of ``config/rules.yml``."""

from __future__ import annotations

import pandas as pd

from ..read import schema
from .base import FigureContext, Indicator, Span, TableFigures


def counted_table_figures(ctx: FigureContext, table: schema.Table) -> TableFigures:
    """A table counted kind by kind (:attr:`helpers.read.schema.Table.counted`, such as 纪律教育): each kind and
    their total, for the spans its records reach; nothing when the unit keeps none of its rows."""
    frame = getattr(ctx.ledgers, table.name)
    if frame is None or not bool((frame["unit"] == ctx.unit).any()):
        return TableFigures()
    spans = {n: ctx.spans[n] for n in ctx.reached(frame, table.date_column)}
    return TableFigures(counted_figures(table, ctx.mine(frame), spans, ctx.figure))


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

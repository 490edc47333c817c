"""The 村（社区）覆盖台账's figures (an optional table): villages, those covered, the rate, at a span's end."""

from __future__ import annotations

from typing import Any

import pandas as pd

from .base import FigureContext, TableFigures, rate


def coverage_figures(coverage: pd.DataFrame, on: pd.Timestamp) -> dict[str, Any]:
    """Villages, villages covered on ``on``, and the rate."""
    villages = int(len(coverage))
    covered = int((coverage["established_date"] <= on).sum())
    return {"villages": villages, "covered": covered, "rate": rate(covered, villages)}


def coverage_rows(coverage: pd.DataFrame, on: pd.Timestamp) -> dict[str, pd.Index]:
    """The rows counted as villages and as covered on ``on`` (index labels of ``coverage``)."""
    return {"villages": coverage.index, "covered": coverage.index[(coverage["established_date"] <= on).to_numpy()]}


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

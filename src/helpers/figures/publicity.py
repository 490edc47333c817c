"""The 宣传报道 table's figures (an optional table): the reports and the outlets that carried them."""

from __future__ import annotations

from typing import Any

import pandas as pd

from ..settings.config import rules as load_rules
from .base import FigureContext, Span, TableFigures


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

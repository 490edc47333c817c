"""Charts of a report (matplotlib, Chinese labels in the configured chart font)."""

from __future__ import annotations

import io
from dataclasses import dataclass

import matplotlib
import pandas as pd
from matplotlib import font_manager
from matplotlib.figure import Figure

from . import schema
from .config import nianbao_settings
from .fonts import resolve
from .indicators import Indicators, Span
from .ledgers import Ledgers

THIS_YEAR, LAST_YEAR = "#b22222", "#8c8c8c"
_REGISTERED: set[str] = set()


@dataclass
class Chart:
    """One rendered chart: its caption and PNG bytes."""

    caption: str
    png: bytes


def use_chart_font() -> str:
    """Register the chart font with matplotlib and make it the default; return its family."""
    choice = resolve("chart")
    if choice.family not in _REGISTERED:
        font_manager.fontManager.addfont(choice.path)
        _REGISTERED.add(choice.family)
    matplotlib.rcParams["font.family"] = [choice.family]
    matplotlib.rcParams["axes.unicode_minus"] = False
    return choice.family


def _png(fig) -> bytes:
    settings = nianbao_settings().get("charts", {})
    buf = io.BytesIO()
    # fixed margins (set in _figure): one draw per chart; a layout engine or
    # bbox_inches="tight" draws twice. Light PNG compression: time matters more here.
    fig.savefig(buf, format="png", dpi=settings.get("dpi", 200), pil_kwargs={"compress_level": 1})
    return buf.getvalue()


def _figure(left: float = 0.08):
    settings = nianbao_settings().get("charts", {})
    # matplotlib's object API, not pyplot: no global figure registry, no GUI or
    # inline backend, nothing to close, nothing left behind in a reused kernel
    fig = Figure(figsize=(settings.get("width-in", 6.3), settings.get("height-in", 3.2)))
    ax = fig.subplots()
    fig.subplots_adjust(left=left, right=0.98, top=0.96, bottom=0.14)
    return fig, ax


def _style(ax) -> None:
    for side in ("top", "right"):
        ax.spines[side].set_visible(False)
    ax.grid(axis="x", color="#dddddd", linewidth=0.6)
    ax.set_axisbelow(True)


def activities_chart(ind: Indicators) -> Chart:
    """Horizontal bars: each category this year against the same span last year."""
    use_chart_font()
    codes = list(schema.CATEGORIES)[::-1]
    labels = [schema.CATEGORY_SHORT[c] for c in codes]
    now = [ind[f"activity.{c}"].value for c in codes]
    before = [ind[f"activity.{c}"].prior for c in codes]
    fig, ax = _figure(left=0.27)
    y = range(len(codes))
    h = 0.38
    ax.barh([i + h / 2 for i in y], now, h, color=THIS_YEAR, label=f"{ind.year}年")
    if all(b is not None for b in before):
        ax.barh([i - h / 2 for i in y], before, h, color=LAST_YEAR, label=f"{ind.year - 1}年同期")
    for i, v in zip(y, now):
        ax.text(v + 0.2, i + h / 2, str(v), va="center", fontsize=8)
    ax.set_yticks(list(y), labels, fontsize=9)
    ax.set_xlabel("次数", fontsize=9)
    ax.legend(fontsize=8, frameon=False, loc="lower right")
    _style(ax)
    return Chart(f"各类组织生活开展次数（{ind.year}年与上年同期）", _png(fig))


def casework_chart(ledgers: Ledgers, ind: Indicators) -> Chart:
    """Petitions received per month, this year against the same span last year."""
    use_chart_font()
    cases = ledgers.casework[ledgers.casework["unit"] == ind.unit_id]
    span = Span.of(ind.year, ind.as_of)
    fig, ax = _figure()
    months = list(range(1, ind.as_of.month + 1))
    for sp, color, label, style in (
        (span, THIS_YEAR, f"{ind.year}年", "-"),
        (span.prior(), LAST_YEAR, f"{ind.year - 1}年同期", "--"),
    ):
        if sp is not span and ind["casework.total"].prior is None:
            continue
        got = cases.loc[sp.mask(cases["received_date"]), "received_date"].dt.month
        per_month = got.value_counts().reindex(months, fill_value=0)
        ax.plot(months, per_month.to_numpy(), style, marker="o", color=color, label=label, linewidth=1.6)
    ax.set_xticks(months, [f"{m}月" for m in months], fontsize=8)
    ax.set_ylabel("件数", fontsize=9)
    ax.set_ylim(bottom=0, top=max(1, ax.get_ylim()[1]) * 1.25)  # room for the legend above the lines
    ax.yaxis.get_major_locator().set_params(integer=True)
    ax.legend(fontsize=8, frameon=False, loc="upper center", ncol=2)
    _style(ax)
    ax.grid(axis="y", color="#dddddd", linewidth=0.6)
    return Chart(f"群众来信来访按月收件情况（{ind.year}年与上年同期）", _png(fig))


def trend_chart(trend: dict[int, Indicators], ind: Indicators) -> Chart | None:
    """Main figures of every year in ``trend`` (:meth:`helpers.report.Report.trend`), same span each year."""
    if len(trend) < 2:
        return None
    use_chart_font()
    frame = pd.DataFrame(
        {"组织生活（次）": {y: i.activity_total() for y, i in trend.items()},
         "来信来访（件）": {y: i["casework.total"].value for y, i in trend.items()}}
    ).sort_index()
    fig, ax = _figure()
    for col, color, style in zip(frame.columns, (THIS_YEAR, "#1f4e79"), ("-", "--")):
        ax.plot(frame.index, frame[col], style, marker="o", color=color, label=col, linewidth=1.6)
        for x, v in frame[col].items():
            ax.annotate(str(v), (x, v), textcoords="offset points", xytext=(0, 5), ha="center", fontsize=8)
    ax.set_xticks(list(frame.index), [f"{y}年" for y in frame.index], fontsize=9)
    ax.set_xlim(frame.index.min() - 0.3, frame.index.max() + 0.3)
    ax.set_ylim(bottom=0, top=frame.to_numpy().max() * 1.2)
    ax.legend(fontsize=8, frameon=False, loc="lower right")
    _style(ax)
    ax.grid(axis="y", color="#dddddd", linewidth=0.6)
    return Chart(f"主要指标历年走势（各年1月1日至{ind.as_of.month}月{ind.as_of.day}日）", _png(fig))


def report_charts(ledgers: Ledgers, ind: Indicators, trend: dict[int, Indicators]) -> list[Chart]:
    """Every chart of one report, in order."""
    charts = [activities_chart(ind), casework_chart(ledgers, ind)]
    over_years = trend_chart(trend, ind)
    return charts + ([over_years] if over_years else [])

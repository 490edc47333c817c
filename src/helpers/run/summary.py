"""The district summary of a year: every unit's figures together.

Counts are summed over the units; rates and medians are recomputed from the
pooled records (never averaged over units). A consistency check compares each
summed count with the sum of the units' own figures and stops the build when
they differ.
"""

from __future__ import annotations

import json
import tempfile
from collections.abc import Callable
from dataclasses import replace
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING

import pandas as pd

from ..document.tables import figure_label, indicator_table
from ..figures.base import resolve_as_of
from ..figures.casework import channel_counts
from ..figures.indicators import Indicators, compute_indicators
from ..figures.kinds import Kind
from ..figures.kinds import get as get_kind
from ..figures.periods import Period
from ..read.ledgers import Ledgers
from ..settings.errors import NianbaoError
from ..settings.layout import pipe_table
from ..settings.paths import SUMMARY_ID
from ..words.evidence import SPAN_LABELS
from ..words.phrasing import cn_date, md_attribute, md_escape, number

if TYPE_CHECKING:
    from ..document.charts import Chart

SUMMARY_ROLES = ("title", "body", "hei", "page-number")  # the summary has no 楷体 heading


class ConsistencyError(NianbaoError):
    """A summary total differs from the sum of its units."""


_POOLED: list[tuple[Ledgers, tuple[str, ...], Ledgers]] = []  # the last few: see pooled
_POOLED_KEPT = 4


def pooled(ledgers: Ledgers, units: list[str]) -> Ledgers:
    """The ledgers with the records of ``units`` relabelled as one unit (:data:`SUMMARY_ID`).

    The same object for the same ledgers and units as a moment ago: the summaries of
    each kind of a period then share the pooled figures
    (:func:`helpers.figures.indicators.compute_indicators` keeps them by ledgers).
    """
    for source, chosen, done in _POOLED:
        if source is ledgers and chosen == tuple(units):
            return done
    done = _pool(ledgers, units)
    _POOLED.insert(0, (ledgers, tuple(units), done))
    del _POOLED[_POOLED_KEPT:]
    return done


def _pool(ledgers: Ledgers, units: list[str]) -> Ledgers:
    """:func:`pooled`, made anew."""

    def relabel(frame):
        if frame is None:
            return None
        part = frame[frame["unit"].isin(units)]
        return part.assign(unit=SUMMARY_ID)

    one = pd.DataFrame({"unit_name": ["各单位汇总"], "party_org": [""], "recipient": [""]},
                       index=pd.Index([SUMMARY_ID], name="unit_id"))
    return replace(ledgers, units=one, tables={name: relabel(frame) for name, frame in ledgers.tables.items()})


def district(ledgers: Ledgers, year: int, as_of: str | date | None = None,
             period: str = "year") -> tuple[Indicators, dict[str, Indicators]]:
    """The summary's indicators and each unit's, for the units with data in ``year``.

    Raises
    ------
    ConsistencyError
        When a summed count differs from the sum of the units' figures.
    """
    as_of = resolve_as_of(year, as_of, period)
    units = [u for u in ledgers.units.index if year in ledgers.years(u)]
    per_unit = {u: compute_indicators(ledgers, u, year, as_of, period) for u in units}
    total = compute_indicators(pooled(ledgers, units), SUMMARY_ID, year, as_of, period)
    check(total, per_unit)
    return total, per_unit


def check(total: Indicators, per_unit: dict[str, Indicators]) -> None:
    """Every count of the summary equals the sum of the units' counts (this year and last)."""
    problems = []
    for key, item in total.items.items():
        if item.kind != "count" or not item.additive:
            continue
        for field in ("value", "prior", "previous"):
            parts = [getattr(ind.items[key], field) for ind in per_unit.values() if key in ind.items]
            if getattr(item, field) is None or any(p is None for p in parts):
                continue
            if getattr(item, field) != sum(parts):
                problems.append(f"{key}（{SPAN_LABELS[field]}）：汇总{getattr(item, field)}，各单位之和{sum(parts)}")
    if problems:
        raise ConsistencyError(f"{total.period.words}全区汇总与各单位之和不符：" + "；".join(problems))


def ranking_chart(ledgers: Ledgers, per_unit: dict[str, Indicators], key: str, period_words: str) -> Chart:
    """Horizontal bars: the units ranked by the count ``key``, the highest on top (its figures in words too)."""
    from ..document.charts import THIS_YEAR, Chart, _figure, _png, _style, figures_words, use_chart_font

    use_chart_font()
    item = next(iter(per_unit.values())).items[key]
    ranked = sorted(per_unit.items(), key=lambda kv: kv[1].items[key].value)
    names = [ledgers.units.loc[u, "unit_name"] for u, _ in ranked]
    values = [ind.items[key].value for _, ind in ranked]
    fig, ax = _figure(left=0.3, chart="ranking")
    ax.barh(range(len(values)), values, color=THIS_YEAR, height=0.6)
    for i, v in enumerate(values):
        ax.text(v + 0.5, i, str(v), va="center", fontsize=8)
    ax.set_yticks(range(len(values)), names, fontsize=9)
    ax.set_xlabel(f"{period_words}{item.label}（{item.unit}）", fontsize=9)
    _style(ax)
    return Chart(f"各单位{period_words}{item.label}（{item.unit}）", _png(fig),
                 figures_words({item.label: values[::-1]}, names[::-1], item.unit))


def summary_title(year: int, kind: str | None = None, period: str = "year") -> str:
    """The district summary's title (also its download name on the site)."""
    the_kind = get_kind(kind)
    return f"{Period(year, period).words}各单位{the_kind.name}主要指标汇总"


def channel_table(ledgers: Ledgers, total: Indicators, units: list[str]) -> str:
    """Cases by channel (``casework.channels``, then any other text), per unit and together."""
    span = total.spans["value"]
    cases = ledgers.casework
    per_unit = {u: channel_counts(cases[cases["unit"] == u], span) for u in units}
    together = channel_counts(cases[cases["unit"].isin(units)], span)
    names = list(together)
    cols = ["单位", *[md_escape(n) if n else "未填写" for n in names], "合计"]
    rows = [[md_escape(ledgers.units.loc[unit, "unit_name"]), *[str(counts.get(n, 0)) for n in names],
             str(sum(counts.values()))] for unit, counts in per_unit.items()]
    rows.append(["合计", *[str(together[n]) for n in names], str(sum(together.values()))])
    return pipe_table(cols, rows)


# The sections a kind adds to its district summary (config/kinds.yml ``summary:``): heading and table.
SUMMARY_SECTIONS: dict[str, tuple[str, Callable[[Ledgers, Indicators, list[str]], str]]] = {
    "channels": ("信访形式分布", channel_table),
}


def summary_markdown(ledgers: Ledgers, total: Indicators, per_unit: dict[str, Indicators], kind: Kind,
                     ranking: Chart) -> str:
    """The summary report in Pandoc Markdown (``ranking``, the chart of :func:`ranking_chart`, as ``ranking.png``)."""
    import yaml

    year, as_of, period = total.year, total.as_of, total.period
    title = summary_title(year, kind.id, period.code)
    meta = {"title": title, "title-lines": [f"{period.words}各单位", f"{kind.name}主要指标汇总"],
            "pagetitle": title, "lang": "zh-CN", "date": cn_date(as_of)}
    out = ["---\n" + yaml.safe_dump(meta, allow_unicode=True, sort_keys=False) + "---"]
    start = period.start
    out.append(f"本表汇总{len(per_unit)}个单位{start.year}年{start.month}月{start.day}日至{as_of.month}月{as_of.day}日的台账数据。"
               "件数、次数为各单位之和；比率按汇总后的件数重新计算，不取各单位比率的平均数。")
    out.append("# 一、汇总指标")
    out.append(indicator_table(total, kind.chosen(total.items)))
    out.append("# 二、各单位对照")
    keys = [k for k in kind.headline if k in total.items]
    cols = ["单位", *(figure_label(total.items[k]) for k in keys)]
    rank = keys[0]
    rows = []
    for unit, ind in sorted(per_unit.items(), key=lambda kv: -(kv[1].items[rank].value or 0)):
        rows.append([md_escape(ledgers.units.loc[unit, "unit_name"]),
                     *(number(ind.items[k].value if k in ind.items else None, total.items[k].kind) for k in keys)])
    rows.append(["合计", *(number(total.items[k].value, total.items[k].kind) for k in keys)])
    out.append(pipe_table(cols, rows))
    numbers = iter("三四五六七八九")
    for section in kind.summary:  # the kind's own sections (信访形式分布 …)
        heading, table = SUMMARY_SECTIONS[section]
        out.append(f"# {next(numbers)}、{heading}")
        out.append(table(ledgers, total, list(per_unit)))
    out.append(f"# {next(numbers)}、各单位{total.items[rank].label}排名")
    out.append(f"::: {{.caption}}\n图1　{ranking.caption}\n:::")
    out.append(f"![](ranking.png){{alt={md_attribute(ranking.alt(1))}}}")
    out.append("::: {.note}\n数据来源：各单位台账；汇总数已与各单位数之和逐项核对。\n:::")
    from ..words.evidence import evidence_markdown

    out.append(evidence_markdown(ledgers, total.only(kind.chosen(total.items))))
    return "\n\n".join(out) + "\n"


def write_summary(ledgers: Ledgers, year: int, out_dir: Path, formats: tuple[str, ...],
                  as_of: str | date | None = None, *, manifest: dict | None = None, guard=None,
                  kind: str | None = None, period: str = "year") -> Path:
    """Write ``<out_dir>/<period>/<kind>/_summary/`` (report files and ``indicators.json``) in one step.

    Parameters
    ----------
    manifest : dict, optional
        Provenance written as ``manifest.json`` (its ``inputs`` make the summary incremental).
    guard : callable, optional
        A context manager held while the finished folder is moved into place
        (the engine's holds interrupts back).
    kind, period : str, optional
        The report kind (the first of ``config/kinds.yml`` by default) and the period.

    Raises
    ------
    ConsistencyError
        When a summed count differs from the sum of the units (nothing is written).
    """
    from ..render.engines import render_markdown
    from ..settings.fonts import resolve_all
    from ..settings.layout import page_layout
    from ..settings.outdir import atomic_folder
    from ..settings.paths import report_dir

    the_kind = get_kind(kind)
    total, per_unit = district(ledgers, year, as_of, period)
    final = report_dir(out_dir, total.period.label, SUMMARY_ID, the_kind.id)
    with atomic_folder(final, guard=guard) as scratch:
        keys = the_kind.chosen(total.items)
        doc = total.as_json(the_kind.id, keys)
        doc["title"] = summary_title(year, the_kind.id, total.period.code)
        doc["units"] = {u: ind.as_json(the_kind.id, keys)["indicators"] for u, ind in per_unit.items()}
        (scratch / "indicators.json").write_text(json.dumps(doc, ensure_ascii=False, indent=2) + "\n",
                                                 encoding="utf-8")
        from ..words.evidence import write_evidence  # the rows behind each figure, each with its own unit

        write_evidence(scratch, ledgers, total.only(keys), doc["indicators"])
        with tempfile.TemporaryDirectory(prefix="nianbao-summary-") as tmp:
            work = Path(tmp)
            rank = next(k for k in the_kind.headline if k in total.items)
            ranking = ranking_chart(ledgers, per_unit, rank, total.period.words)
            (work / "ranking.png").write_bytes(ranking.png)
            md = work / "report.md"
            md.write_text(summary_markdown(ledgers, total, per_unit, the_kind, ranking), encoding="utf-8")
            choices = resolve_all()
            layout = page_layout(choices)
            render_markdown(md, scratch, tuple(formats), layout, choices, SUMMARY_ROLES)
        if manifest is not None:
            (scratch / "manifest.json").write_text(json.dumps(manifest, ensure_ascii=False, indent=2) + "\n",
                                                   encoding="utf-8")
    return final


__all__ = ["ConsistencyError", "district", "pooled", "write_summary"]

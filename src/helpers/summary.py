"""The district summary of a year: every unit's figures together.

Counts are summed over the units; rates and medians are recomputed from the
pooled records (never averaged over units). A consistency check compares each
summed count with the sum of the units' own figures and stops the build when
they differ.
"""

from __future__ import annotations

import contextlib
import json
import shutil
import tempfile
import uuid
from dataclasses import replace
from datetime import date
from pathlib import Path

import pandas as pd

from .errors import NianbaoError
from .indicators import Indicators, Span, channel_counts, compute_indicators, resolve_as_of
from .layout import pipe_table
from .ledgers import Ledgers
from .paths import SUMMARY_ID
from .phrasing import cn_date, md_escape, number
from .report import indicator_table

SUMMARY_ROLES = ("title", "body", "hei", "page-number")  # the summary has no 楷体 heading


class ConsistencyError(NianbaoError):
    """A summary total differs from the sum of its units."""


def pooled(ledgers: Ledgers, units: list[str]) -> Ledgers:
    """The ledgers with the records of ``units`` relabelled as one unit (:data:`SUMMARY_ID`)."""

    def relabel(frame):
        if frame is None:
            return None
        part = frame[frame["unit"].isin(units)]
        return part.assign(unit=SUMMARY_ID)

    one = pd.DataFrame({"unit_name": ["各单位汇总"], "party_org": [""], "recipient": [""]},
                       index=pd.Index([SUMMARY_ID], name="unit_id"))
    return replace(ledgers, units=one, activities=relabel(ledgers.activities), casework=relabel(ledgers.casework),
                   publicity=relabel(ledgers.publicity), coverage=relabel(ledgers.coverage))


def district(ledgers: Ledgers, year: int, as_of: str | date | None = None) -> tuple[Indicators, dict[str, Indicators]]:
    """The summary's indicators and each unit's, for the units with data in ``year``.

    Raises
    ------
    ConsistencyError
        When a summed count differs from the sum of the units' figures.
    """
    as_of = resolve_as_of(year, as_of)
    units = [u for u in ledgers.units.index if year in ledgers.years(u)]
    per_unit = {u: compute_indicators(ledgers, u, year, as_of) for u in units}
    total = compute_indicators(pooled(ledgers, units), SUMMARY_ID, year, as_of)
    check(total, per_unit)
    return total, per_unit


def check(total: Indicators, per_unit: dict[str, Indicators]) -> None:
    """Every count of the summary equals the sum of the units' counts (this year and last)."""
    problems = []
    for key, item in total.items.items():
        if item.kind != "count" or not item.additive:
            continue
        for field in ("value", "prior"):
            parts = [getattr(ind.items[key], field) for ind in per_unit.values() if key in ind.items]
            if getattr(item, field) is None or any(p is None for p in parts):
                continue
            if getattr(item, field) != sum(parts):
                problems.append(f"{key} {field}: summary {getattr(item, field)} != sum of units {sum(parts)}")
    if problems:
        raise ConsistencyError(f"district summary {total.year} is inconsistent: " + "; ".join(problems))


def ranking_chart(ledgers: Ledgers, per_unit: dict[str, Indicators], year: int) -> bytes:
    """Horizontal bars: the units ranked by activities held."""
    from .charts import THIS_YEAR, _figure, _png, _style, use_chart_font

    use_chart_font()
    ranked = sorted(per_unit.items(), key=lambda kv: kv[1].activity_total())
    names = [ledgers.units.loc[u, "unit_name"] for u, _ in ranked]
    values = [ind.activity_total() for _, ind in ranked]
    fig, ax = _figure(left=0.3)
    ax.barh(range(len(values)), values, color=THIS_YEAR, height=0.6)
    for i, v in enumerate(values):
        ax.text(v + 0.5, i, str(v), va="center", fontsize=8)
    ax.set_yticks(range(len(values)), names, fontsize=9)
    ax.set_xlabel(f"{year}年组织生活开展次数", fontsize=9)
    _style(ax)
    return _png(fig)


def summary_title(year: int) -> str:
    """The district summary's title (also its download name on the site)."""
    return f"{year}年度各单位意识形态工作主要指标汇总"


def channel_table(ledgers: Ledgers, total: Indicators, units: list[str]) -> str:
    """Cases by channel (``casework.channels``, then any other text), per unit and together."""
    span = Span.of(total.year, total.as_of)
    cases = ledgers.casework
    per_unit = {u: channel_counts(cases[cases["unit"] == u], span) for u in units}
    together = channel_counts(cases[cases["unit"].isin(units)], span)
    names = list(together)
    cols = ["单位", *[md_escape(n) if n else "未填写" for n in names], "合计"]
    rows = [[md_escape(ledgers.units.loc[unit, "unit_name"]), *[str(counts.get(n, 0)) for n in names],
             str(sum(counts.values()))] for unit, counts in per_unit.items()]
    rows.append(["合计", *[str(together[n]) for n in names], str(sum(together.values()))])
    return pipe_table(cols, rows)


def summary_markdown(ledgers: Ledgers, total: Indicators, per_unit: dict[str, Indicators]) -> str:
    """The summary report in Pandoc Markdown (images referenced as files in the same folder)."""
    import yaml

    year, as_of = total.year, total.as_of
    title = summary_title(year)
    meta = {"title": title, "title-lines": [f"{year}年度各单位", "意识形态工作主要指标汇总"],
            "pagetitle": title, "lang": "zh-CN", "date": cn_date(as_of)}
    out = ["---\n" + yaml.safe_dump(meta, allow_unicode=True, sort_keys=False) + "---"]
    out.append(f"本表汇总{len(per_unit)}个单位{year}年1月1日至{as_of.month}月{as_of.day}日的台账数据。"
               "件数、次数为各单位之和；比率按汇总后的件数重新计算，不取各单位比率的平均数。")
    out.append("# 一、汇总指标")
    out.append(indicator_table(total))
    out.append("# 二、各单位对照")
    cols = ["单位", "组织生活（次）", "理论中心组学习（次）", "来信来访（件）", "按期答复率", "群众满意率",
            "宣传报道（篇）"]
    rows = []
    for unit, ind in sorted(per_unit.items(), key=lambda kv: -kv[1].activity_total()):
        pub = ind.items.get("publicity.total")
        rows.append([
            md_escape(ledgers.units.loc[unit, "unit_name"]), str(ind.activity_total()),
            str(ind["activity.central_group_study"].value), str(ind["casework.total"].value),
            number(ind["casework.on_time_rate"].value, "rate"), number(ind["casework.satisfaction_rate"].value, "rate"),
            number(pub.value if pub else None)])
    rows.append([
        "合计", str(total.activity_total()), str(total["activity.central_group_study"].value),
        str(total["casework.total"].value), number(total["casework.on_time_rate"].value, "rate"),
        number(total["casework.satisfaction_rate"].value, "rate"),
        number(total.items["publicity.total"].value if "publicity.total" in total.items else None)])
    out.append(pipe_table(cols, rows))
    out.append("# 三、信访渠道分布")
    out.append(channel_table(ledgers, total, list(per_unit)))
    out.append("# 四、各单位组织生活开展情况排名")
    out.append(f"::: {{.caption}}\n图1　各单位{year}年组织生活开展次数\n:::")
    out.append("![](ranking.png)")
    out.append("::: {.note}\n数据来源：各单位台账；汇总数已与各单位数之和逐项核对。\n:::")
    from .evidence import evidence_markdown

    out.append(evidence_markdown(ledgers, total))
    return "\n\n".join(out) + "\n"


def write_summary(ledgers: Ledgers, year: int, out_dir: Path, formats: tuple[str, ...],
                  as_of: str | date | None = None, *, manifest: dict | None = None, guard=None) -> Path:
    """Write ``<out_dir>/<year>/_summary/`` (report files and ``indicators.json``) in one step.

    Parameters
    ----------
    manifest : dict, optional
        Provenance written as ``manifest.json`` (its ``inputs`` make the summary incremental).
    guard : callable, optional
        A context manager held while the finished folder is moved into place
        (the engine's holds interrupts back).

    Raises
    ------
    ConsistencyError
        When a summed count differs from the sum of the units (nothing is written).
    """
    from .engine import swap_into_place
    from .fonts import resolve_all
    from .layout import page_layout
    from .render import render_docx, render_html, render_pdf

    total, per_unit = district(ledgers, year, as_of)
    final = Path(out_dir) / str(year) / SUMMARY_ID
    final.parent.mkdir(parents=True, exist_ok=True)
    scratch = final.parent / f".{SUMMARY_ID}.tmp-{uuid.uuid4().hex[:8]}"
    scratch.mkdir()
    try:
        doc = total.as_json()
        doc["title"] = summary_title(year)
        doc["units"] = {u: ind.as_json()["indicators"] for u, ind in per_unit.items()}
        (scratch / "indicators.json").write_text(json.dumps(doc, ensure_ascii=False, indent=2) + "\n",
                                                 encoding="utf-8")
        from .evidence import write_evidence  # the rows behind each figure, each with its own unit

        write_evidence(scratch, ledgers, total, doc["indicators"])
        with tempfile.TemporaryDirectory(prefix="nianbao-summary-") as tmp:
            work = Path(tmp)
            (work / "ranking.png").write_bytes(ranking_chart(ledgers, per_unit, year))
            md = work / "report.md"
            md.write_text(summary_markdown(ledgers, total, per_unit), encoding="utf-8")
            choices = resolve_all()
            layout = page_layout(choices)
            for fmt in formats:
                target = scratch / f"report.{fmt}"
                {"html": lambda t=target: render_html(md, t), "docx": lambda t=target: render_docx(md, t, layout),
                 "pdf": lambda t=target: render_pdf(md, t, layout, choices, SUMMARY_ROLES)}[fmt]()
        if manifest is not None:
            (scratch / "manifest.json").write_text(json.dumps(manifest, ensure_ascii=False, indent=2) + "\n",
                                                   encoding="utf-8")
        with guard() if guard is not None else contextlib.nullcontext():
            swap_into_place(scratch, final)
    except BaseException:
        shutil.rmtree(scratch, ignore_errors=True)
        raise
    return final


__all__ = ["ConsistencyError", "district", "pooled", "write_summary"]

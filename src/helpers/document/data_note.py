"""A report's data note (数据说明) in office words, and its provenance for the analyst (核对明细).

No tool, file or path is named on the page; where each figure comes from
(files, sheets, rows, cancelled rows, the prose used) is in the HTML's 核对明细
and in manifest.json.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import pandas as pd

from ..figures.casework import figures_not_kept
from ..figures.trust import kind_tables
from ..read import schema
from ..read.ledgers import LAYOUT_COLUMNS
from ..settings import paths
from ..words.evidence import evidence_markdown
from ..words.phrasing import cn_date, md_escape

if TYPE_CHECKING:
    from .report import Report


def data_note_markdown(r: Report) -> str:
    """The data note: sources, cut-off date, what was read, rows set aside; then the evidence (核对明细)."""
    led, ind = r.ledgers, r.indicators
    tables = kind_tables(r.kind)
    used = [schema.TABLES[t].title for t in tables if t in led.sources]
    missing = [schema.TABLES[t].title for t in tables if t in schema.OPTIONAL_TABLES and t not in led.sources]
    start = ind.period.start
    compare = (f"“同比”为{start.year}年{start.month}月{start.day}日至{ind.as_of.month}月{ind.as_of.day}日"
               "与上年同期相比")
    before = ind.period.previous()
    if before is not None:
        compare += f"，“环比”与上期（{before.words}）相比"
    lines = [
        "## 数据说明\n\n::: {.note}",
        f"数据来源：本单位{'、'.join(used)}，按统一口径统计。",
        f"统计截止日期：{cn_date(ind.as_of)}；{compare}。",
    ]
    if missing:
        lines.append(f"未提供{'、'.join(missing)}，相关内容从略。")
    acc = led.reading[led.reading["table"].isin(tables)]
    if not acc.empty:
        layout = int(acc[LAYOUT_COLUMNS].to_numpy().sum())
        parts = [f"有效记录{int(acc['records'].sum())}条"]
        if int(acc["set_aside"].sum()):
            parts.append(f"因填写不规范剔除{int(acc['set_aside'].sum())}条")
        if int(acc["cancelled"].sum()):
            parts.append(f"台账中标注作废{int(acc['cancelled'].sum())}条（未计入）")
        if layout:
            parts.append(f"标题、表头、合计等非记录行{layout}行")
        lines.append(f"读取情况：所用台账共{int(acc['rows'].sum())}行，其中{'，'.join(parts)}。")
    mine = {t: v for t, v in led.rejected_for(r.unit["unit_id"]).items() if t in tables}
    aside = sum(bad for bad, _total in mine.values())
    if aside:
        lines.append(f"数据质量：本单位有关台账中有{aside}条记录因填写不规范未纳入统计，请核实后更正。")
    else:
        lines.append("数据质量：本单位有关台账数据全部通过校验，无剔除记录。")
    absent = figures_not_kept(r.kind, ind)
    if absent:
        lines.append(schema.CASEWORK.title + "；".join(absent) + "。")
    unknown = {} if not r.kind.picks("activity.total") else led.unknown_categories(
        r.unit["unit_id"], pd.Timestamp(start), pd.Timestamp(ind.as_of))  # only where activities are counted
    if unknown:
        listed = "、".join(f"“{md_escape(k)}”{v}条" for k, v in unknown.items())
        lines.append(f"活动类别：活动台账中{listed}不属于规定类别，已单列统计，未计入各类组织生活。")
    return "\n\n".join(lines) + "\n:::\n\n" + evidence_markdown(
        led, ind.only(r.kind.chosen(ind.items)), provenance(r))


def provenance(r: Report) -> list[str]:
    """Where the report comes from, for the analyst (the HTML's 核对明细 only): files, prose, cancelled rows."""
    led = r.ledgers
    tables = [t for t in kind_tables(r.kind) if t in led.files]
    out = ["台账文件：" + "；".join(f"{schema.TABLES[t].title}：{'、'.join(led.files[t])}" for t in tables)]
    if paths.is_generic_prose(r.narrative_path):
        out.append("文字材料：使用随软件提供的通用稿，尚未按本单位情况修改。")
    else:
        out.append(f"文字材料：{r.narrative_path.relative_to(led.data_dir).as_posix()}。")
        if r.generic_sections:
            out.append(f"文字材料中“{'”“'.join(r.generic_sections)}”缺少或为空，这几部分使用通用稿。")
    gone = led.cancelled[led.cancelled["table"].isin(tables)]
    if not gone.empty:
        listed = "、".join(f"{c.file}{' 工作表“' + c.sheet + '”' if c.sheet else ''}第{c.row}行（{c.how}）"
                           for c in gone.itertuples())
        out.append(f"标注作废、未计入的行：{listed}。")
    if led.rejected_rows:
        out.append("剔除的行逐条列在同目录 rejected.csv，每个文件、工作表的读取情况列在 reading.csv。")
    else:
        out.append("每个文件、工作表的读取情况列在同目录 reading.csv。")
    return out

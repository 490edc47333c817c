"""One report: its figures, its text in Markdown, and what the notebook displays.

The notebook calls :meth:`Report.prepare` and the ``show_*`` functions; the
renderer later turns the displayed Markdown and images into HTML, PDF and DOCX.
Text that comes from the ledgers is escaped, so that it shows as typed.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import yaml

from . import paths, schema
from .config import quarto as quarto_config
from .config import rules as load_rules
from .indicators import Indicators, compute_indicators
from .layout import pipe_table
from .ledgers import Ledgers, load_ledgers
from .narrative import Section, parse
from .phrasing import change_phrase, cn_date, delta_cell, fixed, md_escape, number, pct_cell

INDICATORS_MIME = "application/vnd.nianbao.indicators+json"
_CHARTS: dict[tuple, list] = {}  # the last reports' charts (see Report.charts)
_CHARTS_KEPT = 2
_LEADS = ("一是", "二是", "三是", "四是", "五是", "六是")


@dataclass
class Report:
    """Everything one report needs: ledgers, the unit, figures and prose."""

    ledgers: Ledgers
    unit: dict[str, str]
    indicators: Indicators
    narrative_path: Path

    @classmethod
    def prepare(
        cls, year: int, unit: str, as_of: str | date | None = None, data_dir: str | Path | None = None
    ) -> Report:
        """Load the (cached, validated) ledgers and compute the figures of one report.

        Parameters
        ----------
        year : int
            Report year.
        unit : str
            A ``unit_id``.
        as_of : str or date, optional
            Cut-off date (ISO); default the end of ``year`` (today in the current year).
        data_dir : str or Path, optional
            Data folder; the project's ``data/`` by default.
        """
        return cls.from_ledgers(load_ledgers(data_dir), unit, year, as_of)

    @classmethod
    def from_ledgers(cls, ledgers: Ledgers, unit: str, year: int, as_of: str | date | None = None) -> Report:
        """Like :meth:`prepare`, from ledgers already loaded."""
        ind = compute_indicators(ledgers, unit, int(year), as_of)
        return cls(ledgers, ledgers.unit(unit), ind, paths.narrative_file(ledgers.data_dir, unit, int(year)))

    # ----------------------------------------------------------------- words

    @property
    def year(self) -> int:
        return self.indicators.year

    @property
    def full_year(self) -> bool:
        """Whether the span is the whole year."""
        return self.indicators.as_of == date(self.year, 12, 31)

    def signed(self) -> date:
        """The date under the signature: ``signed`` in the narrative file, else ``as_of``."""
        from .narrative import front_matter

        signed = front_matter(self.narrative_path).get("signed")
        if signed:
            return signed
        return self.indicators.as_of

    def span_words(self) -> str:
        """``全年`` or ``截至2024年11月30日``."""
        return "全年" if self.full_year else f"截至{cn_date(self.indicators.as_of)}"

    def title(self) -> str:
        """The report's title."""
        return f"{self.unit['party_org']}{self.year}年度意识形态工作专题报告"

    def text_activities(self) -> str:
        """The sentence on meetings and study sessions."""
        ind = self.indicators
        parts = [f"{schema.CATEGORY_SHORT[c]}{ind[f'activity.{c}'].value}次" for c in schema.CATEGORIES]
        others = [f"{md_escape(k)}{v}次" for k, v in ind.activity_counts.items() if k not in schema.CATEGORIES]
        total = ind.activity_total()
        text = f"{self.span_words()}共开展{'，'.join(parts[:5])}，{parts[5]}"
        if others:
            text += f"，另开展{'、'.join(others)}"
        prior = [ind[f"activity.{c}"].prior for c in schema.CATEGORIES]
        if all(p is not None for p in prior):
            from .indicators import Indicator

            both = Indicator(total, sum(prior), "", "次")
            text += f"；各类组织生活合计{total}次，{change_phrase(both)}"
        return text + "。"

    def text_casework(self) -> str:
        """The sentence on petitions: received, answered on time, escalated."""
        ind = self.indicators
        total = ind["casework.total"]
        text = f"{self.span_words()}共收到群众来信来访{total.value}件"
        if total.prior is not None:
            text += f"（上年同期{total.prior}件，{change_phrase(total)}）"
        if total.value == 0:
            return text + "。"
        on_time, replied = ind["casework.on_time"].value, ind["casework.replied"].value
        if on_time == total.value:
            text += f"，均及时调查落实、按期答复，按期答复率{number(100.0, 'rate')}，做到件件有回音"
        else:
            text += (f"，已答复{replied}件，其中按期答复{on_time}件，按期答复率"
                     f"{number(ind['casework.on_time_rate'].value, 'rate')}")
            rate_ind = ind["casework.on_time_rate"]
            if rate_ind.prior is not None:
                text += f"，{change_phrase(rate_ind)}"
            if ind["casework.overdue"].value:
                text += f"；超期{ind['casework.overdue'].value}件"
            if ind["casework.pending"].value:
                text += f"；尚在办理{ind['casework.pending'].value}件"
        days = ind["casework.median_reply_days"]
        if days.value is not None:
            text += f"；答复用时中位数为{number(days.value, 'days')}天"
        sat = ind["casework.satisfaction_rate"]
        if sat.value is not None:
            text += f"，群众满意率{number(sat.value, 'rate')}"
        esc = ind["casework.escalated"].value
        levels = "、".join(load_rules()["casework"]["escalation_levels"])
        text += f"，未发生{levels}越级上访" if esc == 0 else f"，发生越级信访{esc}件"
        return text + "。"

    def text_publicity(self) -> str:
        """The sentence on press coverage."""
        ind = self.indicators
        if not ind.has_publicity:
            return "本年度未提供宣传报道台账，宣传报道情况从略。"
        total = ind["publicity.total"]
        if not total.value:
            return f"{self.span_words()}暂无对外宣传报道。"
        outlets = "、".join(md_escape(o) for o in ind.outlets)
        by = f"先后被{outlets}等{len(ind.outlets)}家媒体报道" if len(ind.outlets) > 1 else f"被{outlets}报道"
        text = f"{self.span_words()}工作动态{by}，共刊发宣传报道{total.value}篇"
        if total.prior is not None:
            text += f"，{change_phrase(total)}"
        return text + "。"

    def text_coverage(self) -> str:
        """The sentence on the villages covered (救急难 mutual-aid societies)."""
        ind = self.indicators
        if not ind.has_coverage:
            return ""
        v, c, r = ind["coverage.villages"], ind["coverage.covered"], ind["coverage.rate"]
        if c.value == v.value:
            text = f"全区{v.value}个村（社区）已全部建成“救急难”互助社，实现全覆盖"
        else:
            text = f"全区{v.value}个村（社区）中已有{c.value}个建成“救急难”互助社，覆盖率{number(r.value, 'rate')}"
        if r.prior is not None and c.prior != c.value:
            text += f"，覆盖率较上年同期（{number(r.prior, 'rate')}）提高{fixed(r.change)}个百分点"
        return text + "。"

    def placeholders(self) -> dict[str, str]:
        """Every placeholder a narrative file may use, filled."""
        ind = self.indicators
        values = {
            "unit_name": md_escape(self.unit["unit_name"]),
            "party_org": md_escape(self.unit["party_org"]),
            "recipient": md_escape(self.unit["recipient"]),
            "year": str(self.year),
            "next_year": str(self.year + 1),
            "prior_year": str(self.year - 1),
            "as_of": cn_date(ind.as_of),
            "span": self.span_words(),
            "text.activities": self.text_activities(),
            "text.casework": self.text_casework(),
            "text.publicity": self.text_publicity(),
            "text.coverage": self.text_coverage(),
        }
        for key, item in ind.items.items():
            values[key] = number(item.value, item.kind)
            values[f"{key}.prior"] = number(item.prior, item.kind)
            values[f"{key}.change"] = change_phrase(item)
        return values

    def sections(self) -> dict[str, Section]:
        """The analysts' prose (or the generic prose shipped with the package), filled."""
        import sys
        import warnings

        from .narrative import NarrativeWarning

        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always", NarrativeWarning)
            sections = parse(self.narrative_path, self.placeholders())
        for warning in caught:  # one plain line each, not Python's warning format
            print(f"提醒：{warning.message}", file=sys.stderr)
        return sections

    def _span_bounds(self) -> tuple:
        import pandas as pd

        return pd.Timestamp(self.year, 1, 1), pd.Timestamp(self.indicators.as_of)

    def rejected_warning(self) -> str:
        """The first page's warning when a table lost more rows than the rules allow (built with --allow-rejected)."""
        from .ledgers import over_threshold

        over = over_threshold(self.ledgers, self.unit["unit_id"])
        if not over:
            return ""
        parts = "、".join(f"{schema.TABLES[t].title}{bad}行（占{bad / total:.1%}）" for t, bad, total in over)
        return (f"数据提示：本报告所用台账中，{parts}因填写不规范未纳入统计，超过规定比例，"
                "有关数字可能不完整，请核实更正台账后重新生成。")

    def problems_from_data(self) -> list[str]:
        """Problems the ledgers show: activity minimums not met, late or pending petitions."""
        ind = self.indicators
        items = []
        if ind.shortfalls:
            parts = [
                f"{schema.CATEGORY_SHORT[s['code']]}{s['count']}次（按“{s['rule']}”应不少于{s['required']}次）"
                for s in ind.shortfalls
            ]
            lead = "全年" if self.full_year else f"截至{cn_date(ind.as_of)}（按已届满周期折算）"
            items.append(f"组织生活落实不够到位。{lead}开展{'，'.join(parts)}，未达到规定频次。")
        overdue = ind["casework.overdue"].value
        if overdue:
            items.append(
                f"信访办理时效有待提升。{self.span_words()}有{overdue}件信访事项未在规定期限内答复，"
                f"按期答复率为{number(ind['casework.on_time_rate'].value, 'rate')}。"
            )
        if ind["casework.escalated"].value:
            items.append(f"源头化解仍有短板。发生越级信访{ind['casework.escalated'].value}件，矛盾纠纷就地化解能力需进一步增强。")
        return items

    # ----------------------------------------------------------------- Markdown

    def metadata_markdown(self) -> str:
        """The YAML metadata block: title, recipient, issuer and date for the templates."""
        lines = [f"{self.unit['party_org']}{self.year}年度", "意识形态工作专题报告"]
        meta = {
            "title": "\\\n".join(md_escape(line) for line in lines),
            "title-lines": [md_escape(line) for line in lines],
            "pagetitle": self.title(),
            "lang": "zh-CN",
            "recipient": md_escape(self.unit["recipient"]),
            "issuer": md_escape(self.unit["party_org"]),
            "date": cn_date(self.signed()),
            "unit-id": self.unit["unit_id"],
            "year": self.year,
        }
        return "---\n" + yaml.safe_dump(meta, allow_unicode=True, sort_keys=False) + "---\n"

    def body_markdown(self) -> str:
        """The report from its title to the signature, in Pandoc Markdown."""
        s = self.sections()
        out = [self.metadata_markdown()]
        if self.unit["recipient"]:
            out.append(f"::: {{.recipient}}\n{md_escape(self.unit['recipient'])}：\n:::")
        warning = self.rejected_warning()
        if warning:
            out.append(f"**{warning}**")
        out += s["开篇"].paragraphs
        out.append("# 一、工作开展情况")
        out += self._numbered(s["工作开展情况"])
        out.append("# 二、存在问题和短板")
        out += s["存在问题和短板"].paragraphs
        found = self.problems_from_data()
        out += self._numbered(s["存在问题和短板"])
        if found:
            out.append("对照台账数据和有关制度规定，还存在以下不足：")
            out += [f"{lead}{text}" for lead, text in zip(_LEADS, found)]
        out.append(f"# 三、{self.year + 1}年工作谋划")
        out += s["工作谋划"].paragraphs
        out += self._numbered(s["工作谋划"])
        out.append(f"::: {{.attachment-note}}\n附件：{self.attachment_title()}\n:::")
        out.append(
            "::: {.signature}\n"
            f"{md_escape(self.unit['party_org'])}\n\n{cn_date(self.signed())}\n:::"
        )
        return "\n\n".join(out) + "\n"

    @staticmethod
    def _numbered(section: Section) -> list[str]:
        marks = "一二三四五六七八九十"
        out = []
        for i, (title, paras) in enumerate(section.subsections):
            out.append(f"## （{marks[i] if i < 10 else i + 1}）{title}")
            out += paras
        return out

    def appendix_markdown(self) -> str:
        """The attachment: heading and the indicator table (本期, 上年同期, 增减, 增幅)."""
        ind = self.indicators
        span = f"{self.year}年1月1日至{ind.as_of.month}月{ind.as_of.day}日"
        return (
            "::: {.attachment}\n附件\n:::\n\n"
            f"# {self.attachment_title()} {{.unnumbered .attachment-title}}\n\n"
            "::: {.caption}\n表1　主要指标同比情况\n:::\n\n"
            f"::: {{.table-note}}\n统计口径：{span}，与上年同期相比；比率的增减以个百分点计。\n:::\n\n"
            + indicator_table(ind)
            + "\n\n"
            + self.trend_markdown()
        )

    def trend(self) -> dict[int, Indicators]:
        """The unit's figures for every year in the ledgers up to the report year, each over the same span."""
        from .indicators import Span

        span = Span.of(self.year, self.indicators.as_of)
        out = {}
        for y in self.ledgers.years(self.unit["unit_id"]):
            if y < self.year:
                out[y] = compute_indicators(self.ledgers, self.unit["unit_id"], y, span.in_year(y).end.date())
        out[self.year] = self.indicators
        return out

    def trend_markdown(self) -> str:
        """表2: the main figures of every year, side by side."""
        years = self.trend()
        if len(years) < 2:
            return ""
        rows_def = [
            ("组织生活（次）", lambda i: str(i.activity_total())),
            ("理论中心组学习（研讨）（次）", lambda i: str(i["activity.central_group_study"].value)),
            ("来信来访（件）", lambda i: str(i["casework.total"].value)),
            ("按期答复率", lambda i: number(i["casework.on_time_rate"].value, "rate")),
            ("群众满意率", lambda i: number(i["casework.satisfaction_rate"].value, "rate")),
        ]
        if self.indicators.has_publicity:
            rows_def.append(("宣传报道（篇）", lambda i: number(i.items["publicity.total"].value)
                             if "publicity.total" in i.items else "—"))
        if self.indicators.has_coverage:
            rows_def.append(("互助社覆盖率", lambda i: number(i.items["coverage.rate"].value, "rate")
                             if "coverage.rate" in i.items else "—"))
        table = pipe_table(["指标", *(f"{y}年" for y in years)],
                           [[label, *(fn(ind) for ind in years.values())] for label, fn in rows_def])
        as_of = self.indicators.as_of
        return (
            "::: {.caption}\n表2　主要指标历年情况\n:::\n\n"
            f"::: {{.table-note}}\n统计口径：各年1月1日至{as_of.month}月{as_of.day}日。\n:::\n\n" + table + "\n"
        )

    def attachment_title(self) -> str:
        """The attachment's title (also named in the 附件 line under the body)."""
        return f"{self.year}年度主要指标与图表"

    def charts(self) -> list:
        """The report's charts (:class:`helpers.charts.Chart`, PNG).

        The last few reports' charts are kept, keyed by the ledgers' digest, so that a
        re-run on a warm kernel after a prose edit (``nianbao preview``) draws nothing again.
        """
        from .charts import report_charts

        key = (self.ledgers.digest, str(self.ledgers.data_dir), self.unit["unit_id"], self.year,
               self.indicators.as_of)
        if not self.ledgers.digest or key not in _CHARTS:
            charts = report_charts(self.ledgers, self.indicators, self.trend())
            if not self.ledgers.digest:
                return charts
            _CHARTS[key] = charts
            while len(_CHARTS) > _CHARTS_KEPT:
                _CHARTS.pop(next(iter(_CHARTS)))
        return _CHARTS[key]

    def data_note_markdown(self) -> str:
        """Sources, cut-off date and rows set aside."""
        led, ind = self.ledgers, self.indicators
        files = "、".join(md_escape(f) for f in led.sources.values())
        missing = [schema.TABLES[t].title for t in ("publicity", "coverage") if t not in led.sources]
        lines = [
            "## 数据说明\n\n::: {.note}",
            f"数据来源：本单位台账（{files}），由nianbao按统一口径自动统计。",
            f"统计截止日期：{cn_date(ind.as_of)}；“同比”为{self.year}年1月1日至{ind.as_of.month}月{ind.as_of.day}日与上年同期相比。",
        ]
        if missing:
            lines.append(f"未提供{'、'.join(missing)}，相关内容从略。")
        if led.rejected_rows:
            lines.append(
                f"数据质量：台账中有{led.rejected_rows}行因填写不规范未纳入统计，明细见同目录rejected.csv，请核实后更正。"
            )
        else:
            lines.append("数据质量：台账数据全部通过校验，无剔除记录。")
        unknown = led.unknown_categories(self.unit["unit_id"], *self._span_bounds())
        if unknown:
            listed = "、".join(f"“{md_escape(k)}”{v}条" for k, v in unknown.items())
            lines.append(f"活动类别：{listed}不是规定类别，已单列统计；如属规定类别，请在config/categories.yml中补充别名。")
        skipped = sum(n.count for n in led.notes if n.kind == "lines")
        if skipped:
            lines.append(f"台账中的合计、小计行及表尾填表人等{skipped}行不是记录，未计入。")
        if paths.is_generic_prose(self.narrative_path):
            lines.append("文字材料：使用随软件提供的通用稿；可复制到数据文件夹的narrative/default.md后按本单位情况修改。")
        else:
            lines.append(f"文字材料：{md_escape(self.narrative_path.relative_to(led.data_dir).as_posix())}。")
        from .evidence import evidence_markdown

        return "\n\n".join(lines) + "\n:::\n\n" + evidence_markdown(led, ind)


def indicator_table(ind: Indicators, links: bool = True) -> str:
    """The indicator table (本期, 上年同期, 增减, 增幅) as a Pandoc pipe table.

    With ``links``, the table is wrapped in ``::: {.ev-table keys="…"}`` naming
    each row's indicator: in HTML, ``templates/nianbao.lua`` links each figure
    to its evidence (:mod:`helpers.evidence`); other formats get the plain table.
    """
    rows = [[item.label + ("" if item.unit == "%" else f"（{item.unit}）"), number(item.value, item.kind),
             number(item.prior, item.kind), delta_cell(item), pct_cell(item)] for item in ind.items.values()]
    table = pipe_table(["指标", "本期", "上年同期", "增减", "增幅"], rows)
    if links:
        table = f'::: {{.ev-table keys="{" ".join(ind.items)}"}}\n{table}\n:::'
    return table


# --------------------------------------------------------------------- notebook display


class ReportMarkdown:
    """A piece of the report as one display object: Markdown for the renderer, HTML for JupyterLab.

    The renderer (nbconvert's Markdown template, Quarto) takes ``text/markdown``;
    JupyterLab shows ``text/html``: the report's screen style, title block,
    recipient, signature and tables, as the HTML report will look.

    Parameters
    ----------
    text : str
        Pandoc Markdown, possibly opening with the report's YAML metadata block.
    """

    def __init__(self, text: str) -> None:
        self.text = text

    def __repr__(self) -> str:
        return self.text

    def _repr_markdown_(self) -> str:
        return self.text

    def _repr_html_(self) -> str | None:
        if os.environ.get(paths.LAB_HTML_ENV) == "0":
            return None
        return lab_html(self.text)


def lab_html(text: str) -> str:
    """Pandoc Markdown as an HTML fragment styled like the HTML report, scoped to its own box.

    Parameters
    ----------
    text : str
        Pandoc Markdown; an opening YAML block becomes the title block.

    Returns
    -------
    str
        ``<div class="nianbao-lab">`` with a scoped copy of ``templates/report.css``.
    """
    import subprocess

    from pypandoc import get_pandoc_path

    from .render import MARKDOWN_READER

    meta: dict = {}
    if text.startswith("---\n"):
        end = text.find("\n---\n", 4)
        meta, text = yaml.safe_load(text[4:end]) or {}, text[end + 5:]
    proc = subprocess.run([get_pandoc_path(), "-f", MARKDOWN_READER, "--lua-filter", str(paths.template("nianbao.lua")),
                           "-t", "html5"],  # the filter as in the HTML report (its evidence section is HTML already)
                          input=text.encode("utf-8"), capture_output=True)
    if proc.returncode != 0:
        from .errors import RenderError

        raise RenderError(f"pandoc 无法转换这段 Markdown：{proc.stderr.decode('utf-8', 'replace')[:300]}")
    body = proc.stdout.decode("utf-8")
    if meta.get("title-lines"):
        from html import escape

        title = "<br />".join(escape(str(line)) for line in meta["title-lines"])
        body = f'<header id="title-block-header"><h1 class="title">{title}</h1></header>\n{body}'
    return f'<div class="nianbao-lab"><style>{_lab_css()}</style>{body}</div>'


def _lab_css() -> str:
    """``templates/report.css`` scoped to ``.nianbao-lab`` (page rules on the box, print rules left out)."""
    import re

    css = (paths.ROOT / quarto_config()["format"].get("html", {}).get("css", "templates/report.css")).read_text(
        encoding="utf-8")
    css = re.sub(r"/\*.*?\*/", "", css, flags=re.S)
    css = re.sub(r"@media[^{]*\{(?:[^{}]*\{[^{}]*\})*[^{}]*\}", "", css)
    out = []
    for selectors, rules in re.findall(r"([^{}]+)\{([^{}]*)\}", css):
        scoped = []
        for sel in selectors.split(","):
            sel = sel.strip()
            if sel in ("html", ":root"):
                continue
            scoped.append(".nianbao-lab" if sel == "body" else f".nianbao-lab {sel}")
        if scoped:
            out.append(f"{', '.join(scoped)} {{{rules.strip()}}}")
    variables = re.search(r":root\s*\{([^{}]*)\}", css)
    if variables:
        out.insert(0, f".nianbao-lab {{{variables.group(1).strip()}}}")
    # a box in the notebook, not a page in a browser
    out.append(".nianbao-lab { margin: 0; padding: 1.5em 2.5em; max-width: 46em; }")
    return "\n".join(out)


def show_markdown(text: str) -> None:
    """Display a piece of the report: Markdown for the renderer, HTML for JupyterLab (:class:`ReportMarkdown`)."""
    from IPython.display import display

    display(ReportMarkdown(text))


def show_charts(report: Report) -> None:
    """Display each chart with its caption (figure number, then the image)."""
    from IPython.display import Image, display

    for i, chart in enumerate(report.charts(), start=1):
        display(ReportMarkdown(f"::: {{.caption}}\n图{i}　{chart.caption}\n:::"))
        display(Image(data=chart.png, format="png"))


def publish_indicators(report: Report) -> None:
    """Display ``indicators.json`` as a machine-readable output (hidden in the report)."""
    from IPython.display import display

    data = {**report.indicators.as_json(), "title": report.title()}  # the title names the site's downloads
    display({INDICATORS_MIME: data, "text/plain": f"{len(data['indicators'])} indicators"}, raw=True)
    from .evidence import publish_rows  # the rows behind each figure, for the engine's evidence files

    publish_rows(report.indicators, report.ledgers.digest)



class _AnyName(set):
    """Every placeholder name counts as known (nothing to check names against yet)."""

    def __contains__(self, name: object) -> bool:
        return True

    def __or__(self, other):
        return self


def prose_placeholders(ledgers: Ledgers):
    """For :func:`helpers.narrative.check_folder`: the placeholders the reports using a prose file fill.

    ``narrative/<unit_id>/<year>.md`` is used by that unit's report; ``narrative/default.md``
    (and any other file) by every unit's. Each unit is looked at in its last year with data
    (up to the file's year).

    Parameters
    ----------
    ledgers : Ledgers
        The validated ledgers of the data folder.

    Returns
    -------
    callable
        Path to (names every such report fills, names only some of them fill).
    """
    cache: dict[tuple[str, int], frozenset[str]] = {}

    def names(unit: str, year: int | None) -> frozenset[str] | None:
        years = [y for y in ledgers.years(unit) if year is None or y <= year]
        if not years:
            return None
        key = (unit, years[-1])
        if key not in cache:
            cache[key] = frozenset(Report.from_ledgers(ledgers, unit, years[-1]).placeholders())
        return cache[key]

    def known_for(path: Path) -> tuple[set[str], set[str]]:
        unit, stem = path.parent.name, path.stem.split(".")[0]
        year = int(stem) if stem.isdigit() else None
        units = [unit] if unit in ledgers.units.index else list(ledgers.units.index)
        sets = [s for s in (names(u, year) for u in units) if s is not None]
        if not sets:  # no unit has data yet (a fresh folder): names cannot be checked, only the syntax
            return _AnyName(), set()
        every = set.intersection(*map(set, sets))
        return every, set.union(*map(set, sets)) - every

    return known_for

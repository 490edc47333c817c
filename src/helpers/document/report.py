"""One report: its figures, its text in Markdown, and what the notebook displays.

The notebook calls :meth:`Report.prepare` and the ``show_*`` functions; the
renderer later turns the displayed Markdown and images into HTML, PDF and DOCX.
Text that comes from the ledgers is escaped, so that it shows as typed.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from datetime import date
from functools import cached_property
from pathlib import Path

import pandas as pd
import yaml

from ..figures.indicators import Indicators, compute_indicators
from ..figures.kinds import Kind
from ..figures.kinds import get as get_kind
from ..figures.periods import Period
from ..read import schema
from ..read.ledgers import Ledgers, load_ledgers
from ..settings import paths
from ..settings.config import quarto as quarto_config
from ..words import sentences
from ..words.narrative import Section, parse
from ..words.phrasing import change_phrase, cn_date, md_escape, number
from .tables import TABLES

INDICATORS_MIME = "application/vnd.nianbao.indicators+json"
_CHARTS: dict[tuple, object] = {}  # the last charts drawn (see Report.charts)
_CHARTS_KEPT = 8


@dataclass
class Report:
    """One report's data: its kind, the ledgers, the unit, the figures (computed once) and the prose.

    The sentences are written by :mod:`helpers.words.sentences`, the tables by
    :mod:`helpers.document.tables`, the charts by :mod:`helpers.document.charts`; the methods
    here put them together in the kind's skeleton (``config/kinds.yml``).
    """

    ledgers: Ledgers
    unit: dict[str, str]
    indicators: Indicators
    narrative_path: Path
    kind: Kind
    generic_sections: list[str] = field(default_factory=list)  # sections the analysts left empty: generic prose

    @classmethod
    def prepare(
        cls, year: int, unit: str, as_of: str | date | None = None, data_dir: str | Path | None = None, *,
        kind: str | None = None, period: str = "year",
    ) -> Report:
        """Load the (cached, validated) ledgers and compute the figures of one report.

        Parameters
        ----------
        year : int
            Report year.
        unit : str
            A ``unit_id``.
        as_of : str or date, optional
            Cut-off date (ISO); default the end of the period (today while it is running).
        data_dir : str or Path, optional
            Data folder; the project's ``data/`` by default.
        kind : str, optional
            The report kind (``config/kinds.yml``); the first one by default.
        period : str
            ``year`` (default), ``H1``, ``H2``, ``Q1`` … ``Q4``.
        """
        return cls.from_ledgers(load_ledgers(data_dir), unit, year, as_of, kind=kind, period=period)

    @classmethod
    def from_ledgers(cls, ledgers: Ledgers, unit: str, year: int, as_of: str | date | None = None, *,
                     kind: str | None = None, period: str = "year") -> Report:
        """Like :meth:`prepare`, from ledgers already loaded."""
        the_kind = get_kind(kind)
        ind = compute_indicators(ledgers, unit, int(year), as_of, period)
        prose = the_kind.prose_file(ledgers.data_dir, unit, int(year), ind.period.code)
        return cls(ledgers, ledgers.unit(unit), ind, prose, the_kind)

    # ----------------------------------------------------------------- data

    @property
    def year(self) -> int:
        return self.indicators.year

    @property
    def period(self) -> Period:
        return self.indicators.period

    @cached_property
    def trend(self) -> dict[int, Indicators]:
        """The unit's figures for every year in the ledgers up to the report year, each over the same span."""
        from ..figures.indicators import Span

        ind = self.indicators
        span = Span(pd.Timestamp(ind.period.start), pd.Timestamp(ind.as_of))
        out = {}
        for y in self.ledgers.years(self.unit["unit_id"]):
            if y < self.year:
                out[y] = compute_indicators(self.ledgers, self.unit["unit_id"], y, span.in_year(y).end.date(),
                                            ind.period.code)
        out[self.year] = ind
        return out

    def _cases(self):
        cases = self.ledgers.casework
        return cases[cases["unit"] == self.unit["unit_id"]]

    @cached_property
    def categories(self) -> pd.DataFrame:
        """Petitions of the span by problem category (本期, 上年同期), most frequent first; blanks as 未填写."""
        spans = self.indicators.spans
        cases = self._cases()
        col = cases["category"].fillna("").astype(str).str.strip().replace("", "未填写") \
            if "category" in cases else None
        if col is None:
            return pd.DataFrame(columns=["本期", "上年同期"])
        now = col[spans["value"].mask(cases["received_date"])].value_counts()
        if now.empty:
            return pd.DataFrame(columns=["本期", "上年同期"])
        has_prior = self.indicators["casework.total"].prior is not None
        before = col[spans["prior"].mask(cases["received_date"])].value_counts() if has_prior else now.iloc[:0]
        names = now.index.union(before.index, sort=False)
        frame = pd.DataFrame({"本期": now.reindex(names, fill_value=0),
                              "上年同期": before.reindex(names, fill_value=0) if has_prior else None})
        frame["_blank"] = frame.index == "未填写"
        frame = frame.sort_values(["_blank", "本期", "上年同期"], ascending=[True, False, False], kind="stable")
        frame = frame.drop(columns="_blank")
        return frame

    @cached_property
    def months(self) -> pd.DataFrame:
        """Petitions received per month of the span (``1月`` …; 本期, 上年同期)."""
        from ..words.sentences import month_counts

        spans = self.indicators.spans
        cases = self._cases()
        now = month_counts(cases, spans["value"].start, spans["value"].end)
        frame = pd.DataFrame({"本期": now.to_numpy()}, index=[f"{m}月" for m in now.index])
        if self.indicators["casework.total"].prior is not None:
            frame["上年同期"] = month_counts(cases, spans["prior"].start, spans["prior"].end).to_numpy()
        else:
            frame["上年同期"] = None
        return frame

    # ----------------------------------------------------------------- words

    def signed(self) -> date:
        """The date under the signature: ``signed`` in the narrative file, else ``as_of``."""
        from ..words.narrative import front_matter

        signed = front_matter(self.narrative_path).get("signed")
        if signed:
            return signed
        return self.indicators.as_of

    def span_words(self) -> str:
        """``全年``, ``上半年`` or ``截至2024年11月30日``."""
        return sentences.span_words(self)

    def issuer(self) -> str:
        """Who reports and signs: the Party organisation or the unit (``issuer`` of the kind)."""
        return self.unit[self.kind.issuer]

    def title(self) -> str:
        """The report's title: ``中共…党组2024年第三季度意识形态工作分析研判报告``."""
        return f"{self.issuer()}{self.kind.title(self.period)}"

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
            "period": self.period.words,
            "next_period": self.period.next_words,
            "since": self.period.kind.since,
            "report": self.kind.titles[self.period.kind.family],
            "as_of": cn_date(ind.as_of),
            "span": self.span_words(),
        }
        values.update({name: write(self) for name, write in sentences.SENTENCES.items()})
        for key, item in ind.items.items():
            values[key] = number(item.value, item.kind)
            values[f"{key}.prior"] = number(item.prior, item.kind)
            values[f"{key}.change"] = change_phrase(item)
            if ind.has_previous:
                values[f"{key}.previous"] = number(item.previous, item.kind)
                values[f"{key}.previous_change"] = change_phrase(item, span="previous")
        return values

    def sections(self) -> dict[str, Section]:
        """The analysts' prose (or the generic prose shipped with the package), filled."""
        import sys
        import warnings

        from ..words.narrative import NarrativeWarning

        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always", NarrativeWarning)
            found = parse(self.narrative_path, self.placeholders(), self.kind.sections)
        for warning in caught:  # one plain line each, not Python's warning format
            print(f"提醒：{warning.message}", file=sys.stderr)
        empty = [name for name, s in found.items() if not s.paragraphs and not any(p for _, p in s.subsections)]
        if empty and not paths.is_generic_prose(self.narrative_path):  # a report never has an empty section
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", NarrativeWarning)
                generic = parse(self.kind.generic_prose(), self.placeholders(), self.kind.sections)
            for name in empty:
                found[name] = generic[name]
            self.generic_sections = empty
        return found

    def rejected_warning(self) -> str:
        """The first page's warning when the figures are not fully supported (built with --allow-rejected)."""
        from ..figures.trust import first_page_warning, refusals

        return first_page_warning(refusals(self.ledgers, self.unit["unit_id"], self.kind, self.indicators.period,
                                           self.indicators.as_of))

    def problems_from_data(self, finders: tuple[str, ...] | None = None) -> list[str]:
        """Problems the ledgers show (the kind's problem finders, or those named)."""
        if finders is None:
            finders = tuple(f for part in self.kind.body for f in part.problems)
        found = [sentences.PROBLEMS[name](self) for name in finders]
        return [text for text in found if text]

    # ----------------------------------------------------------------- the document

    def metadata_markdown(self) -> str:
        """The YAML metadata block: title, recipient, issuer and date for the templates."""
        lines = [f"{self.issuer()}{self.period.words}", self.kind.titles[self.period.kind.family]]
        meta = {
            "title": "\\\n".join(md_escape(line) for line in lines),
            "title-lines": [md_escape(line) for line in lines],
            "pagetitle": self.title(),
            "lang": "zh-CN",
            "recipient": md_escape(self.unit["recipient"]),
            "issuer": md_escape(self.issuer()),
            "date": cn_date(self.signed()),
            "unit-id": self.unit["unit_id"],
            "year": self.year,
        }
        return "---\n" + yaml.safe_dump(meta, allow_unicode=True, sort_keys=False) + "---\n"

    def body_markdown(self) -> str:
        """The report from its title to the signature, in Pandoc Markdown, in the kind's skeleton."""
        s = self.sections()
        out = [self.metadata_markdown()]
        if self.unit["recipient"]:
            out.append(f"::: {{.recipient}}\n{md_escape(self.unit['recipient'])}：\n:::")
        warning = self.rejected_warning()
        if warning:
            out.append(f"**{warning}**")
        number_of = 0
        for part in self.kind.body:
            section = s[part.section]
            if part.heading:
                heading = part.heading.format(next=self.period.next_words)
                out.append(f"# {CN_NUMBERS[number_of]}、{heading}")
                number_of += 1
            out += section.paragraphs
            out += self._numbered(section)
            found = self.problems_from_data(part.problems) if part.problems else []
            if found:
                out.append("对照台账数据和有关制度规定，还存在以下不足：")
                out += [f"{lead}{text}" for lead, text in zip(sentences.LEADS, found)]
        out.append(f"::: {{.attachment-note}}\n附件：{self.attachment_title()}\n:::")
        out.append(
            "::: {.signature}\n"
            f"{md_escape(self.issuer())}\n\n{cn_date(self.signed())}\n:::"
        )
        return "\n\n".join(out) + "\n"

    @staticmethod
    def _numbered(section: Section) -> list[str]:
        out = []
        for i, (title, paras) in enumerate(section.subsections):
            out.append(f"## （{CN_NUMBERS[i] if i < 10 else i + 1}）{title}")
            out += paras
        return out

    def appendix_markdown(self) -> str:
        """The attachment: heading and the kind's tables (表1 …), as ``appendix:`` lists them."""
        out = ["::: {.attachment}\n附件\n:::", f"# {self.attachment_title()} {{.unnumbered .attachment-title}}"]
        shown = [t for t in (TABLES[b](self) for b in self.kind.appendix if b in TABLES) if t is not None]
        for i, table in enumerate(shown, start=1):
            out.append(f"::: {{.caption}}\n表{i}　{table.caption}\n:::")
            out.append(f"::: {{.table-note}}\n{table.note}\n:::")
            out.append(table.markdown)
        return "\n\n".join(out) + "\n"

    def attachment_title(self) -> str:
        """The attachment's title (also named in the 附件 line under the body)."""
        return f"{self.period.words}主要指标与图表"

    def charts(self) -> list:
        """The report's charts (:class:`helpers.document.charts.Chart`, PNG), in the order its kind lists them.

        The last few charts drawn are kept, keyed by the ledgers' digest and everything a
        chart shows, so that a re-run on a warm kernel after a prose edit (``nianbao
        preview``) draws nothing again, and a chart two kinds share (the petitions by
        month) is drawn once for a unit's reports of both kinds.
        """
        from .charts import CHARTS

        out = []
        for block in (b for b in self.kind.appendix if b in CHARTS):
            shown = self.kind.headline if block == "chart.trend" else ()  # the trend chart draws headline figures
            key = (self.ledgers.digest, str(self.ledgers.data_dir), self.unit["unit_id"], self.period,
                   self.indicators.as_of, block, shown)
            if not self.ledgers.digest:
                chart = CHARTS[block](self)
            else:
                if key not in _CHARTS:
                    _CHARTS[key] = CHARTS[block](self)
                    while len(_CHARTS) > _CHARTS_KEPT:
                        _CHARTS.pop(next(iter(_CHARTS)))
                chart = _CHARTS[key]
            if chart is not None:
                out.append(chart)
        return out

    def data_note_markdown(self) -> str:
        """The data note in office words: sources, cut-off date, what was read, rows set aside.

        No tool, file or path is named on the page; where each figure comes from
        (files, sheets, rows, cancelled rows, the prose used) is in the HTML's
        核对明细 (:meth:`provenance`) and in manifest.json.
        """
        from ..figures.trust import kind_tables
        from ..read.ledgers import LAYOUT_COLUMNS

        led, ind = self.ledgers, self.indicators
        tables = kind_tables(self.kind)
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
        mine = {t: v for t, v in led.rejected_for(self.unit["unit_id"]).items() if t in tables}
        aside = sum(bad for bad, _total in mine.values())
        if aside:
            lines.append(f"数据质量：本单位有关台账中有{aside}条记录因填写不规范未纳入统计，请核实后更正。")
        else:
            lines.append("数据质量：本单位有关台账数据全部通过校验，无剔除记录。")
        absent = self.figures_not_kept()
        if absent:
            lines.append("信访台账" + "；".join(absent) + "。")
        unknown = {} if not self.kind.picks("activity.total") else led.unknown_categories(
            self.unit["unit_id"], pd.Timestamp(start), pd.Timestamp(ind.as_of))  # only where activities are counted
        if unknown:
            listed = "、".join(f"“{md_escape(k)}”{v}条" for k, v in unknown.items())
            lines.append(f"活动类别：活动台账中{listed}不属于规定类别，已单列统计，未计入各类组织生活。")
        from ..words.evidence import evidence_markdown

        return "\n\n".join(lines) + "\n:::\n\n" + evidence_markdown(
            led, ind.only(self.kind.chosen(ind.items)), self.provenance())

    # The figures a casework ledger gives only when it keeps their columns, and what to keep.
    _NOT_KEPT = (
        ("casework.acceptance_rate", "未登记受理（告知）日期，及时受理率无法统计"),
        ("casework.closed_on_time_rate", "未登记办结日期或受理日期，办结率、按期办结率无法统计"),
        ("casework.repeat", "未登记是否重复，也没有信访人身份证号或姓名和联系电话，重复信访无法统计"),
        ("casework.reviews", "未登记复查复核情况，复查复核无法统计"),
    )

    def figures_not_kept(self) -> list[str]:
        """Why figures of the kind are left out: the unit's ledger does not keep their columns."""
        return [why for key, why in self._NOT_KEPT if self.kind.picks(key) and key not in self.indicators.items]

    def provenance(self) -> list[str]:
        """Where the report comes from, for the analyst (the HTML's 核对明细 only): files, prose, cancelled rows."""
        from ..figures.trust import kind_tables

        led = self.ledgers
        tables = [t for t in kind_tables(self.kind) if t in led.files]
        out = ["台账文件：" + "；".join(f"{schema.TABLES[t].title}：{'、'.join(led.files[t])}" for t in tables)]
        if paths.is_generic_prose(self.narrative_path):
            out.append("文字材料：使用随软件提供的通用稿，尚未按本单位情况修改。")
        else:
            out.append(f"文字材料：{self.narrative_path.relative_to(led.data_dir).as_posix()}。")
            if self.generic_sections:
                out.append(f"文字材料中“{'”“'.join(self.generic_sections)}”缺少或为空，这几部分使用通用稿。")
        gone = led.cancelled[led.cancelled["table"].isin(tables)]
        if not gone.empty:
            listed = "、".join(f"{r.file}{' 工作表“' + r.sheet + '”' if r.sheet else ''}第{r.row}行（{r.how}）"
                               for r in gone.itertuples())
            out.append(f"标注作废、未计入的行：{listed}。")
        if led.rejected_rows:
            out.append("剔除的行逐条列在同目录 rejected.csv，每个文件、工作表的读取情况列在 reading.csv。")
        else:
            out.append("每个文件、工作表的读取情况列在同目录 reading.csv。")
        return out


CN_NUMBERS = "一二三四五六七八九十"


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

    from ..render.engines import MARKDOWN_READER, split_metadata

    meta, text = split_metadata(text)
    proc = subprocess.run([get_pandoc_path(), "-f", MARKDOWN_READER, "--lua-filter", str(paths.template("nianbao.lua")),
                           "-t", "html5"],  # the filter as in the HTML report (its evidence section is HTML already)
                          input=text.encode("utf-8"), capture_output=True)
    if proc.returncode != 0:
        from ..settings.errors import RenderError

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
    """Display each chart with its caption (figure number, then the image, its figures as its alternative text)."""
    from IPython.display import Image, display

    for i, chart in enumerate(report.charts(), start=1):
        display(ReportMarkdown(f"::: {{.caption}}\n图{i}　{chart.caption}\n:::"))
        display(Image(data=chart.png, format="png", metadata={"alt": chart.alt(i)}))


def publish_indicators(report: Report) -> None:
    """Display ``indicators.json`` as a machine-readable output (hidden in the report)."""
    from IPython.display import display

    ind = report.indicators
    keys = report.kind.chosen(ind.items)  # the kind's figures
    data = {**ind.as_json(report.kind.id, keys), "title": report.title()}  # the title names the site's downloads
    display({INDICATORS_MIME: data, "text/plain": f"已输出{len(data['indicators'])}项指标"}, raw=True)
    from ..words.evidence import publish_rows  # the rows behind each figure, for the engine's evidence files

    publish_rows(ind.only(keys), report.ledgers.digest)


class _AnyName(set):
    """Every placeholder name counts as known (nothing to check names against yet)."""

    def __contains__(self, name: object) -> bool:
        return True

    def __or__(self, other):
        return self


def prose_placeholders(ledgers: Ledgers):
    """For :func:`helpers.words.narrative.check_folder`: the placeholders the reports using a prose file fill.

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
    from ..figures.periods import PERIODS
    from ..words.narrative import kind_of

    cache: dict[tuple, frozenset[str]] = {}

    def names(unit: str, year: int | None, kind: str, period: str) -> frozenset[str] | None:
        years = [y for y in ledgers.years(unit) if year is None or y <= year]
        if not years:
            return None
        key = (unit, years[-1], kind, period)
        if key not in cache:
            report = Report.from_ledgers(ledgers, unit, years[-1], Period(years[-1], period).end, kind=kind,
                                         period=period)
            cache[key] = frozenset(report.placeholders())
        return cache[key]

    def known_for(path: Path) -> tuple[set[str], set[str]]:
        unit, stem = path.parent.name, path.name.split(".")[0]
        year_text, _, period = stem.partition("-")
        year = int(year_text) if year_text.isdigit() else None
        period = period if period in PERIODS else "year"
        try:
            kind = kind_of(path)
        except Exception:  # an unknown kind in the name is reported by check_folder
            return _AnyName(), set()
        units = [unit] if unit in ledgers.units.index else list(ledgers.units.index)
        sets = [s for s in (names(u, year, kind, period) for u in units) if s is not None]
        if not sets:  # no unit has data yet (a fresh folder): names cannot be checked, only the syntax
            return _AnyName(), set()
        every = set.intersection(*map(set, sets))
        return every, set.union(*map(set, sets)) - every

    return known_for

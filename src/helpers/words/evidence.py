"""Evidence: the ledger rows behind every figure, for the people who check a report.

A count of :mod:`helpers.figures.indicators` keeps the rows it counted, per span
(:attr:`~helpers.figures.base.Indicator.evidence`); this module writes them out
beside a report:

- ``evidence.csv``: one line per record counted, for every count and span:
  ``indicator, span, file, sheet, row``, then the record's contract columns
  (:data:`CSV_COLUMNS`), plus the reply deadline used and the days taken for a
  petition. Never a column outside the contract.
- ``evidence.xlsx``: the 核对表 for people: Chinese headers, a sheet listing
  every figure with how it was computed, then one sheet per group of figures
  (组织生活, 信访, 宣传, 覆盖), header frozen, filters on: one line per record
  and span, by the file, sheet and row number the office's own ledger shows,
  with a ✓ column per count (filter it: the lines are the figure).
- In the HTML report, a section (:func:`evidence_markdown`) to which each
  figure of the indicator table links; the PDF and DOCX leave both out
  (``templates/nianbao.lua``).

Rates, medians and distinct counts name the counts they come from
(:attr:`~helpers.figures.base.Indicator.basis`); those counts are listed like
any other (``casework.due``, ``casework.rated`` and ``casework.satisfied`` are
counts that rates stand on without being figures of the report).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field, fields
from datetime import date
from functools import partial
from html import escape as html_escape
from pathlib import Path
from xml.sax.saxutils import escape as xml_escape

import numpy as np
import pandas as pd

from ..figures.base import SPANS, Indicator, Span
from ..figures.indicators import Indicators
from ..read import schema
from ..read.ledgers import Ledgers, csv_safe
from ..settings.config import rules as load_rules
from ..settings.errors import ReportError
from ..settings.paths import SUMMARY_ID
from . import activity, casework, coverage, publicity
from . import counted as counted_words
from .phrasing import cn_date, number

CSV_FILE = "evidence.csv"
XLSX_FILE = "evidence.xlsx"


@dataclass(frozen=True)
class Group:
    """A group of figures: its indicator prefix, ledger table and sheet name in the 核对表."""

    prefix: str
    table: str
    sheet: str


# One group per ledger table, its sheet as the table registry names it.
GROUPS: tuple[Group, ...] = tuple(Group(schema.TABLES[name].prefix, name, schema.TABLES[name].sheet)
                                  for name in schema.LEDGER_TABLES)
TABLE_GROUP = {g.table: g for g in GROUPS}
SPAN_LABELS = {"value": "本期", "prior": "上年同期", "previous": "上期"}
ANCHOR_PREFIX = "ev-"


@dataclass(frozen=True)
class TableEvidence:
    """What a ledger table's own words module gives the 核对表 and ``nianbao explain``.

    Attributes
    ----------
    rule_text : callable
        ``(key, indicator, rules)``: how a figure of the table is counted, in
        Chinese (None for one it leaves to the generic words, such as a rate).
    kept : dict
        Columns the read step keeps beside the contract's (``repeat_of``), and their headers.
    computed : dict
        Columns computed from the rules at each span, and their headers (they
        are in ``evidence.csv`` too).
    compute : callable, optional
        ``(records, span, rules)``: the ``computed`` columns of the records a
        count of ``span`` counted (for 信访: the deadline used, the days taken).
    stock : bool
        Whether the table's figures are stocks counted on a date (覆盖), not over a span.
    names : callable, optional
        The Chinese name of each ``category`` code the read step gives (组织生活、纪律教育 …).
    note : str
        What the 核对明细 says of the table's figures when the report states one
        (覆盖: 村（社区）按各期截止日统计).
    """

    rule_text: Callable[[str, Indicator, dict], str | None]
    kept: dict[str, str] = field(default_factory=dict)
    computed: dict[str, str] = field(default_factory=dict)
    compute: Callable[[pd.DataFrame, Span, dict | None], dict[str, pd.Series]] | None = None
    stock: bool = False
    names: Callable[[], dict[str, str]] | None = None
    note: str = ""

    @property
    def columns(self) -> dict[str, str]:
        """The table's own evidence columns and their headers, kept then computed."""
        return {**self.kept, **self.computed}


# Each ledger table's evidence words (a counted table's come with it).
TABLE_EVIDENCE: dict[str, TableEvidence] = {
    "activities": TableEvidence(activity.rule_text, names=activity.category_names),
    "casework": TableEvidence(casework.rule_text, casework.EVIDENCE_KEPT, casework.EVIDENCE_COMPUTED,
                              casework.evidence_columns),
    "publicity": TableEvidence(publicity.rule_text),
    "coverage": TableEvidence(coverage.rule_text, stock=True, note="村（社区）按各期截止日统计"),
}
TABLE_EVIDENCE.update({name: TableEvidence(partial(counted_words.rule_text, table=schema.TABLES[name]),
                                           names=partial(counted_words.category_names, schema.TABLES[name]))
                       for name in schema.COUNTED_TABLES})
LEAD_COLUMNS = ["indicator", "span", "file", "sheet", "row"]
LEAD_HEADERS = {"indicator": "指标", "label": "指标名称", "span": "统计区间", "file": "文件", "sheet": "工作表",
                "row": "行号"}


def _contract_columns() -> list[str]:
    """Every contract column of the four ledger tables, once, in the contract's order."""
    out: list[str] = []
    for group in GROUPS:
        for col in schema.TABLES[group.table].columns:
            if col.name not in out:
                out.append(col.name)
    return out


CONTRACT_COLUMNS: list[str] = _contract_columns()
# evidence.csv's columns: the computed ones too (a column the read step keeps, such as repeat_of, is not in it)
CSV_COLUMNS: list[str] = [*LEAD_COLUMNS, *CONTRACT_COLUMNS, *(c for e in TABLE_EVIDENCE.values() for c in e.computed)]


def table_columns(table: str) -> list[str]:
    """The evidence columns of one table's records: its contract columns, then its own (:data:`TABLE_EVIDENCE`)."""
    return [c.name for c in schema.TABLES[table].columns] + list(TABLE_EVIDENCE[table].columns)


def header(column: str, table: str) -> str:
    """The Chinese header of an evidence column: the contract's first alias, or the table's own header."""
    if column in LEAD_HEADERS:
        return LEAD_HEADERS[column]
    own = TABLE_EVIDENCE[table].columns
    return own[column] if column in own else schema.TABLES[table].column(column).aliases[0]


def anchor(key: str, span: str) -> str:
    """The id of one figure's evidence in the HTML report, e.g. ``ev-casework.on_time-value``."""
    return f"{ANCHOR_PREFIX}{key}-{span}"


def cell_link(key: str, span: str, text: str) -> str:
    """A table cell's figure linked to its evidence (the link is kept in HTML only)."""
    if text in ("", "—"):
        return text
    return f"[{text}](#{anchor(key, span)}){{.ev}}"


# --------------------------------------------------------------------------- what each figure counts


def span_words(ind: Indicators, span: str, stock: bool = False) -> str:
    """``2024年1月1日至2024年12月31日`` (or ``截至…`` for a stock such as coverage)."""
    s = ind.spans[span]
    if stock:
        return f"截至{cn_date(s.end.date())}"
    return f"{cn_date(s.start.date())}至{cn_date(s.end.date())}"


def rule_text(key: str, ind: Indicators, rules: dict | None = None) -> str:
    """How a figure is computed, in Chinese, with the deadlines and standards of ``config/rules.yml``.

    The figure's table words it (:data:`TABLE_EVIDENCE`); a rate the table leaves
    to these words is its two counts divided, and anything else is named by its label.
    """
    item = ind.with_bases()[key]
    own = TABLE_EVIDENCE[item.table].rule_text(key, item, rules or load_rules()) if item.table in TABLE_EVIDENCE \
        else None
    if own:
        return own
    if item.kind == "rate" and len(item.basis) == 2:
        top, bottom = (ind.with_bases()[b].label for b in item.basis)
        return f"{top} ÷ {bottom} × 100%，保留一位小数"
    return item.label


def is_stock(key: str, ind: Indicators) -> bool:
    """Whether a figure is a stock counted on a date (coverage) rather than over a span (its table says)."""
    table = ind.with_bases()[key].table
    return table in TABLE_EVIDENCE and TABLE_EVIDENCE[table].stock


# --------------------------------------------------------------------------- the rows


def _source(frame: pd.DataFrame, ledgers: Ledgers, table: str) -> tuple[pd.Series, pd.Series]:
    """File and sheet of each record: the frame's own columns when the reader gives them."""
    file = frame["file"] if "file" in frame.columns else pd.Series(ledgers.sources.get(table, table), index=frame.index)
    sheet = frame["sheet"] if "sheet" in frame.columns else pd.Series("", index=frame.index)
    return file.fillna("").astype(str), sheet.fillna("").astype(str)


def _text(values: pd.Series) -> pd.Series:
    """Values as the evidence shows them: ISO dates, 是/否, whole numbers, empty for missing."""
    if pd.api.types.is_datetime64_any_dtype(values):
        return values.dt.strftime("%Y-%m-%d").fillna("")
    if pd.api.types.is_bool_dtype(values):
        return values.map({True: "是", False: "否"})
    if pd.api.types.is_float_dtype(values):
        return values.map(lambda v: "" if pd.isna(v) else f"{v:g}")
    if values.dtype == object and pd.api.types.infer_dtype(values, skipna=True) in ("string", "empty"):
        return values.where(values.notna(), "")  # already text (most ledger columns)
    return values.astype("string").fillna("").astype(object)


def counted(ind: Indicators, table: str) -> dict[str, Indicator]:
    """The counts of one ledger table, the report's figures first, then the counts rates stand on."""
    return {k: i for k, i in ind.with_bases().items() if i.table == table and i.counted}


def table_records(ledgers: Ledgers, ind: Indicators, table: str, rules: dict | None = None) -> pd.DataFrame:
    """One line per span and record that any count of ``table`` counted.

    Returns
    -------
    DataFrame
        ``span, file, sheet, row``, the table's evidence columns
        (:func:`table_columns`, as text), then one boolean column per count
        (named by its indicator id): whether the count counted the record in
        that span. Spans in the order of :data:`SPANS`, records in ledger order.
    """
    frame = getattr(ledgers, table)
    items = counted(ind, table)
    cols = table_columns(table)
    own = TABLE_EVIDENCE[table]
    by_span = {span: {k: i.evidence[span] for k, i in items.items()
                      if i.figure(span) is not None and span in i.evidence} for span in SPANS}
    by_span = {span: rows for span, rows in by_span.items() if rows}
    names = ["span", "file", "sheet", "row", *cols, *items]
    if frame is None or not by_span:
        return pd.DataFrame({c: pd.Series(dtype=bool if c in items else object) for c in names})
    text = _record_text(ledgers, table, frame, tuple(c for c in cols if c not in own.computed))
    parts: dict[str, list[np.ndarray]] = {c: [] for c in names}
    for span, rows in by_span.items():
        labels = pd.Index(np.unique(np.concatenate([np.asarray(r) for r in rows.values()])))
        at = _positions(frame, labels)
        parts["span"].append(np.full(len(at), span, dtype=object))
        for c, values in text.items():
            parts[c].append(values[at])
        if own.compute is not None:  # for 信访: the deadline used and the days taken, at the span's own as_of
            for col, values in own.compute(frame.iloc[at], ind.spans[span], rules).items():
                parts[col].append(_text(values).to_numpy())
        for key in items:
            parts[key].append(labels.isin(rows[key]) if key in rows else np.zeros(len(labels), dtype=bool))
    return pd.DataFrame({c: np.concatenate(arrays) for c, arrays in parts.items()}, columns=names)


def _positions(frame: pd.DataFrame, labels: pd.Index) -> np.ndarray:
    """Where the records labelled ``labels`` are in ``frame`` (KeyError for a label it does not hold)."""
    at = frame.index.get_indexer(labels.astype(frame.index.dtype))
    if (at < 0).any():
        raise KeyError(f"{list(labels[at < 0][:5])} not in the ledger")
    return at


def _record_text(ledgers: Ledgers, table: str, frame: pd.DataFrame, columns: tuple[str, ...]) -> dict[str, np.ndarray]:
    """Every record's file, sheet, row and ``columns`` as the evidence shows them (:func:`_text`).

    Worked out once for a table as read (:meth:`Ledgers.derived`: the reports of one
    data folder in a process share them) and again when the table is replaced.
    """
    def make() -> dict[str, np.ndarray]:
        file, sheet = _source(frame, ledgers, table)
        return {"file": file.to_numpy(), "sheet": sheet.to_numpy(), "row": frame["row"].to_numpy(),
                **{c: _text(frame[c] if c in frame else pd.Series("", index=frame.index)).to_numpy() for c in columns}}

    return ledgers.derived(("evidence-text", table, columns), (frame,), make)


def table_evidence(ledgers: Ledgers, ind: Indicators, table: str, rules: dict | None = None,
                   records: pd.DataFrame | None = None) -> pd.DataFrame:
    """The evidence lines of one table's counts: ``indicator, span, file, sheet, row`` and its columns.

    Lines are in the order of the figures (the report's, then the bases), then
    span (``value``, ``prior``, ``previous``), then ledger order.
    """
    rec = table_records(ledgers, ind, table, rules) if records is None else records
    names = ["indicator", "span", "file", "sheet", "row", *table_columns(table)]
    return pd.DataFrame(_lines(rec, list(counted(ind, table)), names), columns=names)


def _lines(rec: pd.DataFrame, keys: list[str], names: list[str]) -> dict[str, np.ndarray]:
    """The columns ``names`` of :func:`table_evidence`'s lines: each count's records of ``rec``, count by count.

    A column ``rec`` does not have is left empty.
    """
    picks = [np.flatnonzero(rec[k].to_numpy(dtype=bool)) for k in keys]
    at = np.concatenate(picks) if picks else np.zeros(0, dtype=int)
    out = {"indicator": np.repeat(np.asarray(keys, dtype=object), [len(p) for p in picks])}
    for c in names[1:]:
        out[c] = rec[c].to_numpy()[at] if c in rec else np.full(len(at), "", dtype=object)
    return out


def evidence_frame(ledgers: Ledgers, ind: Indicators, rules: dict | None = None) -> pd.DataFrame:
    """Every evidence line of a report, with the columns of :data:`CSV_COLUMNS`."""
    return _evidence_frame({g.table: table_records(ledgers, ind, g.table, rules) for g in GROUPS}, ledgers, ind)


def _evidence_frame(records: dict[str, pd.DataFrame], ledgers: Ledgers, ind: Indicators) -> pd.DataFrame:
    parts = [_lines(rec, list(counted(ind, table)), CSV_COLUMNS) for table, rec in records.items()]
    parts = [p for p in parts if len(p["indicator"])]
    if not parts:
        return pd.DataFrame(columns=CSV_COLUMNS)
    return pd.DataFrame({c: np.concatenate([p[c] for p in parts]) for c in CSV_COLUMNS}, columns=CSV_COLUMNS)


def check_counts(ind: Indicators, published: dict | None = None) -> None:
    """Every count has exactly as many evidence rows as its figure, in every span.

    Parameters
    ----------
    published : dict, optional
        The ``indicators`` of a written ``indicators.json``; their figures are checked too.

    Raises
    ------
    ReportError
        When a count and its rows disagree (the figure could not be traced).
    """
    problems = []
    for key, item in ind.with_bases().items():
        if not item.counted:
            continue
        for span in SPANS:
            figure, rows = item.figure(span), item.evidence.get(span)
            if figure is not None and (rows is None or len(rows) != figure):
                problems.append(f"{key} {span}: {figure} != {0 if rows is None else len(rows)} 行")
            if published and key in published and figure != published[key].get(span, figure):
                problems.append(f"{key} {span}: indicators.json {published[key].get(span)} != {figure}")
    if problems:
        raise ReportError("核对明细与指标数不符：" + "；".join(problems))


def for_people(lines: pd.DataFrame, table: str) -> pd.DataFrame:
    """A table's lines as a clerk reads them: a category by its Chinese name, not its code."""
    names = TABLE_EVIDENCE[table].names
    if names is None or "category" not in lines:
        return lines
    names = names()
    return lines.assign(category=lines["category"].map(lambda c: names.get(c, c)))


# --------------------------------------------------------------------------- files


def write_csv(lines: pd.DataFrame, target: Path) -> Path:
    """``evidence.csv`` (UTF-8 with BOM, so Excel opens it as it is; ledger text never runs as a formula)."""
    csv_safe(lines).to_csv(target, index=False, encoding="utf-8-sig")
    return target


def figure_rows(ind: Indicators, rules: dict | None = None) -> list[list]:
    """The first sheet of the 核对表: every figure, its span, value, rule and basis."""
    out = []
    items = ind.with_bases()
    for key, item in items.items():
        for span in SPANS:
            figure = item.figure(span)
            if span not in ind.spans or (figure is None and span != "value"):
                continue
            basis = " ÷ ".join(f"{items[b].label}（{b}）" for b in item.basis if b in items)
            rows = len(item.evidence[span]) if item.counted and span in item.evidence else ""
            out.append([key, item.label, SPAN_LABELS[span], span_words(ind, span, is_stock(key, ind)),
                        number(figure, item.kind), item.unit if item.unit != "%" else "", rows,
                        rule_text(key, ind, rules), basis])
    return out


FIGURE_HEADERS = ["指标", "指标名称", "统计区间", "日期范围", "数值", "单位", "核对行数", "计算方法", "依据的计数"]


TICK = "✓"


def write_xlsx(records: dict[str, pd.DataFrame], ind: Indicators, target: Path, rules: dict | None = None) -> Path:
    """``evidence.xlsx``, the 核对表: the figures, then one sheet per group, header frozen, filters on.

    A group's sheet has one line per record and span, by file, sheet and row
    as the office's ledger shows them, and a column per count ticked (✓)
    where the count counted the record: filter a column on ✓ and the number of
    lines is the figure.

    Parameters
    ----------
    records : dict
        :func:`table_records` of each ledger table.
    """
    figures = figure_rows(ind, rules)
    sheets = [("指标", FIGURE_HEADERS, [list(c) for c in zip(*figures)] if figures else [[]] * len(FIGURE_HEADERS),
               [28, 22, 10, 28, 8, 6, 9, 60, 40])]
    for group in GROUPS:
        items = counted(ind, group.table)
        rec = records.get(group.table)
        if not items or rec is None:  # a sheet only for a table the report counts from
            continue
        rec = for_people(rec, group.table)
        # a CSV ledger has no sheets, and a unit's own report has one unit: such columns are left out
        cols = [c for c in ("file", "sheet", "row", *table_columns(group.table))
                if not (c == "sheet" and not (rec["sheet"].astype(str) != "").any())
                and not (c == "unit" and ind.unit_id != SUMMARY_ID)]
        headers = [LEAD_HEADERS["span"], *(header(c, group.table) for c in cols), *(i.label for i in items.values())]
        columns = [rec["span"].map(SPAN_LABELS), *(rec[c].astype(int) if c == "row" else rec[c] for c in cols),
                   *(pd.Series(np.where(rec[k].to_numpy(dtype=bool), TICK, None)) for k in items)]
        widths = {"file": 16, "sheet": 10, "row": 6}
        sheets.append((group.sheet, headers, [c.tolist() for c in columns],
                       [10, *(widths.get(c, 12) for c in cols)] + [10] * len(items)))
    return _write_workbook(target, sheets)


# The few parts of an Office Open XML workbook the 核对表 needs, written directly:
# XlsxWriter writes the same workbook in about twice the time (bench/evidence.py
# prints both), a cost the build would pay for every report. Every text an inline
# string, so ledger text such as ``=HYPERLINK(…)`` is never a formula; the header bold.
_XML = '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
_MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
_REL = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
_PKG_REL = "http://schemas.openxmlformats.org/package/2006/relationships"
_CONTENT_TYPES = (
    _XML + '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
    '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
    '<Default Extension="xml" ContentType="application/xml"/>'
    '<Override PartName="/xl/workbook.xml" '
    'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>'
    '<Override PartName="/xl/styles.xml" '
    'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.styles+xml"/>'
    "{sheets}</Types>")
_STYLES = (
    _XML + f'<styleSheet xmlns="{_MAIN}">'
    '<fonts count="2"><font><sz val="11"/><name val="Calibri"/><family val="2"/></font>'
    '<font><b/><sz val="11"/><name val="Calibri"/><family val="2"/></font></fonts>'
    '<fills count="2"><fill><patternFill/></fill><fill><patternFill patternType="gray125"/></fill></fills>'
    '<borders count="1"><border><left/><right/><top/><bottom/><diagonal/></border></borders>'
    '<cellStyleXfs count="1"><xf numFmtId="0" fontId="0" fillId="0" borderId="0"/></cellStyleXfs>'
    '<cellXfs count="2"><xf numFmtId="0" fontId="0" fillId="0" borderId="0" xfId="0"/>'
    '<xf numFmtId="0" fontId="1" fillId="0" borderId="0" xfId="0" applyFont="1"/></cellXfs>'
    '<cellStyles count="1"><cellStyle name="Normal" xfId="0" builtinId="0"/></cellStyles>'
    "</styleSheet>")
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")  # characters XML cannot hold
_SPECIAL = re.compile("[&<>\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


def _column_letter(n: int) -> str:
    """``A`` for 1, ``AA`` for 27."""
    out = ""
    while n:
        n, r = divmod(n - 1, 26)
        out = chr(65 + r) + out
    return out


def _text_xml(value: str) -> str:
    return xml_escape(_NOT_XML.sub("", value)) if _SPECIAL.search(value) else value


def _column_xml(letter: str, values: list, rows: list[str]) -> list[str]:
    """The XML of one column's cells, row by row (an empty string for a cell left empty)."""
    out = []
    for value, row in zip(values, rows):
        if value is None or value == "":
            out.append("")
        elif value.__class__ is str:
            text = _text_xml(value)
            out.append(f'<c r="{letter}{row}" t="inlineStr"><is><t xml:space="preserve">{text}</t></is></c>')
        elif isinstance(value, (bool, np.bool_)):
            out.append(f'<c r="{letter}{row}" t="b"><v>{int(value)}</v></c>')
        elif isinstance(value, float) and not np.isfinite(value):
            out.append("")
        else:
            out.append(f'<c r="{letter}{row}"><v>{value}</v></c>')
    return out


def _sheet_xml(headers: list[str], columns: list[list], widths: list[int]) -> tuple[str, str]:
    """A worksheet's XML (header bold and frozen, filters on) and its filter's range.

    ``columns``: the values of each column, one per line under the header.
    """
    letters = [_column_letter(i) for i in range(1, len(headers) + 1)]
    n = max((len(c) for c in columns), default=0)
    rows = [str(r) for r in range(2, n + 2)]
    head = "".join(f'<c r="{c}1" t="inlineStr" s="1"><is><t>{xml_escape(h)}</t></is></c>'
                   for c, h in zip(letters, headers))
    cells = [_column_xml(letter, values, rows) for letter, values in zip(letters, columns)]
    body = f'<row r="1">{head}</row>' + "".join(
        f'<row r="{r}">{"".join(line)}</row>' for r, line in zip(rows, zip(*cells)))
    ref = f"A1:{letters[-1]}{n + 1}"
    cols = "".join(f'<col min="{i}" max="{i}" width="{w}" customWidth="1"/>' for i, w in enumerate(widths, start=1))
    xml = (_XML + f'<worksheet xmlns="{_MAIN}" xmlns:r="{_REL}"><dimension ref="{ref}"/>'
           '<sheetViews><sheetView workbookViewId="0"><pane ySplit="1" topLeftCell="A2" activePane="bottomLeft" '
           'state="frozen"/><selection pane="bottomLeft" activeCell="A2" sqref="A2"/></sheetView></sheetViews>'
           f'<sheetFormatPr defaultRowHeight="15"/><cols>{cols}</cols><sheetData>{body}</sheetData>'
           f'<autoFilter ref="{ref}"/></worksheet>')
    return xml, ref


def _write_workbook(target: Path, sheets: list[tuple[str, list[str], list[list], list[int]]]) -> Path:
    """An ``.xlsx`` of ``(title, headers, columns, column widths)`` sheets (:func:`_sheet_xml`)."""
    import zipfile

    parts, entries, rels, names = {}, [], [], []
    for i, (title, headers, columns, widths) in enumerate(sheets, start=1):
        xml, ref = _sheet_xml(headers, columns, widths)
        parts[f"xl/worksheets/sheet{i}.xml"] = xml
        entries.append(f'<sheet name="{xml_escape(title)}" sheetId="{i}" r:id="rId{i}"/>')
        rels.append(f'<Relationship Id="rId{i}" Type="{_REL}/worksheet" Target="worksheets/sheet{i}.xml"/>')
        col, row = re.fullmatch(r"A1:([A-Z]+)(\d+)", ref).groups()
        names.append(f'<definedName name="_xlnm._FilterDatabase" localSheetId="{i - 1}" hidden="1">'
                     f"'{xml_escape(title)}'!$A$1:${col}${row}</definedName>")
    n = len(sheets)
    rels.append(f'<Relationship Id="rId{n + 1}" Type="{_REL}/styles" Target="styles.xml"/>')
    overrides = "".join(f'<Override PartName="/xl/worksheets/sheet{i}.xml" '
                        'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>'
                        for i in range(1, n + 1))
    parts = {
        "[Content_Types].xml": _CONTENT_TYPES.format(sheets=overrides),
        "_rels/.rels": (_XML + f'<Relationships xmlns="{_PKG_REL}"><Relationship Id="rId1" '
                        f'Type="{_REL}/officeDocument" Target="xl/workbook.xml"/></Relationships>'),
        "xl/workbook.xml": (_XML + f'<workbook xmlns="{_MAIN}" xmlns:r="{_REL}"><bookViews><workbookView/>'
                            f'</bookViews><sheets>{"".join(entries)}</sheets>'
                            f'<definedNames>{"".join(names)}</definedNames></workbook>'),
        "xl/_rels/workbook.xml.rels": _XML + f'<Relationships xmlns="{_PKG_REL}">{"".join(rels)}</Relationships>',
        "xl/styles.xml": _STYLES,
        **parts,
    }
    with zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as z:
        for name, xml in parts.items():
            z.writestr(name, xml.encode("utf-8"))
    return target


def write_evidence(folder: Path, ledgers: Ledgers, ind: Indicators, published: dict | None = None) -> list[Path]:
    """Write ``evidence.csv`` and ``evidence.xlsx`` into a report's folder.

    Parameters
    ----------
    folder : Path
        The report's (scratch) folder.
    ledgers : Ledgers
        The ledgers the figures were computed from (for a district summary:
        the data folder's, not the pooled copy, so each record keeps its unit).
    ind : Indicators
        The report's figures, with their evidence.
    published : dict, optional
        The ``indicators`` written to ``indicators.json``, checked against the rows.

    Raises
    ------
    ReportError
        When a figure and its rows disagree.
    """
    rules = load_rules()
    check_counts(ind, published)
    records = {g.table: table_records(ledgers, ind, g.table, rules) for g in GROUPS}
    folder = Path(folder)
    return [write_csv(_evidence_frame(records, ledgers, ind), folder / CSV_FILE),
            write_xlsx(records, ind, folder / XLSX_FILE, rules)]


def write_report_evidence(folder: Path, data_dir: Path, unit: str, year: int, as_of: str | date | None,
                          published: dict | None = None, timings: dict | None = None,
                          rows: dict | None = None, period: str = "year") -> list[Path]:
    """The engine's hook: write one report's evidence from the rows its kernel counted.

    Parameters
    ----------
    rows : dict, optional
        What the kernel published (:func:`publish_rows`, taken out of the
        notebook by :func:`take_published`). Without it, or when the ledgers
        changed since the kernel read them, the figures are computed again
        from the (cached) ledgers.
    timings : dict, optional
        Gets the seconds it took as ``evidence``.
    """
    import time

    from ..read.ledgers import load_ledgers

    start = time.perf_counter()
    ledgers = load_ledgers(data_dir)
    ind = from_published(rows, ledgers) if rows else None
    if ind is None:
        from ..figures.indicators import compute_indicators

        ind = compute_indicators(ledgers, unit, year, as_of, period)
        if published is not None:  # the report kind's figures
            ind = ind.only(published)
    written = write_evidence(folder, ledgers, ind, published)
    if timings is not None:
        timings["evidence"] = round(time.perf_counter() - start, 3)
    return written


def start_report_evidence(*args, **kwargs) -> Callable[[], list[Path]]:
    """Start :func:`write_report_evidence` in a thread; call the result to wait for it (its error is raised there).

    The engine writes a report's evidence while pandoc and typst render it:
    most of rendering waits on other processes, so the evidence costs the
    build little time.
    """
    import threading

    outcome: dict = {}

    def work() -> None:
        try:
            outcome["files"] = write_report_evidence(*args, **kwargs)
        except BaseException as exc:  # handed to the caller of wait()
            outcome["error"] = exc

    thread = threading.Thread(target=work, name="nianbao-evidence", daemon=True)
    thread.start()

    def wait() -> list[Path]:
        thread.join()
        if "error" in outcome:
            raise outcome["error"]
        return outcome["files"]

    return wait


# --------------------------------------------------------------------------- from the kernel to the engine

# The kernel that computed a report's figures displays the rows each count
# counted (index labels of the ledger frames, per indicator and span) under
# this MIME type, in the cell that publishes indicators.json; the engine takes
# that output out of the notebook before writing report.ipynb and writes the
# evidence from it, instead of computing every figure a second time.
EVIDENCE_MIME = "application/vnd.nianbao.evidence+json"


def _plain(value):
    """A value as JSON keeps it (numpy scalars as Python numbers, tuples as lists)."""
    if isinstance(value, np.generic):
        return value.item()
    if isinstance(value, (tuple, list)):
        return [_plain(v) for v in value]
    return value


def published_rows(ind: Indicators, digest: str = "") -> dict:
    """The figures' rows as the kernel hands them to the engine (JSON; see :data:`EVIDENCE_MIME`).

    Every count's rows per span, and what the evidence files say of each figure
    (label, unit, kind, table, basis, figures), with the spans and the digest
    of the ledgers the rows are labels of.
    """
    items = {}
    for key, item in ind.with_bases().items():
        entry = {f.name: _plain(getattr(item, f.name)) for f in fields(item) if f.name != "evidence"}
        entry["evidence"] = {span: np.asarray(rows).tolist() for span, rows in item.evidence.items()}
        items[key] = entry
    return {
        "digest": digest,
        "unit_id": ind.unit_id,
        "year": ind.year,
        "as_of": ind.as_of.isoformat(),
        "spans": {name: [s.start.isoformat(), s.end.isoformat()] for name, s in ind.spans.items()},
        "has_publicity": ind.has_publicity,
        "has_coverage": ind.has_coverage,
        "items": items,
        "bases": list(ind.bases),
    }


def publish_rows(ind: Indicators, digest: str = "") -> None:
    """Display :func:`published_rows` in the kernel (the engine takes it out of report.ipynb)."""
    from IPython.display import display

    shown = "（核对表所用的记录：生成报告时取出，不写入报告）"  # what JupyterLab shows of it
    display({EVIDENCE_MIME: published_rows(ind, digest), "text/plain": shown}, raw=True)


def take_published(nb) -> dict | None:
    """Take the kernel's :func:`published_rows` out of an executed notebook (so report.ipynb does not keep them)."""
    found = None
    for cell in nb.cells:
        outputs = cell.get("outputs", [])
        keep = [o for o in outputs if EVIDENCE_MIME not in o.get("data", {})]
        if len(keep) != len(outputs):
            found = next(o["data"][EVIDENCE_MIME] for o in outputs if EVIDENCE_MIME in o.get("data", {}))
            cell["outputs"] = keep
    return found


@dataclass
class Figures:
    """A report's figures as the kernel published them: what the evidence files need of :class:`Indicators`."""

    unit_id: str
    year: int
    as_of: date
    spans: dict
    items: dict[str, Indicator]
    bases: dict[str, Indicator]
    has_publicity: bool
    has_coverage: bool

    def __getitem__(self, key: str) -> Indicator:
        return self.items[key]

    def with_bases(self) -> dict[str, Indicator]:
        return {**self.items, **self.bases}


def from_published(doc: dict, ledgers: Ledgers) -> Figures | None:
    """The figures of :func:`published_rows`, their rows as labels of ``ledgers``.

    ``None`` when ``ledgers`` are not those the kernel counted (their digest
    differs: a ledger changed during the build) — the caller computes again.
    """
    from ..figures.base import Span

    if not doc.get("digest") or doc["digest"] != ledgers.digest:
        return None
    known = {f.name for f in fields(Indicator)}
    every: dict[str, Indicator] = {}
    for key, entry in doc["items"].items():
        entry = {k: v for k, v in entry.items() if k in known}
        frame = getattr(ledgers, entry["table"], None) if entry.get("table") else None
        dtype = frame.index.dtype if frame is not None else None
        evidence = {span: pd.Index(rows, dtype=dtype) for span, rows in entry.pop("evidence", {}).items()}
        every[key] = Indicator(**{**entry, "basis": tuple(entry.get("basis", ()))}, evidence=evidence)
    bases = set(doc["bases"])
    return Figures(
        unit_id=doc["unit_id"], year=int(doc["year"]), as_of=date.fromisoformat(doc["as_of"]),
        spans={name: Span(pd.Timestamp(a), pd.Timestamp(b)) for name, (a, b) in doc["spans"].items()},
        items={k: v for k, v in every.items() if k not in bases}, bases={k: v for k, v in every.items() if k in bases},
        has_publicity=doc["has_publicity"], has_coverage=doc["has_coverage"])


# --------------------------------------------------------------------------- the HTML section


def row_ranges(rows: list[int]) -> str:
    """``2–5、8、10–11``: sorted row numbers with runs joined."""
    rows = sorted(set(rows))
    out, start = [], None
    for i, r in enumerate(rows):
        if start is None:
            start = r
        if i + 1 == len(rows) or rows[i + 1] != r + 1:
            out.append(str(start) if start == r else f"{start}–{r}")
            start = None
    return "、".join(out)


class _Places:
    """Each record's place in the office's ledger, looked up by index label (for the HTML section, as HTML text)."""

    def __init__(self, ledgers: Ledgers, table: str) -> None:
        frame = getattr(ledgers, table)
        self.index = frame.index
        self.rows = frame["row"].to_numpy()
        file, sheet = _source(frame, ledgers, table) if "file" in frame.columns or "sheet" in frame.columns \
            else (None, None)
        self.single = html_escape(ledgers.sources.get(table, table)) if file is None else None
        self.places = None if file is None else (file + "\x1f" + sheet).to_numpy()
        self.units = frame["unit"].to_numpy()
        self.names = ledgers.units["unit_name"].to_dict()

    def by_unit(self, labels: pd.Index) -> str:
        """``叶集区民政局33件、…``: how many of one figure's rows each unit's ledger holds (a district summary)."""
        if not len(labels):
            return "无"
        counts = pd.Series(self.units[self.index.get_indexer(labels)]).value_counts(sort=False)
        return "、".join(f"{html_escape(self.names.get(u, u))}{n}" for u, n in counts.items())

    def where(self, labels: pd.Index) -> str:
        """``casework.csv第2–20、22行`` (a workbook's sheet named too), for one figure's rows."""
        if not len(labels):
            return "无"
        pos = self.index.get_indexer(labels)
        if self.places is None:
            return f"{self.single}第{row_ranges(self.rows[pos].tolist())}行"
        parts = []
        places = self.places[pos]
        for place in dict.fromkeys(places):
            f, s = place.split("\x1f")
            where = html_escape(f) + (f"（工作表{html_escape(s)}）" if s else "")
            parts.append(f"{where}第{row_ranges(self.rows[pos][places == place].tolist())}行")
        return "；".join(parts)


def _unit_word(item: Indicator) -> str:
    return "" if item.unit == "%" else item.unit


def evidence_markdown(ledgers: Ledgers, ind: Indicators, provenance: list[str] | None = None) -> str:
    """The HTML report's evidence section, in Pandoc Markdown (left out of the PDF and DOCX).

    One paragraph per figure; each span of it has an anchor (:func:`anchor`)
    that the indicator table links to. A count lists its ledger rows by file,
    sheet and row; a rate links to its numerator and denominator, a median or
    a distinct count to the count whose rows it reads.

    The paragraphs are HTML already, in a code block of class
    ``evidence-html`` that ``templates/nianbao.lua`` passes on as raw HTML (and
    leaves out of the PDF and DOCX): Pandoc need not read hundreds of anchors
    and links as Markdown, three times a report. Every ledger text in them is
    escaped. ``provenance``, plain sentences (files read, the prose used,
    cancelled rows), opens the section.
    """
    items = ind.with_bases()
    places: dict[str, _Places] = {}
    spans = [s for s in SPANS if s in ind.spans]
    when = "，".join(f"{SPAN_LABELS[s]}为{span_words(ind, s)}" for s in spans)
    notes = dict.fromkeys(TABLE_EVIDENCE[i.table].note for i in items.values()
                          if i.table in TABLE_EVIDENCE and TABLE_EVIDENCE[i.table].note)
    out = ["::: {.evidence #evidence}", "## 核对明细",
           ("表1各数字所计的台账记录，按单位列出条数，逐行明细见核对表或 nianbao explain。" if ind.unit_id == SUMMARY_ID
            else "表1各数字所计的台账记录（文件、工作表、行号）。") + when
           + "".join(f"；{note}" for note in notes) + "。"
           f"比率列出分子、分母。完整明细见同目录{CSV_FILE}和{XLSX_FILE}（核对表）。"]
    paragraphs = []
    for key, item in items.items():
        parts = []
        for span in spans:
            figure = item.figure(span)
            if figure is None:
                continue
            head = (f'<span id="{anchor(key, span)}">'
                    f"{SPAN_LABELS[span]}{number(figure, item.kind)}{html_escape(_unit_word(item))}</span>")
            if item.counted:
                if item.table not in places:
                    places[item.table] = _Places(ledgers, item.table)
                rows = item.evidence.get(span, pd.Index([]))
                # a district summary's rows fill pages: the section gives each unit's share, the files the rows
                body = places[item.table].by_unit(rows) if ind.unit_id == SUMMARY_ID else places[item.table].where(rows)
            else:
                links = [f'<a href="#{anchor(b, span)}" class="ev">'
                         f"{html_escape(items[b].label)}{number(items[b].figure(span))}{_unit_word(items[b])}</a>"
                         for b in item.basis if b in items]
                body = ("÷".join(links) if item.kind == "rate" else
                        "、".join(links) + ("的答复用时中位数" if item.kind == "days" else "的不同媒体数"))
            parts.append(f"{head}：{body}")
        if parts:
            paragraphs.append(f"<p><strong>{html_escape(item.label)}</strong>　" + "；".join(parts) + "。</p>")
    paragraphs = [f"<p>{html_escape(line)}</p>" for line in provenance or ()] + paragraphs
    if paragraphs:
        out.append("~~~~ {.evidence-html}\n" + "\n".join(paragraphs) + "\n~~~~")
    out.append(":::")
    return "\n\n".join(out) + "\n"

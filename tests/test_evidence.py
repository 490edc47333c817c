"""Evidence: every figure traceable to the ledger rows it counts.

For every count the number of evidence lines equals the figure, in every
span; rates, medians and distinct counts recompute from the lines of the
counts they name; rows set aside never appear; the 核对表 has its sheets,
headers, frozen header and filters; ``nianbao explain`` prints the rows. A
property test does the same over random ledgers written as CSV files and read
by the real reader (bad rows included).
"""

from __future__ import annotations

import statistics
import tempfile
from dataclasses import replace
from datetime import date, timedelta
from pathlib import Path

import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from conftest import run_cli
from helpers.figures.base import SPANS, rate
from helpers.figures.indicators import compute_indicators
from helpers.read import schema
from helpers.read.ledgers import validate
from helpers.run.summary import district, pooled
from helpers.settings.errors import ReportError
from helpers.words.evidence import (
    CSV_COLUMNS,
    CSV_FILE,
    GROUPS,
    LEAD_COLUMNS,
    XLSX_FILE,
    cell_link,
    check_counts,
    evidence_frame,
    row_ranges,
    write_evidence,
)

CONTRACT = {c.name for t in schema.TABLES.values() if t.name != "units" for c in t.columns}


def lines_of(lines: pd.DataFrame, key: str, span: str) -> pd.DataFrame:
    return lines[(lines["indicator"] == key) & (lines["span"] == span)]


def assert_traceable(ledgers, ind) -> pd.DataFrame:
    """Every count has as many lines as its figure; every derived figure recomputes from its counts' lines."""
    lines = evidence_frame(ledgers, ind)
    items = ind.with_bases()
    for key, item in items.items():
        for span in SPANS:
            figure = item.figure(span)
            if span not in ind.spans or figure is None:
                if item.counted:
                    assert lines_of(lines, key, span).empty, (key, span)
                continue
            if item.counted:
                assert len(lines_of(lines, key, span)) == figure, (key, span)
                assert len(item.evidence[span]) == figure
            elif item.kind == "rate":
                top, bottom = (len(lines_of(lines, b, span)) for b in item.basis)
                assert rate(top, bottom) == figure, (key, span)
            elif item.kind == "days":
                days = lines_of(lines, item.basis[0], span)["days_taken"].astype(int)
                assert statistics.median(days) == figure, (key, span)
            elif key == "publicity.outlets":
                assert lines_of(lines, item.basis[0], span)["outlet"].nunique() == figure
            else:
                raise AssertionError(f"{key} is neither counted nor derived from counts")
    return lines


# --------------------------------------------------------------------------- the sample ledgers


def test_every_figure_of_every_sample_report_is_traceable(sample_ledgers):
    seen = set()
    for unit in sample_ledgers.units.index:
        for year in sample_ledgers.years(unit):
            for as_of in (None, date(year, 6, 30)):
                lines = assert_traceable(sample_ledgers, compute_indicators(sample_ledgers, unit, year, as_of))
                seen |= set(lines["span"])
    assert seen == {"value", "prior"}  # the sample has both spans (previous comes with periods)


def test_district_summary_evidence_keeps_each_records_unit(sample_ledgers):
    total, per_unit = district(sample_ledgers, 2024)
    lines = assert_traceable(sample_ledgers, total)
    assert set(lines["unit"]) == set(per_unit)
    for unit, ind in per_unit.items():
        mine = lines[(lines["unit"] == unit) & (lines["indicator"] == "casework.total") & (lines["span"] == "value")]
        assert len(mine) == ind["casework.total"].value


def test_columns_are_the_contract_and_nothing_else(sample_ledgers):
    ledgers = sample_ledgers.with_tables(casework=sample_ledgers.casework.assign(姓名="某某", 联系电话="13900000000"))
    lines = evidence_frame(ledgers, compute_indicators(ledgers, "yeji-mzj", 2024))
    assert list(lines.columns) == CSV_COLUMNS
    assert set(CSV_COLUMNS) == {*LEAD_COLUMNS, *CONTRACT, "deadline", "days_taken"}
    assert "某某" not in lines.to_csv() and "13900000000" not in lines.to_csv()


def test_lines_show_a_replaced_table_as_it_is_now(sample_ledgers):
    """Each record's text is worked out once for a table and kept: a table replaced is read again."""
    import copy

    ledgers = copy.copy(sample_ledgers)
    ledgers.tables = dict(sample_ledgers.tables)
    ind = compute_indicators(ledgers, "yeji-mzj", 2024)
    before = evidence_frame(ledgers, ind)
    assert before.equals(evidence_frame(ledgers, ind))  # the kept text: the same lines
    activity = before["indicator"].str.startswith("activity.")
    assert activity.any() and "改过的标题" not in set(before["title"])
    ledgers.tables["activities"] = ledgers.tables["activities"].assign(title="改过的标题")
    after = evidence_frame(ledgers, ind)
    assert len(after) == len(before)
    assert set(after.loc[activity, "title"]) == {"改过的标题"}
    assert after.loc[~activity].equals(before.loc[~activity])


def test_casework_lines_carry_the_deadline_used_and_the_days_taken(sample_ledgers):
    lines = evidence_frame(sample_ledgers, compute_indicators(sample_ledgers, "yeji-mzj", 2024))
    late = lines_of(lines, "casework.overdue", "prior").iloc[0]
    received, deadline = date.fromisoformat(late["received_date"]), date.fromisoformat(late["deadline"])
    assert (deadline - received).days == (90 if late["extended"] == "是" else 60)
    assert (date.fromisoformat(late["replied_date"]) - received).days == int(late["days_taken"])
    assert deadline < date.fromisoformat(late["replied_date"])  # it is overdue


def test_a_figure_that_disagrees_with_its_rows_stops_the_report(sample_ledgers):
    ind = compute_indicators(sample_ledgers, "yeji-mzj", 2024)
    check_counts(ind, {k: v.as_json() for k, v in ind.items.items()})
    with pytest.raises(ReportError, match="casework.total value"):
        check_counts(ind, {"casework.total": {"value": ind["casework.total"].value + 1}})
    ind.items["activity.party_lecture"].value += 1
    with pytest.raises(ReportError, match="activity.party_lecture value"):
        check_counts(ind)


def test_set_aside_rows_never_appear(data_copy):
    cw = pd.read_csv(data_copy / "casework.csv", encoding="gbk", dtype=str, keep_default_na=False)
    bad = cw[cw["承办单位"] == "叶集区民政局"].tail(3).copy()
    bad["答复日期"] = "2000-01-01"  # replied before received
    bad["信访编号"] = bad["信访编号"] + "-BAD"
    dup = cw[cw["承办单位"] == "叶集区民政局"].tail(1)  # a duplicate id: the second one is set aside
    cw = pd.concat([cw, bad, dup], ignore_index=True)
    cw.to_csv(data_copy / "casework.csv", index=False, encoding="gb18030")
    ledgers = validate(data_copy)
    rejected = set(zip(ledgers.rejected["file"], ledgers.rejected["row"].astype(int)))
    assert len(rejected) == 4
    lines = assert_traceable(ledgers, compute_indicators(ledgers, "yeji-mzj", 2024))
    assert not rejected & set(zip(lines["file"], lines["row"].astype(int)))


# --------------------------------------------------------------------------- files


def test_evidence_files_csv_and_workbook(sample_ledgers, tmp_path):
    from openpyxl import load_workbook

    ind = compute_indicators(sample_ledgers, "yeji-mzj", 2024)
    csv, xlsx = write_evidence(tmp_path, sample_ledgers, ind, {k: v.as_json() for k, v in ind.items.items()})
    assert (csv.name, xlsx.name) == (CSV_FILE, XLSX_FILE)
    lines = pd.read_csv(csv, encoding="utf-8-sig", dtype=str, keep_default_na=False)
    assert list(lines.columns) == CSV_COLUMNS
    assert (lines_of(lines, "casework.total", "value")["row"].astype(int).tolist()
            == sample_ledgers.casework.loc[ind["casework.total"].evidence["value"], "row"].tolist())
    wb = load_workbook(xlsx)
    assert wb.sheetnames == ["指标", *(g.sheet for g in GROUPS)]
    for group in GROUPS:
        ws = wb[group.sheet]
        head = [c.value for c in ws[1]]
        workbook = not sample_ledgers.sources[group.table].endswith(".csv")  # a workbook's rows name their sheet
        assert head[:4 if workbook else 3] == ["统计区间", "文件", *(["工作表"] if workbook else []), "行号"]
        assert all(not h.isascii() for h in head), head  # Chinese headers
        assert ws.freeze_panes == "A2"
        assert ws.auto_filter.ref == f"A1:{ws.cell(1, len(head)).column_letter}{ws.max_row}"
        body = list(ws.iter_rows(min_row=2, values_only=True))
        for key, item in ind.with_bases().items():  # filter a count's column on ✓: the lines are the figure
            if item.table == group.table and item.counted:
                col = head.index(item.label)
                for span, word in (("value", "本期"), ("prior", "上年同期")):
                    ticked = [r for r in body if r[0] == word and r[col] == "✓"]
                    assert len(ticked) == item.figure(span), (key, span)
                    assert sorted(r[head.index("行号")] for r in ticked) == sorted(
                        lines_of(lines, key, span)["row"].astype(int).tolist())
    ws = wb["信访"]
    head = [c.value for c in ws[1]]
    first = dict(zip(head, next(ws.iter_rows(min_row=2, max_row=2, values_only=True))))
    assert first["文件"] == "casework.csv" and first["行号"] == lines_of(lines, "casework.total", "value")["row"].astype(int).iloc[0]
    assert {"信访编号", "收到日期", "答复日期", "答复期限", "答复用时（天）", "按期答复", "应答复（已答复及超期未答复）"} <= set(head)
    acts = wb["组织生活"]
    col = [c.value for c in acts[1]].index("类别")
    assert "意识形态工作专题研究" in {r[col] for r in acts.iter_rows(min_row=2, values_only=True)}  # in Chinese
    figures = {(r[0], r[2]): r for r in wb["指标"].iter_rows(min_row=2, values_only=True)}
    assert figures[("casework.on_time_rate", "本期")][-1] == "按期答复（casework.on_time） ÷ 应答复（已答复及超期未答复）（casework.due）"
    assert figures[("casework.on_time", "上年同期")][6] == ind["casework.on_time"].prior


def test_ledger_text_is_never_a_formula_in_the_workbook(sample_ledgers, tmp_path):
    from openpyxl import load_workbook

    acts = sample_ledgers.activities.copy()
    acts.loc[acts.index[-1], ["unit", "date", "category", "title"]] = [
        "yeji-mzj", pd.Timestamp("2024-05-05"), "party_lecture", '=HYPERLINK("http://x.cn","点")']
    ledgers = sample_ledgers.with_tables(activities=acts)
    write_evidence(tmp_path, ledgers, compute_indicators(ledgers, "yeji-mzj", 2024))
    cells = [c for row in load_workbook(tmp_path / XLSX_FILE)["组织生活"].iter_rows() for c in row
             if isinstance(c.value, str) and c.value.startswith("=HYPERLINK")]
    assert cells and all(c.data_type == "s" for c in cells)
    lines = pd.read_csv(tmp_path / CSV_FILE, encoding="utf-8-sig", dtype=str, keep_default_na=False)
    assert '\'=HYPERLINK("http://x.cn","点")' in set(lines["title"])  # a spreadsheet shows it as text, too
    assert not lines.apply(lambda c: c.str.match(r"[=+\-@]")).any().any()


def test_csv_files_keep_formula_like_text_as_text():
    from helpers.read.ledgers import csv_safe, rejected_for_output

    rejected = pd.DataFrame({"file": ["a.csv"] * 4, "sheet": [""] * 4, "row": [2, 3, 4, 5],
                             "column": ["title"] * 4, "value": ["=1+2", "@SUM(A1)", "-2+3", "正常"],
                             "reason": ["x"] * 4, "unit": ["u"] * 4})
    out = rejected_for_output(rejected)
    assert list(out["value"]) == ["'=1+2", "'@SUM(A1)", "'-2+3", "正常"] and list(out["row"]) == [2, 3, 4, 5]
    plain = pd.DataFrame({"a": ["x", "y"], "n": [-1, 2]})
    assert csv_safe(plain) is plain  # nothing to do: the same frame, numbers untouched


def test_workbook_leaves_out_an_absent_table(sample_ledgers, tmp_path):
    from openpyxl import load_workbook

    ledgers = sample_ledgers.with_tables(publicity=None)
    write_evidence(tmp_path, ledgers, compute_indicators(ledgers, "yeji-mzj", 2024))
    assert "宣传" not in load_workbook(tmp_path / XLSX_FILE).sheetnames


def test_summary_writes_its_evidence(sample_ledgers, tmp_path):
    from helpers.run.summary import write_summary

    folder = write_summary(sample_ledgers, 2024, tmp_path, ("html",))
    lines = pd.read_csv(folder / CSV_FILE, encoding="utf-8-sig", dtype=str, keep_default_na=False)
    total, per_unit = district(sample_ledgers, 2024)
    assert len(lines_of(lines, "casework.total", "value")) == total["casework.total"].value
    html = (folder / "report.html").read_text(encoding="utf-8")
    assert 'href="#ev-casework.total-value"' in html and 'id="ev-casework.total-value"' in html


# --------------------------------------------------------------------------- the HTML section


def test_table_links_and_evidence_section(sample_ledgers):
    from helpers.document.report import Report

    report = Report.from_ledgers(sample_ledgers, "yeji-mzj", 2024)
    table = report.appendix_markdown()
    assert '::: {.ev-table keys="activity.central_group_study activity.branch_assembly' in table
    assert "| 信访件总数（件） | 33 | 28 |" in table  # the figures stay plain Markdown; the HTML filter links them
    note = report.data_note_markdown()
    assert '<span id="ev-casework.total-value">' in note and "::: {.evidence #evidence}" in note
    # the paragraphs are HTML already (templates/nianbao.lua passes them on in HTML only)
    assert "~~~~ {.evidence-html}\n<p>台账文件：" in note and "\n<p><strong>" in note
    assert ('<span id="ev-casework.on_time_rate-value">本期100.0%</span>：'
            '<a href="#ev-casework.on_time-value" class="ev">按期答复33件</a>'
            '÷<a href="#ev-casework.due-value" class="ev">应答复（已答复及超期未答复）33件</a>') in note
    assert '<span id="ev-casework.overdue-prior">上年同期1件</span>：casework.csv第27行' in note
    assert cell_link("x", "value", "—") == "—"  # no figure, no link


def test_ledger_text_in_the_evidence_section_stays_text(sample_ledgers):
    from helpers.words.evidence import evidence_markdown

    cw = sample_ledgers.casework.assign(file="<script>x</script>.xlsx", sheet="~~~~ & <b>")
    note = evidence_markdown(sample_ledgers.with_tables(casework=cw), compute_indicators(sample_ledgers, "yeji-mzj", 2024))
    assert "&lt;script&gt;x&lt;/script&gt;.xlsx（工作表~~~~ &amp; &lt;b&gt;）第" in note
    assert "<script>" not in note and "<b>" not in note
    assert sum(line.startswith("~~~~") for line in note.splitlines()) == 2  # nothing in a paragraph closes the block


def test_row_ranges():
    assert row_ranges([5, 2, 3, 4, 8, 10, 11, 3]) == "2–5、8、10–11"
    assert row_ranges([7]) == "7"


# --------------------------------------------------------------------------- nianbao explain


def test_explain_a_rate_lists_numerator_and_denominator_rows():
    proc = run_cli("explain", "--year", "2024", "--unit", "yeji-mzj", "casework.on_time_rate")
    assert proc.returncode == 0, proc.stderr
    out = proc.stdout
    assert "计算方法：按期答复 ÷ 应答复" in out
    assert "【本期】2024年1月1日至2024年12月31日：100.0%" in out and "【上年同期】" in out
    assert "分子：casework.on_time（按期答复）27行" in out and "分母：casework.due（应答复（已答复及超期未答复））28行" in out
    assert out.count("XF-MZJ-2024-001") == 2  # in the numerator and the denominator of this year


def test_explain_a_count_names_the_rule_deadline_and_rows():
    proc = run_cli("explain", "--year", "2024", "--unit", "yeji-mzj", "casework.overdue")
    assert proc.returncode == 0, proc.stderr
    assert "60天（经批准延期的90天）" in proc.stdout
    assert "计入的台账记录1行" in proc.stdout and "XF-MZJ-2023-001" in proc.stdout
    assert "casework.csv  27" in proc.stdout


def test_explain_unknown_indicator_suggests_the_nearest():
    proc = run_cli("explain", "--year", "2024", "--unit", "yeji-mzj", "casework.ontime")
    assert proc.returncode == 2
    assert "casework.on_time" in proc.stderr and "不存在" in proc.stderr


def test_explain_summary(sample_ledgers):
    from helpers.run.explain import explain

    text = explain(sample_ledgers, "_summary", 2024, "casework.total")
    total, _ = district(sample_ledgers, 2024)
    assert f"计入的台账记录{total['casework.total'].value}行" in text
    assert "承办单位" in text  # the summary's rows name their unit


# --------------------------------------------------------------------------- random ledgers

UNITS = ("u-a", "u-b")
DAY0 = date(2022, 1, 1)
day = st.integers(0, 3 * 366).map(lambda n: DAY0 + timedelta(days=n))
activity = st.tuples(st.sampled_from(UNITS), day, st.sampled_from([*schema.CATEGORIES, "组织生活会", "支委会"]),
                     st.booleans())  # True: a date that cannot be read (set aside)
case = st.tuples(st.sampled_from(UNITS + ("u-none",)), day, st.one_of(st.none(), st.integers(-5, 120)),
                 st.sampled_from(["是", "否"]), st.sampled_from(["无", "到市", "赴省", "进京"]),
                 st.sampled_from(["", "满意", "基本满意", "不满意"]))
village = st.tuples(st.sampled_from(UNITS), st.one_of(st.none(), day))


def _write(folder: Path, acts, cases, villages) -> None:
    pd.DataFrame({"unit_id": UNITS, "unit_name": ["甲单位", "乙单位"]}).to_csv(folder / "units.csv", index=False)
    pd.DataFrame([{"单位": u, "日期": "2023-13-45" if bad else d.isoformat(), "类别": c}
                  for u, d, c, bad in acts]).to_csv(folder / "activities.csv", index=False)
    pd.DataFrame([{"信访编号": f"XF-{i}", "承办单位": u, "收到日期": d.isoformat(),
                   "答复日期": "" if lag is None else (d + timedelta(days=lag)).isoformat(),
                   "是否延期": ext, "越级情况": esc, "满意度": sat}
                  for i, (u, d, lag, ext, esc, sat) in enumerate(cases)]).to_csv(folder / "casework.csv", index=False)
    pd.DataFrame([{"单位": u, "村（社区）": f"{u}村{i}", "建成日期": "" if d is None else d.isoformat()}
                  for i, (u, d) in enumerate(villages)]).to_csv(folder / "coverage.csv", index=False)


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(acts=st.lists(activity, min_size=1, max_size=30), cases=st.lists(case, min_size=1, max_size=30),
       villages=st.lists(village, min_size=1, max_size=8), month=st.integers(1, 12))
def test_random_ledgers_are_traceable(acts, cases, villages, month):
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        _write(folder, acts, cases, villages)
        ledgers = validate(folder)
        rejected = set(zip(ledgers.rejected["file"], ledgers.rejected["row"].astype(int)))
        for unit in UNITS:
            for year in ledgers.years(unit):
                as_of = date(year, month, 28)
                lines = assert_traceable(ledgers, compute_indicators(ledgers, unit, year, as_of))
                assert not rejected & set(zip(lines["file"], lines["row"].astype(int)))
                assert set(lines["unit"]) <= {unit}
        years = ledgers.years()
        if years:
            units = [u for u in UNITS if years[-1] in ledgers.years(u)]
            total = compute_indicators(pooled(ledgers, units), "_summary", years[-1])
            assert_traceable(ledgers, total)



# --------------------------------------------------------------------------- a built report


@pytest.mark.render
def test_built_report_has_evidence_in_html_only(built_report):
    import json
    import subprocess
    import zipfile

    figures = json.loads((built_report / "indicators.json").read_text(encoding="utf-8"))["indicators"]
    lines = pd.read_csv(built_report / CSV_FILE, encoding="utf-8-sig", dtype=str, keep_default_na=False)
    for key in ("casework.total", "casework.on_time", "activity.party_lecture", "coverage.covered"):
        for span in ("value", "prior"):
            assert len(lines_of(lines, key, span)) == figures[key][span]
    assert (built_report / XLSX_FILE).is_file()
    html = (built_report / "report.html").read_text(encoding="utf-8")
    assert '<a href="#ev-casework.total-value" class="ev">33</a>' in html
    assert 'id="ev-casework.total-value"' in html and "核对明细" in html
    assert "vnd.nianbao.evidence" not in (built_report / "report.ipynb").read_text(encoding="utf-8")  # the engine's
    pdf = subprocess.run(["pdftotext", str(built_report / "report.pdf"), "-"], capture_output=True, text=True).stdout
    with zipfile.ZipFile(built_report / "report.docx") as z:
        docx = z.read("word/document.xml").decode("utf-8")
    for text in (pdf, docx):
        assert "核对明细" not in text and "ev-casework" not in text and "casework.csv第" not in text
    assert "<w:hyperlink" not in docx


# --------------------------------------------------------------------------- from the kernel to the engine


def test_evidence_from_the_rows_the_kernel_published_is_the_same(sample_ledgers, tmp_path):
    import json

    from helpers.words.evidence import from_published, published_rows

    ind = compute_indicators(sample_ledgers, "yeji-mzj", 2024)
    doc = json.loads(json.dumps(published_rows(ind, "d1")))  # as it crosses from the kernel
    assert from_published(doc, replace(sample_ledgers, digest="d2")) is None  # other ledgers: computed again
    figures = from_published(doc, replace(sample_ledgers, digest="d1"))
    for key, item in ind.with_bases().items():
        assert figures.with_bases()[key] == item and figures.with_bases()[key].evidence.keys() == item.evidence.keys()
        for span, rows in item.evidence.items():
            assert figures.with_bases()[key].evidence[span].equals(rows), (key, span)
    for folder, figs in ((tmp_path / "a", ind), (tmp_path / "b", figures)):
        folder.mkdir()
        write_evidence(folder, sample_ledgers, figs)
    assert (tmp_path / "a" / CSV_FILE).read_bytes() == (tmp_path / "b" / CSV_FILE).read_bytes()


@pytest.mark.parametrize("kind, sheets", [("integrity", ["指标", "纪律教育"]),
                                          ("ideology", ["指标", "组织生活", "信访", "宣传", "覆盖"]),
                                          ("casework", ["指标", "信访"])])
def test_a_reports_workbook_has_a_sheet_only_for_the_tables_it_counts_from(sample_ledgers, tmp_path, kind, sheets):
    """An integrity report's 核对表 has no empty 信访 or 组织生活 sheet: only the tables its figures come from."""
    from openpyxl import load_workbook

    from helpers.figures.kinds import get

    ind = compute_indicators(sample_ledgers, "yeji-mzj", 2024)
    mine = ind.only(get(kind).chosen(ind.items))
    _csv, xlsx = write_evidence(tmp_path, sample_ledgers, mine, {k: v.as_json() for k, v in mine.items.items()})
    wb = load_workbook(xlsx, read_only=True)
    assert wb.sheetnames == sheets
    for name in sheets[1:]:
        assert wb[name].max_row > 1, name  # each with its rows


def test_every_ledger_table_words_its_own_evidence():
    """Each table of the registry has its evidence words; a counted table's come with it (nothing to write)."""
    from helpers.words.evidence import TABLE_EVIDENCE, table_columns

    assert set(TABLE_EVIDENCE) == set(schema.LEDGER_TABLES)
    assert table_columns("casework")[-3:] == ["repeat_of", "deadline", "days_taken"]
    assert table_columns("discipline") == [c.name for c in schema.TABLES["discipline"].columns]


def test_a_counted_tables_workbook_names_its_kinds_and_how_each_is_counted(sample_ledgers, tmp_path):
    """The 纪律教育 sheet shows 廉政谈话, not its code; the 指标 sheet says what each 纪律教育 figure counts."""
    from openpyxl import load_workbook

    from helpers.figures.kinds import get

    ind = compute_indicators(sample_ledgers, "yeji-mzj", 2024)
    mine = ind.only(get("integrity").chosen(ind.items))
    _csv, xlsx = write_evidence(tmp_path, sample_ledgers, mine)
    wb = load_workbook(xlsx, read_only=True)
    rows = list(wb["纪律教育"].values)
    kinds = {r[rows[0].index("类别")] for r in rows[1:]}
    names = [label for label, _aliases in schema.counted_categories(schema.TABLES["discipline"]).values()]
    assert kinds and kinds <= set(names), kinds  # as the clerk wrote them, never a code
    methods = {r[0]: r[7] for r in list(wb["指标"].values)[1:]}
    assert methods["integrity.total"] == "纪律教育台账中日期在统计区间内的记录条数（各类纪律教育活动合计）"
    assert methods["integrity.integrity_talk"].startswith("纪律教育台账中日期在统计区间内、类别为“廉政谈话”")

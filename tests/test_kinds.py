"""Report kinds and periods: half-year and quarterly reports, the 信访 report, a third kind in three files."""

from __future__ import annotations

import csv
import json
import shutil
from datetime import date
from pathlib import Path

import pytest

from conftest import ROOT, run_cli
from helpers.document.report import Report
from helpers.figures.indicators import compute_indicators
from helpers.figures.kinds import get, kinds, parse_kinds
from helpers.figures.periods import Period, parse_period
from helpers.read.ledgers import load_ledgers
from helpers.settings import paths
from helpers.settings.errors import ParameterError

# --------------------------------------------------------------------------- periods


@pytest.mark.parametrize("code, label, words, start, end", [
    ("year", "2024", "2024年度", date(2024, 1, 1), date(2024, 12, 31)),
    ("H1", "2024-H1", "2024年上半年", date(2024, 1, 1), date(2024, 6, 30)),
    ("H2", "2024-H2", "2024年下半年", date(2024, 7, 1), date(2024, 12, 31)),
    ("Q1", "2024-Q1", "2024年第一季度", date(2024, 1, 1), date(2024, 3, 31)),
    ("Q3", "2024-Q3", "2024年第三季度", date(2024, 7, 1), date(2024, 9, 30)),
])
def test_period_names_and_days(code, label, words, start, end):
    p = Period(2024, code)
    assert (p.label, p.words, p.start, p.end) == (label, words, start, end)


@pytest.mark.parametrize("code, before", [("year", None), ("H1", Period(2023, "H2")), ("H2", Period(2024, "H1")),
                                           ("Q1", Period(2023, "Q4")), ("Q3", Period(2024, "Q2"))])
def test_previous_period_is_the_one_just_before(code, before):
    assert Period(2024, code).previous() == before


def test_period_codes_are_checked_in_chinese():
    assert parse_period("h1") == "H1" and parse_period(None) == "year"
    with pytest.raises(ParameterError, match="不是可用的期间"):
        parse_period("Q5")
    with pytest.raises(ParameterError, match="不在报告期间2024年第三季度"):
        Period(2024, "Q3").resolve_as_of("2024-10-01")
    assert Period(2024, "Q3").resolve_as_of(None) == date(2024, 9, 30)


@pytest.mark.parametrize("code, as_of, per_year, due", [
    ("H1", date(2024, 6, 30), 12, 6), ("H1", date(2024, 6, 30), 4, 2), ("H1", date(2024, 6, 30), 2, 1),
    ("H1", date(2024, 6, 30), 1, 0),  # a yearly rule is not due in the first half
    ("Q3", date(2024, 9, 30), 12, 3), ("Q3", date(2024, 9, 30), 4, 1), ("Q3", date(2024, 9, 30), 2, 0),
    ("Q3", date(2024, 8, 31), 4, 0),  # the quarter is still open
    ("H2", date(2024, 12, 31), 2, 1), ("year", date(2024, 11, 30), 12, 11),
])
def test_minimums_are_prorated_to_the_period(code, as_of, per_year, due):
    assert Period(2024, code).closed_rule_periods(per_year, as_of) == due


def test_a_period_may_carry_its_year(tmp_path):
    from helpers.run.build import parse_periods, plan

    assert parse_periods("year,2024-h1") == ["year", "2024-H1"]
    jobs = plan(load_ledgers(), "yeji-mzj", "all", None, tmp_path, ("html",), kinds="all", periods="year,2024-H1")
    names = [job.name for job in jobs]
    assert names == [f"{p}/{k}/yeji-mzj" for p in ("2022", "2023", "2024", "2024-H1")
                     for k in ("ideology", "casework", "integrity")]
    with pytest.raises(ParameterError, match="不是可用的期间"):
        parse_periods("2024-H3")


# --------------------------------------------------------------------------- figures counted by hand


def _hand_count(unit_name: str, start: date, end: date) -> int:
    """Petitions of one unit received in [start, end], read with the csv module from the GB18030 file."""
    n = 0
    with open(ROOT / "data" / "casework.csv", encoding="gb18030", newline="") as fh:
        for row in csv.DictReader(fh):
            y, m, d = (int(x) for x in row["收到日期"].split("/"))
            if row["承办单位"] == unit_name and start <= date(y, m, d) <= end:
                n += 1
    return n


def _day(text: str) -> date:
    """2024-03-05, 2024/3/5 or 2024年3月5日, as the sample ledger is typed."""
    y, m, d = (int(x) for x in text.replace("年", "-").replace("月", "-").replace("日", "").replace("/", "-").split("-"))
    return date(y, m, d)


def _hand_activities(units: tuple[str, ...], spellings: tuple[str, ...], start: date, end: date) -> int:
    """Activities of a unit (by id or name) typed with any of ``spellings``, as a clerk would count them."""
    with open(ROOT / "data" / "activities.csv", encoding="utf-8-sig", newline="") as fh:
        return sum(1 for row in csv.DictReader(fh)
                   if row["单位"] in units and row["类别"] in spellings and start <= _day(row["日期"]) <= end)


@pytest.mark.parametrize("period, value, prior, previous", [
    ("H1", (date(2024, 1, 1), date(2024, 6, 30)), (date(2023, 1, 1), date(2023, 6, 30)),
     (date(2023, 7, 1), date(2023, 12, 31))),
    ("Q3", (date(2024, 7, 1), date(2024, 9, 30)), (date(2023, 7, 1), date(2023, 9, 30)),
     (date(2024, 4, 1), date(2024, 6, 30))),
])
def test_tongbi_and_huanbi_equal_a_count_by_hand(period, value, prior, previous):
    ind = compute_indicators(load_ledgers(), "yeji-mzj", 2024, period=period)
    spans = {"value": value, "prior": prior, "previous": previous}
    total, days = ind["casework.total"], ind["activity.theme_party_day"]
    mzj, spellings = ("yeji-mzj", "叶集区民政局"), ("主题党日", "主题党日活动")
    for span, (start, end) in spans.items():
        assert total.figure(span) == _hand_count("叶集区民政局", start, end), span
        assert days.figure(span) == _hand_activities(mzj, spellings, start, end), span
    doc = ind.as_json("casework")
    assert (doc["period"], doc["kind"]) == (period, "casework")
    assert doc["indicators"]["casework.total"]["previous"] == total.previous


def test_a_year_report_has_no_previous():
    doc = compute_indicators(load_ledgers(), "yeji-mzj", 2024).as_json("ideology")
    assert "previous" not in doc["indicators"]["casework.total"]


def test_channels_add_up_to_the_total():
    ind = compute_indicators(load_ledgers(), "yeji-mzj", 2024, period="H1")
    channels = [i for k, i in ind.items.items() if k.startswith("casework.channel.")]
    assert sum(i.value for i in channels) == ind["casework.total"].value
    assert sum(i.previous for i in channels) == ind["casework.total"].previous


# --------------------------------------------------------------------------- the words of each kind and period


def test_titles_say_the_period():
    led = load_ledgers()
    q3 = Report.from_ledgers(led, "yeji-mzj", 2024, kind="ideology", period="Q3")
    assert q3.title() == "中共六安市叶集区民政局党组2024年第三季度意识形态工作分析研判报告"
    h1 = Report.from_ledgers(led, "yeji-mzj", 2024, kind="casework", period="H1")
    assert h1.title() == "叶集区民政局2024年上半年信访工作情况报告"
    year = Report.from_ledgers(led, "yeji-mzj", 2024, kind="ideology")
    assert year.title() == "中共六安市叶集区民政局党组2024年度意识形态工作专题报告"


def test_half_year_text_says_huanbi_and_the_next_half():
    r = Report.from_ledgers(load_ledgers(), "yeji-mzj", 2024, kind="casework", period="H1")
    body = r.body_markdown()
    assert "上半年共收到群众来信来访" in body and "环比" in body
    assert "# 四、下半年工作措施" in body
    table = r.appendix_markdown()
    assert "表1　主要指标同比情况" in table and "表2　信访事项受理办结情况" in table and "表3　主要指标环比情况" in table
    assert "| 指标 | 本期 | 上期 | 增减 | 增幅 |" in table
    assert "与上期（2023年下半年，7月1日至12月31日）相比" in table


def test_no_huanbi_table_before_the_first_ledger_period():
    led = load_ledgers()  # the sample's ledgers start in January 2022
    q1 = Report.from_ledgers(led, "yeji-mzj", 2022, kind="casework", period="Q1")
    assert q1.indicators["casework.total"].previous is None and "环比情况" not in q1.appendix_markdown()
    q2 = Report.from_ledgers(led, "yeji-mzj", 2022, kind="casework", period="Q2")
    assert "主要指标环比情况" in q2.appendix_markdown()


def test_casework_report_gives_what_the_domain_notes_list():
    r = Report.from_ledgers(load_ledgers(), "yeji-mzj", 2024, kind="casework")
    body, appendix = r.body_markdown(), r.appendix_markdown()
    for words in ("从信访形式看", "从反映的问题看", "按期答复率", "参评率", "群众满意率", "越级"):
        assert words in body, words
    for caption in ("信访形式分布", "反映问题类别分布", "信访件按月收件情况"):
        assert caption in appendix, caption
    assert [c.caption[:6] for c in r.charts()] == ["群众来信来访", "信访形式分布"]  # by month, by channel


def test_problems_come_from_the_kinds_declaration():
    led = load_ledgers()
    for kid in kinds():
        r = Report.from_ledgers(led, "yeji-mzj", 2024, kind=kid)
        declared = {f for part in r.kind.body for f in part.problems}
        assert declared, kid
    with pytest.raises(ParameterError, match="不是已声明的报告类别"):
        get("budget")
    assert parse_kinds("all") == list(kinds())


def test_prose_files_by_kind_and_period(tmp_path):
    data = tmp_path / "data"
    shutil.copytree(ROOT / "data", data)
    own = data / "narrative" / "yeji-mzj"
    assert get("ideology").prose_file(data, "yeji-mzj", 2024) == own / "2024.md"
    # a half-year report does not take the year's text; the casework report has its own
    assert paths.is_generic_prose(get("ideology").prose_file(data, "yeji-mzj", 2024, "H1"))
    assert get("casework").prose_file(data, "yeji-mzj", 2024).name == "casework.md"
    (own / "2024-H1.casework.md").write_text("## 开篇\n\n上半年情况。\n", encoding="utf-8")
    assert get("casework").prose_file(data, "yeji-mzj", 2024, "H1") == own / "2024-H1.casework.md"
    (own / "2024.budget.md").write_text("## 开篇\n\n文字。\n", encoding="utf-8")
    proc = run_cli("validate", "--data", str(data))
    assert proc.returncode == 2 and "“budget”不是已声明的报告类别" in proc.stdout + proc.stderr


# --------------------------------------------------------------------------- end to end


@pytest.mark.render
def test_build_every_kind_for_a_half_year(tmp_path):
    out = tmp_path / "out"
    proc = run_cli("build", "--kind", "all", "--year", "2024", "--period", "H1", "--unit", "yeji-mzj",
                   "--out", str(out))
    assert proc.returncode == 0, proc.stdout + proc.stderr
    for kind, title in (("ideology", "中共六安市叶集区民政局党组2024年上半年意识形态工作情况报告"),
                        ("casework", "叶集区民政局2024年上半年信访工作情况报告")):
        folder = out / "2024-H1" / kind / "yeji-mzj"
        doc = json.loads((folder / "indicators.json").read_text(encoding="utf-8"))
        assert (doc["kind"], doc["period"], doc["title"]) == (kind, "H1", title)
        total = doc["indicators"]["casework.total"]
        assert total["value"] == _hand_count("叶集区民政局", date(2024, 1, 1), date(2024, 6, 30))
        assert total["previous"] == _hand_count("叶集区民政局", date(2023, 7, 1), date(2023, 12, 31))
        for name in ("report.html", "report.pdf", "report.docx", "evidence.csv"):
            assert (folder / name).is_file(), name
        with open(folder / "evidence.csv", encoding="utf-8-sig", newline="") as fh:
            lines = [row for row in csv.DictReader(fh) if row["indicator"] == "casework.total"]
        assert [sum(row["span"] == span for row in lines) for span in ("value", "prior", "previous")] \
            == [total["value"], total["prior"], total["previous"]]
    index = (out / "index.html").read_text(encoding="utf-8")
    assert "<h2>意识形态工作报告</h2>" in index and "<h2>信访工作报告</h2>" in index and "2024年上半年" in index
    again = run_cli("build", "--kind", "all", "--year", "2024", "--period", "H1", "--unit", "yeji-mzj",
                    "--out", str(out), "--dry-run")
    assert again.stdout.count("无变化") == 3, again.stdout  # ideology, casework, integrity


def test_explain_gives_the_previous_period_rows():
    proc = run_cli("explain", "--year", "2024", "--period", "Q3", "--kind", "casework", "--unit", "yeji-mzj",
                   "casework.total")
    assert proc.returncode == 0, proc.stderr
    previous = _hand_count("叶集区民政局", date(2024, 4, 1), date(2024, 6, 30))
    assert "2024年第三季度信访工作报告" in proc.stdout
    assert f"【上期】2024年4月1日至2024年6月30日：{previous}件" in proc.stdout


@pytest.mark.render
def test_a_third_kind_touches_three_files(tmp_path):
    """As the README shows: a notebook, a declaration in config/kinds.yml, and the kind's prose."""
    project = tmp_path / "proj"
    assert run_cli("init", str(project), "--project", "--year", "2024").returncode == 0
    env = {"NIANBAO_ROOT": str(project)}
    # 1. the notebook: a copy of another kind's, with its kind changed
    nb = (project / "notebooks" / "casework.ipynb").read_text(encoding="utf-8")
    (project / "notebooks" / "publicity.ipynb").write_text(nb.replace('kind=\\"casework\\"', 'kind=\\"publicity\\"'),
                                                            encoding="utf-8")
    # 2. the declaration
    with open(project / "config" / "kinds.yml", "a", encoding="utf-8") as fh:
        fh.write("""
publicity:
  name: 宣传工作
  notebook: notebooks/publicity.ipynb
  issuer: unit_name
  title: {year: 宣传工作情况报告, half: 宣传工作情况报告, quarter: 宣传工作情况报告}
  body:
    - section: 开篇
    - heading: 主要做法
      section: 主要做法
    - heading: "{next}工作打算"
      section: 工作打算
  figures: [publicity.*]
  headline: [publicity.total, publicity.outlets]
  appendix: [indicators, ring, trend]
""")
    # 3. the prose
    (project / "prose").mkdir()
    (project / "prose" / "publicity.md").write_text(
        "## 开篇\n\n{period}宣传工作情况如下。\n\n## 主要做法\n\n{text.publicity}\n\n## 工作打算\n\n继续做好宣传。\n",
        encoding="utf-8")
    proc = run_cli("build", "--kind", "publicity", "--year", "2024", "--unit", "all", "--formats", "html",
                   cwd=project, env=env)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    units = [p.name for p in (project / "output" / "2024" / "publicity").iterdir() if p.is_dir()]
    assert "_summary" in units and len(units) == 3
    unit = next(u for u in units if u != "_summary")
    doc = json.loads((project / "output" / "2024" / "publicity" / unit / "indicators.json").read_text("utf-8"))
    assert doc["title"].endswith("2024年度宣传工作情况报告")
    assert set(doc["indicators"]) == {"publicity.total", "publicity.outlets"}
    html = (project / "output" / "2024" / "publicity" / unit / "report.html").read_text(encoding="utf-8")
    assert "一、主要做法" in html and "二、2025年工作打算" in html and "宣传报道" in html
    assert "<h2>宣传工作报告</h2>" in (project / "output" / "index.html").read_text(encoding="utf-8")


def test_every_declared_kind_has_its_notebook_and_prose():
    for kind in kinds().values():
        assert kind.notebook.is_file(), kind.notebook_path
        assert kind.generic_prose().is_file(), kind.id
        text = kind.notebook.read_text(encoding="utf-8")
        assert f'kind=\\"{kind.id}\\"' in text, kind.id
        assert Path(kind.notebook_path).name == f"{kind.id}.ipynb"

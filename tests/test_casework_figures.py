"""The 信访 report as petition offices write it: 及时受理率, 按期办结率, 办结率, 重复信访, 复查复核.

Ten petitions, each with what a careful clerk counts by hand (in the comments),
for the year, the first half and the third quarter of 2024.
"""

from __future__ import annotations

import pickle

import pytest

from corpus import Case
from helpers.figures.indicators import compute_indicators
from helpers.read.ledgers import load_ledgers, validate
from helpers.settings import paths

HEAD = "信访编号,承办单位,收到日期,受理日期,答复日期,办结日期,是否延期,问题类别,姓名,身份证号,联系电话,复查复核"
P1 = "王某一,341502198001011234,13900000001"   # known by ID number
P2 = "李某二,,13900000002"                      # no ID number: name + phone
P3 = "赵某三,341502198001013456,13900000003"
P5 = "钱某五,341502198001015678,13900000005"
CASES = [
    # 2023 (the prior span)
    f"Z1,u-1,2023-05-01,2023-05-03,2023-05-20,2023-05-20,否,社会救助,{P1},",  # accepted in 2 days
    f"Z2,u-1,2023-08-01,2023-08-30,2023-09-10,,否,婚姻登记,{P5},",           # accepted in 29 days: late
    # 2024
    f"A1,u-1,2024-01-05,2024-01-10,2024-02-01,2024-02-01,否,社会救助,{P1},",  # repeat of Z1 (same person, matter)
    f"A2,u-1,2024-02-01,2024-02-25,2024-03-20,2024-03-25,否,社会救助,{P1},",  # accepted late (24 d); repeat of A1
    f"A3,u-1,2024-03-10,2024-03-12,2024-06-01,2024-06-05,否,养老服务,{P2},",  # closed 85 d after acceptance: late
    f"A4,u-1,2024-04-02,2024-04-05,2024-06-20,,是,养老服务,{P2},",            # extended (90 d): on time; repeat of A3
    f"A5,u-1,2024-07-01,,,,否,殡葬管理,{P3},申请复查，维持原处理意见",          # never accepted, pending, overdue
    f"A6,u-1,2024-08-15,2024-08-20,2024-09-01,2024-09-01,否,殡葬管理,{P3},",  # repeat of A5
    f"A7,u-1,2024-09-10,2024-09-12,2024-09-30,,否,社会救助,{P3},",            # P3 on another matter: first time
    f"A8,u-1,2024-12-20,,,,否,社会救助,{P1},申请复核",                         # not due yet; repeat of A2
]
LEDGER = HEAD + "\n" + "\n".join(CASES) + "\n"

# (value, prior) by period, counted by hand from the comments above
EXPECTED = {
    "year": {"casework.total": 8, "casework.accepted_on_time": 5, "casework.acceptance_rate": 71.4,
             "casework.closed": 6, "casework.closing_rate": 75.0, "casework.closed_on_time": 5,
             "casework.closed_on_time_rate": 71.4, "casework.repeat": 5, "casework.repeat_rate": 62.5,
             "casework.first_time_rate": 37.5, "casework.reviews": 2, "casework.review_upheld": 1},
    "H1": {"casework.total": 4, "casework.accepted_on_time": 3, "casework.acceptance_rate": 75.0,
           "casework.closed": 4, "casework.closing_rate": 100.0, "casework.closed_on_time": 3,
           "casework.closed_on_time_rate": 75.0, "casework.repeat": 3, "casework.reviews": 0},
    "Q3": {"casework.total": 3, "casework.accepted_on_time": 2, "casework.acceptance_rate": 66.7,
           "casework.closed": 2, "casework.closing_rate": 66.7, "casework.closed_on_time": 2,
           "casework.closed_on_time_rate": 66.7, "casework.repeat": 1, "casework.reviews": 1,
           "casework.review_upheld": 1},
}


@pytest.fixture(scope="module")
def ledgers(tmp_path_factory):
    return validate(Case("cw", {"casework.csv": LEDGER}).write(tmp_path_factory.mktemp("cw") / "d"))


@pytest.mark.parametrize("period", list(EXPECTED))
def test_figures_equal_the_hand_count(ledgers, period):
    assert ledgers.rejected.empty, ledgers.rejected.to_dict("records")
    ind = compute_indicators(ledgers, "u-1", 2024, period=period)
    got = {k: ind.items[k].value for k in EXPECTED[period]}
    assert got == EXPECTED[period]


def test_prior_figures_and_the_repeat_links(ledgers):
    ind = compute_indicators(ledgers, "u-1", 2024)
    assert ind.items["casework.acceptance_rate"].prior == 50.0  # Z1 on time, Z2 late
    assert ind.items["casework.repeat"].prior == 0
    links = ledgers.casework.set_index("case_id")["repeat_of"].to_dict()
    assert links == {"Z1": "", "Z2": "", "A1": "Z1", "A2": "A1", "A3": "", "A4": "A3", "A5": "", "A6": "A5",
                     "A7": "", "A8": "A2"}


def test_the_clerks_own_flag_wins(tmp_path):
    head = "信访编号,承办单位,收到日期,问题类别,身份证号,是否重复"
    rows = ["A1,u-1,2024-01-05,社会救助,341502198001011234,否", "A2,u-1,2024-02-05,社会救助,341502198001011234,否",
            "A3,u-1,2024-03-05,养老服务,341502198001019999,重复"]
    ledgers = validate(Case("flag", {"casework.csv": head + "\n" + "\n".join(rows) + "\n"}).write(tmp_path / "d"))
    assert compute_indicators(ledgers, "u-1", 2024).items["casework.repeat"].value == 1  # A3, as the clerk says


def test_a_ledger_without_the_columns_leaves_the_figures_out_and_says_why(tmp_path):
    from helpers.document.report import Report

    ledgers = validate(Case("plain", {}).write(tmp_path / "d"))  # the corpus' casework: no such columns
    report = Report.from_ledgers(ledgers, "u-1", 2024, kind="casework")
    items = report.indicators.items
    assert not {"casework.acceptance_rate", "casework.closed_on_time_rate", "casework.repeat",
                "casework.reviews"} & set(items)
    note = report.data_note_markdown()
    assert "及时受理率无法统计" in note and "重复信访无法统计" in note
    assert "casework.acceptance_rate" not in report.indicators.as_json("casework")["indicators"]


def test_the_report_states_the_figures_in_house_phrasing(ledgers):
    from helpers.document.report import Report

    body = Report.from_ledgers(ledgers, "u-1", 2024, kind="casework").body_markdown()
    assert "15日内书面告知受理5件，及时受理率71.4%，同比提高21.4个百分点" in body
    assert "按期办结5件，按期办结率71.4%" in body and "重复信访5件" in body
    assert "受理告知不够及时" in body and "有2件信访事项未在收到后15日内书面告知是否受理" in body
    assert "重复信访有所增加" in body


def test_no_petitioner_value_in_the_ledgers_or_their_cache(tmp_path, monkeypatch):
    data = Case("cache", {"casework.csv": LEDGER}).write(tmp_path / "d")
    monkeypatch.setattr(paths, "CACHE_DIR", tmp_path / "cache")
    ledgers = load_ledgers(data)
    assert "_person" not in ledgers.casework.columns
    raw = b"".join(p.read_bytes() for p in (tmp_path / "cache").glob("*"))
    assert raw and pickle.loads(next((tmp_path / "cache").glob("ledgers-*.pkl")).read_bytes()) is not None
    for value in ("王某一", "341502198001011234", "13900000001", "李某二", "13900000002"):
        assert value.encode() not in raw and value.encode("gb18030") not in raw


def _sample_rows() -> list[dict]:
    import csv
    import io

    text = (paths.DATA_DIR / "casework.csv").read_bytes().decode("gb18030")
    return list(csv.DictReader(io.StringIO(text)))


def _day(text: str):
    import datetime as dt

    return dt.date(*map(int, text.split("/"))) if text else None


@pytest.mark.parametrize("unit,name", [("yeji-mzj", "叶集区民政局"), ("yeji-rsj", "叶集区人力资源和社会保障局")])
def test_the_sample_units_figures_equal_a_count_made_with_the_csv_module(unit, name):
    """The sample's 2024 信访 figures, counted line by line from the GB18030 ledger as a clerk would."""
    import datetime as dt

    rows = [r for r in _sample_rows() if r["承办单位"] == name]
    as_of = dt.date(2024, 12, 31)
    mine = [r for r in rows if _day(r["收到日期"]).year == 2024]
    accepted = sum(1 for r in mine if r["受理日期"] and (_day(r["受理日期"]) - _day(r["收到日期"])).days <= 15)
    due = sum(1 for r in mine if r["受理日期"] or (as_of - _day(r["收到日期"])).days > 15)
    closed_on_time = 0
    for r in mine:
        done = _day(r["办结日期"] or r["答复日期"])
        start = _day(r["受理日期"] or r["收到日期"])
        if done and done <= as_of and (done - start).days <= (90 if r["是否延期"] == "是" else 60):
            closed_on_time += 1
    seen, repeats = set(), 0
    for r in sorted(rows, key=lambda r: (_day(r["收到日期"]), r["信访编号"])):
        key = (r["身份证号"], r["问题类别"])
        if key in seen and _day(r["收到日期"]).year == 2024:
            repeats += 1
        seen.add(key)
    rated = [r for r in mine if r["满意度"]]
    satisfied = [r for r in rated if r["满意度"] in ("满意", "基本满意")]
    ind = compute_indicators(load_ledgers(), unit, 2024).items
    assert ind["casework.accepted_on_time"].value == accepted
    assert ind["casework.acceptance_rate"].value == round(100 * accepted / due, 1)
    assert ind["casework.closed_on_time"].value == closed_on_time
    assert ind["casework.repeat"].value == repeats
    assert ind["casework.participation_rate"].value == round(100 * len(rated) / len(mine), 1)
    assert ind["casework.satisfaction_rate"].value == round(100 * len(satisfied) / len(rated), 1)

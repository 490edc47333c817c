"""Workbooks as offices keep them: every shape gives the figures a careful person counts.

The petitions below were counted by hand (see the comments); each shape of
the same records — title rows, two-row headers, monthly sheets, .xls, merged
unit cells, ticks, serial dates — must give exactly these figures.
"""

from __future__ import annotations

import datetime as dt
from datetime import date

import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import office_workbooks as ow
from corpus import Case
from helpers.figures.indicators import compute_indicators
from helpers.read.ledgers import validate
from helpers.settings.errors import ColumnMissingError, InputError

D = dt.date
# u-1's petitions of 2024, as_of 2024-12-31; deadline 60 days, 90 when extended.
U1 = [
    ow.case("C01", "u-1", D(2024, 1, 5), D(2024, 1, 20), satisfaction="满意"),              # 15 d, on time
    ow.case("C02", "u-1", D(2024, 1, 18), D(2024, 3, 10), satisfaction="基本满意", channel="来访"),  # 52 d
    ow.case("C03", "u-1", D(2024, 2, 2), D(2024, 4, 20), extended=True, satisfaction="满意"),  # 78 d, extended
    ow.case("C04", "u-1", D(2024, 2, 20), D(2024, 5, 1), satisfaction="不满意"),           # 71 d: late
    ow.case("C05", "u-1", D(2024, 3, 5), D(2024, 3, 15), satisfaction="满意", channel="网上信访"),  # 10 d
    ow.case("C06", "u-1", D(2024, 3, 28), D(2024, 4, 10)),                                  # 13 d, not rated
    ow.case("C07", "u-1", D(2024, 5, 9), D(2024, 6, 1), escalation="到市", satisfaction="满意"),  # 23 d
    ow.case("C08", "u-1", D(2024, 6, 30), D(2024, 7, 15), satisfaction="基本满意"),        # 15 d
    ow.case("C09", "u-1", D(2024, 8, 12), D(2024, 9, 1), satisfaction="满意"),             # 20 d
    ow.case("C10", "u-1", D(2024, 10, 8), D(2024, 11, 20), satisfaction="满意"),           # 43 d
    ow.case("C11", "u-1", D(2024, 11, 25)),                                                 # pending, 36 d
    ow.case("C12", "u-1", D(2024, 9, 1)),                                                   # pending, 121 d: overdue
]
U2 = [ow.case("D01", "u-2", D(2024, 1, 9), D(2024, 1, 30)), ow.case("D02", "u-2", D(2024, 3, 1), D(2024, 3, 9)),
      ow.case("D03", "u-2", D(2024, 3, 2))]
# Counted by hand: 12 received, 10 replied, 9 on time (all but C04), 2 pending (C11, C12),
# 2 overdue (C04 late, C12 pending past 60 days), due = 10 + 1 = 11, rate 9/11 = 81.8 %;
# 1 escalated (C07); rated 9, satisfied 8: 88.9 %; reply days 10,13,15,15,20,23,43,52,71,78: median 21.5.
COUNTED = {"casework.total": 12, "casework.replied": 10, "casework.on_time": 9, "casework.pending": 2,
           "casework.overdue": 2, "casework.on_time_rate": 81.8, "casework.escalated": 1,
           "casework.satisfaction_rate": 88.9, "casework.median_reply_days": 21.5}
ALL = sorted(U1 + U2, key=lambda r: r["收到日期"])

SHAPES = {
    "title rows, two-row header, ticks, merged units, total and footer": lambda: [
        ow.casework_sheet("2024年", sorted(U1 + U2, key=lambda r: r["承办单位"]), ticks=True, merge_units=True,
                          checkmarks=True)],
    "one sheet a month with a 说明 sheet, dates without a year": lambda: ow.monthly(ALL, "收到日期", date_as="month-day"),
    "one sheet a month, datetimes": lambda: ow.monthly(ALL, "收到日期", date_as="datetime", checkmarks=True),
    "serial numbers typed as text, line breaks in headers, no title": lambda: [
        ow.casework_sheet("Sheet1", ALL, title=None, date_as="serial", header_breaks=True, two_row_header=False)],
    "Chinese dates as text, one-row header, no total row": lambda: [
        ow.casework_sheet("台账", ALL, date_as="text", two_row_header=False, total_row=False, footer=False)],
}


def office_folder(tmp_path, sheets, suffix=".xlsx"):
    folder = Case("office", {"casework.csv": None}).write(tmp_path / "data")
    ow.write(folder / f"casework{suffix}", sheets)
    return folder


def figures(folder, unit="u-1"):
    ledgers = validate(folder)
    ind = compute_indicators(ledgers, unit, 2024, date(2024, 12, 31))
    return ledgers, {k: ind[k].value for k in COUNTED}


@pytest.mark.parametrize("suffix", [".xlsx", ".xls"])
@pytest.mark.parametrize("shape", list(SHAPES), ids=list(SHAPES))
def test_every_shape_gives_the_hand_count(tmp_path, shape, suffix):
    folder = office_folder(tmp_path, SHAPES[shape](), suffix)
    ledgers, got = figures(folder)
    assert ledgers.rejected.empty, ledgers.rejected.to_dict("records")
    assert got == COUNTED
    u2 = compute_indicators(ledgers, "u-2", 2024, date(2024, 12, 31))
    assert u2["casework.total"].value == 3 and u2["casework.replied"].value == 2


def test_rows_are_named_as_the_workbook_shows_them(tmp_path):
    folder = office_folder(tmp_path, ow.monthly(ALL, "收到日期"), ".xlsx")
    cases = validate(folder).casework.set_index("case_id")
    # 3 title rows, 2 header rows: a sheet's first record is on row 6; March holds D02, D03, then C05
    assert (cases.loc["C05", ["file", "sheet", "row"]].tolist() == ["casework.xlsx", "2024年3月", 8])
    assert cases.loc["C01", "row"] == 6


def test_skipped_sheets_and_lines_are_named(tmp_path):
    folder = office_folder(tmp_path, ow.monthly(ALL, "收到日期"), ".xlsx")
    notes = validate(folder).notes
    assert any(n.kind == "sheet" and n.sheet == "填表说明" for n in notes)
    lines = [n for n in notes if n.kind == "lines"]
    assert len(lines) == 9  # one total row and one footer line in each of the nine monthly sheets
    assert sum(n.count for n in lines) == 18


def test_the_two_row_header_no_longer_reads_as_zero_percent(tmp_path):
    # The shape of the report that told a committee 0.0 % and 20 overdue.
    folder = office_folder(tmp_path, [ow.casework_sheet("2024年", ALL)], ".xlsx")
    _, got = figures(folder)
    assert got["casework.on_time_rate"] == 81.8 and got["casework.replied"] == 10


def test_personal_columns_never_reach_the_frames_or_messages(tmp_path):
    folder = office_folder(tmp_path, [ow.casework_sheet("2024年", ALL)], ".xlsx")
    ledgers = validate(folder)
    text = ledgers.casework.to_csv() + ledgers.rejected.to_csv() + repr(ledgers.notes)
    assert "王某" not in text and "13800000" not in text and "341502" not in text


# ----------------------------------------------------------------- other tables


def test_office_category_names_counted_and_unknown_listed(tmp_path):
    rows = [("u-1", D(2024, m, 3), "党组理论学习中心组学习", "学习", 12) for m in (1, 2, 3)]
    rows += [("u-1", D(2024, m, 8), "三会一课—支部党员大会", "党员大会", 20) for m in (3, 6)]
    rows += [("u-1", D(2024, 4, 9), "书记讲党课", "党课", "全体党员"),
             ("u-1", D(2024, 5, 9), "支部委员会会议", "支委会", 5), ("u-1", D(2024, 6, 9), "支部委员会会议", "支委会", 5),
             ("u-1", D(2024, 7, 9), "组织生活会", "民主评议", 18)]
    folder = Case("acts", {"activities.csv": None}).write(tmp_path / "data")
    ow.write(folder / "activities.xlsx", [ow.activities_sheet("2024年", rows)])
    ledgers = validate(folder)
    assert ledgers.rejected.empty, ledgers.rejected.to_dict("records")
    ind = compute_indicators(ledgers, "u-1", 2024, date(2024, 12, 31))
    assert [ind[f"activity.{c}"].value for c in ("central_group_study", "branch_assembly", "party_lecture",
                                                   "branch_committee")] == [3, 2, 1, 2]
    assert ledgers.unknown_categories("u-1") == {"组织生活会": 1}
    assert any(n.kind == "category" and "组织生活会" in n.message and n.count == 1 for n in ledgers.notes)
    counts = ledgers.activities.set_index("category")["participants"]
    assert counts["central_group_study"].tolist() == [12, 12, 12]  # 12人 reads as 12
    assert pd.isna(counts["party_lecture"])  # 全体党员: empty, with a note, and the meeting still counts
    assert any(n.kind == "count" and "参加人数" in n.message for n in ledgers.notes)
    assert any(n.kind == "lines" and n.count == 1 for n in ledgers.notes)  # the 小计 row


def test_coverage_total_row_is_not_a_village(tmp_path):
    villages = [("甲村", D(2023, 5, 1)), ("乙村", D(2024, 3, 1)), ("丙社区", D(2024, 6, 1)), ("丁村", D(2024, 8, 1)),
                ("戊村", None)]
    folder = Case("cov", {"coverage.csv": None}).write(tmp_path / "data")
    ow.write(folder / "coverage.xlsx", [ow.coverage_sheet("Sheet1", "u-1", villages)])
    ledgers = validate(folder)
    assert ledgers.rejected.empty, ledgers.rejected.to_dict("records")
    ind = compute_indicators(ledgers, "u-1", 2024, date(2024, 12, 31))
    assert (ind["coverage.villages"].value, ind["coverage.covered"].value) == (5, 4)
    assert ind["coverage.covered"].prior == 1


def test_publicity_xls_is_read(tmp_path):
    rows = [["单位", "刊发日期", "媒体名称", "媒体级别", "标题"],
            ["u-1", D(2024, 3, 1), "人民网", "中央", "甲"], ["u-1", D(2024, 4, 1), "皖西日报", "市级", "乙"],
            ["u-1", D(2024, 5, 1), "人民网", "中央", "丙"]]
    folder = Case("pub", {"publicity.csv": None}).write(tmp_path / "data")
    ow.write(folder / "publicity.xls", [ow.Sheet("宣传", rows)])
    ind = compute_indicators(validate(folder), "u-1", 2024, date(2024, 12, 31))
    assert ind["publicity.total"].value == 3 and ind["publicity.outlets"].value == 2


def test_tick_columns_with_two_ticks_are_set_aside(tmp_path):
    sheet = ow.casework_sheet("2024年", U1[:3], ticks=True)
    sheet.rows[5][-1] = "√"  # C01 (row 6): 满意 and 不满意 both ticked
    folder = office_folder(tmp_path, [sheet])
    rej = validate(folder).rejected
    assert rej[["sheet", "row", "column"]].values.tolist() == [["2024年", 6, "satisfaction"]]
    assert "勾选了多项" in rej["reason"].iloc[0]


# ----------------------------------------------------------------- what cannot be read stops


def test_a_monthly_sheet_with_a_broken_header_stops_the_build(tmp_path):
    sheets = ow.monthly(ALL, "收到日期")
    march = next(s for s in sheets if s.name == "2024年3月")
    header = march.rows[3]
    header[header.index("收到日期")] = "日期"
    with pytest.raises(ColumnMissingError) as err:
        validate(office_folder(tmp_path, sheets))
    msg = str(err.value)
    assert "casework.xlsx 工作表“2024年3月”" in msg and "第4行像是表头" in msg and "收到日期" in msg


def test_a_hidden_sheet_with_records_stops_the_build(tmp_path):
    sheets = ow.monthly(ALL, "收到日期")
    sheets[2].hidden = True
    with pytest.raises(ColumnMissingError, match="隐藏"):
        validate(office_folder(tmp_path, sheets))


def test_a_sheet_of_records_without_header_stops_the_build(tmp_path):
    sheets = ow.monthly(ALL, "收到日期")
    march = next(s for s in sheets if s.name == "2024年3月")
    del march.rows[3:5]  # its header rows deleted
    march.merges = [m for m in march.merges if m[0] < 3]
    with pytest.raises(ColumnMissingError) as err:
        validate(office_folder(tmp_path, sheets))
    msg = str(err.value)
    assert "工作表“2024年3月”" in msg and "找不到表头" in msg
    assert "王某" not in msg and "1380000" not in msg  # a casework row is never quoted


def test_a_file_named_with_the_tables_chinese_name_is_read(tmp_path):
    folder = Case("near", {"casework.csv": None}).write(tmp_path / "data")
    ow.write(folder / "信访台账.xlsx", [ow.casework_sheet("2024年", ALL)])
    ledgers = validate(folder)
    assert ledgers.files["casework"] == ["信访台账.xlsx"] and len(ledgers.casework) == len(ALL)


def test_a_ledger_whose_name_is_not_a_tables_stops_the_build(tmp_path):
    """Its header says casework, its name does not: never left out in silence."""
    folder = Case("near", {"casework.csv": None}).write(tmp_path / "data")
    ow.write(folder / "casework.xlsx", [ow.casework_sheet("2024年", ALL[:2])])
    ow.write(folder / "2023年登记.xlsx", [ow.casework_sheet("2023年", ALL[2:])])
    with pytest.raises(InputError) as err:
        validate(folder)
    assert "2023年登记.xlsx" in str(err.value) and "casework.xlsx" in str(err.value) and err.value.exit_code == 2


def test_unread_files_are_named(tmp_path):
    folder = Case("extra", {}).write(tmp_path / "data")
    (folder / "旧台账备份.xlsx").write_bytes(b"")
    (folder / "~$casework.xlsx").write_bytes(b"lock")
    notes = {n.file: n.message for n in validate(folder).notes if n.kind == "file"}
    assert "不是任何台账表" in notes["旧台账备份.xlsx"] and "临时文件" in notes["~$casework.xlsx"]
    (folder / "宣传报道.et").write_bytes(b"WPS")
    with pytest.raises(InputError) as err:  # a ledger in a format not read: stops, saying what to do
        validate(folder)
    assert "宣传报道.et" in str(err.value) and "另存为 .xlsx" in str(err.value)


def test_every_whole_file_problem_is_listed_in_one_run(tmp_path):
    folder = Case("many", {"casework.csv": "信访编号,承办单位\nA1,u-1\n",
                           "activities.csv": None, "activities.xlsx": b"PK broken"}).write(tmp_path / "data")
    with pytest.raises(InputError) as err:
        validate(folder)
    msg = str(err.value)
    assert "2处问题" in msg and "casework.csv" in msg and "activities.xlsx" in msg
    assert err.value.exit_code == 2


# ----------------------------------------------------------------- property: same records, any shape

DAY = st.dates(min_value=date(2024, 1, 1), max_value=date(2024, 12, 31))


@st.composite
def petitions(draw):
    n = draw(st.integers(min_value=1, max_value=20))
    out = []
    for i in range(n):
        got = draw(DAY)
        lag = draw(st.one_of(st.none(), st.integers(min_value=0, max_value=120)))
        out.append(ow.case(f"P{i:03d}", draw(st.sampled_from(["u-1", "甲局"])), got,
                           None if lag is None else got + dt.timedelta(days=lag),
                           extended=draw(st.booleans()), escalation=draw(st.sampled_from(["无", "到市", "进京"])),
                           satisfaction=draw(st.sampled_from(["", "满意", "基本满意", "不满意"]))))
    return sorted(out, key=lambda r: r["收到日期"])


def _plain_csv(folder, records):
    rows = [{**r, "收到日期": r["收到日期"].isoformat(), "答复日期": r["答复日期"].isoformat() if r["答复日期"] else "",
             **ow.personal_of(r)} for r in records]
    pd.DataFrame(rows, columns=[*ow.CASE_COLUMNS, *ow.PERSONAL]).to_csv(folder / "casework.csv", index=False)


def _hand_kept(records, *, ditto=False, struck=False, name="2024年") -> ow.Sheet:
    """Records as a clerk keeps them by hand: 同上 for a unit repeated from the row above, and cancelled
    records struck through in place (copies with other ids, which must not count)."""
    rows, styles = [["2024年度信访事项登记台账"], [*ow.CASE_COLUMNS, *ow.PERSONAL]], {}
    previous = None
    for i, r in enumerate(records):
        if struck and i % 3 == 1:
            styles.update({(len(rows), c): "strike" for c in range(len(ow.CASE_COLUMNS))})
            rows.append([f"X{i:03d}", r["承办单位"], r["收到日期"], r["答复日期"] or "", "否", "无", "", "", ""])
        cells = [r[c] if r[c] is not None else "" for c in ow.CASE_COLUMNS]
        cells += [ow.personal_of(r)[c] for c in ow.PERSONAL]
        if ditto and r["承办单位"] == previous:
            cells[1] = "同上"
        previous = r["承办单位"]
        rows.append(cells)
    rows.append(["合计", f"{len(records)}件"])
    return ow.Sheet(name, rows, styles=styles)


SHAPES_BY_HAND = ["title and total", "monthly", "xls", "xls monthly ticks", "ditto and struck rows",
                  "xls ditto and struck rows", "split over two files"]


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(records=petitions(), shape=st.sampled_from(SHAPES_BY_HAND))
def test_same_records_same_figures_in_every_office_shape(tmp_path_factory, records, shape):
    plain = Case("plain", {}).write(tmp_path_factory.mktemp("plain"))
    _plain_csv(plain, records)
    office = Case("office", {"casework.csv": None}).write(tmp_path_factory.mktemp("office"))
    if shape == "title and total":
        ow.write(office / "casework.xlsx", [ow.casework_sheet("2024年", records, merge_units=True)])
    elif shape == "monthly":
        ow.write(office / "casework.xlsx", ow.monthly(records, "收到日期", date_as="month-day"))
    elif shape == "xls":
        ow.write(office / "casework.xls", [ow.casework_sheet("2024年", records, checkmarks=True)])
    elif shape == "xls monthly ticks":
        ow.write(office / "casework.xls", ow.monthly(records, "收到日期", ticks=True, date_as="serial"))
    elif shape.endswith("ditto and struck rows"):
        suffix = ".xls" if shape.startswith("xls") else ".xlsx"
        ow.write(office / f"casework{suffix}", [_hand_kept(records, ditto=True, struck=True)])
    else:  # the first half-year in one file, the second in another named for the ledger
        first = [r for r in records if r["收到日期"].month <= 6]
        second = [r for r in records if r["收到日期"].month > 6]
        for name, part in (("casework.xlsx", first), ("信访台账（下半年）.xlsx", second)):
            if part:
                ow.write(office / name, [_hand_kept(part)])
    want = compute_indicators(validate(plain), "u-1", 2024, date(2024, 12, 31)).as_json()
    got = compute_indicators(validate(office), "u-1", 2024, date(2024, 12, 31)).as_json()
    assert got["indicators"] == want["indicators"]


# ----------------------------------------------------------------- end to end: a report from office workbooks


@pytest.mark.render
def test_a_report_from_office_workbooks_states_the_hand_count(tmp_path):
    import json

    from conftest import run_cli

    folder = Case("office", {"casework.csv": None, "activities.csv": None, "coverage.csv": None}).write(
        tmp_path / "data")
    ow.write(folder / "casework.xls", ow.monthly(ALL, "收到日期", ticks=True, checkmarks=True, merge_units=True))
    rows = [("u-1", D(2024, m, 3), "党组理论学习中心组学习", "学习", 12) for m in range(1, 13)]
    rows += [("u-1", D(2024, m, 8), "三会一课—支部党员大会", "党员大会", 20) for m in (3, 6, 9, 12)]
    ow.write(folder / "activities.xlsx", [ow.activities_sheet("2024年", rows)])
    ow.write(folder / "coverage.xlsx", [ow.coverage_sheet("Sheet1", "u-1", [("甲村", D(2023, 5, 1)), ("乙村", None)])])
    proc = run_cli("build", "--year", "2024", "--unit", "u-1", "--data", str(folder), "--out", str(tmp_path / "o"),
                   "--formats", "html")
    assert proc.returncode == 0, proc.stdout + proc.stderr
    report = tmp_path / "o" / "2024" / "ideology" / "u-1"
    ind = json.loads((report / "indicators.json").read_text(encoding="utf-8"))["indicators"]
    assert {k: ind[k]["value"] for k in COUNTED} == COUNTED
    assert ind["activity.central_group_study"]["value"] == 12 and ind["activity.branch_assembly"]["value"] == 4
    assert (ind["coverage.villages"]["value"], ind["coverage.covered"]["value"]) == (2, 1)
    html = (report / "report.html").read_text(encoding="utf-8")
    assert "共收到群众来信来访12件" in html and "按期答复9件" in html and "按期答复率81.8%" in html
    assert "王某" not in html and "1380000" not in html


def test_a_summary_sheet_repeating_the_monthly_sheets_stops_the_build(tmp_path):
    sheets = ow.monthly(ALL, "收到日期")
    sheets.append(ow.casework_sheet("全年汇总", ALL))  # the same records again: would count each twice
    with pytest.raises(ColumnMissingError) as err:
        validate(office_folder(tmp_path, sheets))
    assert "全年汇总" in str(err.value) and "15条记录中有15条" in str(err.value)


def test_activity_sheets_repeated_without_ids_are_caught(tmp_path):
    rows = [("u-1", D(2024, m, 3), "支部党员大会", "党员大会", 20) for m in (3, 6)]
    folder = Case("acts", {"activities.csv": None}).write(tmp_path / "data")
    ow.write(folder / "activities.xlsx", [ow.activities_sheet("上半年", rows), ow.activities_sheet("汇总", rows)])
    with pytest.raises(ColumnMissingError, match="汇总"):
        validate(folder)


# ----------------------------------------------------------------- shapes an independent tester found


def _sheet_file(folder, name, sheets):
    return ow.write(folder / name, sheets)


def test_total_words_inside_a_record_do_not_drop_it(tmp_path):
    folder = Case("a", {"activities.csv": None}).write(tmp_path / "data")
    _sheet_file(folder, "activities.xlsx", [ow.Sheet("2024年", [
        ["单位", "日期", "类别", "主题", "参加人数"],
        ["u-1", D(2024, 1, 5), "支部党员大会", "学习党章", "共计15人"],
        ["u-1", D(2024, 2, 5), "主题党日", "合计划生育政策宣传", "合计12人"]])])
    ledgers = validate(folder)
    ind = compute_indicators(ledgers, "u-1", 2024, date(2024, 12, 31))
    assert ind["activity.branch_assembly"].value == 1 and ind["activity.theme_party_day"].value == 1
    assert any(n.kind == "count" for n in ledgers.notes)  # 共计15人 is no plain count: noted, not guessed


def test_a_retyped_summary_sheet_is_caught(tmp_path):
    header = ["单位", "日期", "类别", "主题", "参加人数"]
    months = [ow.Sheet("2024年1月", [header, ["u-1", "2024-01-08", "主题党日", "学习", 12],
                                     ["u-1", "2024-01-20", "支部党员大会", "学习", 12]]),
              ow.Sheet("2024年3月", [header, ["u-1", "2024-03-05", "理论学习中心组学习", "学习", 12]])]
    summary = ow.Sheet("2024年全年汇总", [header, ["u-1", "1月8日", "主题党日", "学", None],
                                         ["u-1", "1月20日", "支部党员大会", "学", None],
                                         ["u-1", "3月5日", "理论学习中心组学习", "学", None]])
    folder = Case("b", {"activities.csv": None}).write(tmp_path / "data")
    _sheet_file(folder, "activities.xlsx", [*months, summary])
    with pytest.raises(ColumnMissingError, match="2024年全年汇总"):
        validate(folder)


def test_sheets_with_different_optional_columns_are_read(tmp_path):
    folder = Case("f", {"activities.csv": None}).write(tmp_path / "data")
    _sheet_file(folder, "activities.xlsx", [
        ow.Sheet("2024年1月", [["单位", "日期", "类别", "主题", "参加人数"], ["u-1", "2024-01-08", "主题党日", "学习", 12]]),
        ow.Sheet("2024年2月", [["单位", "日期", "类别"], ["u-1", "2024-02-08", "支部党员大会"]])])
    ind = compute_indicators(validate(folder), "u-1", 2024, date(2024, 12, 31))
    assert ind["activity.theme_party_day"].value == 1 and ind["activity.branch_assembly"].value == 1


@pytest.mark.parametrize("header, column", [("答复时间", "replied_date"), ("办结时间", "replied_date"),
                                            ("是否延期办理", "extended"), ("越级", "escalation")])
def test_common_header_spellings_are_read(tmp_path, header, column):
    folder = Case("c", {"casework.csv": None}).write(tmp_path / "data")
    value = {"replied_date": "2024-02-05", "extended": "是", "escalation": "到市"}[column]
    _sheet_file(folder, "casework.xlsx", [ow.Sheet("2024年", [["信访编号", "承办单位", "收到日期", header],
                                                              ["C1", "u-1", "2024-01-10", value]])])
    cases = validate(folder).casework
    assert bool(cases[column].iloc[0]) and str(cases[column].iloc[0]) not in ("", "NaT", "False")


def test_a_header_that_looks_like_a_missing_column_stops(tmp_path):
    folder = Case("c", {"casework.csv": None}).write(tmp_path / "data")
    _sheet_file(folder, "casework.xlsx", [ow.Sheet("2024年", [["信访编号", "承办单位", "收到日期", "答复的日期"],
                                                              ["C1", "u-1", "2024-01-10", "2024-02-05"]])])
    with pytest.raises(ColumnMissingError, match="第D列的表头“答复的日期”像是“答复日期”"):
        validate(folder)


def test_impossible_dates_are_set_aside_not_lost(tmp_path):
    folder = Case("d", {"casework.csv": None}).write(tmp_path / "data")
    _sheet_file(folder, "casework.xlsx", [ow.Sheet("2024年", [
        ["信访编号", "承办单位", "收到日期", "答复日期"], ["H1", "u-1", D(2024, 3, 5), D(2024, 3, 15)],
        ["H2", "u-1", dt.datetime(1900, 1, 3), D(2024, 3, 15)], ["H3", "u-1", "2042-03-05", ""]])])
    rej = validate(folder).rejected
    assert sorted(rej["row"]) == [3, 4] and all("日期不合理" in r for r in rej["reason"])


def test_a_date_without_year_outside_its_month_sheet_is_not_guessed(tmp_path):
    head = [["2024年度信访事项登记台账"], ["信访编号", "承办单位", "收到日期", "答复日期"]]
    folder = Case("e", {"casework.csv": None}).write(tmp_path / "data")
    _sheet_file(folder, "casework.xlsx", [
        ow.Sheet("1月", [*head, ["K1", "u-1", "1月8日", "1月20日"], ["K0", "u-1", "12月28日", ""]]),
        ow.Sheet("12月", [*head, ["K2", "u-1", "12月20日", "1月5日"]])])
    ledgers = validate(folder)
    assert ledgers.rejected[["sheet", "row"]].values.tolist() == [["1月", 4]]
    assert "不在本工作表的月份" in ledgers.rejected["reason"].iloc[0]
    k2 = ledgers.casework.set_index("case_id").loc["K2"]
    assert k2["replied_date"] == pd.Timestamp(2025, 1, 5)  # a reply after the turn of the year


def test_footers_and_notes_without_colons_are_not_records(tmp_path):
    folder = Case("g", {"casework.csv": None}).write(tmp_path / "data")
    _sheet_file(folder, "casework.xlsx", [ow.Sheet("2024年", [
        ["序号", "信访编号", "承办单位", "收到日期", "答复日期"],
        [1, "C1", "u-1", "2024-01-10", "2024-01-20"], [2, "C2", "u-1", "2024-02-10", "2024-02-20"],
        ["合  计", "", "", "2件"], ["以下空白"], ["填表人 张三"], ["填表人张三  审核人李四"],
        ["注：1.是否延期填是/否；2.满意度以回访为准。"], ["总 计：2件"]])])
    ledgers = validate(folder)
    assert ledgers.rejected.empty, ledgers.rejected.to_dict("records")
    assert len(ledgers.casework) == 2 and sum(n.count for n in ledgers.notes if n.kind == "lines") == 6


def test_a_blank_row_under_a_merged_unit_cell_is_blank(tmp_path):
    sheet = ow.Sheet("2024年", [["信访编号", "承办单位", "收到日期"], ["C1", "u-1", "2024-01-10"], ["", "", ""],
                                 ["C2", "", "2024-02-10"]], merges=[(1, 1, 3, 1)])
    folder = Case("g2", {"casework.csv": None}).write(tmp_path / "data")
    _sheet_file(folder, "casework.xlsx", [sheet])
    ledgers = validate(folder)
    assert ledgers.rejected.empty, ledgers.rejected.to_dict("records")
    assert ledgers.casework["unit"].tolist() == ["u-1", "u-1"]


def test_tick_columns_for_escalation_say_what_to_do(tmp_path):
    rows = [["信访编号", "承办单位", "收到日期", "答复日期", "越级情况", "", "", ""],
            ["", "", "", "", "无", "到市", "赴省", "进京"],
            ["T1", "u-1", "2024-01-01", "2024-01-16", "√", "", "", ""]]
    merges = [(0, c, 1, c) for c in range(4)] + [(0, 4, 0, 7)]
    folder = Case("h", {"casework.csv": None}).write(tmp_path / "data")
    _sheet_file(folder, "casework.xlsx", [ow.Sheet("2024年", rows, merges)])
    with pytest.raises(ColumnMissingError, match="只有满意度可以用勾选列"):
        validate(folder)


def test_a_header_below_row_10_is_named(tmp_path):
    rows = [[f"说明第{i}行"] for i in range(1, 12)] + [["信访编号", "承办单位", "收到日期"], ["C1", "u-1", "2024-01-10"]]
    folder = Case("deep", {"casework.csv": None}).write(tmp_path / "data")
    ow.write(folder / "casework.xlsx", [ow.Sheet("2024年", rows)])
    with pytest.raises(ColumnMissingError, match="第12行像是表头，但表头须在前10行内"):
        validate(folder)

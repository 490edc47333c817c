"""Every row accounted for, every figure reconciled (shared/data-contract.md, "Every row accounted for").

Each case is a data folder shaped as a county office keeps it, with the figures
a careful person counts by hand; the reader must give those figures, or stop
and say why. The account of every sheet must add up: records + layout rows +
set aside + cancelled = the rows that show anything, counted here
independently of the reader (openpyxl, xlrd, the csv module).
"""

from __future__ import annotations

import csv
import datetime as dt
import io
from pathlib import Path

import pytest

import office_workbooks as ow
from conftest import run_cli
from corpus import CASES, Case
from helpers.figures.indicators import compute_indicators
from helpers.read.ledgers import LAYOUT_COLUMNS, validate
from helpers.settings.errors import ColumnMissingError, InputError, TotalMismatchError

D = dt.date
UNITS = ("单位代码,单位名称,党组织名称,主送机关,简称\n"
         "u-1,叶集区民政局,中共叶集区民政局党组,中共叶集区委,\n"
         "u-2,叶集区人力资源和社会保障局,,,人社局、区人社局\n"
         "u-3,叶集区卫生健康委员会,,,\n")
HEAD = ["信访编号", "承办单位", "收到日期", "答复日期", "是否延期", "越级情况", "满意度"]


def _casework(rows: list[list], *, title: bool = True, styles=None, name: str = "2024年", extra_head=()) -> ow.Sheet:
    top = [["2024年度信访事项登记台账"]] if title else []
    return ow.Sheet(name, [*top, [*HEAD, *extra_head], *rows], styles=styles or {})


def _write(folder: Path, name: str, sheets: list[ow.Sheet]) -> Path:
    return ow.write(folder / name, sheets)


def _folder(tmp_path: Path, files: dict | None = None, **sheets: list[ow.Sheet]) -> Path:
    folder = Case("c", {"casework.csv": None, "units.csv": UNITS, **(files or {})}).write(tmp_path / "data")
    for name, content in sheets.items():
        _write(folder, name.replace("__", "."), content)
    return folder


def _figures(ledgers, unit="u-1", year=2024, period="year"):
    ind = compute_indicators(ledgers, unit, year, period=period)
    return {k: v.value for k, v in ind.items.items()}


# ----------------------------------------------------------------- the account adds up


def independent_nonempty(path: Path) -> dict[str, int]:
    """Rows that show anything, per sheet, counted without nianbao (merged ranges count where they cover)."""
    suffix = path.suffix.lower()
    if suffix == ".csv":
        raw = path.read_bytes()
        for enc in ("utf-8-sig", "gb18030"):
            try:
                text = raw.decode(enc)
                break
            except UnicodeDecodeError:
                continue
        return {"": sum(1 for row in csv.reader(io.StringIO(text)) if any(c.strip() for c in row))}
    if suffix == ".xls":
        import xlrd

        book = xlrd.open_workbook(str(path), formatting_info=True)
        out = {}
        for sheet in book.sheets():
            shown = {r for r in range(sheet.nrows) if any(str(v).strip() for v in sheet.row_values(r))}
            for r0, r1, c0, _c1 in sheet.merged_cells:
                if str(sheet.cell_value(r0, c0)).strip():
                    shown |= set(range(r0, r1))
            out[sheet.name] = len(shown)
        return out
    from openpyxl import load_workbook

    wb = load_workbook(path)
    out = {}
    for ws in wb.worksheets:
        shown = {c.row for row in ws.iter_rows() for c in row if c.value is not None and str(c.value).strip()}
        for rng in ws.merged_cells.ranges:
            if str(ws.cell(rng.min_row, rng.min_col).value or "").strip():
                shown |= set(range(rng.min_row, rng.max_row + 1))
        out[ws.title] = len(shown)
    return out


def assert_accounted(folder: Path, ledgers) -> None:
    acc = ledgers.reading
    read = acc[acc["table"] != ""]
    parts = read["records"] + read["set_aside"] + read["cancelled"] + read[LAYOUT_COLUMNS].sum(axis=1)
    assert (parts == read["rows"]).all(), read.to_dict("records")
    for file in read["file"].unique():
        counted = independent_nonempty(folder / file)
        mine = read[read["file"] == file].set_index("sheet")["rows"].to_dict()
        assert mine == {s: n for s, n in counted.items() if n}, (file, mine, counted)
    # records in the account are the rows the tables hold
    for table in read["table"].unique():
        frame = getattr(ledgers, table) if table != "units" else ledgers.units
        assert read.loc[read["table"] == table, "records"].sum() == len(frame), table


@pytest.mark.parametrize("case", [c for c in CASES if not c.error], ids=lambda c: c.name)
def test_every_row_of_the_corpus_is_accounted_for(case: Case, tmp_path):
    folder = case.write(tmp_path / "data")
    assert_accounted(folder, validate(folder))


# ----------------------------------------------------------------- units as offices write them


def test_units_by_short_name_alias_and_region_prefix(tmp_path):
    rows = [["A1", "民政局", D(2024, 1, 5), D(2024, 1, 20), "否", "无", "满意"],
            ["A2", "六安市叶集区民政局", D(2024, 2, 5), D(2024, 2, 20), "否", "无", "满意"],
            ["A3", "u-1", D(2024, 3, 5), "", "否", "无", ""],
            ["B1", "人社局", D(2024, 3, 6), D(2024, 3, 9), "否", "无", "满意"],
            ["B2", "区人社局", D(2024, 4, 6), D(2024, 4, 9), "否", "无", "满意"]]
    folder = _folder(tmp_path, casework__xlsx=[_casework(rows)])
    ledgers = validate(folder)
    assert ledgers.rejected.empty, ledgers.rejected.to_dict("records")
    assert _figures(ledgers, "u-1")["casework.total"] == 3
    assert _figures(ledgers, "u-2")["casework.total"] == 2
    assert_accounted(folder, ledgers)


def test_an_unresolved_unit_counts_for_every_unit_and_no_zero_is_stated(tmp_path):
    """26 cases of 民政所 (no such unit): u-1's report must not say 0件."""
    rows = [[f"A{i}", "民政所", D(2024, 1 + i % 12, 3), "", "否", "无", ""] for i in range(26)]
    folder = _folder(tmp_path, casework__xlsx=[_casework(rows)])
    ledgers = validate(folder)
    assert ledgers.rejected_for("u-1")["casework"] == (26, 26)
    note = next(n.message for n in ledgers.notes if n.kind == "unit")
    assert "民政所" in note and "26行" in note and "叶集区民政局" in note  # the spelling, its count, the nearest unit
    proc = run_cli("build", "--year", "2024", "--unit", "u-1", "--data", str(folder), "--out", str(tmp_path / "o"),
                   "--formats", "html")
    assert proc.returncode == 1 and "信访台账" in proc.stdout, proc.stdout + proc.stderr
    assert not (tmp_path / "o" / "2024" / "ideology" / "u-1").exists()


def test_a_few_unresolved_rows_still_stop_a_zero(tmp_path):
    """u-3 keeps no casework in 2024; one row of an unknown unit might be its: no 0 stated over it."""
    rows = [[f"A{i}", "民政局", D(2024, 1 + i, 3), D(2024, 1 + i, 9), "否", "无", "满意"] for i in range(11)]
    rows.append(["X1", "卫健局机关", D(2024, 6, 1), "", "否", "无", ""])
    acts = "单位,日期,类别\nu-3,2024-03-05,支部大会\nu-1,2024-03-05,支部大会\n"
    folder = _folder(tmp_path, {"activities.csv": acts}, casework__xlsx=[_casework(rows)])
    proc = run_cli("build", "--year", "2024", "--unit", "u-3", "--data", str(folder), "--out", str(tmp_path / "o"),
                   "--formats", "html")
    assert proc.returncode == 1, proc.stdout + proc.stderr
    assert "本期没有记录" in proc.stdout and "第14行" in proc.stdout


def test_ditto_marks_take_the_value_above_or_to_the_left(tmp_path):
    rows = [["A1", "民政局", D(2024, 1, 5), D(2024, 1, 20), "否", "无", "满意"],
            ["A2", "同上", "同上", "同左", "〃", "无", "满意"],
            ["A3", "〃", D(2024, 2, 5), "", "否", "同上", ""]]
    folder = _folder(tmp_path, casework__xlsx=[_casework(rows)])
    ledgers = validate(folder)
    assert ledgers.rejected.empty, ledgers.rejected.to_dict("records")
    cw = ledgers.casework
    assert cw["unit"].tolist() == ["u-1"] * 3
    assert cw["received_date"].dt.strftime("%m-%d").tolist() == ["01-05", "01-05", "02-05"]
    assert cw["replied_date"].dt.strftime("%m-%d").fillna("").tolist() == ["01-20", "01-05", ""]
    assert cw["escalation"].tolist() == ["", "", ""]


def test_ditto_marks_typed_with_a_space_inside(tmp_path):
    """同 上 and 同　上 (a clerk's space, half or full width) are ditto marks too, not a unit or a date."""
    rows = [["A1", "民政局", D(2024, 1, 5), D(2024, 1, 20), "否", "无", "满意"],
            ["A2", "同 上", "同　上", "同 左", "否", "无", "满意"]]
    folder = _folder(tmp_path, casework__xlsx=[_casework(rows)])
    ledgers = validate(folder)
    assert ledgers.rejected.empty, ledgers.rejected.to_dict("records")
    cw = ledgers.casework
    assert cw["unit"].tolist() == ["u-1"] * 2
    assert cw["received_date"].dt.strftime("%m-%d").tolist() == ["01-05", "01-05"]
    assert cw["replied_date"].dt.strftime("%m-%d").tolist() == ["01-20", "01-05"]


# ----------------------------------------------------------------- categories settled


ACTS = "单位,日期,类别\n" + "\n".join([
    "u-1,2024-03-05,3月主题党日", "u-1,2024-04-05,三会一课（支委会）", "u-1,2024-05-05,中心组学习（5月）",
    "u-1,2024-06-05,第二季度支部党员大会", "u-1,2024-07-05,三会一课—支部委员会会议", "u-1,2024-08-05,组织生活会",
]) + "\n"


def test_decorated_categories_count_in_their_category(tmp_path):
    ledgers = validate(Case("cat", {"activities.csv": ACTS}).write(tmp_path / "data"))
    f = _figures(ledgers)
    assert (f["activity.theme_party_day"], f["activity.branch_committee"], f["activity.central_group_study"],
            f["activity.branch_assembly"]) == (1, 2, 1, 1)
    assert ledgers.unsettled.empty  # 组织生活会 is simply another category


def test_a_category_near_a_canonical_one_stops_until_mapped(tmp_path):
    data = Case("near", {"activities.csv": ACTS + "u-1,2024-09-05,主题党日暨志愿服务\n"}).write(tmp_path / "data")
    proc = run_cli("build", "--year", "2024", "--unit", "u-1", "--data", str(data), "--out", str(tmp_path / "o"),
                   "--formats", "html")
    assert proc.returncode == 1, proc.stdout + proc.stderr
    assert "主题党日暨志愿服务" in proc.stdout and "像是“主题党日”" in proc.stdout
    ok = run_cli("build", "--year", "2024", "--unit", "u-1", "--data", str(data), "--out", str(tmp_path / "o"),
                 "--formats", "html", "--allow-rejected")
    assert ok.returncode == 0, ok.stdout + ok.stderr
    html = (tmp_path / "o" / "2024" / "ideology" / "u-1" / "report.html").read_text(encoding="utf-8")
    assert "数据提示" in html and "类别写法未能确认" in html


# ----------------------------------------------------------------- office totals


def test_office_totals_that_agree_are_a_check_passed(tmp_path):
    rows = [["A1", "民政局", D(2024, 1, 5), D(2024, 1, 20), "否", "无", "满意"],
            ["A2", "民政局", D(2024, 1, 8), D(2024, 1, 22), "否", "无", "满意"],
            ["小计", "2件"],
            ["A3", "民政局", D(2024, 2, 5), "", "否", "无", ""],
            ["小计", "1件"], ["合计", "3件"], ["总计：3件"]]
    folder = _folder(tmp_path, casework__xlsx=[_casework(rows)])
    ledgers = validate(folder)
    assert len(ledgers.casework) == 3
    assert sum(n.kind == "check" for n in ledgers.notes) == 4
    assert_accounted(folder, ledgers)


def test_an_office_total_that_disagrees_stops_naming_row_and_both_numbers(tmp_path):
    rows = [["A1", "民政局", D(2024, 1, 5), D(2024, 1, 20), "否", "无", "满意"],
            ["A2", "民政局", D(2024, 1, 8), D(2024, 1, 22), "否", "无", "满意"],
            ["合计", "3件"]]
    folder = _folder(tmp_path, casework__xlsx=[_casework(rows)])
    with pytest.raises(TotalMismatchError) as err:
        validate(folder)
    msg = str(err.value)
    assert "casework.xlsx" in msg and "2024年" in msg and "第5行" in msg and "3件" in msg and "2条" in msg
    assert err.value.exit_code == 2


def test_a_sum_of_participants_is_reconciled(tmp_path):
    sheet = ow.Sheet("2024年", [["单位", "日期", "类别", "参加人数"], ["u-1", D(2024, 3, 5), "支部大会", 12],
                                ["u-1", D(2024, 4, 5), "主题党日", "10人"], ["合计", "", "", 23]])
    folder = Case("sum", {"activities.csv": None}).write(tmp_path / "data")
    ow.write(folder / "activities.xlsx", [sheet])
    with pytest.raises(TotalMismatchError) as err:
        validate(folder)
    assert "参加人数合计为23" in str(err.value) and "之和为22" in str(err.value)


# ----------------------------------------------------------------- what a cell's format says


def test_a_formula_without_a_cached_value_stops_naming_the_cells(tmp_path):
    rows = [["A1", "民政局", D(2024, 1, 5), D(2024, 1, 20), '=IF(D3-C3>60,"是","否")', "无", "满意"],
            ["A2", "民政局", D(2024, 2, 5), D(2024, 2, 20), '=IF(D4-C4>60,"是","否")', "无", "满意"]]
    folder = _folder(tmp_path, casework__xlsx=[_casework(rows)])
    with pytest.raises(ColumnMissingError) as err:
        validate(folder)
    assert "E3" in str(err.value) and "E4" in str(err.value) and "保存" in str(err.value)


@pytest.mark.parametrize("suffix", [".xlsx", ".xls"])
def test_cancelled_rows_are_left_out_and_listed(tmp_path, suffix):
    head = [*HEAD, "备注"]
    rows = [["A1", "民政局", D(2024, 1, 5), D(2024, 1, 20), "否", "无", "满意", ""],
            ["A2", "民政局", D(2024, 1, 8), D(2024, 1, 22), "否", "无", "满意", ""],          # struck: cancelled
            ["A3", "民政局", D(2024, 2, 5), D(2024, 2, 9), "否", "无", "满意", "已作废"],     # remark: cancelled
            ["A4", "民政局", D(2024, 3, 5), D(2024, 3, 9), "否", "无", "满意", "重复"],       # a repeat: a real case
            ["A5", "民政局", D(2024, 4, 5), D(2024, 4, 9), "否", "无", "满意", ""],           # filled: cancelled
            ["A6", "民政局", D(2024, 5, 5), D(2024, 5, 9), "否", "无", "满意", ""],           # one cell struck: aside
            ["注：黄色底纹为已作废记录，划删除线的记录不计入"]]
    styles = {(3, c): "strike" for c in range(7)}  # 0-based: row 0 the title, row 1 the header, row 2 A1
    styles[(6, 0)] = "fill"
    styles[(7, 5)] = "strike"
    styles[(8, 0)] = "fill"  # the legend cell, filled like the rows it names
    folder = _folder(tmp_path, **{f"casework_{suffix[1:]}".replace("_", "__"): [
        ow.Sheet("2024年", [["2024年度信访事项登记台账"], head, *rows], styles=styles)]})
    ledgers = validate(folder)
    assert sorted(ledgers.casework["case_id"]) == ["A1", "A4"]
    assert sorted(ledgers.cancelled["row"]) == [4, 5, 7]
    aside = ledgers.rejected
    assert aside["row"].tolist() == [8] and "删除线" in aside["reason"].iloc[0]
    assert_accounted(folder, ledgers)


# ----------------------------------------------------------------- files never ignored


def test_last_year_kept_in_its_own_file_is_read(tmp_path):
    this = [["A1", "民政局", D(2024, 1, 5), D(2024, 1, 20), "否", "无", "满意"],
            ["A2", "民政局", D(2024, 2, 5), D(2024, 2, 20), "否", "无", "满意"]]
    last = [["Z1", "民政局", D(2023, 1, 5), D(2023, 1, 20), "否", "无", "满意"]]
    folder = _folder(tmp_path, **{"casework__xlsx": [_casework(this)],
                                  "信访台账（2023年）__xlsx": [_casework(last, name="2023年")]})
    ledgers = validate(folder)
    assert ledgers.files["casework"] == ["casework.xlsx", "信访台账（2023年）.xlsx"]
    ind = compute_indicators(ledgers, "u-1", 2024)
    assert (ind.items["casework.total"].value, ind.items["casework.total"].prior) == (2, 1)
    assert_accounted(folder, ledgers)


def test_a_record_repeated_across_files_is_caught(tmp_path):
    rows = [["A1", "民政局", D(2024, 1, 5), D(2024, 1, 20), "否", "无", "满意"],
            ["A2", "民政局", D(2024, 2, 5), D(2024, 2, 20), "否", "无", "满意"]]
    folder = _folder(tmp_path, **{"casework__xlsx": [_casework(rows)], "casework-副本__xlsx": [_casework(rows)]})
    with pytest.raises(InputError) as err:
        validate(folder)
    assert "casework-副本.xlsx" in str(err.value) or "重复" in str(err.value)


# ----------------------------------------------------------------- personal data never echoed


def test_personal_values_in_a_misaligned_column_are_hidden(tmp_path):
    """The clerk typed names and phones one column to the left: rejected.csv must not carry them."""
    head = ["信访编号", "姓名", "承办单位", "收到日期", "联系电话"]
    rows = [["A1", "王某某", "民政局", D(2024, 1, 5), "13912345678"],
            ["A2", "民政局", "李某某", D(2024, 1, 6), "13812345678"],
            ["A3", "赵某某", "13712345678", D(2024, 1, 7), "民政局"]]
    folder = _folder(tmp_path, casework__xlsx=[ow.Sheet("2024年", [head, *rows])])
    ledgers = validate(folder)
    text = ledgers.rejected.to_csv() + "".join(n.message for n in ledgers.notes) + ledgers.reading.to_csv()
    for secret in ("李某某", "13712345678", "13812345678", "王某某"):
        assert secret not in text
    assert "137****5678" in text or "已隐去" in text

"""`nianbao init DIR`: templates an office can fill in, that validate and build."""

from __future__ import annotations

import datetime as dt
import shutil

import pytest
from openpyxl import load_workbook

from conftest import run_cli
from helpers.read.ledgers import validate


@pytest.fixture
def fresh(tmp_path):
    proc = run_cli("init", str(tmp_path / "台账"), "--year", "2024")
    assert proc.returncode == 0, proc.stdout + proc.stderr
    return tmp_path / "台账"


def test_init_writes_templates_with_lists_and_date_formats(fresh):
    for name in ("units.csv", "activities.xlsx", "casework.xlsx", "publicity.xlsx", "coverage.xlsx",
                 "narrative/default.md"):
        assert (fresh / name).is_file(), name
    wb = load_workbook(fresh / "casework.xlsx")
    assert wb.sheetnames == ["2024年", "说明"]
    ws = wb["2024年"]
    headers = [c.value for c in ws[2]]
    assert headers[:3] == ["信访编号", "承办单位", "收到日期"]
    lists = {str(dv.sqref).split(":")[0][0]: dv.formula1 for dv in ws.data_validations.dataValidation}
    col = {h: chr(65 + i) for i, h in enumerate(headers)}
    assert "到市" in lists[col["越级情况"]] and "基本满意" in lists[col["满意度"]] and "是" in lists[col["是否延期"]]
    assert ws[f"{col['收到日期']}3"].number_format == "yyyy-mm-dd"
    acts = load_workbook(fresh / "activities.xlsx")["2024年"]
    assert any("理论学习中心组学习" in dv.formula1 for dv in acts.data_validations.dataValidation)


def test_init_folder_validates_as_it_is(fresh):
    proc = run_cli("validate", "--data", str(fresh))
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "说明" in proc.stdout  # the 说明 sheets are named as skipped


def test_init_refuses_a_folder_with_files(fresh):
    proc = run_cli("init", str(fresh))
    assert proc.returncode == 2 and "已存在" in proc.stderr


def fill(folder):
    """Add a few rows as a clerk would, below the header of each template."""
    (folder / "units.csv").write_text("单位代码,单位名称,党组织名称,主送机关\nmzj,某区民政局,中共某区民政局党组,中共某区委\n",
                                      encoding="utf-8-sig")
    wb = load_workbook(folder / "activities.xlsx")
    ws = wb["2024年"]
    for i, (day, cat) in enumerate([(dt.date(2024, 3, 5), "理论学习中心组学习"), (dt.date(2024, 4, 5), "支部党员大会"),
                                    (dt.date(2024, 5, 5), "主题党日")], start=3):
        ws.cell(row=i, column=2, value="mzj")
        ws.cell(row=i, column=3, value=day)
        ws.cell(row=i, column=4, value=cat)
    wb.save(folder / "activities.xlsx")
    wb = load_workbook(folder / "casework.xlsx")
    ws = wb["2024年"]
    ws.append(["X1", "某区民政局", dt.date(2024, 2, 1), "来信", "社会救助", dt.date(2024, 2, 20), "否", "无", "满意"])
    ws.append(["X2", "mzj", dt.date(2024, 6, 1), "来访", "养老服务", None, "否", "无", None])
    wb.save(folder / "casework.xlsx")


def test_filled_templates_are_read(fresh):
    fill(fresh)
    ledgers = validate(fresh)
    assert ledgers.rejected.empty, ledgers.rejected.to_dict("records")
    assert len(ledgers.activities) == 3 and len(ledgers.casework) == 2
    assert set(ledgers.activities["category"]) == {"central_group_study", "branch_assembly", "theme_party_day"}


@pytest.mark.render
def test_a_build_on_a_filled_template_works(fresh, tmp_path):
    fill(fresh)
    shutil.rmtree(fresh / "narrative")  # no prose of its own: the generic prose is used
    proc = run_cli("build", "--year", "2024", "--unit", "mzj", "--data", str(fresh), "--out", str(tmp_path / "o"),
                   "--formats", "html")
    assert proc.returncode == 0, proc.stdout + proc.stderr
    html = (tmp_path / "o" / "2024" / "ideology" / "mzj" / "report.html").read_text(encoding="utf-8")
    assert "共收到群众来信来访2件" in html

"""No confident report on broken data, and a complete report from a fresh folder."""

from __future__ import annotations

import json
from datetime import date

import pytest

import office_workbooks as ow
from conftest import run_cli
from corpus import CASEWORK, Case
from helpers.document.report import Report
from helpers.read.ledgers import over_threshold, validate

# u-1: 2 good petitions and 1 whose date cannot be read: 1 of 3 rows set aside (33 %)
BROKEN = CASEWORK + "A3,u-1,上周三,,否,无,\n"


def test_over_threshold_names_the_table_and_counts(tmp_path):
    ledgers = validate(Case("b", {"casework.csv": BROKEN}).write(tmp_path / "d"))
    assert over_threshold(ledgers, "u-1") == [("casework", 1, 3)]
    assert over_threshold(ledgers, "u-1", share=0.5) == []
    assert over_threshold(ledgers, "u-2") == []


def test_first_page_says_rows_were_set_aside(tmp_path):
    ledgers = validate(Case("b", {"casework.csv": BROKEN}).write(tmp_path / "d"))
    body = Report.from_ledgers(ledgers, "u-1", 2024).body_markdown()
    head = body[: body.index("# 一、")]
    assert "数据提示" in head and "信访台账1行（占33.3%）" in head


def test_build_refuses_a_unit_with_too_many_rows_set_aside(tmp_path):
    data = Case("b", {"casework.csv": BROKEN}).write(tmp_path / "d")
    proc = run_cli("build", "--year", "2024", "--unit", "u-1", "--data", str(data), "--out", str(tmp_path / "o"))
    assert proc.returncode == 1, proc.stdout + proc.stderr
    assert "信访台账1/3行" in proc.stdout and "--allow-rejected" in proc.stdout
    assert not (tmp_path / "o" / "2024" / "ideology" / "u-1").exists()


def test_generic_prose_used_and_said_once(tmp_path):
    data = Case("fresh", {}).write(tmp_path / "d")
    ledgers = validate(data)
    report = Report.from_ledgers(ledgers, "u-1", 2024)
    sections = report.sections()
    assert all(sections[name].paragraphs or sections[name].subsections for name in ("开篇", "工作开展情况", "工作谋划"))
    assert "通用稿" in report.data_note_markdown()


@pytest.mark.render
def test_allow_rejected_builds_and_says_so(tmp_path):
    data = Case("b", {"casework.csv": BROKEN}).write(tmp_path / "d")
    proc = run_cli("build", "--year", "2024", "--unit", "u-1", "--data", str(data), "--out", str(tmp_path / "o"),
                   "--allow-rejected", "--formats", "html")
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert proc.stdout.count("通用稿") == 1  # the build says once that the generic prose is used
    folder = tmp_path / "o" / "2024" / "ideology" / "u-1"
    assert "数据提示" in (folder / "report.html").read_text(encoding="utf-8")
    assert json.loads((folder / "indicators.json").read_text(encoding="utf-8"))["rejected_rows"] == 1
    assert "sheet" in (folder / "rejected.csv").read_text(encoding="utf-8-sig").splitlines()[0]


def test_validate_lists_skipped_sheets_and_lines(tmp_path):
    data = Case("office", {"casework.csv": None}).write(tmp_path / "d")
    recs = [ow.case("C1", "u-1", date(2024, 1, 5))]
    ow.write(data / "casework.xls", ow.monthly(recs, "收到日期"))
    proc = run_cli("validate", "--data", str(data))
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "工作表“填表说明”：未读取该工作表" in proc.stdout
    assert "跳过合计/小计行、表尾的填表人、审核人等行共2行" in proc.stdout
    assert "王某" not in proc.stdout


def test_a_broken_categories_file_names_the_key(tmp_path):
    import os
    import subprocess

    from conftest import NIANBAO
    from helpers.settings import paths

    (tmp_path / "config").mkdir()
    (tmp_path / "config" / "rules.yml").write_text(paths.RULES_CONFIG.read_text(encoding="utf-8"), encoding="utf-8")
    (tmp_path / "config" / "categories.yml").write_text("categories:\n  branch_assembly:\n    nme: 支部党员大会\n",
                                                        encoding="utf-8")
    proc = subprocess.run([*NIANBAO, "validate"], cwd=tmp_path, capture_output=True, text=True,
                          env={**os.environ, "NIANBAO_ROOT": str(tmp_path)})
    assert proc.returncode == 2 and "categories.branch_assembly.name" in proc.stderr and "nme" in proc.stderr


@pytest.mark.render
def test_the_district_summary_is_refused_with_a_refused_unit(tmp_path):
    from corpus import ACTIVITIES

    data = Case("b", {"casework.csv": BROKEN, "activities.csv": ACTIVITIES + "u-2,2024-05-05,支部大会\n"}).write(
        tmp_path / "d")
    proc = run_cli("build", "--year", "2024", "--unit", "all", "--data", str(data), "--out", str(tmp_path / "o"),
                   "--formats", "html")
    assert proc.returncode == 1, proc.stdout + proc.stderr
    assert "2024/ideology/_summary" in proc.stdout and "全区汇总要合计各单位的台账，其中u-1被剔除的行过多" in proc.stdout
    assert not (tmp_path / "o" / "2024" / "ideology" / "_summary" / "report.html").exists()
    assert (tmp_path / "o" / "2024" / "ideology" / "u-2" / "report.html").is_file()  # the other units are still built

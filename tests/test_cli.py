"""The command as a user runs it: exit codes, messages, nothing written on bad input."""

from __future__ import annotations

import re

import pytest

from conftest import run_cli


def test_unknown_unit_exits_2_and_writes_nothing(tmp_path):
    proc = run_cli("build", "--year", "2024", "--unit", "no-such-unit", "--out", str(tmp_path / "o"))
    assert proc.returncode == 2
    assert "no-such-unit" in proc.stderr and "units.csv" in proc.stderr
    assert not (tmp_path / "o").exists()


def test_year_without_data_exits_2(tmp_path):
    proc = run_cli("build", "--year", "2019", "--unit", "yeji-mzj", "--out", str(tmp_path / "o"))
    assert proc.returncode == 2
    assert "2019" in proc.stderr
    assert not (tmp_path / "o").exists()


@pytest.mark.parametrize("year", ["twenty", "2024-2020", "2024..2025"])
def test_bad_year_spelling_exits_2(year, tmp_path):
    proc = run_cli("build", "--year", year, "--unit", "yeji-mzj", "--out", str(tmp_path / "o"))
    assert proc.returncode == 2 and "--year" in proc.stderr


def test_bad_format_exits_2(tmp_path):
    proc = run_cli("build", "--year", "2024", "--unit", "yeji-mzj", "--formats", "pdf,rtf",
                   "--out", str(tmp_path / "o"))
    assert proc.returncode == 2 and "rtf" in proc.stderr


def test_missing_table_exits_2_naming_it(data_copy, tmp_path):
    (data_copy / "casework.csv").unlink()
    proc = run_cli("build", "--data", str(data_copy), "--year", "2024", "--unit", "yeji-mzj",
                   "--out", str(tmp_path / "o"))
    assert proc.returncode == 2
    assert "casework" in proc.stderr
    assert not (tmp_path / "o").exists()


def test_unknown_placeholder_fails_that_report_naming_file_line_and_placeholder(data_copy, tmp_path):
    p = data_copy / "narrative" / "yeji-mzj" / "2024.md"
    p.write_text(p.read_text(encoding="utf-8").replace("{text.casework}", "{text.cases}"), encoding="utf-8")
    proc = run_cli("build", "--data", str(data_copy), "--year", "2024", "--unit", "yeji-mzj",
                   "--out", str(tmp_path / "o"))
    assert proc.returncode == 1
    assert "{text.cases}" in proc.stdout and "2024.md" in proc.stdout and "第" in proc.stdout and "行" in proc.stdout
    assert not (tmp_path / "o" / "2024" / "ideology" / "yeji-mzj").exists()  # no report, not half a report
    assert "{text.cases}" in (tmp_path / "o" / "2024" / "ideology" / "yeji-mzj.error.txt").read_text(encoding="utf-8")


def test_validate_clean_sample_exits_0():
    proc = run_cli("validate")
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "没有被剔除的行" in proc.stdout and "共4个单位" in proc.stdout and "错误 0 处" in proc.stdout


def test_doctor_names_a_font_for_every_role():
    proc = run_cli("doctor")
    assert proc.returncode == 0, proc.stdout
    for role in ("标题", "正文", "一级标题（黑体）", "二级标题（楷体）", "页码", "图表"):  # the roles in Chinese (their _quarto.yml keys after)
        assert re.search(rf"^{role}", proc.stdout, re.M), role
    assert "缺少字体" not in proc.stdout and "字体文件夹" in proc.stdout


def test_make_alone_prints_the_targets():
    import subprocess

    from helpers.settings.paths import ROOT

    out = subprocess.run(["make", "-s"], cwd=ROOT, capture_output=True, text=True).stdout
    for target in ("report", "test", "setup"):
        assert f"make {target}" in out


def test_validate_whole_file_problem_exits_2(data_copy):
    (data_copy / "units.csv").write_text("unit_id\nu-1\n", encoding="utf-8")
    proc = run_cli("validate", "--data", str(data_copy))
    assert proc.returncode == 2
    assert "units.csv" in proc.stderr and "unit_name" in proc.stderr

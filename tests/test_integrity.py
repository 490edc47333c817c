"""The 党风廉政建设工作情况报告 (kind ``integrity``) from the 纪律教育台账, counted by hand."""

from __future__ import annotations

import pytest

from conftest import run_cli
from corpus import Case
from helpers.figures.indicators import compute_indicators
from helpers.read.ledgers import validate

DISCIPLINE = "编号,单位,日期,类别,主题,参加人数\n" + "\n".join([
    "J1,u-1,2023-03-01,警示教育,观看警示教育片,20",       # prior span
    "J2,u-1,2024-02-10,警示教育大会,典型案例通报,30",     # 警示教育
    "J3,u-1,2024-03-05,谈心谈话,节前提醒,5",             # 廉政谈话 (its alias)
    "J4,u-1,2024-05-20,廉政党课（第二季度）,纪律党课,25",  # 专题党课, decorated
    "J5,u-1,2024-09-01,3月廉政风险点排查,风险排查,10",    # 廉政风险排查, a month in front
    "J6,u-1,2024-10-11,读书分享会,读书,12",               # another kind: in the total only
]) + "\n"


@pytest.fixture(scope="module")
def ledgers(tmp_path_factory):
    return validate(Case("jl", {"discipline.csv": DISCIPLINE}).write(tmp_path_factory.mktemp("jl") / "d"))


@pytest.mark.parametrize("period,expected", [
    ("year", {"integrity.warning_education": 1, "integrity.integrity_talk": 1, "integrity.party_lecture": 1,
              "integrity.risk_review": 1, "integrity.total": 5}),
    ("H1", {"integrity.warning_education": 1, "integrity.integrity_talk": 1, "integrity.party_lecture": 1,
            "integrity.risk_review": 0, "integrity.total": 3}),
])
def test_figures_equal_the_hand_count(ledgers, period, expected):
    assert ledgers.rejected.empty, ledgers.rejected.to_dict("records")
    ind = compute_indicators(ledgers, "u-1", 2024, period=period)
    assert {k: ind.items[k].value for k in expected} == expected
    if period == "year":
        assert ind.items["integrity.warning_education"].prior == 1 and ind.items["integrity.total"].prior == 1


def test_the_report_says_what_was_held_and_what_falls_short(ledgers):
    from helpers.document.report import Report

    body = Report.from_ledgers(ledgers, "u-1", 2024, kind="integrity").body_markdown()
    assert "全年开展警示教育1次，廉政谈话1次，专题党课1次，廉政风险排查1次，合计5次" in body
    assert "纪律教育频次不够" in body and "应不少于2次" in body  # one a half-year
    assert "党风廉政建设工作情况报告" in body


def test_a_folder_without_the_ledger_has_no_such_report(tmp_path):
    data = Case("none", {}).write(tmp_path / "d")
    out = tmp_path / "o"
    proc = run_cli("build", "--kind", "all", "--year", "2024", "--unit", "u-1", "--data", str(data), "--out", str(out),
                   "--dry-run")
    assert proc.returncode == 0, proc.stderr
    assert "没有纪律教育台账，不生成党风廉政建设报告" in proc.stdout and "integrity" not in proc.stdout
    alone = run_cli("build", "--kind", "integrity", "--year", "2024", "--unit", "u-1", "--data", str(data),
                    "--out", str(out))
    assert alone.returncode == 2 and "没有纪律教育台账" in alone.stderr

"""Golden tests: yeji-mzj's figures and report text against committed expectations.

The 2024 意识形态工作专题报告 (the reference report's kind) and the 2024 H1
信访工作情况报告 (another kind, a half-year with 环比).

After an intended change, regenerate with ``NIANBAO_UPDATE_GOLDEN=1 pytest tests/test_golden.py``
and review the diff of ``tests/golden/`` like any other change.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from helpers.document.report import Report

GOLDEN = Path(__file__).parent / "golden"
UPDATE = os.environ.get("NIANBAO_UPDATE_GOLDEN") == "1"


def check(name: str, actual: str) -> None:
    path = GOLDEN / name
    if UPDATE:
        path.write_text(actual, encoding="utf-8")
    assert path.is_file(), f"{path} missing: run with NIANBAO_UPDATE_GOLDEN=1"
    assert actual == path.read_text(encoding="utf-8")


CASES = {"yeji-mzj-2024": ("ideology", "year"), "yeji-mzj-2024-H1.casework": ("casework", "H1")}


@pytest.fixture(scope="module", params=list(CASES))
def case(request, sample_ledgers) -> tuple[str, Report]:
    kind, period = CASES[request.param]
    return request.param, Report.from_ledgers(sample_ledgers, "yeji-mzj", 2024, kind=kind, period=period)


def test_indicators_json(case):
    name, report = case
    ind = report.indicators
    doc = ind.as_json(report.kind.id, report.kind.chosen(ind.items))
    check(f"{name}.indicators.json", json.dumps(doc, ensure_ascii=False, indent=2, sort_keys=True) + "\n")


def test_report_text(case):
    name, report = case
    check(f"{name}.body.md", report.body_markdown() + "\n" + report.appendix_markdown()
          + "\n" + report.data_note_markdown())


def test_golden_states_the_reference_figures():
    """The committed expectation itself holds the reference report's figures."""
    data = json.loads((GOLDEN / "yeji-mzj-2024.indicators.json").read_text(encoding="utf-8"))
    ind = data["indicators"]
    assert data["unit_id"] == "yeji-mzj" and data["as_of"] == "2024-12-31"
    assert {k: ind[f"activity.{k}"]["value"] for k in
            ("central_group_study", "branch_assembly", "branch_committee", "theme_party_day", "party_lecture")} \
        == {"central_group_study": 15, "branch_assembly": 3, "branch_committee": 11,
            "theme_party_day": 11, "party_lecture": 4}
    assert ind["casework.total"]["value"] == 33 == ind["casework.on_time"]["value"]
    assert ind["casework.escalated"]["value"] == 0
    assert ind["coverage.villages"]["value"] == 77 == ind["coverage.covered"]["value"]
    assert ind["publicity.outlets"]["value"] == 6


@pytest.mark.render
def test_built_indicators_json_matches_golden(built_report):
    built = json.loads((built_report / "indicators.json").read_text(encoding="utf-8"))
    golden = json.loads((GOLDEN / "yeji-mzj-2024.indicators.json").read_text(encoding="utf-8"))
    assert built.pop("title") == "中共六安市叶集区民政局党组2024年度意识形态工作专题报告"
    assert built == golden

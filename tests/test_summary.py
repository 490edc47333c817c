"""District summary: sums of counts, rates from pooled records, and the consistency check."""

from __future__ import annotations

import copy
import json

import pytest

from helpers.run.summary import ConsistencyError, check, district, write_summary


def test_counts_are_sums_and_rates_are_pooled(sample_ledgers):
    total, per_unit = district(sample_ledgers, 2024)
    assert set(per_unit) == {"yeji-mzj", "yeji-rsj", "yeji-wjw", "yeji-zjj"}
    for key in ("casework.total", "casework.on_time", "casework.overdue", "activity.party_lecture",
                "publicity.total", "coverage.villages"):
        assert total[key].value == sum(i.items[key].value for i in per_unit.values() if key in i.items), key
    on_time = sum(i["casework.on_time"].value for i in per_unit.values())
    due = sum(i["casework.on_time"].value + i["casework.overdue"].value for i in per_unit.values())
    assert total["casework.on_time_rate"].value == round(100 * on_time / due, 1)
    average = sum(i["casework.on_time_rate"].value for i in per_unit.values()) / len(per_unit)
    assert total["casework.on_time_rate"].value != round(average, 1)  # pooled, not averaged
    assert total["publicity.outlets"].value <= sum(i["publicity.outlets"].value for i in per_unit.values())


def test_consistency_check_catches_a_difference(sample_ledgers):
    total, per_unit = district(sample_ledgers, 2024)
    broken = copy.deepcopy(total)
    broken.items["casework.total"].value += 1
    with pytest.raises(ConsistencyError, match="casework.total（本期）：汇总159，各单位之和158"):
        check(broken, per_unit)


def test_summary_indicators_json_in_the_contract_shape(sample_ledgers, tmp_path):
    folder = write_summary(sample_ledgers, 2023, tmp_path, ("html",))
    doc = json.loads((folder / "indicators.json").read_text(encoding="utf-8"))
    assert {"unit_id", "year", "as_of", "indicators", "rejected_rows"} <= set(doc)
    assert doc["year"] == 2023 and doc["unit_id"] == "_summary"
    assert set(doc["indicators"]["casework.total"]) >= {"value", "prior", "change", "change_pct"}
    assert set(doc["units"]) == {"yeji-mzj", "yeji-rsj", "yeji-wjw", "yeji-zjj"}
    html = (folder / "report.html").read_text(encoding="utf-8")
    assert "各单位对照" in html and 'src="data:image/png;base64,' in html


def test_the_summaries_of_a_period_share_the_pooled_ledgers(sample_ledgers):
    """Each kind's summary of a period adds up the same pooled records: pooled once, its figures computed once."""
    from helpers.run.summary import pooled

    units = ["yeji-mzj", "yeji-rsj"]
    first = pooled(sample_ledgers, units)
    assert pooled(sample_ledgers, list(units)) is first
    assert pooled(sample_ledgers, ["yeji-mzj"]) is not first
    assert set(first.units.index) == {"_summary"}
    assert set(first.activities["unit"]) == {"_summary"}
    assert len(first.activities) == sample_ledgers.activities["unit"].isin(units).sum()

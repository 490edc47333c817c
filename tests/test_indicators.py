"""Indicator functions on tiny frames, including zero and missing prior data."""

from __future__ import annotations

from datetime import date

import pandas as pd
import pytest

from conftest import frame
from helpers.figures.activity import activity_counts, activity_shortfalls, closed_periods
from helpers.figures.base import Indicator, Span, rate, resolve_as_of
from helpers.figures.casework import casework_figures
from helpers.figures.coverage import coverage_figures
from helpers.figures.indicators import compute_indicators
from helpers.settings.errors import ParameterError

RULES = {
    "casework": {
        "reply_days": 60, "extended_reply_days": 90, "escalation_levels": ["到市", "赴省", "进京"],
        "satisfied": ["满意", "基本满意"], "rated": ["满意", "基本满意", "不满意"],
        "acceptance_days": 15, "review_words": ["复查", "复核"], "review_upheld_words": ["维持"],
    },
    "activity_minimums": {"branch_assembly": {"per_year": 4, "rule": "每季度1次"},
                          "ideology_review": {"per_year": 2, "rule": "每半年1次"},
                          "party_lecture": {"per_year": 1, "rule": "每年1次"}},
}


def case(received, replied=None, extended=False, escalation="无", satisfaction=""):
    return {"received_date": received, "replied_date": replied, "extended": extended,
            "escalation": escalation, "satisfaction": satisfaction}


def cases(*rows):
    return frame(list(rows), dates=("received_date", "replied_date"))


def test_span_prior_is_same_dates_a_year_earlier():
    span = Span.of(2024, date(2024, 11, 30))
    assert span.prior() == Span(pd.Timestamp(2023, 1, 1), pd.Timestamp(2023, 11, 30))


def test_prior_of_29_february_is_28_february():
    assert Span.of(2024, date(2024, 2, 29)).prior().end == pd.Timestamp(2023, 2, 28)


def test_activity_counts_keep_other_categories_and_every_code():
    acts = frame([{"date": "2024-01-05", "category": "branch_assembly"},
                  {"date": "2024-02-05", "category": "组织生活会"},
                  {"date": "2023-12-31", "category": "branch_assembly"}], dates=("date",))
    counts = activity_counts(acts, Span.of(2024, date(2024, 12, 31)))
    assert counts["branch_assembly"] == 1
    assert counts["组织生活会"] == 1
    assert counts["party_lecture"] == 0


@pytest.mark.parametrize("as_of, per_year, closed", [
    (date(2024, 11, 30), 12, 11), (date(2024, 11, 29), 12, 10), (date(2024, 11, 30), 4, 3),
    (date(2024, 12, 31), 4, 4), (date(2024, 6, 30), 2, 1), (date(2024, 12, 30), 1, 0),
    (date(2024, 12, 31), 1, 1), (date(2024, 2, 29), 12, 2),
])
def test_closed_periods(as_of, per_year, closed):
    assert closed_periods(per_year, as_of) == closed


def test_shortfalls_are_prorated_to_as_of():
    counts = {"branch_assembly": 3, "ideology_review": 1, "party_lecture": 0}
    assert activity_shortfalls(counts, date(2024, 11, 30), RULES) == []
    found = activity_shortfalls(counts, date(2024, 12, 31), RULES)
    assert {f["code"]: f["required"] for f in found} == {"branch_assembly": 4, "ideology_review": 2,
                                                          "party_lecture": 1}


def test_casework_on_time_overdue_pending():
    data = cases(
        case("2024-01-01", "2024-03-01"),                  # 60 days: on time
        case("2024-01-01", "2024-03-02"),                  # 61 days: overdue
        case("2024-01-01", "2024-03-30", extended=True),   # 89 days, extended: on time
        case("2024-10-15"),                                # pending, due 12-14: not yet due
        case("2024-08-01"),                                # pending and past its deadline
        case("2024-11-20", "2025-01-05"),                  # replied after as_of: pending
        case("2023-12-31", "2024-01-02"),                  # outside the span
    )
    got = casework_figures(data, Span.of(2024, date(2024, 12, 1)), RULES)
    assert got["total"] == 6
    assert got["replied"] == 3
    assert got["on_time"] == 2
    assert got["pending"] == 3
    assert got["overdue"] == 2            # replied late + pending past deadline
    assert got["on_time_rate"] == rate(2, 4)  # due = 3 replied + 1 overdue pending
    assert got["median_reply_days"] == 61.0


def test_casework_escalation_and_satisfaction():
    data = cases(case("2024-01-01", "2024-01-10", escalation="到市", satisfaction="满意"),
                 case("2024-01-02", "2024-01-10", escalation="进京", satisfaction="不满意"),
                 case("2024-01-03", "2024-01-10", escalation="无", satisfaction="基本满意"),
                 case("2024-01-04", "2024-01-10"))
    got = casework_figures(data, Span.of(2024, date(2024, 12, 31)), RULES)
    assert got["escalated"] == 2
    assert got["satisfaction_rate"] == 66.7


def test_casework_with_no_cases_has_no_rates():
    got = casework_figures(cases(case("2020-01-01")).iloc[0:0], Span.of(2024, date(2024, 12, 31)), RULES)
    assert got["total"] == 0 and got["on_time_rate"] is None and got["median_reply_days"] is None


def test_coverage_is_a_stock_on_a_date():
    cov = frame([{"established_date": "2023-05-01"}, {"established_date": "2024-05-01"},
                 {"established_date": None}], dates=("established_date",))
    assert coverage_figures(cov, pd.Timestamp(2024, 12, 31)) == {"villages": 3, "covered": 2, "rate": 66.7}
    assert coverage_figures(cov, pd.Timestamp(2023, 12, 31))["covered"] == 1


def test_indicator_change_against_zero_and_missing_prior():
    assert Indicator(5, 0, "", "件").change == 5
    assert Indicator(5, 0, "", "件").change_pct is None
    assert Indicator(5, None, "", "件").change is None
    assert Indicator(33, 28, "", "件").change_pct == 17.9
    assert Indicator(100.0, 96.4, "", "%", "rate").change == 3.6
    assert Indicator(100.0, 96.4, "", "%", "rate").change_pct is None


def test_rate_of_nothing_is_none():
    assert rate(0, 0) is None
    assert rate(1, 3) == 33.3


def test_as_of_outside_the_year_is_refused():
    with pytest.raises(ParameterError, match="不在报告期间"):
        resolve_as_of(2024, "2023-12-31")
    with pytest.raises(ParameterError, match="不是日期"):
        resolve_as_of(2024, "30/11/2024")
    assert resolve_as_of(2024, None) == date(2024, 12, 31)


def test_first_year_of_data_has_no_prior(sample_ledgers):
    ind = compute_indicators(sample_ledgers, "yeji-mzj", 2022)
    assert ind["casework.total"].prior is None
    assert ind["activity.party_lecture"].prior is None


def test_unknown_unit_and_empty_year_are_parameter_errors(sample_ledgers):
    with pytest.raises(Exception, match="不在"):
        compute_indicators(sample_ledgers, "nope", 2024)
    with pytest.raises(ParameterError, match="台账中没有单位 yeji-mzj 这一年的记录"):
        compute_indicators(sample_ledgers, "yeji-mzj", 2019)

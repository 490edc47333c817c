"""Chinese phrasing: 同比增长/下降, 持平, 个百分点, 新增, 上年同期无数据."""

from __future__ import annotations

from datetime import date

import pytest

from helpers.figures.base import Indicator
from helpers.words.phrasing import change_phrase, cn_date, delta_cell, md_escape, number, pct_cell


@pytest.mark.parametrize("value, prior, expected", [
    (33, 28, "同比增长17.9%"),
    (28, 33, "同比下降15.2%"),
    (10, 10, "与上年同期持平"),
    (10000, 10001, "与上年同期持平"),   # rounds to 0.0%
    (3, 0, "上年同期为0，本期新增"),
    (0, 0, "与上年同期持平"),
    (3, None, "上年同期无数据"),
])
def test_count_changes(value, prior, expected):
    assert change_phrase(Indicator(value, prior, "", "件")) == expected


@pytest.mark.parametrize("value, prior, expected", [
    (100.0, 96.4, "同比提高3.6个百分点"),
    (90.0, 92.5, "同比下降2.5个百分点"),
    (90.0, 90.04, "与上年同期持平"),
    (90.0, None, "上年同期无数据"),
])
def test_rate_changes_are_percentage_points(value, prior, expected):
    text = change_phrase(Indicator(value, prior, "", "%", "rate"))
    assert text == expected
    assert "%" not in text


def test_table_cells():
    assert delta_cell(Indicator(33, 28, "", "件")) == "增加5件"
    assert delta_cell(Indicator(3, 4, "", "次")) == "减少1次"
    assert delta_cell(Indicator(100.0, 96.4, "", "%", "rate")) == "提高3.6个百分点"
    assert pct_cell(Indicator(33, 28, "", "件")) == "增长17.9%"
    assert pct_cell(Indicator(2, 0, "", "件")) == "新增"
    assert pct_cell(Indicator(2, None, "", "件")) == "上年同期无数据"
    assert pct_cell(Indicator(100.0, 96.4, "", "%", "rate")) == "—"


def test_dates_and_numbers():
    assert cn_date(date(2024, 1, 5)) == "2024年1月5日"
    assert number(100.0, "rate") == "100.0%"
    assert number(25.0, "days") == "25"
    assert number(25.5, "days") == "25.5"
    assert number(None) == "—"


def test_markdown_escape_keeps_hostile_text_as_text():
    assert md_escape("<script>alert(1)</script>") == r"\<script\>alert\(1\)\</script\>"
    assert md_escape("a*b_c") == r"a\*b\_c"


def test_a_charts_figures_in_words():
    from helpers.document.charts import Chart, figures_words

    words = figures_words({"2024年": [15, 3], "2023年同期": [12, None]}, ["理论学习", "党员大会"], "次")
    assert words == "2024年：理论学习15次，党员大会3次；2023年同期：理论学习12次"  # a missing value left out
    assert figures_words({"2024年": [float("nan")]}, ["一月"], "件") == ""
    chart = Chart("各类组织生活开展次数（2024年与上年同期）", b"", words)
    assert chart.alt(2) == f"图2　各类组织生活开展次数（2024年与上年同期）。{words}。"
    assert Chart("走势", b"").alt(1) == "图1　走势"


def test_markdown_attribute_values_are_escaped():
    from helpers.words.phrasing import md_attribute

    assert md_attribute('某"单位"\\') == '"某\\"单位\\"\\\\"'

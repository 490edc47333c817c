"""The analysts' prose: sections and placeholders."""

from __future__ import annotations

import pytest

from helpers.settings.errors import NarrativeError
from helpers.words.narrative import fill, parse


def test_fill_replaces_and_unescapes():
    assert fill("共{casework.total}件，{{原样}}", {"casework.total": "33"}) == "共33件，{原样}"


def test_unknown_placeholder_names_file_line_and_placeholder(tmp_path):
    p = tmp_path / "2024.md"
    p.write_text("## 开篇\n\n第一段。\n\n第二段{casework.totl}。\n", encoding="utf-8")
    with pytest.raises(NarrativeError) as err:
        parse(p, {"casework.total": "33"})
    message = str(err.value)
    assert str(p) in message and "第5行" in message and "是不是 {casework.total}" in message and "{casework.totl}" in message


def test_sections_and_subsections(tmp_path):
    p = tmp_path / "default.md"
    p.write_text(
        "<!-- a comment\n  over two lines -->\n## 开篇\n开头{year}。\n\n"
        "## 工作开展情况\n### 甲\n甲的内容\n继续。\n### 乙\n乙。\n",
        encoding="utf-8",
    )
    s = parse(p, {"year": "2024"})
    assert s["开篇"].paragraphs == ["开头2024。"]
    assert s["工作开展情况"].subsections == [("甲", ["甲的内容\n继续。"]), ("乙", ["乙。"])]


def test_unknown_section_is_an_error(tmp_path):
    p = tmp_path / "x.md"
    p.write_text("## 总结\n文字\n", encoding="utf-8")
    with pytest.raises(NarrativeError, match="第1行：“## 总结”不是报告的小节"):
        parse(p, {})


def test_front_matter_sets_the_signature_date(tmp_path):
    from datetime import date

    from helpers.words.narrative import front_matter

    p = tmp_path / "2024.md"
    p.write_text("---\nsigned: 2024-12-28\n---\n## 开篇\n开头。\n", encoding="utf-8")
    assert front_matter(p) == {"signed": date(2024, 12, 28)}
    assert parse(p, {})["开篇"].paragraphs == ["开头。"]
    p.write_text("---\nsigned: 十二月\n---\n## 开篇\n开头。\n", encoding="utf-8")
    with pytest.raises(NarrativeError, match="signed"):
        front_matter(p)

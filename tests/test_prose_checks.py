"""Prose checked like data: every mistake named with its file and line, the nearest name suggested."""

from __future__ import annotations

import shutil
import warnings

import pytest

from helpers.settings.errors import NarrativeError
from helpers.words.narrative import NarrativeWarning, check_folder, parse, read

KNOWN = {"casework.total": "33", "year": "2024", "text.casework": "全年共收到来信来访33件。"}
GOOD = "## 开篇\n开头。\n\n## 工作开展情况\n### 甲\n甲。\n\n## 存在问题和短板\n问题。\n\n## 工作谋划\n谋划。\n"


def _file(tmp_path, text):
    p = tmp_path / "2024.md"
    p.write_text(text, encoding="utf-8")
    return p


def _errors(tmp_path, body):
    sections, problems = read(_file(tmp_path, body), KNOWN)
    return [p for p in problems if p.error]


def test_full_width_braces_are_an_error_with_the_half_width_fix(tmp_path):
    text = GOOD.replace("问题。", "问题。\n共｛casework.total｝件。")
    (err,) = _errors(tmp_path, text)
    assert err.line == 10 and "全角" in err.message and "{casework.total}" in err.message
    with pytest.raises(NarrativeError, match="第10行"):
        parse(_file(tmp_path, text), KNOWN)


def test_mixed_width_braces_are_caught_too(tmp_path):
    (err,) = _errors(tmp_path, GOOD.replace("开头。", "共{casework.total｝件。"))
    assert err.line == 2 and "全角" in err.message


def test_an_unclosed_brace_is_an_error_naming_the_placeholder(tmp_path):
    (err,) = _errors(tmp_path, GOOD.replace("甲。", "共{casework.total件。"))
    assert err.line == 6 and "没有闭合" in err.message and "{casework.total}" in err.message


def test_an_unclosed_full_width_brace_is_an_error(tmp_path):
    (err,) = _errors(tmp_path, GOOD.replace("甲。", "共｛casework.total件。"))
    assert err.line == 6 and "没有闭合" in err.message


def test_a_misspelt_placeholder_suggests_the_nearest(tmp_path):
    (err,) = _errors(tmp_path, GOOD.replace("谋划。", "{text.casewrk}"))
    assert err.line == 12 and "{text.casewrk}" in err.message and "是不是 {text.casework}" in err.message


def test_a_name_with_nothing_near_gets_no_suggestion(tmp_path):
    (err,) = _errors(tmp_path, GOOD.replace("谋划。", "{zzzzzz}"))
    assert "是不是" not in err.message and "{zzzzzz}" in err.message


def test_escaped_braces_and_full_width_brackets_in_prose_are_fine(tmp_path):
    text = GOOD.replace("开头。", "写作{{原样}}，另见｛附件｝。")
    assert _errors(tmp_path, text) == []
    assert parse(_file(tmp_path, text), KNOWN)["开篇"].paragraphs == ["写作{原样}，另见｛附件｝。"]


def test_every_error_of_a_file_is_listed_at_once(tmp_path):
    text = GOOD.replace("开头。", "{casework.totl}").replace("问题。", "｛year｝")
    with pytest.raises(NarrativeError) as err:
        parse(_file(tmp_path, text), KNOWN)
    assert "第2行" in str(err.value) and "第9行" in str(err.value)


def test_an_unknown_heading_names_the_known_sections(tmp_path):
    (err,) = _errors(tmp_path, GOOD.replace("## 存在问题和短板", "## 存在问题"))
    assert err.line == 8 and "是不是“## 存在问题和短板”" in err.message
    assert all(s in err.message for s in ("## 开篇", "## 工作开展情况", "## 工作谋划"))


def test_a_heading_without_a_space_is_an_error(tmp_path):
    (err,) = _errors(tmp_path, GOOD.replace("## 工作谋划", "##工作谋划"))
    assert err.line == 11 and "空一格" in err.message


def test_empty_and_missing_sections_are_warnings(tmp_path):
    text = GOOD.replace("问题。\n", "").split("## 工作谋划")[0]
    _, problems = read(_file(tmp_path, text), KNOWN)
    assert [p.error for p in problems] == [False, False]
    assert "第8行" in str(problems[0]) and "是空的" in problems[0].message
    assert "缺少“## 工作谋划”" in problems[1].message
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        parse(_file(tmp_path, text), KNOWN)
    assert [w.category for w in caught] == [NarrativeWarning, NarrativeWarning]


def test_a_clean_file_has_no_problem(tmp_path):
    assert read(_file(tmp_path, GOOD), KNOWN)[1] == []


def test_check_folder_looks_at_every_prose_file(tmp_path):
    base = tmp_path / "narrative"
    (base / "u1").mkdir(parents=True)
    (base / "default.md").write_text(GOOD, encoding="utf-8")
    (base / "u1" / "2024.md").write_text(GOOD.replace("开头。", "{casework.totl}"), encoding="utf-8")
    (base / "u1" / "2023.md").write_text(GOOD.replace("开头。", "{coverage.rate}"), encoding="utf-8")
    problems = check_folder(tmp_path, lambda path: ({"casework.total"}, {"coverage.rate"}))
    assert [str(p) for p in problems] == [
        "narrative/u1/2023.md，第2行：占位符 {coverage.rate} 只有部分单位有数据（其他单位缺少相应台账），用这份文字材料的报告会出错",
        "narrative/u1/2024.md，第2行：占位符 {casework.totl} 不存在，是不是 {casework.total}？",
    ]


def test_validate_reports_prose_mistakes_and_fails(data_copy, capsys):
    from helpers.cli import main

    p = data_copy / "narrative" / "yeji-mzj" / "2024.md"
    lines = p.read_text(encoding="utf-8").splitlines()
    index = next(i for i, line in enumerate(lines) if "{text.activities}" in line)
    lines[index] = lines[index].replace("{text.activities}", "｛text.activities｝")
    p.write_text("\n".join(lines) + "\n", encoding="utf-8")
    from helpers.settings.paths import generic_prose

    default = data_copy / "narrative" / "default.md"  # an office's copy of the generic prose, misspelt
    default.write_text(generic_prose("ideology").read_text(encoding="utf-8").replace("{period}", "{peroid}"), encoding="utf-8")
    assert main(["validate", "--data", str(data_copy)]) == 2
    out = capsys.readouterr().out
    assert f"narrative/yeji-mzj/2024.md，第{index + 1}行：“｛text.activities｝”用了全角花括号，请改为半角 {{text.activities}}" in out
    assert "narrative/default.md" in out and "是不是 {period}" in out


@pytest.mark.render
def test_the_build_stops_on_a_prose_mistake_with_its_line(data_copy, tmp_path):
    from helpers.cli import main

    p = data_copy / "narrative" / "yeji-mzj" / "2024.md"
    p.write_text(p.read_text(encoding="utf-8").replace("{text.casework}", "{text.casework"), encoding="utf-8")
    out = tmp_path / "out"
    assert main(["build", "--year", "2024", "--unit", "yeji-mzj", "--data", str(data_copy), "--out", str(out),
                 "--formats", "html", "--jobs", "1"]) == 1
    error = (out / "2024" / "ideology" / "yeji-mzj.error.txt").read_text(encoding="utf-8")
    assert "没有闭合" in error and "2024.md，第" in error
    shutil.rmtree(out)

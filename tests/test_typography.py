"""Typography a Party group signs, measured on every report of the sample build (tests/typography.py).

Punctuation on the grid, nothing past the right edge, 避头尾, no stray pages, no
wrapped table cell; the DOCX names the office fonts. The figures are printed
(``pytest -s``) as well as checked.
"""

from __future__ import annotations

import re
import zipfile

import pytest

from helpers.settings.layout import column_widths, display_width, office_fonts, pipe_table
from typography import measure, report

pytestmark = pytest.mark.render


@pytest.fixture(scope="module")
def pdfs(sample_build):
    found = sorted(sample_build.glob("*/*/*/report.pdf"))
    # 3 kinds x (4 units x 3 years + 3 district summaries), and their 2024 half-year reports
    assert len(found) == 3 * 15 + 3 * 5, found
    return found


@pytest.fixture(scope="module")
def measured(pdfs):
    return {p: measure(p) for p in pdfs}


@pytest.fixture(scope="module")
def figures(pdfs):
    out = report(pdfs)
    print("\ntypography of the sample build:", out)
    return out


def test_punctuation_takes_a_full_cell(figures, measured):
    assert figures["punctuation"] > 500
    assert figures["share_on_pitch"] >= 90, figures
    assert figures["lines_over_28"] == 0, figures  # no line squeezes in a 29th character
    for m in measured.values():  # the grid: 156 mm / 28 characters
        assert abs(m.hanzi_pitch() - 156 / 28 * 72 / 25.4) < 0.05, (m.path, m.hanzi_pitch())


def test_nothing_past_the_right_edge(measured):
    past = {str(p): m.past_right_edge() for p, m in measured.items() if m.past_right_edge()}
    assert not past


def test_no_closing_mark_starts_a_line(measured):
    bad = {str(p): m.closing_at_line_start() for p, m in measured.items() if m.closing_at_line_start()}
    assert not bad


def test_no_stray_pages(measured):
    stray = {str(p): m.stray_pages() for p, m in measured.items() if m.stray_pages()}
    assert not stray


def test_no_table_cell_wraps(measured):
    wrapped = {str(p): m.wrapped_cells() for p, m in measured.items() if m.wrapped_cells()}
    assert not wrapped
    assert sum(len(m.cells) for m in measured.values()) > 1000


def test_signature_is_kept_with_the_body(measured):
    for path, m in measured.items():
        if "_summary" in str(path):
            continue
        for page in range(1, m.pages + 1):
            lines = [ln for ln in m.body_lines() if ln.page == page]
            if lines and re.fullmatch(r"\d{4}年\d{1,2}月\d{1,2}日", lines[-1].text):  # the page that signs
                body = [ln for ln in lines if ln.chars[0]["x0"] < 200 and not ln.text.startswith("附件")]
                assert len(body) >= 2, (path, page, [ln.text for ln in lines])
                break
        else:
            pytest.fail(f"{path}: no page ends with the date")


def test_docx_styles_name_the_office_fonts(sample_build):
    wanted = office_fonts()
    for docx in sorted(sample_build.glob("*/*/*/report.docx")):
        with zipfile.ZipFile(docx) as z:
            styles = z.read("word/styles.xml").decode("utf-8")
            table = z.read("word/fontTable.xml").decode("utf-8")
        east_asian = set(re.findall(r'w:eastAsia="([^"]+)"', styles)) - {"zh-CN"}
        assert east_asian == {wanted[r] for r in ("title", "body", "hei", "kai")}, (docx, east_asian)
        assert "eastAsiaTheme" not in styles  # nothing falls back to the theme's 等线
        for role in ("title", "body", "hei", "kai", "page-number"):
            entry = re.search(rf'<w:font w:name="{re.escape(wanted[role])}">(.*?)</w:font>', table, re.S)
            assert entry, (docx, role)
            assert '<w:charset w:val="86"/>' in entry.group(1)


# ------------------------------------------------------------------ tables, without rendering


@pytest.mark.parametrize("text, width", [("提高3.6个百分点", 16), ("100.0%", 7), ("指标", 4), ("—", 2)])
def test_display_width_counts_what_typst_sets(text, width):
    assert display_width(text) == width


def test_column_widths_hold_every_figure_and_give_the_rest_to_the_first_column():
    rows = [["越级信访（到市、赴省、进京）（件）", "100.0%", "96.4%", "提高32.5个百分点", "下降100.0%"]]
    header = ["指标", "本期", "上年同期", "增减", "增幅"]
    widths = column_widths(header, rows, units=90)
    assert sum(widths) == 400
    for cell, head, width in zip(rows[0], header, widths):
        assert width * 90 / 400 >= max(display_width(cell), display_width(head)) + 1
    assert widths[0] * 90 / 400 > display_width(rows[0][0]) + 5  # the first column takes the rest


def test_column_widths_wrap_headings_before_figures_when_the_table_is_wide():
    header = ["单位", "组织生活（次）", "理论中心组学习（次）", "来信来访（件）", "按期答复率", "群众满意率", "宣传报道（篇）"]
    rows = [["叶集区人力资源和社会保障局", "46", "15", "33", "100.0%", "100.0%", "15"]]
    widths = column_widths(header, rows, units=84)
    assert sum(widths) == 400
    for cell, head, width in zip(rows[0], header, widths):
        assert width * 84 / 400 >= display_width(cell) + 1  # every figure on one line
        assert width * 84 / 400 >= display_width(head) / 2 + 1  # headings on at most two lines
    widths = column_widths(header, rows, units=60)  # too narrow for that: the figures still fit
    for cell, width in zip(rows[0], widths):
        assert width * 60 / 400 >= display_width(cell) + 1


def test_pipe_table_separator_gives_pandoc_relative_widths():
    table = pipe_table(["指标", "本期"], [["按期答复率", "100.0%"]])
    sep = table.splitlines()[1]
    assert sep.startswith("|:-") and sep.endswith("-:|")
    assert sep.count("-") + sep.count(":") == 400  # longer than pandoc's 72 columns: relative widths


def test_doctor_says_which_fonts_the_docx_asks_for():
    from conftest import run_cli

    proc = run_cli("doctor")
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "DOCX 样式所列字体" in proc.stdout
    for role, family in office_fonts().items():
        if role != "chart":
            assert f"：{family}（" in proc.stdout, (role, proc.stdout)


@pytest.mark.parametrize("lead, rows", [(0, 60), (3, 56), (6, 52), (12, 40)])
def test_a_long_table_splits_with_three_rows_each_side_and_its_heading_repeated(tmp_path, lead, rows):
    import pdfplumber

    from helpers.render.engines import render_pdf
    from helpers.settings.fonts import resolve_all
    from helpers.settings.layout import page_layout

    cells = [[f"第{i}项指标（次）", str(i), str(i + 1), f"增加{i}次", "增长10.0%"] for i in range(1, rows + 1)]
    md = tmp_path / "report.md"
    md.write_text("---\ntitle: t\ntitle-lines: [长表]\npagetitle: t\n---\n\n" + "正文一段，用来占位。" * 3 * lead
                  + "\n\n::: {.caption}\n表1　长表\n:::\n\n" + pipe_table(["指标", "本期", "上年同期", "增减", "增幅"], cells)
                  + "\n", encoding="utf-8")
    choices = resolve_all()
    render_pdf(md, tmp_path / "report.pdf", page_layout(choices), choices, ("body",))
    with pdfplumber.open(tmp_path / "report.pdf") as pdf:
        texts = ["".join((p.extract_text() or "").split()) for p in pdf.pages]
    parts = [(t.count("项指标"), t.count("指标本期上年同期增减增幅")) for t in texts if "项指标" in t]
    assert len(parts) >= 2, parts  # the table is longer than a page
    assert sum(n for n, _ in parts) == rows
    assert all(n >= 3 and heading == 1 for n, heading in parts), parts

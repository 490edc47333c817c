"""GB/T 9704 measured, not eyeballed: the rendered PDF and the DOCX XML against the layout rules."""

from __future__ import annotations

import re
import shutil
import subprocess
import zipfile
from collections import Counter

import pytest

from helpers.fonts import resolve

pytestmark = pytest.mark.render
MM = 72 / 25.4


@pytest.fixture(scope="module")
def pages(built_report):
    import pdfplumber

    with pdfplumber.open(built_report / "report.pdf") as pdf:
        return [(p.width, p.height, p.chars) for p in pdf.pages]


def body_chars(chars):
    return [c for c in chars if round(c["size"], 1) == 16.0]


def test_page_is_a4(pages):
    for width, height, _ in pages:
        assert abs(width / MM - 210) < 0.5 and abs(height / MM - 297) < 0.5


def test_body_left_edge_at_28mm_and_right_edge_within_the_block(pages):
    for _w, _h, chars in pages:
        body = body_chars(chars)
        if len({round(c["top"]) for c in body}) >= 5:  # pages of running text
            assert abs(min(c["x0"] for c in body) / MM - 28) < 0.3
            # a line-final punctuation mark is set half-width: its glyph box starts at most 1/2 em before 184 mm
            assert max(c["x0"] for c in body) / MM <= 184 - 8 / MM + 0.3


def test_text_starts_at_37mm(pages):
    for _w, _h, chars in pages:
        body = [c for c in chars if c["size"] >= 16]
        if len({round(c["top"]) for c in body_chars(chars)}) >= 5:  # pages of running text
            # pdfplumber's top is the font's ascender, a little above the 1-em line box that starts at 37 mm
            assert 35.5 < min(c["top"] for c in body) / MM < 38


def test_sizes_of_body_and_title(pages):
    sizes = Counter(round(c["size"], 1) for _w, _h, chars in pages for c in chars)
    assert sizes[16.0] > 1000
    title = [c for c in pages[0][2] if round(c["size"], 1) == 22.0]
    assert "".join(c["text"] for c in title).startswith("中共六安市叶集区民政局党组2024年度")
    assert "".join(c["text"] for c in title).endswith("意识形态工作专题报告")
    xs = [(c["x0"] + c["x1"]) / 2 for c in title]
    assert abs((min(xs) + max(xs)) / 2 / MM - (28 + 156 / 2)) < 6  # centred on the text block


def test_full_pages_hold_21_to_23_body_lines(pages):
    counts = [len({round(c["top"]) for c in body_chars(chars)}) for _w, _h, chars in pages]
    full = [n for n in counts[1:] if n >= 15]  # pages after the title page, before the attachment
    assert full, counts
    for n in full:
        assert 21 <= n <= 23, counts


def test_line_pitch_is_the_grid(pages):
    tops = sorted({round(c["top"], 1) for c in body_chars(pages[1][2])})
    pitches = Counter(round(b - a, 0) for a, b in zip(tops, tops[1:]))
    assert pitches.most_common(1)[0][0] == 29  # 225 mm / 22 lines = 29.0 pt


def test_page_numbers_odd_right_even_left(pages):
    for number, (_width, height, chars) in enumerate(pages, start=1):
        foot = sorted((c for c in chars if c["top"] > height - 35 * MM), key=lambda c: c["x0"])
        text = "".join(c["text"] for c in foot).replace(" ", "")
        assert text == f"—{number}—"
        assert all(round(c["size"]) == 14 for c in foot)
        if number % 2:
            assert max(c["x1"] for c in foot) / MM > 170
        else:
            assert min(c["x0"] for c in foot) / MM < 40
        assert resolve("page-number").postscript in foot[0]["fontname"]


def test_heading_fonts_by_level(pages):
    chars = [c for _w, _h, cs in pages for c in cs]
    def font_of(text):
        line = "".join(c["text"] for c in chars)
        i = line.index(text)
        return chars[i]["fontname"].split("+")[-1]
    assert resolve("hei").postscript in font_of("一、工作开展情况")
    assert resolve("kai").postscript in font_of("（一）坚持党组统揽")
    assert resolve("body").postscript in font_of("局党组年初即把")
    assert resolve("title").postscript in font_of("中共六安市叶集区民政局党组2024年度")


def test_signature_is_right_hand_block(pages):
    for _w, _h, chars in pages:
        line = [c for c in chars if c["text"] in "2024年12月31日" and round(c["size"]) == 16]
        text = "".join(c["text"] for c in chars)
        if "中共六安市叶集区民政局党组2024年12月31日" in text.replace(" ", ""):
            date_chars = [c for c in chars if round(c["size"]) == 16][-11:]
            assert "".join(c["text"] for c in date_chars) == "2024年12月31日"
            assert max(c["x1"] for c in date_chars) / MM > 184 - 2 * 16 / MM - 2  # right, with two characters' space
            return
        del line
    pytest.fail("signature block not found")


def test_attachment_starts_a_page_with_its_mark(pages):
    starts = ["".join(c["text"] for c in chars[:2]) for _w, _h, chars in pages]
    assert "附件" in starts


def test_docx_page_setup_and_styles(built_report):
    with zipfile.ZipFile(built_report / "report.docx") as z:
        styles = z.read("word/styles.xml").decode("utf-8")
        settings = z.read("word/settings.xml").decode("utf-8")
        footers = [z.read(n).decode("utf-8") for n in z.namelist() if re.match(r"word/footer\d*\.xml", n)]
    for role in ("body", "hei", "kai", "title"):
        assert f'w:eastAsia="{resolve(role).family}"' in styles, role
    assert 'w:line="579" w:lineRule="exact"' in styles or 'w:line="580" w:lineRule="exact"' in styles
    assert "w:evenAndOddHeaders" in settings
    assert len(footers) >= 2 and all("PAGE" in f for f in footers)
    assert any('<w:jc w:val="right"' in f for f in footers) and any('<w:jc w:val="left"' in f for f in footers)


@pytest.mark.skipif(shutil.which("soffice") is None, reason="LibreOffice is not installed (make system)")
def test_docx_holds_its_layout_in_libreoffice(built_report, tmp_path):
    import pdfplumber

    subprocess.run(["soffice", "--headless", f"-env:UserInstallation=file://{tmp_path}/profile",
                    "--convert-to", "pdf", "--outdir", str(tmp_path), str(built_report / "report.docx")],
                   check=True, capture_output=True, timeout=180)
    assert (tmp_path / "report.pdf").is_file(), "LibreOffice converted nothing: is Writer installed? (make system)"
    with pdfplumber.open(tmp_path / "report.pdf") as lo, pdfplumber.open(built_report / "report.pdf") as ty:
        assert abs(len(lo.pages) - len(ty.pages)) <= 2
        page = lo.pages[1]
        assert abs(page.width / MM - 210) < 0.5
        body = [c for c in page.chars if round(c["size"]) == 16]
        assert abs(min(c["x0"] for c in body) / MM - 28) < 1
        lines = len({round(c["top"]) for c in body})
        assert 20 <= lines <= 23
        fonts = {c["fontname"].split("+")[-1] for p in lo.pages for c in p.chars}
    assert any(resolve("body").postscript.split("-")[0] in f for f in fonts), fonts

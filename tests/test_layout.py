"""GB/T 9704 measured, not eyeballed: the rendered PDF and the DOCX XML against the layout rules."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import zipfile
from collections import Counter
from pathlib import Path

import pytest

from helpers.settings.fonts import font_dirs, font_index, resolve
from helpers.settings.layout import office_fonts, page_layout

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
            # every glyph, a line-final punctuation mark too, ends inside the 156 mm text block
            assert max(c["x1"] for c in body) / MM <= 184 + 0.1


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
    for role in ("body", "hei", "kai", "title"):  # the office fonts, for the recipient's machine
        assert f'w:eastAsia="{office_fonts()[role]}"' in styles, role
    assert 'w:line="579" w:lineRule="exact"' in styles or 'w:line="580" w:lineRule="exact"' in styles
    assert "w:evenAndOddHeaders" in settings
    assert len(footers) >= 2 and all("PAGE" in f for f in footers)
    assert any('<w:jc w:val="right"' in f for f in footers) and any('<w:jc w:val="left"' in f for f in footers)


def _embedded_glyphs(pdf_path):
    """Per embedded font of a PDF: {character: glyph name}, read from the font program and ToUnicode."""
    import pdfplumber
    from pdfminer.pdffont import PDFCIDFont
    from pdfminer.pdfinterp import PDFResourceManager
    from pdfminer.pdftypes import resolve1

    out: dict[str, dict[str, str]] = {}
    manager = PDFResourceManager()
    with pdfplumber.open(pdf_path) as pdf:
        for page in pdf.pages:
            for spec in resolve1(resolve1(page.page_obj.resources).get("Font", {})).values():
                spec = resolve1(spec)
                name = spec["BaseFont"].name.split("+")[-1]
                desc = resolve1(spec.get("FontDescriptor"))
                program = resolve1(desc.get("FontFile")) if desc else None
                if program is None or isinstance(manager.get_font(None, spec), PDFCIDFont):
                    continue
                names = dict(re.findall(rb"dup (\d+) /(\S+) put", program.get_data()))
                font = manager.get_font(None, spec)
                for code, glyph in names.items():
                    try:
                        ch = font.to_unichr(int(code))
                    except Exception:
                        continue
                    out.setdefault(name, {})[ch] = glyph.decode()
    return out


@pytest.fixture(scope="module")
def libreoffice_pdf(built_report, tmp_path_factory):
    """The DOCX converted by headless LibreOffice, with the fontconfig aliases of the office fonts.

    LibreOffice does not read w:altName; the fontconfig file from
    helpers.render.docx_reference.fontconfig_aliases maps the office fonts to the ones of this machine.
    """
    from helpers.render.docx_reference import fontconfig_aliases

    if shutil.which("soffice") is None:
        pytest.skip("LibreOffice is not installed (make system)")
    tmp_path = tmp_path_factory.mktemp("libreoffice")
    (tmp_path / "xdg" / "fontconfig").mkdir(parents=True)
    (tmp_path / "xdg" / "fontconfig" / "fonts.conf").write_text(fontconfig_aliases(page_layout(), font_dirs()))
    subprocess.run(["soffice", "--headless", f"-env:UserInstallation=file://{tmp_path}/profile",
                    "--convert-to", "pdf", "--outdir", str(tmp_path), str(built_report / "report.docx")],
                   check=True, capture_output=True, timeout=180, env={**os.environ, "XDG_CONFIG_HOME": str(tmp_path / "xdg")})
    assert (tmp_path / "report.pdf").is_file(), "LibreOffice converted nothing: is Writer installed? (make system)"
    return tmp_path / "report.pdf"


def test_docx_holds_its_layout_in_libreoffice(built_report, libreoffice_pdf):
    import pdfplumber

    with pdfplumber.open(libreoffice_pdf) as lo, pdfplumber.open(built_report / "report.pdf") as ty:
        assert abs(len(lo.pages) - len(ty.pages)) <= 2
        page = lo.pages[1]
        assert abs(page.width / MM - 210) < 0.5
        body = [c for c in page.chars if round(c["size"]) == 16]
        assert abs(min(c["x0"] for c in body) / MM - 28) < 1
        lines = len({round(c["top"]) for c in body})
        assert 20 <= lines <= 23


def test_docx_in_libreoffice_uses_chinese_faces(libreoffice_pdf):
    """No Japanese face: every character LibreOffice drew from a Noto CJK collection is the glyph of its SC face.

    The embedded name of a Noto CJK face is "...CJKjp..." whichever face of the
    collection was used (the faces share one CFF table), so the test compares
    glyphs: the glyph of each character against the SC and the JP face's cmap.
    """
    from fontTools.ttLib import TTCollection

    glyphs = _embedded_glyphs(libreoffice_pdf)
    assert any(resolve("body").postscript in name for name in glyphs), glyphs.keys()  # 仿宋_GB2312 -> FandolFang
    assert any(resolve("kai").postscript in name for name in glyphs), glyphs.keys()
    checked = 0
    for name, chars in glyphs.items():
        m = re.match(r"Noto(Sans|Serif)CJK\w\w-(\w+?)(-|$)", name)
        if not m:
            continue
        faces = {f.postscript: f for f in font_index()}
        sc, jp = (faces.get(f"Noto{m.group(1)}CJK{tag}-{m.group(2)}") for tag in ("sc", "jp"))
        assert sc and jp, name
        cmaps = {tag: TTCollection(f.path, lazy=True).fonts[f.index].getBestCmap() for tag, f in (("sc", sc), ("jp", jp))}
        def cid(glyph):  # "cid09519" in the font, "cid9519" in LibreOffice's subset
            return int(glyph[3:]) if glyph and glyph.startswith("cid") else glyph

        for ch, glyph in chars.items():
            want, japanese = cid(cmaps["sc"].get(ord(ch))), cid(cmaps["jp"].get(ord(ch)))
            if want is not None and want != japanese:
                assert cid(glyph) == want, (name, ch, glyph, "Japanese glyph form")
                checked += 1
    assert checked >= 1, glyphs.keys()  # some characters have distinct SC and JP forms




def test_the_set_up_s_font_aliases_serve_libreoffice_as_it_is(built_report, tmp_path):
    """The set-up installs the aliases (make setup: nianbao doctor --install-font-aliases): LibreOffice, run
    as a user runs it (no configuration of the test's own), draws 仿宋_GB2312 and 楷体_GB2312 with the free faces."""
    from helpers.render.docx_reference import FONT_ALIASES_NAME

    if shutil.which("soffice") is None:
        pytest.skip("LibreOffice is not installed (make system)")
    home = Path(os.environ.get("XDG_CONFIG_HOME") or Path.home() / ".config") / "fontconfig" / "conf.d"
    installed = [p for p in (Path("/etc/fonts/conf.d") / FONT_ALIASES_NAME, home / FONT_ALIASES_NAME) if p.is_file()]
    assert installed, "the set-up did not install the font aliases (make setup)"
    subprocess.run(["soffice", "--headless", f"-env:UserInstallation=file://{tmp_path}/profile",
                    "--convert-to", "pdf", "--outdir", str(tmp_path), str(built_report / "report.docx")],
                   check=True, capture_output=True, timeout=180)
    glyphs = _embedded_glyphs(tmp_path / "report.pdf")
    assert any(resolve("body").postscript in name for name in glyphs), glyphs.keys()
    assert any(resolve("kai").postscript in name for name in glyphs), glyphs.keys()

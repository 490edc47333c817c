"""Generate the DOCX reference document from ``_quarto.yml``.

Pandoc takes page setup, styles and footers from a reference document. This
module starts from Pandoc's own default and applies the official layout: A4,
the GB/T 9704 margins, East Asian fonts set explicitly on every style, exact
line spacing for 22 lines a page, two-character indents, the four heading
levels, the report's own paragraph styles, and "— 1 —" page numbers in the
footer (odd pages right, even pages left). Word, WPS and LibreOffice then show
the same page.

The styles name the office fonts (the first family of each role's list in
``_quarto.yml``: 仿宋_GB2312, 方正小标宋简体, 黑体, 楷体_GB2312, 宋体), so that Word and
WPS on the recipient's machine use their own; the font this machine renders the
PDF with is recorded in ``word/fontTable.xml`` as each one's alternate name
(``w:altName``), with the GB2312 character set, which steers a machine without
the named font to a Chinese face (LibreOffice otherwise may pick a Japanese one).
"""

from __future__ import annotations

import hashlib
import json
import re
import subprocess
import zipfile
from pathlib import Path
from xml.sax.saxutils import quoteattr

from docx import Document
from docx.enum.section import WD_SECTION_START
from docx.enum.style import WD_STYLE_TYPE
from docx.enum.text import WD_ALIGN_PARAGRAPH, WD_LINE_SPACING
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Mm, Pt, RGBColor

from ..settings import paths
from ..settings.layout import Layout


def _set_fonts(style, family: str, size_pt: float, *, bold: bool = False, tracking_pt: float = 0.0) -> None:
    font = style.font
    font.name = family
    font.size = Pt(size_pt)
    font.bold = bold
    font.italic = False
    font.color.rgb = RGBColor(0, 0, 0)
    rpr = style.element.get_or_add_rPr()
    fonts = rpr.find(qn("w:rFonts"))
    if fonts is None:
        fonts = OxmlElement("w:rFonts")
        rpr.insert(0, fonts)
    for attr in ("w:ascii", "w:hAnsi", "w:eastAsia", "w:cs"):
        fonts.set(qn(attr), family)
    for attr in ("w:asciiTheme", "w:hAnsiTheme", "w:eastAsiaTheme", "w:cstheme"):
        fonts.attrib.pop(qn(attr), None)
    lang = rpr.find(qn("w:lang"))
    if lang is None:
        lang = OxmlElement("w:lang")
        rpr.append(lang)
    lang.set(qn("w:eastAsia"), "zh-CN")
    if tracking_pt:
        spacing = rpr.find(qn("w:spacing"))
        if spacing is None:
            spacing = OxmlElement("w:spacing")
            rpr.append(spacing)
        spacing.set(qn("w:val"), str(round(tracking_pt * 20)))


DOCX_ROLES = ("title", "body", "hei", "kai", "page-number")
GB2312_CHARSET = "86"


def docx_fonts(layout: Layout) -> dict[str, tuple[str, str]]:
    """Per role: (the family the DOCX names, the alternate recorded for it).

    The named family is the office font (first of the role's list); the alternate is
    the font that serves the role on this machine, empty when it is the same.
    """
    out = {}
    for role in DOCX_ROLES:
        here = layout.fonts.get(role, "")
        named = layout.office_fonts.get(role) or here
        out[role] = (named, "" if here == named else here)
    return out


def docx_font_lines(layout: Layout) -> list[str]:
    """What ``nianbao doctor`` says about the DOCX: the font each style names, and its alternate."""
    from ..settings.fonts import ROLE_NAMES

    lines = ["DOCX 样式所列字体（先列办公电脑上的字体，Word/WPS 打开时使用本机同名字体）："]
    for role, (named, alt) in docx_fonts(layout).items():
        where = f"本机无此字体；文档中注明以 {alt} 代替（没有该字体的电脑用它显示）" if alt else "本机已安装"
        lines.append(f"  {ROLE_NAMES.get(role, role)}：{named}（{where}）")
    return lines


def fontconfig_aliases(layout: Layout, font_dirs: list[Path] = (), standalone: bool = True) -> str:
    """A fontconfig file that maps each font the DOCX names to its alternate (for LibreOffice on Linux).

    LibreOffice does not read ``w:altName``; with this file (as ``$XDG_CONFIG_HOME/fontconfig/fonts.conf``,
    ``standalone``; or, without the include of the system's configuration, as a ``conf.d`` snippet)
    it renders the DOCX with the fonts this machine renders the PDF with.
    """
    from xml.sax.saxutils import escape

    lines = ['<?xml version="1.0"?>', '<!DOCTYPE fontconfig SYSTEM "fonts.dtd">', "<fontconfig>"]
    if standalone:
        lines.append('  <include ignore_missing="yes">/etc/fonts/fonts.conf</include>')
    lines += [f"  <dir>{escape(str(d))}</dir>" for d in font_dirs]
    for named, alt in docx_fonts(layout).values():
        if alt:
            lines.append(f'  <alias binding="same"><family>{escape(named)}</family>'
                         f"<prefer><family>{escape(alt)}</family></prefer></alias>")
    return "\n".join([*lines, "</fontconfig>", ""])


FONT_ALIASES_NAME = "30-nianbao-office-fonts.conf"


def install_font_aliases(target: Path | None = None) -> Path:
    """Write :func:`fontconfig_aliases` where fontconfig reads it, and refresh its cache.

    As root: ``/etc/fonts/conf.d/`` (every program of the machine, LibreOffice
    included); otherwise ``~/.config/fontconfig/conf.d/``.

    Returns
    -------
    Path
        The file written.
    """
    import os
    import shutil
    import subprocess

    from ..settings.fonts import font_dirs
    from ..settings.layout import page_layout

    if target is None:
        system = Path("/etc/fonts/conf.d")
        home = Path(os.environ.get("XDG_CONFIG_HOME") or Path.home() / ".config") / "fontconfig" / "conf.d"
        target = (system if os.geteuid() == 0 and system.is_dir() else home) / FONT_ALIASES_NAME
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(fontconfig_aliases(page_layout(), font_dirs(), standalone=False), encoding="utf-8")
    if shutil.which("fc-cache"):
        subprocess.run(["fc-cache"], capture_output=True, timeout=300)
    return target


def _font_table(path: Path, fonts: dict[str, str]) -> None:
    """Declare ``fonts`` (name -> alternate) in ``word/fontTable.xml``, GB2312 character set."""
    with zipfile.ZipFile(path) as z:
        parts = {n: z.read(n) for n in z.namelist()}
    xml = parts["word/fontTable.xml"].decode("utf-8")
    for name, alt in fonts.items():
        xml = re.sub(rf"<w:font w:name={re.escape(quoteattr(name))}>.*?</w:font>\s*", "", xml, flags=re.S)
        entry = (f"<w:font w:name={quoteattr(name)}>"
                 + (f"<w:altName w:val={quoteattr(alt)}/>" if alt else "")
                 + f'<w:charset w:val="{GB2312_CHARSET}"/><w:family w:val="auto"/><w:pitch w:val="variable"/></w:font>')
        xml = xml.replace("</w:fonts>", entry + "</w:fonts>")
    parts["word/fontTable.xml"] = xml.encode("utf-8")
    from ..settings.outdir import atomic_file

    with atomic_file(path) as tmp, zipfile.ZipFile(tmp, "w", zipfile.ZIP_DEFLATED) as z:
        for name, data in parts.items():
            z.writestr(name, data)


def _default_fonts(doc, family: str) -> None:
    """The document defaults name the body font too (not the theme's 等线)."""
    defaults = doc.styles.element.find(qn("w:docDefaults"))
    rpr = defaults.find(qn("w:rPrDefault")).find(qn("w:rPr")) if defaults is not None else None
    if rpr is None:
        return
    fonts = rpr.find(qn("w:rFonts"))
    if fonts is None:
        fonts = OxmlElement("w:rFonts")
        rpr.insert(0, fonts)
    for attr in ("w:asciiTheme", "w:hAnsiTheme", "w:eastAsiaTheme", "w:cstheme"):
        fonts.attrib.pop(qn(attr), None)
    for attr in ("w:ascii", "w:hAnsi", "w:eastAsia", "w:cs"):
        fonts.set(qn(attr), family)


def _paragraph(style, layout: Layout, *, indent_chars: float = 2, align=WD_ALIGN_PARAGRAPH.JUSTIFY,
               exact: bool = True) -> None:
    fmt = style.paragraph_format
    fmt.alignment = align
    fmt.space_before = Pt(0)
    fmt.space_after = Pt(0)
    if exact:
        fmt.line_spacing_rule = WD_LINE_SPACING.EXACTLY
        fmt.line_spacing = Pt(layout.line_pitch_pt)
    else:  # never inherit the exact spacing of Normal: it would clip images and tall text
        fmt.line_spacing_rule = WD_LINE_SPACING.SINGLE
    fmt.first_line_indent = Pt(layout.body_pt * indent_chars) if indent_chars else Pt(0)
    fmt.left_indent = Pt(0)
    fmt.right_indent = Pt(0)


def _style(doc, name: str, base: str = "Normal"):
    try:
        return doc.styles[name]
    except KeyError:
        style = doc.styles.add_style(name, WD_STYLE_TYPE.PARAGRAPH)
        style.base_style = doc.styles[base]
        style.quick_style = True
        return style


def _page_number_footer(footer, layout: Layout, align) -> None:
    para = footer.paragraphs[0] if footer.paragraphs else footer.add_paragraph()
    for run in list(para.runs):
        run._element.getparent().remove(run._element)
    para.alignment = align
    fmt = para.paragraph_format
    fmt.first_line_indent = Pt(0)
    fmt.line_spacing_rule = WD_LINE_SPACING.SINGLE
    if align == WD_ALIGN_PARAGRAPH.RIGHT:
        fmt.right_indent = Pt(layout.page_number_pt)
    else:
        fmt.left_indent = Pt(layout.page_number_pt)

    def run(text: str | None = None):
        r = para.add_run(text or "")
        r.font.size = Pt(layout.page_number_pt)
        family = docx_fonts(layout)["page-number"][0]
        r.font.name = family
        r._element.get_or_add_rPr().get_or_add_rFonts().set(qn("w:eastAsia"), family)
        return r

    run("— ")
    fld = OxmlElement("w:fldSimple")
    fld.set(qn("w:instr"), "PAGE")
    inner = run("1")._element
    fld.append(inner)
    para._p.append(fld)
    run(" —")


def _table_borders(doc, cell_margin_pt: float = 3.0) -> None:
    """Thin black borders and narrow cell margins on pandoc's "Table" style (a 公文 table is ruled)."""
    try:
        style = doc.styles["Table"]
    except KeyError:
        return
    tbl_pr = style.element.find(qn("w:tblPr"))
    if tbl_pr is None:
        tbl_pr = OxmlElement("w:tblPr")
        style.element.append(tbl_pr)
    for old in (*tbl_pr.findall(qn("w:tblBorders")), *tbl_pr.findall(qn("w:tblCellMar"))):
        tbl_pr.remove(old)
    borders = OxmlElement("w:tblBorders")
    for edge in ("top", "left", "bottom", "right", "insideH", "insideV"):
        el = OxmlElement(f"w:{edge}")
        el.set(qn("w:val"), "single")
        el.set(qn("w:sz"), "4")
        el.set(qn("w:space"), "0")
        el.set(qn("w:color"), "000000")
        borders.append(el)
    tbl_pr.append(borders)
    # narrow cell margins (3 pt, as the PDF's), so that columns sized by their content hold it on one line
    margins = OxmlElement("w:tblCellMar")
    for edge in ("left", "right"):
        el = OxmlElement(f"w:{edge}")
        el.set(qn("w:w"), str(round(cell_margin_pt * 20)))
        el.set(qn("w:type"), "dxa")
        margins.append(el)
    tbl_pr.append(margins)


def build_reference(target: Path, layout: Layout) -> Path:
    """Write the reference document for ``layout`` to ``target``.

    Parameters
    ----------
    target : Path
        Where to write the ``.docx``.
    layout : Layout
        Page geometry, sizes and fonts resolved from ``_quarto.yml``.

    Returns
    -------
    Path
        ``target``.
    """
    from pypandoc import get_pandoc_path

    default = subprocess.run(
        [get_pandoc_path(), "--print-default-data-file", "reference.docx"],
        check=True, capture_output=True,
    ).stdout
    target.parent.mkdir(parents=True, exist_ok=True)
    from ..settings.outdir import atomic_file

    with atomic_file(target) as tmp:  # workers may write it at once
        tmp.write_bytes(default)
        doc = Document(str(tmp))

        section = doc.sections[0]
        section.start_type = WD_SECTION_START.NEW_PAGE
        section.page_width, section.page_height = Mm(layout.page_w_mm), Mm(layout.page_h_mm)
        section.top_margin, section.bottom_margin = Mm(layout.margin_mm["top"]), Mm(layout.margin_mm["bottom"])
        section.left_margin, section.right_margin = Mm(layout.margin_mm["left"]), Mm(layout.margin_mm["right"])
        section.footer_distance = Mm(layout.margin_mm["bottom"] - 7 - 5)
        section.header_distance = Mm(15)
        doc.settings.odd_and_even_pages_header_footer = True
        _page_number_footer(section.footer, layout, WD_ALIGN_PARAGRAPH.RIGHT)
        _page_number_footer(section.even_page_footer, layout, WD_ALIGN_PARAGRAPH.LEFT)
        grid = section._sectPr.find(qn("w:docGrid"))
        if grid is None:
            grid = OxmlElement("w:docGrid")
            section._sectPr.append(grid)
        # No snapping to a document grid: the exact line spacing of the body styles
        # gives the 22 lines, and tables, captions and charts keep their own spacing.
        grid.attrib.pop(qn("w:type"), None)
        grid.set(qn("w:linePitch"), str(round(layout.line_pitch_pt * 20)))

        named = {role: pair[0] for role, pair in docx_fonts(layout).items()}
        body, tracking = named["body"], layout.tracking_pt
        _default_fonts(doc, body)
        for name in ("Normal", "Body Text", "First Paragraph", "Compact"):
            style = _style(doc, name)
            _set_fonts(style, body, layout.body_pt, tracking_pt=tracking)
            _paragraph(style, layout)
        for name, role in (("Heading 1", "hei"), ("Heading 2", "kai"), ("Heading 3", "body"), ("Heading 4", "body")):
            style = _style(doc, name)
            _set_fonts(style, named[role], layout.body_pt, tracking_pt=tracking)
            _paragraph(style, layout)
            style.paragraph_format.keep_with_next = True
        title = _style(doc, "Title")
        _set_fonts(title, named["title"], layout.title_pt, bold=layout.title_bold)
        _paragraph(title, layout, indent_chars=0, align=WD_ALIGN_PARAGRAPH.CENTER)
        title.paragraph_format.line_spacing = Pt(layout.title_pt * 1.4)
        title.paragraph_format.space_after = Pt(layout.line_pitch_pt)
        for name in ("Subtitle", "Author", "Date", "Abstract"):
            style = _style(doc, name)
            style.font.hidden = name in ("Author", "Date")
        own = {
            "Recipient": dict(indent_chars=0, align=WD_ALIGN_PARAGRAPH.LEFT),
            "Signature Block": dict(indent_chars=0, align=WD_ALIGN_PARAGRAPH.RIGHT),
            "Attachment Note": dict(indent_chars=2),
            "Attachment Mark": dict(indent_chars=0, align=WD_ALIGN_PARAGRAPH.LEFT),
            "Attachment Title": dict(indent_chars=0, align=WD_ALIGN_PARAGRAPH.CENTER, exact=False),
            "Caption Centered": dict(indent_chars=0, align=WD_ALIGN_PARAGRAPH.CENTER, exact=False),
            "Chart": dict(indent_chars=0, align=WD_ALIGN_PARAGRAPH.CENTER, exact=False),
            "Data Note": dict(indent_chars=2, align=WD_ALIGN_PARAGRAPH.LEFT, exact=False),
            "Table Note": dict(indent_chars=2),
            "Body Text Kept": dict(indent_chars=2),
            "Chart Kept": dict(indent_chars=0, align=WD_ALIGN_PARAGRAPH.CENTER, exact=False),
        }
        for name, kw in own.items():
            style = _style(doc, name)
            _paragraph(style, layout, **kw)
        _set_fonts(_style(doc, "Recipient"), body, layout.body_pt, tracking_pt=tracking)
        _set_fonts(_style(doc, "Signature Block"), body, layout.body_pt, tracking_pt=tracking)
        _style(doc, "Signature Block").paragraph_format.right_indent = Pt(layout.body_pt * 2)
        _style(doc, "Attachment Note").paragraph_format.space_before = Pt(layout.line_pitch_pt)
        _style(doc, "Signature Block").paragraph_format.space_before = Pt(0)
        _set_fonts(_style(doc, "Attachment Mark"), named["hei"], layout.body_pt)
        _style(doc, "Attachment Mark").paragraph_format.page_break_before = True
        _set_fonts(_style(doc, "Attachment Title"), named["title"], layout.title_pt, bold=layout.title_bold)
        _style(doc, "Attachment Title").paragraph_format.space_after = Pt(layout.line_pitch_pt)
        _set_fonts(_style(doc, "Caption Centered"), named["hei"], layout.table_pt)
        _style(doc, "Caption Centered").paragraph_format.space_before = Pt(layout.body_pt / 2)
        _style(doc, "Caption Centered").paragraph_format.keep_with_next = True
        _style(doc, "Attachment Mark").paragraph_format.keep_with_next = True
        _set_fonts(_style(doc, "Data Note"), body, layout.table_pt)
        _set_fonts(_style(doc, "Table Note"), body, layout.body_pt, tracking_pt=tracking)
        _set_fonts(_style(doc, "Body Text Kept"), body, layout.body_pt, tracking_pt=tracking)
        # kept with what follows, so that no page holds a few stray lines (templates/nianbao.lua)
        for name in ("Table Note", "Body Text Kept", "Chart Kept", "Attachment Note", "Data Note"):
            _style(doc, name).paragraph_format.keep_with_next = True
        for name in ("Body Text Kept", "Data Note"):
            _style(doc, name).paragraph_format.keep_together = True
        compact = _style(doc, "Compact")
        _set_fonts(compact, body, layout.cell_pt)
        _paragraph(compact, layout, indent_chars=0, align=WD_ALIGN_PARAGRAPH.LEFT, exact=False)
        compact.paragraph_format.line_spacing = 1.0
        _table_borders(doc)
        for fonts in doc.styles.element.iter(qn("w:rFonts")):  # no style falls back to the theme's 等线
            if fonts.get(qn("w:eastAsiaTheme")) is not None:
                for attr in ("w:asciiTheme", "w:hAnsiTheme", "w:eastAsiaTheme", "w:cstheme"):
                    fonts.attrib.pop(qn(attr), None)
                for attr in ("w:ascii", "w:hAnsi", "w:eastAsia", "w:cs"):
                    fonts.set(qn(attr), body)
        doc.core_properties.title = "nianbao reference document"
        doc.save(str(tmp))
        _font_table(tmp, {name: alt for name, alt in docx_fonts(layout).values()})
    return target


def reference_docx(layout: Layout) -> Path:
    """The reference document for ``layout``, generated once and cached."""
    key = hashlib.sha256(
        json.dumps(layout.as_dict(), sort_keys=True).encode() + Path(__file__).read_bytes()
    ).hexdigest()[:16]
    target = paths.CACHE_DIR / f"reference-{key}.docx"
    if not target.is_file():
        build_reference(target, layout)
    return target

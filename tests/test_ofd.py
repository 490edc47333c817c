"""OFD output (render/ofd.py): read back by an independent reader (ofdkit), checked against the PDF (pdfminer).

Every XML part is also validated against ``ofd_subset.xsd``, the part of the
standard's schemas the writer uses.

A tiny PDF made in the test (typst, a Chinese line in the body font, a Latin
line in a TrueType font, a rule, an image) keeps the checks fast; the render
tests convert a real report.
"""

from __future__ import annotations

import datetime
import io
import zipfile
from pathlib import Path

import pytest
from lxml import etree

from helpers.render.ofd import OFD_NS, PT_TO_MM, ofd_parts, pdf_to_ofd
from helpers.settings.errors import OfdError, RenderError

ofdkit = pytest.importorskip("ofdkit")
NS = {"ofd": OFD_NS}
META = {"title": "测试报告", "author": "叶集区民政局", "created": datetime.date(2024, 12, 31),
        "keywords": ["意识形态", "年报"]}
TOLERANCE_MM = 0.5
XSD = Path(__file__).with_name("ofd_subset.xsd")  # the part of GB/T 33190's schemas the writer uses


def squash(text: str) -> str:
    return "".join(text.split())


# --------------------------------------------------------------------------- reading the PDF (pdfminer)


def pdf_pages(pdf: Path) -> list[dict]:
    """Per page: its height (pt), its characters (text, origin x, y, size) and its rules and images (pdfminer)."""
    from pdfminer.converter import PDFPageAggregator
    from pdfminer.layout import LTChar, LTCurve, LTFigure, LTImage
    from pdfminer.pdfinterp import PDFPageInterpreter, PDFResourceManager
    from pdfminer.pdfpage import PDFPage

    pages = []
    with open(pdf, "rb") as fh:
        manager = PDFResourceManager()
        device = PDFPageAggregator(manager, laparams=None)
        interpreter = PDFPageInterpreter(manager, device)
        for page in PDFPage.get_pages(fh):
            interpreter.process_page(page)
            layout = device.get_result()
            chars: list = []
            curves: list = []
            images: list = []

            def walk(items, chars=chars, curves=curves, images=images):
                for item in items:
                    if isinstance(item, LTChar):
                        chars.append((item.get_text(), item.matrix[4], item.matrix[5], item.size))
                    elif isinstance(item, LTImage):
                        images.append(item)
                    elif isinstance(item, LTCurve):  # LTLine and LTRect too
                        curves.append(item)
                    elif isinstance(item, LTFigure):
                        walk(item, chars, curves, images)

            walk(layout)
            pages.append({"height": layout.y1, "chars": chars, "curves": curves, "images": images})
    return pages


def pdf_lines(page: dict) -> list[str]:
    """The page's text line by line: characters grouped by baseline, left to right, no white space."""
    lines: list[list] = []
    for text, x, y, size in sorted(page["chars"], key=lambda c: (-c[2], c[1])):
        if lines and abs(lines[-1][0][2] - y) <= 0.5 * size:
            lines[-1].append((text, x, y))
        else:
            lines.append([(text, x, y)])
    return [s for s in (squash("".join(t for t, _x, _y in sorted(line, key=lambda c: c[1]))) for line in lines) if s]


# --------------------------------------------------------------------------- reading the OFD (the zip, lxml)


def ofd_files(path: Path) -> dict[str, bytes]:
    with zipfile.ZipFile(path) as zf:
        return {name: zf.read(name) for name in zf.namelist()}


def ofd_glyphs(content: bytes) -> list[tuple[str, float, float, str, int | None]]:
    """Every character of a Content.xml: position (mm, page coordinates), font ID, glyph if a CGTransform names it."""
    root = etree.fromstring(content)
    out = []
    for obj in root.iter(f"{{{OFD_NS}}}TextObject"):
        bx, by = (float(v) for v in obj.get("Boundary").split()[:2])
        ctm = [float(v) for v in obj.get("CTM", "1 0 0 1 0 0").split()]
        named = {}
        for cg in obj.findall("ofd:CGTransform", NS):
            for k in range(int(cg.get("CodeCount"))):
                named[int(cg.get("CodePosition")) + k] = int(cg.findtext("ofd:Glyphs", namespaces=NS).split()[0])
        position = 0
        for code in obj.findall("ofd:TextCode", NS):
            x, y = float(code.get("X")), float(code.get("Y"))
            deltas = [float(v) for v in (code.get("DeltaX") or "").split()]
            for k, ch in enumerate(code.text or ""):
                if k:
                    x += deltas[k - 1]
                px = ctm[0] * x + ctm[2] * y + ctm[4]
                py = ctm[1] * x + ctm[3] * y + ctm[5]
                out.append((ch, bx + px, by + py, obj.get("Font"), named.get(position)))
                position += 1
    return out


def check_ofd(ofd: Path, pdf: Path, meta: dict | None = None) -> dict[str, int]:
    """Everything the tests require of an OFD made from ``pdf``; returns counts of what was checked.

    ``meta`` is the document information expected (by default :data:`META`).
    """
    from fontTools.ttLib import TTFont
    from PIL import Image

    files = ofd_files(ofd)
    pages = pdf_pages(pdf)

    # XML: well formed, every element in the OFD namespace, valid against the standard's structure
    schema = etree.XMLSchema(etree.parse(str(XSD)))
    for name, data in files.items():
        if name.endswith(".xml"):
            root = etree.fromstring(data)
            assert all(el.tag.startswith(f"{{{OFD_NS}}}") for el in root.iter()), name
            assert root.prefix == "ofd", name
            assert schema.validate(root), (name, str(schema.error_log.last_error))

    # the independent reader: metadata, pages, text line by line
    with ofdkit.open(ofd) as doc:
        assert not doc.warnings
        meta = META if meta is None else meta
        assert doc.info.title == meta["title"] and doc.info.author == (meta["author"] or None)
        assert doc.info.creation_date == str(meta["created"]) and doc.info.keywords == tuple(meta["keywords"])
        assert doc.info.creator == "nianbao" and len(doc.info.doc_id or "") == 32
        assert len(doc.pages) == len(pages)
        for n, (page, pdf_page) in enumerate(zip(doc.pages, pages)):
            assert page.box == pytest.approx((0, 0, 210, 297), abs=0.01)
            ofd_lines = [s for s in (squash(line) for line in page.text().splitlines()) if s]
            assert ofd_lines == pdf_lines(pdf_page), f"page {n + 1}"

    # glyphs: the same characters, each within 0.5 mm of the PDF's origin
    document = etree.fromstring(files["Doc_0/Document.xml"])
    locations = [p.get("BaseLoc") for p in document.findall("ofd:Pages/ofd:Page", NS)]
    used: dict[str, set[str]] = {}
    named: dict[str, set[int]] = {}
    glyphs = 0
    for n, (loc, pdf_page) in enumerate(zip(locations, pages)):
        ofd = ofd_glyphs(files[f"Doc_0/{loc}"])
        expected = [(ch, x * PT_TO_MM, (pdf_page["height"] - y) * PT_TO_MM)
                    for text, x, y, _size in pdf_page["chars"] for ch in text]
        assert "".join(g[0] for g in ofd) == "".join(e[0] for e in expected), f"page {n + 1}"
        for (ch, x, y, font, gid), (_ch, ex, ey) in zip(ofd, expected):
            assert abs(x - ex) <= TOLERANCE_MM and abs(y - ey) <= TOLERANCE_MM, (n + 1, ch, x, y, ex, ey)
            if gid is None:
                used.setdefault(font, set()).add(ch)
            else:
                named.setdefault(font, set()).add(gid)
        glyphs += len(ofd)

    # fonts: every one embedded, read by fontTools, its cmap covering the characters drawn with it
    public = etree.fromstring(files["Doc_0/PublicRes.xml"])
    fonts = public.findall("ofd:Fonts/ofd:Font", NS)
    assert {f.get("ID") for f in fonts} >= set(used)
    for font in fonts:
        file = font.findtext("ofd:FontFile", namespaces=NS)
        tt = TTFont(io.BytesIO(files[f"Doc_0/{public.get('BaseLoc')}/{file}"]))
        assert "CFF " in tt or "glyf" in tt
        if "CFF " in tt:
            assert len(tt["CFF "].cff.topDictIndex[0].CharStrings) == len(tt.getGlyphOrder())  # the CFF parses
        cmap = tt.getBestCmap()
        missing = {ch for ch in used.get(font.get("ID"), ()) if ord(ch) not in cmap and not ch.isspace()}
        assert not missing, (font.get("FontName"), missing)
        assert all(0 < gid < len(tt.getGlyphOrder()) for gid in named.get(font.get("ID"), ()))

    # images: each resource a readable picture of the PDF's pixel size, placed where the PDF put it
    res = etree.fromstring(files["Doc_0/DocumentRes.xml"])
    media = {m.get("ID"): m.findtext("ofd:MediaFile", namespaces=NS)
             for m in res.findall("ofd:MultiMedias/ofd:MultiMedia", NS)}
    roots = [etree.fromstring(files[f"Doc_0/{loc}"]) for loc in locations]  # each page's Content.xml, read once
    images = 0
    for root, pdf_page in zip(roots, pages):
        objects = root.findall(".//ofd:ImageObject", NS)
        assert len(objects) == len(pdf_page["images"])
        for obj, lt in zip(objects, pdf_page["images"]):
            picture = Image.open(io.BytesIO(files[f"Doc_0/{res.get('BaseLoc')}/{media[obj.get('ResourceID')]}"]))
            assert picture.size == tuple(lt.srcsize)
            box = [float(v) for v in obj.get("Boundary").split()]
            want = (lt.x0 * PT_TO_MM, (pdf_page["height"] - lt.y1) * PT_TO_MM,
                    lt.width * PT_TO_MM, lt.height * PT_TO_MM)
            assert box == pytest.approx(want, abs=TOLERANCE_MM)
            images += 1

    # rules: one path object per PDF path, its boundary holding the path's box
    paths = 0
    for root, pdf_page in zip(roots, pages):
        objects = root.findall(".//ofd:PathObject", NS)
        assert len(objects) == len(pdf_page["curves"])
        for obj, lt in zip(objects, pdf_page["curves"]):
            x, y, w, h = (float(v) for v in obj.get("Boundary").split())
            top = (pdf_page["height"] - lt.y1) * PT_TO_MM
            assert x <= lt.x0 * PT_TO_MM + 0.01 and x + w >= lt.x1 * PT_TO_MM - 0.01
            assert y <= top + 0.01 and y + h >= top + lt.height * PT_TO_MM - 0.01
            assert obj.findtext("ofd:AbbreviatedData", namespaces=NS).startswith("M ")
            paths += 1

    # IDs: unique, and MaxUnitID is the largest
    ids = [int(el.get("ID")) for name, data in files.items() if name.endswith(".xml")
           for el in etree.fromstring(data).iter() if el.get("ID")]
    assert len(ids) == len(set(ids))
    assert int(document.findtext("ofd:CommonData/ofd:MaxUnitID", namespaces=NS)) == max(ids)
    return {"glyphs": glyphs, "fonts": len(fonts), "images": images, "paths": paths,
            "named": sum(len(v) for v in named.values())}


# --------------------------------------------------------------------------- a tiny PDF, made here


@pytest.fixture(scope="module")
def tiny_pdf(tmp_path_factory) -> Path:
    """One A4 page by typst: a Chinese line in the body font, a Latin line (TrueType), a rule, an image."""
    typst = pytest.importorskip("typst")
    from PIL import Image

    from helpers.settings.errors import FontError
    from helpers.settings.fonts import font_dirs, resolve, typst_family

    try:
        body = typst_family(resolve("body"))
    except FontError as exc:
        pytest.skip(f"no Chinese font: {exc}")
    work = tmp_path_factory.mktemp("tiny")
    Image.new("RGB", (40, 20), (200, 30, 30)).save(work / "chart.png")
    (work / "doc.typ").write_text(
        '#set page(paper: "a4", margin: 25mm)\n'
        f'#set text(font: "{body}", size: 16pt, lang: "zh")\n'
        "叶集区民政局2024年度工作报告，“一岗双责”。\n\n"
        '#text(font: "DejaVu Sans", size: 11pt)[Office affine fi, 100.0%]\n\n'
        "#line(length: 60%, stroke: 0.5pt)\n"
        '#image("chart.png", width: 40mm)\n',
        encoding="utf-8",
    )
    pdf = work / "doc.pdf"
    pdf.write_bytes(typst.compile(str(work / "doc.typ"), font_paths=[str(d) for d in font_dirs()]))
    return pdf


def test_tiny_pdf_round_trip(tiny_pdf, tmp_path):
    target = pdf_to_ofd(tiny_pdf, tmp_path / "doc.ofd", **META)
    assert target == tmp_path / "doc.ofd"
    counts = check_ofd(target, tiny_pdf)
    assert counts["glyphs"] >= 30 and counts["images"] == 1 and counts["paths"] == 1
    assert counts["fonts"] == 2  # the Chinese CFF font and DejaVu Sans (TrueType)
    assert counts["named"] >= 1  # the ligatures (ffi, fi) by CGTransform


def test_tiny_pdf_zip_is_byte_stable(tiny_pdf, tmp_path):
    one = pdf_to_ofd(tiny_pdf, tmp_path / "one.ofd", **META).read_bytes()
    two = pdf_to_ofd(tiny_pdf, tmp_path / "two.ofd", **META).read_bytes()
    assert one == two
    names = zipfile.ZipFile(io.BytesIO(one)).namelist()
    assert names == sorted(names)
    assert {"OFD.xml", "Doc_0/Document.xml", "Doc_0/PublicRes.xml", "Doc_0/DocumentRes.xml",
            "Doc_0/Pages/Page_0/Content.xml"} <= set(names)


def test_metadata_changes_the_doc_id(tiny_pdf):
    data = tiny_pdf.read_bytes()
    first = ofd_parts(data, **META)["OFD.xml"]
    other = ofd_parts(data, **{**META, "title": "另一个标题", "created": "2025-01-02"})["OFD.xml"]
    ids = [etree.fromstring(x).findtext("ofd:DocBody/ofd:DocInfo/ofd:DocID", namespaces=NS) for x in (first, other)]
    assert ids[0] != ids[1]
    assert etree.fromstring(other).findtext("ofd:DocBody/ofd:DocInfo/ofd:CreationDate", namespaces=NS) == "2025-01-02"


def test_errors_are_chinese_and_named(tmp_path):
    assert issubclass(OfdError, RenderError)
    with pytest.raises(OfdError, match="无法读取 PDF"):
        pdf_to_ofd(tmp_path / "missing.pdf", tmp_path / "x.ofd", **META)
    bad = tmp_path / "bad.pdf"
    bad.write_bytes(b"not a pdf at all")
    with pytest.raises(OfdError, match="PDF"):
        pdf_to_ofd(bad, tmp_path / "x.ofd", **META)
    assert not (tmp_path / "x.ofd").exists()


def test_bad_date_says_what_to_fix(tiny_pdf, tmp_path):
    with pytest.raises(OfdError, match="YYYY-MM-DD"):
        pdf_to_ofd(tiny_pdf, tmp_path / "x.ofd", **{**META, "created": "去年"})


def test_content_stream_tokens():
    from helpers.render.ofd import _operations, _operations_slow

    stream = (b"q 1 0 0 -1 10 20 cm /F1 12 Tf [(a\\(b) -20 <0041> (x\\051)] TJ Q "
              b"/Span<</MCID 3 /K [1 2]>>BDC EMC [3 1] 0 d % a comment\n0 0 m 10 10 l S")
    ops = _operations(stream)
    assert ops == list(_operations_slow(stream))
    assert ops[2] == ("Tf", ["F1", 12])
    assert ops[3] == ("TJ", [[b"a(b", -20, b"\x00A", b"x)"]])
    assert ops[5] == ("BDC", ["Span", {"MCID": 3, "K": [1, 2]}])
    nested = _operations(b"(a(b)c) Tj BI /W 1 /H 1 ID \x00 EI Q")
    assert nested[0] == ("Tj", [b"a(b)c"]) and nested[1][0] == "BI" and nested[2] == ("Q", [])


def test_to_unicode_ranges():
    from helpers.render.ofd import parse_to_unicode

    cmap = (b"2 beginbfchar\n<0001> <4E2D>\n<0002> <00660069>\nendbfchar\n"
            b"2 beginbfrange\n<0010> <0012> <0041>\n<0020> <0021> [<4E00> <4E8C>]\nendbfrange")
    assert parse_to_unicode(cmap) == {1: "中", 2: "fi", 0x10: "A", 0x11: "B", 0x12: "C", 0x20: "一", 0x21: "二"}


# --------------------------------------------------------------------------- a format among the others


def test_ofd_is_a_format_made_from_the_pdf():
    from helpers.render.engines import FORMATS, parse_formats, render_order

    assert parse_formats("all") == FORMATS and "ofd" in FORMATS
    assert parse_formats("OFD") == ("ofd",)
    assert render_order(("ofd",)) == ("pdf", "ofd")  # the PDF rendered first, even when not asked for
    assert render_order(("docx", "ofd", "html")) == ("html", "pdf", "ofd", "docx")
    with pytest.raises(Exception, match="ofd"):  # the message lists the formats there are
        parse_formats("pdf,rtf")


def test_ofd_metadata_from_the_reports_yaml_block():
    from helpers.render.engines import ofd_metadata

    meta = {"title": "中共…党组2024年度\\\n意识形态工作专题报告", "pagetitle": "中共六安市叶集区民政局党组2024年度意识形态工作专题报告",
            "title-lines": ["中共六安市叶集区民政局党组2024年度", "意识形态工作专题报告"],
            "issuer": "中共六安市叶集区民政局党组", "date": "2025年1月8日"}
    assert ofd_metadata(meta) == {"title": meta["pagetitle"], "author": "中共六安市叶集区民政局党组",
                                  "created": "2025-01-08", "keywords": meta["title-lines"]}
    escaped = ofd_metadata({**meta, "issuer": "某\\*单位\\*", "pagetitle": ""})
    assert escaped["author"] == "某*单位*"  # Markdown escapes taken off
    assert escaped["title"] == "".join(meta["title-lines"])
    assert ofd_metadata({**meta, "issuer": None})["author"] == ""  # a district summary has no issuer
    with pytest.raises(RenderError, match="日期"):
        ofd_metadata({**meta, "date": "2025-01-08"})


# --------------------------------------------------------------------------- a real report


@pytest.mark.render
def test_report_round_trip(built_report, tmp_path):
    pdf = built_report / "report.pdf"
    target = pdf_to_ofd(pdf, tmp_path / "report.ofd", **META)
    counts = check_ofd(target, pdf)
    assert counts["glyphs"] > 1000 and counts["fonts"] >= 3 and counts["images"] >= 1 and counts["paths"] >= 10
    assert pdf_to_ofd(pdf, tmp_path / "again.ofd", **META).read_bytes() == target.read_bytes()


@pytest.mark.render
def test_every_sample_report_has_its_ofd(sample_build):
    """`nianbao build` writes an OFD beside every PDF (reports and district summaries), checked against the PDF.

    The document information is checked against what the report itself shows:
    its title (indicators.json), its issuer opening the title and signing it
    above the date it is signed on; a summary is dated as of its figures.
    """
    import json

    pdfs = sorted(sample_build.rglob("report.pdf"))
    summaries = [p for p in pdfs if p.parent.name == "_summary"]
    assert len(pdfs) >= 20 and summaries
    for pdf in pdfs:
        ofd = pdf.with_suffix(".ofd")
        assert ofd.is_file(), ofd
        figures = json.loads((pdf.parent / "indicators.json").read_text(encoding="utf-8"))
        title = figures["title"]
        with ofdkit.open(ofd) as doc:
            info = doc.info
        assert info.title == title and "".join(info.keywords) == title, pdf
        if pdf in summaries:
            assert info.author is None and info.creation_date == figures["as_of"], pdf
        else:
            assert info.author and title.startswith(info.author), pdf
            year, month, day = (int(v) for v in info.creation_date.split("-"))
            text = "".join(line for page in pdf_pages(pdf) for line in pdf_lines(page))
            assert f"{info.author}{year}年{month}月{day}日" in text, pdf  # the signature
        check_ofd(ofd, pdf, {"title": title, "author": info.author, "created": info.creation_date,
                             "keywords": info.keywords})

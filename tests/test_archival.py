"""Every PDF the project writes is PDF/A-2b (the default of _quarto.yml), checked with pikepdf.

What a PDF/A validator checks first, and what veraPDF (which does not install
here) would refuse: the XMP identification, one output intent with its colour
profile, every font embedded (with the glyphs it draws), no encryption.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from conftest import pdf_alt_texts, table_nesting

pikepdf = pytest.importorskip("pikepdf")
pytestmark = pytest.mark.render


def pdfa_problems(path: Path) -> list[str]:
    """What keeps ``path`` from being PDF/A-2b, in plain words (empty when nothing does)."""
    problems = []
    with pikepdf.open(path) as pdf:
        if pdf.is_encrypted:
            problems.append("encrypted")
        meta = pdf.open_metadata()
        if (meta.get("pdfaid:part"), meta.get("pdfaid:conformance")) != ("2", "B"):
            problems.append(f"pdfaid {meta.get('pdfaid:part')}/{meta.get('pdfaid:conformance')}")
        intents = pdf.Root.get("/OutputIntents", [])
        if len(intents) != 1 or "/DestOutputProfile" not in intents[0]:
            problems.append(f"{len(intents)} output intents")
        for page in pdf.pages:
            for name, font in (page.Resources.get("/Font") or {}).items():
                fonts = [font] + list(font.get("/DescendantFonts", []))
                described = [f.get("/FontDescriptor") for f in fonts if f.get("/FontDescriptor") is not None]
                if not any(any(k in d for k in ("/FontFile", "/FontFile2", "/FontFile3")) for d in described):
                    problems.append(f"font {name} ({font.get('/BaseFont')}) not embedded")
    return problems


def test_every_sample_pdf_is_pdfa_2b(sample_build):
    pdfs = sorted(sample_build.rglob("report.pdf"))
    assert len(pdfs) >= 60  # three kinds
    bad = {str(p.relative_to(sample_build)): pdfa_problems(p) for p in pdfs}
    assert not {p: v for p, v in bad.items() if v}


def test_the_check_can_fail(tmp_path):
    """A plain PDF (no XMP identification, no output intent) is refused by the same check."""
    plain = tmp_path / "plain.pdf"
    pikepdf.new().save(plain)
    assert pdfa_problems(plain)


def test_doctor_says_which_standard_is_written():
    from conftest import run_cli

    assert "PDF 标准：PDF/A-2B" in run_cli("doctor").stdout


# --------------------------------------------------------------------------- alternative text for every chart


def test_every_chart_carries_its_caption_and_figures_in_every_format(built_report):
    import re
    import zipfile
    from html import unescape

    alts = pdf_alt_texts(built_report / "report.pdf")
    assert len(alts) == 3, alts  # the ideology report's three charts
    for n, alt in enumerate(alts, start=1):
        assert alt.startswith(f"图{n}　") and "2024年" in alt and re.search(r"\d+[次件]|年\d+", alt), alt
    assert "理论中心组学习（研讨）15次" in alts[0]  # the figures it draws, as table 1 states them
    html = (built_report / "report.html").read_text(encoding="utf-8")
    assert [unescape(a) for a in re.findall(r'<img [^>]*?alt="([^"]*)"', html)] == alts
    with zipfile.ZipFile(built_report / "report.docx") as z:
        document = z.read("word/document.xml").decode("utf-8")
    assert [unescape(a) for a in re.findall(r'<wp:docPr [^>]*descr="([^"]*)"', document)] == alts
    captions = re.findall(r"<p>(图\d+　[^<]+)</p>", html)  # the caption above each chart opens its text
    assert len(captions) == 3 and all(alt.startswith(c + "。") for alt, c in zip(alts, captions)), captions


@pytest.mark.parametrize("kind", ["ideology", "casework", "integrity"])
@pytest.mark.parametrize("standard", ["a-2a", "ua-1"])
def test_the_accessible_standards_are_one_setting_away(sample_build, kind, standard, tmp_path, monkeypatch):
    """PDF/A-2a and PDF/UA-1 (tagged, every image described, tables well formed) from `pdf-standard` alone."""
    from helpers.render import engines

    monkeypatch.setattr(engines, "pdf_standard", lambda: standard)
    notebook = sample_build / "2024" / kind / "yeji-mzj" / "report.ipynb"
    written = engines.render_builtin(notebook, tmp_path, ("pdf",))  # typst refuses what the standard forbids
    with pikepdf.open(written["pdf"]) as pdf:
        meta = pdf.open_metadata()
        if standard == "a-2a":
            assert (meta.get("pdfaid:part"), meta.get("pdfaid:conformance")) == ("2", "A")
        else:
            assert meta.get("pdfuaid:part") == "1"
        assert pdf.Root.MarkInfo.Marked
    assert pdf_alt_texts(written["pdf"])


def test_no_table_is_tagged_inside_another(sample_build):
    """Each table is built once (templates/official.typ's report-table), so its structure is one Table element."""
    counts = {str(p.relative_to(sample_build)): table_nesting(p) for p in sorted(sample_build.rglob("report.pdf"))}
    assert sum(tables for tables, _nested in counts.values()) >= 100
    assert not {p: c for p, c in counts.items() if c[1]}


def test_the_district_summary_chart_is_described(sample_build):
    alts = pdf_alt_texts(sample_build / "2024" / "casework" / "_summary" / "report.pdf")
    assert len(alts) == 1 and alts[0].startswith("图1　各单位2024年度")
    assert "叶集区民政局" in alts[0] and "件" in alts[0]

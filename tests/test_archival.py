"""Every PDF the project writes is PDF/A-2b (the default of _quarto.yml), checked with pikepdf.

What a PDF/A validator checks first, and what veraPDF (which does not install
here) would refuse: the XMP identification, one output intent with its colour
profile, every font embedded (with the glyphs it draws), no encryption.
"""

from __future__ import annotations

from pathlib import Path

import pytest

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

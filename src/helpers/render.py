"""Render an executed notebook to HTML, PDF and DOCX, without re-executing it.

With ``quarto`` on PATH the notebook goes to Quarto. Otherwise nianbao drives
the engines Quarto bundles, from PyPI, with the same ``_quarto.yml``:
nbconvert turns the notebook's outputs into Pandoc Markdown (code and cells
tagged ``remove-cell`` left out), Pandoc (``pypandoc_binary``) writes HTML and
DOCX and a typst source, and typst (the ``typst`` wheel) writes the PDF. The
Lua filter ``templates/nianbao.lua`` gives the report's own blocks their form
in each format.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
import time
from functools import lru_cache
from pathlib import Path

import nbformat

from . import paths
from .config import quarto as quarto_config
from .errors import ParameterError, RenderError
from .fonts import check_embedded, font_dirs, resolve_all, typst_family
from .layout import Layout, page_layout

FORMATS = ("html", "pdf", "docx")
REMOVE_TAGS = {"remove-cell", "parameters", "injected-parameters"}
MARKDOWN_READER = "markdown-raw_html-raw_tex-raw_attribute-auto_identifiers+east_asian_line_breaks"
PDF_ROLES = ("title", "body", "hei", "kai", "page-number")


def parse_formats(text: str | list[str] | tuple[str, ...]) -> tuple[str, ...]:
    """``"html,pdf"`` to ``("html", "pdf")``, checked against :data:`FORMATS`.

    Raises
    ------
    ParameterError
        On an unknown format.
    """
    items = text.split(",") if isinstance(text, str) else list(text)
    out = tuple(dict.fromkeys(i.strip().lower() for i in items if i.strip()))
    bad = [f for f in out if f not in FORMATS]
    if bad or not out:
        raise ParameterError(f"--formats: '{','.join(bad) or text}' is not one of {','.join(FORMATS)}")
    return out


def quarto_available() -> bool:
    """Whether the ``quarto`` program is on PATH (``NIANBAO_ENGINE=builtin`` forces the built-in path)."""
    return os.environ.get("NIANBAO_ENGINE", "auto") != "builtin" and shutil.which("quarto") is not None


@lru_cache(maxsize=1)
def _exporter():
    """nbconvert's Markdown exporter with nianbao's template (built once per process)."""
    from nbconvert import MarkdownExporter
    from nbconvert.preprocessors import TagRemovePreprocessor

    exporter = MarkdownExporter(
        extra_template_basedirs=[str(paths.TEMPLATES_DIR / "nbconvert")], template_name="nianbao"
    )
    exporter.exclude_input = True
    exporter.exclude_input_prompt = True
    exporter.exclude_output_prompt = True
    exporter.register_preprocessor(
        TagRemovePreprocessor(remove_cell_tags=REMOVE_TAGS, enabled=True), enabled=True
    )
    return exporter


@lru_cache(maxsize=1)
def _typst_compiler():
    """A typst compiler with the fonts loaded, kept for the life of the process."""
    import typst

    return typst.Compiler(font_paths=[str(d) for d in font_dirs()])


@lru_cache(maxsize=1)
def pandoc_version() -> str:
    """The version of the pandoc that renders (from ``pypandoc_binary``)."""
    from pypandoc import get_pandoc_version

    return str(get_pandoc_version())


def notebook_markdown(notebook: Path | nbformat.NotebookNode, workdir: Path) -> Path:
    """Write the executed notebook's outputs as Pandoc Markdown (and its images) into ``workdir``.

    Returns
    -------
    Path
        ``workdir/report.md``.
    """
    nb = notebook if isinstance(notebook, nbformat.NotebookNode) else nbformat.read(notebook, as_version=4)
    body, resources = _exporter().from_notebook_node(nb, resources={"output_files_dir": "figures"})
    for name, data in resources.get("outputs", {}).items():
        target = workdir / name
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(data)
    md = workdir / "report.md"
    md.write_text(body, encoding="utf-8")
    return md


def _pandoc(args: list[str], cwd: Path) -> None:
    from pypandoc import get_pandoc_path

    proc = subprocess.run([get_pandoc_path(), *args], cwd=cwd, capture_output=True, text=True)
    if proc.returncode != 0:
        raise RenderError(f"pandoc failed ({proc.returncode}): {proc.stderr.strip()[:500]}")


def _common(md: Path) -> list[str]:
    return [md.name, "-f", MARKDOWN_READER, "--lua-filter", str(paths.TEMPLATES_DIR / "nianbao.lua")]


def render_html(md: Path, target: Path) -> Path:
    """One self-contained HTML file (CSS and images inline, nothing fetched)."""
    html = quarto_config()["format"].get("html", {})
    css = paths.ROOT / html.get("css", "templates/report.css")
    _pandoc([*_common(md), "-t", "html5", "-s", "--embed-resources", "--css", str(css),
             "-M", "lang=zh-CN", "-o", str(target)], md.parent)
    return target


def render_docx(md: Path, target: Path, layout: Layout) -> Path:
    """DOCX with the reference document generated from ``_quarto.yml``."""
    from .docx_reference import reference_docx

    _pandoc([*_common(md), "-t", "docx", "--reference-doc", str(reference_docx(layout)),
             "-o", str(target)], md.parent)
    return target


def typst_variables(layout: Layout, choices: dict | None = None) -> dict[str, str]:
    """The template variables of ``templates/official.typ``."""
    m = layout.margin_mm
    families = dict(layout.fonts)
    if choices:
        families.update({role: typst_family(c) for role, c in choices.items()})
    return {
        "papersize": layout.paper,
        **{f"margin-{k}": f"{v:g}mm" for k, v in m.items()},
        "size-body": f"{layout.body_pt:g}pt",
        "size-title": f"{layout.title_pt:g}pt",
        "size-page-number": f"{layout.page_number_pt:g}pt",
        "size-table": f"{layout.table_pt:g}pt",
        "size-cell": f"{layout.cell_pt:g}pt",
        "text-height": f"{layout.text_h_mm:g}mm",
        # 1em line box (top-edge 0.8em, bottom-edge -0.2em) + leading = the line pitch
        "leading": f"{layout.line_pitch_pt - layout.body_pt:.3f}pt",
        "tracking": f"{layout.tracking_pt:.3f}pt",
        **{f"font-{role}": family for role, family in families.items()},
        **{f"weight-{role}": "bold" if "bold" in c.style.lower() else "regular"
           for role, c in (choices or {}).items()},
    }


def render_pdf(md: Path, target: Path, layout: Layout, choices=None, roles: tuple[str, ...] = PDF_ROLES) -> Path:
    """PDF through typst, then check that the font of each of ``roles`` was embedded."""
    typ_template = quarto_config()["format"].get("typst", {}).get("template", "templates/official.typ")
    args = [*_common(md), "-t", "typst", "--template", str(paths.ROOT / typ_template), "-o", "report.typ"]
    for key, value in typst_variables(layout, choices).items():
        args += ["-V", f"{key}={value}"]
    _pandoc(args, md.parent)
    try:
        _typst_compiler().compile(input=str(md.parent / "report.typ"), output=str(target), root=str(md.parent))
    except Exception as exc:  # typst raises its own TypstError
        raise RenderError(f"typst failed: {str(exc)[:500]}") from None
    if choices is not None:
        check_embedded(target, choices, roles)
    return target


def render_builtin(notebook, out_dir: Path, formats: tuple[str, ...], timings: dict | None = None) -> dict[str, Path]:
    """Render with pandoc and typst (the path CI tests)."""
    choices = resolve_all()
    layout = page_layout(choices)
    written: dict[str, Path] = {}
    timings = {} if timings is None else timings
    with tempfile.TemporaryDirectory(prefix="nianbao-render-") as tmp:
        start = time.perf_counter()
        md = notebook_markdown(notebook, Path(tmp))
        timings["markdown"] = round(time.perf_counter() - start, 3)
        for fmt in formats:
            start = time.perf_counter()
            target = out_dir / f"report.{fmt}"
            if fmt == "html":
                written[fmt] = render_html(md, target)
            elif fmt == "docx":
                written[fmt] = render_docx(md, target, layout)
            elif fmt == "pdf":
                written[fmt] = render_pdf(md, target, layout, choices)
            timings[fmt] = round(time.perf_counter() - start, 3)
    return written


def render_quarto(notebook, out_dir: Path, formats: tuple[str, ...]) -> dict[str, Path]:
    """Render with Quarto, in a scratch project holding ``_quarto.yml`` and the templates."""
    from .docx_reference import reference_docx

    choices = resolve_all()
    layout = page_layout(choices)
    written: dict[str, Path] = {}
    with tempfile.TemporaryDirectory(prefix="nianbao-quarto-") as tmp:
        work = Path(tmp)
        shutil.copy(paths.QUARTO_CONFIG, work / "_quarto.yml")
        shutil.copytree(paths.TEMPLATES_DIR, work / "templates")
        shutil.copy(reference_docx(layout), work / "templates" / "reference.docx")
        nb = notebook if isinstance(notebook, nbformat.NotebookNode) else nbformat.read(notebook, as_version=4)
        # the same cells the built-in path leaves out, removed before Quarto sees them
        nb = nbformat.from_dict({**nb, "cells": [c for c in nb.cells
                                                 if not REMOVE_TAGS & set(c.get("metadata", {}).get("tags", []))]})
        nbformat.write(nb, work / "report.ipynb")
        to = ",".join("typst" if f == "pdf" else f for f in formats)
        cmd = ["quarto", "render", "report.ipynb", "--to", to, "--output-dir", "_out"]
        for key, value in typst_variables(layout).items():
            cmd += ["-M", f"{key}:{value}"]
        proc = subprocess.run(cmd, cwd=work, capture_output=True, text=True)
        if proc.returncode != 0:
            raise RenderError(f"quarto failed ({proc.returncode}): {proc.stderr.strip()[-500:]}")
        for fmt in formats:
            produced = work / "_out" / f"report.{fmt}"
            if not produced.is_file():
                raise RenderError(f"quarto wrote no report.{fmt}")
            written[fmt] = Path(shutil.copy(produced, out_dir / f"report.{fmt}"))
    if "pdf" in written:
        check_embedded(written["pdf"], choices, PDF_ROLES)
    return written


def render(notebook, out_dir: Path, formats: tuple[str, ...] = FORMATS, timings: dict | None = None) -> dict[str, Path]:
    """Render an executed notebook into ``out_dir`` as ``report.<format>``.

    Parameters
    ----------
    notebook : Path or NotebookNode
        The executed notebook (never re-executed).
    out_dir : Path
        Folder to write into (it must exist).
    formats : tuple of str
        Any of ``html``, ``pdf``, ``docx``.
    timings : dict, optional
        Filled with the seconds each step took.

    Returns
    -------
    dict
        Format to the file written.

    Raises
    ------
    RenderError
        When pandoc, typst or Quarto fails.
    FontError
        When a role has no Chinese font, or the PDF did not embed the chosen one.
    """
    formats = parse_formats(formats)
    if not isinstance(notebook, nbformat.NotebookNode):
        notebook = Path(notebook)
    if quarto_available():
        return render_quarto(notebook, Path(out_dir), formats)
    return render_builtin(notebook, Path(out_dir), formats, timings)

"""The Quarto path, tested without Quarto.

What nianbao hands Quarto (the scratch project and the command line) is built
by a pure function, :func:`helpers.render.engines.quarto_plan`, tested here directly.
The rest runs against ``tests/fake_quarto.py``, a stand-in ``quarto`` on PATH
that does what Quarto does with it (cells wrapped in Divs, format metadata,
``font-paths`` joined onto the project folder, Bootstrap without ``minimal``),
with pandoc and typst from PyPI. The test with the real Quarto is in
``test_render.py`` and runs where ``quarto`` is on PATH.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path
from types import SimpleNamespace

import pytest
import yaml

from conftest import pandoc, pdf_alt_texts, run_cli, table_nesting
from helpers.render.engines import (
    MARKDOWN_READER,
    _link_fonts,
    choose_engine,
    notebook_markdown,
    quarto_error,
    quarto_notebook,
    quarto_plan,
    quarto_version,
    render_builtin,
    render_quarto,
    typst_variables,
)
from helpers.settings import paths
from helpers.settings.errors import ParameterError, RenderError
from helpers.settings.fonts import extra_font_dirs, resolve_all
from helpers.settings.layout import page_layout

TESTS = Path(__file__).resolve().parent
sys.path.insert(0, str(TESTS))
import fake_quarto as stand_in  # noqa: E402

posix_only = pytest.mark.skipif(os.name != "posix", reason="the stand-in quarto is a script with a #! line")
REAL_QUARTO = shutil.which("quarto")  # a real Quarto on PATH when the tests start (the stand-in is added later)
needs_pdftotext = pytest.mark.skipif(shutil.which("pdftotext") is None, reason="poppler-utils not installed")
# variables pandoc fills itself, not nianbao
PANDOC_VARIABLES = {"body", "pagetitle", "title-lines", "for", "endfor", "sep", "if", "endif"}


@pytest.fixture(scope="module")
def page():
    choices = resolve_all()
    return SimpleNamespace(choices=choices, layout=page_layout(choices))


@pytest.fixture
def fake_quarto(tmp_path, monkeypatch):
    """``quarto`` on PATH is the stand-in; its calls are logged."""
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    launcher = bin_dir / "quarto"
    launcher.write_text(f"#!{sys.executable}\nimport sys\nsys.path.insert(0, {str(TESTS)!r})\n"
                        "import fake_quarto\nsys.exit(fake_quarto.main(sys.argv[1:]))\n")
    launcher.chmod(0o755)
    log = tmp_path / "quarto-calls.jsonl"
    monkeypatch.setenv("PATH", f"{bin_dir}{os.pathsep}{os.environ.get('PATH', '')}")
    monkeypatch.setenv("FAKE_QUARTO_LOG", str(log))
    monkeypatch.delenv("NIANBAO_ENGINE", raising=False)
    monkeypatch.delenv("FAKE_QUARTO_FAIL", raising=False)
    quarto_version.cache_clear()
    yield SimpleNamespace(bin=bin_dir, log=log, env={"PATH": os.environ["PATH"], "FAKE_QUARTO_LOG": str(log)},
                          calls=lambda: [json.loads(line) for line in log.read_text().splitlines()])
    quarto_version.cache_clear()


@pytest.fixture
def no_quarto(tmp_path, monkeypatch):
    """PATH without any ``quarto``."""
    keep = [d for d in os.environ.get("PATH", "").split(os.pathsep) if d and not (Path(d) / "quarto").exists()]
    monkeypatch.setenv("PATH", os.pathsep.join(keep))
    monkeypatch.delenv("NIANBAO_ENGINE", raising=False)
    quarto_version.cache_clear()
    yield
    quarto_version.cache_clear()


def builtin_typst(md: Path, page) -> str:
    """The typst source the built-in path writes for ``md``."""
    args = [md.name, "-f", MARKDOWN_READER, "--lua-filter", str(paths.TEMPLATES_DIR / "nianbao.lua"),
            "-t", "typst", "--template", str(paths.TEMPLATES_DIR / "official.typ")]
    for key, value in typst_variables(page.layout, page.choices).items():
        args += ["-V", f"{key}={value}"]
    return pandoc(args, md.parent)


# --------------------------------------------------------------------------- the plan (pure)


@pytest.mark.parametrize("formats", [("html", "pdf", "docx"), ("pdf",), ("html", "docx"), ("docx", "pdf")])
def test_one_quarto_call_renders_exactly_the_formats_asked_for(formats, page):
    plan = quarto_plan(formats, page.layout, page.choices)
    assert len(plan.commands) == 1
    command = plan.commands[0]
    to = command[command.index("--to") + 1]
    assert "," not in to  # inside a project Quarto reads a comma list as one unknown format
    wanted = [{"pdf": "typst"}.get(f, f) for f in formats]
    assert list(plan.project["format"]) == wanted
    assert to == ("all" if len(formats) > 1 else wanted[0])
    assert command[:3] == ("quarto", "render", "report.ipynb")


def test_typst_variables_are_complete_and_only_for_typst(page):
    template = (paths.TEMPLATES_DIR / "official.typ").read_text(encoding="utf-8")
    needed = set(re.findall(r"\$([a-z][a-z0-9-]*)\$", template)) - PANDOC_VARIABLES
    plan = quarto_plan(("html", "pdf", "docx"), page.layout, page.choices)
    typst = plan.project["format"]["typst"]
    assert needed <= set(typst), needed - set(typst)
    assert all(str(typst[name]).strip() for name in needed)
    assert typst["weight-title"] in ("bold", "regular")  # empty here made typst stop (issue 14, fact 3)
    assert typst["font-body"] == typst_variables(page.layout, page.choices)["font-body"]
    for other in ("html", "docx"):  # so they are not written into the DOCX's custom properties
        assert not needed & set(plan.project["format"][other])
    assert "nianbao" not in plan.project


def test_font_paths_are_relative_links_to_the_configured_folders(page, tmp_path):
    plan = quarto_plan(("pdf",), page.layout, page.choices)
    font_paths = plan.project["format"]["typst"]["font-paths"]
    configured = [d for d in extra_font_dirs() if d.is_dir()]
    assert configured, "the sample configuration names at least one existing font folder"
    assert len(font_paths) == len(configured)
    for entry in font_paths:
        assert not Path(entry).is_absolute() and not entry.startswith("/") and ".." not in Path(entry).parts
    _link_fonts(tmp_path, plan.font_links)
    assert [(tmp_path / p).resolve() for p in font_paths] == [d.resolve() for d in configured]
    assert any(f.suffix.lower() == ".otf" for f in (tmp_path / font_paths[0]).iterdir())


def test_quarto_html_is_minimal(page):
    plan = quarto_plan(("html",), page.layout, page.choices)
    assert plan.project["format"]["html"]["minimal"] is True
    assert plan.project["format"]["html"]["embed-resources"] is True


def test_typst_variables_as_quarto_metadata_give_the_builtin_typst(page, tmp_path):
    """Quarto hands a format's keys to pandoc as metadata (read as Markdown), not as -V variables."""
    plan = quarto_plan(("pdf",), page.layout, page.choices)
    (tmp_path / "doc.md").write_text("正文。\n", encoding="utf-8")
    meta = {k: v for k, v in plan.project["format"]["typst"].items() if k not in stand_in.OPTIONS}
    (tmp_path / "meta.yml").write_text(yaml.safe_dump(meta, allow_unicode=True), encoding="utf-8")
    as_metadata = pandoc(["doc.md", "-f", MARKDOWN_READER, "-t", "typst", "--metadata-file", "meta.yml",
                          "--lua-filter", str(paths.TEMPLATES_DIR / "nianbao.lua"),  # _quarto.yml's filter
                          "--template", str(paths.TEMPLATES_DIR / "official.typ")], tmp_path)
    assert as_metadata == builtin_typst(tmp_path / "doc.md", page)
    assert '"bold"' in as_metadata or '"regular"' in as_metadata


# --------------------------------------------------------------------------- the Lua filter


@pytest.mark.render
def test_lua_filter_unwraps_quarto_cells_for_typst(built_report, page, tmp_path):
    import nbformat

    nb = nbformat.read(built_report / "report.ipynb", as_version=4)
    (tmp_path / "quarto.md").write_text(stand_in.cell_markdown(quarto_notebook(nb)[0], tmp_path, "typst"),
                                        encoding="utf-8")
    nb.cells = [c for c in nb.cells if not {"remove-cell", "parameters", "injected-parameters"}
                & set(c.metadata.get("tags", []))]
    assert "::: {.cell" in (tmp_path / "quarto.md").read_text(encoding="utf-8")
    args = ["quarto.md", "-f", MARKDOWN_READER, "--lua-filter", str(paths.TEMPLATES_DIR / "nianbao.lua"),
            "-t", "typst", "--template", str(paths.TEMPLATES_DIR / "official.typ")]
    for key, value in typst_variables(page.layout, page.choices).items():
        args += ["-V", f"{key}={value}"]
    quarto = pandoc(args, tmp_path)
    builtin = builtin_typst(notebook_markdown(nb, tmp_path), page)

    def images(text: str) -> str:
        return re.sub(r'image\("[^"]+"', 'image("IMG"', text)

    assert "#block[" not in quarto  # a caption's `sticky` must not be boxed in with it
    assert images(quarto) == images(builtin)
    html = [pandoc([md, "-f", MARKDOWN_READER, "--lua-filter", str(paths.TEMPLATES_DIR / "nianbao.lua"), "-t", "html5"],
                   tmp_path) for md in ("quarto.md", "report.md")]
    assert 'class="cell' not in html[0] and "quarto-private" not in html[0]  # unwrapped in every format
    def html_images(text: str) -> str:
        return " ".join(re.sub(r'src="[^"]+"', 'src="IMG"', text).split())

    assert html_images(html[0]) == html_images(html[1])
    assert quarto.count("#chart[") == 3 and quarto.count("#caption[") >= 3  # 3 charts, each with its caption


def test_lua_filter_joins_chinese_lines_as_the_builtin_reader_does(page, tmp_path):
    md = tmp_path / "doc.md"
    md.write_text("局党组对照各项任务，\n逐项进行了回顾检查。Quarto\nreads it as English.\n", encoding="utf-8")
    lua = str(paths.TEMPLATES_DIR / "nianbao.lua")
    plain = pandoc([md.name, "-f", "markdown", "--lua-filter", lua, "-t", "typst", "--wrap=none"], tmp_path)
    builtin = pandoc([md.name, "-f", MARKDOWN_READER, "--lua-filter", lua, "-t", "typst", "--wrap=none"], tmp_path)
    assert '任务#marks("，", tracking);逐项' in plain and "Quarto reads" in plain  # no space between the lines
    assert plain == builtin


# --------------------------------------------------------------------------- errors and engines


def test_error_message_keeps_quartos_error_line():
    stderr = ("WARNING: Could not load translations for zh-CN\n"
              "ERROR: Unknown format html,typst,docx\n\nStack trace:\n" + stand_in.STACK + "\n")
    assert "ERROR" not in stderr.strip()[-500:]  # what the old message kept: the stack trace only
    message = quarto_error(stderr)
    assert message.startswith("ERROR: Unknown format html,typst,docx")
    assert "renderFormats" not in message and "WARNING" not in message
    typst_failure = ("error: expected integer, found string\n   ┌─ report.typ:12:30\n   │\n"
                     "ERROR: Typst compilation failed\n\nStack trace:\n" + stand_in.STACK)
    message = quarto_error(typst_failure)
    assert "expected integer, found string" in message and "report.typ:12:30" in message
    assert "ERROR: Typst compilation failed" in message and " at " not in message


@posix_only
def test_render_error_names_what_quarto_said(fake_quarto, built_report, tmp_path, monkeypatch):
    monkeypatch.setenv("FAKE_QUARTO_FAIL", "Unknown format html,typst,docx")
    with pytest.raises(RenderError) as err:
        render_quarto(built_report / "report.ipynb", tmp_path, ("html", "pdf", "docx"))
    assert "ERROR: Unknown format html,typst,docx" in str(err.value)
    assert "Stack trace" not in str(err.value) and "quarto.js" not in str(err.value)


@posix_only
def test_engine_follows_path_option_and_environment(fake_quarto, monkeypatch):
    assert choose_engine() == "quarto"  # Quarto stays the default where it is installed
    assert choose_engine("builtin") == "builtin"
    monkeypatch.setenv("NIANBAO_ENGINE", "builtin")
    assert choose_engine() == "builtin"
    assert choose_engine("quarto") == "quarto"  # the option wins over the environment
    with pytest.raises(ParameterError, match="typo"):
        choose_engine("typo")


def test_engine_quarto_without_quarto_is_a_parameter_error(no_quarto):
    assert choose_engine() == "builtin"
    with pytest.raises(ParameterError, match="quarto"):
        choose_engine("quarto")
    proc = run_cli("build", "--year", "2024", "--unit", "yeji-mzj", "--engine", "quarto",
                   env={"PATH": os.environ["PATH"]})
    assert proc.returncode == 2
    assert "PATH 中没有 quarto" in proc.stderr


@posix_only
def test_doctor_reports_quarto_and_the_engine(fake_quarto, no_quarto):
    out = run_cli("doctor", env=fake_quarto.env).stdout  # fake_quarto's PATH, saved before no_quarto
    assert "Quarto：已安装，版本 1.10.18" in out
    assert "将使用 quarto（Quarto 1.10.18）" in out
    out = run_cli("doctor", env={**fake_quarto.env, "NIANBAO_ENGINE": "builtin"}).stdout
    assert "将使用 内置引擎（builtin" in out and "NIANBAO_ENGINE=builtin" in out
    out = run_cli("doctor", env={"PATH": os.environ["PATH"]}).stdout
    assert "Quarto：未安装" in out and "将使用 内置引擎（builtin" in out


# --------------------------------------------------------------------------- through the stand-in


@pytest.fixture(params=["stand-in", pytest.param("real", marks=pytest.mark.quarto)])
def any_quarto(request, tmp_path, monkeypatch):
    """The Quarto a parity test renders with: the stand-in always; a real Quarto wherever one is on PATH."""
    if request.param == "real":
        if REAL_QUARTO is None:
            pytest.skip("no real quarto on PATH (it has no wheel or Debian package; see the README)")
        monkeypatch.setenv("PATH", f"{Path(REAL_QUARTO).parent}{os.pathsep}{os.environ.get('PATH', '')}")
        monkeypatch.delenv("NIANBAO_ENGINE", raising=False)
        return None
    return request.getfixturevalue("fake_quarto")


def page_images(pdf: Path, folder: Path) -> list[bytes]:
    """Each page of ``pdf`` as PNG bytes (pdftoppm, 50 dpi)."""
    folder.mkdir(parents=True, exist_ok=True)
    subprocess.run(["pdftoppm", "-r", "50", "-png", str(pdf), str(folder / "page")], check=True)
    return [p.read_bytes() for p in sorted(folder.glob("page-*.png"))]


@posix_only
@needs_pdftotext
@pytest.mark.render
@pytest.mark.parametrize("report", ["2024/ideology", "2024/casework", "2024/integrity", "2024-H1/casework"])
def test_quarto_path_gives_the_builtin_documents(any_quarto, sample_build, report, tmp_path):
    """The stand-in in CI; a real Quarto too wherever one is on PATH (its PDFs then compared pixel for pixel)."""
    built_report = tmp_path / "builtin"
    built_report.mkdir()
    notebook = sample_build / report / "yeji-mzj" / "report.ipynb"
    render_builtin(notebook, built_report, ("html", "pdf", "docx"))
    (tmp_path / "quarto").mkdir()
    written = render_quarto(notebook, tmp_path / "quarto", ("html", "pdf", "docx"))
    assert set(written) == {"html", "pdf", "docx"}
    if any_quarto is not None:  # the stand-in logs its calls: one render for every format
        calls = [c for c in any_quarto.calls() if c["argv"][0] == "render"]
        assert len(calls) == 1 and calls[0]["argv"][2:4] == ["--to", "all"]
    else:  # a real Quarto: the same page images
        assert page_images(written["pdf"], tmp_path / "q") == page_images(built_report / "report.pdf", tmp_path / "b")

    def layout_text(pdf: Path) -> list[str]:
        text = subprocess.run(["pdftotext", "-layout", str(pdf), "-"], capture_output=True, text=True,
                              check=True).stdout
        return text.split("\f")

    # same pages, same lines on each page: captions with their charts, same fonts (checked in render_quarto)
    assert layout_text(written["pdf"]) == layout_text(built_report / "report.pdf")
    alts = pdf_alt_texts(written["pdf"])  # each chart described, from the cell's fig-alt as Quarto reads it
    assert alts == pdf_alt_texts(built_report / "report.pdf") and alts and all(a.startswith("图") for a in alts)
    assert table_nesting(written["pdf"]) == table_nesting(built_report / "report.pdf")
    assert table_nesting(written["pdf"])[1] == 0  # each table tagged once (PDF/UA)
    html = written["html"].read_text(encoding="utf-8")
    assert "<script" not in html.lower() and "javascript:" not in html
    with zipfile.ZipFile(written["docx"]) as z:
        custom = z.read("docProps/custom.xml").decode("utf-8") if "docProps/custom.xml" in z.namelist() else ""
        document = z.read("word/document.xml").decode("utf-8")
    for name in ("font-body", "margin-top", "weight-title", "size-body"):
        assert name not in custom, name
    with zipfile.ZipFile(built_report / "report.docx") as z:
        builtin_custom = z.read("docProps/custom.xml").decode("utf-8")
    assert custom == builtin_custom  # the report's own properties, none of Quarto's, the date as written
    builtin_html = (built_report / "report.html").read_text(encoding="utf-8")
    for pattern in (r"<title>[^<]*</title>", r'class="date">[^<]*'):
        assert re.search(pattern, html).group(0) == re.search(pattern, builtin_html).group(0)
    assert "Invalid Date" not in html and "quarto-private" not in html
    (tmp_path / "again").mkdir()
    again = render_quarto(notebook, tmp_path / "again", ("html",))
    assert again["html"].read_bytes() == written["html"].read_bytes()  # byte-stable
    with zipfile.ZipFile(built_report / "report.docx") as z:
        builtin_document = z.read("word/document.xml").decode("utf-8")
    assert builtin_document.count("<w:drawing>") == document.count("<w:drawing>")

    def styles(xml: str) -> list[str]:
        return re.findall(r'<w:pStyle w:val="([^"]+)"', xml)

    assert styles(document) == styles(builtin_document)  # Body Text Kept, Chart Kept … paragraph by paragraph


@posix_only
@pytest.mark.render
def test_build_with_engine_quarto_records_it(fake_quarto, tmp_path):
    proc = run_cli("build", "--year", "2024", "--unit", "yeji-mzj", "--out", str(tmp_path / "out"),
                   "--jobs", "1", "--formats", "pdf,html", "--engine", "quarto", env=fake_quarto.env)
    assert proc.returncode == 0, proc.stderr + proc.stdout
    folder = tmp_path / "out" / "2024" / "ideology" / "yeji-mzj"
    manifest = json.loads((folder / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["engine"] == "quarto"
    assert manifest["tools"]["quarto"] == "1.10.18"
    assert {"report.pdf", "report.html"} <= {p.name for p in folder.iterdir()}
    assert [c["argv"][2:4] for c in fake_quarto.calls() if c["argv"][0] == "render"] == [["--to", "all"]]
    # the same build with the built-in engine is a different build (the engine is one of its inputs)
    proc = run_cli("build", "--year", "2024", "--unit", "yeji-mzj", "--out", str(tmp_path / "out"),
                   "--jobs", "1", "--formats", "pdf,html", "--engine", "builtin", env=fake_quarto.env)
    assert proc.returncode == 0, proc.stderr + proc.stdout
    assert json.loads((folder / "manifest.json").read_text(encoding="utf-8"))["engine"] == "builtin"


@posix_only
@pytest.mark.render
def test_quarto_path_converts_its_own_pdf_to_ofd(fake_quarto, built_report, tmp_path):
    ofdkit = pytest.importorskip("ofdkit")
    out = tmp_path / "out"
    out.mkdir()
    written = render_quarto(built_report / "report.ipynb", out, ("ofd",))
    assert set(written) == {"ofd"}
    assert sorted(p.name for p in out.iterdir()) == ["report.ofd"]  # the PDF it came from is not kept
    calls = [c for c in fake_quarto.calls() if c["argv"][0] == "render"]
    assert calls[-1]["argv"][2:4] == ["--to", "typst"]  # Quarto asked for the PDF only
    with ofdkit.open(written["ofd"]) as quarto, ofdkit.open(built_report / "report.ofd") as builtin:
        for field in ("title", "author", "creation_date", "keywords"):
            assert getattr(quarto.info, field) == getattr(builtin.info, field), field
        assert [p.text() for p in quarto.pages] == [p.text() for p in builtin.pages]

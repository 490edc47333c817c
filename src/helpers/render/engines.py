"""Render an executed notebook to HTML, PDF and DOCX, without re-executing it.

Two engines give the same documents. ``quarto``: the notebook goes to Quarto
(the default when ``quarto`` is on PATH), in a scratch project whose
``_quarto.yml`` is the project's, completed by :func:`quarto_plan`.
``builtin``: nianbao drives the engines Quarto bundles, from PyPI, with the
same ``_quarto.yml``:
nbconvert turns the notebook's outputs into Pandoc Markdown (code and cells
tagged ``remove-cell`` left out); Pandoc (``pypandoc_binary``) reads it once and
writes the typst source, the DOCX and the HTML page (:func:`pandoc_outputs`,
``templates/writers.lua``); typst (the ``typst`` wheel) writes the PDF (each a
process the worker keeps from one report to the next:
:mod:`helpers.render.servers`), and :func:`embed_resources` puts the HTML's
stylesheet and charts inline, as Pandoc's ``--embed-resources`` does. The Lua filter
``templates/nianbao.lua`` gives the report's own blocks their form in each
format.
"""

from __future__ import annotations

import contextlib
import os
import re
import shutil
import subprocess
import tempfile
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING

import yaml

from ..settings import paths
from ..settings.config import pdf_standard
from ..settings.config import quarto as quarto_config
from ..settings.errors import ParameterError, RenderError
from ..settings.fonts import FontChoice, check_embedded, extra_font_dirs, resolve_all, typst_family
from ..settings.layout import Layout, page_layout
from .servers import PANDOC, TYPST

if TYPE_CHECKING:
    import nbformat

REMOVE_TAGS = {"remove-cell", "parameters", "injected-parameters"}
MARKDOWN_READER = "markdown-raw_html-raw_tex-raw_attribute-auto_identifiers+east_asian_line_breaks"
PDF_ROLES = ("title", "body", "hei", "kai", "page-number")
ENGINES = ("quarto", "builtin")
QUARTO_OUT = "_out"  # output folder inside the scratch project
QUARTO_DATE_FORMAT = "YYYY年M月D日"  # Quarto's (dayjs) pattern for the Chinese date the report writes
QUARTO_FONT_LINKS = "fonts"  # folder of the scratch project linking to each font folder


def parse_formats(text: str | list[str] | tuple[str, ...]) -> tuple[str, ...]:
    """``"html,pdf"`` to ``("html", "pdf")``, checked against :data:`FORMATS`; ``"all"`` is every format.

    Raises
    ------
    ParameterError
        On an unknown format.
    """
    if isinstance(text, str) and text.strip().lower() == "all":
        return FORMATS
    items = text.split(",") if isinstance(text, str) else list(text)
    out = tuple(dict.fromkeys(i.strip().lower() for i in items if i.strip()))
    bad = [f for f in out if f not in FORMATS]
    if bad or not out:
        raise ParameterError(f"--formats：'{','.join(bad) or text}' 不是可用的格式；"
                             f"请写 {','.join(FORMATS)} 中的一个或多个（逗号分隔），或 all")
    return out


def quarto_available() -> bool:
    """Whether the ``quarto`` program is on PATH."""
    return shutil.which("quarto") is not None


@lru_cache(maxsize=1)
def quarto_version() -> str | None:
    """The version ``quarto --version`` prints, or ``None`` when Quarto is not on PATH."""
    program = shutil.which("quarto")
    if program is None:
        return None
    try:
        proc = subprocess.run([program, "--version"], capture_output=True, text=True, timeout=60)
    except (OSError, subprocess.TimeoutExpired):
        return "未知"
    return proc.stdout.strip().splitlines()[-1].strip() if proc.returncode == 0 and proc.stdout.strip() else "未知"


def choose_engine(requested: str | None = None) -> str:
    """The engine a build uses: ``quarto`` or ``builtin``.

    Parameters
    ----------
    requested : str, optional
        ``quarto``, ``builtin`` or ``auto``; by default ``NIANBAO_ENGINE``, else
        ``auto``: Quarto when ``quarto`` is on PATH, the built-in engines otherwise.

    Raises
    ------
    ParameterError
        On an unknown engine, or ``quarto`` asked for while it is not on PATH.
    """
    source = "--engine" if requested else "NIANBAO_ENGINE"
    wanted = (requested or os.environ.get("NIANBAO_ENGINE") or "auto").strip().lower()
    if wanted == "auto":
        return "quarto" if quarto_available() else "builtin"
    if wanted not in ENGINES:
        raise ParameterError(f"{source}：'{wanted}' 不是可用的渲染引擎，请写 quarto、builtin 或 auto")
    if wanted == "quarto" and not quarto_available():
        raise ParameterError(f"{source} quarto：PATH 中没有 quarto 程序；请安装 Quarto，或改用 --engine builtin")
    return wanted


def engine_report() -> list[str]:
    """What ``nianbao doctor`` says about the engines, in Chinese: Quarto's presence and version, the engine."""
    version = quarto_version()
    lines = [f"Quarto：已安装，版本 {version}（{shutil.which('quarto')}）" if version
             else "Quarto：未安装（PATH 中没有 quarto 程序）"]
    try:
        engine = choose_engine()
    except ParameterError as exc:
        return [*lines, f"渲染引擎：无法使用 —— {exc}"]
    setting = os.environ.get("NIANBAO_ENGINE")
    why = (f"由 NIANBAO_ENGINE={setting} 指定" if setting and setting != "auto"
           else "默认：PATH 中有 quarto 时用 Quarto，否则用内置引擎")
    if engine == "quarto":
        name = f"quarto（Quarto {version}）"
    else:
        from importlib.metadata import version as dist_version

        name = f"内置引擎（builtin：pandoc {pandoc_version()} + typst {dist_version('typst')}）"
    lines.append(f"渲染引擎：nianbao build 将使用 {name} —— {why}（可用 --engine quarto|builtin 改）")
    standard = pdf_standard()
    lines.append(f"PDF 标准：{('PDF/' + standard.upper()) if standard else '普通 PDF'}"
                 "（_quarto.yml 的 format.typst.pdf-standard，两种引擎相同）")
    return lines


# The Markdown exporter (its template compiled) is made once per process, under this lock: warm_up() makes
# it, and starts the typst process, in a thread while the first report's notebook runs.
_START = threading.Lock()
_WARMING: list[threading.Thread] = []


def warm_up() -> None:
    """Make the renderer's slow starts in a background thread, once per process, while the first notebook runs.

    The typst process (its fonts load meanwhile), the Markdown exporter and its
    template (compiled on its first notebook), the fonts typst knows by name (a
    scan of every font folder), the page layout and its DOCX reference document:
    none of them waits for the notebook to end any more.
    """
    def make() -> None:
        with contextlib.suppress(Exception):  # a failure shows where they are used, in the report
            for server in (TYPST, PANDOC):
                with server.lock:
                    server.start()
            import nbformat

            _exporter().from_notebook_node(nbformat.v4.new_notebook())
            from .docx_reference import reference_docx

            choices = resolve_all()
            layout = page_layout(choices)
            typst_variables(layout, choices)
            reference_docx(layout)

    if not _WARMING:
        _WARMING.append(threading.Thread(target=make, name="nianbao-warm-up", daemon=True))
        _WARMING[0].start()


def warmed() -> None:
    """Wait for :func:`warm_up`'s thread to end (at once when it has, or never started).

    Called once the notebook has run, before the report's own threads start,
    so that no two threads import the same libraries at the same time.
    """
    for thread in _WARMING:
        thread.join()


def _exporter():
    """nbconvert's Markdown exporter with nianbao's template (built once per process)."""
    with _START:
        return _make_exporter()


@lru_cache(maxsize=1)
def _make_exporter():
    from nbconvert import MarkdownExporter
    from nbconvert.preprocessors import TagRemovePreprocessor

    class Exporter(MarkdownExporter):
        def _validate_preprocessor(self, nbc, preprocessor):
            # nbconvert checks the whole notebook against its schema after each of its dozen
            # preprocessors (about 6 ms a report); the notebook was checked when it was
            # written, and the preprocessors are nbconvert's own and a tag filter
            pass

    exporter = Exporter(extra_template_basedirs=[str(paths.template("nbconvert"))], template_name="nianbao")
    from ..words.phrasing import md_attribute

    exporter.register_filter("md_attribute", md_attribute)  # a chart's alt text in templates/nbconvert
    exporter.exclude_input = True
    exporter.exclude_input_prompt = True
    exporter.exclude_output_prompt = True
    exporter.register_preprocessor(
        TagRemovePreprocessor(remove_cell_tags=REMOVE_TAGS, enabled=True), enabled=True
    )
    return exporter


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
    import nbformat

    nb = notebook if isinstance(notebook, nbformat.NotebookNode) else nbformat.read(notebook, as_version=4)
    body, resources = _exporter().from_notebook_node(nb, resources={"output_files_dir": "figures"})
    for name, data in resources.get("outputs", {}).items():
        target = workdir / name
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(data)
    md = workdir / "report.md"
    md.write_text(body, encoding="utf-8")
    return md


HTML_PAGE = "report.page.html"  # the HTML as Pandoc writes it, its stylesheet and charts still linked
_CSS_LINK = "nianbao-report.css"  # the stylesheet's name in that page, replaced by the stylesheet itself


def html_output(md: Path, target: Path, layout: Layout, choices: dict | None = None) -> dict:
    """The HTML page as an output of :func:`pandoc_outputs`: Pandoc's HTML5 template, its stylesheet and charts
    linked; :func:`finish_html` puts them inline. Lines are not wrapped, so that no tag is split over two lines
    (as ``--embed-resources`` writes them)."""
    return {"format": "html5", "standalone": True, "wrap": "none", "file": HTML_PAGE,
            "variables": {"lang": "zh-CN", "css": [_CSS_LINK]}}


def finish_html(md: Path, target: Path, layout: Layout | None = None, choices=None, roles=None) -> Path:
    """One self-contained HTML file (CSS and images inline, nothing fetched) from :func:`html_output`'s page."""
    html = quarto_config()["format"].get("html", {})
    css = paths.resource(html.get("css", "templates/report.css"))
    page = (md.parent / HTML_PAGE).read_text(encoding="utf-8")
    target.write_text(embed_resources(page, md.parent, css.read_text(encoding="utf-8")), encoding="utf-8")
    return target


_IMG = re.compile(r"<img\b([^>]*?)\s*(/?)>")
_ATTRIBUTE = re.compile(r'([^\s=/>]+)="([^"]*)"')


def embed_resources(page: str, folder: Path, css: str) -> str:
    """Pandoc's HTML page made self-contained, as ``pandoc --embed-resources`` makes it.

    The stylesheet's link becomes a ``<style>`` element holding ``css`` (its
    comments left out); each
    image's file (relative to ``folder``) becomes a ``data:`` URI, the image
    named for screen readers by its alternative text (``role="img"`` and
    ``aria-label``, as Pandoc names an embedded image). The page is written by
    Pandoc's HTML writer from the report, whose Markdown reader takes no raw
    HTML: its only links to other files are these.

    Parameters
    ----------
    page : str
        The page :func:`html_output` asks Pandoc for.
    folder : Path
        The folder the page's image paths are relative to.
    css : str
        The stylesheet (``format.html.css`` of ``_quarto.yml``).

    Raises
    ------
    RenderError
        When the page does not link the stylesheet once, or an image is not a
        file in ``folder``.
    """
    import base64
    import mimetypes
    from urllib.parse import unquote

    link = f'<link rel="stylesheet" href="{_CSS_LINK}" />'
    if page.count(link) != 1:
        raise RenderError(f"网页版报告的样式表链接出现 {page.count(link)} 次（应为 1 次）：templates/writers.lua 与"
                          "渲染器不一致，请报告此问题")
    if "</style" in css.lower():
        raise RenderError("网页版报告的样式表中不能出现“</style”：请检查 _quarto.yml 中 format.html.css 指向的文件")
    css = re.sub(r"/\*.*?\*/\n?", "", css, flags=re.S).strip()  # its comments are for its authors, as Pandoc's
    page = page.replace(link, f'<style type="text/css">\n{css}\n</style>')

    def inline(match: re.Match) -> str:
        attributes = _ATTRIBUTE.findall(match.group(1))
        names = dict(attributes)
        src = names.get("src", "")
        source = (folder / unquote(src)).resolve()
        if not src or "://" in src or src.startswith("data:") or not source.is_file() \
                or not source.is_relative_to(folder.resolve()):
            raise RenderError(f"网页版报告中的图片“{src[:80]}”不是本报告的图表文件，无法嵌入")
        mime = mimetypes.guess_type(source.name)[0] or "application/octet-stream"
        data = base64.b64encode(source.read_bytes()).decode("ascii")
        named = [("role", "img"), ("aria-label", names["alt"])] if names.get("alt") else []
        rest = [(k, f"data:{mime};base64,{data}" if k == "src" else v) for k, v in attributes
                if k not in ("role", "aria-label")]
        return "<img " + " ".join(f'{k}="{v}"' for k, v in named + rest) + (" />" if match.group(2) else ">")

    return _IMG.sub(inline, page)


def pandoc_outputs(md: Path, outputs: list[dict]) -> Iterator[str]:
    """Write several outputs of ``md`` in the worker's Pandoc process; yield each one's ``id`` once its file is written.

    The process (``pandoc lua templates/writers.lua``, :class:`~helpers.render.servers.PandocServer`)
    reads the Markdown once and applies ``templates/nianbao.lua`` for each output's
    format, as ``--lua-filter`` would: the files are the ones a Pandoc process per
    output writes. The caller can go on with an output (compile the PDF) while the
    next is written.

    Parameters
    ----------
    md : Path
        The report's Pandoc Markdown; the process runs in its folder.
    outputs : list of dict
        Each ``id`` (said back when written), ``format`` (Pandoc's writer),
        ``file`` and, as the writer needs them, ``template``, ``variables``,
        ``reference_doc``.

    Raises
    ------
    RenderError
        When Pandoc fails (its message).
    """
    job = {"dir": str(md.parent.resolve()), "input": md.name, "reader": MARKDOWN_READER,
           "filter": str(paths.template("nianbao.lua")), "outputs": outputs}
    yield from PANDOC.run(job)


def docx_output(md: Path, target: Path, layout: Layout, choices: dict | None = None) -> dict:
    """The DOCX as an output of :func:`pandoc_outputs`: its reference document generated from ``_quarto.yml``."""
    from .docx_reference import reference_docx

    return {"format": "docx", "file": str(target), "reference_doc": str(reference_docx(layout))}


def typst_output(md: Path, target: Path, layout: Layout, choices: dict | None = None) -> dict:
    """The PDF's typst source (``report.typ`` beside ``md``) as an output of :func:`pandoc_outputs`."""
    typ_template = quarto_config()["format"].get("typst", {}).get("template", "templates/official.typ")
    return {"format": "typst", "file": "report.typ", "template": str(paths.resource(typ_template)),
            "variables": typst_variables(layout, choices)}


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


def typst_compile(source: Path, target: Path, root: Path, standard: str | None) -> None:
    """Compile a typst file into a PDF in the worker's typst process (:class:`TypstServer`).

    Raises
    ------
    RenderError
        When typst fails (its message, in its words).
    """
    options = {"pdf_standards": [standard]} if standard else {}
    reply = TYPST.compile({"input": str(source), "output": str(target), "root": str(root), "options": options})
    if not reply["ok"]:
        raise RenderError(f"typst 排版失败：{reply['error'][:500]}")


def compile_pdf(md: Path, target: Path, layout: Layout, choices=None, roles: tuple[str, ...] = PDF_ROLES) -> Path:
    """The PDF from its typst source beside ``md``; then check that the font of each of ``roles`` was embedded."""
    typst_compile(md.parent / "report.typ", target, md.parent, pdf_standard())
    if choices is not None:
        check_embedded(target, choices, roles)
    return target


def render_pdf(md: Path, target: Path, layout: Layout, choices=None, roles: tuple[str, ...] = PDF_ROLES) -> Path:
    """PDF through typst, then check that the font of each of ``roles`` was embedded."""
    for _ in pandoc_outputs(md, [{"id": "pdf", **typst_output(md, target, layout, choices)}]):
        pass
    return compile_pdf(md, target, layout, choices, roles)


def iso_date(text: str) -> str | None:
    """``2024年12月31日`` (the date a report is signed, as the report writes it) as ``2024-12-31``; else ``None``."""
    found = re.fullmatch(r"(\d{4})年(\d{1,2})月(\d{1,2})日", str(text).strip())
    return "{}-{:0>2}-{:0>2}".format(*found.groups()) if found else None


def ofd_metadata(meta: dict) -> dict:
    """The OFD document's ``DocInfo`` from the report's YAML block: title, author, creation date, keywords.

    The title is the report's page title, the author its issuer (none for a
    district summary), the date the one the report is signed on, the keywords
    the title's lines.
    """
    def plain(text) -> str:
        return re.sub(r"\\(.)", r"\1", str(text or "")).strip()

    lines = [plain(line) for line in meta.get("title-lines") or []]
    created = iso_date(plain(meta.get("date")))
    if created is None:
        raise RenderError(f"报告的日期“{plain(meta.get('date'))}”不是“YYYY年M月D日”，无法写入 OFD 的创建日期")
    return {"title": plain(meta.get("pagetitle")) or "".join(lines), "author": plain(meta.get("issuer")),
            "created": created, "keywords": lines}


def render_ofd(pdf: Path, target: Path, meta: dict) -> Path:
    """OFD from the report's PDF (its pages, text, fonts and images), with the report's metadata."""
    from .ofd import pdf_to_ofd

    return pdf_to_ofd(pdf, target, **ofd_metadata(meta))


@dataclass(frozen=True)
class Format:
    """One output format, declared once: reports, summaries, the site and ``--formats`` read :data:`FORMAT_SPECS`.

    A format is rendered from the report's Pandoc Markdown, with Quarto's name for
    it in ``quarto_to``: as one of the outputs one Pandoc process writes together
    (:func:`pandoc_outputs`), ``pandoc_output(md, target, layout, choices)``, then
    ``finish(md, target, layout, choices, roles)`` when that output is not yet the
    file (the PDF's typst source, the HTML's filtered AST). Or it is converted from
    another format's file (``made_from``), ``convert(source, target, meta)`` with
    the report's metadata, the same after either engine. ``label`` is how the
    site's links name it.
    """

    id: str
    label: str
    quarto_to: str | None = None
    pandoc_output: Callable[..., dict] | None = None
    finish: Callable[..., Path] | None = None
    made_from: str | None = None
    convert: Callable[[Path, Path, dict], Path] | None = None

    @property
    def file_name(self) -> str:
        return f"report.{self.id}"


FORMAT_SPECS: dict[str, Format] = {f.id: f for f in (
    Format("html", "HTML", "html", pandoc_output=html_output, finish=finish_html),
    Format("pdf", "PDF", "typst", pandoc_output=typst_output, finish=compile_pdf),
    Format("ofd", "OFD", made_from="pdf", convert=render_ofd),
    Format("docx", "DOCX", "docx", pandoc_output=docx_output),
)}
FORMATS: tuple[str, ...] = tuple(FORMAT_SPECS)  # every format, in the order files are listed
QUARTO_TO = {f.id: f.quarto_to for f in FORMAT_SPECS.values() if f.quarto_to}  # format id -> Quarto format


def render_order(formats: tuple[str, ...]) -> tuple[str, ...]:
    """``formats`` and the formats they are converted from, in :data:`FORMATS` order (sources first)."""
    wanted = set(formats) | {FORMAT_SPECS[f].made_from for f in formats if FORMAT_SPECS[f].made_from}
    return tuple(f for f in FORMATS if f in wanted)


def render_markdown(md: Path, out_dir: Path, formats: tuple[str, ...], layout: Layout, choices: dict | None,
                    roles: tuple[str, ...], timings: dict | None = None, parallel: bool = False) -> dict[str, Path]:
    """Render Pandoc Markdown into ``out_dir`` as ``report.<format>`` with the built-in engines.

    One Pandoc process reads the Markdown and writes each format's Pandoc output
    (:func:`pandoc_outputs`); each is finished (the PDF compiled, the HTML written)
    as soon as it is written, while Pandoc writes the next. A format converted from
    another (OFD from the PDF) gets its source rendered too; a source not asked for
    is written beside ``md`` and not kept.

    Parameters
    ----------
    parallel : bool
        Finish the formats at once, each in a thread (the PDF compiles while the HTML is
        written): for a process that has the machine to itself (a single report), not for
        a pool's workers.

    Returns
    -------
    dict
        Each of ``formats`` to the file written.
    """
    order = render_order(formats)
    timings = {} if timings is None else timings
    meta: list[dict] = []

    def target_of(fmt: str) -> Path:
        return (out_dir if fmt in formats else md.parent) / FORMAT_SPECS[fmt].file_name

    def timed(key: str, make: Callable[..., Path], *args) -> Path:
        start = time.perf_counter()
        done = make(*args)
        timings[key] = round(time.perf_counter() - start, 3)
        return done

    def finish(fmt: str) -> dict[str, Path]:  # a format from its Pandoc output, then the formats made from it
        spec = FORMAT_SPECS[fmt]
        got = {fmt: timed(fmt, spec.finish, md, target_of(fmt), layout, choices, roles) if spec.finish
               else target_of(fmt)}
        for later in (f for f in order if FORMAT_SPECS[f].made_from == fmt):
            if not meta:
                meta.append(split_metadata(md.read_text(encoding="utf-8"))[0])
            got[later] = timed(later, FORMAT_SPECS[later].convert, got[fmt], target_of(later), meta[0])
        return got

    roots = [f for f in order if not FORMAT_SPECS[f].made_from]
    roots.sort(key=lambda f: FORMAT_SPECS[f].finish is None)  # the ones with more to do first
    outputs = [{"id": f, **FORMAT_SPECS[f].pandoc_output(md, target_of(f), layout, choices)} for f in roots]
    written: dict[str, Path] = {}
    start = time.perf_counter()
    if parallel and len(roots) > 1:  # each format finished in a thread
        from concurrent.futures import ThreadPoolExecutor

        with ThreadPoolExecutor(max_workers=len(roots), thread_name_prefix="nianbao-render") as pool:
            futures = [pool.submit(finish, fmt) for fmt in pandoc_outputs(md, outputs)]
            timings["pandoc"] = round(time.perf_counter() - start, 3)
            for future in futures:
                written.update(future.result())
    else:
        for fmt in pandoc_outputs(md, outputs):
            waited = time.perf_counter()
            written.update(finish(fmt))
            start += time.perf_counter() - waited  # Pandoc's time is what we waited for it
        timings["pandoc"] = round(time.perf_counter() - start, 3)
    return {f: written[f] for f in formats}


def render_builtin(notebook, out_dir: Path, formats: tuple[str, ...], timings: dict | None = None,
                   parallel: bool = False) -> dict[str, Path]:
    """Render with pandoc and typst (the path CI tests); ``parallel``: see :func:`render_markdown`."""
    choices = resolve_all()
    layout = page_layout(choices)
    timings = {} if timings is None else timings
    with tempfile.TemporaryDirectory(prefix="nianbao-render-") as tmp:
        start = time.perf_counter()
        md = notebook_markdown(notebook, Path(tmp))
        timings["markdown"] = round(time.perf_counter() - start, 3)
        return render_markdown(md, out_dir, formats, layout, choices, PDF_ROLES, timings, parallel)


@dataclass(frozen=True)
class QuartoPlan:
    """What a Quarto render runs: the scratch project's ``_quarto.yml``, its font links, its commands."""

    project: dict
    font_links: dict[str, Path] = field(default_factory=dict)  # link in the project -> font folder
    commands: tuple[tuple[str, ...], ...] = ()


def quarto_plan(formats: tuple[str, ...], layout: Layout, choices: dict[str, FontChoice],
                fonts: list[Path] | None = None) -> QuartoPlan:
    """The scratch project and the Quarto command lines for ``formats`` (a pure function).

    The project's ``_quarto.yml``, with: only the requested formats, so that one
    ``quarto render --to all`` writes them (Quarto reads ``--to html,typst`` inside
    a project as one unknown format name); the typst template's variables, font
    choices included, under ``format: typst`` only (so they stay out of the
    DOCX's custom properties); the font folders of ``nianbao.font-dirs`` as
    ``font-paths`` relative to the project (Quarto joins even an absolute path
    onto the project folder), through links inside the project.

    Parameters
    ----------
    formats : tuple of str
        Any of ``html``, ``pdf``, ``docx``.
    layout, choices
        The page layout and the font chosen for each role.
    fonts : list of Path, optional
        Font folders to pass on; by default the existing ``nianbao.font-dirs``.
    """
    config = quarto_config()
    project = {k: v for k, v in config.items() if k not in ("format", "nianbao")}
    project["project"] = {**config.get("project", {}), "output-dir": QUARTO_OUT}
    fonts = [d for d in extra_font_dirs() if d.is_dir()] if fonts is None else list(fonts)
    links = {f"{QUARTO_FONT_LINKS}/{i}-{d.name}": Path(d) for i, d in enumerate(fonts)}
    project["format"] = {}
    for fmt in formats:
        name = QUARTO_TO[fmt]
        options = dict(config["format"].get(name) or {})
        if name == "typst":
            options.update(typst_variables(layout, choices))
            options["font-paths"] = list(links)
        if name == "docx":
            options.setdefault("reference-doc", "templates/reference.docx")  # written by render_quarto
        project["format"][name] = options
    command = ("quarto", "render", "report.ipynb", "--to", "all" if len(formats) > 1 else QUARTO_TO[formats[0]],
               "--output-dir", QUARTO_OUT)
    return QuartoPlan(project, links, (command,))


def quarto_error(stderr: str, limit: int = 1500) -> str:
    """What Quarto said went wrong: its ``ERROR`` lines and the tools' ``error:`` lines.

    Quarto ends a failure with a Deno stack trace; the line that says what to fix
    is the ``ERROR:`` line above it (and, for typst, typst's ``error:`` line with
    its location). When there is none, the last lines without the stack trace.
    """
    lines = [re.sub(r"\x1b\[[0-9;]*m", "", line).rstrip() for line in stderr.splitlines()]
    start = re.compile(r"\s*(ERROR|error)\b")
    stop = re.compile(r"\s*(Stack trace|at\s|WARN|ERROR|error\b)")
    kept: list[str] = []
    for i, line in enumerate(lines):
        if start.match(line):
            kept.append(line.strip())
            for follower in lines[i + 1:i + 7]:  # the message's own lines, up to a blank or the stack trace
                if not follower.strip() or stop.match(follower):
                    break
                if follower.strip(" │|"):
                    kept.append(follower.strip())
    if not kept:
        kept = [line.strip() for line in lines if line.strip() and not re.match(r"\s+at\s", line)
                and not line.startswith("Stack trace")][-8:]
    text = "\n".join(dict.fromkeys(kept))
    return text if len(text) <= limit else text[:limit] + " …"


def split_metadata(text: str) -> tuple[dict, str]:
    """A Markdown text's opening YAML metadata block, parsed, and the text after it.

    Returns ``({}, text)`` when the text does not open with one.
    """
    if text.startswith("---\n"):
        end = text.find("\n---\n", 4)
        if end > 0:
            return yaml.safe_load(text[4:end]) or {}, text[end + 5:]
    return {}, text


def quarto_notebook(nb: nbformat.NotebookNode) -> tuple[nbformat.NotebookNode, dict]:
    """The executed notebook as Quarto should read it, for the documents the built-in path writes.

    The cells the built-in path leaves out are removed; each cell's metadata keeps
    only its tags (Quarto writes the rest, papermill's execution times among them,
    into the HTML, which then changes on every build); a chart's alternative text
    (its output's ``alt``) becomes the cell's ``fig-alt`` option; the report's YAML block,
    which opens a cell's Markdown output, becomes the notebook's front matter (a
    first raw cell), the only place Quarto reads a document's title from.

    Returns
    -------
    tuple
        The notebook for Quarto, and the report's metadata as the report wrote it.
    """
    import nbformat

    cells, meta = [], {}
    for cell in nb.cells:
        tags = list(cell.get("metadata", {}).get("tags", []))
        if REMOVE_TAGS & set(tags):
            continue
        cell = nbformat.from_dict({**cell, "metadata": {"tags": tags} if tags else {}})
        alts = [(o.get("metadata", {}).get("image/png") or {}).get("alt", "") for o in cell.get("outputs", [])]
        if any(alts):  # a chart's alternative text, as Quarto reads it: the cell's fig-alt, one per output
            options = yaml.safe_dump({"fig-alt": alts}, allow_unicode=True, width=10**6).splitlines()
            cell["source"] = "".join(f"#| {line}\n" for line in options) + "".join(cell.get("source", ""))
        for output in cell.get("outputs", []):
            text = output.get("data", {}).get("text/markdown")
            if not meta and isinstance(text, str):
                meta, output["data"]["text/markdown"] = split_metadata(text)
        cells.append(cell)
    if meta:
        front = dict(meta)
        date = iso_date(front.get("date", ""))
        if date:  # Quarto reads `date` as a date ("Invalid Date" for 2024年12月31日) and formats it itself
            front["date"], front["date-format"] = date, QUARTO_DATE_FORMAT
        cells.insert(0, nbformat.v4.new_raw_cell(
            "---\n" + yaml.safe_dump(front, allow_unicode=True, sort_keys=False) + "---"))
    return nbformat.from_dict({**nb, "cells": cells}), meta


def docx_custom_properties(docx: Path, keep: set[str]) -> None:
    """Keep only the custom properties named in ``keep`` (the report's own metadata) in ``docx``.

    Quarto adds its own keys (biblio-config, header-includes, labels, toc-title …)
    to a DOCX's custom properties; the built-in path writes the report's keys only.
    """
    import zipfile

    part = "docProps/custom.xml"
    with zipfile.ZipFile(docx) as z:
        if part not in z.namelist():
            return
        items = [(info, z.read(info.filename)) for info in z.infolist()]
    changed = False
    for i, (info, data) in enumerate(items):
        if info.filename == part:
            text = data.decode("utf-8")
            kept = re.sub(r'<property [^>]*name="([^"]+)"[^>]*>.*?</property>',
                          lambda m: m.group(0) if m.group(1) in keep else "", text, flags=re.S)
            pids = iter(range(2, 10**6))  # numbered again from 2, as pandoc numbers them
            kept = re.sub(r'pid="\d+"', lambda m, pids=pids: f'pid="{next(pids)}"', kept)
            changed = kept != text
            items[i] = (info, kept.encode("utf-8"))
    if changed:
        with zipfile.ZipFile(docx, "w") as z:
            for info, data in items:
                z.writestr(info, data)


def _link_fonts(work: Path, links: dict[str, Path]) -> None:
    """Make each font folder reachable under its relative name in the scratch project."""
    for name, target in links.items():
        link = work / name
        link.parent.mkdir(parents=True, exist_ok=True)
        try:
            link.symlink_to(Path(target).resolve(), target_is_directory=True)
        except OSError:  # no symlinks (Windows without the right): copy the folder
            shutil.copytree(target, link)


def render_quarto(notebook, out_dir: Path, formats: tuple[str, ...], timings: dict | None = None) -> dict[str, Path]:
    """Render with Quarto, in a scratch project made by :func:`quarto_plan`.

    Raises
    ------
    RenderError
        When Quarto fails (its ``ERROR`` line is kept) or does not write a format.
    """
    from .docx_reference import reference_docx

    choices = resolve_all()
    layout = page_layout(choices)
    rendered = tuple(f for f in render_order(formats) if not FORMAT_SPECS[f].made_from)
    plan = quarto_plan(rendered, layout, choices)
    written: dict[str, Path] = {}
    import nbformat

    timings = {} if timings is None else timings
    with tempfile.TemporaryDirectory(prefix="nianbao-quarto-") as tmp:
        work = Path(tmp)
        for name, source in paths.template_files().items():  # the project's templates win, file by file
            (work / "templates" / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy(source, work / "templates" / name)
        if "docx" in rendered:
            shutil.copy(reference_docx(layout), work / plan.project["format"]["docx"]["reference-doc"])
        _link_fonts(work, plan.font_links)
        (work / "_quarto.yml").write_text(yaml.safe_dump(plan.project, allow_unicode=True, sort_keys=False),
                                          encoding="utf-8")
        nb = notebook if isinstance(notebook, nbformat.NotebookNode) else nbformat.read(notebook, as_version=4)
        nb, meta = quarto_notebook(nb)
        nbformat.write(nb, work / "report.ipynb")
        start = time.perf_counter()
        for command in plan.commands:
            proc = subprocess.run([shutil.which("quarto") or "quarto", *command[1:]], cwd=work,
                                  capture_output=True, text=True)
            if proc.returncode != 0:
                raise RenderError(f"Quarto 渲染失败（退出码 {proc.returncode}）：{quarto_error(proc.stderr)}")
        timings["quarto"] = round(time.perf_counter() - start, 3)
        produced: dict[str, Path] = {}
        for fmt in rendered:
            produced[fmt] = work / QUARTO_OUT / FORMAT_SPECS[fmt].file_name
            if not produced[fmt].is_file():
                raise RenderError(f"Quarto 没有写出 report.{fmt}（{QUARTO_OUT}/ 中只有："
                                  f"{'、'.join(sorted(p.name for p in (work / QUARTO_OUT).glob('*'))) or '无'}）")
        if "pdf" in produced:
            check_embedded(produced["pdf"], choices, PDF_ROLES)
        for fmt in formats:
            spec = FORMAT_SPECS[fmt]
            start = time.perf_counter()
            if spec.made_from:  # converted from Quarto's file, as the built-in path converts its own
                written[fmt] = spec.convert(produced[spec.made_from], out_dir / spec.file_name, meta)
                timings[fmt] = round(time.perf_counter() - start, 3)
            else:
                written[fmt] = Path(shutil.copy(produced[fmt], out_dir / spec.file_name))
    if "docx" in written:
        docx_custom_properties(written["docx"], set(meta))
    return written


def render(notebook, out_dir: Path, formats: tuple[str, ...] = FORMATS, timings: dict | None = None,
           engine: str | None = None, parallel: bool = False) -> dict[str, Path]:
    """Render an executed notebook into ``out_dir`` as ``report.<format>``.

    Parameters
    ----------
    notebook : Path or NotebookNode
        The executed notebook (never re-executed).
    out_dir : Path
        Folder to write into (it must exist).
    formats : tuple of str
        Any of :data:`FORMATS` (``html``, ``pdf``, ``ofd``, ``docx``).
    timings : dict, optional
        Filled with the seconds each step took.
    engine : str, optional
        ``quarto``, ``builtin`` or ``auto`` (see :func:`choose_engine`).
    parallel : bool
        The built-in engines render the formats side by side (:func:`render_markdown`).

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
    import nbformat

    formats = parse_formats(formats)
    if not isinstance(notebook, nbformat.NotebookNode):
        notebook = Path(notebook)
    if choose_engine(engine) == "quarto":
        return render_quarto(notebook, Path(out_dir), formats, timings)
    return render_builtin(notebook, Path(out_dir), formats, timings, parallel)

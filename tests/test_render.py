"""Render tests: read the PDF (text and embedded fonts), the DOCX XML and the HTML."""

from __future__ import annotations

import re
import shutil
import subprocess
import zipfile
from html.parser import HTMLParser
from pathlib import Path

import pytest

from conftest import REFERENCE_FIGURES, REFERENCE_OUTLETS, pandoc, squash
from helpers.settings.fonts import resolve
from helpers.settings.layout import office_fonts

pytestmark = pytest.mark.render


def pdf_text(path) -> str:
    return subprocess.run(["pdftotext", "-enc", "UTF-8", str(path), "-"], check=True,
                          capture_output=True, text=True).stdout


def docx_xml(path) -> str:
    with zipfile.ZipFile(path) as z:
        return z.read("word/document.xml").decode("utf-8")


def docx_text(path) -> str:
    return "".join(re.findall(r"<w:t(?: [^>]*)?>([^<]*)</w:t>", docx_xml(path)))


class _Text(HTMLParser):
    def __init__(self):
        super().__init__()
        self.parts, self.external = [], []

    def handle_data(self, data):
        self.parts.append(data)

    def handle_starttag(self, tag, attrs):
        for name, value in attrs:
            if name in ("src", "href") and value and re.match(r"(?i)(https?:)?//", value) and tag != "a":
                self.external.append((tag, value))


def html_parts(path):
    parser = _Text()
    parser.feed(path.read_text(encoding="utf-8"))
    return "".join(parser.parts), parser.external


class _Tags(HTMLParser):
    """An HTML page as its tags (attributes sorted), and its text with runs of white space as one space: what
    a browser reads. A stylesheet's comments are left out."""

    def __init__(self):
        super().__init__()
        self.events, self.in_style = [], False

    def handle_starttag(self, tag, attrs):
        self.events.append(("<", tag, tuple(sorted(attrs))))
        self.in_style = tag == "style"

    def handle_startendtag(self, tag, attrs):
        self.events.append(("<", tag, tuple(sorted(attrs))))

    def handle_endtag(self, tag):
        self.events.append((">", tag))
        self.in_style = False

    def handle_data(self, data):
        if self.in_style:
            data = re.sub(r"/\*.*?\*/", "", data, flags=re.S)
        if text := " ".join(data.split()):
            self.events.append(("text", text))


def html_tags(path) -> list[tuple]:
    parser = _Tags()
    parser.feed(path.read_text(encoding="utf-8"))
    return parser.events



@pytest.mark.skipif(shutil.which("pdftotext") is None, reason="poppler-utils not installed (make system)")
def test_pdf_states_each_reference_figure(built_report):
    text = squash(pdf_text(built_report / "report.pdf"))
    for figure in REFERENCE_FIGURES + REFERENCE_OUTLETS:
        assert figure in text, figure
    assert "中共六安市叶集区民政局党组2024年度意识形态工作专题报告" in text
    for heading in ("一、工作开展情况", "二、存在问题和短板", "三、2025年工作谋划", "附件"):
        assert heading in text


@pytest.mark.skipif(shutil.which("pdffonts") is None, reason="poppler-utils not installed (make system)")
def test_pdf_embeds_the_chosen_cjk_fonts(built_report):
    listing = subprocess.run(["pdffonts", str(built_report / "report.pdf")], check=True,
                             capture_output=True, text=True).stdout
    rows = listing.splitlines()[2:]
    embedded = {row.split()[0].split("+")[-1].removesuffix("-Identity-H") for row in rows if " yes " in row}
    for role in ("title", "body", "hei", "kai", "page-number"):
        assert resolve(role).postscript in embedded, (role, embedded)
    # no text fell back to a font without Chinese glyphs (typst draws boxes silently)
    body_font = resolve("body").postscript
    assert any(body_font in row for row in rows)


def test_pdf_has_no_replacement_glyphs(built_report):
    import pdfplumber

    with pdfplumber.open(built_report / "report.pdf") as pdf:
        chars = [c for page in pdf.pages for c in page.chars]
    cjk = [c for c in chars if "\u4e00" <= c["text"] <= "\u9fff"]
    assert len(cjk) > 1500
    fonts_of_cjk = {c["fontname"].split("+")[-1] for c in cjk}
    cjk_fonts = {resolve(r).postscript for r in ("title", "body", "hei", "kai", "page-number")}
    assert fonts_of_cjk <= cjk_fonts, fonts_of_cjk - cjk_fonts


def test_docx_states_each_reference_figure_and_sets_east_asian_fonts(built_report):
    text = docx_text(built_report / "report.docx")
    for figure in REFERENCE_FIGURES + REFERENCE_OUTLETS:
        assert figure in text, figure
    with zipfile.ZipFile(built_report / "report.docx") as z:
        styles = z.read("word/styles.xml").decode("utf-8")
        document = z.read("word/document.xml").decode("utf-8")
    assert f'w:eastAsia="{office_fonts()["body"]}"' in styles  # the office font, for the recipient's machine
    page = dict(re.findall(r'w:(\w)="(\d+)"', re.search(r"<w:pgSz [^>]*>", document).group(0)))
    assert abs(int(page["w"]) - 11906) <= 2 and abs(int(page["h"]) - 16838) <= 2  # A4 in twips
    margins = dict(re.findall(r'w:(\w+)="(\d+)"', re.search(r"<w:pgMar [^>]*>", document).group(0)))
    twips_per_mm = 1440 / 25.4
    for side, mm in (("top", 37), ("bottom", 35), ("left", 28), ("right", 26)):
        assert abs(int(margins[side]) / twips_per_mm - mm) < 0.2, side
    assert re.search(r'<w:drawing>', document), "charts are embedded"


def test_html_is_self_contained_and_states_each_figure(built_report):
    html = built_report / "report.html"
    text, external = html_parts(html)
    assert external == []
    raw = html.read_text(encoding="utf-8")
    assert raw.count('src="data:image/png;base64,') >= 2
    assert "<script" not in raw.lower() or "src=" not in raw.lower().split("<script", 1)[1][:200]
    squashed = squash(text)
    for figure in REFERENCE_FIGURES + REFERENCE_OUTLETS:
        assert figure in squashed, figure
    assert 'lang="zh-CN"' in raw


def test_outputs_listed_by_the_contract(built_report):
    names = {p.name for p in built_report.iterdir()}
    assert {"report.html", "report.pdf", "report.docx", "report.ipynb", "indicators.json"} <= names
    assert "rejected.csv" not in names  # the sample data is clean


def test_executed_notebook_keeps_outputs_but_no_code_in_report(built_report):
    import nbformat

    nb = nbformat.read(built_report / "report.ipynb", as_version=4)
    assert any(c.get("outputs") for c in nb.cells if c.cell_type == "code")
    kinds = {k for c in nb.cells for o in c.get("outputs", []) for k in o.get("data", {})}
    assert "text/html" not in kinds  # no raw frames displayed (pandas shows frames as HTML)
    assert not [o for c in nb.cells for o in c.get("outputs", []) if o.get("output_type") in ("stream", "error")]
    text, _ = html_parts(built_report / "report.html")
    assert "helpers." not in text and "import" not in text


def test_one_pandoc_read_writes_what_a_pandoc_run_per_format_writes(built_report, tmp_path):
    """The report's one Pandoc process (templates/writers.lua) writes the files a Pandoc command per format writes.

    The HTML's stylesheet and charts are put inline by nianbao, not by Pandoc: the same tags, attributes and
    text as ``pandoc --embed-resources`` writes (the bytes differ in white space between attributes and in the
    stylesheet's comments)."""
    from helpers.render import engines
    from helpers.render.docx_reference import reference_docx
    from helpers.settings import paths

    md = engines.notebook_markdown(built_report / "report.ipynb", tmp_path)
    choices = engines.resolve_all()
    layout = engines.page_layout(choices)
    out = tmp_path / "out"
    out.mkdir()
    timings: dict = {}
    engines.render_markdown(md, out, ("html", "pdf", "docx"), layout, choices, engines.PDF_ROLES, timings)
    assert {"pandoc", "html", "pdf"} <= set(timings)

    common = [md.name, "-f", engines.MARKDOWN_READER, "--lua-filter", str(paths.template("nianbao.lua"))]
    pandoc([*common, "-t", "html5", "-s", "--embed-resources", "--css", str(paths.template("report.css")),
                "-M", "lang=zh-CN", "-o", "alone.html"], tmp_path)
    typst = [*common, "-t", "typst", "--template", str(paths.template("official.typ")), "-o", "alone.typ"]
    for key, value in engines.typst_variables(layout, choices).items():
        typst += ["-V", f"{key}={value}"]
    pandoc(typst, tmp_path)
    pandoc([*common, "-t", "docx", "--reference-doc", str(reference_docx(layout)), "-o", "alone.docx"], tmp_path)

    ours, alone = html_tags(out / "report.html"), html_tags(tmp_path / "alone.html")
    assert sum(1 for e in ours if e[:2] == ("<", "img")) >= 2 and ("<", "style", (("type", "text/css"),)) in ours
    assert ours == alone
    assert (tmp_path / "report.typ").read_bytes() == (tmp_path / "alone.typ").read_bytes()
    with zipfile.ZipFile(out / "report.docx") as ours, zipfile.ZipFile(tmp_path / "alone.docx") as alone:
        assert ours.namelist() == alone.namelist()
        differ = [n for n in ours.namelist() if ours.read(n) != alone.read(n)]
        assert differ in ([], ["docProps/core.xml"])  # its creation time, to the second


def test_embed_resources_puts_the_stylesheet_and_charts_inline_and_says_what_it_cannot(tmp_path):
    import base64

    from helpers.render.engines import _CSS_LINK, embed_resources
    from helpers.settings.errors import RenderError

    (tmp_path / "figures").mkdir()
    (tmp_path / "figures" / "a b.png").write_bytes(b"\x89PNG-bytes")
    page = (f'<head>\n  <link rel="stylesheet" href="{_CSS_LINK}" />\n</head>\n'
            '<p><img src="figures/a%20b.png" style="width:100.0%"\nalt="图1　&quot;收件&quot;" /></p>')
    html = embed_resources(page, tmp_path, "/* for the stylesheet's authors */\np { color: red; }\n")
    data = base64.b64encode(b"\x89PNG-bytes").decode()
    assert '<style type="text/css">\np { color: red; }\n</style>' in html and "<link" not in html
    assert (f'<img role="img" aria-label="图1　&quot;收件&quot;" src="data:image/png;base64,{data}" '
            'style="width:100.0%" alt="图1　&quot;收件&quot;" />') in html

    with pytest.raises(RenderError, match="图片“figures/missing.png”不是本报告的图表文件"):
        embed_resources(page.replace("a%20b.png", "missing.png"), tmp_path, "")
    with pytest.raises(RenderError, match="不是本报告的图表文件"):
        embed_resources(page.replace("figures/a%20b.png", "http://example.org/a.png"), tmp_path, "")
    (tmp_path / "outside.png").write_bytes(b"\x89PNG-elsewhere")  # a file, but not in the report's folder
    with pytest.raises(RenderError, match="不是本报告的图表文件"):
        embed_resources(page.replace("figures/a%20b.png", "../outside.png"), tmp_path / "figures", "")
    with pytest.raises(RenderError, match="样式表链接出现 0 次"):
        embed_resources("<p>无样式表</p>", tmp_path, "")
    with pytest.raises(RenderError, match="</style"):
        embed_resources(page, tmp_path, "p {} </style><script>")


def test_a_pandoc_failure_is_reported_in_its_words(tmp_path):
    from helpers.render.engines import pandoc_outputs
    from helpers.settings.errors import RenderError

    md = tmp_path / "report.md"
    md.write_text("正文。\n", encoding="utf-8")
    missing = tmp_path / "no-such-template.typ"
    with pytest.raises(RenderError, match="(?s)pandoc 转换失败.*no-such-template"):
        list(pandoc_outputs(md, [{"id": "pdf", "format": "typst", "file": "report.typ", "template": str(missing)}]))
    assert not (tmp_path / "report.typ").exists()


def test_one_pandoc_process_writes_report_after_report_and_survives_a_failed_one(tmp_path, monkeypatch):
    """The worker's Pandoc process: reports one after another, each in its own folder; a report Pandoc
    cannot write fails alone; a caller that stops half way ends the process; renewed after its count,
    replaced when gone, killed and reaped at the end."""
    from helpers.render import servers
    from helpers.settings import paths
    from helpers.settings.errors import RenderError

    monkeypatch.setattr(servers, "PANDOC_RECYCLE", 3)
    server = servers.PandocServer()

    def job(name: str, text: str, template: Path | None = None) -> dict:
        folder = tmp_path / name
        folder.mkdir(exist_ok=True)
        (folder / "report.md").write_text(text, encoding="utf-8")
        typst = {"id": "pdf", "format": "typst", "file": "report.typ"}
        if template is not None:
            typst["template"] = str(template)
        return {"dir": str(folder), "input": "report.md", "reader": "markdown", "filter":
                str(paths.template("nianbao.lua")), "outputs": [typst, {"id": "html", "format": "html5",
                                                                       "file": "report.html"}]}

    try:
        assert list(server.run(job("a", "甲报告。\n"))) == ["pdf", "html"]
        first = server.proc
        with pytest.raises(RenderError, match="(?s)pandoc 转换失败.*no-such-template"):
            list(server.run(job("b", "乙报告。\n", tmp_path / "no-such-template.typ")))
        assert server.proc is first  # a report that failed leaves the process to the next
        assert list(server.run(job("文件夹 丙", "丙报告。\n"))) == ["pdf", "html"]  # its third: it ends
        assert first.poll() is not None and server.proc is None
        assert "甲报告" in (tmp_path / "a" / "report.typ").read_text(encoding="utf-8")
        assert "丙报告" in (tmp_path / "文件夹 丙" / "report.html").read_text(encoding="utf-8")
        assert not (tmp_path / "b" / "report.typ").exists()

        written = server.run(job("d", "丁报告。\n"))
        assert next(written) == "pdf"
        stopped = server.proc
        written.close()  # the caller stopped after the first output: Pandoc is stopped with it
        assert stopped.poll() is not None and server.proc is None
        assert list(server.run(job("e", "戊报告。\n"))) == ["pdf", "html"]
        gone = server.proc
        gone.kill()
        gone.wait()
        assert list(server.run(job("f", "己报告。\n"))) == ["pdf", "html"]  # a process gone is replaced
        last = server.proc
        assert last is not gone
    finally:
        server.close()
    assert last.poll() is not None and server.proc is None  # killed and reaped, not left to run on


def test_a_helper_process_that_hangs_is_stopped_and_one_that_dies_is_reported_in_its_words(monkeypatch):
    import sys

    from helpers.render import servers

    class Silent(servers.LineServer):
        name = "测试进程"

        def __init__(self, code: str) -> None:
            super().__init__()
            self.code = code

        def command(self) -> list[str]:
            return [sys.executable, "-c", self.code]

    monkeypatch.setattr(servers, "TIMEOUT", 0.5)
    hung = Silent("import sys, time; sys.stdin.readline(); time.sleep(60)")
    hung.start()
    proc = hung.proc
    hung.send({"job": 1})
    assert "测试进程超过 0.5 秒仍未完成" in hung.reply()["error"]
    assert proc.poll() is not None and hung.proc is None  # killed and reaped

    monkeypatch.setattr(servers, "TIMEOUT", 60)  # time enough to start, however busy the machine
    dying = Silent("import sys; sys.stdin.readline(); sys.stderr.write('字体文件损坏'); sys.exit(3)")
    dying.start()
    dying.send({"job": 1})
    assert dying.reply() == {"error": "测试进程意外退出：字体文件损坏"}
    assert dying.proc is None


def test_a_forked_child_starts_its_own_helper_processes(tmp_path):
    """A process forked from one whose Pandoc process runs writes through a process of its own."""
    import multiprocessing

    from helpers.render import servers

    server = servers.PandocServer()
    server.start()
    try:
        parent = server.proc.pid
        ctx = multiprocessing.get_context("fork")
        queue = ctx.Queue()

        def child() -> None:
            queue.put((server.proc, server.lock.locked()))

        proc = ctx.Process(target=child)
        with server.lock:  # held at the fork: the child gets a lock of its own
            proc.start()
        proc.join(30)
        assert queue.get(timeout=5) == (None, False)
        assert server.proc.pid == parent
    finally:
        server.close()


@pytest.mark.skipif(not Path("/proc/self/environ").exists(), reason="reads /proc")
def test_pandoc_process_runs_with_a_larger_allocation_area_unless_the_user_set_one(monkeypatch):
    from helpers.render import servers

    def runtime_options() -> list[str]:
        server = servers.PandocServer()
        server.start()
        try:
            environ = Path(f"/proc/{server.proc.pid}/environ").read_bytes().split(b"\0")
            assert server.proc.poll() is None  # it runs with them
        finally:
            server.close()
        return [v.decode() for v in environ if v.startswith(b"GHCRTS=")]

    monkeypatch.delenv("GHCRTS", raising=False)
    assert runtime_options() == ["GHCRTS=-A64m"] and servers.PANDOC_RTS == "-A64m"
    monkeypatch.setenv("GHCRTS", "-A8m")
    assert runtime_options() == ["GHCRTS=-A8m"]


def test_typst_process_is_renewed_after_its_count_replaced_when_gone_and_reaped_at_the_end(tmp_path, monkeypatch):
    from helpers.render import servers

    monkeypatch.setattr(servers, "TYPST_RECYCLE", 2)
    server = servers.TypstServer()
    source = tmp_path / "a.typ"
    source.write_text("正文。", encoding="utf-8")

    def compile_one(name: str) -> None:
        reply = server.compile({"input": str(source), "output": str(tmp_path / name), "root": str(tmp_path),
                                "options": {}})
        assert reply == {"ok": True} and (tmp_path / name).read_bytes().startswith(b"%PDF")

    try:
        compile_one("1.pdf")
        first = server.proc
        compile_one("2.pdf")  # its second PDF: it ends, the next one starts at once
        assert first.poll() is not None and server.proc is not None and server.proc is not first
        second = server.proc
        second.kill()
        second.wait()
        compile_one("3.pdf")  # a process that has gone away is replaced
        last = server.proc
        assert last is not second
    finally:
        server.close()
    assert last.poll() is not None and server.proc is None  # killed and reaped, not left to run on


def test_typst_sets_each_run_of_marks_in_a_cell_with_the_tracking_where_it_stands(tmp_path):
    """templates/nianbao.lua writes each run of Chinese marks as the template's ``marks`` call.

    The body, headings and the title's lines at the body's tracking; table cells and the
    data note at 0pt (the template sets them without tracking); the document's title (a
    string) and a chart's description left as they are. The source compiles.
    """
    import numpy as np
    import typst

    from helpers.document.charts import png_rgb
    from helpers.render import engines
    from helpers.settings import paths
    from helpers.settings.fonts import font_dirs

    (tmp_path / "c.png").write_bytes(png_rgb(np.full((4, 4, 3), 255, dtype=np.uint8)))
    (tmp_path / "r.md").write_text(
        '---\ntitle: 报告\ntitle-lines: ["关于（甲）", "工作报告"]\npagetitle: "关于（甲）工作报告"\n---\n\n'
        "# 一、标题\n\n正文，“引号”。接着说。\n\n"
        "| 项目（单位） | 数值 |\n|---|---|\n| 会议（次） | 3 |\n\n"
        "| 甲 | 乙 |\n|---|---|\n| 丙 | 1 |\n\n: 表的说明（注） {#tbl-a}\n\n"  # a caption: at the body's tracking
        "| 链接 | 值 |\n|---|---|\n| [网站，甲](http://x.cn/a，b) | 2 |\n\n"  # a link's target is not text
        "::: {.note}\n数据来源：台账；截止日期。\n:::\n\n"
        '![](c.png){alt="图1　说明，逗号"}\n', encoding="utf-8")
    typ = [str(tmp_path / "r.md"), "-f", engines.MARKDOWN_READER, "--lua-filter", str(paths.template("nianbao.lua")),
           "-t", "typst", "--template", str(paths.template("official.typ")), "-o", "r.typ"]
    layout = engines.page_layout(engines.resolve_all())
    for key, value in engines.typst_variables(layout, engines.resolve_all()).items():
        typ += ["-V", f"{key}={value}"]
    pandoc(typ, tmp_path)
    source = (tmp_path / "r.typ").read_text(encoding="utf-8")
    body = source[source.index("#let chart(body)"):]
    assert '关于#marks("（", tracking);甲#marks("）", tracking);' in body  # the title's first line
    assert '= 一#marks("、", tracking);标题' in body
    assert '正文#marks("，“", tracking);引号#marks("”。", tracking);接着说' in body
    assert '项目#marks("（", 0pt);单位#marks("）", 0pt);' in body and '会议#marks("（", 0pt);次#marks("）", 0pt);' in body
    assert '数据来源#marks("：", 0pt);台账#marks("；", 0pt);截止日期#marks("。", 0pt);' in body
    assert '表的说明#marks("（", tracking);注#marks("）", tracking);' in body
    assert '#link("http://x.cn/a，b")[网站#marks("，", 0pt);甲]' in body
    assert body.count("#report-table(") == 3 and "#table(" not in body  # every table through the template's
    assert 'alt: "图1　说明，逗号"' in body
    assert '#set document(title: "关于（甲）工作报告")' in source
    typst.compile(str(tmp_path / "r.typ"), output=str(tmp_path / "r.pdf"), root=str(tmp_path),
                  font_paths=[str(d) for d in font_dirs()])
    assert (tmp_path / "r.pdf").read_bytes().startswith(b"%PDF")


def test_tables_not_measured_when_they_surely_fit_are_set_as_measured(tmp_path):
    """report-table skips measuring a table when nianbao.lua's bounds say it fits: the same PDF as measuring it.

    The bounds (``ems``: the most each column's one-line cells take; ``rows``) are
    written for tables of plain one-line cells only; a cell of two paragraphs or an
    unusual character gives none. Compiled with the bounds and with them removed, the
    PDFs are the same file.
    """
    import re

    import typst

    from helpers.render import engines
    from helpers.settings import paths
    from helpers.settings.fonts import font_dirs

    (tmp_path / "t.md").write_text(
        "# 表格\n\n| 指标 | 本期 | 上年同期 |\n|:---|---:|---:|\n| 会议（次） | 3 | 4 |\n| 合计A（次） | 12 | — |\n\n"
        + "| " + "很长的指标名称" * 6 + " | 数值 |\n|:---|---:|\n| 甲 | 1 |\n\n"
        + "| 月份 | 件数 |\n|:---|---:|\n" + "".join(f"| 第{i}行 | {i} |\n" for i in range(40)) + "\n"
        + "| 一 | 二 |\n|:---|---:|\n| ⸺ | 1 |\n\n"
        + "+-------+-------+\n| a     | b     |\n+=======+=======+\n| one   | 2     |\n|       |       |\n"
        + "| two   |       |\n+-------+-------+\n",
        encoding="utf-8")
    args = ["t.md", "-f", engines.MARKDOWN_READER, "--lua-filter", str(paths.template("nianbao.lua")),
            "-t", "typst", "--template", str(paths.template("official.typ")), "-o", "t.typ"]
    choices = engines.resolve_all()
    for key, value in engines.typst_variables(engines.page_layout(choices), choices).items():
        args += ["-V", f"{key}={value}"]
    pandoc(args, tmp_path)
    source = (tmp_path / "t.typ").read_text(encoding="utf-8")
    calls = re.findall(r"#report-table\((ems: \([^)]*\), rows: \d+, )?", source)
    # 合计A: 1/4em on each side of the A; 40 rows are more than a page holds: measured
    assert calls == ["ems: (6.5, 2, 4), rows: 3, ", "ems: (42, 2), rows: 2, ", "ems: (4.5, 2), rows: 41, ", "", ""]
    (tmp_path / "m.typ").write_text(re.sub(r"(#report-table\()ems: \([^)]*\), rows: \d+, ", r"\1", source),
                                    encoding="utf-8")
    fonts = [str(d) for d in font_dirs()]
    for name in ("t", "m"):
        typst.compile(str(tmp_path / f"{name}.typ"), output=str(tmp_path / f"{name}.pdf"), root=str(tmp_path),
                      font_paths=fonts, timestamp=0)  # the same creation date
    assert (tmp_path / "t.pdf").read_bytes() == (tmp_path / "m.pdf").read_bytes()

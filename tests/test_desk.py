"""The analyst's desk: Chinese help, the notebook's HTML view, short errors, render, preview, --formats."""

from __future__ import annotations

import json
import re
import shutil
import signal
import subprocess
import sys
import time
import urllib.request

import nbformat
import pytest

from conftest import NIANBAO, ROOT, run_cli, squash
from helpers.figures.kinds import get as get_kind
from helpers.settings import paths

CJK = re.compile(r"[\u4e00-\u9fff]")

NOTEBOOK = get_kind(None).notebook  # the first kind's notebook


# --------------------------------------------------------------------------- Chinese help


def _subparsers(parser):
    import argparse

    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            return action.choices
    return {}


def test_every_command_and_option_has_chinese_help():
    from helpers.cli import _parser

    parser = _parser()
    commands = _subparsers(parser)
    assert {"build", "validate", "doctor", "site", "preview", "render"} <= set(commands)
    for name, sub in commands.items():
        assert CJK.search(sub.description or ""), name
        for action in sub._actions:
            assert action.help and CJK.search(action.help), (name, action.option_strings, action.help)
    text = parser.format_help() + "".join(sub.format_help() for sub in commands.values())
    for english in ("usage:", "options:", "show this help", "positional arguments", "default:"):
        assert english not in text


def test_chinese_help_wraps_by_display_width(monkeypatch):
    import unicodedata

    from helpers.cli import _parser

    monkeypatch.setenv("COLUMNS", "60")
    text = _subparsers(_parser())["build"].format_help()
    for line in text.splitlines():
        assert sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in line) <= 60, line
        assert not line.strip().startswith(("，", "。", "）")) and not line.endswith("（"), line
    assert "pip install" in " ".join(text.split()) and "html、pdf、ofd、docx" in text


def test_argparse_errors_are_chinese_and_exit_2():
    proc = run_cli("build", "--jobs", "many")
    assert proc.returncode == 2
    assert "参数错误" in proc.stderr and "--jobs" in proc.stderr and "invalid" not in proc.stderr
    proc = run_cli("render")
    assert proc.returncode == 2 and "缺少必需的参数" in proc.stderr and "NOTEBOOK" in proc.stderr


def test_chinese_argparse_does_not_leak_into_other_parsers():
    import argparse

    from helpers.cli import _parser

    _parser().format_help()
    assert "usage:" in argparse.ArgumentParser(prog="x").format_help()


# --------------------------------------------------------------------------- the notebook's view


def test_a_piece_of_the_report_carries_markdown_and_scoped_html(sample_ledgers):
    from helpers.document.display import ReportMarkdown
    from helpers.document.report import Report

    report = Report.from_ledgers(sample_ledgers, "yeji-mzj", 2024)
    piece = ReportMarkdown(report.body_markdown())
    assert piece._repr_markdown_() == report.body_markdown()
    html = piece._repr_html_()
    assert html.startswith('<div class="nianbao-lab">')
    assert '<h1 class="title">中共六安市叶集区民政局党组2024年度<br />意识形态工作专题报告</h1>' in html
    assert '<div class="recipient">' in html and '<div class="signature">' in html
    assert ":::" not in html and "title-lines" not in html and "{.recipient}" not in html
    style = re.search(r"<style>(.*?)</style>", html, re.S).group(1)
    selectors = [s.strip() for rule in re.findall(r"([^{}]+)\{", style) for s in rule.split(",")]
    assert selectors and all(s.startswith(".nianbao-lab") for s in selectors), selectors
    table = ReportMarkdown(report.appendix_markdown())._repr_html_()
    assert "<table" in table and "{.unnumbered" not in table


def test_the_batch_switch_leaves_the_html_view_out(monkeypatch):
    from helpers.document.display import ReportMarkdown

    monkeypatch.setenv(paths.LAB_HTML_ENV, "0")
    assert ReportMarkdown("# 标题")._repr_html_() is None


def test_a_nianbao_error_shows_as_one_short_line_in_ipython():
    from helpers.settings.errors import NarrativeError, ParameterError

    (line,) = NarrativeError("2024.md，第6行：占位符 {x} 不存在")._render_traceback_()
    assert "文字材料有误" in line and "第6行" in line
    assert len(ParameterError("x")._render_traceback_()) == 1


def test_a_notebook_saved_with_outputs_has_the_same_fingerprint(tmp_path):
    from helpers.run.provenance import notebook_fingerprint

    nb = nbformat.read(NOTEBOOK, as_version=4)
    for i, cell in enumerate(nb.cells):
        if cell.cell_type == "code":
            cell.execution_count = i
            cell.outputs = [nbformat.v4.new_output("display_data", data={"text/html": "<p>x</p>"})]
            cell.metadata["execution"] = {"iopub.status.busy": "2026-01-01T00:00:00Z"}
    nb.metadata["language_info"] = {"name": "python", "version": "3.99"}
    saved = tmp_path / "saved.ipynb"
    nbformat.write(nb, saved)
    assert notebook_fingerprint(saved) == notebook_fingerprint(NOTEBOOK)
    nb.cells[-1].source += "\n1"
    nbformat.write(nb, saved)
    assert notebook_fingerprint(saved) != notebook_fingerprint(NOTEBOOK)


def test_render_refuses_a_notebook_that_was_not_executed(tmp_path):
    proc = run_cli("render", str(NOTEBOOK), "--out", str(tmp_path / "o"))
    assert proc.returncode == 1 and "还没有执行结果" in proc.stderr
    proc = run_cli("render", "no-such.ipynb")
    assert proc.returncode == 2 and "找不到笔记本 no-such.ipynb" in proc.stderr


def test_render_hands_the_renderer_markdown_only():
    from helpers.run.render_notebook import markdown_only

    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell("x")])
    nb.cells[0].outputs = [nbformat.v4.new_output("display_data", data={"text/markdown": "# 一", "text/html": "<h1>"}),
                           nbformat.v4.new_output("display_data", data={"text/html": "<p>表</p>"})]
    data = [o["data"] for o in markdown_only(nb).cells[0].outputs]
    assert data == [{"text/markdown": "# 一"}, {"text/html": "<p>表</p>"}]
    assert "text/html" in nb.cells[0].outputs[0]["data"]  # the notebook itself is left as it was


# --------------------------------------------------------------------------- rendering (slow)


@pytest.fixture(scope="module")
def papermill_run(tmp_path_factory):
    """The notebook executed by papermill itself, for another unit than its default."""
    import papermill

    folder = tmp_path_factory.mktemp("pm")
    out = folder / "run.ipynb"
    papermill.execute_notebook(str(NOTEBOOK), str(out), parameters={"year": 2024, "unit": "yeji-rsj"},
                               cwd=str(NOTEBOOK.parent), progress_bar=False, log_output=False)
    return out


@pytest.mark.render
def test_a_papermill_run_renders_with_one_command_relative_and_absolute(papermill_run, tmp_path):
    nb = nbformat.read(papermill_run, as_version=4)
    body = next(c for c in nb.cells if "body" in c.metadata.get("tags", []))
    assert {"text/markdown", "text/html"} <= set(body.outputs[0]["data"])  # Lab's view is there
    shutil.copy(papermill_run, tmp_path / "run.ipynb")
    proc = run_cli("render", "run.ipynb", "--out", "rel", "--formats", "html,pdf", cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    html = (tmp_path / "rel" / "report.html").read_text(encoding="utf-8")
    assert "叶集区人社局" in html or "人力资源" in html
    assert "nianbao-lab" not in html and ":::" not in html  # the renderer took the Markdown
    assert (tmp_path / "rel" / "report.pdf").read_bytes().startswith(b"%PDF")
    assert json.loads((tmp_path / "rel" / "indicators.json").read_text(encoding="utf-8"))["unit_id"] == "yeji-rsj"
    proc = run_cli("render", str(tmp_path / "run.ipynb"), "--formats", "docx", cwd=ROOT)
    assert proc.returncode == 0, proc.stderr
    assert (tmp_path / "report.docx").is_file()  # default: beside the notebook


@pytest.mark.render
def test_a_prose_mistake_in_the_notebook_is_one_short_chinese_message(data_copy, tmp_path):
    import papermill
    from papermill.exceptions import PapermillExecutionError

    p = data_copy / "narrative" / "yeji-mzj" / "2024.md"
    p.write_text(p.read_text(encoding="utf-8").replace("{text.casework}", "{text.casewrk}"), encoding="utf-8")
    out = tmp_path / "run.ipynb"
    with pytest.raises(PapermillExecutionError):
        papermill.execute_notebook(str(NOTEBOOK), str(out), parameters={"data_dir": str(data_copy)},
                                   cwd=str(NOTEBOOK.parent), progress_bar=False, log_output=False)
    errors = [o for c in nbformat.read(out, as_version=4).cells for o in c.get("outputs", [])
              if o.output_type == "error"]
    (error,) = errors
    assert len(error.traceback) == 1 and "Traceback" not in error.traceback[0]
    assert "文字材料有误" in error.traceback[0] and "是不是 {text.casework}" in error.traceback[0]


def _build(data, out, formats, *extra):
    return run_cli("build", "--year", "2024", "--unit", "yeji-mzj", "--data", str(data), "--out", str(out),
                   "--formats", formats, "--jobs", "1", *extra)


@pytest.mark.render
def test_formats_never_lose_files(data_copy, tmp_path):
    out = tmp_path / "out"
    folder = out / "2024" / "ideology" / "yeji-mzj"
    assert _build(data_copy, out, "html,pdf,docx").returncode == 0
    first = {f: (folder / f"report.{f}").read_bytes() for f in ("html", "pdf", "docx")}

    proc = _build(data_copy, out, "pdf")  # same inputs: nothing to do, nothing lost
    assert "无变化跳过 1 份" in proc.stdout, proc.stdout
    assert {f: (folder / f"report.{f}").read_bytes() for f in first} == first

    (folder / "report.html").unlink()  # same inputs, a format missing: built, the others kept as they were
    proc = _build(data_copy, out, "html")
    assert "已生成 1 份" in proc.stdout, proc.stdout
    assert (folder / "report.html").is_file()
    assert (folder / "report.pdf").read_bytes() == first["pdf"] and (folder / "report.docx").read_bytes() == first["docx"]
    manifest = json.loads((folder / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["parameters"]["formats"] == ["html", "pdf", "docx"]

    p = data_copy / "narrative" / "yeji-mzj" / "2024.md"  # new inputs: the other formats follow
    p.write_text(p.read_text(encoding="utf-8").replace("现将有关情况报告如下。", "现将有关情况报告如下（新稿）。"),
                 encoding="utf-8")
    assert _build(data_copy, out, "pdf").returncode == 0
    assert "新稿" in (folder / "report.html").read_text(encoding="utf-8")
    assert "新稿" in squash(subprocess.run(["pdftotext", str(folder / "report.pdf"), "-"], capture_output=True,
                                          text=True).stdout)
    import zipfile

    with zipfile.ZipFile(folder / "report.docx") as z:
        assert "新稿" in z.read("word/document.xml").decode("utf-8")


@pytest.mark.render
def test_a_district_summary_rebuilt_for_some_formats_keeps_the_others(data_copy, tmp_path):
    out = tmp_path / "out"
    summary = out / "2024" / "ideology" / paths.SUMMARY_ID

    def build(formats):
        return run_cli("build", "--year", "2024", "--unit", "all", "--data", str(data_copy), "--out", str(out),
                       "--formats", formats)

    assert build("html,pdf,docx").returncode == 0
    before = (summary / "report.html").stat().st_mtime_ns
    p = data_copy / "narrative" / "yeji-mzj" / "2024.md"
    p.write_text(p.read_text(encoding="utf-8").replace("现将有关情况报告如下。", "现将有关情况报告如下："),
                 encoding="utf-8")
    proc = build("pdf")
    assert proc.returncode == 0 and "已生成 2 份" in proc.stdout, proc.stdout
    assert {p.name for p in summary.glob("report.*")} == {"report.html", "report.pdf", "report.docx"}
    assert (summary / "report.html").stat().st_mtime_ns > before  # rendered again with the new inputs


def test_prose_warnings_in_the_notebook_are_one_plain_line(data_copy, capsys):
    from helpers.document.report import Report
    from helpers.read.ledgers import load_ledgers

    p = data_copy / "narrative" / "yeji-mzj" / "2024.md"
    text = p.read_text(encoding="utf-8")
    p.write_text(text[:text.index("## 工作谋划")], encoding="utf-8")
    Report.from_ledgers(load_ledgers(data_copy), "yeji-mzj", 2024).sections()
    err = capsys.readouterr().err
    assert err.strip() == f"提醒：{p}：缺少“## 工作谋划”一节，报告中这一部分使用通用稿"


# --------------------------------------------------------------------------- preview


def _get(url: str) -> tuple[int, bytes]:
    try:
        with urllib.request.urlopen(url, timeout=10) as response:
            return response.status, response.read()
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read()


@pytest.mark.render
def test_preview_serves_rerenders_and_shows_errors_over_the_last_good_report(data_copy):
    from helpers.run.preview import Preview

    preview = Preview(2024, "yeji-mzj", data_copy, port=0)
    preview.start()
    try:
        assert preview.wait_for(lambda s: s.pdf is not None or s.error, 180), "no first report"
        assert preview.state.error is None, preview.state.error
        status, page = _get(preview.url)
        page = page.decode("utf-8")
        assert status == 200 and "意识形态工作专题报告" in page and "EventSource('/events')" in page
        status, pdf = _get(preview.url + "report.pdf")
        assert status == 200 and pdf.startswith(b"%PDF")
        assert _get(preview.url + "nothing")[0] == 404

        events = urllib.request.urlopen(preview.url + "events", timeout=60)
        prose = data_copy / "narrative" / "yeji-mzj" / "2024.md"
        good = prose.read_text(encoding="utf-8")
        prose.write_text(good.replace("现将有关情况报告如下。", "现将有关情况报告如下（预览）。"), encoding="utf-8")
        assert preview.wait_for(lambda s: s.html and "（预览）".encode() in s.html, 60)
        assert events.readline().startswith(b"data: ")  # the page is told to reload
        events.close()
        assert "（预览）" in _get(preview.url)[1].decode("utf-8")

        prose.write_text(good.replace("{text.casework}", "｛text.casework｝"), encoding="utf-8")
        assert preview.wait_for(lambda s: s.error is not None, 60)
        page = _get(preview.url)[1].decode("utf-8")
        assert "预览未更新" in page and "全角花括号" in page and "第" in page
        assert "（预览）" in page  # the last good report stays underneath

        prose.write_text(good, encoding="utf-8")
        assert preview.wait_for(lambda s: s.error is None and s.html and "（预览）".encode() not in s.html, 60)
    finally:
        preview.stop()
    with pytest.raises(OSError):
        urllib.request.urlopen(preview.url, timeout=2)


@pytest.mark.render
def test_preview_stops_cleanly_on_ctrl_c(data_copy):
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    proc = subprocess.Popen([*NIANBAO, "preview", "--year", "2024", "--unit", "yeji-mzj", "--data", str(data_copy),
                             "--port", str(port)], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        deadline = time.monotonic() + 180
        while time.monotonic() < deadline:
            try:
                if _get(f"http://127.0.0.1:{port}/report.pdf")[0] == 200:
                    break
            except OSError:
                pass
            time.sleep(0.3)
        else:
            pytest.fail("preview served no PDF")
        proc.send_signal(signal.SIGINT)
        out, err = proc.communicate(timeout=60)
    finally:
        if proc.poll() is None:
            proc.kill()
    assert proc.returncode == 0, err
    assert f"http://127.0.0.1:{port}/" in out and "预览已停止" in err and "Traceback" not in err


def test_preview_refuses_an_unknown_unit():
    proc = run_cli("preview", "--year", "2024", "--unit", "no-such-unit")
    assert proc.returncode == 2 and "no-such-unit" in proc.stderr


if __name__ == "__main__":
    sys.exit(pytest.main([__file__]))


@pytest.mark.render
def test_title_names_give_each_document_its_title(tmp_path):
    from corpus import Case

    data = Case("titles", {}).write(tmp_path / "d")
    proc = run_cli("build", "--year", "2024", "--unit", "甲局", "--data", str(data), "--out", str(tmp_path / "o"),
                   "--formats", "html", "--title-names")
    assert proc.returncode == 0, proc.stdout + proc.stderr
    folder = tmp_path / "o" / "2024" / "ideology" / "u-1"
    titled = folder / "中共甲局党组2024年度意识形态工作专题报告.html"
    assert titled.is_file() and titled.read_bytes() == (folder / "report.html").read_bytes()


def test_jupyterlab_opens_in_chinese_without_news():
    """`make lab` installs the zh-CN language pack (the lab extra) and these settings."""
    import json

    import tomllib

    settings = json.loads((paths.ROOT / "scripts" / "lab-overrides.json").read_text(encoding="utf-8"))
    assert settings["@jupyterlab/translation-extension:plugin"]["locale"] == "zh_CN"
    assert settings["@jupyterlab/apputils-extension:notification"]["fetchNews"] == "false"
    extra = tomllib.loads((paths.ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]["optional-dependencies"]
    assert any(d.lower().startswith("jupyterlab-language-pack-zh-cn") for d in extra["lab"])
    assert "lab-overrides.json" in (paths.ROOT / "Makefile").read_text(encoding="utf-8")


def test_validate_names_columns_as_the_office_does(tmp_path):
    from corpus import Case

    data = Case("labels", {"activities.csv": "单位,日期,类别\nu-1,2024-13-45,支部大会\n"}).write(tmp_path / "d")
    proc = run_cli("validate", "--data", str(data))
    line = next(ln for ln in proc.stdout.splitlines() if "2024-13-45" in ln)
    assert "日期" in line and " date " not in f" {line} "


def test_a_single_reports_kernel_starts_before_the_full_parser(monkeypatch):
    from helpers import cli
    from helpers.run import kernel

    started = []
    monkeypatch.setattr(kernel.Worker, "start", lambda self, cwd: started.append(cwd))
    cli._start_kernel_early(["build", "--unit", "yeji-mzj", "--year", "2024", "--formats", "pdf"])
    assert len(started) == 1
    for argv in (["build"], ["build", "--unit", "yeji-mzj", "--year", "2022-2024"],
                 ["build", "--unit", "yeji-mzj", "--year", "2024", "--dry-run"],
                 ["build", "--unit", "yeji-mzj", "--year", "2024", "--jobs", "x"],  # left to the full parser
                 ["build", "--unit", "yeji-mzj", "--year"], ["validate"], []):
        cli._start_kernel_early(argv)
        assert len(started) == 1, argv

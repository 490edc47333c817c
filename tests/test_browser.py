"""The site and a report in a real headless Chromium, from file://, with no network."""

from __future__ import annotations

import shutil
from pathlib import Path
from urllib.parse import unquote, urlparse

import pytest

from conftest import run_cli

pytestmark = pytest.mark.render

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
FLAGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
         "--disable-component-update", "--disable-sync", "--disable-dev-shm-usage"]


@pytest.fixture(scope="module")
def site(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("site")
    proc = run_cli("build", "--unit", "all", "--year", "2023-2024", "--out", str(out))
    assert proc.returncode == 0, proc.stdout + proc.stderr
    proc = run_cli("site", "--out", str(out))
    assert proc.returncode == 0, proc.stderr
    return out


@pytest.fixture(scope="module")
def browser():
    if CHROMIUM is None:
        pytest.skip("chromium is not installed (make system installs Debian's chromium)")
    sync_api = pytest.importorskip("playwright.sync_api")
    with sync_api.sync_playwright() as pw:
        b = pw.chromium.launch(executable_path=CHROMIUM, headless=True, args=FLAGS)
        yield b
        b.close()


def visit(browser, url: str):
    """Open ``url``; return the page and what went wrong (console errors, failed or remote requests)."""
    page = browser.new_page(viewport={"width": 1280, "height": 900})
    problems: list[str] = []
    page.on("console", lambda m: problems.append(f"console {m.type}: {m.text}") if m.type == "error" else None)
    page.on("pageerror", lambda e: problems.append(f"page error: {e}"))
    page.on("requestfailed", lambda r: problems.append(f"failed: {r.url}"))
    page.on("request", lambda r: problems.append(f"network: {r.url}") if not r.url.startswith(("file:", "data:")) else None)
    page.goto(url)
    page.wait_for_load_state("load")
    return page, problems


def test_index_loads_clean_and_every_link_resolves(browser, site, tmp_path):
    page, problems = visit(browser, (site / "index.html").as_uri())
    assert problems == []
    assert "工作报告" in page.inner_text("h1") and "意识形态工作报告" in page.inner_text("h2")
    hrefs = page.eval_on_selector_all("a[href]", "els => els.map(e => e.href)")
    assert len(hrefs) == (8 + 2) * 4  # 8 reports + 2 summaries, 4 formats each
    first = [Path(unquote(urlparse(h).path)).suffix for h in hrefs[:4]]
    assert first == [".html", ".pdf", ".ofd", ".docx"]  # the OFD beside the PDF
    for href in hrefs:
        assert Path(unquote(urlparse(href).path)).is_file(), href
    assert "叶集区民政局" in page.inner_text("tbody")
    page.screenshot(path=str(tmp_path / "index.png"), full_page=True)


def test_filters_by_unit_and_year(browser, site):
    page, problems = visit(browser, (site / "index.html").as_uri())
    page.select_option("#unit", "yeji-mzj")
    assert page.inner_text("#count") == "4"  # 2 reports + the 2 summaries
    page.select_option("#year", "2024")
    visible = page.eval_on_selector_all("tbody tr:not([hidden])", "rows => rows.map(r => r.dataset.unit)")
    assert sorted(visible) == ["_summary", "yeji-mzj"]
    assert problems == []


@pytest.mark.parametrize("report", ["2024/ideology/yeji-mzj", "2024/ideology/_summary"])
def test_report_page_shows_its_charts_and_chinese_text(browser, site, report, tmp_path):
    page, problems = visit(browser, (site / report / "report.html").as_uri())
    assert problems == []
    sizes = page.eval_on_selector_all("img", "imgs => imgs.map(i => [i.complete, i.naturalWidth, i.naturalHeight])")
    assert sizes and all(done and w > 0 and h > 0 for done, w, h in sizes)
    text = page.inner_text("body")
    assert "意识形态工作" in text
    if report.endswith("yeji-mzj"):
        assert "一、工作开展情况" in text and "群众来信来访33件" in text.replace(" ", "")
    page.screenshot(path=str(tmp_path / "report.png"))


def test_a_report_downloads_under_its_chinese_title(browser, site):
    """Served over HTTP (a file share's web server), a link saves the file as the document's title.

    Opened from ``file://``, Chromium ignores the ``download`` name and shows the file instead.
    """
    import functools
    import http.server
    import threading

    handler = functools.partial(http.server.SimpleHTTPRequestHandler, directory=str(site))
    handler.log_message = lambda *a, **k: None
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        page = browser.new_page(accept_downloads=True)
        page.goto(f"http://127.0.0.1:{server.server_address[1]}/index.html")
        with page.expect_download(timeout=20000) as download:
            page.click('a[href="2024/ideology/yeji-mzj/report.pdf"]')
        assert download.value.suggested_filename == "中共六安市叶集区民政局党组2024年度意识形态工作专题报告.pdf"
        page.close()
    finally:
        server.shutdown()
        server.server_close()

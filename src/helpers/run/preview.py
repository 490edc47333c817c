"""``nianbao preview``: one report, re-rendered on every save, in a browser that reloads itself.

A local server (127.0.0.1 only) keeps the batch engine's warm worker
(:func:`helpers.run.kernel.worker`: one Jupyter kernel with ``helpers`` imported)
and watches the data folder (ledgers and prose), the notebook and the
configuration (``config/``, ``_quarto.yml``, ``templates/``). On every save it
executes the notebook again on the warm kernel and renders the HTML first, then
the PDF. ``/`` serves the HTML, ``/report.pdf`` the PDF; the page listens on
``/events`` (server-sent events) and reloads itself when a new HTML is there.
When a render fails, the page shows the error in Chinese above the last good
report. Ctrl-C stops the server, the watcher and the kernel.
"""

from __future__ import annotations

import argparse
import html
import shutil
import sys
import tempfile
import threading
import time
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

from ..settings import paths

__all__ = ["Preview", "add_parser"]

HOST = "127.0.0.1"
DEFAULT_PORT = 8642
_IGNORED_SUFFIXES = (".swp", ".swx", ".tmp", "~", ".crdownload")
_RELOAD_SCRIPT = (
    "<script>(function(){var s=new EventSource('/events');"
    "s.onmessage=function(){s.close();location.reload();};})();</script>"
)
_BANNER_STYLE = (
    "position:sticky;top:0;z-index:10;margin:0 0 1em;padding:.8em 1.2em;background:#fff3f0;"
    "border:2px solid #b22222;color:#7a1010;font:15px/1.6 sans-serif;white-space:pre-wrap;text-indent:0"
)
_BAR_STYLE = (
    "position:fixed;right:.8em;bottom:.6em;padding:.2em .8em;background:#333;color:#fff;opacity:.75;"
    "font:12px/1.8 sans-serif;border-radius:4px;text-indent:0"
)


@dataclass
class State:
    """What the server shows: the last good HTML and PDF, and the last error."""

    html: bytes | None = None
    pdf: bytes | None = None
    error: str | None = None
    version: int = 0  # bumped when the page should reload (a new HTML or a new error)
    html_at: float = 0.0  # time.time() of the last HTML served
    pdf_at: float = 0.0


def _is_watched(path: str) -> bool:
    name = Path(path).name
    return not (name.startswith((".", "~$", ".#")) or name.endswith(_IGNORED_SUFFIXES)
                or ".ipynb_checkpoints" in path)


def explain(exc: BaseException) -> str:
    """A failed render, in Chinese: the message the user acts on, without a traceback."""
    from ..settings import errors
    from ..settings.errors import NianbaoError

    ename = getattr(exc, "ename", None)
    known = getattr(errors, ename or "", None)
    if isinstance(known, type) and issubclass(known, NianbaoError):  # nianbao's own error, in the notebook
        return f"{known.title}：{getattr(exc, 'evalue', '')}"
    if ename:  # another error of a notebook cell
        index = getattr(exc, "cell_index", None)
        where = f"笔记本第{index + 1}个单元格出错" if index is not None else "笔记本执行出错"
        return f"{where}（{ename}）：{getattr(exc, 'evalue', '')}".strip()
    if isinstance(exc, NianbaoError):
        return f"{exc.title}：{exc}"
    return f"生成失败（{type(exc).__name__}）：{exc}"


class Preview:
    """A live preview of one report.

    Parameters
    ----------
    year : int
        The report year.
    unit : str
        A ``unit_id``.
    data_dir : Path, optional
        The data folder (default: the project's ``data/``).
    as_of : str, optional
        Cut-off date (ISO).
    port : int
        Port on 127.0.0.1 (0: any free port).
    """

    def __init__(self, year: int, unit: str, data_dir: Path | str | None = None, as_of: str | None = None,
                 port: int = DEFAULT_PORT, kind: str | None = None, period: str = "year") -> None:
        from ..figures.kinds import get as get_kind
        from ..figures.periods import parse_period
        from .jobs import Job

        self.data_dir = Path(data_dir or paths.DATA_DIR).resolve()
        self.workdir = Path(tempfile.mkdtemp(prefix="nianbao-preview-"))
        self.job = Job(int(year), unit, as_of, self.data_dir, self.workdir, ("html", "pdf"),
                       kind=get_kind(kind).id, period=parse_period(period))
        self.state = State()
        self.changed = threading.Condition()
        self.stopping = threading.Event()
        self.dirty = threading.Event()
        self.restart_kernel = False
        self.renders = 0
        self.server = ThreadingHTTPServer((HOST, port), _handler(self))
        self.server.daemon_threads = True
        self._threads: list[threading.Thread] = []

    @property
    def url(self) -> str:
        return f"http://{HOST}:{self.server.server_address[1]}/"

    # ------------------------------------------------------------------ rendering

    def watched(self) -> list[Path]:
        """The files and folders whose saves re-render the report."""
        candidates = [self.data_dir, self.job.notebook, paths.RULES_CONFIG.parent, paths.QUARTO_CONFIG,
                      paths.TEMPLATES_DIR]
        return [p for p in candidates if p.exists()]

    def render_once(self) -> None:
        """Execute the notebook on the warm kernel; publish the HTML, then the PDF. Never raises."""
        from .kernel import worker

        w = worker()
        if self.restart_kernel:  # the notebook or the configuration changed: nothing cached survives
            self.restart_kernel = False
            w.shutdown()
            w._template = None
            _clear_caches()
        try:
            nb = w.execute(self.job)
            out = self.workdir / f"render-{self.renders}"
            self.renders += 1
            out.mkdir()
            for fmt in ("html", "pdf"):
                target = _render_one(nb, out, fmt)
                self._publish(fmt, target.read_bytes())
            shutil.rmtree(out, ignore_errors=True)
        except Exception as exc:  # shown on the page; the last good report stays underneath
            self._publish_error(explain(exc))

    def _publish(self, fmt: str, data: bytes) -> None:
        with self.changed:
            if fmt == "html":
                self.state.html, self.state.error, self.state.html_at = data, None, time.time()
                self.state.version += 1
            else:
                self.state.pdf, self.state.pdf_at = data, time.time()
            self.changed.notify_all()

    def _publish_error(self, message: str) -> None:
        with self.changed:
            self.state.error = message
            self.state.version += 1
            self.changed.notify_all()

    def page(self) -> bytes:
        """The HTML served at ``/``: the last good report, the error above it, the reload script."""
        with self.changed:
            state = State(**vars(self.state))
        parts = []
        if state.error:
            under = "下面是上一次成功生成的报告。" if state.html else "还没有成功生成过报告。"
            parts.append(f'<div id="nianbao-preview-error" style="{_BANNER_STYLE}">'
                         f"<b>预览未更新</b>：{html.escape(state.error)}\n{under}改正并保存后自动刷新。</div>")
        if state.html:
            stamp = time.strftime("%H:%M:%S", time.localtime(state.html_at))
            parts.append(f'<div id="nianbao-preview-bar" style="{_BAR_STYLE}">预览 {self.job.name}'
                         f' · 更新于 {stamp} · <a style="color:#fff" href="/report.pdf">PDF</a></div>')
        inject = "".join(parts) + _RELOAD_SCRIPT
        if not state.html:
            waiting = "" if state.error else "<p>正在生成报告……</p>"
            return (f'<!DOCTYPE html><html lang="zh-CN"><meta charset="utf-8"><title>nianbao 预览</title>'
                    f"<body>{inject}{waiting}</body></html>").encode()
        text = state.html.decode("utf-8")
        at = text.find(">", text.find("<body")) + 1 if "<body" in text else 0
        return (text[:at] + inject + text[at:]).encode("utf-8")

    # ------------------------------------------------------------------ threads

    def _render_loop(self) -> None:
        from .kernel import worker

        try:
            while not self.stopping.is_set():
                if self.dirty.wait(0.2):
                    self.dirty.clear()
                    self.render_once()
        finally:
            worker().shutdown()  # this thread's warm kernel

    def _on_changes(self, changed: set[str]) -> None:
        changed = {c for c in changed if _is_watched(c)}
        if not changed:
            return
        if any(not Path(c).resolve().is_relative_to(self.data_dir) for c in changed):
            self.restart_kernel = True
        self.dirty.set()

    def _watch_loop(self) -> None:
        try:
            from watchfiles import watch
        except ImportError:
            return self._poll_loop()
        for changes in watch(*self.watched(), stop_event=self.stopping, debounce=400, step=30,
                             rust_timeout=200, yield_on_timeout=False, raise_interrupt=False):
            self._on_changes({path for _, path in changes})
        return None

    def _poll_loop(self) -> None:
        """Without watchfiles: compare modification times every 0.2 s."""

        def snapshot() -> dict[str, float]:
            out = {}
            for root in self.watched():
                for p in [root, *root.rglob("*")] if root.is_dir() else [root]:
                    try:
                        out[str(p)] = p.stat().st_mtime_ns
                    except OSError:
                        pass
            return out

        seen = snapshot()
        while not self.stopping.wait(0.2):
            now = snapshot()
            diff = {p for p in now.keys() | seen.keys() if now.get(p) != seen.get(p)}
            seen = now
            if diff:
                self._on_changes(diff)

    def start(self) -> None:
        """Serve, watch and render in background threads (the first render starts at once)."""
        self.dirty.set()
        for target in (self.server.serve_forever, self._render_loop, self._watch_loop):
            thread = threading.Thread(target=target, daemon=True, name=f"nianbao-preview-{target.__name__}")
            thread.start()
            self._threads.append(thread)

    def stop(self) -> None:
        """Stop serving and watching, shut the kernel down, remove the scratch folder."""
        self.stopping.set()
        with self.changed:
            self.changed.notify_all()
        self.server.shutdown()
        self.server.server_close()
        for thread in self._threads[1:]:
            thread.join(timeout=30)
        shutil.rmtree(self.workdir, ignore_errors=True)

    def wait_for(self, predicate, timeout: float = 60.0) -> bool:
        """Block until ``predicate(state)`` holds (tests and benchmarks)."""
        deadline = time.monotonic() + timeout
        with self.changed:
            while not predicate(self.state):
                left = deadline - time.monotonic()
                if left <= 0:
                    return False
                self.changed.wait(left)
        return True


def _render_one(nb, out: Path, fmt: str) -> Path:
    """One format of an executed notebook (the built-in path writes the Markdown once per call)."""
    from ..render.engines import render

    return render(nb, out, (fmt,))[fmt]


def _clear_caches() -> None:
    """Forget configuration read by this process (``_quarto.yml``, ``config/rules.yml``, fonts)."""
    from ..render import engines as render
    from ..settings import config, fonts

    for module in (config, fonts, render):
        for value in vars(module).values():
            if hasattr(value, "cache_clear"):
                value.cache_clear()


def _handler(preview: Preview):
    class Handler(BaseHTTPRequestHandler):
        server_version = "nianbao-preview"

        def log_message(self, format: str, *args) -> None:  # noqa: A002 (the base class's name)
            pass

        def _send(self, status: int, body: bytes, content_type: str) -> None:
            self.send_response(status)
            self.send_header("Content-Type", content_type)
            self.send_header("Content-Length", str(len(body)))
            self.send_header("Cache-Control", "no-store")
            self.end_headers()
            self.wfile.write(body)

        def do_GET(self) -> None:  # noqa: N802 (http.server's name)
            route = self.path.split("?", 1)[0]
            if route in ("/", "/index.html", "/report.html"):
                self._send(200, preview.page(), "text/html; charset=utf-8")
            elif route == "/report.pdf":
                pdf = preview.state.pdf
                if pdf is None:
                    self._send(503, "PDF 还在生成，请稍后刷新。".encode(), "text/plain; charset=utf-8")
                else:
                    self._send(200, pdf, "application/pdf")
            elif route == "/events":
                self._events()
            else:
                self._send(404, "没有这个页面：/ 是报告，/report.pdf 是 PDF。".encode(), "text/plain; charset=utf-8")

        def _events(self) -> None:
            self.send_response(200)
            self.send_header("Content-Type", "text/event-stream")
            self.send_header("Cache-Control", "no-store")
            self.end_headers()
            seen = preview.state.version
            try:
                while not preview.stopping.is_set():
                    with preview.changed:
                        preview.changed.wait_for(lambda last=seen: preview.state.version != last
                                                 or preview.stopping.is_set(), timeout=15)
                        version = preview.state.version
                    if preview.stopping.is_set():
                        return
                    if version != seen:
                        seen = version
                        self.wfile.write(f"data: {version}\n\n".encode())
                    else:
                        self.wfile.write(b": keep-alive\n\n")
                    self.wfile.flush()
            except (BrokenPipeError, ConnectionResetError):
                return

    return Handler


def add_parser(sub, add_report) -> None:
    """Add ``preview`` to the ``nianbao`` command's subcommands (``add_report`` adds one report's parameters)."""
    p = sub.add_parser("preview", help="实时预览一份报告：保存台账、文字材料或笔记本后自动重新生成，浏览器自动刷新",
                       description="在本机 127.0.0.1 上预览一份报告：/ 是网页版，/report.pdf 是 PDF；"
                                   "保存台账、文字材料、笔记本或配置后自动重新生成。按 Ctrl-C 停止。")
    add_report(p)
    p.add_argument("--port", type=int, default=DEFAULT_PORT, metavar="N", help=f"端口（默认：{DEFAULT_PORT}）")
    p.set_defaults(run=_run)


def _run(args: argparse.Namespace) -> int:
    from ..read.ledgers import load_ledgers

    ledgers = load_ledgers(args.data)  # whole-file problems stop here, with their message
    args.unit = ledgers.unit_id_of(args.unit)  # 叶集区民政局, 民政局 or yeji-mzj
    ledgers.unit(args.unit)
    if args.year not in ledgers.years(args.unit):
        from ..settings.errors import ParameterError

        have = "、".join(map(str, ledgers.years(args.unit))) or "无"
        raise ParameterError(f"--year {args.year}：台账中没有单位 {args.unit} 这一年的记录（有数据的年份：{have}）")
    try:
        preview = Preview(args.year, args.unit, args.data, args.as_of, args.port, args.kind, args.period)
    except OSError as exc:
        from ..settings.errors import ParameterError

        raise ParameterError(f"--port {args.port}：端口无法使用（{exc.strerror}），请换一个端口") from None
    preview.start()
    print(f"预览 {preview.job.name}：{preview.url}（PDF：{preview.url}report.pdf）")
    print("保存台账、文字材料、笔记本或配置后自动重新生成；按 Ctrl-C 停止。")
    try:
        last = None
        while True:
            time.sleep(0.2)
            state = preview.state
            stamp = (state.version, state.error)
            if stamp != last and (state.html or state.error):
                last = stamp
                line = f"出错：{state.error}" if state.error else "已更新"
                print(f"[{time.strftime('%H:%M:%S')}] {line}", file=sys.stderr)
    except KeyboardInterrupt:
        print("\n正在停止预览……", file=sys.stderr)
    finally:
        preview.stop()
    print("预览已停止。", file=sys.stderr)
    return 0

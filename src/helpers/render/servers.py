"""The renderer's helper processes: Pandoc and typst, each kept running by the worker that uses it.

Each reads one JSON request a line on its standard input and answers in JSON
lines on its standard output. A worker starts one of each on first use (the
renderer's warm-up starts them while the first notebook runs), renews it after
a number of jobs, replaces it when it has gone away, and kills and reaps it when
the worker ends. A process forked from one that had them starts its own.

- :class:`PandocServer`: ``pandoc lua templates/writers.lua``, one report's
  Markdown read once and its outputs written, report after report, its templates
  compiled once;
- :class:`TypstServer`: :mod:`helpers.render.typst_server`, typst with its fonts
  loaded, a PDF a request.
"""

from __future__ import annotations

import contextlib
import json
import os
import queue
import subprocess
import sys
import tempfile
import threading
from collections.abc import Iterator
from typing import IO

from ..settings import paths
from ..settings.errors import RenderError
from ..settings.fonts import font_dirs

TIMEOUT = 600  # seconds one request may take (as long as a notebook may run)
TYPST_RECYCLE = 25  # PDFs a typst process compiles before it ends (and takes typst's memo cache with it)
PANDOC_RECYCLE = 50  # reports a Pandoc process writes before it ends (its log of warnings grows with each)
# Pandoc's runtime (GHC's): a 64 MB allocation area where the default is 4 MB cuts the time Pandoc spends
# collecting garbage from about a tenth of its work to a few hundredths, for about 8 MB more memory. Given
# as GHCRTS (a Pandoc built without runtime options says so on stderr and runs as before); a GHCRTS of
# the user's own is kept.
PANDOC_RTS = "-A64m"


class LineServer:
    """A helper process that answers JSON lines, started on first use and renewed every :meth:`recycle` jobs.

    Subclasses say how to start it (:meth:`command`), how many jobs a process does
    (:meth:`recycle`), when a process just started can take one (:meth:`ready`), and
    what a request is.
    """

    name = "辅助进程"  # how a message names it
    warm_next = False  # renewed: the next process is started at once (it has a slow start), not on first use

    def __init__(self) -> None:
        self.proc: subprocess.Popen | None = None
        self.jobs = 0
        self.lock = threading.Lock()
        self._closing = False  # close() registered to run at exit
        self._stderr: IO[bytes] | None = None
        self._lines: queue.Queue[bytes] = queue.Queue()  # what it answers, line by line (b"" once it has ended)
        if hasattr(os, "register_at_fork"):
            os.register_at_fork(after_in_child=self._forget)

    def command(self) -> list[str]:
        """The process's command line."""
        raise NotImplementedError

    def recycle(self) -> int:
        """Jobs a process does before it ends and the next one takes over."""
        raise NotImplementedError

    def env(self) -> dict[str, str] | None:
        """The process's environment (None: this process's)."""
        return None

    def ready(self) -> None:
        """Wait until a process just started can take a request (OSError when it cannot); at once by default."""

    def _forget(self) -> None:
        """In a forked child: the parent's process is the parent's; this one starts its own."""
        self.proc, self.jobs, self._stderr, self._lines = None, 0, None, queue.Queue()
        self.lock = threading.Lock()
        self._closing = False

    def start(self) -> None:
        """Start the process if there is none."""
        if self.proc is not None:
            return
        if not self._closing:  # a pool's worker exits without running atexit: Finalize covers it
            import atexit
            from multiprocessing import util

            util.Finalize(None, self.close, exitpriority=10)
            atexit.register(self.close)
            self._closing = True
        self._stderr = tempfile.TemporaryFile()  # what it says on the way: a file, so that no pipe fills
        self.proc = subprocess.Popen(self.command(), stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                     stderr=self._stderr, start_new_session=True, env=self.env())
        self.jobs, self._lines = 0, queue.Queue()
        # its answers are read in a thread of their own: a wait with a time limit that works on every
        # system's pipes (select() does not on Windows)
        threading.Thread(target=self._read, args=(self.proc.stdout, self._lines), daemon=True,
                         name=f"nianbao-{type(self).__name__}").start()

    @staticmethod
    def _read(stdout: IO[bytes], lines: queue.Queue) -> None:
        with contextlib.suppress(OSError, ValueError):
            for line in stdout:
                lines.put(line)
        lines.put(b"")

    def close(self) -> None:
        """End the process when this one ends: killed (it holds nothing to finish) and reaped, not left behind."""
        proc, self.proc = self.proc, None
        if proc is not None:
            with contextlib.suppress(OSError):
                proc.kill()
            with contextlib.suppress(Exception):
                proc.wait(5)
        self._close_stderr()

    def stop(self) -> None:
        """End the process: its input closes, it finishes and leaves."""
        proc, self.proc = self.proc, None
        if proc is not None:
            with contextlib.suppress(OSError):
                proc.stdin.close()
            try:
                proc.wait(5)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
        self._close_stderr()

    def _close_stderr(self) -> None:
        err, self._stderr = self._stderr, None
        if err is not None:
            err.close()

    def said(self) -> str:
        """The last of what the process wrote on its standard error (why it ended, when it did)."""
        if self._stderr is None:
            return ""
        self._stderr.seek(0)
        return self._stderr.read().decode("utf-8", "replace").strip()[-500:]

    def send(self, request: dict) -> None:
        """Write one request (raises OSError or ValueError when the process has gone away)."""
        self.proc.stdin.write((json.dumps(request) + "\n").encode("ascii"))  # any locale reads ASCII
        self.proc.stdin.flush()

    def begin(self, request: dict) -> str | None:
        """Send ``request``, starting the process (or replacing it once, when it has gone away) as needed.

        Returns
        -------
        str or None
            ``None`` once sent; else what the process said on its way out (``""`` when nothing).
        """
        said = ""
        for _attempt in (1, 2):
            self.start()
            try:
                if self.jobs == 0:
                    self.ready()
                self.send(request)
            except (OSError, ValueError):
                said = self.said()
                self.stop()
                continue
            self.jobs += 1
            return None
        return said

    def renew_if_due(self) -> None:
        """After a job: a process that has done :meth:`recycle` jobs ends (with :attr:`warm_next`, the next starts)."""
        if self.proc is not None and self.jobs >= self.recycle():
            self.stop()
            if self.warm_next:
                self.start()

    def reply(self) -> dict:
        """The next line the process answers; ``{"error": …}`` when it takes too long or has ended."""
        try:
            line = self._lines.get(timeout=TIMEOUT)
        except queue.Empty:  # it never ends: stop it, say so
            self.close()
            return {"error": f"{self.name}超过 {TIMEOUT} 秒仍未完成，已停止；请检查报告内容是否异常庞大"}
        if not line:
            said = self.said()
            self.stop()
            return {"error": f"{self.name}意外退出" + (f"：{said}" if said else "")}
        return json.loads(line)


class TypstServer(LineServer):
    """The worker's typst process (:mod:`helpers.render.typst_server`), renewed every :data:`TYPST_RECYCLE` PDFs.

    typst memoizes what it computes for as long as its process lives and offers no way
    to let go of it: a worker that compiled every PDF itself would grow report after
    report. Its own process keeps the cache warm from one PDF to the next and takes it
    along when it ends; the next one is started at once, so its fonts are loaded by the
    time the next PDF is asked for. (A forked child would start with the fonts for free,
    but typst's thread pool, once started in a process, does not survive a fork.)
    """

    name = "排版进程"
    warm_next = True  # it loads its fonts while this PDF is checked and the next report runs

    def command(self) -> list[str]:
        return [sys.executable, "-m", "helpers.render.typst_server", *(str(d) for d in font_dirs())]

    def recycle(self) -> int:
        return TYPST_RECYCLE

    def ready(self) -> None:
        if not self.reply().get("ready"):  # its fonts loaded
            raise OSError("not ready")

    def compile(self, request: dict) -> dict:
        """Compile one PDF (``input``, ``output``, ``root``, ``options``); the reply (``ok``, ``error``)."""
        with self.lock:
            if self.begin(request) is not None:
                return {"ok": False, "error": "排版进程无法启动"}
            reply = self.reply()
            self.renew_if_due()
            return {"ok": True} if reply.get("ok") else {"ok": False, "error": reply.get("error", "")}


class PandocServer(LineServer):
    """The worker's Pandoc process (``pandoc lua templates/writers.lua``), renewed every :data:`PANDOC_RECYCLE` reports.

    One process for many reports spares each report Pandoc's start and the
    compiling of its templates (about half of Pandoc's time for a report).
    """

    name = "文档转换进程（pandoc）"

    def command(self) -> list[str]:
        from pypandoc import get_pandoc_path

        return [get_pandoc_path(), "lua", str(paths.template("writers.lua"))]

    def env(self) -> dict[str, str]:
        return {"GHCRTS": PANDOC_RTS, **os.environ}

    def recycle(self) -> int:
        return PANDOC_RECYCLE

    def run(self, job: dict) -> Iterator[str]:
        """Write one report's outputs (``job`` as ``templates/writers.lua`` reads it); yield each ``id`` once written.

        Raises
        ------
        RenderError
            When Pandoc fails (its message), or its process cannot start or ends.
        """
        with self.lock:
            said = self.begin(job)
            if said is not None:
                raise RenderError(f"pandoc 转换失败：{self.name}无法启动" + (f"（{said}）" if said else ""))
            answered = False  # the job's last line read: the process is ready for the next
            try:
                while True:
                    reply = self.reply()
                    if "written" in reply:
                        yield reply["written"]
                        continue
                    answered = self.proc is not None
                    if "error" in reply:
                        raise RenderError(f"pandoc 转换失败：{reply['error'][:500]}")
                    return
            finally:
                if not answered:  # the caller stopped half way (an error finishing an output): so does Pandoc
                    self.close()
                else:
                    self.renew_if_due()


TYPST = TypstServer()
PANDOC = PandocServer()

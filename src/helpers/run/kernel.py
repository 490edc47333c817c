"""The warm worker: one Jupyter kernel per process (per thread on a Dask worker), reused report after report.

The kernel starts once (``helpers`` and its libraries imported once). For each
report the worker injects the parameters papermill's way
(:func:`papermill.parameterize.parameterize_notebook`), executes the notebook's
cells on the warm kernel in one request (:mod:`helpers.run.cells`, sent by
nbclient), and resets the kernel's state in the same request (the report's
names forgotten, figures closed: :data:`RESET_CODE`). A report made on a reused
kernel is identical to one made on a fresh kernel (a test checks it).
"""

from __future__ import annotations

import contextlib
import copy
import os
import signal
import threading
from pathlib import Path
from typing import Any

from ..settings import paths
from .jobs import Job, one_report

# Between reports: forget every name the report defined, drop the output cache,
# close figures. Cheaper than %reset -f, whose full garbage collection costs
# ~0.15 s a report; a young-generation collection is enough here and the
# automatic collector does the rest (the soak benchmark watches the memory).
RESET_CODE = """\
_ip = get_ipython()
for _name in [n for n in list(_ip.user_ns) if not n.startswith("_") and n not in _ip.user_ns_hidden]:
    del _ip.user_ns[_name]
_ip.user_ns.get("Out", {}).clear()
import gc as _gc, matplotlib.pyplot as _plt
_plt.close("all")
_gc.collect(1)
del _ip, _name, _gc, _plt
"""
# A kernel imports what every report's notebook imports while it starts (before it says it is ready), so
# that a kernel started early (Worker.start) has them loaded by the time the first report runs. The names
# are hidden from the reset (IPython hides what exec_lines define).
# Its history is kept in memory, as nbclient keeps a kernel's it starts itself (no SQLite file written per cell).
KERNEL_ARGS = ["--IPKernelApp.log_level=ERROR", "--HistoryManager.hist_file=:memory:",
               "--IPKernelApp.exec_lines=import helpers.document.report, helpers.document.display",
               "--IPKernelApp.exec_lines=helpers.document.charts.use_chart_font()"]
# The kernel a worker starts: IPython's, without the debugger a batch report never uses (helpers.run.batch_kernel).
KERNEL_NAME = "nianbao-batch"
STARTUP_TIMEOUT = 120  # seconds a kernel may take to start and answer


def kernel_manager():
    """A kernel manager (jupyter_client's) whose kernel is :mod:`helpers.run.batch_kernel` on this interpreter."""
    import sys

    from jupyter_client.kernelspec import KernelSpec, KernelSpecManager
    from jupyter_client.manager import AsyncKernelManager

    class BatchKernelSpecs(KernelSpecManager):
        def get_kernel_spec(self, kernel_name: str) -> KernelSpec:
            if kernel_name != KERNEL_NAME:
                return super().get_kernel_spec(kernel_name)
            return KernelSpec(argv=[sys.executable, "-m", "helpers.run.batch_kernel", "-f", "{connection_file}"],
                              display_name="Python 3 (nianbao)", language="python")

    return AsyncKernelManager(kernel_name=KERNEL_NAME, kernel_spec_manager=BatchKernelSpecs())


def preload() -> None:
    """Import what a worker needs to start its kernel and run a notebook, in the calling thread.

    The renderer's warm-up thread (:func:`helpers.render.engines.warm_up`)
    imports nbconvert, which imports these libraries too. Two threads importing
    the same package, whose modules import one another, can meet half way:
    Python then hands one of them a partly initialised module (``cannot import
    name 'AsyncKernelManager' from partially initialized module``), and the
    report fails. A worker calls this before the warm-up starts, so the
    libraries both need are whole before the second thread asks for them.
    """
    import codecs
    import multiprocessing.util  # noqa: F401  (worker)

    codecs.lookup("unicode_escape")  # both decode with it
    with contextlib.suppress(ImportError):  # both look up the user; no module pwd on Windows
        import pwd  # noqa: F401

    import jupyter_client.kernelspec  # noqa: F401
    import jupyter_client.manager  # noqa: F401
    import jupyter_core.utils  # noqa: F401
    import nbclient  # noqa: F401
    import nbformat  # noqa: F401
    import papermill.parameterize  # noqa: F401


async def ready_client(km, timeout: float = STARTUP_TIMEOUT):
    """A client of ``km``'s started kernel, returned as soon as the kernel answers.

    The kernel has answered once its reply to a ``kernel_info`` request is in and
    that request's ``idle`` status has come on IOPub (so IOPub is connected, and
    everything the kernel published while starting has been read). jupyter_client's
    ``wait_for_ready`` then listens to IOPub until it stays quiet for 0.2 s; nothing
    would read what it drains (nbclient takes only the replies to its own requests).

    Raises
    ------
    ReportError
        The kernel died, or did not answer within ``timeout`` seconds.
    """
    import time
    from queue import Empty

    from ..settings.errors import ReportError

    kc = km.client()
    kc.start_channels()
    deadline = time.monotonic() + timeout
    while True:
        msg_id = kc.kernel_info()
        try:
            while True:  # this request's reply (a reply to an earlier, unanswered one is passed over)
                reply = await kc.shell_channel.get_msg(timeout=1)
                if reply["parent_header"].get("msg_id") == msg_id:
                    break
            while True:
                msg = await kc.iopub_channel.get_msg(timeout=1)
                if (msg["parent_header"].get("msg_id") == msg_id and msg["msg_type"] == "status"
                        and msg["content"].get("execution_state") == "idle"):
                    kc.allow_stdin = False
                    return kc
        except Empty:
            pass
        if not await km.is_alive():
            kc.stop_channels()
            raise ReportError("笔记本内核启动时意外退出，报告未能执行；请运行 nianbao doctor 检查本机的 Python 环境")
        if time.monotonic() > deadline:
            kc.stop_channels()
            raise ReportError(f"笔记本内核 {timeout} 秒内没有应答，报告未能执行；机器繁忙时可减少 --jobs 后重试")


def kernel_env() -> dict[str, str]:
    """The environment a worker's kernel starts with: batch notebooks skip JupyterLab's HTML view."""
    return {**os.environ, paths.LAB_HTML_ENV: "0"}

# Set once this process is told to stop (:func:`helpers.run.engine.interrupt`): a report failing
# then was interrupted, and its worker kills its kernel rather than resetting it.
_STOPPING = threading.Event()


def stopping() -> bool:
    """Whether this process was told to stop (an exception now is the interrupt, not the report)."""
    return _STOPPING.is_set()


def _without_signal_handlers(execute):
    """``execute`` with the event loop refusing signal handlers.

    nbclient installs SIGINT and SIGTERM handlers on the loop that shut the
    kernel down (the report then fails with "Kernel died" and an error file
    would say so) and, on removal, leave the process without ours. The build
    handles interrupts itself (:func:`helpers.run.engine.interrupt`); nbclient
    expects the RuntimeError raised here (it is what a loop outside the main
    thread says).
    """

    def refuse(*args, **kwargs):
        raise RuntimeError("nianbao handles signals itself")

    async def run(*args, **kwargs):
        import asyncio

        loop = asyncio.get_running_loop()
        loop.add_signal_handler = loop.remove_signal_handler = refuse  # type: ignore[method-assign]
        try:
            return await execute(*args, **kwargs)
        finally:  # an interrupted run may finish after the next one began: pop, never del
            loop.__dict__.pop("add_signal_handler", None)
            loop.__dict__.pop("remove_signal_handler", None)

    return run


class Worker:
    """One warm kernel per process, reused report after report."""

    def __init__(self) -> None:
        self.km = None
        self.kc = None
        self.reports = 0
        self._templates: dict[tuple[Path, float], Any] = {}

    def start(self, cwd: Path) -> None:
        """Start the kernel now, in folder ``cwd``, without waiting for it: its process starts and imports
        while the caller reads the ledgers; the first report connects to it (a single report's build)."""
        from jupyter_core.utils import run_sync

        run_sync(self._start)(cwd)

    async def _start(self, cwd: Path) -> None:
        if self.km is None:
            self.km = kernel_manager()
        if not self.km.has_kernel:
            self.kc = None
            await self.km.start_kernel(extra_arguments=KERNEL_ARGS, env=kernel_env(), cwd=str(cwd))

    def _notebook(self, path: Path):
        import nbformat

        key = (path, path.stat().st_mtime)
        if key not in self._templates:
            self._templates[key] = nbformat.read(path, as_version=4)
        return copy.deepcopy(self._templates[key])

    def _run(self, nb, folder: Path | None = None) -> Any:
        from jupyter_core.utils import run_sync
        from nbclient import NotebookClient

        async def run() -> None:
            # the kernel is started (unless Worker.start did) and connected here, not by nbclient: see ready_client
            await self._start(folder or paths.ROOT)
            if self.kc is None:
                self.kc = await ready_client(self.km)
            client = NotebookClient(nb, km=self.km, kernel_name="python3", timeout=600, startup_timeout=STARTUP_TIMEOUT,
                                    resources={"metadata": {"path": str(folder or paths.ROOT)}})
            client.kc = self.kc
            await _without_signal_handlers(client.async_execute)()

        run_sync(run)()
        return nb

    def execute(self, job: Job):
        """Execute the notebook for ``job`` on the warm kernel; the state is reset afterwards.

        The report's cells go to the kernel in one request (:mod:`helpers.run.cells`),
        followed by the reset; their outputs come back into the notebook's cells.

        Raises
        ------
        nbclient.exceptions.CellExecutionError
            A cell raised an error (its position and id as ``cell_index`` and ``cell_id``).
        """
        import nbformat
        from nbclient.exceptions import CellExecutionError
        from papermill.parameterize import parameterize_notebook

        notebook = job.notebook
        nb = self._notebook(notebook)
        nb.metadata["papermill"] = nbformat.from_dict({"input_path": str(notebook), "parameters": {}})
        nb = parameterize_notebook(nb, job.parameters(), kernel_name="python3", language="python")
        reset = False
        try:
            error = self.run_cells(nb, notebook.parent, then=RESET_CODE)  # the reset also after a cell's error
            reset = True
            if error is not None:
                failed = error.pop("cell")
                exc = CellExecutionError.from_cell_and_msg(failed, error)
                exc.cell_index = next(i for i, c in enumerate(nb.cells) if c is failed)  # type: ignore[attr-defined]
                exc.cell_id = failed.get("id")  # type: ignore[attr-defined]
                raise exc
            return nb
        finally:
            self.reports += 1
            if not reset and not stopping():  # an interrupted worker kills its kernel instead
                self.reset(nbformat)

    def run_cells(self, nb, folder: Path | None = None, then: str = "") -> dict | None:
        """Run ``nb``'s code cells on the kernel in one request, then the code ``then``; fill in their outputs.

        The outputs, execution counts and times are those nbclient would write
        (:mod:`helpers.run.cells`); the notebook's ``language_info`` is the kernel's.

        Returns
        -------
        dict or None
            The error that stopped the cells (``ename``, ``evalue``, ``traceback``,
            and ``cell``: the cell that raised it), or None.
        """
        import nbformat

        from .cells import cell_code, fill_notebook

        code, cells = cell_code(nb)
        runner = self._run(nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(code + then)]), folder)
        if "language_info" in runner.metadata:
            nb.metadata["language_info"] = runner.metadata["language_info"]
        error = fill_notebook(cells, runner.cells[0].outputs)
        if error is not None:
            error["cell"] = cells[error["cell"]]
        return error

    def reset(self, nbformat) -> None:
        """Clear the kernel's namespace and figures, so the next report starts clean."""
        try:
            self._run(nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(RESET_CODE)]))
        except Exception:
            self.shutdown()  # a kernel that cannot reset is replaced on the next report

    def kernel_pid(self) -> int | None:
        try:
            return self.km.provisioner.process.pid  # type: ignore[union-attr]
        except AttributeError:
            return None

    def kill(self) -> None:
        """Stop the kernel at once (an interrupt): :meth:`shutdown`, and its connection file removed."""
        connection = getattr(self.km, "connection_file", None)
        self.shutdown()
        if connection:  # the usual clean-up may not have run on an interrupted event loop
            Path(connection).unlink(missing_ok=True)

    def shutdown(self) -> None:
        """Stop the kernel: its process group killed and the process reaped, then jupyter_client's clean-up.

        A worker's kernel holds nothing to keep (jupyter_client's ``now=True`` kills it
        too). Reaped here, jupyter_client finds it gone at once; it would look again
        only after 0.1 s, at the end of every build.
        """
        from jupyter_core.utils import run_sync

        if self.kc is not None:
            with contextlib.suppress(Exception):
                self.kc.stop_channels()
        if self.km is not None:
            process = getattr(getattr(self.km, "provisioner", None), "process", None)
            if process is not None and process.poll() is None:
                try:  # the kernel leads its own session (jupyter_client starts it so); Windows has no killpg
                    os.killpg(process.pid, signal.SIGKILL)
                except (OSError, AttributeError):
                    with contextlib.suppress(OSError):
                        process.kill()
                with contextlib.suppress(Exception):
                    process.wait(5)
            with contextlib.suppress(Exception):
                run_sync(self.km.shutdown_kernel)(now=True)
        self.km = self.kc = None


_LOCAL = threading.local()


def worker() -> Worker:
    """This thread's warm worker (created on first use, shut down when the process ends).

    One per thread, because a Dask worker may run several tasks at once in threads.
    """
    if getattr(_LOCAL, "worker", None) is None:
        import atexit
        from multiprocessing import util

        _LOCAL.worker = Worker()
        util.Finalize(None, _LOCAL.worker.shutdown, exitpriority=10)
        atexit.register(_LOCAL.worker.shutdown)
    return _LOCAL.worker


def start_early(units: str, years: str | int | None, kinds: str | None, periods: str | None, *,
                dry_run: bool = False, scheduler: str | None = None) -> None:
    """Start this thread's kernel now when a build asks for a single report (it runs in this process): the
    kernel starts and imports while the command reads the ledgers. It starts in the notebooks' folder, as
    papermill starts a notebook's kernel. ``years`` None: the latest year."""
    if not dry_run and scheduler is None and one_report(units, years, kinds, periods):
        worker().start(paths.resource("notebooks"))


def _indicators_from(nb) -> dict:
    from ..document.display import INDICATORS_MIME
    from ..settings.errors import ReportError

    for cell in nb.cells:
        for output in cell.get("outputs", []):
            if INDICATORS_MIME in output.get("data", {}):
                return output["data"][INDICATORS_MIME]
    raise ReportError("执行后的笔记本没有输出指标：请保留标记为 indicators 的单元格（helpers.publish_indicators）")


def chart_seconds(nb) -> float | None:
    """Seconds the executed notebook's chart cells took (those that display a PNG), from nbclient's timestamps.

    ``None`` when no cell displayed a chart or the timestamps are missing.
    """
    from datetime import datetime

    total, found = 0.0, False
    for cell in nb.cells:
        if not any("image/png" in o.get("data", {}) for o in cell.get("outputs", [])):
            continue
        stamps = cell.get("metadata", {}).get("execution", {})
        try:
            began = datetime.fromisoformat(stamps["iopub.execute_input"].replace("Z", "+00:00"))
            ended = datetime.fromisoformat(stamps["shell.execute_reply"].replace("Z", "+00:00"))
        except (KeyError, ValueError, AttributeError):
            return None
        total += (ended - began).total_seconds()
        found = True
    return round(total, 3) if found else None

"""The batch engine: warm kernels, parameter injection, atomic outputs, provenance.

Each worker process keeps one Jupyter kernel warm (``helpers`` and its
libraries imported once) and one typst compiler with its fonts loaded. For each
report it injects the parameters papermill's way
(:func:`papermill.parameterize.parameterize_notebook`), executes the notebook
on the warm kernel with nbclient, resets the kernel's state (``%reset -f``,
figures closed), and renders in-process. A report made on a reused kernel is
identical to one made on a fresh kernel (a test checks it).
"""

from __future__ import annotations

import copy
import hashlib
import json
import os
import platform
import re
import shutil
import signal
import threading
import time
import traceback
from datetime import datetime, timezone
from importlib import metadata
from pathlib import Path
from typing import Any

from ..read import schema
from ..render.engines import FORMATS
from ..settings import paths
from ..settings.errors import NianbaoError
from ..settings.outdir import atomic_folder, scratch_names
from .jobs import Job, Result

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
RESET_TAG = "nianbao-reset"  # the reset cell appended to each run, removed from the executed notebook
KERNEL_ARGS = ["--IPKernelApp.log_level=ERROR"]


# --------------------------------------------------------------------------- provenance


def _hash_bytes(*parts: bytes) -> str:
    h = hashlib.sha256()
    for part in parts:
        h.update(hashlib.sha256(part).digest())
    return h.hexdigest()[:16]


def _hash_files(files: list[Path]) -> str:
    return _hash_bytes(*(paths.label(f).encode() + f.read_bytes() for f in sorted(files)))


def _frame_hash(frame) -> bytes:
    import pandas as pd

    if frame is None:
        return b"absent"
    return pd.util.hash_pandas_object(frame, index=False).to_numpy().tobytes() + ",".join(frame.columns).encode()


def notebook_fingerprint(path: Path) -> bytes:
    """What of a notebook makes a report: each cell's type, source and tags.

    Outputs, execution counts and the metadata JupyterLab writes on save are left
    out, so a notebook saved from Lab with its outputs makes no report stale.
    """
    nb = json.loads(Path(path).read_text(encoding="utf-8"))
    cells = [[c.get("cell_type"), "".join(c.get("source", "")), sorted(c.get("metadata", {}).get("tags", []))]
             for c in nb.get("cells", [])]
    return json.dumps(cells, ensure_ascii=False).encode()


# Modules no report runs: the command line, the build's bookkeeping, the site and the
# analysts' desk tools. Editing them makes no report stale; every other module of
# helpers (and the kind's notebook) is part of a report's inputs.
NOT_REPORT_CODE = frozenset({"build", "cli", "distributed", "explain", "outdir", "preview", "render_notebook",
                             "scaffold", "site", "validation"})


def report_code() -> list[Path]:
    """The modules of ``helpers`` a report runs (everything but :data:`NOT_REPORT_CODE`).

    A kind's generic prose is not here: it is an input of that kind's reports only
    (:func:`unit_inputs`), so editing the 信访 prose leaves the 意识形态 reports as they are.
    """
    return sorted(p for p in paths.PACKAGE_DIR.rglob("*.py") if p.stem not in NOT_REPORT_CODE)


_CODE_HASHES: dict[tuple[Path, float], str] = {}


def code_hashes() -> dict[str, str]:
    """Each module of :func:`report_code` by its path in the package, and its hash (kept in manifest.json,
    so that ``--dry-run`` can name the module that changed)."""
    out = {}
    for path in report_code():
        key = (path, path.stat().st_mtime)
        if key not in _CODE_HASHES:
            _CODE_HASHES[key] = _hash_bytes(path.read_bytes())
        out[path.relative_to(paths.PACKAGE_DIR).as_posix()] = _CODE_HASHES[key]
    return out


_NOTEBOOK_HASHES: dict[tuple[Path, float], str] = {}


def notebook_hash(path: Path) -> str:
    """The hash of a notebook without its outputs (:func:`notebook_fingerprint`), cached by mtime."""
    key = (Path(path), Path(path).stat().st_mtime)
    if key not in _NOTEBOOK_HASHES:
        _NOTEBOOK_HASHES[key] = _hash_bytes(notebook_fingerprint(path))
    return _NOTEBOOK_HASHES[key]


def shared_inputs() -> dict[str, str]:
    """Hashes of what every report shares: the code reports run, templates, configuration."""
    return {
        "code": _hash_bytes(json.dumps(code_hashes(), sort_keys=True).encode()),
        "templates": _hash_files(list(paths.template_files().values())),
        "quarto_yml": _hash_files([paths.QUARTO_CONFIG]),
        "rules": _hash_files([paths.RULES_CONFIG, paths.CATEGORIES_CONFIG, paths.KINDS_CONFIG]),
    }


_UNIT_SLICES: dict[tuple, bytes] = {}  # one ledgers' slices at a time, by (ledgers, digest, unit)


def ledger_slice(ledgers, unit: str) -> bytes:
    """The hash of one unit's rows of every table (and the set-aside rows), as bytes.

    Each table's rows are hashed once per ledgers (a unit's reports of every kind,
    year and period share them), then picked out per unit.
    """
    key = (id(ledgers), ledgers.digest, unit)
    if key not in _UNIT_SLICES:
        _UNIT_SLICES.clear()  # every unit of these ledgers is hashed below
        import pandas as pd

        rows = {}
        for name in schema.LEDGER_TABLES:
            frame = getattr(ledgers, name)
            if frame is None:
                rows[name] = None
                continue
            hashed = pd.util.hash_pandas_object(frame, index=False).to_numpy()
            # a table's first date decides whether the prior year has data at all
            first = "" if frame.empty else str(frame.select_dtypes("datetime").min().min())
            rows[name] = (frame["unit"].to_numpy(), hashed, (",".join(frame.columns) + first).encode())
        for u in ledgers.units.index:
            parts = []
            for got in rows.values():
                if got is None:
                    parts.append(b"absent")
                    continue
                units, hashed, tail = got
                parts.append(hashed[units == u].tobytes() + tail)
            unit_row = json.dumps(ledgers.unit(u), ensure_ascii=False, sort_keys=True).encode()
            _UNIT_SLICES[(id(ledgers), ledgers.digest, u)] = bytes.fromhex(
                _hash_bytes(unit_row, *parts, _frame_hash(ledgers.rejected), _frame_hash(ledgers.reading)))
    return _UNIT_SLICES[key]


def unit_inputs(job: Job, ledgers, fonts: dict[str, str]) -> dict[str, str]:
    """Hashes of one report's own inputs: its notebook, its unit's slice of the ledgers, its prose, its parameters."""
    from ..figures.kinds import get as get_kind

    kind = get_kind(job.kind)
    narrative = kind.prose_file(ledgers.data_dir, job.unit, job.year, job.period)
    generic = kind.generic_prose()
    # formats are not an input: a folder keeps the formats built from the same inputs (formats_to_write)
    params = {**job.parameters(), "kind": job.kind, "as_of": job.the_period.resolve_as_of(job.as_of).isoformat(),
              "engine": job.engine}
    return {
        "notebook": notebook_hash(job.notebook),
        "ledgers": ledger_slice(ledgers, job.unit).hex(),
        "narrative": _hash_bytes(str(narrative).encode(), narrative.read_bytes()) if narrative else "none",
        # the kind's generic prose fills any section the analysts' prose leaves empty
        "generic_prose": _hash_bytes(generic.read_bytes()) if generic.is_file() else "none",
        "fonts": _hash_bytes(json.dumps(fonts, sort_keys=True).encode()),
        "parameters": _hash_bytes(json.dumps(params, sort_keys=True).encode()),
    }


def tool_versions() -> dict[str, str]:
    """Versions of everything that shapes a report."""
    out = {"python": platform.python_version()}
    for dist in ("nianbao", "pandas", "matplotlib", "papermill", "nbclient", "nbconvert", "ipykernel",
                 "pypandoc_binary", "typst", "python-docx", "pdfminer.six", "fonttools", "lxml"):
        try:
            out[dist] = metadata.version(dist)
        except metadata.PackageNotFoundError:
            pass
    from ..render.engines import pandoc_version, quarto_version

    out["pandoc"] = pandoc_version()
    if quarto_version():
        out["quarto"] = quarto_version()
    return out


def formats_to_write(job: Job, inputs: dict[str, str] | None) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """The formats a build renders, and those it keeps from the folder's previous build.

    A format the folder holds but the build does not ask for is kept when the folder was
    built from the same inputs, else rendered again: the folder never loses a format and
    never holds formats of different inputs.
    """
    others = tuple(f for f in FORMATS if f not in job.formats and (job.folder / f"report.{f}").is_file())
    try:
        same = inputs is not None and json.loads((job.folder / "manifest.json").read_text(encoding="utf-8")
                                                 ).get("inputs") == inputs
    except (OSError, ValueError):
        same = False
    return (job.formats, others) if same else (job.formats + others, ())


# What each input of a report is, as `nianbao build --dry-run` names it.
INPUT_WORDS = {
    "notebook": "笔记本", "code": "程序代码", "templates": "模板", "quarto_yml": "_quarto.yml", "rules": "规则配置",
    "ledgers": "本单位台账", "narrative": "文字材料", "fonts": "字体", "params": "参数", "engine": "渲染引擎",
    "generic_prose": "本类报告的通用稿",
}


def outdated(job: Job, inputs: dict[str, str]) -> list[str]:
    """Why a report would be built: the inputs that changed since its folder was built (empty: up to date).

    As ``targets::tar_outdated`` says it: ``尚未生成`` for a report never built, the
    changed inputs by name, and formats the folder lacks.
    """
    try:
        manifest = json.loads((job.folder / "manifest.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return ["尚未生成"]
    recorded = manifest.get("inputs", {})
    changed = [INPUT_WORDS.get(k, k) for k in sorted(set(inputs) | set(recorded)) if inputs.get(k) != recorded.get(k)]
    if INPUT_WORDS["code"] in changed and manifest.get("code_files"):  # which module: 程序代码（words/sentences.py）
        now, then = code_hashes(), manifest["code_files"]
        files = sorted(k for k in set(now) | set(then) if now.get(k) != then.get(k))
        if files:
            changed[changed.index(INPUT_WORDS["code"])] = (f"程序代码（{'、'.join(files[:3])}"
                                                          f"{'等' if len(files) > 3 else ''}）")
    missing = [f for f in job.formats if not (job.folder / f"report.{f}").is_file()]
    return changed + ([f"缺少{'、'.join(missing)}"] if missing else [])


def up_to_date(job: Job, inputs: dict[str, str]) -> bool:
    """Whether the report's folder was built from exactly these inputs and holds every format."""
    manifest = job.folder / "manifest.json"
    try:
        recorded = json.loads(manifest.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return False
    return recorded.get("inputs") == inputs and all(
        (job.folder / f"report.{fmt}").is_file() for fmt in job.formats
    )


# --------------------------------------------------------------------------- the warm worker


def _without_signal_handlers(execute):
    """``execute`` with the event loop refusing signal handlers.

    nbclient installs SIGINT and SIGTERM handlers on the loop that shut the
    kernel down (the report then fails with "Kernel died" and an error file
    would say so) and, on removal, leave the process without ours. The build
    handles interrupts itself (:func:`interrupt`); nbclient expects the
    RuntimeError raised here (it is what a loop outside the main thread says).
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

    def _notebook(self, path: Path):
        import nbformat

        key = (path, path.stat().st_mtime)
        if key not in self._templates:
            self._templates[key] = nbformat.read(path, as_version=4)
        return copy.deepcopy(self._templates[key])

    def _run(self, nb, folder: Path | None = None) -> Any:
        from jupyter_client.manager import AsyncKernelManager
        from jupyter_core.utils import run_sync
        from nbclient import NotebookClient

        if self.km is None:
            self.km = AsyncKernelManager(kernel_name="python3")
        client = NotebookClient(
            nb, km=self.km, kernel_name="python3", timeout=600, startup_timeout=120,
            extra_arguments=KERNEL_ARGS, resources={"metadata": {"path": str(folder or paths.ROOT)}},
        )
        client.kc = self.kc
        try:  # the env reaches a kernel when it starts: batch notebooks skip JupyterLab's HTML view
            run_sync(_without_signal_handlers(client.async_execute))(env={**os.environ, paths.LAB_HTML_ENV: "0"})
        finally:
            self.kc = client.kc
        return nb

    def execute(self, job: Job):
        """Execute the notebook for ``job`` on the warm kernel; the state is reset afterwards."""
        import nbformat
        from papermill.parameterize import parameterize_notebook

        notebook = job.notebook
        nb = self._notebook(notebook)
        nb.metadata["papermill"] = nbformat.from_dict({"input_path": str(notebook), "parameters": {}})
        nb = parameterize_notebook(nb, job.parameters(), kernel_name="python3", language="python")
        # the reset runs as the run's last cell (one round trip to the kernel, not two), then leaves the notebook
        nb.cells.append(nbformat.v4.new_code_cell(RESET_CODE, metadata={"tags": [RESET_TAG]}))
        reset = False
        try:
            self._run(nb, notebook.parent)
            reset = True
            return nb
        except Exception as exc:
            # name the cell that failed: its position and id in the notebook
            for index, cell in enumerate(nb.cells):
                if any(o.get("output_type") == "error" for o in cell.get("outputs", [])):
                    exc.cell_index = index  # type: ignore[attr-defined]
                    exc.cell_id = cell.get("id")  # type: ignore[attr-defined]
            raise
        finally:
            nb.cells = [c for c in nb.cells if RESET_TAG not in c.get("metadata", {}).get("tags", [])]
            self.reports += 1
            if not reset and not stopping():  # an interrupted worker kills its kernel instead
                self.reset(nbformat)

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
        """Stop the kernel at once (an interrupt): its process group is killed, then the usual shutdown."""
        pid = self.kernel_pid()
        if pid is not None:
            try:  # the kernel leads its own session (jupyter_client starts it so)
                os.killpg(pid, signal.SIGKILL)
            except (OSError, AttributeError):
                try:
                    os.kill(pid, signal.SIGKILL)
                except OSError:
                    pass
        connection = getattr(self.km, "connection_file", None)
        self.shutdown()
        if connection:  # the usual clean-up may not have run on an interrupted event loop
            Path(connection).unlink(missing_ok=True)

    def shutdown(self) -> None:
        from jupyter_core.utils import run_sync

        if self.kc is not None:
            try:
                self.kc.stop_channels()
            except Exception:
                pass
        if self.km is not None:
            try:
                run_sync(self.km.shutdown_kernel)(now=True)
            except Exception:
                pass
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


def _indicators_from(nb) -> dict:
    from ..document.report import INDICATORS_MIME
    from ..settings.errors import ReportError

    for cell in nb.cells:
        for output in cell.get("outputs", []):
            if INDICATORS_MIME in output.get("data", {}):
                return output["data"][INDICATORS_MIME]
    raise ReportError("执行后的笔记本没有输出指标：请保留标记为 indicators 的单元格（helpers.publish_indicators）")


_ANSI = re.compile(r"\x1b\[[0-9;?]*[ -/]*[@-~]")


def describe_error(exc: BaseException) -> str:
    """What went wrong, in Chinese: nianbao's own errors by their message; others with the notebook cell.

    A :class:`~helpers.settings.errors.NianbaoError` raised in the notebook (a prose
    file's line, a ledger row) is its own plain message; any other error names the
    notebook cell it came from. Terminal colour codes are removed.
    """
    ename = getattr(exc, "ename", None)
    if ename:
        evalue = _ANSI.sub("", str(getattr(exc, "evalue", ""))).strip()
        if ename in _OWN_ERRORS:
            return evalue
        index, cell_id = getattr(exc, "cell_index", None), getattr(exc, "cell_id", None)
        where = "笔记本" if index is None else f"笔记本第{index + 1}个单元格" + (f"（{cell_id}）" if cell_id else "")
        return f"{where}出错（{ename}）：{evalue}"
    if isinstance(exc, NianbaoError):
        return _ANSI.sub("", str(exc)).strip()
    return f"出错（{type(exc).__name__}）：{_ANSI.sub('', str(exc)).strip()}"


def _own_errors() -> frozenset[str]:
    from ..settings import errors

    return frozenset(name for name, value in vars(errors).items()
                     if isinstance(value, type) and issubclass(value, errors.NianbaoError))


_OWN_ERRORS = _own_errors()


def record_failure(job: Job, message: str, detail: str = "") -> Path:
    """Keep a report's error beside its outputs: ``<period>/<kind>/<unit>.error.txt`` (its folder is untouched).

    In Chinese, without terminal colour codes: what failed, why, and that the
    report in the folder (if any) is the one from before.
    """
    path = job.error_file
    path.parent.mkdir(parents=True, exist_ok=True)
    before = "文件夹中的报告是上一次成功生成的版本。" if job.folder.is_dir() else "尚无此前生成的报告。"
    text = f"{job.name} 生成失败：{_ANSI.sub('', message)}\n{before}\n" + (
        f"\n{_ANSI.sub('', detail)}" if detail else "")
    path.write_text(text, encoding="utf-8")
    return path


def cleanup_scratch(out_dir: Path) -> list[Path]:
    """Remove scratch folders and files left by an interrupted run (never a finished report).

    Call it only while holding the folder's lock: another build's scratch folders look the same.
    """
    removed = []
    for stale in scratch_names(out_dir):
        if not stale.exists():  # inside a scratch folder removed just before
            continue
        if stale.is_dir():
            shutil.rmtree(stale, ignore_errors=True)
        else:
            stale.unlink(missing_ok=True)
        removed.append(stale)
    return removed


# --------------------------------------------------------------------------- interrupts
#
# A build stops on SIGINT (Ctrl-C reaches the whole foreground process group)
# or SIGTERM. Pool workers ignore SIGINT: the main process stops them with
# SIGTERM, on which a busy worker unwinds its report (the scratch folder is
# removed, no error file is written), kills its kernel and exits; an idle one
# kills its kernel and exits. Kernels run in their own sessions and never see
# the terminal's Ctrl-C.

_STOPPING = threading.Event()
_BUSY = threading.Event()
_IN_POOL = threading.Event()


def stopping() -> bool:
    """Whether this process was told to stop (an exception now is the interrupt, not the report)."""
    return _STOPPING.is_set()


def interrupt(signum, frame) -> None:
    """Signal handler of a building process: stop once, quietly (a second signal is ignored)."""
    for sig in (signal.SIGINT, signal.SIGTERM):
        signal.signal(sig, signal.SIG_IGN)
    _STOPPING.set()
    _quiet_unwinding()
    raise KeyboardInterrupt


def _quiet_unwinding() -> None:
    """What unwinds after an interrupt says nothing: asyncio's leftover tasks, and a pool worker's stderr."""
    import logging

    logging.getLogger("asyncio").setLevel(logging.CRITICAL + 1)
    if _IN_POOL.is_set():
        try:
            devnull = os.open(os.devnull, os.O_WRONLY)
            os.dup2(devnull, 2)
            os.close(devnull)
        except OSError:
            pass


def _worker_terminate(signum, frame) -> None:
    if _BUSY.is_set():
        interrupt(signum, frame)
    _STOPPING.set()
    _quiet_unwinding()
    _stop_worker()
    os._exit(0)


def _stop_worker() -> None:
    current = getattr(_LOCAL, "worker", None)
    if current is not None:
        current.kill()


def pool_initializer() -> None:
    """Run in each pool process: Ctrl-C is the main process's business, SIGTERM stops the worker."""
    _STOPPING.clear()
    _IN_POOL.set()
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, _worker_terminate)


def pool_run_job(job: Job, inputs: dict[str, str] | None, tools: dict[str, str]) -> Result:
    """:func:`run_job` in a pool process: an interrupt ends the process once the report is unwound."""
    _BUSY.set()
    try:
        return run_job(job, inputs, tools)
    except KeyboardInterrupt:
        _stop_worker()
        os._exit(130)
    finally:
        _BUSY.clear()


def pool_run_jobs(jobs: list[Job], inputs: list[dict[str, str] | None], tools: dict[str, str]) -> list[Result]:
    """:func:`pool_run_job` for a batch of reports, one after another on this process's warm kernel."""
    return [pool_run_job(job, stamp, tools) for job, stamp in zip(jobs, inputs)]


class _Uninterrupted:
    """Hold SIGINT and SIGTERM back while folders are swapped (delivered right after)."""

    def __enter__(self):
        self.masked = hasattr(signal, "pthread_sigmask") and threading.current_thread() is threading.main_thread()
        if self.masked:
            signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGINT, signal.SIGTERM})

    def __exit__(self, *exc):
        if self.masked:
            signal.pthread_sigmask(signal.SIG_UNBLOCK, {signal.SIGINT, signal.SIGTERM})


def summary_manifest(job: Job, inputs: dict[str, str] | None, tools: dict[str, str]) -> dict[str, Any]:
    """The provenance of a district summary (its inputs are every unit's inputs of the year)."""
    return {
        "report": job.name,
        "parameters": {"year": job.year, "period": job.period, "kind": job.kind, "unit": job.unit,
                       "as_of": job.as_of, "data_dir": str(job.data_dir), "formats": list(job.formats)},
        "inputs": inputs,
        "code_version": (inputs or {}).get("code"),
        "tools": tools,
        "built_at": datetime.now(timezone.utc).isoformat(timespec="seconds"),
    }


def run_summary(job: Job, inputs: dict[str, str] | None = None, tools: dict[str, str] | None = None) -> Result:
    """Write the district summary of ``job``'s kind and period (``job.unit`` is the summary's id)."""
    from ..read.ledgers import load_ledgers
    from .summary import write_summary

    start = time.perf_counter()
    try:
        # a summary is rebuilt only on new inputs: the formats its folder held are rendered again too
        formats = formats_to_write(job, None)[0]
        folder = write_summary(load_ledgers(job.data_dir), job.year, job.out_dir, formats, job.as_of,
                               manifest=summary_manifest(job, inputs, tools or {}), guard=_Uninterrupted,
                               kind=job.kind, period=job.period)
        job.error_file.unlink(missing_ok=True)
        return Result(job, "built", time.perf_counter() - start, files=sorted(p.name for p in folder.iterdir()))
    except Exception as exc:  # a summary's failure is reported like a report's
        if stopping():
            raise KeyboardInterrupt from None
        message = describe_error(exc)
        record_failure(job, message)
        return Result(job, "failed", time.perf_counter() - start, error=message)


def run_job(job: Job, inputs: dict[str, str] | None, tools: dict[str, str]) -> Result:
    """Build one report on this process's warm worker. Never raises for the report's own failure.

    Raises
    ------
    KeyboardInterrupt
        When the process is interrupted: the scratch folder is removed and no
        error file is written (the report simply was not built).
    """
    import nbformat

    from ..render.engines import render

    if job.is_summary:
        return run_summary(job, inputs, tools)
    start = time.perf_counter()
    final = job.folder
    failure = job.error_file
    timings: dict[str, Any] = {}
    try:
        with atomic_folder(final, guard=_Uninterrupted) as scratch:
            nb = worker().execute(job)
            timings["execute"] = round(time.perf_counter() - start, 3)
            from ..words.evidence import start_report_evidence, take_published  # evidence.csv, evidence.xlsx

            counted = take_published(nb)  # the rows the kernel counted, for the evidence, not for report.ipynb
            nbformat.write(nb, scratch / "report.ipynb")
            indicators = _indicators_from(nb)
            (scratch / "indicators.json").write_text(
                json.dumps(indicators, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
            evidence_written = start_report_evidence(scratch, job.data_dir, job.unit, job.year, job.as_of,
                                                     indicators["indicators"], timings, counted,
                                                     period=job.period)  # while rendering
            if job.rejected_csv is not None:
                shutil.copyfile(job.rejected_csv, scratch / "rejected.csv")
            if job.reading_csv is not None:
                shutil.copyfile(job.reading_csv, scratch / "reading.csv")
            t = time.perf_counter()
            rendered, kept = formats_to_write(job, inputs)
            render(nb, scratch, rendered, timings=timings, engine=job.engine)
            for fmt in kept:
                shutil.copyfile(final / f"report.{fmt}", scratch / f"report.{fmt}")
            timings["render"] = round(time.perf_counter() - t, 3)
            evidence_written()
            timings["total"] = round(time.perf_counter() - start, 3)
            manifest = {
                "report": job.name,
                "parameters": {**job.parameters(), "kind": job.kind,
                               "formats": [f for f in FORMATS if f in rendered + kept]},
                "as_of": indicators["as_of"],
                "engine": job.engine,
                "inputs": inputs,
                "code_version": inputs.get("code"),
                "code_files": code_hashes(),
                "tools": tools,
                "timings": timings,
                "built_at": datetime.now(timezone.utc).isoformat(timespec="seconds"),
            }
            (scratch / "manifest.json").write_text(json.dumps(manifest, ensure_ascii=False, indent=2) + "\n",
                                                   encoding="utf-8")
            files = sorted(p.name for p in scratch.iterdir())
        with _Uninterrupted():
            failure.unlink(missing_ok=True)
        return Result(job, "built", time.perf_counter() - start, files=files)
    except BaseException as exc:  # isolate: one report's failure never stops the others
        if isinstance(exc, KeyboardInterrupt) or stopping():
            # interrupted, not failed (nbclient may have turned the interrupt into DeadKernelError)
            raise KeyboardInterrupt from None
        if not isinstance(exc, Exception):
            raise
        message = describe_error(exc)
        record_failure(job, message, "".join(traceback.format_exception_only(exc)))
        return Result(job, "failed", time.perf_counter() - start, error=message)

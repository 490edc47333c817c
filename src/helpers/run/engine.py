"""The batch engine: running reports on warm workers, atomic outputs, failures and interrupts.

Each worker process keeps one Jupyter kernel warm (:mod:`helpers.run.kernel`),
a Pandoc process and a typst process with its fonts loaded (:mod:`helpers.render.servers`).
For each report :func:`run_job` executes the notebook on the warm kernel,
renders into a scratch folder swapped into place in one step, and records the report's inputs
(:mod:`helpers.run.provenance`) in its ``manifest.json``. A report's failure is
kept beside its folder and never stops the others; SIGINT and SIGTERM stop a
build quietly, in this process or in a pool of processes.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import signal
import threading
import time
import traceback
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from ..render.engines import FORMATS
from ..settings.errors import NianbaoError
from ..settings.outdir import atomic_folder, scratch_names
from .jobs import Job, Result
from .kernel import _LOCAL, _STOPPING, _indicators_from, chart_seconds, preload, stopping, worker
from .provenance import code_hashes, formats_to_write

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
# the terminal's Ctrl-C. The stop flag itself (``_STOPPING``, :func:`stopping`) is
# the warm worker's (helpers.run.kernel), which reads it too.

_BUSY = threading.Event()
_IN_POOL = threading.Event()


def interrupt(signum, frame) -> None:
    """Signal handler of a building process: stop once, quietly (a second signal is ignored)."""
    for sig in (signal.SIGINT, signal.SIGTERM):
        signal.signal(sig, signal.SIG_IGN)
    _STOPPING.set()
    _quiet_unwinding()
    raise KeyboardInterrupt


def _quiet_unwinding() -> None:
    """What unwinds after an interrupt says nothing: asyncio's leftover tasks, a coroutine the interrupt
    kept from starting (Python warns of it when it is collected), and a pool worker's stderr."""
    import logging
    import warnings

    logging.getLogger("asyncio").setLevel(logging.CRITICAL + 1)
    warnings.filterwarnings("ignore", message=r"coroutine .* was never awaited", category=RuntimeWarning)
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

    from ..render.engines import choose_engine, render, warm_up, warmed

    if job.is_summary:
        return run_summary(job, inputs, tools)
    preload()  # before the warm-up thread imports the same libraries (see preload)
    if choose_engine(job.engine) == "builtin":
        warm_up()  # the renderer's slow starts, made while the notebook runs
    start = time.perf_counter()
    final = job.folder
    failure = job.error_file
    timings: dict[str, Any] = {}
    try:
        with atomic_folder(final, guard=_Uninterrupted) as scratch:
            nb = worker().execute(job)
            timings["execute"] = round(time.perf_counter() - start, 3)
            warmed()  # its imports end before the evidence thread's begin
            if (charts := chart_seconds(nb)) is not None:  # of execute: the cells that draw the charts
                timings["charts"] = charts
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
            render(nb, scratch, rendered, timings=timings, engine=job.engine, parallel=not _IN_POOL.is_set())
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
                "code_files": code_hashes(job.kind),
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

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
import shutil
import threading
import time
import traceback
import uuid
from dataclasses import dataclass, field
from datetime import datetime, timezone
from importlib import metadata
from pathlib import Path
from typing import Any

from . import paths
from .render import FORMATS

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
KERNEL_ARGS = ["--IPKernelApp.log_level=ERROR"]


@dataclass(frozen=True)
class Job:
    """One report to build."""

    year: int
    unit: str
    as_of: str | None
    data_dir: Path
    out_dir: Path
    formats: tuple[str, ...] = FORMATS
    rejected_csv: Path | None = None  # the folder's set-aside rows, written once per build

    @property
    def is_summary(self) -> bool:
        """Whether this is a year's district summary rather than a unit's report."""
        return self.unit == paths.SUMMARY_ID

    @property
    def name(self) -> str:
        return f"{self.year}/{self.unit}"

    @property
    def folder(self) -> Path:
        return paths.report_dir(self.out_dir, self.year, self.unit)

    def parameters(self) -> dict[str, Any]:
        """The notebook's four parameters."""
        return {"year": self.year, "unit": self.unit, "as_of": self.as_of, "data_dir": str(self.data_dir)}


@dataclass
class Result:
    """What happened to one report."""

    job: Job
    status: str  # built | skipped | failed
    seconds: float
    error: str | None = None
    files: list[str] = field(default_factory=list)


# --------------------------------------------------------------------------- provenance


def _hash_bytes(*parts: bytes) -> str:
    h = hashlib.sha256()
    for part in parts:
        h.update(hashlib.sha256(part).digest())
    return h.hexdigest()[:16]


def _hash_files(files: list[Path]) -> str:
    return _hash_bytes(*(f.relative_to(paths.ROOT).as_posix().encode() + f.read_bytes() for f in sorted(files)))


def _frame_hash(frame) -> bytes:
    import pandas as pd

    if frame is None:
        return b"absent"
    return pd.util.hash_pandas_object(frame, index=False).to_numpy().tobytes() + ",".join(frame.columns).encode()


def shared_inputs() -> dict[str, str]:
    """Hashes of what every report shares: notebook, code, templates, configuration."""
    src = Path(__file__).resolve().parent
    return {
        "notebook": _hash_files([paths.NOTEBOOK]),
        "code": _hash_files(list(src.glob("*.py"))),
        "templates": _hash_files([p for p in paths.TEMPLATES_DIR.rglob("*") if p.is_file()]),
        "quarto_yml": _hash_files([paths.QUARTO_CONFIG]),
        "rules": _hash_files([paths.RULES_CONFIG]),
    }


def unit_inputs(job: Job, ledgers, fonts: dict[str, str]) -> dict[str, str]:
    """Hashes of one report's own inputs: its unit's slice of the ledgers, its prose, its parameters."""
    from .indicators import resolve_as_of

    slices = []
    for name in ("activities", "casework", "publicity", "coverage"):
        frame = getattr(ledgers, name)
        part = None if frame is None else frame[frame["unit"] == job.unit]
        # a table's first date decides whether the prior year has data at all
        first = "" if frame is None or frame.empty else str(frame.select_dtypes("datetime").min().min())
        slices.append(_frame_hash(part) + first.encode())
    unit_row = json.dumps(ledgers.unit(job.unit), ensure_ascii=False, sort_keys=True).encode()
    narrative = paths.narrative_file(ledgers.data_dir, job.unit, job.year)
    params = {**job.parameters(), "as_of": resolve_as_of(job.year, job.as_of).isoformat(),
              "formats": list(job.formats)}
    return {
        "ledgers": _hash_bytes(unit_row, *slices, _frame_hash(ledgers.rejected)),
        "narrative": _hash_bytes(str(narrative).encode(), narrative.read_bytes()) if narrative else "none",
        "fonts": _hash_bytes(json.dumps(fonts, sort_keys=True).encode()),
        "parameters": _hash_bytes(json.dumps(params, sort_keys=True).encode()),
    }


def tool_versions() -> dict[str, str]:
    """Versions of everything that shapes a report."""
    out = {"python": platform.python_version()}
    for dist in ("nianbao", "pandas", "matplotlib", "papermill", "nbclient", "nbconvert", "ipykernel",
                 "pypandoc_binary", "typst", "python-docx"):
        try:
            out[dist] = metadata.version(dist)
        except metadata.PackageNotFoundError:
            pass
    from .render import pandoc_version, quarto_available

    out["pandoc"] = pandoc_version()
    if quarto_available():
        out["quarto"] = "on PATH"
    return out


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


class Worker:
    """One warm kernel per process, reused report after report."""

    def __init__(self) -> None:
        self.km = None
        self.kc = None
        self.reports = 0
        self._template = None

    def _notebook(self):
        import nbformat

        if self._template is None:
            self._template = nbformat.read(paths.NOTEBOOK, as_version=4)
        return copy.deepcopy(self._template)

    def _run(self, nb) -> Any:
        from jupyter_client.manager import AsyncKernelManager
        from nbclient import NotebookClient

        if self.km is None:
            self.km = AsyncKernelManager(kernel_name="python3")
        client = NotebookClient(
            nb, km=self.km, kernel_name="python3", timeout=600, startup_timeout=120,
            extra_arguments=KERNEL_ARGS, resources={"metadata": {"path": str(paths.NOTEBOOK.parent)}},
        )
        client.kc = self.kc
        try:
            client.execute()
        finally:
            self.kc = client.kc
        return nb

    def execute(self, job: Job):
        """Execute the notebook for ``job`` on the warm kernel; the state is reset afterwards."""
        import nbformat
        from papermill.parameterize import parameterize_notebook

        nb = self._notebook()
        nb.metadata["papermill"] = nbformat.from_dict({"input_path": str(paths.NOTEBOOK), "parameters": {}})
        nb = parameterize_notebook(nb, job.parameters(), kernel_name="python3", language="python")
        try:
            return self._run(nb)
        except Exception as exc:
            # name the cell that failed: its position and id in the notebook
            for index, cell in enumerate(nb.cells):
                if any(o.get("output_type") == "error" for o in cell.get("outputs", [])):
                    exc.cell_index = index  # type: ignore[attr-defined]
                    exc.cell_id = cell.get("id")  # type: ignore[attr-defined]
            raise
        finally:
            self.reports += 1
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
    from .errors import ReportError
    from .report import INDICATORS_MIME

    for cell in nb.cells:
        for output in cell.get("outputs", []):
            if INDICATORS_MIME in output.get("data", {}):
                return output["data"][INDICATORS_MIME]
    raise ReportError("the executed notebook published no indicators (cell tagged 'indicators')")


def swap_into_place(scratch: Path, final: Path) -> None:
    """Replace ``final`` by ``scratch`` with renames only (one file system)."""
    old = final.parent / f".{final.name}.old-{uuid.uuid4().hex[:8]}"
    if final.exists():
        os.rename(final, old)
    os.rename(scratch, final)
    shutil.rmtree(old, ignore_errors=True)


def describe_error(exc: BaseException) -> str:
    """``notebook cell N: Name: message`` for a notebook error, else ``Name: message``."""
    ename = getattr(exc, "ename", None)
    if ename:
        index, cell_id = getattr(exc, "cell_index", None), getattr(exc, "cell_id", None)
        where = "notebook: " if index is None else f"notebook cell {index}" + (f" ({cell_id})" if cell_id else "")
        where += ": " if index is not None else ""
        return f"{where}{ename}: {getattr(exc, 'evalue', '')}".strip()
    return f"{type(exc).__name__}: {str(exc).strip()}"


def record_failure(job: Job, message: str, detail: str = "") -> Path:
    """Keep a report's error beside its outputs: ``<year>/<unit>.error.txt`` (its folder is untouched)."""
    path = job.folder.parent / f"{job.unit}.error.txt"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(f"{job.name} failed: {message}\n" + (f"\n{detail}" if detail else ""), encoding="utf-8")
    return path


def cleanup_scratch(out_dir: Path) -> None:
    """Remove scratch folders left by an interrupted run (never a finished report)."""
    for pattern in ("*/.*.tmp-*", "*/.*.old-*"):
        for stale in Path(out_dir).glob(pattern):
            shutil.rmtree(stale, ignore_errors=True)


def run_summary(job: Job) -> Result:
    """Write the district summary of ``job.year`` (``job.unit`` is the summary's id)."""
    from .ledgers import load_ledgers
    from .summary import write_summary

    start = time.perf_counter()
    try:
        write_summary(load_ledgers(job.data_dir), job.year, job.out_dir, job.formats, job.as_of)
        return Result(job, "built", time.perf_counter() - start)
    except Exception as exc:  # a summary's failure is reported like a report's
        message = describe_error(exc)
        record_failure(job, message)
        return Result(job, "failed", time.perf_counter() - start, error=message)


def run_job(job: Job, inputs: dict[str, str] | None, tools: dict[str, str]) -> Result:
    """Build one report on this process's warm worker. Never raises for the report's own failure."""
    import nbformat

    from .render import render

    if job.is_summary:
        return run_summary(job)
    start = time.perf_counter()
    final = job.folder
    final.parent.mkdir(parents=True, exist_ok=True)
    scratch = final.parent / f".{job.unit}.tmp-{uuid.uuid4().hex[:8]}"
    scratch.mkdir()
    failure = final.parent / f"{job.unit}.error.txt"
    timings: dict[str, Any] = {}
    try:
        nb = worker().execute(job)
        timings["execute"] = round(time.perf_counter() - start, 3)
        nbformat.write(nb, scratch / "report.ipynb")
        indicators = _indicators_from(nb)
        (scratch / "indicators.json").write_text(
            json.dumps(indicators, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
        from .evidence import start_report_evidence  # evidence.csv, evidence.xlsx: the rows behind each figure

        evidence_written = start_report_evidence(scratch, job.data_dir, job.unit, job.year, job.as_of,
                                                 indicators["indicators"], timings)  # while rendering
        if job.rejected_csv is not None:
            shutil.copyfile(job.rejected_csv, scratch / "rejected.csv")
        t = time.perf_counter()
        render(nb, scratch, job.formats, timings=timings)
        timings["render"] = round(time.perf_counter() - t, 3)
        evidence_written()
        timings["total"] = round(time.perf_counter() - start, 3)
        manifest = {
            "report": job.name,
            "parameters": {**job.parameters(), "formats": list(job.formats)},
            "as_of": indicators["as_of"],
            "inputs": inputs,
            "code_version": inputs.get("code"),
            "tools": tools,
            "timings": timings,
            "built_at": datetime.now(timezone.utc).isoformat(timespec="seconds"),
        }
        (scratch / "manifest.json").write_text(json.dumps(manifest, ensure_ascii=False, indent=2) + "\n",
                                               encoding="utf-8")
        files = sorted(p.name for p in scratch.iterdir())
        swap_into_place(scratch, final)
        failure.unlink(missing_ok=True)
        return Result(job, "built", time.perf_counter() - start, files=files)
    except Exception as exc:  # isolate: one report's failure never stops the others
        shutil.rmtree(scratch, ignore_errors=True)
        message = describe_error(exc)
        record_failure(job, message, "".join(traceback.format_exception_only(exc)))
        return Result(job, "failed", time.perf_counter() - start, error=message)

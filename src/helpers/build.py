"""Build reports: the recipe behind ``nianbao build``.

1. Read and validate the data folder once (whole-file problems stop here,
   before anything is written).
2. Work out the (unit, year) pairs and check each one's parameters and prose.
3. For each pair: execute the notebook with papermill into a scratch folder,
   take ``indicators.json`` from its output, write ``rejected.csv``, render
   HTML, PDF and DOCX from the executed notebook, and move the folder into
   place in one step, so a failed or interrupted report never leaves half a
   report nor destroys the previous good one.
"""

from __future__ import annotations

import json
import os
import shutil
import sys
import time
import traceback
import uuid
from concurrent.futures import ProcessPoolExecutor, as_completed
from dataclasses import dataclass, field
from pathlib import Path

import nbformat

from . import paths
from .errors import NianbaoError, ParameterError, ReportError
from .fonts import resolve_all
from .indicators import resolve_as_of
from .ledgers import Ledgers, load_ledgers
from .render import FORMATS, parse_formats, render
from .report import INDICATORS_MIME, Report
from .schema import UNIT_ID_PATTERN


@dataclass(frozen=True)
class Job:
    """One report to build."""

    year: int
    unit: str
    as_of: str | None
    data_dir: Path
    out_dir: Path
    formats: tuple[str, ...] = FORMATS

    @property
    def name(self) -> str:
        return f"{self.year}/{self.unit}"


@dataclass
class Result:
    """What happened to one report."""

    job: Job
    status: str  # built | failed
    seconds: float
    error: str | None = None
    files: list[str] = field(default_factory=list)


def parse_years(text: str | int, ledgers: Ledgers, unit: str | None = None) -> list[int]:
    """``2024``, ``2023,2024``, ``2022-2024`` or ``all`` (every year in the data).

    Raises
    ------
    ParameterError
        When the text is none of these forms.
    """
    text = str(text).strip()
    if text == "all":
        return ledgers.years(unit)
    years: list[int] = []
    try:
        for part in text.split(","):
            part = part.strip()
            if "-" in part:
                lo, hi = (int(x) for x in part.split("-", 1))
                if hi < lo or hi - lo > 100:
                    raise ValueError
                years.extend(range(lo, hi + 1))
            else:
                years.append(int(part))
    except ValueError:
        raise ParameterError(
            f"--year '{text}': write a year (2024), a list (2023,2024), a range (2022-2024) or all"
        ) from None
    return sorted(set(years))


def parse_units(text: str, ledgers: Ledgers) -> list[str]:
    """``all`` or a comma-separated list of unit ids (each checked against ``units``)."""
    import re

    text = str(text).strip()
    if text == "all":
        return list(ledgers.units.index)
    units = [u.strip() for u in text.split(",") if u.strip()]
    for unit in units:
        if not re.fullmatch(UNIT_ID_PATTERN, unit):
            raise ParameterError(f"--unit '{unit}': a unit id is 1-40 of a-z, 0-9 and '-'")
        ledgers.unit(unit)
    return units


def plan(
    ledgers: Ledgers,
    units: str,
    years: str | int,
    as_of: str | None,
    out_dir: Path,
    formats: tuple[str, ...],
) -> list[Job]:
    """Every report a build will make, each checked before anything is written.

    With ``--unit all`` or ``--year all``, pairs without any data are left out;
    a pair named explicitly without data is an error.

    Raises
    ------
    InputError
        Unknown unit, a year without data, a bad ``as_of``, an unknown placeholder.
    """
    explicit = units != "all" and str(years) != "all"
    jobs = []
    for unit in parse_units(units, ledgers):
        have = set(ledgers.years(unit))
        for year in parse_years(years, ledgers, unit):
            if year not in have and not explicit:
                continue
            report = Report.from_ledgers(ledgers, unit, year, resolve_as_of(year, as_of))
            report.sections()  # unknown placeholders fail here, before anything is written
            jobs.append(Job(year, unit, as_of, ledgers.data_dir, out_dir, formats))
    if not jobs:
        raise ParameterError(f"nothing to build: no data for --unit {units} --year {years}")
    return jobs


def _indicators_from(nb: nbformat.NotebookNode) -> dict:
    for cell in nb.cells:
        for output in cell.get("outputs", []):
            data = output.get("data", {})
            if INDICATORS_MIME in data:
                return data[INDICATORS_MIME]
    raise ReportError("the executed notebook published no indicators (cell tagged 'indicators')")


def _swap_into_place(scratch: Path, final: Path) -> None:
    """Replace ``final`` by ``scratch`` with renames only (same file system)."""
    old = final.parent / f".{final.name}.old-{uuid.uuid4().hex[:8]}"
    if final.exists():
        os.rename(final, old)
    os.rename(scratch, final)
    shutil.rmtree(old, ignore_errors=True)


def _execution_error(exc: BaseException) -> str:
    ename = getattr(exc, "ename", None)
    if ename:  # papermill's PapermillExecutionError
        cell = getattr(exc, "exec_count", None) or getattr(exc, "cell_index", "?")
        return f"notebook cell {cell}: {ename}: {getattr(exc, 'evalue', '')}"
    if isinstance(exc, NianbaoError):
        return f"{type(exc).__name__}: {exc}"
    return f"{type(exc).__name__}: {exc}"


def build_one(job: Job, ledgers: Ledgers | None = None) -> Result:
    """Execute, extract, render and publish one report. Never raises for a report's own failure."""
    import papermill

    start = time.perf_counter()
    final = paths.report_dir(job.out_dir, job.year, job.unit)
    final.parent.mkdir(parents=True, exist_ok=True)
    scratch = final.parent / f".{job.unit}.tmp-{uuid.uuid4().hex[:8]}"
    scratch.mkdir()
    failure = final.parent / f"{job.unit}.error.txt"
    try:
        nb_path = scratch / "report.ipynb"
        papermill.execute_notebook(
            str(paths.NOTEBOOK),
            str(nb_path),
            parameters={"year": job.year, "unit": job.unit, "as_of": job.as_of,
                        "data_dir": str(job.data_dir)},
            cwd=str(paths.NOTEBOOK.parent),
            kernel_name="python3",
            progress_bar=False,
            log_output=False,
            extra_arguments=["--IPKernelApp.log_level=ERROR"],
        )
        nb = nbformat.read(nb_path, as_version=4)
        (scratch / "indicators.json").write_text(
            json.dumps(_indicators_from(nb), ensure_ascii=False, indent=2) + "\n", encoding="utf-8"
        )
        ledgers = ledgers or load_ledgers(job.data_dir)
        if ledgers.rejected_rows:
            ledgers.rejected.to_csv(scratch / "rejected.csv", index=False, encoding="utf-8-sig")
        render(nb_path, scratch, job.formats)
        files = sorted(p.name for p in scratch.iterdir())
        _swap_into_place(scratch, final)
        failure.unlink(missing_ok=True)
        return Result(job, "built", time.perf_counter() - start, files=files)
    except Exception as exc:  # isolate: one report's failure never stops the others
        shutil.rmtree(scratch, ignore_errors=True)
        message = _execution_error(exc)
        failure.write_text(
            f"{job.name} failed: {message}\n\n{''.join(traceback.format_exception_only(exc))}",
            encoding="utf-8",
        )
        return Result(job, "failed", time.perf_counter() - start, error=message)


def _progress(total: int):
    if sys.stderr.isatty():
        from tqdm import tqdm

        return tqdm(total=total, unit="report", dynamic_ncols=True)
    return None


def build(
    units: str = "yeji-mzj",
    years: str | int = "2024",
    *,
    as_of: str | None = None,
    data_dir: Path | str | None = None,
    out_dir: Path | str | None = None,
    formats: str | tuple[str, ...] = FORMATS,
    jobs: int | None = None,
    echo=print,
) -> list[Result]:
    """Build every requested report; the function behind ``nianbao build``.

    Parameters
    ----------
    units : str
        ``all`` or comma-separated unit ids.
    years : str or int
        ``2024``, ``2023,2024``, ``2022-2024`` or ``all``.
    as_of : str, optional
        Cut-off date (ISO) for every report.
    data_dir, out_dir : Path, optional
        The data folder and the output root (``data/`` and ``output/``).
    formats : str or tuple
        Any of html, pdf, docx.
    jobs : int, optional
        Parallel workers; the number of cores by default.
    echo : callable
        Where progress lines go.

    Returns
    -------
    list of Result
        One per report, built or failed.

    Raises
    ------
    InputError
        A whole-file or parameter problem (nothing was written).
    FontError
        A font role has no Chinese font (nothing was written).
    """
    formats = parse_formats(formats)
    out_dir = Path(out_dir or paths.OUTPUT_DIR).resolve()
    ledgers = load_ledgers(data_dir)
    todo = plan(ledgers, units, years, as_of, out_dir, formats)
    if "pdf" in formats or "docx" in formats:
        resolve_all()  # a role without a Chinese font stops the build here
    workers = max(1, min(jobs or os.cpu_count() or 1, len(todo)))
    results: list[Result] = []
    bar = _progress(len(todo))

    def done(result: Result) -> None:
        results.append(result)
        line = f"{result.status:6s} {result.job.name} ({result.seconds:.1f} s)"
        if result.error:
            line += f": {result.error}"
        if bar is not None:
            bar.update(1)
            bar.set_postfix(failed=sum(r.status == "failed" for r in results))
            bar.write(line)
        else:
            echo(line)

    if workers == 1:
        for job in todo:
            done(build_one(job, ledgers))
    else:
        with ProcessPoolExecutor(max_workers=workers) as pool:
            futures = [pool.submit(build_one, job) for job in todo]
            for future in as_completed(futures):
                done(future.result())
    if bar is not None:
        bar.close()
    order = {job: i for i, job in enumerate(todo)}
    return sorted(results, key=lambda r: order[r.job])

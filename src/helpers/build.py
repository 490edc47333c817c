"""Build reports: the recipe behind ``nianbao build``.

1. Read and validate the data folder, once (whole-file problems stop here,
   before anything is written).
2. Work out the (unit, year) pairs; hash each one's inputs and skip those
   whose report was built from exactly these inputs (``--force`` rebuilds).
3. Build each report on a warm worker (:mod:`helpers.engine`): in this
   process, in a pool of processes, or on a Dask cluster; each report is
   written to a scratch folder and moved into place in one step.
"""

from __future__ import annotations

import os
import re
import sys
import time
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path

from . import paths, schema
from .engine import (
    Job,
    Result,
    cleanup_scratch,
    run_job,
    shared_inputs,
    tool_versions,
    unit_inputs,
    up_to_date,
)
from .errors import ParameterError
from .ledgers import Ledgers, load_ledgers, rejected_for_output
from .render import FORMATS, choose_engine, parse_formats
from .schema import UNIT_ID_PATTERN

__all__ = ["Job", "Result", "build", "parse_units", "parse_years", "plan"]


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
    ledgers: Ledgers, units: str, years: str | int, as_of: str | None, out_dir: Path, formats: tuple[str, ...],
    rejected_csv: Path | None = None,
) -> list[Job]:
    """Every report a build asks for.

    With ``--unit all`` or ``--year all``, pairs without any data are left out;
    a pair named explicitly without data is an error.

    Raises
    ------
    InputError
        Unknown unit, a year without data, a bad ``as_of``.
    """
    from .indicators import resolve_as_of

    explicit = units != "all" and str(years) != "all"
    jobs = []
    for unit in parse_units(units, ledgers):
        have = set(ledgers.years(unit))
        for year in parse_years(years, ledgers, unit):
            if year not in have:
                if explicit:
                    raise ParameterError(
                        f"year {year}: the ledgers hold no record of unit '{unit}' in that year"
                        f" (years with data: {'、'.join(map(str, sorted(have))) or 'none'})"
                    )
                continue
            resolve_as_of(year, as_of)
            jobs.append(Job(year, unit, as_of, ledgers.data_dir, out_dir, formats, rejected_csv))
    if not jobs:
        raise ParameterError(f"nothing to build: no data for --unit {units} --year {years}")
    return jobs


def _progress(total: int):
    if total and sys.stderr.isatty():
        from tqdm import tqdm

        return tqdm(total=total, unit="report", dynamic_ncols=True)
    return None


def _run_pool(todo, stamps, tools, workers, scheduler, done) -> None:
    if scheduler:
        from .distributed import run_on_dask

        run_on_dask(scheduler, todo, stamps, tools, done)
    elif workers == 1:
        for job in todo:
            done(run_job(job, stamps.get(job), tools))
    else:
        from concurrent.futures import ProcessPoolExecutor, as_completed

        with ProcessPoolExecutor(max_workers=workers) as pool:
            futures = [pool.submit(run_job, job, stamps.get(job), tools) for job in todo]
            for future in as_completed(futures):
                done(future.result())


def build(
    units: str = "all",
    years: str | int = "all",
    *,
    as_of: str | None = None,
    data_dir: Path | str | None = None,
    out_dir: Path | str | None = None,
    formats: str | tuple[str, ...] = FORMATS,
    jobs: int | None = None,
    force: bool = False,
    scheduler: str | None = None,
    allow_rejected: bool = False,
    echo: Callable[[str], None] = print,
    engine: str | None = None,
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
    force : bool
        Rebuild reports whose inputs have not changed.
    scheduler : str, optional
        ``tcp://HOST:PORT`` of a Dask scheduler to run the reports on.
    allow_rejected : bool
        Build a unit's report even when more than the allowed share of one of its
        tables was set aside (the report then says so on its first page).
    echo : callable
        Where progress lines go (when there is no terminal for a bar).
    engine : str, optional
        ``quarto``, ``builtin`` or ``auto`` (default: ``NIANBAO_ENGINE``, else
        Quarto when it is on PATH); district summaries always use the built-in engines.

    Returns
    -------
    list of Result
        One per report: built, skipped (up to date) or failed.

    Raises
    ------
    InputError
        A whole-file or parameter problem (nothing was written).
    FontError
        A font role has no Chinese font (nothing was written).
    """
    from .fonts import resolve_all

    formats = parse_formats(formats)
    engine = choose_engine(engine)  # a missing Quarto stops the build here, before anything is written
    out_dir = Path(out_dir or paths.OUTPUT_DIR).resolve()
    ledgers = load_ledgers(data_dir)
    wanted = [replace(job, engine=engine)
              for job in plan(ledgers, units, years, as_of, out_dir, formats, write_rejected(ledgers))]
    refused = [] if allow_rejected else untrusted(wanted, ledgers)
    wanted = [job for job in wanted if job not in {r.job for r in refused}]
    generic = sorted({job.unit for job in wanted
                      if paths.is_generic_prose(paths.narrative_file(job.data_dir, job.unit, job.year))})
    if generic:
        echo(f"提示：{len(generic)}个单位的报告没有本单位的文字材料（narrative/），使用随软件提供的通用稿"
             f"（{'、'.join(generic[:5])}{'等' if len(generic) > 5 else ''}）")
    choices = resolve_all()  # a role without a Chinese font stops the build here
    fonts = {role: f"{c.family}|{c.path}|{c.index}" for role, c in choices.items()}
    shared = shared_inputs()
    stamps = {job: {**shared, **unit_inputs(job, ledgers, fonts)} for job in wanted}
    todo = [job for job in wanted if force or not up_to_date(job, stamps[job])]
    results: list[Result] = [Result(job, "skipped", 0.0) for job in wanted if job not in todo] + refused
    if units == "all":  # each year's district summary, rebuilt when any of its units is
        todo += summary_jobs(wanted, todo, as_of, ledgers.data_dir, out_dir, formats)
    if todo:
        cleanup_scratch(out_dir)
        tools = tool_versions()
        workers = max(1, min(jobs or os.cpu_count() or 1, len(todo)))
        bar = _progress(len(todo))

        def done(result: Result) -> None:
            results.append(result)
            line = f"{result.status:7s} {result.job.name} ({result.seconds:.1f} s)"
            if result.error:
                line += f": {result.error}"
            if bar is not None:
                bar.update(1)
                bar.set_postfix(failed=sum(r.status == "failed" for r in results))
                if result.error:
                    bar.write(line)
            else:
                echo(line)

        start = time.perf_counter()
        _run_pool(todo, stamps, tools, workers, scheduler, done)
        if bar is not None:
            bar.close()
        echo(f"ran {len(todo)} task(s) in {time.perf_counter() - start:.1f} s with {workers} worker(s)")
    order = {job: i for i, job in enumerate(wanted + [r.job for r in results if r.job not in wanted])}
    return sorted(results, key=lambda r: order[r.job])


def untrusted(jobs: list[Job], ledgers: Ledgers) -> list[Result]:
    """Reports not written because too many of the unit's rows were set aside (each a failed result)."""
    from .engine import record_failure
    from .ledgers import over_threshold

    out = []
    for job in jobs:
        over = over_threshold(ledgers, job.unit)
        if over:
            parts = "、".join(f"{t}（{schema.TABLES[t].title}）{bad}/{total}行" for t, bad, total in over)
            message = (f"台账中被剔除的行过多，不宜据此出具报告：{parts}；请按 nianbao validate 所列改正台账，"
                       "或加 --allow-rejected 照常生成（报告首页将注明）")
            record_failure(job, message)
            out.append(Result(job, "failed", 0.0, error=message))
    return out


def write_rejected(ledgers: Ledgers) -> Path | None:
    """The folder's set-aside rows as CSV, written once per build (each report copies it)."""
    if not ledgers.rejected_rows:
        return None
    target = paths.rejected_file(ledgers.digest)
    if not target.is_file():
        target.parent.mkdir(parents=True, exist_ok=True)
        tmp = target.with_suffix(f".{os.getpid()}.tmp")
        rejected_for_output(ledgers.rejected).to_csv(tmp, index=False, encoding="utf-8-sig")
        os.replace(tmp, target)
    return target


def summary_jobs(wanted: list[Job], todo: list[Job], as_of, data_dir: Path, out_dir: Path, formats) -> list[Job]:
    """A job per year whose summary is missing or has a unit being rebuilt."""
    out = []
    for year in sorted({job.year for job in wanted}):
        missing = not (Path(out_dir) / str(year) / paths.SUMMARY_ID / "indicators.json").is_file()
        if missing or any(job.year == year for job in todo):
            out.append(Job(year, paths.SUMMARY_ID, as_of, data_dir, Path(out_dir), formats))
    return out

"""Build reports: the recipe behind ``nianbao build``.

1. Read and validate the data folder, once (whole-file problems stop here,
   before anything is written).
2. Work out the (unit, year) pairs; hash each one's inputs and skip those
   whose report was built from exactly these inputs (``--force`` rebuilds).
3. Check the output folder (created and writable, else exit 2) and lock it
   (one build at a time: a second one refuses with exit 3, or waits).
4. Build each report on a warm worker (:mod:`helpers.run.engine`): in this
   process, in a pool of processes, or on a Dask cluster; each report is
   written to a scratch folder and moved into place in one step. District
   summaries are incremental too (their inputs are their units' inputs).
5. Refresh ``index.html`` from what the folder now holds.

SIGINT or SIGTERM stops the workers and their kernels, removes scratch
folders, refreshes the page and raises :class:`~helpers.settings.errors.Interrupted`
(exit 130): what finished is in place, and the next build builds the rest.
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import shutil
import signal
import sys
import threading
import time
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path

from ..figures.kinds import get as get_kind
from ..figures.periods import DEFAULT_PERIOD, PERIODS, Period, parse_period
from ..read import schema
from ..read.ledgers import Ledgers, load_ledgers, rejected_for_output
from ..read.schema import UNIT_ID_PATTERN
from ..render.engines import FORMATS, choose_engine, parse_formats
from ..settings import paths
from ..settings.errors import Interrupted, ParameterError
from . import engine, kernel
from .engine import cleanup_scratch, run_job
from .jobs import Job, Result, batches
from .provenance import _hash_bytes, shared_inputs, tool_versions, unit_inputs, up_to_date

# How people read a report's status (progress lines and the build table).
STATUS_WORDS = {"built": "已生成", "skipped": "无变化", "failed": "失败"}

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
            f"--year“{text}”：请写年份（2024）、逗号分隔的几年（2023,2024）、起止年份（2022-2024）或 all"
        ) from None
    return sorted(set(years))


def parse_units(text: str, ledgers: Ledgers) -> list[str]:
    """``all`` or a comma-separated list of unit ids (each checked against ``units``)."""
    text = str(text).strip()
    if text == "all":
        return list(ledgers.units.index)
    units = [ledgers.unit_id_of(u.strip()) for u in re.split(r"[,，、]", text) if u.strip()]
    for unit in units:
        if not re.fullmatch(UNIT_ID_PATTERN, unit):
            raise ParameterError(f"--unit“{unit}”：单位代码由1–40位小写字母、数字或“-”组成，也可以写单位名称或简称")
        ledgers.unit(unit)
    return list(dict.fromkeys(units))


def _kind_optional_tables(kind: str) -> list[str]:
    """The optional ledgers a kind states figures of, when it states figures of no other (the 纪律教育台账)."""
    from ..figures.trust import kind_tables

    tables = kind_tables(get_kind(kind))
    return tables if tables and all(not schema.TABLES[t].required for t in tables) else []


def missing_tables(ledgers: Ledgers, kind: str) -> list[str]:
    """The Chinese names of the ledgers a kind needs that the data folder does not hold."""
    return [schema.TABLES[t].title for t in _kind_optional_tables(kind) if getattr(ledgers, t) is None]


def missing_names(ledgers: Ledgers, kind: str) -> list[str]:
    """The file names those ledgers are read from (``discipline.xlsx`` …)."""
    return [f"{t}.xlsx" for t in _kind_optional_tables(kind) if getattr(ledgers, t) is None]


def kind_holds(ledgers: Ledgers, kind: str, unit: str) -> bool:
    """Whether a unit keeps any row of the ledgers a kind needs (else it has no such report)."""
    tables = _kind_optional_tables(kind)
    return not tables or any(getattr(ledgers, t) is not None and bool((getattr(ledgers, t)["unit"] == unit).any())
                             for t in tables)


def parse_periods(text: str | None) -> list[str]:
    """``year``, ``H1``, ``Q1,Q2`` … or ``all`` (the year, both halves and the four quarters).

    A period may name its year too, as its output folder does: ``2024-H1`` is the
    first half of 2024 whatever ``--year`` says (``--year all --period year,2024-H1``:
    every year's report, and the 2024 half-year). Such entries are returned as they are.
    """
    text = str(text or DEFAULT_PERIOD).strip()
    if text == "all":
        return list(PERIODS)
    out = []
    for part in (p.strip() for p in text.split(",") if p.strip()):
        year, dash, code = part.partition("-")
        if dash and year.isdigit() and len(year) == 4:
            out.append(f"{int(year)}-{parse_period(code)}")
        else:
            out.append(parse_period(part))
    return list(dict.fromkeys(out))


def plan(
    ledgers: Ledgers, units: str, years: str | int, as_of: str | None, out_dir: Path, formats: tuple[str, ...],
    rejected_csv: Path | None = None, kinds: str | None = None, periods: str | None = None,
    reading_csv: Path | None = None,
) -> list[Job]:
    """Every report a build asks for: each unit × year × period × kind.

    With ``--unit all`` or ``--year all``, pairs without any data are left out;
    a pair named explicitly without data is an error.

    Raises
    ------
    InputError
        Unknown unit, kind or period, a year without data, a bad ``as_of``.
    """
    from ..figures.kinds import parse_kinds

    kind_ids = parse_kinds(kinds)
    for kind in list(kind_ids):
        missing = missing_tables(ledgers, kind)
        if missing and len(kind_ids) == 1:
            raise ParameterError(f"数据文件夹中没有{'、'.join(missing)}，无法生成{get_kind(kind).name}报告"
                                 f"（请放入 {'、'.join(t for t in missing_names(ledgers, kind))} 等文件）")
        if missing:  # --kind all: a kind whose ledger the folder lacks is left out (build() says so)
            kind_ids.remove(kind)
    wanted = parse_periods(periods)
    every_year = [p for p in wanted if "-" not in p]  # of each --year
    one_year = [Period(int(p[:4]), p[5:]) for p in wanted if "-" in p]  # 2024-H1: of its own year
    explicit = units != "all" and str(years) != "all"
    jobs = []
    for unit in parse_units(units, ledgers):
        have = set(ledgers.years(unit))
        pairs = [Period(y, code) for y in (parse_years(years, ledgers, unit) if every_year else [])
                 for code in every_year] + one_year
        for period in sorted(pairs, key=lambda p: (p.year, list(PERIODS).index(p.code))):
            if period.year not in have:
                if explicit:
                    raise ParameterError(
                        f"--year {period.year}：台账中没有单位 {unit} 这一年的记录"
                        f"（有数据的年份：{'、'.join(map(str, sorted(have))) or '无'}）"
                    )
                continue
            period.resolve_as_of(as_of)
            jobs += [Job(period.year, unit, as_of, ledgers.data_dir, out_dir, formats, rejected_csv, reading_csv,
                         kind=kind, period=period.code) for kind in kind_ids if kind_holds(ledgers, kind, unit)]
    if not jobs:
        raise ParameterError(f"没有可生成的报告：--unit {units} --year {years} 在台账中没有记录")
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
        try:
            for job in todo:
                done(run_job(job, stamps.get(job), tools))
        except KeyboardInterrupt:
            engine._stop_worker()
            raise
    else:
        from concurrent.futures import ProcessPoolExecutor, as_completed

        pool = ProcessPoolExecutor(max_workers=workers, initializer=engine.pool_initializer)
        try:
            futures = [pool.submit(engine.pool_run_jobs, batch, [stamps.get(job) for job in batch], tools)
                       for batch in batches(todo, workers)]
            for future in as_completed(futures):
                for result in future.result():
                    done(result)
        except KeyboardInterrupt:
            _stop_pool(pool)
            raise
        finally:
            pool.shutdown(wait=True, cancel_futures=True)


def _stop_pool(pool, grace: float = 30.0) -> None:
    """Stop every pool process: SIGTERM (each unwinds its report and kills its kernel), then SIGKILL."""
    processes = list(getattr(pool, "_processes", {}).values())
    pool.shutdown(wait=False, cancel_futures=True)
    for proc in processes:
        if proc.is_alive():
            proc.terminate()
    deadline = time.monotonic() + grace
    for proc in processes:
        proc.join(max(0.0, deadline - time.monotonic()))
        if proc.is_alive():
            proc.kill()
            proc.join(5)


@contextlib.contextmanager
def _interruptible():
    """SIGINT and SIGTERM raise KeyboardInterrupt once in this process (the main thread only)."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    kernel._STOPPING.clear()
    old = {sig: signal.getsignal(sig) for sig in (signal.SIGINT, signal.SIGTERM)}
    for sig in old:
        signal.signal(sig, engine.interrupt)
    try:
        yield
    finally:
        for sig, handler in old.items():
            signal.signal(sig, handler)


def _quiet(echo: Callable[[str], None]) -> Callable[[str], None]:
    """``echo`` that outlives a closed pipe: the build goes on, its lines go nowhere."""

    def write(line: str) -> None:
        try:
            echo(line)
        except BrokenPipeError:
            devnull = os.open(os.devnull, os.O_WRONLY)
            os.dup2(devnull, sys.stdout.fileno())
            os.close(devnull)

    return write


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
    wait: bool = False,
    dry_run: bool = False,
    echo: Callable[[str], None] = print,
    engine: str | None = None,
    kinds: str | None = None,
    periods: str | None = None,
    title_names: bool = False,
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
    wait : bool
        When another build holds the output folder, wait for it instead of refusing.
    dry_run : bool
        Build nothing: say which reports would be built and which of their inputs changed.
    echo : callable
        Where progress lines go (when there is no terminal for a bar).
    engine : str, optional
        ``quarto``, ``builtin`` or ``auto`` (default: ``NIANBAO_ENGINE``, else
        Quarto when it is on PATH); district summaries always use the built-in engines.
    kinds : str, optional
        Report kinds: ``ideology``, ``casework``, a comma list or ``all`` (default: the first kind).
    periods : str, optional
        ``year`` (default), ``H1``, ``H2``, ``Q1`` … ``Q4``, a comma list or ``all``; an
        entry may name its year (``2024-H1``: that half-year whatever ``years`` says).
    title_names : bool
        Also give each document its title as a file name in its folder
        (中共…党组2024年度意识形态工作专题报告.pdf, a hard link to report.pdf), for
        sending a folder of them by email.

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
    OutputError
        The output folder cannot be created or written (no notebook ran).
    BusyError
        Another build holds the output folder (unless ``wait``).
    Interrupted
        SIGINT or SIGTERM stopped the build; finished reports are in place.
    """
    from ..settings.fonts import resolve_all
    from ..settings.outdir import OutputLock, prepare_output

    echo = _quiet(echo)
    formats = parse_formats(formats)
    engine = choose_engine(engine)  # a missing Quarto stops the build here, before anything is written
    out_dir = Path(out_dir or paths.OUTPUT_DIR).resolve()
    kernel.start_early(units, years, kinds, periods, dry_run=dry_run, scheduler=scheduler)  # a single report
    ledgers = load_ledgers(data_dir)
    wanted = [replace(job, engine=engine)
              for job in plan(ledgers, units, years, as_of, out_dir, formats, write_rejected(ledgers), kinds, periods,
                              write_reading(ledgers))]
    refused = {} if allow_rejected else untrusted(wanted, ledgers)
    wanted = [job for job in wanted if job not in refused]
    from ..figures.kinds import parse_kinds

    for kind in parse_kinds(kinds):
        if missing_tables(ledgers, kind) and len(parse_kinds(kinds)) > 1:
            echo(f"提示：数据文件夹中没有{'、'.join(missing_tables(ledgers, kind))}，不生成{get_kind(kind).name}报告")
    generic = [job.name for job in wanted
               if paths.is_generic_prose(get_kind(job.kind).prose_file(job.data_dir, job.unit, job.year, job.period))]
    if generic:
        echo(f"提示：{len(generic)}份报告没有本单位当年的文字材料（narrative/），使用随软件提供的通用稿"
             f"（{'、'.join(generic[:5])}{'等' if len(generic) > 5 else ''}）")
    partly = _partly_generic(wanted)
    for path, empty in partly.items():
        what = ("整份文件是空的，报告全部" if not path.read_bytes().strip()
                else f"“{'”“'.join(empty)}”缺少或为空，这几部分")
        shown = path.relative_to(wanted[0].data_dir).as_posix() if path.is_relative_to(wanted[0].data_dir) \
            else paths.label(path)
        echo(f"提醒：文字材料 {shown} {what}使用通用稿")
    choices = resolve_all()  # a role without a Chinese font stops the build here
    if dry_run:
        return _dry_run(ledgers, wanted, refused, units, as_of, out_dir, formats, choices, force, echo)
    out_dir = prepare_output(out_dir)  # created and writable, before any notebook runs
    with OutputLock(out_dir, wait=wait, echo=lambda line: print(line, file=sys.stderr)), _interruptible():
        results = _build_locked(ledgers, wanted, refused, units, as_of, out_dir, formats, choices, jobs, force,
                                scheduler, echo)
        if title_names:
            title_copies([r.job for r in results if r.status != "failed"], out_dir)
        return results


def _stamps(ledgers, wanted, refused, units, as_of, out_dir, formats, choices) -> dict[Job, dict[str, str]]:
    """Every job's inputs (the district summaries' too, for ``--unit all``).

    A year's summary adds up every unit's ledgers, so a unit refused for too many
    rows set aside refuses its year's summary too (added to ``refused``).
    """
    fonts = {role: f"{c.family}|{c.path}|{c.index}" for role, c in choices.items()}
    shared = shared_inputs()
    codes: dict[str, str] = {}  # each kind's code hashed once
    stamps = {job: {**shared, **unit_inputs(job, ledgers, fonts, codes)} for job in wanted}
    if units == "all":  # each district summary (per year, period and kind), incremental like the reports
        broken: dict[tuple, list[str]] = {}
        for job in refused:
            broken.setdefault((job.year, job.period, job.kind), []).append(job.unit)
        for job, inputs in summary_stamps(wanted, stamps, shared, as_of, ledgers.data_dir, out_dir, formats).items():
            key = (job.year, job.period, job.kind)
            if key in broken:
                refused[job] = (f"全区汇总要合计各单位的台账，其中{'、'.join(broken[key])}被剔除的行过多，"
                                "不宜据此出具汇总；请先改正这些单位的台账，或加 --allow-rejected")
            else:
                stamps[job] = inputs
    return stamps


def _dry_run(ledgers, wanted, refused, units, as_of, out_dir, formats, choices, force, echo) -> list[Result]:
    """What a build would do, and why, without writing anything."""
    from .provenance import outdated

    results = []
    for job, inputs in _stamps(ledgers, wanted, refused, units, as_of, out_dir, formats, choices).items():
        why = ["--force"] if force else outdated(job, inputs)
        echo(f"{'将生成' if why else '无变化'} {job.name}" + (f"：{'、'.join(why)}" if why else ""))
        results.append(Result(job, "skipped", 0.0, error=None))
    for job, message in refused.items():
        echo(f"不生成 {job.name}：{message}")
    return results


def _build_locked(ledgers, wanted, refused, units, as_of, out_dir, formats, choices, jobs, force, scheduler, echo):
    """The part of :func:`build` that writes, run while holding the folder's lock."""
    cleanup_scratch(out_dir)  # left by an interrupted build (no other build can be writing: we hold the lock)
    stamps = _stamps(ledgers, wanted, refused, units, as_of, out_dir, formats, choices)
    everything = list(stamps)
    todo = [job for job in everything if force or not up_to_date(job, stamps[job])]
    results: list[Result] = []
    for job in everything:
        if job not in todo:
            job.error_file.unlink(missing_ok=True)  # the report is good: an old error file would lie
            results.append(Result(job, "skipped", 0.0))
    for job, message in refused.items():  # too many rows set aside: not written (exit 1)
        engine.record_failure(job, message)
        results.append(Result(job, "failed", 0.0, error=message))
    everything += list(refused)
    order = {job: i for i, job in enumerate(everything)}
    started = time.time()
    try:
        _run_todo(todo, stamps, jobs, scheduler, echo, results)
    except KeyboardInterrupt:
        cleanup_scratch(out_dir)
        _refresh_site(out_dir, ledgers)
        # a report may have been moved into place just before its result could be reported (not one
        # that was only up to date already: with --force nothing may have been written at all)
        reported = {r.job for r in results}
        late = sum(1 for job in todo if job not in reported and up_to_date(job, stamps[job])
                   and job.folder.is_dir() and job.folder.stat().st_mtime >= started)
        raise Interrupted(interrupted_line(results, len(everything), late)) from None
    _refresh_site(out_dir, ledgers)
    return sorted(results, key=lambda r: order[r.job])


def title_copies(jobs: list[Job], out_dir: Path) -> list[Path]:
    """Each document of ``jobs`` under its title too (a hard link, else a copy), beside ``report.*``."""
    from .site import download_name

    made = []
    for job in jobs:
        meta = job.folder / "indicators.json"
        if not meta.is_file():
            continue
        doc = json.loads(meta.read_text(encoding="utf-8"))
        row = {"title": doc.get("title") or "", "unit_name": doc.get("unit_name") or job.unit,
               "period_words": job.the_period.words}
        for fmt in FORMATS:
            source = job.folder / f"report.{fmt}"
            if not source.is_file():
                continue
            target = job.folder / download_name(row, fmt)
            target.unlink(missing_ok=True)
            try:
                os.link(source, target)
            except OSError:
                shutil.copyfile(source, target)
            made.append(target)
    return made


def interrupted_line(results: list[Result], wanted: int, late: int = 0) -> str:
    """The one line an interrupted build says: what was finished, what was not."""
    built = sum(r.status == "built" for r in results) + late
    failed = sum(r.status == "failed" for r in results)
    skipped = sum(r.status == "skipped" for r in results)
    left = wanted - built - failed - skipped
    text = f"已中断：本次完成 {built} 份"
    if failed:
        text += f"（另有 {failed} 份失败）"
    if skipped:
        text += f"，{skipped} 份原已是最新"
    return text + f"；未完成的 {left} 份没有写入，再次运行同一命令即可补齐。"


def _refresh_site(out_dir: Path, ledgers: Ledgers) -> None:
    from .site import write_site

    write_site(out_dir, unit_order=list(ledgers.units.index))


def _run_todo(todo, stamps, jobs, scheduler, echo, results) -> None:
    if todo:
        tools = tool_versions()
        workers = max(1, min(jobs or os.cpu_count() or 1, len(todo)))
        bar = _progress(len(todo))

        def done(result: Result) -> None:
            results.append(result)
            line = f"{STATUS_WORDS[result.status]} {result.job.name}（{result.seconds:.1f} 秒）"
            if result.error:  # the reason once, in the table at the end; here where to read it
                line += "：原因见下表"
            if bar is not None:
                bar.update(1)
                bar.set_postfix(failed=sum(r.status == "failed" for r in results))
                if result.error:
                    bar.write(line)
            else:
                echo(line)

        start = time.perf_counter()
        try:
            _run_pool(todo, stamps, tools, workers, scheduler, done)
        finally:
            if bar is not None:
                bar.close()
        echo(f"共运行 {len(todo)} 项，用时 {time.perf_counter() - start:.1f} 秒，工作进程 {workers} 个")


def _partly_generic(jobs: list[Job]) -> dict[Path, list[str]]:
    """The analysts' own prose files that leave sections out or empty (those sections take the generic prose)."""
    from ..words.narrative import left_empty

    out: dict[Path, list[str]] = {}
    for job in jobs:
        kind = get_kind(job.kind)
        path = kind.prose_file(job.data_dir, job.unit, job.year, job.period)
        if path not in out and not paths.is_generic_prose(path):
            out[path] = left_empty(path, kind.sections)
    return {p: e for p, e in out.items() if e}


def untrusted(jobs: list[Job], ledgers: Ledgers) -> dict[Job, str]:
    """Reports not to be written on figures the ledgers do not support, each with why (:mod:`helpers.figures.trust`)."""
    from ..figures.trust import refusals

    out = {}
    for job in jobs:
        period = job.the_period
        reasons = refusals(ledgers, job.unit, get_kind(job.kind), period, period.resolve_as_of(job.as_of))
        if reasons:
            out[job] = ("；".join(r.message for r in reasons) + "。请按 nianbao validate 所列改正台账，"
                        "或加 --allow-rejected 照常生成（报告首页将注明）")
    return out


def write_rejected(ledgers: Ledgers) -> Path | None:
    """The folder's set-aside rows as CSV, written once per build (each report copies it)."""
    if not ledgers.rejected_rows:
        return None
    target = paths.rejected_file(ledgers.digest)
    if not target.is_file():
        from ..settings.outdir import atomic_file

        with atomic_file(target) as tmp:
            rejected_for_output(ledgers.rejected).to_csv(tmp, index=False, encoding="utf-8-sig")
    return target


def write_reading(ledgers: Ledgers) -> Path:
    """The account of every row read (reading.csv), written once per build (each report copies it).

    Its columns are named as the office calls them; no cell value is in it.
    """
    target = paths.reading_file(ledgers.digest)
    if not target.is_file():
        from ..read.ledgers import READING_LABELS
        from ..settings.outdir import atomic_file

        with atomic_file(target) as tmp:
            titles = {name: table.title for name, table in schema.TABLES.items()}
            frame = ledgers.reading.assign(table=ledgers.reading["table"].map(titles).fillna(""))
            frame.rename(columns=READING_LABELS).to_csv(tmp, index=False, encoding="utf-8-sig")
    return target


def summary_stamps(wanted: list[Job], stamps: dict, shared: dict[str, str], as_of, data_dir: Path, out_dir: Path,
                   formats) -> dict[Job, dict[str, str]]:
    """Each district summary (per year, period and kind) and its inputs: the inputs of every unit's report in it."""
    out = {}
    groups = sorted({(job.year, job.period, job.kind) for job in wanted},
                    key=lambda g: (g[0], list(PERIODS).index(g[1]), g[2]))
    for year, period, kind in groups:
        units = {job.unit: stamps[job] for job in wanted if (job.year, job.period, job.kind) == (year, period, kind)}
        job = Job(year, paths.SUMMARY_ID, as_of, data_dir, Path(out_dir), formats, kind=kind, period=period)
        params = {"year": year, "period": period, "kind": kind, "as_of": as_of, "formats": list(formats)}
        out[job] = {**shared, "units": _hash_bytes(json.dumps(units, sort_keys=True).encode()),
                    "parameters": _hash_bytes(json.dumps(params, sort_keys=True).encode())}
    return out

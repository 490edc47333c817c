"""Benchmark the batch engine against the naive loop, side by side, in one run.

- engine: ``nianbao build`` (warm kernels, in-process rendering, default workers)
  over a matrix of reports made from the sample data (the sample's units copied),
  for every report kind and the periods asked for (``--kinds``, ``--periods``);
- naive: for each report a fresh ``papermill`` process, then a fresh render
  process, one report after another, on a subset of the same reports;
- no-op: the whole sample as ``make report`` builds it (every kind, every year,
  and the 2024 half-year), built again with nothing changed;
- soak (``--soak N``): N reports on one warm worker, its memory sampled;
- cold (``--cold N``): one report built N times with ``nianbao build --force`` in a fresh
  process each time (CLI start, kernel start, imports, the renderer's font scan): the
  median wall time (issue 24: <= 2.5 s on a quiet machine);
- county (``--county 60``): 60 units (the sample's copied), every kind, the year,
  both half-years and the four quarters of the latest year: reports per minute,
  CPU per report by stage, and each worker's and kernel's peak memory and growth.

Prints the times, the reports per minute and the ratio. Targets, on 2 cores
with the three formats html, pdf, docx (``--formats``; OFD, converted from the
PDF, is measured apart by ``bench/ofd.py`` or with ``--formats all``):
>= 150 reports a minute (issue 13; 100 in issue 4), >= 6x the naive loop, no-op
rebuild of the whole sample < 1 s, flat worker
memory over 200 reports.

Also prints the CPU seconds of the engine build (all its processes, so less
sensitive than the wall time to other load on the machine) and the time the
reports spent writing their evidence (issue 15: evidence adds at most 10 % to
a batch build), from the ``timings`` of each report's ``manifest.json``. Run
the same script with ``PYTHONPATH`` and ``NIANBAO_ROOT`` pointing at another
checkout (e.g. ``git archive`` of the commit before) to compare.

Usage: ``.venv/bin/python bench/batch.py [--copies 3] [--kinds all] [--periods year,H1] [--formats html,pdf,docx]
[--naive 6] [--soak 0] [--cold 5] [--county 60]``
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pandas as pd

from helpers.settings import paths

UNIT_COLUMNS = {"activities.csv": "单位", "casework.csv": "承办单位", "publicity.xlsx": "单位", "coverage.csv": "单位"}


def replicate(target: Path, copies: int) -> None:
    """The sample data with every unit copied ``copies`` times (ids and names suffixed)."""
    target.mkdir(parents=True)
    units = pd.read_csv(paths.DATA_DIR / "units.csv", dtype=str, keep_default_na=False)
    rename: list[dict[str, str]] = []
    frames = {"units.csv": []}
    for k in range(copies):
        mapping = {}
        for row in units.itertuples(index=False):
            mapping[row.unit_id] = f"{row.unit_id}-{k}"
            mapping[row.unit_name] = f"{row.unit_name}{k}"
        rename.append(mapping)
        frames["units.csv"].append(
            units.assign(unit_id=units.unit_id.map(mapping), unit_name=units.unit_name.map(mapping)))
    pd.concat(frames["units.csv"]).to_csv(target / "units.csv", index=False)
    for name, column in UNIT_COLUMNS.items():
        src = paths.DATA_DIR / name
        if name.endswith(".xlsx"):
            table = pd.read_excel(src, engine="calamine")
        else:
            encoding = "gb18030" if "casework" in name else "utf-8-sig"
            table = pd.read_csv(src, dtype=str, keep_default_na=False, encoding=encoding)
        parts = [table.assign(**{column: table[column].map(m)}) for m in rename]
        if "信访编号" in table:
            parts = [p.assign(信访编号=p["信访编号"] + f"-{k}") for k, p in enumerate(parts)]
        out = pd.concat(parts, ignore_index=True)
        if name.endswith(".xlsx"):
            out.to_excel(target / name, index=False)
        else:
            out.to_csv(target / name, index=False, encoding="utf-8")
    from helpers.figures.kinds import default_kind

    (target / "narrative").mkdir()
    default = paths.narrative_file(paths.DATA_DIR, "-", 0, default_kind())
    shutil.copy(default, target / "narrative" / "default.md")  # as offices do
    for k in range(copies):
        shutil.copytree(paths.DATA_DIR / "narrative" / "yeji-mzj", target / "narrative" / f"yeji-mzj-{k}")


def cpu_children() -> float:
    """CPU seconds (user + system) of every finished child process so far."""
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def run(cmd: list[str]) -> float:
    start = time.perf_counter()
    proc = subprocess.run(cmd, capture_output=True, text=True)
    if proc.returncode:
        sys.exit(f"failed: {' '.join(cmd)}\n{proc.stdout[-2000:]}\n{proc.stderr[-2000:]}")
    return time.perf_counter() - start


def evidence_share(out: Path) -> str:
    """Seconds the reports spent writing evidence, of their total, from their manifests."""
    evidence = total = 0.0
    for manifest in out.glob("*/*/*/manifest.json"):
        timings = json.loads(manifest.read_text(encoding="utf-8")).get("timings", {})
        evidence += timings.get("evidence", 0.0)
        total += timings.get("total", 0.0)
    if not total:
        return "no report timings"
    return (f"{evidence:.1f} s writing evidence (in a thread, alongside rendering) in {total:.1f} s of report time "
            f"({100 * evidence / total:.1f} %)")


def descendants(root: int) -> dict[int, tuple[str, int]]:
    """Every living descendant of ``root``: pid to command line and parent pid."""
    parents: dict[int, int] = {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
            parents[int(stat.parent.name)] = int(fields[1])
        except (OSError, IndexError, ValueError):
            continue
    found, frontier = {}, [root]
    while frontier:
        pid = frontier.pop()
        for child, parent in parents.items():
            if parent == pid and child not in found:
                try:
                    found[child] = (Path(f"/proc/{child}/cmdline").read_bytes().replace(b"\0", b" ").decode(), pid)
                except OSError:
                    continue
                frontier.append(child)
    return found


def run_sampled(cmd: list[str], every: float = 0.5) -> tuple[float, dict[int, tuple[str, list[float]]]]:
    """Run ``cmd``; return its wall time and, per descendant process, its role and RSS samples (MiB)."""
    import threading

    start = time.perf_counter()
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    samples: dict[int, tuple[str, list[float]]] = {}
    done = threading.Event()

    def sample() -> None:
        while not done.is_set():
            found = descendants(proc.pid)
            for pid, (cmdline, parent) in found.items():
                role = ("kernel" if "batch_kernel" in cmdline or "ipykernel" in cmdline
                        else "typst" if "typst_server" in cmdline
                        else "pandoc" if "writers.lua" in cmdline
                        else "other" if "resource_tracker" in cmdline
                        else "worker" if parent not in found else "other")
                mib = rss_mib(pid) if Path(f"/proc/{pid}/status").exists() else float("nan")
                if mib == mib:
                    samples.setdefault(pid, (role, []))[1].append(mib)
            done.wait(every)

    thread = threading.Thread(target=sample, daemon=True)
    thread.start()
    out, err = proc.communicate()
    done.set()
    thread.join()
    if proc.returncode:
        sys.exit(f"failed: {' '.join(cmd)}\n{out[-2000:]}\n{err[-2000:]}")
    return time.perf_counter() - start, samples


def county(nianbao: list[str], tmp: Path, units: int, formats: str, jobs: int | None) -> None:
    """The county matrix: ``units`` units (the sample's, copied), every kind, year + H1 + H2 + Q1–Q4, one year."""
    copies = -(-units // 4)
    data = tmp / "county-data"
    replicate(data, copies)
    out = tmp / "county"
    cpu = cpu_children()
    wall, samples = run_sampled([*nianbao, "build", "--unit", "all", "--data", str(data), "--out", str(out),
                                 "--kind", "all", "--period", "year,H1,H2,Q1,Q2,Q3,Q4", "--formats", formats,
                                 *(["--jobs", str(jobs)] if jobs else [])])
    cpu = cpu_children() - cpu
    documents = len(list(out.glob("*/*/*/report.pdf")))
    summaries = len(list(out.glob(f"*/*/{paths.SUMMARY_ID}/report.pdf")))
    print(f"county: {copies * 4} units x every kind x 7 periods (year, H1, H2, Q1-Q4) of the latest year = "
          f"{documents - summaries} reports + {summaries} district summaries in {wall:.1f} s = "
          f"{60 * documents / wall:.0f} reports/min; CPU {cpu:.1f} s ({cpu / documents:.2f} s per report)")
    print(f"county, per report by stage: {stage_times(out)}")
    for role in ("worker", "kernel", "typst", "pandoc"):
        runs = [rss for r, rss in samples.values() if r == role and len(rss) >= 4]
        if not runs:
            continue
        peak = max(max(rss) for rss in runs)
        # growth: from a quarter into each process's life (past its first reports) to its end; and, less
        # sensitive to the moment of the last sample, the median of its last quarter against its second
        growth = max(rss[-1] - rss[len(rss) // 4] for rss in runs)
        trend = max(statistics.median(rss[3 * len(rss) // 4:]) - statistics.median(rss[len(rss) // 4:len(rss) // 2])
                    for rss in runs)
        print(f"county, {role}s ({len(runs)}): peak {peak:.0f} MiB, growth over the run at most {growth:+.1f} MiB, "
              f"median of the last quarter against the second at most {trend:+.1f} MiB "
              f"({documents / max(1, len(runs)):.0f} documents each on average)")


def stage_times(out: Path) -> str:
    """Mean seconds per report of each stage its manifest times.

    execute (and, part of it, charts: the cells that draw them), markdown, evidence (in a thread
    beside rendering), pandoc (the one process that writes each format's Pandoc output), and each
    format's own step after it (html: Pandoc's command line, pdf: typst).
    """
    sums: dict[str, float] = {}
    count = 0
    for manifest in out.glob("*/*/*/manifest.json"):
        timings = json.loads(manifest.read_text(encoding="utf-8")).get("timings", {})
        if not timings:
            continue
        count += 1
        for stage, seconds in timings.items():
            sums[stage] = sums.get(stage, 0.0) + seconds
    if not count:
        return "no report timings"
    return f"{count} reports: " + ", ".join(f"{stage} {total / count:.3f} s" for stage, total in sums.items())


def naive(data: Path, out: Path, pairs: list[tuple[int, str]], formats: str) -> float:
    """A fresh papermill process and a fresh render process per report (the first kind's)."""
    from helpers.figures.kinds import get

    notebook = get(None).notebook
    start = time.perf_counter()
    for year, unit in pairs:
        folder = out / str(year) / unit
        folder.mkdir(parents=True)
        nb = folder / "report.ipynb"
        run([str(Path(sys.executable).parent / "papermill"), str(notebook), str(nb), "-p", "year", str(year),
             "-p", "unit", unit, "-p", "data_dir", str(data), "--cwd", str(notebook.parent),
             "-k", "python3", "--no-progress-bar"])
        run([sys.executable, "-c", "from helpers.render.engines import render; "
             f"render({str(nb)!r}, {str(folder)!r}, {formats!r})"])
    return time.perf_counter() - start


def rss_mib(pid: int) -> float:
    with open(f"/proc/{pid}/status") as fh:
        for line in fh:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return float("nan")


def soak(n: int, out: Path) -> None:
    """``n`` reports on one warm worker in this process; memory of the worker, its kernel and its typst process.

    The memory is read after every report. A process's resident size swings by tens
    of MiB from one report to the next (buffers of the render threads, allocator arenas),
    so its growth is the median of the last 40 reports against the median of reports
    21-60 (the first 20 warm the caches), not one moment against another.
    """
    from helpers.render.servers import TYPST
    from helpers.run.build import build
    from helpers.run.kernel import worker

    jobs = [("2024", "yeji-mzj"), ("2023", "yeji-rsj"), ("2022", "yeji-wjw"), ("2024", "yeji-zjj")]
    samples = []
    start = time.perf_counter()
    for i in range(n):
        year, unit = jobs[i % len(jobs)]
        build(unit, year, out_dir=out, jobs=1, force=True, echo=lambda _line: None)
        kernel = worker().kernel_pid()
        typst = TYPST.proc.pid if TYPST.proc is not None else None
        samples.append((i + 1, rss_mib(os.getpid()), rss_mib(kernel) if kernel else float("nan"),
                        rss_mib(typst) if typst else float("nan")))
    print(f"soak: {n} reports on one warm worker in {time.perf_counter() - start:.0f} s")
    for i, worker_mib, kernel_mib, typst_mib in samples:
        if i % 20 == 1 or i == n:
            print(f"  after {i:4d} reports: worker {worker_mib:6.0f} MiB, kernel {kernel_mib:6.0f} MiB, "
                  f"typst process {typst_mib:6.0f} MiB (renewed every few PDFs)")
    early, late = samples[20:60], samples[-40:]

    def growth(column: int) -> float:
        return statistics.median(s[column] for s in late) - statistics.median(s[column] for s in early)

    print(f"  growth, median of the last 40 reports against reports 21-60: worker {growth(1):+.0f} MiB, "
          f"kernel {growth(2):+.0f} MiB; worker between {min(s[1] for s in samples[20:]):.0f} and "
          f"{max(s[1] for s in samples[20:]):.0f} MiB after report 20; "
          f"typst process at most {max(t for *_, t in samples if t == t):.0f} MiB")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--copies", type=int, default=3, help="copies of the 4 sample units (x3 years each)")
    parser.add_argument("--kinds", default="all", help="report kinds of the matrix (as nianbao build --kind)")
    parser.add_argument("--periods", default="year,H1", help="periods of the matrix (as nianbao build --period)")
    parser.add_argument("--naive", type=int, default=6,
                        help="reports to run through the naive loop (0: the engine build only)")
    parser.add_argument("--soak", type=int, default=0, help="reports for the memory soak (0: skip)")
    parser.add_argument("--formats", default="html,pdf,docx",
                        help="formats of every report (as nianbao build --formats; the targets count html,pdf,docx)")
    parser.add_argument("--jobs", type=int, default=None, help="workers of the engine build (default: its own)")
    parser.add_argument("--no-matrix", dest="matrix", action="store_false",
                        help="skip the kinds x periods matrix (e.g. to time --cold or --county alone)")
    parser.add_argument("--no-noop", dest="noop", action="store_false", help="skip the no-op rebuild of the sample")
    parser.add_argument("--cold", type=int, default=0, metavar="N",
                        help="build one report N times from a cold start, print the median wall time (0: skip)")
    parser.add_argument("--county", type=int, default=0, metavar="UNITS",
                        help="also build the county matrix with this many units (60 in issue 24; 0: skip)")
    args = parser.parse_args()
    nianbao = [sys.executable, "-m", "helpers.cli"]  # the nianbao command of the checkout PYTHONPATH names
    with tempfile.TemporaryDirectory(prefix="nianbao-bench-") as tmp:
        tmp = Path(tmp)
        data = tmp / "data"
        replicate(data, args.copies)
        from helpers.figures.kinds import parse_kinds
        from helpers.render.engines import parse_formats
        from helpers.run.build import parse_periods

        kinds, periods = parse_kinds(args.kinds), parse_periods(args.periods)
        units = args.copies * 4
        if args.matrix:
            cpu = cpu_children()
            engine_s = run([*nianbao, "build", "--unit", "all", "--year", "all", "--data", str(data),
                            "--out", str(tmp / "engine"), "--kind", ",".join(kinds), "--period", ",".join(periods),
                            "--formats", args.formats,
                            *(["--jobs", str(args.jobs)] if args.jobs else [])])
            cpu = cpu_children() - cpu
            reports = len(list((tmp / "engine").glob("*/*/*/report.pdf")))  # the district summaries too
            summaries = len(list((tmp / "engine").glob(f"*/*/{paths.SUMMARY_ID}/report.pdf")))
            print(f"matrix: {units} units x 3 years x {len(kinds)} kinds ({', '.join(kinds)}) x {len(periods)} periods "
                  f"({', '.join(periods)}) = {reports - summaries} reports + {summaries} district summaries, "
                  f"{'+'.join(parse_formats(args.formats))}, {os.cpu_count()} cores")
            per_engine = engine_s / reports
            print(f"engine: {reports} documents in {engine_s:.1f} s = {60 / per_engine:.0f} reports/min "
                  f"({per_engine:.2f} s per report, warm kernels, default workers); CPU {cpu:.1f} s")
            print(f"evidence: {evidence_share(tmp / 'engine')}")
            print(f"per report, by stage (wall, in the workers): {stage_times(tmp / 'engine')}")
            if args.naive:
                naive_loop(data, tmp, args.copies, args.naive, per_engine, args.formats)
        if args.noop:
            noop_rebuild(nianbao, tmp / "sample")
        if args.soak:
            soak(args.soak, tmp / "soak")
        if args.cold:
            cold(nianbao, tmp / "cold", args.cold, args.formats)
        if args.county:
            county(nianbao, tmp, args.county, args.formats, args.jobs)


def naive_loop(data: Path, tmp: Path, copies: int, n: int, per_engine: float, formats: str) -> None:
    """The naive loop on ``n`` of the matrix's reports, and the speed-up of the engine."""
    pairs = [(y, f"{u}-{k}") for k in range(copies) for u in ("yeji-mzj", "yeji-rsj") for y in (2023, 2024)]
    pairs = pairs[:n]
    naive_s = naive(data, tmp / "naive", pairs, formats)
    per_naive = naive_s / len(pairs)
    print(f"naive:  {len(pairs)} reports in {naive_s:.1f} s = {60 / per_naive:.0f} reports/min "
          f"({per_naive:.2f} s per report, fresh papermill + fresh render process each)")
    print(f"speed-up: {per_naive / per_engine:.1f}x per report")


def cold(nianbao: list[str], out: Path, n: int, formats: str) -> None:
    """One report of the sample (2024, yeji-mzj, the first kind) built ``n`` times, each a fresh process."""
    command = [*nianbao, "build", "--unit", "yeji-mzj", "--year", "2024", "--force", "--formats", formats,
               "--out", str(out)]
    run(command)  # the ledger cache and the output folder exist, as on an analyst's machine
    times = sorted(run(command) for _ in range(n))
    cpu = cpu_children()
    run(command)
    cpu = cpu_children() - cpu
    print(f"cold: one report ({'+'.join(formats.split(','))}), nianbao build --force in a fresh process: "
          f"median {times[len(times) // 2]:.2f} s wall of {n} ({', '.join(f'{t:.2f}' for t in times)} s); "
          f"CPU {cpu:.2f} s")


def noop_rebuild(nianbao: list[str], sample_out: Path) -> None:
    """The whole sample as `make report` builds it, then built again with nothing changed."""
    command = [*nianbao, "build", "--unit", "all", "--year", "all", "--kind", "all", "--period", "year,2024-H1",
               "--out", str(sample_out)]  # as `make report` builds it
    run(command)
    noop = sorted(run(command) for _ in range(3))
    built = len(list(sample_out.glob("*/*/*/manifest.json")))
    print(f"no-op rebuild of the whole sample ({built} reports and summaries, nothing changed): "
          f"{noop[1]:.2f} s (median of 3: {', '.join(f'{t:.2f}' for t in noop)} s)")


if __name__ == "__main__":
    main()

"""The ``nianbao`` command: a thin wrapper over :mod:`helpers.build` and friends.

Exit status: 0 when everything asked for was done; 1 when a report failed (or,
for ``validate``, rows were set aside); 2 on a whole-file or parameter problem,
before anything is written.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from .errors import NianbaoError


def _add_data(p: argparse.ArgumentParser) -> None:
    p.add_argument("--data", type=Path, default=None, metavar="DIR",
                   help="data folder (default: the project's data/)")


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="nianbao", description="年报: ledgers in, annual reports out.")
    sub = parser.add_subparsers(dest="command", required=True)

    b = sub.add_parser("build", help="execute and render reports")
    b.add_argument("--year", default=None,
                   help="2024, 2023,2024, 2022-2024 or all (default: the last year in the data)")
    b.add_argument("--unit", default="all", help="a unit_id, a comma-separated list, or all (default)")
    b.add_argument("--as-of", default=None, metavar="DATE", help="cut-off date YYYY-MM-DD (default: end of year)")
    _add_data(b)
    b.add_argument("--out", type=Path, default=None, metavar="DIR", help="output root (default: output/)")
    b.add_argument("--formats", default="html,pdf,docx", help="any of html,pdf,docx (default: all three)")
    b.add_argument("--jobs", type=int, default=None, metavar="N", help="parallel workers (default: cores)")
    b.add_argument("--force", action="store_true", help="rebuild reports whose inputs have not changed")
    b.add_argument("--scheduler", default=None, metavar="tcp://HOST:PORT",
                   help="run the reports on a Dask cluster (pip install 'nianbao[dask]')")

    v = sub.add_parser("validate", help="check a data folder and list every problem")
    _add_data(v)

    sub.add_parser("doctor", help="show which font serves each role, and why")

    e = sub.add_parser("explain", help="说明一个指标如何计算，并列出所计的台账记录（文件、工作表、行号）")
    e.add_argument("indicator", help="指标编号，如 casework.on_time、casework.on_time_rate、activity.party_lecture")
    e.add_argument("--year", type=int, required=True, help="报告年度，如 2024")
    e.add_argument("--unit", required=True, help="单位代码（unit_id）；_summary 为全区汇总")
    e.add_argument("--as-of", default=None, metavar="DATE", help="统计截止日 YYYY-MM-DD（默认：年末）")
    _add_data(e)
    e.add_argument("--out", type=Path, default=None, metavar="DIR",
                   help="报告输出目录（默认：output/），用于指出核对表")

    s = sub.add_parser("site", help="write output/index.html: every report, by year and unit, offline")
    s.add_argument("--out", type=Path, default=None, metavar="DIR", help="output root (default: output/)")
    return parser


def _cmd_build(args: argparse.Namespace) -> int:
    from .build import build
    from .ledgers import load_ledgers

    year = args.year
    if year is None:
        years = load_ledgers(args.data).years()
        year = str(years[-1]) if years else "all"
    results = build(args.unit, year, as_of=args.as_of, data_dir=args.data, out_dir=args.out,
                    formats=args.formats, jobs=args.jobs, force=args.force, scheduler=args.scheduler)
    counts = {s: sum(r.status == s for r in results) for s in ("built", "skipped", "failed")}
    width = max(len(r.job.name) for r in results)
    print(f"\n{'report':{width}s}  status   seconds")
    for r in results:
        print(f"{r.job.name:{width}s}  {r.status:7s}  {r.seconds:7.1f}" + (f"  {r.error}" if r.error else ""))
    print(f"\n{counts['built']} built, {counts['skipped']} up to date, {counts['failed']} failed")
    return 1 if counts["failed"] else 0


def _cmd_validate(args: argparse.Namespace) -> int:
    from .ledgers import validate
    from .paths import DATA_DIR

    ledgers = validate(args.data or DATA_DIR)
    rej = ledgers.rejected
    counts = {name: len(getattr(ledgers, name)) for name in ("activities", "casework", "publicity", "coverage")
              if getattr(ledgers, name) is not None}
    if not rej.empty:
        widths = {c: max(len(c), *(len(str(v)) for v in rej[c])) for c in rej.columns}
        print("  ".join(f"{c:{widths[c]}s}" for c in rej.columns))
        for row in rej.itertuples(index=False):
            print("  ".join(f"{str(v):{widths[c]}s}" for c, v in zip(rej.columns, row)))
        print()
    good = ", ".join(f"{n} {t}" for t, n in counts.items())
    print(f"{len(ledgers.units)} units; good rows: {good}; "
          f"{ledgers.rejected_rows} row(s) set aside ({len(rej)} problem(s))")
    return 1 if ledgers.rejected_rows else 0


def _cmd_doctor(args: argparse.Namespace) -> int:
    from .fonts import ROLE_NAMES, ROLES, font_dirs, resolve
    from .render import quarto_available

    print("renderer:", "quarto (on PATH)" if quarto_available() else "built-in (pandoc + typst)")
    print("font folders:", ", ".join(str(d) for d in font_dirs()))
    status = 0
    for role in ROLES:
        try:
            c = resolve(role)
            print(f"{role:12s} {ROLE_NAMES[role]:10s} {c.family} [{Path(c.path).name}] — {c.reason}")
        except NianbaoError as exc:
            print(f"{role:12s} {ROLE_NAMES[role]:10s} MISSING — {exc}")
            status = 2
    return status


def _cmd_explain(args: argparse.Namespace) -> int:
    from .explain import explain
    from .ledgers import load_ledgers
    from .paths import OUTPUT_DIR

    print(explain(load_ledgers(args.data), args.unit, args.year, args.indicator, args.as_of, args.out or OUTPUT_DIR),
          end="")
    return 0


def _cmd_site(args: argparse.Namespace) -> int:
    from .site import write_site

    print(f"wrote {write_site(args.out)}")
    return 0


def main(argv: list[str] | None = None) -> int:
    """Entry point of the ``nianbao`` console script."""
    args = _parser().parse_args(argv)
    try:
        commands = {"build": _cmd_build, "validate": _cmd_validate, "doctor": _cmd_doctor, "site": _cmd_site,
                    "explain": _cmd_explain}
        return commands[args.command](args)
    except NianbaoError as exc:
        print(f"nianbao: {exc}", file=sys.stderr)
        return exc.exit_code
    except KeyboardInterrupt:
        print("nianbao: interrupted; finished reports are in place, unfinished ones were not written",
              file=sys.stderr)
        return 130


if __name__ == "__main__":
    sys.exit(main())

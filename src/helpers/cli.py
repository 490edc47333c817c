"""The ``nianbao`` command: a thin wrapper over :mod:`helpers.build` and friends.

Exit status: 0 when everything asked for was done; 1 when a report failed (or,
for ``validate``, rows were set aside); 2 on a whole-file, parameter,
configuration or output-folder problem, before anything is written; 3 when
another build holds the output folder; 130 when interrupted (SIGINT, SIGTERM).
"""

from __future__ import annotations

import argparse
import os
import signal
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
    b.add_argument("--allow-rejected", action="store_true",
                   help="某表被剔除的行超过规定比例（默认10%%）时仍生成报告，并在报告首页注明")
    b.add_argument("--scheduler", default=None, metavar="tcp://HOST:PORT",
                   help="run the reports on a Dask cluster (pip install 'nianbao[dask]')")
    b.add_argument("--engine", default=None, choices=("auto", "quarto", "builtin"),
                   help="渲染引擎：quarto（用 Quarto）、builtin（内置的 pandoc + typst）或 auto"
                        "（默认：PATH 中有 quarto 时用 Quarto；也可用环境变量 NIANBAO_ENGINE 指定）")
    b.add_argument("--wait", action="store_true", help="输出文件夹正被另一次生成占用时排队等待（默认：退出，状态码 3）")

    v = sub.add_parser("validate", help="check a data folder and list every problem")
    _add_data(v)

    i = sub.add_parser("init", help="新建一个数据文件夹：台账模板（带下拉列表）、单位名录示例和通用文字稿")
    i.add_argument("dir", type=Path, metavar="DIR", help="要新建的文件夹（不能已有文件）")
    i.add_argument("--year", type=int, default=None, help="模板的年度（默认今年）")
    i.add_argument("--project", action="store_true",
                   help="新建整个项目文件夹：data/（含示例记录）、notebooks/、_quarto.yml、config/ 和说明")
    i.add_argument("--empty", action="store_true", help="与 --project 同用：台账模板留空，不填示例记录")

    sub.add_parser("doctor", help="show which font serves each role, and why")

    s = sub.add_parser("site", help="write output/index.html: every report, by year and unit, offline")
    s.add_argument("--out", type=Path, default=None, metavar="DIR", help="output root (default: output/)")
    _add_data(s)
    s.add_argument("--wait", action="store_true", help="输出文件夹正被另一次生成占用时排队等待（默认：退出，状态码 3）")
    return parser


def _cmd_build(args: argparse.Namespace) -> int:
    from .build import build
    from .ledgers import load_ledgers

    year = args.year
    if year is None:
        years = load_ledgers(args.data).years()
        year = str(years[-1]) if years else "all"
    results = build(args.unit, year, as_of=args.as_of, data_dir=args.data, out_dir=args.out,
                    formats=args.formats, jobs=args.jobs, force=args.force, scheduler=args.scheduler,
                    allow_rejected=args.allow_rejected, engine=args.engine, wait=args.wait)
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
    from .validation import validation_lines

    ledgers = validate(args.data or DATA_DIR)
    print("\n".join(validation_lines(ledgers)))
    return 1 if ledgers.rejected_rows else 0


def _cmd_init(args: argparse.Namespace) -> int:
    from .scaffold import init_data_folder, init_project

    if args.project:
        files = init_project(args.dir, empty=args.empty, year=args.year)
        print(f"已新建项目文件夹 {args.dir}：")
    else:
        files = init_data_folder(args.dir, args.year)
        print(f"已新建数据文件夹 {args.dir}：")
    for f in files:
        print(f"  {f.relative_to(args.dir)}")
    if args.project:
        print("进入该文件夹后运行 nianbao build --unit all 即可生成报告；详见其中的 README.md。")
    else:
        print("请先在 units.csv 中填写本单位，再在各台账中逐行登记；"
              f"填好后运行 nianbao validate --data {args.dir} 检查。")
    return 0


def _cmd_doctor(args: argparse.Namespace) -> int:
    from . import paths
    from .fonts import ROLE_NAMES, ROLES, font_dirs, resolve
    from .render import engine_report

    for line in engine_report():
        print(line)
    print(f"项目文件夹：{paths.ROOT}")
    for name in (*paths.OVERRIDABLE, *(f"templates/{t}" for t in paths.template_files())):
        path = paths.resource(name)
        print(f"  {name:42s} {paths.origin(path)}  {path}")
    print("font folders:", ", ".join(str(d) for d in font_dirs()))
    status = 0
    for role in ROLES:
        try:
            c = resolve(role)
            print(f"{role:12s} {ROLE_NAMES[role]:10s} {c.family} [{Path(c.path).name}] — {c.reason}")
        except NianbaoError as exc:
            print(f"{role:12s} {ROLE_NAMES[role]:10s} MISSING — {exc}")
            status = 2
    if status == 0:
        from .docx_reference import docx_font_lines
        from .layout import page_layout

        print("\n".join(docx_font_lines(page_layout())))
    return status


def _cmd_site(args: argparse.Namespace) -> int:
    from .ledgers import load_ledgers
    from .outdir import OutputLock, prepare_output
    from .paths import OUTPUT_DIR
    from .site import write_site

    order = list(load_ledgers(args.data).units.index)  # units in the order of units.csv
    out = prepare_output(args.out or OUTPUT_DIR)
    with OutputLock(out, wait=args.wait):
        print(f"已写入 {write_site(out, order)}")
    return 0


def _stop_on_sigterm() -> None:
    """SIGTERM ends a command like Ctrl-C: quietly, with exit status 130."""

    def handler(signum, frame):
        signal.signal(signal.SIGTERM, signal.SIG_IGN)
        raise KeyboardInterrupt

    try:
        signal.signal(signal.SIGTERM, handler)
    except ValueError:  # not the main thread (main() called from a thread)
        pass


def _silence_stdout() -> None:
    """After a closed pipe (``nianbao validate | head -1``): nothing more is written, not even at exit."""
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        os.close(devnull)
    except (OSError, ValueError):
        pass


def main(argv: list[str] | None = None) -> int:
    """Entry point of the ``nianbao`` console script."""
    args = _parser().parse_args(argv)
    _stop_on_sigterm()
    try:
        from .config import check_config

        check_config()  # config/rules.yml and _quarto.yml, against their schemas, before any work
        commands = {"build": _cmd_build, "validate": _cmd_validate, "init": _cmd_init, "doctor": _cmd_doctor,
                    "site": _cmd_site}
        return commands[args.command](args)
    except NianbaoError as exc:
        print(f"nianbao: {exc}", file=sys.stderr)
        return exc.exit_code
    except KeyboardInterrupt:
        print("nianbao：已中断，没有留下写了一半的文件。", file=sys.stderr)
        return 130
    except BrokenPipeError:  # the reader went away (| head): stop quietly, as a pipe's writer does
        _silence_stdout()
        return 128 + signal.SIGPIPE if hasattr(signal, "SIGPIPE") else 1


if __name__ == "__main__":
    sys.exit(main())

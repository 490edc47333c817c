"""The ``nianbao`` command: a thin wrapper over :mod:`helpers.run.build` and friends.

Exit status: 0 when everything asked for was done; 1 when a report failed (or,
for ``validate``, rows were set aside); 2 on a whole-file, parameter,
configuration or output-folder problem, before anything is written (for
``validate``, also an error in a prose file); 3 when another build holds the
output folder; 130 when interrupted (SIGINT, SIGTERM). Everything the command
prints for people is Chinese; ids, paths and codes are not.
"""

from __future__ import annotations

import argparse
import gc
import os
import re
import signal
import sys
import unicodedata
from contextlib import contextmanager
from pathlib import Path

from .settings.errors import NianbaoError

# argparse's own words (usage, group titles, its error messages), in Chinese
_ARGPARSE_ZH = {
    "usage: ": "用法：",
    "positional arguments": "位置参数",
    "options": "选项",
    "show this help message and exit": "显示本帮助并退出",
    "%(prog)s: error: %(message)s\n": "%(prog)s：参数错误：%(message)s\n（用 -h 查看用法）\n",
    "argument %(argument_name)s: %(message)s": "参数 %(argument_name)s：%(message)s",
    "the following arguments are required: %s": "缺少必需的参数：%s",
    "unrecognized arguments: %s": "不认识的参数：%s",
    "expected one argument": "后面要跟一个值",
    "expected at most one argument": "后面最多跟一个值",
    "expected at least one argument": "后面至少要跟一个值",
    "invalid %(type)s value: %(value)r": "取值 %(value)r 无效（应为 %(type)s）",
    "invalid choice: %(value)r (choose from %(choices)s)": "没有 %(value)r 这一项（可选：%(choices)s）",
    "ambiguous option: %(option)s could match %(matches)s": "选项 %(option)s 不明确，可能是 %(matches)s",
    "not allowed with argument %s": "不能与参数 %s 同时使用",
    "one of the arguments %s is required": "参数 %s 中必须给出一个",
}


@contextmanager
def _chinese():
    """argparse speaks Chinese while this is open (it looks its words up through ``argparse._``)."""
    saved = argparse._, argparse.ngettext  # type: ignore[attr-defined]
    argparse._ = lambda text: _ARGPARSE_ZH.get(text, text)  # type: ignore[attr-defined]
    argparse.ngettext = lambda one, many, n: _ARGPARSE_ZH.get(one if n == 1 else many, one if n == 1 else many)
    try:
        yield
    finally:
        argparse._, argparse.ngettext = saved  # type: ignore[attr-defined]


_TOKENS = re.compile(r"[\x21-\x7e]+|\s+|.")
_NO_LINE_START = set("，。；：、）」』”’！？")
_NO_LINE_END = set("（「『“‘")


def _width(text: str) -> int:
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


class _Formatter(argparse.HelpFormatter):
    """Help text wrapped by display width: Chinese wraps between characters, never inside a code."""

    def _split_lines(self, text: str, width: int) -> list[str]:
        tokens: list[str] = []
        opening = ""
        for token in _TOKENS.findall(" ".join(text.split())):
            if tokens and token in _NO_LINE_START:
                tokens[-1] += token  # punctuation stays with what it follows
            elif token in _NO_LINE_END:
                opening += token  # and with what it opens
            else:
                tokens.append(opening + token)
                opening = ""
        if opening:
            tokens.append(opening)
        lines, line = [], ""
        for token in tokens:
            if line and _width(line + token.rstrip()) > width:
                lines.append(line.rstrip())
                line = "" if token.isspace() else token
            else:
                line += token
        return lines + ([line.rstrip()] if line.strip() else [])

    def _fill_text(self, text: str, width: int, indent: str) -> str:
        return "\n".join(indent + line for line in self._split_lines(text, width - len(indent)))


class _Parser(argparse.ArgumentParser):
    """An ``ArgumentParser`` whose usage, help and errors are in Chinese."""

    def __init__(self, *args, **kwargs) -> None:
        kwargs.setdefault("formatter_class", _Formatter)
        with _chinese():
            super().__init__(*args, **kwargs)

    def format_usage(self) -> str:
        with _chinese():
            return super().format_usage()

    def format_help(self) -> str:
        with _chinese():
            text = super().format_help()
        return re.sub(r"(?m)^(\S[^\n:]*):$", r"\1：", text)  # section titles end with a Chinese colon

    def parse_known_args(self, args=None, namespace=None):
        with _chinese():
            return super().parse_known_args(args, namespace)

    def parse_args(self, args=None, namespace=None):
        with _chinese():  # its own "unrecognized arguments" is looked up here, outside parse_known_args
            return super().parse_args(args, namespace)

    def error(self, message: str):
        with _chinese():
            super().error(message)


def _add_data(p: argparse.ArgumentParser) -> None:
    p.add_argument("--data", type=Path, default=None, metavar="DIR",
                   help="台账所在的数据文件夹（默认：项目的 data/）")


def _add_report(p: argparse.ArgumentParser, summary: bool = False) -> None:
    """The parameters of one report (explain, preview): year, unit, kind, period, as_of, data folder."""
    p.add_argument("--year", type=int, required=True, help="报告年份，如 2024")
    p.add_argument("--unit", required=True,
                   help="单位代码（unit_id），如 yeji-mzj" + ("；_summary 为全区汇总" if summary else ""))
    p.add_argument("--kind", default=None, help="报告类别（config/kinds.yml 中声明）：ideology（默认）、casework")
    p.add_argument("--period", default="year", help="报告期间：year（默认）、H1、H2、Q1…Q4")
    p.add_argument("--as-of", default=None, metavar="DATE", help="统计截止日期 YYYY-MM-DD（默认：期末）")
    _add_data(p)


def _add_build(b: argparse.ArgumentParser) -> None:
    """The options of ``nianbao build``."""
    b.add_argument("--year", default=None,
                   help="年份：2024、2023,2024、2022-2024 或 all（默认：数据中最近的一年）")
    b.add_argument("--unit", default="all",
                   help="单位代码（unit_id）、逗号分隔的多个单位代码，或 all（默认，全部单位）")
    b.add_argument("--kind", default=None,
                   help="报告类别：ideology（意识形态工作报告，默认）、casework（信访工作情况报告）、"
                        "逗号分隔的多个类别，或 all（config/kinds.yml 中声明的全部类别）")
    b.add_argument("--period", default=None,
                   help="报告期间：year（全年，默认）、H1/H2（上/下半年）、Q1…Q4（各季度）、逗号分隔的多个，或 all；"
                        "可带年份，如 2024-H1（只生成2024年上半年，不论 --year）")
    b.add_argument("--as-of", default=None, metavar="DATE", help="统计截止日期 YYYY-MM-DD（默认：期末）")
    _add_data(b)
    b.add_argument("--out", type=Path, default=None, metavar="DIR", help="输出文件夹（默认：output/）")
    b.add_argument("--formats", default="all",
                   help="要生成的格式，html、pdf、ofd、docx 中的一个或多个，逗号分隔，或 all（默认，全部四种；"
                        "OFD 是党政机关电子公文用的版式文档，由 PDF 转成）；"
                        "报告已有的其他格式不会丢失：输入未变时保留，输入变了一并重新生成")
    b.add_argument("--jobs", type=int, default=None, metavar="N", help="并行的工作进程数（默认：CPU 核数）")
    b.add_argument("--force", action="store_true", help="输入未变的报告也重新生成")
    b.add_argument("--allow-rejected", action="store_true",
                   help="某表被剔除的行超过规定比例（默认10%%），或有未能确认单位、类别的记录时，仍生成报告，并在报告首页注明")
    b.add_argument("--title-names", action="store_true",
                   help="另以报告标题作文件名保存各文档（如 中共…党组2024年度意识形态工作专题报告.pdf），便于打包发送")
    b.add_argument("--scheduler", default=None, metavar="tcp://HOST:PORT",
                   help="在 Dask 集群上生成报告（需先 pip install 'nianbao[dask]'）")
    b.add_argument("--engine", default=None, choices=("auto", "quarto", "builtin"),
                   help="渲染引擎：quarto（用 Quarto）、builtin（内置的 pandoc + typst）或 auto"
                        "（默认：PATH 中有 quarto 时用 Quarto；也可用环境变量 NIANBAO_ENGINE 指定）")
    b.add_argument("--wait", action="store_true", help="输出文件夹正被另一次生成占用时排队等待（默认：退出，状态码 3）")
    b.add_argument("--dry-run", action="store_true", help="只列出将生成哪些报告、哪些输入变了，不生成")


def _parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="nianbao", description="年报：由台账生成年度工作报告（HTML、PDF、OFD、DOCX）。")
    sub = parser.add_subparsers(dest="command", required=True, title="命令", metavar="命令")

    _add_build(sub.add_parser("build", help="执行笔记本并生成报告",
                              description="执行笔记本并生成报告；输入未变的报告跳过。"))

    v = sub.add_parser("validate", help="检查数据文件夹（台账和文字材料），列出每一个问题",
                       description="检查数据文件夹：台账的每一行、narrative/ 下的每份文字材料。")
    _add_data(v)

    i = sub.add_parser("init", help="新建一个数据文件夹：台账模板（带下拉列表）、单位名录示例和通用文字稿",
                       description="新建一个数据文件夹（或用 --project 新建整个项目文件夹）。")
    i.add_argument("dir", type=Path, metavar="DIR", help="要新建的文件夹（不能已有文件）")
    i.add_argument("--year", type=int, default=None, help="模板的年度（默认今年）")
    i.add_argument("--project", action="store_true",
                   help="新建整个项目文件夹：data/（含示例记录）、notebooks/、_quarto.yml、config/ 和说明")
    i.add_argument("--empty", action="store_true", help="与 --project 同用：台账模板留空，不填示例记录")

    d = sub.add_parser("doctor", help="显示排版引擎、正在使用的配置文件，以及每种字体角色用的字体及原因",
                       description="显示排版引擎、正在使用的配置文件（项目的或默认的），以及每种字体角色用的字体及原因。")
    d.add_argument("--install-font-aliases", action="store_true",
                   help="让 LibreOffice 等程序用本机的免费字体显示 DOCX 中的办公字体名（仿宋_GB2312、方正小标宋简体、"
                        "黑体、楷体_GB2312）：root 用户写入系统的 fontconfig 配置，其他用户写入 ~/.config/fontconfig")

    e = sub.add_parser("explain", help="说明一个指标如何计算，并列出所计的台账记录（文件、工作表、行号）",
                       description="说明一个指标如何计算（规则、时限、统计区间），并列出所计的台账记录；"
                                   "比率同时列出分子和分母的记录。")
    e.add_argument("indicator", help="指标编号，如 casework.on_time、casework.on_time_rate、activity.party_lecture")
    _add_report(e, summary=True)
    e.add_argument("--out", type=Path, default=None, metavar="DIR",
                   help="报告输出目录（默认：output/），用于指出核对表")

    s = sub.add_parser("site", help="生成 output/index.html：按年份和单位列出全部报告，可离线浏览",
                       description="生成 output/index.html：按年份和单位列出全部报告，可离线浏览。")
    s.add_argument("--out", type=Path, default=None, metavar="DIR", help="输出文件夹（默认：output/）")
    _add_data(s)
    s.add_argument("--wait", action="store_true", help="输出文件夹正被另一次生成占用时排队等待（默认：退出，状态码 3）")

    from .run import preview, render_notebook

    preview.add_parser(sub, _add_report)
    render_notebook.add_parser(sub)
    return parser




def _cmd_build(args: argparse.Namespace) -> int:
    from .read.ledgers import load_ledgers
    from .run.build import STATUS_WORDS as _STATUS
    from .run.build import build

    year = args.year
    if year is None:
        years = load_ledgers(args.data).years()
        year = str(years[-1]) if years else "all"
    results = build(args.unit, year, as_of=args.as_of, data_dir=args.data, out_dir=args.out,
                    formats=args.formats, jobs=args.jobs, force=args.force, scheduler=args.scheduler,
                    allow_rejected=args.allow_rejected, engine=args.engine, wait=args.wait, dry_run=args.dry_run,
                    kinds=args.kind, periods=args.period, title_names=args.title_names)
    if args.dry_run:
        return 0
    counts = {s: sum(r.status == s for r in results) for s in _STATUS}
    width = max(len(r.job.name) for r in results)
    print(f"\n{'报告':{width - 2}s}  状态　  用时（秒）")
    for r in results:
        line = f"{r.job.name:{width}s}  {_STATUS[r.status]:\u3000<3}  {r.seconds:7.1f}"
        print(line + (f"  {r.error}" if r.error else ""))
    print(f"\n已生成 {counts['built']} 份，无变化跳过 {counts['skipped']} 份，失败 {counts['failed']} 份")
    return 1 if counts["failed"] else 0


def _cmd_validate(args: argparse.Namespace) -> int:
    from .document.report import prose_placeholders
    from .read.ledgers import validate
    from .read.validation import validation_lines
    from .settings.errors import NarrativeError
    from .settings.paths import DATA_DIR
    from .words.narrative import check_folder, prose_files

    ledgers = validate(args.data or DATA_DIR)
    print("\n".join(validation_lines(ledgers)))
    status = 1 if ledgers.rejected_rows else 0
    problems = check_folder(ledgers.data_dir, prose_placeholders(ledgers))
    for problem in problems:
        print(("错误  " if problem.error else "提醒  ") + str(problem))
    errors = sum(p.error for p in problems)
    print(f"文字材料 {len(prose_files(ledgers.data_dir))} 份：错误 {errors} 处，提醒 {len(problems) - errors} 处")
    return NarrativeError.exit_code if errors else status


def _cmd_init(args: argparse.Namespace) -> int:
    from .run.scaffold import init_data_folder, init_project

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
    from .render.engines import engine_report
    from .settings import paths
    from .settings.fonts import ROLE_NAMES, ROLES, font_dirs, resolve

    if getattr(args, "install_font_aliases", False):
        from .render.docx_reference import install_font_aliases

        print(f"已写入字体别名：{install_font_aliases()}（LibreOffice 打开 DOCX 时用本机免费字体显示办公字体）")
        return 0
    for line in engine_report():
        print(line)
    print(f"项目文件夹：{paths.ROOT}")
    for name in (*paths.OVERRIDABLE, *(f"templates/{t}" for t in paths.template_files())):
        path = paths.resource(name)
        print(f"  {name:42s} {paths.origin(path)}  {path}")
    print("字体文件夹：", "、".join(str(d) for d in font_dirs()))
    status = 0
    for role in ROLES:
        try:
            c = resolve(role)
            print(f"{ROLE_NAMES[role]:10s} {c.family} [{Path(c.path).name}] — {c.reason}（_quarto.yml 中的 {role}）")
        except NianbaoError as exc:
            print(f"{ROLE_NAMES[role]:10s} 缺少字体 — {exc}（_quarto.yml 中的 {role}）")
            status = 2
    if status == 0:
        from .render.docx_reference import docx_font_lines
        from .settings.layout import page_layout

        print("\n".join(docx_font_lines(page_layout())))
    return status


def _cmd_explain(args: argparse.Namespace) -> int:
    from .read.ledgers import load_ledgers
    from .run.explain import explain
    from .settings.paths import OUTPUT_DIR

    print(explain(load_ledgers(args.data), args.unit, args.year, args.indicator, args.as_of, args.out or OUTPUT_DIR,
                  kind=args.kind, period=args.period), end="")
    return 0


def _cmd_site(args: argparse.Namespace) -> int:
    from .read.ledgers import load_ledgers
    from .run.site import write_site
    from .settings.outdir import OutputLock, prepare_output
    from .settings.paths import OUTPUT_DIR

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


def _start_kernel_early(argv: list[str]) -> None:
    """For ``nianbao build`` of a single report, start its kernel before anything else is read or imported.

    The kernel's start and imports take longest of a single report's build; the full
    parser imports every subcommand's module (about 0.2 s), so the build's own options
    are read first, on their own. Anything they cannot read is left to the full parser.
    """
    if not argv or argv[0] != "build":
        return
    request = argparse.ArgumentParser(add_help=False, exit_on_error=False)
    _add_build(request)
    try:
        args, _ = request.parse_known_args(argv[1:])
    except (argparse.ArgumentError, SystemExit):
        return
    from .run.kernel import start_early

    start_early(args.unit, args.year, args.kind, args.period, dry_run=args.dry_run, scheduler=args.scheduler)


def main(argv: list[str] | None = None) -> int:
    """Entry point of the ``nianbao`` console script (through :func:`run`)."""
    argv = sys.argv[1:] if argv is None else list(argv)
    _stop_on_sigterm()
    try:
        _start_kernel_early(argv)  # a single report's kernel boots while the rest is read
        args = _parser().parse_args(argv)
        from .settings.config import check_config

        check_config()  # config/rules.yml and _quarto.yml, against their schemas, before any work
        commands = {"build": _cmd_build, "validate": _cmd_validate, "init": _cmd_init, "doctor": _cmd_doctor,
                    "site": _cmd_site, "explain": _cmd_explain}
        if args.command not in commands:  # subcommands kept in their own modules
            return args.run(args)
        return commands[args.command](args)
    except NianbaoError as exc:
        print(f"nianbao：{exc}", file=sys.stderr)
        return exc.exit_code
    except KeyboardInterrupt:
        print("nianbao：已中断，没有留下写了一半的文件。", file=sys.stderr)
        return 130
    except BrokenPipeError:  # the reader went away (| head): stop quietly, as a pipe's writer does
        _silence_stdout()
        return 128 + signal.SIGPIPE if hasattr(signal, "SIGPIPE") else 1


def run() -> None:
    """The ``nianbao`` command: :func:`main`, then exit without the interpreter's last collection.

    Every object is frozen (:func:`gc.freeze`) before the interpreter ends: its
    final garbage collection, over all that pandas and matplotlib loaded, took
    about 0.3 s of every command. Every file is closed by then; exit handlers
    (the kernel's shutdown) still run.
    """
    code = main()
    gc.freeze()
    sys.exit(code)


if __name__ == "__main__":
    run()

"""The ``nianbao`` command: a thin wrapper over :mod:`helpers.build` and friends.

Exit status: 0 when everything asked for was done; 1 when a report failed (or,
for ``validate``, rows were set aside); 2 on a whole-file or parameter problem,
before anything is written (for ``validate``, also an error in a prose file).
Everything the command prints for people is Chinese; ids, paths and codes are not.
"""

from __future__ import annotations

import argparse
import re
import sys
import unicodedata
from contextlib import contextmanager
from pathlib import Path

from .errors import NianbaoError

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

    def error(self, message: str):
        with _chinese():
            super().error(message)


def _add_data(p: argparse.ArgumentParser) -> None:
    p.add_argument("--data", type=Path, default=None, metavar="DIR",
                   help="台账所在的数据文件夹（默认：项目的 data/）")


def _parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="nianbao", description="年报：由台账生成年度工作报告（HTML、PDF、DOCX）。")
    sub = parser.add_subparsers(dest="command", required=True, title="命令", metavar="命令")

    b = sub.add_parser("build", help="执行笔记本并生成报告", description="执行笔记本并生成报告；输入未变的报告跳过。")
    b.add_argument("--year", default=None,
                   help="年份：2024、2023,2024、2022-2024 或 all（默认：数据中最近的一年）")
    b.add_argument("--unit", default="all",
                   help="单位代码（unit_id）、逗号分隔的多个单位代码，或 all（默认，全部单位）")
    b.add_argument("--as-of", default=None, metavar="DATE", help="统计截止日期 YYYY-MM-DD（默认：年末）")
    _add_data(b)
    b.add_argument("--out", type=Path, default=None, metavar="DIR", help="输出文件夹（默认：output/）")
    b.add_argument("--formats", default="html,pdf,docx",
                   help="要生成的格式，html、pdf、docx 中的一个或多个，逗号分隔（默认：全部三种）；"
                        "报告已有的其他格式不会丢失：输入未变时保留，输入变了一并重新生成")
    b.add_argument("--jobs", type=int, default=None, metavar="N", help="并行的工作进程数（默认：CPU 核数）")
    b.add_argument("--force", action="store_true", help="输入未变的报告也重新生成")
    b.add_argument("--scheduler", default=None, metavar="tcp://HOST:PORT",
                   help="在 Dask 集群上生成报告（需先 pip install 'nianbao[dask]'）")

    v = sub.add_parser("validate", help="检查数据文件夹（台账和文字材料），列出每一个问题",
                       description="检查数据文件夹：台账的每一行、narrative/ 下的每份文字材料。")
    _add_data(v)

    sub.add_parser("doctor", help="显示每种字体角色用的是哪款字体及原因",
                   description="显示每种字体角色用的是哪款字体及原因。")

    s = sub.add_parser("site", help="生成 output/index.html：按年份和单位列出全部报告，可离线浏览",
                       description="生成 output/index.html：按年份和单位列出全部报告，可离线浏览。")
    s.add_argument("--out", type=Path, default=None, metavar="DIR", help="输出文件夹（默认：output/）")

    from . import preview, render_notebook

    preview.add_parser(sub, _add_data)
    render_notebook.add_parser(sub)
    return parser


_STATUS = {"built": "已生成", "skipped": "无变化", "failed": "失败"}


def _cmd_build(args: argparse.Namespace) -> int:
    from .build import build
    from .ledgers import load_ledgers

    year = args.year
    if year is None:
        years = load_ledgers(args.data).years()
        year = str(years[-1]) if years else "all"
    results = build(args.unit, year, as_of=args.as_of, data_dir=args.data, out_dir=args.out,
                    formats=args.formats, jobs=args.jobs, force=args.force, scheduler=args.scheduler)
    counts = {s: sum(r.status == s for r in results) for s in _STATUS}
    width = max(len(r.job.name) for r in results)
    print(f"\n{'报告':{width - 2}s}  状态　  用时（秒）")
    for r in results:
        line = f"{r.job.name:{width}s}  {_STATUS[r.status]:\u3000<3}  {r.seconds:7.1f}"
        print(line + (f"  {r.error}" if r.error else ""))
    print(f"\n已生成 {counts['built']} 份，无变化跳过 {counts['skipped']} 份，失败 {counts['failed']} 份")
    return 1 if counts["failed"] else 0


def _cmd_validate(args: argparse.Namespace) -> int:
    from . import schema
    from .errors import NarrativeError
    from .ledgers import validate
    from .narrative import check_folder, prose_files
    from .paths import DATA_DIR
    from .report import prose_placeholders

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
    good = "，".join(f"{schema.TABLES[t].title} {n} 行" for t, n in counts.items())
    print(f"单位 {len(ledgers.units)} 个；合格记录：{good}；"
          f"未纳入统计 {ledgers.rejected_rows} 行（问题 {len(rej)} 处）")
    status = 1 if ledgers.rejected_rows else 0
    problems = check_folder(ledgers.data_dir, prose_placeholders(ledgers))
    for problem in problems:
        print(("错误  " if problem.error else "提醒  ") + str(problem))
    errors = sum(p.error for p in problems)
    print(f"文字材料 {len(prose_files(ledgers.data_dir))} 份：错误 {errors} 处，提醒 {len(problems) - errors} 处")
    return NarrativeError.exit_code if errors else status


def _cmd_doctor(args: argparse.Namespace) -> int:
    from .fonts import ROLE_NAMES, ROLES, font_dirs, resolve
    from .render import quarto_available

    print("排版引擎：", "Quarto（已在 PATH 中）" if quarto_available() else "内置（pandoc + typst）")
    print("字体文件夹：", "、".join(str(d) for d in font_dirs()))
    status = 0
    for role in ROLES:
        try:
            c = resolve(role)
            print(f"{role:12s} {ROLE_NAMES[role]:10s} {c.family} [{Path(c.path).name}] — {c.reason}")
        except NianbaoError as exc:
            print(f"{role:12s} {ROLE_NAMES[role]:10s} 缺少字体（MISSING）— {exc}")
            status = 2
    return status


def _cmd_site(args: argparse.Namespace) -> int:
    from .site import write_site

    print(f"已写入 {write_site(args.out)}")
    return 0


def main(argv: list[str] | None = None) -> int:
    """Entry point of the ``nianbao`` console script."""
    args = _parser().parse_args(argv)
    try:
        commands = {"build": _cmd_build, "validate": _cmd_validate, "doctor": _cmd_doctor, "site": _cmd_site}
        if args.command not in commands:  # subcommands kept in their own modules
            return args.run(args)
        return commands[args.command](args)
    except NianbaoError as exc:
        print(f"nianbao：{exc}", file=sys.stderr)
        return exc.exit_code
    except KeyboardInterrupt:
        print("nianbao：已中断；已完成的报告都在原处，未完成的没有写入", file=sys.stderr)
        return 130


if __name__ == "__main__":
    sys.exit(main())

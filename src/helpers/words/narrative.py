"""The analysts' own prose: sections, and placeholders for computed figures.

A narrative file (``narrative/<unit_id>/<year>.md`` or ``narrative/default.md``)
is Markdown with level-2 sections, in this order::

    ## 开篇                 opening paragraph(s)
    ## 工作开展情况          with level-3 subsections, numbered （一）（二）…
    ## 存在问题和短板        prose; problems found in the data are added after it
    ## 工作谋划              with level-3 subsections, numbered （一）（二）…

A file may open with a YAML block setting the date under the signature, when
it is not ``as_of``::

    ---
    signed: 2024-12-28
    ---

Placeholders in braces are filled from the report: ``{casework.total}``,
``{casework.on_time_rate}``, ``{activity.party_lecture.prior}``,
``{casework.total.change}`` (a phrase such as 同比增长17.9%), ``{unit_name}``,
``{party_org}``, ``{recipient}``, ``{year}``, ``{next_year}``, ``{as_of}``, and
the computed sentences ``{text.activities}``, ``{text.casework}``,
``{text.publicity}``, ``{text.coverage}``. Write ``{{`` and ``}}`` for literal
braces. A mistake is an error naming the file and line (第6行), with the
nearest known placeholder or section suggested: an unknown (misspelt)
placeholder, full-width braces ｛…｝ typed with a Chinese input method, an
unclosed brace, a heading that is not one of the sections, text before the
first section. An empty or missing section is a warning. ``nianbao validate``
checks every prose file of the data folder (:func:`check_folder`).
"""

from __future__ import annotations

import difflib
import re
import warnings
from collections.abc import Callable, Collection
from dataclasses import dataclass, field
from pathlib import Path

from ..settings.errors import NarrativeError

# one token of a line: an escaped brace, a placeholder (half- or full-width braces), or a lone brace
_TOKEN = re.compile(r"\{\{|\}\}|[{｛]([^{}｛｝\n]*)[}｝]|[{｛]|[}｝]")
_NAME_START = re.compile(r"\s*[A-Za-z_]")
_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_.]*")
_BAD_HEADING = re.compile(r"^(#{2,3})(?=[^#\s])|^[＃]{2,3}")


class NarrativeWarning(UserWarning):
    """A prose file that builds, but probably not as meant (an empty or missing section)."""


@dataclass(frozen=True)
class Problem:
    """One mistake in a prose file: where it is, what to fix, and whether it stops the build."""

    path: str
    line: int | None
    message: str
    error: bool = True

    def __str__(self) -> str:
        where = f"{self.path}，第{self.line}行" if self.line else self.path
        return f"{where}：{self.message}"


@dataclass
class Section:
    """A level-2 section: its own paragraphs and its level-3 subsections."""

    paragraphs: list[str] = field(default_factory=list)
    subsections: list[tuple[str, list[str]]] = field(default_factory=list)


def suggest(name: str, known: Collection[str]) -> str | None:
    """The known name nearest to ``name`` (difflib), or ``None`` when none is close."""
    close = difflib.get_close_matches(name, list(known), n=1, cutoff=0.6)
    return close[0] if close else None


def _unknown(name: str, known: Collection[str]) -> str:
    near = suggest(name, known)
    hint = f"是不是 {{{near}}}？" if near else "可用的占位符见 README 的“写文字材料”一节。"
    return f"占位符 {{{name}}} 不存在，{hint}"


def scan(text: str, known: Collection[str], *, source: str = "<text>", first_line: int = 1,
         values: dict[str, str] | None = None) -> tuple[str, list[Problem]]:
    """Check (and, given ``values``, fill) the placeholders of ``text``.

    Parameters
    ----------
    text : str
        Prose, possibly over several lines.
    known : collection of str
        The placeholder names a report fills.
    source : str
        The file named in problems.
    first_line : int
        The file's line number of the first line of ``text``.
    values : dict, optional
        Placeholder name to text; without it the text is returned unchanged.

    Returns
    -------
    text : str
        ``text`` with its placeholders filled (and ``{{``/``}}`` unescaped) when ``values`` is given.
    problems : list of Problem
        Full-width braces, unclosed or stray braces, unknown placeholders.
    """
    problems: list[Problem] = []

    def sub(match: re.Match[str]) -> str:
        token = match.group(0)
        line = first_line + text.count("\n", 0, match.start())
        if token in ("{{", "}}"):
            return token[0]
        name = match.group(1)
        if name is None:  # a lone brace
            rest = text[match.end():].split("\n", 1)[0]
            if token in "{｛" and (token == "{" or _NAME_START.match(rest)):
                word = re.match(r"\s*([A-Za-z0-9_.]*)", rest).group(1)
                near = suggest(word, known) if word else None
                hint = f"应写作 {{{near}}}" if near else "占位符要用 } 结尾"
                problems.append(Problem(source, line, f"花括号没有闭合：“{token}{rest[:20]}”，{hint}"
                                                      "（要写花括号本身请用 {{ }}）"))
            elif token == "}":
                problems.append(Problem(source, line, "多余的右花括号“}”（要写花括号本身请用 }}）"))
            return token
        name = name.strip()
        if token[0] == "｛" or token[-1] == "｝":
            if not _NAME.fullmatch(name):  # ｛附件｝ in prose is text, not a placeholder
                return token
            fix = name if name in known else suggest(name, known)
            hint = f"请改为半角 {{{fix}}}" if fix else "请改为半角花括号 { }"
            problems.append(Problem(source, line, f"“{token}”用了全角花括号，{hint}"))
            return token
        if name not in known:
            problems.append(Problem(source, line, _unknown(name, known)))
            return token
        return values[name] if values is not None else token

    filled = _TOKEN.sub(sub, text)
    return (filled if values is not None else text), problems


def fill(text: str, values: dict[str, str], *, source: str = "<text>", first_line: int = 1) -> str:
    """Replace ``{name}`` placeholders in ``text`` with ``values[name]``.

    Raises
    ------
    NarrativeError
        On an unknown placeholder, full-width or unclosed braces: names ``source``, the line and
        the placeholder, and suggests the nearest known one.
    """
    filled, problems = scan(text, values, source=source, first_line=first_line, values=values)
    if problems:
        raise NarrativeError("\n".join(map(str, problems)))
    return filled


def front_matter(path: Path) -> dict:
    """The YAML block at the top of a narrative file (``{}`` when there is none).

    Raises
    ------
    NarrativeError
        When the block is not valid YAML, or ``signed`` is not a date.
    """
    import datetime as dt

    import yaml

    text = read_prose(path)
    if not text.startswith("---\n"):
        return {}
    end = text.find("\n---", 4)
    if end < 0:
        raise NarrativeError(f"{path}，第1行：开头的“---”块没有用另一行“---”结束")
    try:
        meta = yaml.safe_load(text[4:end]) or {}
    except yaml.YAMLError as exc:
        raise NarrativeError(f"{path}：开头的“---”块不是有效的 YAML（{exc}）") from None
    if "signed" in meta and not isinstance(meta["signed"], dt.date):
        raise NarrativeError(f"{path}：signed（落款日期）要写成 2024-12-28 这样的日期")
    return meta


def kind_of(path: Path) -> str:
    """The report kind a prose file is written for: ``2024-H1.casework.md`` is ``casework``.

    A file name without ``.<kind>`` (``2024.md``, ``default.md``) belongs to the first
    kind of ``config/kinds.yml``; an unknown kind is an error naming the file.
    """
    from ..figures.kinds import default_kind, kinds

    parts = Path(path).name.split(".")
    if len(parts) <= 2:
        return default_kind()
    if parts[1] not in kinds():
        raise NarrativeError(f"{path}：文件名中的“{parts[1]}”不是已声明的报告类别（可用：{'、'.join(kinds())}）；"
                             "文件名写作 2024.md、2024-H1.md 或 2024.casework.md")
    return parts[1]


def sections_of(kind: str | None = None) -> tuple[str, ...]:
    """The prose sections of a report kind (the first kind's by default)."""
    from ..figures.kinds import get

    return get(kind).sections


def read(path: Path, known: Collection[str], values: dict[str, str] | None = None,
         sections_wanted: Collection[str] | None = None) -> tuple[dict[str, Section], list[Problem]]:
    """Read a narrative file into sections and collect every problem in it.

    Parameters
    ----------
    path : Path
        The Markdown file.
    known : collection of str
        The placeholder names a report fills.
    values : dict, optional
        Placeholder name to text, to fill the sections with.

    Returns
    -------
    sections : dict
        Section name (one of the kind's sections, ``config/kinds.yml``) to :class:`Section`.
    problems : list of Problem
        Errors (bad placeholders, unknown headings, text outside sections) and warnings
        (empty or missing sections), in the order of the file.
    """
    source = str(path)
    wanted = tuple(sections_wanted) if sections_wanted is not None else sections_of(kind_of(path))
    sections: dict[str, Section] = {name: Section() for name in wanted}
    seen: dict[str, int] = {}
    problems: list[Problem] = []
    current: Section | None = None
    sub: list[str] | None = None
    para: list[str] = []
    para_line = 0
    known_list = f"{'、'.join('## ' + s for s in wanted)}"

    def text_of(raw: str, first: int) -> str:
        filled, found = scan(raw, known, source=source, first_line=first, values=values)
        problems.extend(found)
        return filled

    def flush() -> None:
        nonlocal para
        if para:
            text = text_of("\n".join(para), para_line).strip()
            if current is not None:
                (sub if sub is not None else current.paragraphs).append(text)
        para = []

    in_comment = in_front = orphan = False
    for number, raw in enumerate(read_prose(path).splitlines(), start=1):
        line = raw.rstrip()
        if number == 1 and line == "---" or in_front:
            in_front = not (in_front and line == "---")
            continue
        if in_comment or line.lstrip().startswith("<!--"):
            in_comment = "-->" not in line
            continue
        if line.startswith("# "):
            continue
        if _BAD_HEADING.match(line):
            problems.append(Problem(source, number, f"“{line[:20]}”：标题的井号要用半角“#”，井号后空一格，"
                                                    f"例如“## 开篇”"))
            continue
        if line.startswith("## "):
            flush()
            name = line[3:].strip()
            if name not in sections:
                near = suggest(name, wanted)
                hint = f"是不是“## {near}”？" if near else ""
                problems.append(Problem(source, number, f"“## {name}”不是报告的小节，{hint}"
                                                        f"可用的小节：{known_list}"))
                current, sub, orphan = None, None, True  # its text is not reported again
                continue
            current, sub = sections[name], None
            seen.setdefault(name, number)
            continue
        if line.startswith("### "):
            flush()
            if current is None:
                problems.append(Problem(source, number, f"小标题“{line[4:].strip()}”前面没有“## ”小节"
                                                        f"（可用的小节：{known_list}）"))
                continue
            sub = []
            current.subsections.append((text_of(line[4:].strip(), number), sub))
            continue
        if not line.strip():
            flush()
            continue
        if current is None:
            if not orphan:
                problems.append(Problem(source, number, f"文字写在了第一个“## ”小节之前（可用的小节：{known_list}）"))
                orphan = True
            continue
        if not para:
            para_line = number
        para.append(line.strip())
    flush()
    for name in wanted:
        section = sections[name]
        if name not in seen:
            problems.append(Problem(source, None, f"缺少“## {name}”一节，报告中这一部分使用通用稿",
                                    error=False))
        elif not section.paragraphs and not any(paras for _, paras in section.subsections):
            problems.append(Problem(source, seen[name], f"“## {name}”一节是空的，报告中这一部分使用通用稿",
                                    error=False))
    return sections, sorted(problems, key=lambda p: (p.line or 10**9))


def parse(path: Path, values: dict[str, str], sections: Collection[str] | None = None) -> dict[str, Section]:
    """Read a narrative file and fill its placeholders.

    Parameters
    ----------
    path : Path
        The Markdown file.
    values : dict
        Placeholder name to text.

    Returns
    -------
    dict
        Section name (one of the kind's sections, ``config/kinds.yml``) to :class:`Section`.

    Raises
    ------
    NarrativeError
        Every error of the file, one a line: unknown or misspelt placeholder, full-width or
        unclosed braces, unknown section, text outside any section. Warnings (empty or missing
        sections) are issued as :class:`NarrativeWarning`.
    """
    found, problems = read(path, values, values, sections)
    errors = [p for p in problems if p.error]
    if errors:
        raise NarrativeError("\n".join(map(str, errors)))
    for p in problems:
        warnings.warn(str(p), NarrativeWarning, stacklevel=2)
    return found


def prose_files(data_dir: Path) -> list[Path]:
    """Every prose file of a data folder (``narrative/**/*.md``), sorted."""
    from ..settings import paths

    base = Path(data_dir) / paths.NARRATIVE_SUBDIR
    return sorted(base.rglob("*.md")) if base.is_dir() else []


def check_folder(data_dir: Path, known_for: Callable[[Path], tuple[set[str], set[str]]]) -> list[Problem]:
    """Check every prose file of a data folder, as ``nianbao validate`` does.

    Parameters
    ----------
    data_dir : Path
        The data folder.
    known_for : callable
        For a prose file, the placeholder names every report using it fills, and those only
        some of them fill (a table some units lack).

    Returns
    -------
    list of Problem
        Every error and warning of every file.
    """
    problems: list[Problem] = []
    for path in prose_files(data_dir):
        shown = path.relative_to(Path(data_dir)).as_posix()
        known, partial = known_for(path)
        try:
            front_matter(path)
            kind_of(path)
        except NarrativeError as exc:
            problems.append(Problem(shown, None, str(exc).split("：", 1)[-1]))
            continue
        for p in read(path, known | partial)[1]:
            problems.append(Problem(shown, p.line, p.message, p.error))
        problems += _partial(path, shown, known, partial)
        problems += _pasted(path, shown)
    return problems


# What Word and web pages leave in pasted text: non-breaking, zero-width and other odd spaces.
_PASTED = re.compile("[\u00a0\u2002\u2003\u2009\u200b\u200c\u200d\u2060\ufeff\u3000]")
_PASTED_AS = str.maketrans({"\u00a0": " ", "\u2002": " ", "\u2003": " ", "\u2009": " ", "\u200b": None,
                            "\u200c": None, "\u200d": None, "\u2060": None, "\ufeff": None})


def left_empty(path: Path, sections: Collection[str]) -> list[str]:
    """The sections of ``sections`` that a prose file leaves out or empty (they take the generic prose)."""
    try:
        found, _problems = read(path, set(), None, sections)
    except NarrativeError:
        return []
    return [name for name in sections if name in found and not found[name].paragraphs
            and not any(paras for _, paras in found[name].subsections)]


def read_prose(path: Path) -> str:
    """A prose file as text, in any encoding ledgers are read in (UTF-8, BOM, GBK/GB18030, UTF-16).

    Notepad and WPS on a Chinese Windows save GBK; Word-paste spaces
    (non-breaking, zero-width) are made plain spaces or removed; full-width
    spaces at a line's start (the two-character indent typed by hand) stay.

    Raises
    ------
    NarrativeError
        When the file is in none of those encodings.
    """
    from ..read.sheets import _utf8
    from ..settings.errors import UnreadableFileError

    try:
        text = _utf8(Path(path).read_bytes(), str(path)).decode("utf-8-sig")
    except UnreadableFileError as exc:
        raise NarrativeError(str(exc).replace("另存为 .xlsx", "另存为 UTF-8 编码的文本")) from None
    return text.replace("\r\n", "\n").translate(_PASTED_AS)


def _pasted(path: Path, shown: str) -> list[Problem]:
    """A 提醒 for each line with spaces pasted from Word (they print as gaps)."""
    from ..read.sheets import _utf8

    try:
        raw = _utf8(Path(path).read_bytes(), str(path)).decode("utf-8-sig")
    except Exception:
        return []
    out = []
    for number, line in enumerate(raw.splitlines(), start=1):
        odd = _PASTED.findall(line.lstrip("\u3000"))
        if any(ch != "\u3000" for ch in odd):
            out.append(Problem(shown, number, "有从 Word 或网页粘贴带来的特殊空格（不换行空格、零宽字符），"
                                              "已按普通空格处理，请检查这一行的排版", error=False))
    return out


def _partial(path: Path, shown: str, known: set[str], partial: set[str]) -> list[Problem]:
    """Placeholders that only some of the reports using ``path`` can fill."""
    out = []
    for number, line in enumerate(read_prose(path).splitlines(), start=1):
        for match in _TOKEN.finditer(line):
            name = (match.group(1) or "").strip()
            if match.group(0)[0] == "{" and name in partial and name not in known:
                out.append(Problem(shown, number, f"占位符 {{{name}}} 只有部分单位有数据"
                                                  "（其他单位缺少相应台账），用这份文字材料的报告会出错"))
    return out

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
braces. An unknown placeholder is an error naming the file, line and
placeholder.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

from .errors import NarrativeError

SECTIONS = ("开篇", "工作开展情况", "存在问题和短板", "工作谋划")
_PLACEHOLDER = re.compile(r"\{\{|\}\}|\{([^{}\n]*)\}")


@dataclass
class Section:
    """A level-2 section: its own paragraphs and its level-3 subsections."""

    paragraphs: list[str] = field(default_factory=list)
    subsections: list[tuple[str, list[str]]] = field(default_factory=list)


def fill(text: str, values: dict[str, str], *, source: str = "<text>", first_line: int = 1) -> str:
    """Replace ``{name}`` placeholders in ``text`` with ``values[name]``.

    Raises
    ------
    NarrativeError
        On an unknown placeholder: names ``source``, the line and the placeholder.
    """

    def sub(match: re.Match[str]) -> str:
        token = match.group(0)
        if token == "{{":
            return "{"
        if token == "}}":
            return "}"
        name = match.group(1).strip()
        if name not in values:
            line = first_line + text.count("\n", 0, match.start())
            raise NarrativeError(
                f"{source}, line {line}: unknown placeholder {{{name}}}"
                " (see the placeholders listed in helpers/narrative.py)"
            )
        return values[name]

    return _PLACEHOLDER.sub(sub, text)


def front_matter(path: Path) -> dict:
    """The YAML block at the top of a narrative file (``{}`` when there is none).

    Raises
    ------
    NarrativeError
        When the block is not valid YAML, or ``signed`` is not a date.
    """
    import datetime as dt

    import yaml

    text = path.read_text(encoding="utf-8-sig")
    if not text.startswith("---\n"):
        return {}
    end = text.find("\n---", 4)
    if end < 0:
        raise NarrativeError(f"{path}, line 1: the block opened by '---' is never closed")
    try:
        meta = yaml.safe_load(text[4:end]) or {}
    except yaml.YAMLError as exc:
        raise NarrativeError(f"{path}: the block at the top is not valid YAML ({exc})") from None
    if "signed" in meta and not isinstance(meta["signed"], dt.date):
        raise NarrativeError(f"{path}: signed must be a date written as 2024-12-28")
    return meta


def parse(path: Path, values: dict[str, str]) -> dict[str, Section]:
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
        Section name (one of :data:`SECTIONS`) to :class:`Section`.

    Raises
    ------
    NarrativeError
        Unknown placeholder, unknown section, or text outside any section.
    """
    sections: dict[str, Section] = {name: Section() for name in SECTIONS}
    current: Section | None = None
    sub: list[str] | None = None
    para: list[str] = []
    para_line = 0

    def flush() -> None:
        nonlocal para
        if para:
            text = fill("\n".join(para), values, source=str(path), first_line=para_line)
            (sub if sub is not None else current.paragraphs).append(text.strip())
        para = []

    in_comment = False
    in_front = False
    for number, raw in enumerate(path.read_text(encoding="utf-8-sig").splitlines(), start=1):
        line = raw.rstrip()
        if number == 1 and line == "---" or in_front:
            in_front = not (in_front and line == "---")
            continue
        if in_comment or line.lstrip().startswith("<!--"):
            in_comment = "-->" not in line
            continue
        if line.startswith("# "):
            continue
        if line.startswith("## "):
            flush()
            name = line[3:].strip()
            if name not in sections:
                raise NarrativeError(
                    f"{path}, line {number}: unknown section '{name}'"
                    f" (use {', '.join(SECTIONS)})"
                )
            current, sub = sections[name], None
            continue
        if line.startswith("### "):
            flush()
            if current is None:
                raise NarrativeError(f"{path}, line {number}: a subsection before any '## ' section")
            title = fill(line[4:].strip(), values, source=str(path), first_line=number)
            sub = []
            current.subsections.append((title, sub))
            continue
        if not line.strip():
            flush()
            continue
        if current is None:
            raise NarrativeError(f"{path}, line {number}: text before the first '## ' section")
        if not para:
            para_line = number
        para.append(line.strip())
    flush()
    return sections

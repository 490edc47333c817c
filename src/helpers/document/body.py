"""A report's Markdown, put together in its kind's skeleton (``config/kinds.yml``): the metadata block,
the body from the title to the signature, and the attachment's tables.

The prose comes filled from :mod:`helpers.words.fill`, the tables from
:mod:`helpers.document.tables`; text from the ledgers is escaped so that it shows as typed.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import yaml

from ..figures.trust import first_page_warning, refusals
from ..words.fill import problems_from_data, sections
from ..words.narrative import Section
from ..words.phrasing import LEADS, cn_date, md_escape
from .tables import TABLES

if TYPE_CHECKING:
    from .report import Report

CN_NUMBERS = "一二三四五六七八九十"


def attachment_title(r: Report) -> str:
    """The attachment's title (also named in the 附件 line under the body)."""
    return f"{r.period.words}主要指标与图表"


def rejected_warning(r: Report) -> str:
    """The first page's warning when the figures are not fully supported (built with --allow-rejected)."""
    return first_page_warning(refusals(r.ledgers, r.unit["unit_id"], r.kind, r.indicators.period,
                                       r.indicators.as_of))


def metadata_markdown(r: Report) -> str:
    """The YAML metadata block: title, recipient, issuer and date for the templates."""
    lines = [f"{r.issuer()}{r.period.words}", r.kind.titles[r.period.kind.family]]
    meta = {
        "title": "\\\n".join(md_escape(line) for line in lines),
        "title-lines": [md_escape(line) for line in lines],
        "pagetitle": r.title(),
        "lang": "zh-CN",
        "recipient": md_escape(r.unit["recipient"]),
        "issuer": md_escape(r.issuer()),
        "date": cn_date(r.signed()),
        "unit-id": r.unit["unit_id"],
        "year": r.year,
    }
    return "---\n" + yaml.safe_dump(meta, allow_unicode=True, sort_keys=False) + "---\n"


def _numbered(section: Section) -> list[str]:
    out = []
    for i, (title, paras) in enumerate(section.subsections):
        out.append(f"## （{CN_NUMBERS[i] if i < 10 else i + 1}）{title}")
        out += paras
    return out


def body_markdown(r: Report) -> str:
    """The report from its title to the signature, in Pandoc Markdown, in the kind's skeleton."""
    s = sections(r)
    out = [metadata_markdown(r)]
    if r.unit["recipient"]:
        out.append(f"::: {{.recipient}}\n{md_escape(r.unit['recipient'])}：\n:::")
    warning = rejected_warning(r)
    if warning:
        out.append(f"**{warning}**")
    number_of = 0
    for part in r.kind.body:
        section = s[part.section]
        if part.heading:
            heading = part.heading.format(next=r.period.next_words)
            out.append(f"# {CN_NUMBERS[number_of]}、{heading}")
            number_of += 1
        out += section.paragraphs
        out += _numbered(section)
        found = problems_from_data(r, part.problems) if part.problems else []
        if found:
            out.append("对照台账数据和有关制度规定，还存在以下不足：")
            out += [f"{lead}{text}" for lead, text in zip(LEADS, found)]
    out.append(f"::: {{.attachment-note}}\n附件：{attachment_title(r)}\n:::")
    out.append(
        "::: {.signature}\n"
        f"{md_escape(r.issuer())}\n\n{cn_date(r.signed())}\n:::"
    )
    return "\n\n".join(out) + "\n"


def appendix_markdown(r: Report) -> str:
    """The attachment: heading and the kind's tables (表1 …), as ``appendix:`` lists them."""
    out = ["::: {.attachment}\n附件\n:::", f"# {attachment_title(r)} {{.unnumbered .attachment-title}}"]
    shown = [t for t in (TABLES[b](r) for b in r.kind.appendix if b in TABLES) if t is not None]
    for i, table in enumerate(shown, start=1):
        out.append(f"::: {{.caption}}\n表{i}　{table.caption}\n:::")
        out.append(f"::: {{.table-note}}\n{table.note}\n:::")
        out.append(table.markdown)
    return "\n\n".join(out) + "\n"

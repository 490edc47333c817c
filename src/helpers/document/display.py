"""What a report's notebook displays: each piece of the report as Markdown for the renderer and HTML for
JupyterLab, its charts, and its figures as a machine-readable output.
"""

from __future__ import annotations

import os
from typing import TYPE_CHECKING

from ..settings import paths
from ..settings.config import quarto as quarto_config

if TYPE_CHECKING:
    from .report import Report

INDICATORS_MIME = "application/vnd.nianbao.indicators+json"


class ReportMarkdown:
    """A piece of the report as one display object: Markdown for the renderer, HTML for JupyterLab.

    The renderer (nbconvert's Markdown template, Quarto) takes ``text/markdown``;
    JupyterLab shows ``text/html``: the report's screen style, title block,
    recipient, signature and tables, as the HTML report will look.

    Parameters
    ----------
    text : str
        Pandoc Markdown, possibly opening with the report's YAML metadata block.
    """

    def __init__(self, text: str) -> None:
        self.text = text

    def __repr__(self) -> str:
        return self.text

    def _repr_markdown_(self) -> str:
        return self.text

    def _repr_html_(self) -> str | None:
        if os.environ.get(paths.LAB_HTML_ENV) == "0":
            return None
        return lab_html(self.text)


def lab_html(text: str) -> str:
    """Pandoc Markdown as an HTML fragment styled like the HTML report, scoped to its own box.

    Parameters
    ----------
    text : str
        Pandoc Markdown; an opening YAML block becomes the title block.

    Returns
    -------
    str
        ``<div class="nianbao-lab">`` with a scoped copy of ``templates/report.css``.
    """
    import subprocess

    from pypandoc import get_pandoc_path

    from ..render.engines import MARKDOWN_READER, split_metadata

    meta, text = split_metadata(text)
    proc = subprocess.run([get_pandoc_path(), "-f", MARKDOWN_READER, "--lua-filter", str(paths.template("nianbao.lua")),
                           "-t", "html5"],  # the filter as in the HTML report (its evidence section is HTML already)
                          input=text.encode("utf-8"), capture_output=True)
    if proc.returncode != 0:
        from ..settings.errors import RenderError

        raise RenderError(f"pandoc 无法转换这段 Markdown：{proc.stderr.decode('utf-8', 'replace')[:300]}")
    body = proc.stdout.decode("utf-8")
    if meta.get("title-lines"):
        from html import escape

        title = "<br />".join(escape(str(line)) for line in meta["title-lines"])
        body = f'<header id="title-block-header"><h1 class="title">{title}</h1></header>\n{body}'
    return f'<div class="nianbao-lab"><style>{_lab_css()}</style>{body}</div>'


def _lab_css() -> str:
    """``templates/report.css`` scoped to ``.nianbao-lab`` (page rules on the box, print rules left out)."""
    import re

    css = (paths.ROOT / quarto_config()["format"].get("html", {}).get("css", "templates/report.css")).read_text(
        encoding="utf-8")
    css = re.sub(r"/\*.*?\*/", "", css, flags=re.S)
    css = re.sub(r"@media[^{]*\{(?:[^{}]*\{[^{}]*\})*[^{}]*\}", "", css)
    out = []
    for selectors, rules in re.findall(r"([^{}]+)\{([^{}]*)\}", css):
        scoped = []
        for sel in selectors.split(","):
            sel = sel.strip()
            if sel in ("html", ":root"):
                continue
            scoped.append(".nianbao-lab" if sel == "body" else f".nianbao-lab {sel}")
        if scoped:
            out.append(f"{', '.join(scoped)} {{{rules.strip()}}}")
    variables = re.search(r":root\s*\{([^{}]*)\}", css)
    if variables:
        out.insert(0, f".nianbao-lab {{{variables.group(1).strip()}}}")
    # a box in the notebook, not a page in a browser
    out.append(".nianbao-lab { margin: 0; padding: 1.5em 2.5em; max-width: 46em; }")
    return "\n".join(out)


def show_markdown(text: str) -> None:
    """Display a piece of the report: Markdown for the renderer, HTML for JupyterLab (:class:`ReportMarkdown`)."""
    from IPython.display import display

    display(ReportMarkdown(text))


def show_charts(report: Report) -> None:
    """Display each chart with its caption (figure number, then the image, its figures as its alternative text)."""
    from IPython.display import Image, display

    for i, chart in enumerate(report.charts(), start=1):
        display(ReportMarkdown(f"::: {{.caption}}\n图{i}　{chart.caption}\n:::"))
        display(Image(data=chart.png, format="png", metadata={"alt": chart.alt(i)}))


def publish_indicators(report: Report) -> None:
    """Display ``indicators.json`` as a machine-readable output (hidden in the report)."""
    from IPython.display import display

    ind = report.indicators
    keys = report.kind.chosen(ind.items)  # the kind's figures
    data = {**ind.as_json(report.kind.id, keys), "title": report.title()}  # the title names the site's downloads
    display({INDICATORS_MIME: data, "text/plain": f"已输出{len(data['indicators'])}项指标"}, raw=True)
    from ..words.evidence import publish_rows  # the rows behind each figure, for the engine's evidence files

    publish_rows(ind.only(keys), report.ledgers.digest)

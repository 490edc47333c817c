"""``nianbao render NOTEBOOK``: the documents of a notebook already executed, without re-executing it.

For a notebook run by ``papermill`` directly (or run and saved in JupyterLab):
its outputs go through the same renderer as ``nianbao build`` into HTML, PDF
and DOCX, and its published figures into ``indicators.json``.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from ..render.engines import FORMATS
from ..settings.errors import ParameterError, ReportError

__all__ = ["add_parser", "markdown_only", "render_notebook"]


def render_notebook(notebook: str | Path, out_dir: str | Path | None = None,
                    formats: str | tuple[str, ...] = FORMATS) -> dict[str, Path]:
    """Render an executed notebook into ``out_dir`` (default: the notebook's folder).

    Parameters
    ----------
    notebook : str or Path
        The executed notebook, relative to the current folder or absolute.
    out_dir : str or Path, optional
        Where ``report.<format>`` and ``indicators.json`` go; created when missing.
    formats : str or tuple
        Any of html, pdf, docx.

    Returns
    -------
    dict
        Format (and ``indicators``) to the file written.

    Raises
    ------
    ParameterError
        The notebook is missing or unreadable.
    ReportError
        The notebook was not executed, or a cell of it failed.
    """
    import nbformat

    from ..document.display import INDICATORS_MIME
    from ..render.engines import parse_formats, render

    formats = parse_formats(formats)
    path = Path(notebook).expanduser().resolve()
    if not path.is_file():
        raise ParameterError(f"找不到笔记本 {notebook}（相对路径从当前文件夹 {Path.cwd()} 算起）")
    try:
        nb = nbformat.read(path, as_version=4)
    except Exception as exc:
        raise ParameterError(f"{path} 不是可读的 Jupyter 笔记本（{type(exc).__name__}）") from None
    code = [c for c in nb.cells if c.cell_type == "code"]
    for index, cell in enumerate(nb.cells):
        for output in cell.get("outputs", []):
            if output.get("output_type") == "error":
                raise ReportError(f"{path} 的第{index + 1}个单元格执行出错（{output.get('ename')}："
                                  f"{output.get('evalue')}），请改正后重新执行再生成")
    if code and not any(c.get("outputs") for c in code):
        raise ReportError(f"{path} 还没有执行结果：请先用 papermill 执行，或在 JupyterLab 中运行全部单元格后保存")
    target = Path(out_dir).expanduser().resolve() if out_dir is not None else path.parent
    target.mkdir(parents=True, exist_ok=True)
    written = render(markdown_only(nb), target, formats)
    for cell in nb.cells:
        for output in cell.get("outputs", []):
            data = output.get("data", {}).get(INDICATORS_MIME)
            if data is not None:
                written["indicators"] = target / "indicators.json"
                written["indicators"].write_text(json.dumps(data, ensure_ascii=False, indent=2) + "\n",
                                                 encoding="utf-8")
    return written


def markdown_only(nb):
    """A copy of ``nb`` whose report pieces keep their Markdown only (JupyterLab's HTML view dropped).

    The built-in renderer prefers the Markdown anyway; Quarto ranks ``text/html`` first for HTML.
    """
    import copy

    nb = copy.deepcopy(nb)
    for cell in nb.cells:
        for output in cell.get("outputs", []):
            data = output.get("data", {})
            if "text/markdown" in data:
                data.pop("text/html", None)
    return nb


def add_parser(sub) -> None:
    """Add ``render`` to the ``nianbao`` command's subcommands."""
    r = sub.add_parser("render", help="把已执行的笔记本（papermill 或 JupyterLab 保存的）生成报告，不重新执行",
                       description="把已执行的笔记本生成 HTML、PDF、OFD、DOCX 和 indicators.json，不重新执行。")
    r.add_argument("notebook", type=Path, metavar="NOTEBOOK", help="已执行的笔记本（.ipynb），相对或绝对路径")
    r.add_argument("--out", type=Path, default=None, metavar="DIR", help="输出文件夹（默认：笔记本所在的文件夹）")
    r.add_argument("--formats", default="all",
                   help="要生成的格式，html、pdf、ofd、docx 中的一个或多个，逗号分隔，或 all（默认，全部四种）")
    r.set_defaults(run=_run)


def _run(args: argparse.Namespace) -> int:
    written = render_notebook(args.notebook, args.out, args.formats)
    for name, path in written.items():
        print(f"已写入 {name:10s} {path}")
    return 0

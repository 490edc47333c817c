"""A stand-in for the ``quarto`` program, for testing the Quarto path where Quarto is absent.

It does what nianbao asks of ``quarto render`` the way Quarto 1.10 does it (as
issue 14 found it), with pandoc from ``pypandoc_binary`` and the ``typst`` wheel:

- ``quarto --version`` prints a version;
- ``quarto render report.ipynb --to F`` inside a project (``_quarto.yml`` in the
  working folder): ``F`` is one format name or ``all``; a comma list is read as
  one unknown format name, as Quarto does inside a project;
- each code cell's outputs become Markdown in Quarto's shape: the cell in a
  ``.cell`` Div, each output in a ``.cell-output .cell-output-display`` Div;
- the project's top-level keys and the format's own keys are the document's
  metadata (given to pandoc as a metadata file, so values are read as Markdown);
- the reader is plain ``markdown``: Quarto ignores ``east_asian_line_breaks``;
- typst: pandoc writes the format's template, typst compiles it with the
  format's ``font-paths`` joined onto the project folder (a leading "/" too,
  as Quarto does) and the system's standard font folders only;
- HTML without ``minimal: true`` gets Bootstrap's scripts inlined, as Quarto's does;
- the document's metadata comes only from the front matter (a first raw cell
  opening with ``---``): a YAML block inside a cell's output is not read;
- a cell's metadata other than its tags (papermill's execution times) becomes
  ``quarto-private-N`` attributes of its Div (``data-quarto-private-N`` in HTML);
- ``date`` is read as a date and written with ``date-format`` ("Invalid Date"
  when it is not one); Quarto's own keys join the metadata (DOCX custom properties);
- typst tables are bare ``#table(...)``, not pandoc's ``#figure(..., kind: table)``;
- an image output's alternative text comes only from the cell's ``#| fig-alt``
  option (one value, or a list with one per output), written as the image's
  ``fig-alt`` attribute; the output's own metadata is not read
  (all as a real Quarto 1.10.18 was seen to do, or its source says).

Failures print ``ERROR: ...`` then a Deno stack trace on stderr and exit 1.
Each call appends its arguments and the project's ``_quarto.yml`` to the JSON
lines file named by ``FAKE_QUARTO_LOG``.
"""

from __future__ import annotations

import base64
import json
import os
import re
import subprocess
import sys
from pathlib import Path

import yaml

VERSION = "1.10.18"
FORMATS = ("html", "typst", "docx")
OUTPUT_FILE = {"html": "report.html", "typst": "report.pdf", "docx": "report.docx"}
# format options Quarto acts on itself (the rest of a format's keys is metadata)
OPTIONS = {"template", "reference-doc", "css", "embed-resources", "minimal", "font-paths", "toc", "keep-typ"}
STACK = "\n".join(f"    at {name} (file:///opt/quarto/bin/quarto.js:{line}:{col})" for name, line, col in (
    ("renderFormats", 80231, 15), ("async render", 80502, 21), ("async renderFiles", 81011, 35),
    ("async renderProject", 81777, 20), ("async Command.fn", 83420, 32), ("async Command.execute", 4103, 7),
    ("async quarto", 127554, 5), ("async file:///opt/quarto/bin/quarto.js", 127580, 9),
) * 3)


BARE_TABLE = re.compile(r"#figure\(\n\s*align\(center\)\[(#table\(.*?\n\s*\))\]\n\s*, kind: table\n\s*\)", re.S)


# keys Quarto adds to every document's metadata (a DOCX lists them among its custom properties)
QUARTO_KEYS = {"biblio-config": True, "header-includes": "", "include-after": "", "include-before": "",
               "labels": "", "toc-title": "目录"}


def quarto_date(value, pattern: str | None) -> str:
    """A ``date`` as Quarto writes it: parsed as a date, then formatted (YYYY, M, D of dayjs here)."""
    import datetime

    try:
        day = value if isinstance(value, datetime.date) else datetime.date.fromisoformat(str(value))
    except ValueError:
        return "Invalid Date"
    pattern = pattern or "YYYY-MM-DD"
    return pattern.replace("YYYY", f"{day.year}").replace("MM", f"{day.month:02}").replace(
        "DD", f"{day.day:02}").replace("M", f"{day.month}").replace("D", f"{day.day}")


class QuartoFailure(Exception):
    pass


def cell_markdown(nb, work: Path, fmt: str) -> str:
    """The executed notebook as Quarto's Jupyter engine writes it: cells and outputs in Divs."""
    out = []
    for index, cell in enumerate(nb["cells"]):
        if cell["cell_type"] == "raw":  # the front matter, as a first raw cell: the document's metadata
            text = "".join(cell["source"])
            if index == 0 and text.startswith("---"):
                meta = yaml.safe_load(text.strip().strip("-")) or {}
                if "date" in meta:
                    meta["date"] = quarto_date(meta["date"], meta.get("date-format"))
                out.append("---\n" + yaml.safe_dump(meta, allow_unicode=True) + "---\n\n")
            continue
        if cell["cell_type"] == "markdown":
            out.append("".join(cell["source"]) + "\n\n")
            continue
        parts = []
        source = "".join(cell.get("source", ""))
        options = yaml.safe_load("\n".join(line[3:] for line in source.splitlines() if line.startswith("#| "))) or {}
        for number, output in enumerate(cell.get("outputs", []), start=1):
            data = output.get("data", {})
            markdown = data.get("text/markdown")
            if markdown is not None:
                text = markdown if isinstance(markdown, str) else "".join(markdown)
                if text.startswith("---\n"):  # a YAML block in an output is not the document's metadata
                    end = text.find("\n---\n", 4)
                    text = text[end + 5:] if end > 0 else text
                parts.append("\n::: {.cell-output .cell-output-display .cell-output-markdown}\n"
                             + text.rstrip("\n") + "\n:::\n")
            elif "image/png" in data:
                name = f"report_files/figure-{fmt}/cell-{index + 1}-output-{number}.png"
                (work / name).parent.mkdir(parents=True, exist_ok=True)
                (work / name).write_bytes(base64.b64decode(data["image/png"]))
                alt = options.get("fig-alt")  # one for the cell, or a list: one per output
                alt = alt[number - 1] if isinstance(alt, list) else alt
                attrs = "{fig-alt='" + alt.replace("'", "\\'") + "'}" if alt else ""
                parts.append(f"\n::: {{.cell-output .cell-output-display}}\n![]({name}){attrs}\n:::\n")
        if parts:
            count = cell.get("execution_count")
            # cell metadata other than tags (papermill's execution times) as Quarto's private attributes
            private = {k: v for k, v in (cell.get("metadata") or {}).items() if k != "tags"}
            attrs = "".join(f" quarto-private-{i}=\"{json.dumps({k: v}).replace(chr(34), '&quot;')}\""
                            for i, (k, v) in enumerate(private.items(), start=1))
            out.append("::: {.cell" + (f" execution_count={count}" if count else "") + attrs + "}\n"
                       + "".join(parts) + ":::\n\n")
    return "".join(out)


def _pandoc(args: list[str], cwd: Path) -> None:
    from pypandoc import get_pandoc_path

    proc = subprocess.run([get_pandoc_path(), *args], cwd=cwd, capture_output=True, text=True)
    if proc.returncode != 0:
        raise QuartoFailure(f"pandoc failed: {proc.stderr.strip()}")


def _system_font_dirs() -> list[str]:
    home = Path.home()
    dirs = [Path("/usr/share/fonts"), Path("/usr/local/share/fonts"), home / ".fonts", home / ".local/share/fonts"]
    return [str(d) for d in dirs if d.is_dir()]


def render_format(nb, work: Path, project: dict, fmt: str, out_dir: Path) -> Path:
    options = dict((project.get("format") or {}).get(fmt) or {})
    meta = {k: v for k, v in project.items() if k not in ("project", "format", "filters", "execute")}
    meta.update({k: v for k, v in options.items() if k not in OPTIONS})
    meta.update(QUARTO_KEYS)
    meta_file = work / f"_meta-{fmt}.yml"
    meta_file.write_text(yaml.safe_dump(meta, allow_unicode=True), encoding="utf-8")
    md = work / f"report-{fmt}.md"
    md.write_text(cell_markdown(nb, work, fmt), encoding="utf-8")
    common = [md.name, "-f", "markdown", "--metadata-file", meta_file.name]
    for lua in project.get("filters") or []:
        common += ["--lua-filter", str(lua)]
    target = out_dir / OUTPUT_FILE[fmt]
    if fmt == "html":
        css = ["--css", options["css"]] if options.get("css") else []
        _pandoc([*common, "-t", "html5", "-s", "--embed-resources", *css, "-o", str(target)], work)
        if not options.get("minimal"):
            html = target.read_text(encoding="utf-8")
            bootstrap = ('<script>/* Bootstrap v5.3.1 */ a.href="javascript:void(0)";</script>'
                         '<style>.d-none{display:none!important}</style>')
            target.write_text(html.replace("</head>", bootstrap + "</head>"), encoding="utf-8")
    elif fmt == "docx":
        ref = ["--reference-doc", options["reference-doc"]] if options.get("reference-doc") else []
        _pandoc([*common, "-t", "docx", *ref, "-o", str(target)], work)
    else:
        import typst

        template = ["--template", options["template"]] if options.get("template") else []
        _pandoc([*common, "-t", "typst", *template, "-o", "report.typ"], work)
        typ = work / "report.typ"  # Quarto's typst has bare tables, not pandoc's #figure(kind: table)
        typ.write_text(BARE_TABLE.sub(r"\1", typ.read_text(encoding="utf-8")), encoding="utf-8")
        font_paths = [str(work / str(p).lstrip("/")) for p in options.get("font-paths") or []]
        try:
            standard = str(options.get("pdf-standard") or "none")  # Quarto passes it to typst
            typst.compile(input=str(work / "report.typ"), output=str(target), root=str(work),
                          font_paths=font_paths + _system_font_dirs(), ignore_system_fonts=True,
                          **({"pdf_standards": [standard]} if standard != "none" else {}))
        except Exception as exc:  # typst prints its error, then Quarto its own
            print("\n".join(f"error: {line}" for line in str(exc).strip().splitlines()[:1]), file=sys.stderr)
            raise QuartoFailure("Typst compilation failed") from None
    return target


def render(args: list[str]) -> None:
    work = Path.cwd()
    if not args or "--to" not in args:
        raise QuartoFailure("this stand-in needs: render FILE --to FORMAT")
    source, to = args[0], args[args.index("--to") + 1]
    config = work / "_quarto.yml"
    project = yaml.safe_load(config.read_text(encoding="utf-8")) if config.is_file() else {}
    if to == "all":
        formats = list((project.get("format") or {}) or ["html"])
    elif to in FORMATS:
        formats = [to]
    else:
        raise QuartoFailure(f"Unknown format {to}")
    out_dir = work / (args[args.index("--output-dir") + 1] if "--output-dir" in args
                      else (project.get("project") or {}).get("output-dir", "."))
    out_dir.mkdir(parents=True, exist_ok=True)
    nb = json.loads((work / source).read_text(encoding="utf-8"))
    for fmt in formats:
        render_format(nb, work, project, fmt, out_dir)


def main(argv: list[str]) -> int:
    log = os.environ.get("FAKE_QUARTO_LOG")
    if log:
        config = Path("_quarto.yml")
        entry = {"argv": argv, "cwd": os.getcwd(),
                 "project": yaml.safe_load(config.read_text(encoding="utf-8")) if config.is_file() else None}
        with open(log, "a", encoding="utf-8") as fh:
            fh.write(json.dumps(entry, ensure_ascii=False) + "\n")
    if argv == ["--version"]:
        print(VERSION)
        return 0
    if os.environ.get("FAKE_QUARTO_FAIL"):
        print(f"WARNING: Could not load translations for zh-CN\nERROR: {os.environ['FAKE_QUARTO_FAIL']}\n\n"
              f"Stack trace:\n{STACK}", file=sys.stderr)
        return 1
    if not argv or argv[0] != "render":
        print(f"ERROR: unknown command {argv[:1]}", file=sys.stderr)
        return 1
    try:
        render(argv[1:])
    except QuartoFailure as exc:
        print(f"ERROR: {exc}\n\nStack trace:\n{STACK}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))

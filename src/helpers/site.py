"""``output/index.html``: every report by year and unit, for leaders, offline.

One self-contained page (CSS and script inline, nothing fetched) that works
from a file share or ``file://``: key figures of each report, links to its
HTML, PDF and DOCX and to the district summary of its year, and filters by
unit and year. It is built from what a build wrote (each ``indicators.json``),
and every build refreshes it, so it links only files that exist; each link
downloads under the document's Chinese title (its ``title`` in
``indicators.json``), and the units keep the order of ``units.csv``.
"""

from __future__ import annotations

import html
import json
import re
from pathlib import Path

from . import paths, schema
from .paths import SUMMARY_ID
from .phrasing import number
from .render import FORMATS

FIGURES = [
    ("组织生活（次）", lambda ind: sum(ind[f"activity.{c}"]["value"] for c in schema.CATEGORIES), "count"),
    ("来信来访（件）", lambda ind: ind["casework.total"]["value"], "count"),
    ("按期答复率", lambda ind: ind["casework.on_time_rate"]["value"], "rate"),
    ("宣传报道（篇）", lambda ind: ind.get("publicity.total", {}).get("value"), "count"),
]

STYLE = """
body { font-family: "Noto Sans CJK SC", "Microsoft YaHei", "PingFang SC", sans-serif; margin: 2em auto;
       max-width: 72em; padding: 0 1em; color: #1b1b1b; background: #f7f5f0; }
h1 { font-size: 1.5em; border-bottom: 3px solid #b22222; padding-bottom: .4em; }
.filters { margin: 1em 0; display: flex; gap: 1.5em; align-items: center; }
select { font-size: 1em; padding: .2em .4em; }
table { border-collapse: collapse; width: 100%; background: #fff; }
th, td { border: 1px solid #ccc; padding: .35em .6em; text-align: left; }
th { background: #efe9dc; }
td.num { text-align: right; font-variant-numeric: tabular-nums; }
tr.summary td { background: #fbf3e6; font-weight: bold; }
a { color: #1f4e79; margin-right: .6em; }
.note { color: #666; font-size: .9em; margin-top: 1em; }
"""

SCRIPT = """
function applyFilters() {
  var unit = document.getElementById('unit').value, year = document.getElementById('year').value, shown = 0;
  document.querySelectorAll('tbody tr').forEach(function (row) {
    var ok = (!unit || row.dataset.unit === unit || row.dataset.unit === '_summary') &&
             (!year || row.dataset.year === year);
    row.hidden = !ok;
    if (ok) shown++;
  });
  document.getElementById('count').textContent = shown;
}
document.getElementById('unit').addEventListener('change', applyFilters);
document.getElementById('year').addEventListener('change', applyFilters);
applyFilters();
"""


def collect(out_dir: Path, unit_order: list[str] | None = None) -> list[dict]:
    """Every report (and summary) under ``out_dir``: newest year first, its summary first, then the units.

    Parameters
    ----------
    out_dir : Path
        The output folder.
    unit_order : list of str, optional
        Unit ids in the order of ``units.csv``; units missing from it follow, by name.
    """
    rows = []
    rank = {unit: i for i, unit in enumerate(unit_order or [])}
    for path in sorted(Path(out_dir).glob("[0-9][0-9][0-9][0-9]/*/indicators.json")):
        folder = path.parent
        if folder.name.startswith("."):  # a scratch folder of a build in progress
            continue
        try:
            doc = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            continue
        rows.append({
            "year": int(doc["year"]),
            "unit_id": doc["unit_id"],
            "unit_name": doc.get("unit_name") or ("各单位汇总" if folder.name == SUMMARY_ID else doc["unit_id"]),
            "as_of": doc["as_of"],
            "indicators": doc["indicators"],
            "rejected_rows": doc.get("rejected_rows", 0),
            "folder": folder.relative_to(out_dir).as_posix(),
            "formats": [f for f in FORMATS if (folder / f"report.{f}").is_file()],
            "summary": folder.name == SUMMARY_ID,
            "title": doc.get("title") or "",
        })
    return sorted(rows, key=lambda r: (-r["year"], not r["summary"], rank.get(r["unit_id"], len(rank)),
                                       r["unit_name"]))


def download_name(row: dict, fmt: str) -> str:
    """The file name a link downloads as: the document's title (中共…党组2024年度…报告.pdf)."""
    title = row["title"] or f"{row['unit_name']}{row['year']}年度报告"
    return re.sub(r'[\\/:*?"<>|\s]+', "", title) + f".{fmt}"


def index_html(rows: list[dict]) -> str:
    """The page itself."""
    esc = html.escape
    units = list(dict.fromkeys((r["unit_id"], r["unit_name"]) for r in rows if not r["summary"]))
    years = sorted({r["year"] for r in rows}, reverse=True)
    body = []
    for r in rows:
        cells = [f"<td>{r['year']}</td>", f"<td>{esc(r['unit_name'])}</td>"]
        for _label, get, kind in FIGURES:
            try:
                value = get(r["indicators"])
            except KeyError:
                value = None
            cells.append(f'<td class="num">{esc(number(value, kind))}</td>')
        links = " ".join(
            f'<a href="{esc(r["folder"])}/report.{fmt}" download="{esc(download_name(r, fmt))}">{fmt.upper()}</a>'
            for fmt in r["formats"])
        cells.append(f"<td>{links}</td>")
        cls = ' class="summary"' if r["summary"] else ""
        body.append(f'<tr{cls} data-unit="{esc(r["unit_id"])}" data-year="{r["year"]}">' + "".join(cells) + "</tr>")
    unit_options = "".join(f'<option value="{esc(u)}">{esc(n)}</option>' for u, n in units)
    year_options = "".join(f'<option value="{y}">{y}年</option>' for y in years)
    head = "".join(f"<th>{esc(label)}</th>" for label, _g, _k in FIGURES)
    return f"""<!DOCTYPE html>
<html lang="zh-CN">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>年度意识形态工作专题报告</title>
<style>{STYLE}</style>
</head>
<body>
<h1>年度意识形态工作专题报告</h1>
<div class="filters">
  <label>单位 <select id="unit"><option value="">全部单位</option>{unit_options}</select></label>
  <label>年份 <select id="year"><option value="">全部年份</option>{year_options}</select></label>
  <span>共 <span id="count">{len(rows)}</span> 份</span>
</div>
<table>
<thead><tr><th>年份</th><th>单位</th>{head}<th>报告</th></tr></thead>
<tbody>
{chr(10).join(body)}
</tbody>
</table>
<p class="note">“各单位汇总”行的件数、次数为各单位之和，比率按汇总件数重新计算。本页与各报告均可离线打开。</p>
<script>{SCRIPT}</script>
</body>
</html>
"""


def write_site(out_dir: Path | str | None = None, unit_order: list[str] | None = None) -> Path:
    """Write ``<out_dir>/index.html`` from the reports found there (in one step).

    Parameters
    ----------
    out_dir : Path, optional
        The output folder; the project's ``output/`` by default.
    unit_order : list of str, optional
        Unit ids in the order of ``units.csv``.

    Returns
    -------
    Path
        The page written.
    """
    out_dir = Path(out_dir or paths.OUTPUT_DIR)
    out_dir.mkdir(parents=True, exist_ok=True)
    target = out_dir / paths.SITE_NAME
    tmp = target.with_name(target.name + ".tmp")
    tmp.write_text(index_html(collect(out_dir, unit_order)), encoding="utf-8")
    tmp.replace(target)
    return target

"""``output/index.html``: every report by kind, period and unit, for leaders, offline.

One self-contained page (CSS and script inline, nothing fetched) that works
from a file share or ``file://``: one table per report kind (its headline
figures, ``config/kinds.yml``), a row per report with links to its HTML, PDF
and DOCX, the district summary of each period first, and filters by unit,
year and period. It is built from what a build wrote (each ``indicators.json``),
and every build refreshes it, so it links only files that exist; each link
downloads under the document's Chinese title (its ``title`` in
``indicators.json``), and the units keep the order of ``units.csv``.
"""

from __future__ import annotations

import html
import json
import re
from pathlib import Path

from ..figures.kinds import kinds
from ..figures.periods import PERIODS, Period
from ..render.engines import FORMAT_SPECS, FORMATS
from ..settings import paths
from ..settings.paths import SUMMARY_ID
from ..words.phrasing import number

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
h2 { font-size: 1.2em; margin-top: 1.6em; }
td:first-child { white-space: nowrap; }
tr.summary td { background: #fbf3e6; font-weight: bold; }
a { color: #1f4e79; margin-right: .6em; }
.note { color: #666; font-size: .9em; margin-top: 1em; }
"""

SCRIPT = """
function applyFilters() {
  var unit = document.getElementById('unit').value, year = document.getElementById('year').value,
      period = document.getElementById('period').value, shown = 0;
  document.querySelectorAll('tbody tr').forEach(function (row) {
    var ok = (!unit || row.dataset.unit === unit || row.dataset.unit === '_summary') &&
             (!year || row.dataset.year === year) && (!period || row.dataset.period === period);
    row.hidden = !ok;
    if (ok) shown++;
  });
  document.getElementById('count').textContent = shown;
}
document.getElementById('unit').addEventListener('change', applyFilters);
document.getElementById('year').addEventListener('change', applyFilters);
document.getElementById('period').addEventListener('change', applyFilters);
applyFilters();
"""


def collect(out_dir: Path, unit_order: list[str] | None = None) -> list[dict]:
    """Every report (and summary) under ``out_dir`` (``<period>/<kind>/<unit>/``).

    Sorted by kind (in the order of ``config/kinds.yml``), newest period first,
    the period's summary first, then the units in ``unit_order``.

    Parameters
    ----------
    out_dir : Path
        The output folder.
    unit_order : list of str, optional
        Unit ids in the order of ``units.csv``; units missing from it follow, by name.
    """
    kind_rank = {k: i for i, k in enumerate(kinds())}
    period_rank = {code: i for i, code in enumerate(PERIODS)}
    rows = []
    rank = {unit: i for i, unit in enumerate(unit_order or [])}
    for path in sorted(Path(out_dir).glob("[0-9][0-9][0-9][0-9]*/*/*/indicators.json")):
        folder = path.parent
        if any(part.startswith(".") for part in folder.relative_to(out_dir).parts):  # a build's scratch folder
            continue
        try:
            doc = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            continue
        kind = doc.get("kind") or folder.parent.name
        if kind not in kind_rank:  # a kind no longer declared
            continue
        period = Period(int(doc["year"]), doc.get("period") or "year")
        rows.append({
            "year": period.year,
            "period": period.code,
            "period_label": period.label,
            "period_words": period.words,
            "kind": kind,
            "unit_id": doc["unit_id"],
            "unit_name": doc.get("unit_name") or ("各单位汇总" if folder.name == SUMMARY_ID else doc["unit_id"]),
            "as_of": doc["as_of"],
            "indicators": doc["indicators"],
            "rejected_rows": doc.get("rejected_rows", 0),
            "folder": folder.relative_to(out_dir).as_posix(),
            "formats": [f for f in FORMATS if (folder / FORMAT_SPECS[f].file_name).is_file()],
            "summary": folder.name == SUMMARY_ID,
            "title": doc.get("title") or "",
            "failed": (folder.parent / f"{folder.name}.error.txt").is_file(),  # the last build of it failed
        })
    return sorted(rows, key=lambda r: (kind_rank[r["kind"]], -r["year"], period_rank.get(r["period"], 99),
                                       not r["summary"], rank.get(r["unit_id"], len(rank)), r["unit_name"]))


def download_name(row: dict, fmt: str) -> str:
    """The file name a link downloads as: the document's title (中共…党组2024年度…报告.pdf)."""
    title = row["title"] or f"{row['unit_name']}{row['period_words']}报告"
    return re.sub(r'[\\/:*?"<>|\s]+', "", title) + f".{fmt}"


def _cell(doc: dict | None) -> str:
    if not doc:
        return "—"
    kind = "rate" if doc.get("unit") == "%" else ("days" if doc.get("unit") == "天" else "count")
    return number(doc.get("value"), kind)


def _kind_table(kind, rows: list[dict]) -> str:
    esc = html.escape
    keys = list(kind.headline)
    labels = {}
    for r in rows:
        for k in keys:
            if k in r["indicators"] and k not in labels:
                doc = r["indicators"][k]
                labels[k] = doc.get("label", k) + ("" if doc.get("unit") in ("%", None) else f"（{doc['unit']}）")
    keys = [k for k in keys if k in labels]
    body = []
    for r in rows:
        failed = ('<br><span class="failed" title="错误说明见同一文件夹旁的 .error.txt 文件">'
                  "上次生成失败，下面是此前的版本</span>") if r.get("failed") else ""
        cells = [f"<td>{esc(r['period_words'])}</td>", f"<td>{esc(r['unit_name'])}{failed}</td>"]
        cells += [f'<td class="num">{esc(_cell(r["indicators"].get(k)))}</td>' for k in keys]
        links = " ".join(
            f'<a href="{esc(r["folder"])}/{FORMAT_SPECS[fmt].file_name}" download="{esc(download_name(r, fmt))}">'
            f"{FORMAT_SPECS[fmt].label}</a>" for fmt in r["formats"])
        cells.append(f"<td>{links}</td>")
        cls = ' class="summary"' if r["summary"] else ""
        body.append(f'<tr{cls} data-unit="{esc(r["unit_id"])}" data-year="{r["year"]}" data-period="{r["period"]}">'
                    + "".join(cells) + "</tr>")
    head = "".join(f"<th>{esc(labels[k])}</th>" for k in keys)
    return (f"<h2>{esc(kind.name)}报告</h2>\n<table>\n"
            f"<thead><tr><th>期间</th><th>单位</th>{head}<th>报告</th></tr></thead>\n"
            f"<tbody>\n{chr(10).join(body)}\n</tbody>\n</table>")


def index_html(rows: list[dict]) -> str:
    """The page itself."""
    esc = html.escape
    units = list(dict.fromkeys((r["unit_id"], r["unit_name"]) for r in rows if not r["summary"]))
    years = sorted({r["year"] for r in rows}, reverse=True)
    periods = [code for code in PERIODS if any(r["period"] == code for r in rows)]
    tables = [_kind_table(kind, [r for r in rows if r["kind"] == kid]) for kid, kind in kinds().items()
              if any(r["kind"] == kid for r in rows)]
    unit_options = "".join(f'<option value="{esc(u)}">{esc(n)}</option>' for u, n in units)
    year_options = "".join(f'<option value="{y}">{y}年</option>' for y in years)
    period_options = "".join(
        f'<option value="{p}">{"全年" if p == "year" else PERIODS[p].words}</option>' for p in periods)
    return f"""<!DOCTYPE html>
<html lang="zh-CN">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>各单位工作报告</title>
<style>{STYLE}</style>
</head>
<body>
<h1>各单位工作报告</h1>
<div class="filters">
  <label>单位 <select id="unit"><option value="">全部单位</option>{unit_options}</select></label>
  <label>年份 <select id="year"><option value="">全部年份</option>{year_options}</select></label>
  <label>期间 <select id="period"><option value="">全部期间</option>{period_options}</select></label>
  <span>共 <span id="count">{len(rows)}</span> 份</span>
</div>
{chr(10).join(tables)}
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
    from ..settings.outdir import atomic_file

    with atomic_file(target) as tmp:
        tmp.write_text(index_html(collect(out_dir, unit_order)), encoding="utf-8")
    return target

"""Every path the project uses, in one place.

The project root is found from this file (``src/helpers/paths.py``), so the
package works from a clone installed in editable mode, whatever the current
directory. ``NIANBAO_ROOT`` overrides it (tests and other checkouts).
"""

from __future__ import annotations

import os
from pathlib import Path

ROOT: Path = Path(os.environ.get("NIANBAO_ROOT", Path(__file__).resolve().parents[2]))
DATA_DIR: Path = ROOT / "data"
OUTPUT_DIR: Path = ROOT / "output"
CACHE_DIR: Path = OUTPUT_DIR / ".cache"
NOTEBOOK: Path = ROOT / "notebooks" / "annual_report.ipynb"
QUARTO_CONFIG: Path = ROOT / "_quarto.yml"
RULES_CONFIG: Path = ROOT / "config" / "rules.yml"
TEMPLATES_DIR: Path = ROOT / "templates"
NARRATIVE_SUBDIR = "narrative"
# "0" in a kernel's environment: the notebook's outputs carry no HTML view for JupyterLab
# (the batch engine's kernels, whose notebooks only the renderer reads)
LAB_HTML_ENV = "NIANBAO_LAB_HTML"
SUMMARY_ID = "_summary"  # folder of a year's district summary, beside the units' folders


def rejected_file(digest: str) -> Path:
    """Where a build writes, once, the rows its data folder set aside (copied into each report)."""
    return CACHE_DIR / f"rejected-{digest}.csv"


def report_dir(out_dir: Path, year: int, unit_id: str) -> Path:
    """Return the folder of one report: ``<out_dir>/<year>/<unit_id>``.

    Parameters
    ----------
    out_dir : Path
        The output root (``output/`` by default).
    year : int
        The report year.
    unit_id : str
        A unit id already checked against its pattern.

    Returns
    -------
    Path
        The report's folder (not created).
    """
    return Path(out_dir) / str(int(year)) / unit_id


def narrative_file(data_dir: Path, unit_id: str, year: int) -> Path | None:
    """Return the analysts' prose for a report, or ``None`` when there is none.

    ``narrative/<unit_id>/<year>.md`` wins over ``narrative/default.md``.
    """
    base = Path(data_dir) / NARRATIVE_SUBDIR
    for candidate in (base / unit_id / f"{int(year)}.md", base / "default.md"):
        if candidate.is_file():
            return candidate
    return None

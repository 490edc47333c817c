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
CATEGORIES_CONFIG: Path = ROOT / "config" / "categories.yml"
PROSE_DIR: Path = Path(__file__).resolve().parent / "prose"  # generic prose shipped with the package
TEMPLATES_DIR: Path = ROOT / "templates"
NARRATIVE_SUBDIR = "narrative"
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


def narrative_file(data_dir: Path, unit_id: str, year: int) -> Path:
    """Return the analysts' prose for a report.

    ``narrative/<unit_id>/<year>.md`` wins over ``narrative/default.md``; with
    neither, the generic prose shipped with the package (:func:`generic_prose`).
    """
    base = Path(data_dir) / NARRATIVE_SUBDIR
    for candidate in (base / unit_id / f"{int(year)}.md", base / "default.md"):
        if candidate.is_file():
            return candidate
    return generic_prose()


def generic_prose(kind: str = "ideology") -> Path:
    """The generic prose of a report kind, shipped with the package."""
    return PROSE_DIR / f"{kind}.md"


def is_generic_prose(path: Path) -> bool:
    """Whether ``path`` is prose shipped with the package (not the analysts' own)."""
    return Path(path).resolve().parent == PROSE_DIR.resolve()

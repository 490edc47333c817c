"""Every path the project uses, in one place.

A *project folder* holds a unit's ``data/`` and ``output/`` and may hold its own
``_quarto.yml``, ``config/``, ``notebooks/`` and ``templates/``. It is the
nearest folder, from the current directory up, that has a ``_quarto.yml`` or a
``config/`` folder (else the current directory); ``NIANBAO_ROOT`` names it
outright. The repository itself is such a folder.

What the project folder does not have comes, file by file, from the defaults
shipped inside the package (``helpers/defaults/`` in a wheel, copied there from
the repository at build time; the repository's own files in an editable
install). :func:`resource` says which file is in force; ``nianbao doctor``
lists them.
"""

from __future__ import annotations

import os
from pathlib import Path

PACKAGE_DIR: Path = Path(__file__).resolve().parents[1]  # src/helpers
DEFAULTS_DIR: Path = PACKAGE_DIR / "defaults"  # in a wheel (see setup.py)
CHECKOUT_DIR: Path = PACKAGE_DIR.parents[1]  # the repository, in an editable install
_MARKERS = ("_quarto.yml", "config")


def find_project(start: Path | None = None) -> Path:
    """The project folder: ``NIANBAO_ROOT``, else the nearest folder up from ``start`` with a marker."""
    if os.environ.get("NIANBAO_ROOT"):
        return Path(os.environ["NIANBAO_ROOT"]).resolve()
    start = Path(start or Path.cwd()).resolve()
    for folder in (start, *start.parents):
        if any((folder / m).exists() for m in _MARKERS):
            return folder
    return start


ROOT: Path = find_project()
# Kernels and worker processes start elsewhere (a kernel in the notebook's folder):
# they inherit the project folder of the process that started them.
os.environ.setdefault("NIANBAO_ROOT", str(ROOT))


def resource(relative: str) -> Path:
    """The file in force for ``relative`` (e.g. ``config/rules.yml``): the project's, else the default.

    Parameters
    ----------
    relative : str
        A path inside a project folder, with ``/``.

    Returns
    -------
    Path
        The project's file when it exists, else the packaged default, else the
        project path (which does not exist: reading it gives a plain error).
    """
    for base in (ROOT, DEFAULTS_DIR, CHECKOUT_DIR):
        candidate = base / relative
        if candidate.exists():
            return candidate
    return ROOT / relative


def origin(path: Path) -> str:
    """Where a file in force comes from: ``项目`` (the project folder) or ``默认`` (shipped with nianbao)."""
    path = Path(path).resolve()
    return "项目" if path.is_relative_to(ROOT) and not path.is_relative_to(PACKAGE_DIR) else "默认"


def label(path: Path) -> str:
    """A file's name relative to the project or the package, for hashes and messages."""
    path = Path(path).resolve()
    for base in (ROOT, DEFAULTS_DIR, PACKAGE_DIR, CHECKOUT_DIR):
        if path.is_relative_to(base):
            return path.relative_to(base).as_posix()
    return path.name


def template_files() -> dict[str, Path]:
    """Every template file in force, by its path under ``templates/`` (the project's win, file by file)."""
    files: dict[str, Path] = {}
    for base in (CHECKOUT_DIR, DEFAULTS_DIR, ROOT):  # later wins
        folder = base / "templates"
        if folder.is_dir():
            files.update({p.relative_to(folder).as_posix(): p for p in folder.rglob("*") if p.is_file()})
    return dict(sorted(files.items()))


def template(name: str) -> Path:
    """One template file in force, e.g. ``official.typ`` or ``nbconvert``."""
    return resource(f"templates/{name}")


DATA_DIR: Path = ROOT / "data"
OUTPUT_DIR: Path = ROOT / "output"
CACHE_DIR: Path = OUTPUT_DIR / ".cache"
QUARTO_CONFIG: Path = resource("_quarto.yml")
RULES_CONFIG: Path = resource("config/rules.yml")
CATEGORIES_CONFIG: Path = resource("config/categories.yml")
KINDS_CONFIG: Path = resource("config/kinds.yml")  # report kinds and their notebooks (helpers.figures.kinds)
PROSE_DIR: Path = PACKAGE_DIR / "words" / "prose"  # generic prose shipped with the package
TEMPLATES_DIR: Path = template("")  # the templates folder in force (single files: template())
NARRATIVE_SUBDIR = "narrative"
# "0" in a kernel's environment: the notebook's outputs carry no HTML view for JupyterLab
# (the batch engine's kernels, whose notebooks only the renderer reads)
LAB_HTML_ENV = "NIANBAO_LAB_HTML"
SUMMARY_ID = "_summary"  # folder of a year's district summary, beside the units' folders
# What a project folder may override, as `nianbao doctor` lists it.
# The kinds' notebooks are every notebook shipped (a new kind's notebook is one more file, named nowhere else).
def _shipped_notebooks() -> tuple[str, ...]:
    for base in (DEFAULTS_DIR, CHECKOUT_DIR):
        if (base / "notebooks").is_dir():
            return tuple(f"notebooks/{p.name}" for p in sorted((base / "notebooks").glob("*.ipynb")))
    return ()


OVERRIDABLE = ("_quarto.yml", "config/rules.yml", "config/categories.yml", "config/kinds.yml",
               *_shipped_notebooks())
LOCK_NAME = ".nianbao.lock"  # one build at a time per output folder
SITE_NAME = "index.html"  # the output folder's page of every report


def lock_file(out_dir: Path) -> Path:
    """The lock file of an output folder (held while a build writes there)."""
    return Path(out_dir) / LOCK_NAME


def rejected_file(digest: str) -> Path:
    """Where a build writes, once, the rows its data folder set aside (copied into each report)."""
    return CACHE_DIR / f"rejected-{digest}.csv"


def reading_file(digest: str) -> Path:
    """Where a build writes, once, the account of every row its data folder holds (copied into each report)."""
    return CACHE_DIR / f"reading-{digest}.csv"


def report_dir(out_dir: Path, period_label: str | int, unit_id: str, kind: str) -> Path:
    """Return the folder of one report: ``<out_dir>/<period>/<kind>/<unit_id>``.

    Parameters
    ----------
    out_dir : Path
        The output root (``output/`` by default).
    period_label : str or int
        ``2024``, ``2024-H1`` or ``2024-Q3`` (:attr:`helpers.figures.periods.Period.label`).
    unit_id : str
        A unit id already checked against its pattern, or :data:`SUMMARY_ID`.
    kind : str
        The report kind (``config/kinds.yml``).

    Returns
    -------
    Path
        The report's folder (not created).
    """
    return Path(out_dir) / str(period_label) / kind / unit_id


def narrative_file(data_dir: Path, unit_id: str, year: int, kind: str, period: str = "year",
                   suffix: str = "") -> Path:
    """Return the analysts' prose for a report (:meth:`helpers.figures.kinds.Kind.prose_file` gives ``suffix``).

    ``narrative/<unit_id>/<year>[-<period>]<suffix>.md`` wins over
    ``narrative/default<suffix>.md``, where ``<suffix>`` is ``.<kind>`` (nothing for
    the first kind of ``config/kinds.yml``); with neither, the kind's generic prose
    (:func:`generic_prose`). A half-year or quarter report does not take the year's
    file: its text is written for the whole year.
    """
    stem = str(int(year)) if period == "year" else f"{int(year)}-{period}"
    base = Path(data_dir) / NARRATIVE_SUBDIR
    for candidate in (base / unit_id / f"{stem}{suffix}.md", base / f"default{suffix}.md"):
        if candidate.is_file():
            return candidate
    return generic_prose(kind)


def generic_prose(kind: str) -> Path:
    """The generic prose of a report kind: the project's ``prose/<kind>.md``, else the one shipped with the package."""
    own = ROOT / "prose" / f"{kind}.md"
    return own if own.is_file() else PROSE_DIR / f"{kind}.md"


def is_generic_prose(path: Path) -> bool:
    """Whether ``path`` is a kind's generic prose (not the analysts' own for their unit)."""
    return Path(path).resolve().parent in (PROSE_DIR.resolve(), (ROOT / "prose").resolve())

"""Provenance: what a report is made from, hashed, and whether its folder is stale.

A report's inputs are what every report shares (:func:`shared_inputs`:
templates, configuration) and its own (:func:`unit_inputs`: the code its kind
runs, its notebook, its unit's slice of the ledgers, its prose, its parameters). A folder
whose ``manifest.json`` records the same inputs and holds every format is up to
date (:func:`up_to_date`); :func:`outdated` says why one is not, in Chinese, for
``nianbao build --dry-run``.
"""

from __future__ import annotations

import hashlib
import json
import platform
from importlib import metadata
from pathlib import Path

from ..read import schema
from ..render.engines import FORMATS
from ..settings import paths
from .jobs import Job


def _hash_bytes(*parts: bytes) -> str:
    h = hashlib.sha256()
    for part in parts:
        h.update(hashlib.sha256(part).digest())
    return h.hexdigest()[:16]


def _hash_files(files: list[Path]) -> str:
    return _hash_bytes(*(paths.label(f).encode() + f.read_bytes() for f in sorted(files)))


def _frame_hash(frame) -> bytes:
    import pandas as pd

    if frame is None:
        return b"absent"
    return pd.util.hash_pandas_object(frame, index=False).to_numpy().tobytes() + ",".join(frame.columns).encode()


def notebook_fingerprint(path: Path) -> bytes:
    """What of a notebook makes a report: each cell's type, source and tags.

    Outputs, execution counts and the metadata JupyterLab writes on save are left
    out, so a notebook saved from Lab with its outputs makes no report stale.
    """
    nb = json.loads(Path(path).read_text(encoding="utf-8"))
    cells = [[c.get("cell_type"), "".join(c.get("source", "")), sorted(c.get("metadata", {}).get("tags", []))]
             for c in nb.get("cells", [])]
    return json.dumps(cells, ensure_ascii=False).encode()


# Modules no report runs: the command line, the build's bookkeeping, the site and the
# analysts' desk tools. Editing them makes no report stale; every other module of
# helpers (and the kind's notebook) is part of a report's inputs.
NOT_REPORT_CODE = frozenset({"build", "cli", "distributed", "explain", "outdir", "preview", "render_notebook",
                             "scaffold", "site", "validation"})


def table_code() -> dict[str, frozenset[str]]:
    """Each ledger table's own modules: ``read/<m>.py`` (its check), ``figures/<m>.py`` and ``words/<m>.py``,
    ``<m>`` the module of its figure function (:data:`helpers.figures.indicators.TABLE_FIGURES`), by path in
    the package. A counted table's are the shared ``counted`` modules.

    A table's check also shapes the rows set aside, which every report's ledger input covers.
    """
    from ..figures.indicators import TABLE_FIGURES

    out = {}
    for table, figures in TABLE_FIGURES.items():
        stem = getattr(figures, "func", figures).__module__.rsplit(".", 1)[-1]
        out[table] = frozenset(f"{step}/{stem}.py" for step in ("read", "figures", "words")
                               if (paths.PACKAGE_DIR / step / f"{stem}.py").is_file())
    return out


def report_code(kind: str | None = None) -> list[Path]:
    """The modules of ``helpers`` a report runs (everything but :data:`NOT_REPORT_CODE`).

    For a ``kind``, the modules of ledger tables it states no figure of
    (:func:`table_code`) are left out: editing the 信访 check, figures or
    sentences (``read/casework.py``, ``figures/casework.py``,
    ``words/casework.py``) leaves the 纪律教育 reports as they are. A kind's
    generic prose is not here either: it is an input of that kind's reports
    only (:func:`unit_inputs`).
    """
    files = sorted(p for p in paths.PACKAGE_DIR.rglob("*.py") if p.stem not in NOT_REPORT_CODE)
    if kind is None:
        return files
    from ..figures.kinds import get as get_kind
    from ..figures.trust import kind_tables

    code = table_code()
    own = set().union(*(code[t] for t in kind_tables(get_kind(kind))))
    others = set().union(*code.values()) - own
    return [p for p in files if p.relative_to(paths.PACKAGE_DIR).as_posix() not in others]


_CODE_HASHES: dict[tuple[Path, float], str] = {}


def code_hashes(kind: str | None = None) -> dict[str, str]:
    """Each module of :func:`report_code` (of ``kind``, or every one) by its path in the package, and its
    hash (kept in manifest.json, so that ``--dry-run`` can name the module that changed)."""
    out = {}
    for path in report_code(kind):
        key = (path, path.stat().st_mtime)
        if key not in _CODE_HASHES:
            _CODE_HASHES[key] = _hash_bytes(path.read_bytes())
        out[path.relative_to(paths.PACKAGE_DIR).as_posix()] = _CODE_HASHES[key]
    return out


def code_hash(kind: str | None = None) -> str:
    """The hash of :func:`code_hashes` of ``kind``: the ``code`` input of its reports."""
    return _hash_bytes(json.dumps(code_hashes(kind), sort_keys=True).encode())


_NOTEBOOK_HASHES: dict[tuple[Path, float], str] = {}


def notebook_hash(path: Path) -> str:
    """The hash of a notebook without its outputs (:func:`notebook_fingerprint`), cached by mtime."""
    key = (Path(path), Path(path).stat().st_mtime)
    if key not in _NOTEBOOK_HASHES:
        _NOTEBOOK_HASHES[key] = _hash_bytes(notebook_fingerprint(path))
    return _NOTEBOOK_HASHES[key]


def shared_inputs() -> dict[str, str]:
    """Hashes of what every report shares: templates, configuration (the code is the kind's: :func:`unit_inputs`)."""
    return {
        "templates": _hash_files(list(paths.template_files().values())),
        "quarto_yml": _hash_files([paths.QUARTO_CONFIG]),
        "rules": _hash_files([paths.RULES_CONFIG, paths.CATEGORIES_CONFIG, paths.KINDS_CONFIG]),
    }


_UNIT_SLICES: dict[tuple, bytes] = {}  # one ledgers' slices at a time, by (ledgers, digest, unit)


def ledger_slice(ledgers, unit: str) -> bytes:
    """The hash of one unit's rows of every table (and the set-aside rows), as bytes.

    Each table's rows are hashed once per ledgers (a unit's reports of every kind,
    year and period share them), then picked out per unit.
    """
    key = (id(ledgers), ledgers.digest, unit)
    if key not in _UNIT_SLICES:
        _UNIT_SLICES.clear()  # every unit of these ledgers is hashed below
        import pandas as pd

        rows = {}
        for name in schema.LEDGER_TABLES:
            frame = getattr(ledgers, name)
            if frame is None:
                rows[name] = None
                continue
            hashed = pd.util.hash_pandas_object(frame, index=False).to_numpy()
            # a table's first date decides whether the prior year has data at all
            first = "" if frame.empty else str(frame.select_dtypes("datetime").min().min())
            rows[name] = (frame["unit"].to_numpy(), hashed, (",".join(frame.columns) + first).encode())
        for u in ledgers.units.index:
            parts = []
            for got in rows.values():
                if got is None:
                    parts.append(b"absent")
                    continue
                units, hashed, tail = got
                parts.append(hashed[units == u].tobytes() + tail)
            unit_row = json.dumps(ledgers.unit(u), ensure_ascii=False, sort_keys=True).encode()
            _UNIT_SLICES[(id(ledgers), ledgers.digest, u)] = bytes.fromhex(
                _hash_bytes(unit_row, *parts, _frame_hash(ledgers.rejected), _frame_hash(ledgers.reading)))
    return _UNIT_SLICES[key]


def unit_inputs(job: Job, ledgers, fonts: dict[str, str], codes: dict[str, str] | None = None) -> dict[str, str]:
    """Hashes of one report's own inputs: its kind's code (:func:`code_hash`) and notebook, its unit's slice of
    the ledgers, its prose, its parameters.

    ``codes``: a dict the kinds' code hashes are kept in, when many reports are stamped at once.
    """
    from ..figures.kinds import get as get_kind

    kind = get_kind(job.kind)
    codes = {} if codes is None else codes
    if kind.id not in codes:
        codes[kind.id] = code_hash(kind.id)
    narrative = kind.prose_file(ledgers.data_dir, job.unit, job.year, job.period)
    generic = kind.generic_prose()
    # formats are not an input: a folder keeps the formats built from the same inputs (formats_to_write)
    params = {**job.parameters(), "kind": job.kind, "as_of": job.the_period.resolve_as_of(job.as_of).isoformat(),
              "engine": job.engine}
    return {
        "code": codes[kind.id],
        "notebook": notebook_hash(job.notebook),
        "ledgers": ledger_slice(ledgers, job.unit).hex(),
        "narrative": _hash_bytes(str(narrative).encode(), narrative.read_bytes()) if narrative else "none",
        # the kind's generic prose fills any section the analysts' prose leaves empty
        "generic_prose": _hash_bytes(generic.read_bytes()) if generic.is_file() else "none",
        "fonts": _hash_bytes(json.dumps(fonts, sort_keys=True).encode()),
        "parameters": _hash_bytes(json.dumps(params, sort_keys=True).encode()),
    }


def tool_versions() -> dict[str, str]:
    """Versions of everything that shapes a report."""
    out = {"python": platform.python_version()}
    for dist in ("nianbao", "pandas", "matplotlib", "papermill", "nbclient", "nbconvert", "ipykernel",
                 "pypandoc_binary", "typst", "python-docx", "pdfminer.six", "fonttools", "lxml"):
        try:
            out[dist] = metadata.version(dist)
        except metadata.PackageNotFoundError:
            pass
    from ..render.engines import pandoc_version, quarto_version

    out["pandoc"] = pandoc_version()
    if quarto_version():
        out["quarto"] = quarto_version()
    return out


def formats_to_write(job: Job, inputs: dict[str, str] | None) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """The formats a build renders, and those it keeps from the folder's previous build.

    A format the folder holds but the build does not ask for is kept when the folder was
    built from the same inputs, else rendered again: the folder never loses a format and
    never holds formats of different inputs.
    """
    others = tuple(f for f in FORMATS if f not in job.formats and (job.folder / f"report.{f}").is_file())
    try:
        same = inputs is not None and json.loads((job.folder / "manifest.json").read_text(encoding="utf-8")
                                                 ).get("inputs") == inputs
    except (OSError, ValueError):
        same = False
    return (job.formats, others) if same else (job.formats + others, ())


# What each input of a report is, as `nianbao build --dry-run` names it.
INPUT_WORDS = {
    "notebook": "笔记本", "code": "程序代码", "templates": "模板", "quarto_yml": "_quarto.yml", "rules": "规则配置",
    "ledgers": "本单位台账", "narrative": "文字材料", "fonts": "字体", "params": "参数", "engine": "渲染引擎",
    "generic_prose": "本类报告的通用稿",
}


def outdated(job: Job, inputs: dict[str, str]) -> list[str]:
    """Why a report would be built: the inputs that changed since its folder was built (empty: up to date).

    As ``targets::tar_outdated`` says it: ``尚未生成`` for a report never built, the
    changed inputs by name, and formats the folder lacks.
    """
    try:
        manifest = json.loads((job.folder / "manifest.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return ["尚未生成"]
    recorded = manifest.get("inputs", {})
    changed = [INPUT_WORDS.get(k, k) for k in sorted(set(inputs) | set(recorded)) if inputs.get(k) != recorded.get(k)]
    if INPUT_WORDS["code"] in changed and manifest.get("code_files"):  # which module: 程序代码（words/sentences.py）
        now, then = code_hashes(job.kind), manifest["code_files"]
        files = sorted(k for k in set(now) | set(then) if now.get(k) != then.get(k))
        if files:
            changed[changed.index(INPUT_WORDS["code"])] = (f"程序代码（{'、'.join(files[:3])}"
                                                          f"{'等' if len(files) > 3 else ''}）")
    missing = [f for f in job.formats if not (job.folder / f"report.{f}").is_file()]
    return changed + ([f"缺少{'、'.join(missing)}"] if missing else [])


def up_to_date(job: Job, inputs: dict[str, str]) -> bool:
    """Whether the report's folder was built from exactly these inputs and holds every format."""
    manifest = job.folder / "manifest.json"
    try:
        recorded = json.loads(manifest.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return False
    return recorded.get("inputs") == inputs and all(
        (job.folder / f"report.{fmt}").is_file() for fmt in job.formats
    )

"""The shape that keeps the next kind, table or format cheap: the tree is the pipeline, no import cycle,
registries declared once."""

from __future__ import annotations

import ast
from pathlib import Path

from helpers.render.engines import FORMAT_SPECS, FORMATS, QUARTO_TO
from helpers.run import provenance
from helpers.settings import paths

SRC = paths.PACKAGE_DIR

# The steps of the pipeline, in order (README, "The pipeline, module by module"): each is a
# subpackage of helpers, and a module imports only from its own step or the steps before it.
# The command line (cli.py) and the public API (__init__.py) sit on top.
STEPS = ("settings", "read", "figures", "words", "render", "document", "run")
TOP = "command line"


def _modules() -> dict[str, Path]:
    """Every module of helpers by dotted name under the package (``read.ledgers``, ``cli``)."""
    out = {}
    for path in SRC.rglob("*.py"):
        rel = path.relative_to(SRC).with_suffix("")
        out[".".join(rel.parts)] = path
    return out


def _step(name: str) -> str:
    """The step a module belongs to: its folder, or the command line for the top-level modules."""
    return name.split(".")[0] if "." in name else TOP


def _imports(name: str, path: Path, known: set[str]) -> set[str]:
    """The helpers modules a module imports (anywhere in it), leaving out ``if TYPE_CHECKING:`` blocks."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    skipped = {id(n) for block in ast.walk(tree) if isinstance(block, ast.If)
               and getattr(block.test, "id", None) == "TYPE_CHECKING" for n in ast.walk(block)}
    package = name.split(".")[:-1]
    out = set()
    for node in ast.walk(tree):
        if id(node) in skipped or not isinstance(node, ast.ImportFrom):
            continue
        if node.level == 0:
            if not (node.module or "").startswith("helpers."):
                continue
            base = node.module.split(".")[1:]
        else:
            base = package[:len(package) - (node.level - 1)] + (node.module.split(".") if node.module else [])
        candidates = [".".join(base)] + [".".join([*base, a.name]) for a in node.names]
        out.update(c for c in candidates if c in known)
    return out - {name}


def test_the_tree_is_the_pipeline():
    """``ls src/helpers`` shows the steps in their folders; nothing else but the command line and the API."""
    folders = {p.name for p in SRC.iterdir() if p.is_dir() and (p / "__init__.py").is_file()}
    assert folders == set(STEPS)
    assert {p.name for p in SRC.glob("*.py")} == {"__init__.py", "cli.py"}


def test_no_import_cycle():
    modules = _modules()
    known = set(modules)
    graph = {n: _imports(n, p, known) for n, p in modules.items()}
    cycles, state, stack = [], {}, []

    def visit(module: str) -> None:
        state[module] = "open"
        stack.append(module)
        for dep in sorted(graph[module]):
            if state.get(dep) == "open":
                cycles.append(" → ".join(stack[stack.index(dep):] + [dep]))
            elif dep not in state:
                visit(dep)
        stack.pop()
        state[module] = "done"

    for module in sorted(graph):
        if module not in state:
            visit(module)
    assert not cycles, cycles


def test_every_module_imports_only_from_its_step_or_before():
    rank = {step: i for i, step in enumerate((*STEPS, TOP))}
    modules = _modules()
    known = set(modules)
    upward = [f"{n} imports {m}" for n, p in modules.items() for m in sorted(_imports(n, p, known))
              if rank[_step(m)] > rank[_step(n)]]
    assert not upward, upward


def test_the_import_check_sees_imports():
    """The check above can fail: it finds a relative import of a later step."""
    known = set(_modules())
    path = SRC / "read" / "ledgers.py"
    assert "settings.paths" in _imports("read.ledgers", path, known)
    assert "run.engine" in _imports("run.build", SRC / "run" / "build.py", known)


def test_a_reports_code_hash_leaves_out_what_no_report_runs():
    code = {p.stem for p in provenance.report_code() if p.suffix == ".py"}
    assert {"report", "indicators", "sentences", "tables", "charts", "engines", "kinds"} <= code
    assert {"engine", "jobs", "provenance", "kernel"} <= code  # what makes a report, as engine.py did whole
    assert not code & {"site", "cli", "build", "preview", "scaffold", "explain"}
    stems = {p.stem for p in SRC.rglob("*.py")}
    assert set(provenance.NOT_REPORT_CODE) <= stems


def test_formats_are_declared_once():
    assert FORMATS == tuple(FORMAT_SPECS) == ("html", "pdf", "ofd", "docx")
    assert QUARTO_TO == {"html": "html", "pdf": "typst", "docx": "docx"}
    for fmt in FORMAT_SPECS.values():
        assert fmt.file_name == f"report.{fmt.id}"
        if fmt.made_from:  # converted after its source, the same after either engine
            assert callable(fmt.convert) and fmt.pandoc_output is None and fmt.quarto_to is None
            assert FORMATS.index(fmt.made_from) < FORMATS.index(fmt.id)
        else:  # one of the outputs of the report's Pandoc process, finished from it if need be
            assert callable(fmt.pandoc_output) and fmt.quarto_to and fmt.convert is None


def test_one_atomic_writer():
    """Scratch-and-swap is written once (helpers.settings.outdir); no module renames its own scratch folders."""
    for path in SRC.rglob("*.py"):
        if path.stem == "outdir":
            continue
        text = path.read_text(encoding="utf-8")
        assert "os.rename(" not in text and "os.replace(" not in text and "uuid.uuid4" not in text, path.name


def test_every_overridable_file_is_shipped():
    for name in paths.OVERRIDABLE:
        assert paths.resource(name).is_file(), name


def test_the_configuration_schema_names_what_the_registries_hold():
    """config/kinds.yml is checked against enums in settings/config.py (a step before the registries):
    they must list exactly the tables, charts and problem finders the registries declare."""
    from helpers.document.charts import CHARTS
    from helpers.document.tables import TABLES
    from helpers.read import schema
    from helpers.settings import config
    from helpers.words.sentences import PROBLEMS

    assert set(config._APPENDIX_BLOCKS) == set(TABLES) | set(CHARTS)
    from helpers.run.summary import SUMMARY_SECTIONS

    assert set(config._SUMMARY_SECTIONS) == set(SUMMARY_SECTIONS)
    # the built-in finders, and one per counted table, named by the table's section of config/rules.yml
    counted = {schema.TABLES[name].prefix for name in schema.COUNTED_TABLES}
    assert set(config.counted_sections()) == counted == {"integrity"}
    assert set(config._PROBLEMS) | counted == set(PROBLEMS)
    assert set(config.kinds_schema()["additionalProperties"]["properties"]["body"]["items"]["properties"]
               ["problems"]["items"]["enum"]) == set(PROBLEMS)


def test_every_ledger_table_declares_its_figures_once():
    """_compute_indicators computes the spans and loops over the tables' figure functions, one per ledger table."""
    import inspect

    from helpers.figures import indicators
    from helpers.read import schema

    assert tuple(indicators.TABLE_FIGURES) == schema.LEDGER_TABLES
    source = inspect.getsource(indicators._compute_indicators)
    assert len(source.splitlines()) < 60
    for name in schema.LEDGER_TABLES:  # no table named in the loop's own body
        assert f"ledgers.{name}" not in source, name

"""The shape that keeps the next kind, table or format cheap: no import cycle, registries declared once."""

from __future__ import annotations

import ast
from pathlib import Path

from helpers import engine, paths
from helpers.render import FORMAT_SPECS, FORMATS, QUARTO_TO

SRC = Path(engine.__file__).resolve().parent


def _imports(path: Path, known: set[str]) -> set[str]:
    """The helpers modules a module imports (anywhere in it), leaving out ``if TYPE_CHECKING:`` blocks."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    skipped = {id(n) for block in ast.walk(tree) if isinstance(block, ast.If)
               and getattr(block.test, "id", None) == "TYPE_CHECKING" for n in ast.walk(block)}
    out = set()
    for node in ast.walk(tree):
        if id(node) in skipped or not isinstance(node, ast.ImportFrom) or node.level != 1:
            continue
        if node.module:
            out.add(node.module.split(".")[0])
        else:
            out.update(a.name for a in node.names)
    return out & known - {path.stem}


def test_no_import_cycle():
    known = {p.stem for p in SRC.glob("*.py")}
    graph = {p.stem: _imports(p, known) for p in SRC.glob("*.py")}
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


# The steps of the pipeline, in order (README, "The pipeline, module by module"):
# a module imports only from its own step or the steps before it.
STEPS = (
    ("settings", {"paths", "errors", "config", "outdir", "fonts", "layout"}),
    ("read", {"schema", "sheets", "ledgers", "validation"}),
    ("figures", {"periods", "kinds", "indicators"}),
    ("words", {"phrasing", "narrative", "sentences", "evidence"}),
    ("render", {"render", "docx_reference"}),
    ("document", {"tables", "charts", "report"}),
    ("run", {"engine", "build", "summary", "site", "distributed", "preview", "explain", "scaffold",
             "render_notebook"}),
    ("command line", {"cli", "__init__"}),
)


def test_every_module_imports_only_from_its_step_or_before():
    rank = {m: i for i, (_step, modules) in enumerate(STEPS) for m in modules}
    known = {p.stem for p in SRC.glob("*.py")}
    assert set(rank) == known, f"place these modules in a step: {sorted(known - set(rank))}"
    upward = [f"{p.stem} ({STEPS[rank[p.stem]][0]}) imports {m} ({STEPS[rank[m]][0]})"
              for p in SRC.glob("*.py") for m in sorted(_imports(p, known)) if rank[m] > rank[p.stem]]
    assert not upward, upward


def test_a_reports_code_hash_leaves_out_what_no_report_runs():
    code = {p.stem for p in engine.report_code() if p.suffix == ".py"}
    assert {"report", "indicators", "sentences", "tables", "charts", "render", "kinds"} <= code
    assert not code & {"site", "cli", "build", "preview", "scaffold", "explain"}
    assert all((SRC / f"{m}.py").is_file() for m in engine.NOT_REPORT_CODE)


def test_formats_are_declared_once():
    assert FORMATS == tuple(FORMAT_SPECS) == ("html", "pdf", "docx")
    assert QUARTO_TO == {"html": "html", "pdf": "typst", "docx": "docx"}
    for fmt in FORMAT_SPECS.values():
        assert fmt.file_name == f"report.{fmt.id}" and callable(fmt.builtin)


def test_one_atomic_writer():
    """Scratch-and-swap is written once (helpers.outdir); no module renames its own scratch folders."""
    for path in SRC.glob("*.py"):
        if path.stem == "outdir":
            continue
        text = path.read_text(encoding="utf-8")
        assert "os.rename(" not in text and "os.replace(" not in text and "uuid.uuid4" not in text, path.name


def test_every_overridable_file_is_shipped():
    for name in paths.OVERRIDABLE:
        assert paths.resource(name).is_file(), name

"""The notebooks, one per report kind: exactly five parameters, thin, committed clean, run under papermill."""

from __future__ import annotations

import ast

import nbformat
import papermill
import pytest

from helpers.document.display import INDICATORS_MIME
from helpers.figures.kinds import kinds

NOTEBOOKS = {kid: kind.notebook for kid, kind in kinds().items()}
each_kind = pytest.mark.parametrize("kind", list(NOTEBOOKS))


@each_kind
def test_parameters_are_exactly_the_five(kind):
    params = papermill.inspect_notebook(str(NOTEBOOKS[kind]))
    assert list(params) == ["year", "period", "unit", "as_of", "data_dir"]
    assert params["year"]["default"] == "2024"
    assert params["period"]["default"] == '"year"'
    assert params["as_of"]["default"] == "None"


@each_kind
def test_committed_without_outputs(kind):
    nb = nbformat.read(NOTEBOOKS[kind], as_version=4)
    for cell in nb.cells:
        if cell.cell_type == "code":
            assert not cell.outputs and cell.execution_count is None


@each_kind
def test_notebook_is_thin(kind):
    """No def, class, loop or comprehension in a notebook cell: they belong in helpers."""
    nb = nbformat.read(NOTEBOOKS[kind], as_version=4)
    banned = (ast.FunctionDef, ast.ClassDef, ast.For, ast.While, ast.ListComp, ast.DictComp,
              ast.SetComp, ast.GeneratorExp, ast.Lambda)
    for cell in nb.cells:
        if cell.cell_type == "code":
            for node in ast.walk(ast.parse(cell.source)):
                assert not isinstance(node, banned), f"cell {cell.get('id')}: {type(node).__name__}"


@each_kind
def test_exactly_one_parameters_cell(kind):
    nb = nbformat.read(NOTEBOOKS[kind], as_version=4)
    tagged = [c for c in nb.cells if "parameters" in c.metadata.get("tags", [])]
    assert len(tagged) == 1


@pytest.mark.render
@pytest.mark.parametrize("kind, period, title", [
    ("ideology", "year", "中共六安市叶集区人力资源和社会保障局党组2023年度意识形态工作专题报告"),
    ("casework", "Q3", "叶集区人力资源和社会保障局2023年第三季度信访工作情况报告"),
])
def test_executes_with_papermill(tmp_path, kind, period, title):
    out = tmp_path / "run.ipynb"
    notebook = NOTEBOOKS[kind]
    papermill.execute_notebook(str(notebook), str(out), parameters={"year": 2023, "unit": "yeji-rsj",
                                                                    "period": period},
                               cwd=str(notebook.parent), progress_bar=False, kernel_name="python3")
    nb = nbformat.read(out, as_version=4)
    published = [o["data"][INDICATORS_MIME] for c in nb.cells for o in c.get("outputs", [])
                 if INDICATORS_MIME in o.get("data", {})]
    assert len(published) == 1
    assert published[0]["unit_id"] == "yeji-rsj" and published[0]["year"] == 2023
    assert (published[0]["kind"], published[0]["period"]) == (kind, period)
    images = [o for c in nb.cells for o in c.get("outputs", []) if "image/png" in o.get("data", {})]
    assert len(images) >= 2
    markdown = "".join(o["data"]["text/markdown"] for c in nb.cells for o in c.get("outputs", [])
                       if "text/markdown" in o.get("data", {}))
    assert title in markdown

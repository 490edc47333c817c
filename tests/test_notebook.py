"""The notebook: exactly four parameters, thin, committed clean, runs under papermill."""

from __future__ import annotations

import ast

import nbformat
import papermill
import pytest

from helpers import paths
from helpers.report import INDICATORS_MIME


def test_parameters_are_exactly_the_four():
    params = papermill.inspect_notebook(str(paths.NOTEBOOK))
    assert list(params) == ["year", "unit", "as_of", "data_dir"]
    assert params["year"]["default"] == "2024"
    assert params["as_of"]["default"] == "None"


def test_committed_without_outputs():
    nb = nbformat.read(paths.NOTEBOOK, as_version=4)
    for cell in nb.cells:
        if cell.cell_type == "code":
            assert not cell.outputs and cell.execution_count is None


def test_notebook_is_thin():
    """No def, class, loop or comprehension in a notebook cell: they belong in helpers."""
    nb = nbformat.read(paths.NOTEBOOK, as_version=4)
    banned = (ast.FunctionDef, ast.ClassDef, ast.For, ast.While, ast.ListComp, ast.DictComp,
              ast.SetComp, ast.GeneratorExp, ast.Lambda)
    for cell in nb.cells:
        if cell.cell_type == "code":
            for node in ast.walk(ast.parse(cell.source)):
                assert not isinstance(node, banned), f"cell {cell.get('id')}: {type(node).__name__}"


def test_exactly_one_parameters_cell():
    nb = nbformat.read(paths.NOTEBOOK, as_version=4)
    tagged = [c for c in nb.cells if "parameters" in c.metadata.get("tags", [])]
    assert len(tagged) == 1


@pytest.mark.render
def test_executes_with_papermill(tmp_path):
    out = tmp_path / "run.ipynb"
    papermill.execute_notebook(str(paths.NOTEBOOK), str(out), parameters={"year": 2023, "unit": "yeji-rsj"},
                               cwd=str(paths.NOTEBOOK.parent), progress_bar=False, kernel_name="python3")
    nb = nbformat.read(out, as_version=4)
    published = [o["data"][INDICATORS_MIME] for c in nb.cells for o in c.get("outputs", [])
                 if INDICATORS_MIME in o.get("data", {})]
    assert len(published) == 1
    assert published[0]["unit_id"] == "yeji-rsj" and published[0]["year"] == 2023
    images = [o for c in nb.cells for o in c.get("outputs", []) if "image/png" in o.get("data", {})]
    assert len(images) >= 2
    markdown = "".join(o["data"]["text/markdown"] for c in nb.cells for o in c.get("outputs", [])
                       if "text/markdown" in o.get("data", {}))
    assert "中共六安市叶集区人力资源和社会保障局党组2023年度意识形态工作专题报告" in markdown

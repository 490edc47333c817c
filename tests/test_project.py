"""A project folder overrides nianbao's defaults; `init --project`; the wheel works in any folder."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import run_cli
from helpers.settings import paths


def _env_without_root() -> dict:
    env = dict(os.environ)
    env.pop("NIANBAO_ROOT", None)
    return env


def _paths_in(folder: Path, expression: str) -> str:
    code = f"from helpers.settings import paths; print({expression})"
    return subprocess.run([sys.executable, "-c", code], cwd=folder, env=_env_without_root(), capture_output=True,
                          text=True, check=True).stdout.strip()


def test_project_files_win_file_by_file(tmp_path):
    (tmp_path / "config").mkdir()
    (tmp_path / "config" / "rules.yml").write_text((paths.RULES_CONFIG).read_text(encoding="utf-8"), encoding="utf-8")
    (tmp_path / "sub").mkdir()
    assert _paths_in(tmp_path / "sub", "paths.ROOT") == str(tmp_path)  # found from a subfolder
    assert _paths_in(tmp_path, "paths.RULES_CONFIG") == str(tmp_path / "config" / "rules.yml")
    assert _paths_in(tmp_path, "paths.QUARTO_CONFIG") != str(tmp_path / "_quarto.yml")  # the default
    assert Path(_paths_in(tmp_path, "paths.QUARTO_CONFIG")).is_file()
    proc = subprocess.run([*__import__("conftest").NIANBAO, "doctor"], cwd=tmp_path, env=_env_without_root(),
                          capture_output=True, text=True)
    lines = {line.split()[0]: line for line in proc.stdout.splitlines() if line.startswith("  ")}
    assert "项目" in lines["config/rules.yml"] and "默认" in lines["_quarto.yml"]


def test_init_project_writes_a_project(tmp_path):
    proc = run_cli("init", str(tmp_path / "我的年报"), "--project", "--year", "2025")
    assert proc.returncode == 0, proc.stdout + proc.stderr
    project = tmp_path / "我的年报"
    for name in ("_quarto.yml", "config/rules.yml", "config/categories.yml", "config/kinds.yml",
                 "notebooks/ideology.ipynb", "notebooks/casework.ipynb", "README.md", "data/units.csv",
                 "data/casework.xlsx", "data/narrative/default.md", "data/narrative/default.casework.md"):
        assert (project / name).is_file(), name
    readme = (project / "README.md").read_text(encoding="utf-8")
    assert "nianbao build" in readme
    assert "`discipline.xlsx`（纪律教育台账）" in readme and "default.integrity.md" in readme  # from the registries
    proc = subprocess.run([*__import__("conftest").NIANBAO, "validate"], cwd=project, env=_env_without_root(),
                          capture_output=True, text=True)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "信访台账36行" in proc.stdout and "共2个单位" in proc.stdout
    # a counted table's example: each kind as often as its minimum (警示教育 twice a year), 3 years, 2 units
    assert "纪律教育台账30行" in proc.stdout


def test_init_project_empty_has_blank_ledgers(tmp_path):
    proc = run_cli("init", str(tmp_path / "p"), "--project", "--empty")
    assert proc.returncode == 0, proc.stdout + proc.stderr
    proc = subprocess.run([*__import__("conftest").NIANBAO, "validate"], cwd=tmp_path / "p", env=_env_without_root(),
                          capture_output=True, text=True)
    assert "信访台账0行" in proc.stdout


def _left_edge_mm(pdf: Path) -> float:
    import pdfplumber

    with pdfplumber.open(pdf) as doc:
        words = doc.pages[0].extract_words()
    return min(w["x0"] for w in words) / 72 * 25.4


@pytest.mark.render
def test_a_projects_own_quarto_yml_changes_its_layout(tmp_path):
    project = tmp_path / "p"
    assert run_cli("init", str(project), "--project", "--year", "2025").returncode == 0
    build = [*__import__("conftest").NIANBAO, "build", "--year", "2024", "--unit", "example-mzj", "--formats", "pdf",
             "--engine", "builtin"]
    proc = subprocess.run(build, cwd=project, env=_env_without_root(), capture_output=True, text=True)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    pdf = project / "output" / "2024" / "ideology" / "example-mzj" / "report.pdf"
    assert abs(_left_edge_mm(pdf) - 28) < 1.5
    quarto = project / "_quarto.yml"
    quarto.write_text(quarto.read_text(encoding="utf-8").replace("left: 28mm", "left: 45mm"), encoding="utf-8")
    proc = subprocess.run(build, cwd=project, env=_env_without_root(), capture_output=True, text=True)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert abs(_left_edge_mm(pdf) - 45) < 1.5


@pytest.fixture(scope="module")
def installed(tmp_path_factory) -> Path:
    """The wheel, installed into a fresh virtual environment (its own copy of every dependency)."""
    tmp = tmp_path_factory.mktemp("wheel")
    subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", "-w", str(tmp / "dist"), str(paths.ROOT)],
                   check=True, capture_output=True)
    wheel = next((tmp / "dist").glob("nianbao-*.whl"))
    subprocess.run([sys.executable, "-m", "venv", str(tmp / "venv")], check=True)
    subprocess.run([str(tmp / "venv" / "bin" / "pip"), "install", "-q", str(wheel)], check=True, capture_output=True)
    return tmp / "venv" / "bin" / "nianbao"


@pytest.mark.render
@pytest.mark.slow
def test_the_wheel_builds_a_report_in_any_folder(installed, tmp_path):
    shutil.copytree(paths.DATA_DIR, tmp_path / "data")
    proc = subprocess.run([str(installed), "build", "--year", "2024", "--unit", "yeji-mzj", "--formats", "pdf,html"],
                          cwd=tmp_path, env=_env_without_root(), capture_output=True, text=True)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert (tmp_path / "output" / "2024" / "ideology" / "yeji-mzj" / "report.pdf").is_file()
    assert "群众来信来访33件" in (tmp_path / "output" / "2024" / "ideology" / "yeji-mzj" / "report.html").read_text(encoding="utf-8")
    doctor = subprocess.run([str(installed), "doctor"], cwd=tmp_path, env=_env_without_root(), capture_output=True,
                            text=True).stdout
    assert "默认" in doctor and "site-packages" in doctor  # the defaults come from the wheel


@pytest.mark.render
@pytest.mark.slow
def test_the_wheel_after_init_project(installed, tmp_path):
    proc = subprocess.run([str(installed), "init", "我的年报", "--project", "--year", "2025"], cwd=tmp_path,
                          env=_env_without_root(), capture_output=True, text=True)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    proc = subprocess.run([str(installed), "build", "--year", "2024", "--unit", "all", "--formats", "pdf"],
                          cwd=tmp_path / "我的年报", env=_env_without_root(), capture_output=True, text=True)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert (tmp_path / "我的年报" / "output" / "2024" / "ideology" / "example-rsj" / "report.pdf").is_file()

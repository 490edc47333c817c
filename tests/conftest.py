"""Shared fixtures. Render tests build one real report once per session."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

from helpers.settings import paths

ROOT = paths.ROOT
NIANBAO = [sys.executable, "-m", "helpers.cli"]

# The figures of the reference report (shared/reference), as the report states them.
REFERENCE_FIGURES = [
    "理论中心组学习（研讨）15次",
    "支部党员大会3次",
    "支委会议11次",
    "主题党日11次",
    "专题党课4次",
    "群众来信来访33件",
    "按期答复率100.0%",
    "未发生到市、赴省、进京越级上访",
    "全区77个村（社区）已全部建成“救急难”互助社",
]
REFERENCE_OUTLETS = ["人民网", "中国社会报", "新华网", "学习强国", "皖西日报", "中安在线"]


def pandoc(args: list[str], cwd: Path) -> str:
    """Run the bundled Pandoc (``pypandoc_binary``) in ``cwd``; its output (an error fails the test)."""
    from pypandoc import get_pandoc_path

    return subprocess.run([get_pandoc_path(), *args], cwd=cwd, capture_output=True, text=True, check=True).stdout


def squash(text: str) -> str:
    """Text without any white space (PDF text breaks lines and spaces digits)."""
    return "".join(text.split())


def run_cli(*args: str, cwd: Path = ROOT, env: dict | None = None) -> subprocess.CompletedProcess:
    """Run ``nianbao`` as a user would, capturing what it prints."""
    return subprocess.run([*NIANBAO, *args], cwd=cwd, capture_output=True, text=True,
                          env={**os.environ, **(env or {})})


@pytest.fixture(scope="session")
def sample_ledgers():
    from helpers.read.ledgers import load_ledgers

    return load_ledgers(paths.DATA_DIR)


@pytest.fixture(scope="session")
def built_report(tmp_path_factory) -> Path:
    """The 2024 yeji-mzj report, built by the CLI into a temporary output root."""
    out = tmp_path_factory.mktemp("out")
    proc = run_cli("build", "--year", "2024", "--unit", "yeji-mzj", "--out", str(out), "--jobs", "1")
    assert proc.returncode == 0, proc.stderr + proc.stdout
    return out / "2024" / "ideology" / "yeji-mzj"


@pytest.fixture(scope="session")
def sample_build(tmp_path_factory) -> Path:
    """Every sample report and district summary, built by the CLI into a temporary output root, as `make report` does.

    Every kind for every year, and the 2024 half-year reports.
    """
    out = tmp_path_factory.mktemp("sample-build")
    proc = run_cli("build", "--year", "all", "--kind", "all", "--period", "year,2024-H1", "--unit", "all",
                   "--out", str(out))
    assert proc.returncode == 0, proc.stderr + proc.stdout
    return out


@pytest.fixture
def data_copy(tmp_path) -> Path:
    """A writable copy of the sample data folder."""
    target = tmp_path / "data"
    shutil.copytree(paths.DATA_DIR, target)
    return target


def frame(rows: list[dict], dates: tuple[str, ...] = ()) -> pd.DataFrame:
    """A tiny typed frame: the named columns parsed as dates."""
    out = pd.DataFrame(rows)
    for col in dates:
        out[col] = pd.to_datetime(out[col])
    return out


def structure_elements(path: Path) -> list[tuple[str, str | None, tuple[str, ...]]]:
    """Every element of the PDF's structure tree in reading order: its type, its /Alt, the types above it."""
    import pikepdf

    found: list[tuple[str, str | None, tuple[str, ...]]] = []

    def walk(node, above: tuple[str, ...]) -> None:
        if isinstance(node, pikepdf.Dictionary):
            kind = str(node.get("/S", ""))
            found.append((kind, str(node.Alt) if "/Alt" in node else None, above))
            if node.get("/K") is not None:
                walk(node.K, (*above, kind))
        elif isinstance(node, pikepdf.Array):
            for child in node:
                walk(child, above)

    with pikepdf.open(path) as pdf:
        if "/StructTreeRoot" in pdf.Root:
            walk(pdf.Root.StructTreeRoot, ())
    return found


def pdf_alt_texts(path: Path) -> list[str]:
    """The alternative text of every figure in the PDF's structure tree, in reading order."""
    return [alt for _kind, alt, _above in structure_elements(path) if alt is not None]


def table_nesting(path: Path) -> tuple[int, int]:
    """The tables in the PDF's structure tree, and how many of them sit inside another table."""
    tables = [above for kind, _alt, above in structure_elements(path) if kind == "/Table"]
    return len(tables), sum("/Table" in above for above in tables)

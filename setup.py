"""Packaging hook: the project defaults travel inside the wheel.

pyproject.toml holds the package's metadata. This file only adds one step to
the build: the repository's ``_quarto.yml``, ``config/``, ``notebooks/`` and
``templates/`` are copied into ``helpers/defaults/``, so that ``pip install``
gives a ``nianbao`` that builds reports in any folder (a project folder's own
files still win, file by file: see ``src/helpers/paths.py``).
"""

import shutil
from pathlib import Path

from setuptools import setup
from setuptools.command.build_py import build_py

HERE = Path(__file__).resolve().parent
DEFAULTS = ("_quarto.yml", "config", "notebooks", "templates")
SKIP = shutil.ignore_patterns(".ipynb_checkpoints", "__pycache__", "*.pyc")


class BuildWithDefaults(build_py):
    """``build_py`` that also copies the project defaults into the package."""

    def run(self):
        super().run()
        target = Path(self.build_lib) / "helpers" / "defaults"
        for name in DEFAULTS:
            source = HERE / name
            if source.is_dir():
                shutil.copytree(source, target / name, ignore=SKIP, dirs_exist_ok=True)
            elif source.is_file():
                target.mkdir(parents=True, exist_ok=True)
                shutil.copy2(source, target / name)


setup(cmdclass={"build_py": BuildWithDefaults})

"""Read the two configuration files: ``config/rules.yml`` and ``_quarto.yml``."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Any

import yaml

from . import paths
from .errors import ConfigError


def _read_yaml(path: Path) -> dict[str, Any]:
    try:
        with open(path, encoding="utf-8") as fh:
            data = yaml.safe_load(fh) or {}
    except FileNotFoundError as exc:
        raise ConfigError(f"{path}: configuration file is missing") from exc
    except yaml.YAMLError as exc:
        raise ConfigError(f"{path}: not valid YAML ({exc})") from exc
    if not isinstance(data, dict):
        raise ConfigError(f"{path}: expected a mapping at the top level")
    return data


@lru_cache(maxsize=4)
def rules(path: Path | None = None) -> dict[str, Any]:
    """Return the rules and thresholds (``config/rules.yml``).

    Parameters
    ----------
    path : Path, optional
        Another rules file; the project's by default.

    Returns
    -------
    dict
        The parsed file, checked for the keys the pipeline needs.
    """
    path = Path(path or paths.RULES_CONFIG)
    data = _read_yaml(path)
    for key in ("activity_minimums", "casework"):
        if key not in data:
            raise ConfigError(f"{path}: the section '{key}' is missing")
    for code, rule in data["activity_minimums"].items():
        per_year = rule.get("per_year") if isinstance(rule, dict) else None
        if not isinstance(per_year, int) or per_year < 1 or 12 % per_year:
            raise ConfigError(
                f"{path}: activity_minimums.{code}.per_year must be 1, 2, 3, 4, 6 or 12"
            )
    return data


@lru_cache(maxsize=4)
def categories(path: Path | None = None) -> dict[str, Any]:
    """Return the activity categories and their office spellings (``config/categories.yml``).

    Parameters
    ----------
    path : Path, optional
        Another categories file; the project's by default.

    Returns
    -------
    dict
        ``prefixes`` (list) and ``categories``: code to ``name``, ``short``, ``aliases``.
    """
    path = Path(path or paths.CATEGORIES_CONFIG)
    data = _read_yaml(path)
    cats = data.get("categories")
    if not isinstance(cats, dict) or not cats:
        raise ConfigError(f"{path}：缺少 categories 一节（各类别的代码、名称和别名）")
    for code, item in cats.items():
        if not isinstance(item, dict) or not isinstance(item.get("name"), str):
            raise ConfigError(f"{path}：categories.{code} 需要 name（中文名称）")
        aliases = item.get("aliases") or []
        if not isinstance(aliases, list) or not all(isinstance(a, str) for a in aliases):
            raise ConfigError(f"{path}：categories.{code}.aliases 应是一组文字（每行一个）")
    return data


@lru_cache(maxsize=4)
def quarto(path: Path | None = None) -> dict[str, Any]:
    """Return ``_quarto.yml``: formats, layout and fonts.

    Parameters
    ----------
    path : Path, optional
        Another Quarto project file; the project's by default.
    """
    path = Path(path or paths.QUARTO_CONFIG)
    data = _read_yaml(path)
    if "format" not in data or "nianbao" not in data:
        raise ConfigError(f"{path}: needs the sections 'format' and 'nianbao'")
    return data


def nianbao_settings() -> dict[str, Any]:
    """Return the ``nianbao:`` section of ``_quarto.yml`` (grid, sizes, fonts)."""
    return quarto()["nianbao"]

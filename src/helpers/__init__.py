"""nianbao's helpers: ledgers in, figures, charts and report text out.

The notebooks (``notebooks/ideology.ipynb``, ``notebooks/casework.ipynb``) use this small public API; the
``nianbao`` command (:mod:`helpers.cli`) drives notebooks and rendering.
"""

from __future__ import annotations

from .settings.errors import (
    ColumnMissingError,
    ConfigError,
    FontError,
    InputError,
    NarrativeError,
    NianbaoError,
    ParameterError,
    RenderError,
    ReportError,
    TableMissingError,
    UnreadableFileError,
)

__version__ = "0.1.0"

# The rest of the public API is imported on first use, so that `nianbao` starts
# fast (a rebuild with nothing to do never imports matplotlib).
_LAZY = {
    "Indicators": "figures.indicators", "compute_indicators": "figures.indicators",
    "Ledgers": "read.ledgers", "load_ledgers": "read.ledgers",
    "Report": "document.report", "publish_indicators": "document.display", "show_charts": "document.display",
    "show_markdown": "document.display",
}


def __getattr__(name: str):
    if name in _LAZY:
        import importlib

        value = getattr(importlib.import_module(f".{_LAZY[name]}", __name__), name)
        globals()[name] = value
        return value
    raise AttributeError(f"module 'helpers' has no attribute {name!r}")

__all__ = [
    "ColumnMissingError",
    "ConfigError",
    "FontError",
    "Indicators",
    "InputError",
    "Ledgers",
    "NarrativeError",
    "NianbaoError",
    "ParameterError",
    "RenderError",
    "Report",
    "ReportError",
    "TableMissingError",
    "UnreadableFileError",
    "compute_indicators",
    "load_ledgers",
    "publish_indicators",
    "show_charts",
    "show_markdown",
]

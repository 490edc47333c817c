"""nianbao's helpers: ledgers in, figures, charts and report text out.

The notebook ``notebooks/annual_report.ipynb`` uses this small public API; the
``nianbao`` command (:mod:`helpers.cli`) drives notebooks and rendering.
"""

from __future__ import annotations

from .errors import (
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
from .indicators import Indicators, compute_indicators
from .ledgers import Ledgers, load_ledgers
from .report import Report, publish_indicators, show_charts, show_markdown

__version__ = "0.1.0"

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

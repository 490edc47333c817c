"""Named errors. Each message says, in plain words, what to fix.

``NianbaoError`` is the root; the CLI turns any of them into one line on stderr.
Whole-file problems (:class:`InputError`) exit with status 2 before anything is
written, as ``shared/data-contract.md`` promises.
"""

from __future__ import annotations


class NianbaoError(Exception):
    """Base class of every error nianbao raises on purpose."""

    exit_code = 1
    title = "nianbao 出错"

    def _render_traceback_(self) -> list[str]:
        """How IPython shows this error in a notebook: one short message, no traceback."""
        return [f"\x1b[1;31m{self.title}：\x1b[0m{self}"]


class InputError(NianbaoError):
    """A whole-file or parameter problem: nothing can be built from this input."""

    exit_code = 2


class TableMissingError(InputError):
    """A required table is not in the data folder."""


class ColumnMissingError(InputError):
    """A required column is not in a table."""


class TotalMismatchError(ColumnMissingError):
    """An office's own 合计/小计 does not agree with the records above it."""


class UnreadableFileError(InputError):
    """A file cannot be read (encoding, format, or damage)."""


class ParameterError(InputError):
    """A parameter (unit, year, as_of, formats) is not usable."""


class NarrativeError(InputError):
    """The analysts' prose has an unknown placeholder or bad structure."""

    title = "文字材料有误"


class ConfigError(NianbaoError):
    """A configuration file (``_quarto.yml``, ``config/rules.yml``) is wrong."""

    exit_code = 2


class FontError(NianbaoError):
    """A font role has no installed CJK font, or a PDF embedded the wrong font."""

    exit_code = 2


class RenderError(NianbaoError):
    """pandoc, typst or Quarto failed to write a format."""


class ReportError(NianbaoError):
    """Executing a report's notebook failed (the cell and message are kept)."""


class OutputError(NianbaoError):
    """The output folder cannot be created or written (checked before any report runs)."""

    exit_code = 2


class BusyError(NianbaoError):
    """Another build holds the output folder's lock."""

    exit_code = 3


class Interrupted(NianbaoError):
    """A build stopped by SIGINT or SIGTERM; finished reports are in place, the rest were not written."""

    exit_code = 130


class OfdError(RenderError):
    """A PDF cannot be turned into OFD (unreadable, or drawn with something OFD output does not support)."""

    title = "OFD 转换失败"

"""Print what writing a report's evidence (核对表) costs, per report of the sample.

For every sample unit and report kind (2024, the year and its first half),
the kind's figures are computed once; then :func:`helpers.words.evidence.write_evidence`
(``evidence.csv`` and ``evidence.xlsx``) runs ``--repeat`` times into a
temporary folder; the same for each kind's district summary (every unit's
rows). Prints the median milliseconds per report of the whole
step and of the workbook alone (:func:`helpers.words.evidence.write_xlsx`
from records already built), and the cells the workbooks hold. Where
XlsxWriter is installed (it is not a dependency), the same workbooks written
by it are timed too: issue 25 asked for a well-kept writer at no more than the
hand-written one's cost.

Usage: ``.venv/bin/python bench/evidence.py [--repeat 7]``
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from contextlib import contextmanager
from pathlib import Path

import numpy as np

from helpers.figures import kinds
from helpers.figures.indicators import compute_indicators
from helpers.read.ledgers import load_ledgers
from helpers.run.summary import district
from helpers.settings import paths
from helpers.words import evidence

try:
    import xlsxwriter
except ImportError:  # not a dependency: measured only where installed
    xlsxwriter = None


@contextmanager
def _library_writer():
    """Write the 核对表 with XlsxWriter for the time being: the same sheets, bold frozen header, filters."""

    def write(target: Path, sheets: list) -> Path:
        book = xlsxwriter.Workbook(str(target), {"in_memory": True, "strings_to_formulas": False,
                                                 "strings_to_urls": False, "strings_to_numbers": False})
        bold = book.add_format({"bold": True})
        for title, headers, columns, widths in sheets:
            sheet = book.add_worksheet(title)
            sheet.write_row(0, 0, headers, bold)
            for j, (values, width) in enumerate(zip(columns, widths)):
                sheet.set_column(j, j, width)
                for i, value in enumerate(values, start=1):
                    if value is None or value == "":
                        continue
                    if value.__class__ is str:
                        sheet.write_string(i, j, value)
                    elif isinstance(value, (bool, np.bool_)):
                        sheet.write_boolean(i, j, bool(value))
                    elif np.isfinite(value):
                        sheet.write_number(i, j, value)
            sheet.freeze_panes(1, 0)
            sheet.autofilter(0, 0, max((len(c) for c in columns), default=0), len(headers) - 1)
        book.close()
        return target

    saved = evidence._write_workbook
    evidence._write_workbook = write
    try:
        yield
    finally:
        evidence._write_workbook = saved


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=7)
    args = parser.parse_args()
    ledgers = load_ledgers(paths.DATA_DIR)
    figures = {"report": [], "summary": []}
    for kind in kinds.kinds().values():
        for period in ("year", "H1"):
            for unit in sorted(ledgers.units.index):
                ind = compute_indicators(ledgers, unit, 2024, None, period)
                figures["report"].append(ind.only(kind.chosen(ind.items)))
            total, _ = district(ledgers, 2024, None, period)
            figures["summary"].append(total.only(kind.chosen(total.items)))
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        for what, inds in figures.items():
            step, book, library, cells = [], [], [], 0
            for ind in inds:
                records = {g.table: evidence.table_records(ledgers, ind, g.table) for g in evidence.GROUPS}
                runs, xl, lib = [], [], []
                for _ in range(args.repeat):
                    start = time.perf_counter()
                    evidence.write_evidence(folder, ledgers, ind)
                    runs.append(time.perf_counter() - start)
                    start = time.perf_counter()
                    evidence.write_xlsx(records, ind, folder / "book.xlsx")
                    xl.append(time.perf_counter() - start)
                    if xlsxwriter is not None:
                        start = time.perf_counter()
                        with _library_writer():
                            evidence.write_xlsx(records, ind, folder / "library.xlsx")
                        lib.append(time.perf_counter() - start)
                step.append(statistics.median(runs))
                book.append(statistics.median(xl))
                library.append(statistics.median(lib) if lib else 0.0)
                cells += sum(len(r) * len(r.columns) for r in records.values())
            print(f"{what}: {len(step)}, record cells {cells}")
            print(f"  evidence step: median {statistics.median(step) * 1000:.1f} ms, sum {sum(step) * 1000:.0f} ms")
            print(f"  workbook alone: median {statistics.median(book) * 1000:.1f} ms, sum {sum(book) * 1000:.0f} ms")
            if xlsxwriter is not None:
                print(f"  the same workbook by XlsxWriter {xlsxwriter.__version__}: median "
                      f"{statistics.median(library) * 1000:.1f} ms, sum {sum(library) * 1000:.0f} ms")


if __name__ == "__main__":
    main()

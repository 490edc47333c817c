"""Seconds per report of the OFD writer (render/ofd.py), on PDFs a build already wrote.

Each PDF is converted ``--rounds`` times in one process, after one warm-up
conversion (imports and first-use costs are not counted). Prints the mean and
median wall time and the mean CPU time per report (CPU time is less sensitive
to other load on the machine). Target: at most 0.15 s per report on average.

Usage: ``.venv/bin/python bench/ofd.py [--rounds 5] PDF...`` (for example the
``report.pdf`` files of ``nianbao build --unit yeji-mzj --year 2024 --kind all --formats pdf --out DIR``).
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from pathlib import Path

from helpers.render.ofd import pdf_to_ofd


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("pdfs", nargs="+", type=Path)
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args()
    meta = {"title": "基准", "author": "nianbao", "created": "2024-12-31", "keywords": ["bench"]}
    with tempfile.TemporaryDirectory() as tmp:
        target = Path(tmp) / "report.ofd"
        pdf_to_ofd(args.pdfs[0], target, **meta)
        wall, cpu = [], []
        for _ in range(args.rounds):
            for pdf in args.pdfs:
                start, start_cpu = time.perf_counter(), time.process_time()
                pdf_to_ofd(pdf, target, **meta)
                wall.append(time.perf_counter() - start)
                cpu.append(time.process_time() - start_cpu)
    print(f"{len(wall)} conversions of {len(args.pdfs)} reports: "
          f"{statistics.mean(wall):.3f} s per report on average (median {statistics.median(wall):.3f} s, "
          f"CPU {statistics.mean(cpu):.3f} s)")


if __name__ == "__main__":
    main()

"""Time the rendering of one executed report by each engine: Quarto and the built-in one.

Executes the sample report once (``nianbao build`` with the built-in engine into
a scratch folder), then renders its ``report.ipynb`` to html, pdf and docx
``--repeat`` times with each engine available here and prints the median
seconds. Quarto is timed only where ``quarto`` is on PATH (issue 14 measured
9.4 s through Quarto, one call per format, against 4.8 s built-in for a whole
build). ``--quarto PATH_DIR`` puts another ``quarto`` first on PATH (e.g. the
tests' stand-in, whose figure is pandoc's and typst's, not Quarto's).

Usage: ``.venv/bin/python bench/render_engines.py [--repeat 3] [--quarto DIR]``
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from helpers.render.engines import quarto_version, render
from helpers.settings import paths


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--quarto", type=Path, default=None, help="a folder holding a quarto to use")
    args = parser.parse_args()
    if args.quarto:
        os.environ["PATH"] = f"{args.quarto.resolve()}{os.pathsep}{os.environ['PATH']}"
    with tempfile.TemporaryDirectory(prefix="nianbao-bench-") as tmp:
        out = Path(tmp) / "out"
        subprocess.run([sys.executable, "-m", "helpers.cli", "build", "--year", "2024", "--unit", "yeji-mzj",
                        "--out", str(out), "--jobs", "1", "--engine", "builtin"], check=True, cwd=paths.ROOT,
                       capture_output=True)
        notebook = out / "2024" / "ideology" / "yeji-mzj" / "report.ipynb"
        engines = ["builtin"] + (["quarto"] if quarto_version() else [])
        for engine in engines:
            times = []
            for i in range(args.repeat):
                target = Path(tmp) / f"{engine}-{i}"
                target.mkdir()
                start = time.perf_counter()
                render(notebook, target, ("html", "pdf", "docx"), engine=engine)
                times.append(time.perf_counter() - start)
            label = f"quarto {quarto_version()}" if engine == "quarto" else "builtin"
            print(f"{label:20s} render html+pdf+docx: median {statistics.median(times):.2f} s "
                  f"(min {min(times):.2f}, max {max(times):.2f}, {args.repeat} runs)")
        if len(engines) == 1:
            print("quarto               not on PATH: not timed")
    return 0


if __name__ == "__main__":
    sys.exit(main())

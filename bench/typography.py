"""Print the typography figures of issue 11 over every report PDF of a build.

Builds every sample report and district summary into a temporary folder (or
reads an existing output folder) and prints, with tests/typography.py: the
share of punctuation advances equal to the grid's hanzi pitch (and to each
line's own pitch, which justification stretches on lines with digits), lines
holding more than 28 characters, lines past the right edge of the text block,
lines starting with a closing mark or ending with an opening one, pages with
fewer than four lines and no picture, and wrapped table cells (body and heading
row apart).

Usage: ``.venv/bin/python bench/typography.py [OUTPUT_DIR]``
"""

from __future__ import annotations

import json
import subprocess
import sys
import tempfile
from pathlib import Path

from helpers.settings import paths

sys.path.insert(0, str(paths.ROOT / "tests"))
from typography import report  # noqa: E402


def main() -> None:
    if len(sys.argv) > 1:
        out = Path(sys.argv[1])
    else:
        out = Path(tempfile.mkdtemp(prefix="nianbao-typography-"))
        subprocess.run([sys.executable, "-m", "helpers.cli", "build", "--year", "all", "--period", "year,2024-H1",
                        "--kind", "all", "--unit", "all", "--out", str(out), "--formats", "pdf"],  # as `make report`
                       check=True, cwd=paths.ROOT)
    pdfs = sorted(out.glob("*/*/*/report.pdf"))
    print(f"{len(pdfs)} PDFs under {out}")
    print(json.dumps(report(pdfs), indent=1))


if __name__ == "__main__":
    main()

"""Benchmark ``nianbao preview``: from a prose save to the served HTML and PDF.

Runs the real command (``nianbao preview``, a subprocess on a free port) on a
copy of the sample data, waits for the first report, then edits the prose file
N times. For each save it measures, over HTTP as a browser would see it:

- save -> ``/`` serves HTML holding the new words (target <= 1 s);
- save -> ``/report.pdf`` serves a PDF holding them (target <= 2 s).

Prints each edit's figures, then the median and the worst.

Usage: ``.venv/bin/python bench/preview.py [--edits 10] [--unit yeji-mzj] [--year 2024]``
"""

from __future__ import annotations

import argparse
import re
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from pathlib import Path

from helpers.settings import paths

TOKENS = "甲乙丙丁戊己庚辛壬癸"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def get(url: str) -> bytes | None:
    try:
        with urllib.request.urlopen(url, timeout=5) as response:
            return response.read()
    except (urllib.error.URLError, ConnectionError, TimeoutError):
        return None


def pdf_text(data: bytes) -> str:
    proc = subprocess.run(["pdftotext", "-", "-"], input=data, capture_output=True)
    return re.sub(r"\s+", "", proc.stdout.decode("utf-8", "replace"))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--edits", type=int, default=10)
    parser.add_argument("--unit", default="yeji-mzj")
    parser.add_argument("--year", type=int, default=2024)
    args = parser.parse_args()

    with tempfile.TemporaryDirectory(prefix="nianbao-bench-preview-") as tmp:
        data = Path(tmp) / "data"
        shutil.copytree(paths.DATA_DIR, data)
        prose = data / "narrative" / args.unit / f"{args.year}.md"
        port = free_port()
        url = f"http://127.0.0.1:{port}/"
        cmd = [str(Path(sys.executable).with_name("nianbao")), "preview", "--year", str(args.year),
               "--unit", args.unit, "--data", str(data), "--port", str(port)]
        start = time.perf_counter()
        proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        try:
            while get(url + "report.pdf") is None or b"%PDF" not in (get(url + "report.pdf") or b""):
                if proc.poll() is not None:
                    print("preview exited early", file=sys.stderr)
                    return 1
                time.sleep(0.1)
            print(f"first report (kernel start, execute, HTML, PDF): {time.perf_counter() - start:.2f} s")
            html_times, pdf_times = [], []
            for i in range(args.edits):
                token = f"预览测试{TOKENS[i % 10]}{i}号"
                text = prose.read_text(encoding="utf-8")
                text = re.sub(r"现将有关情况报告如下[^。]*。", f"现将有关情况报告如下{token}。", text, count=1)
                old_pdf = get(url + "report.pdf")
                t0 = time.perf_counter()
                prose.write_text(text, encoding="utf-8")
                html_at = pdf_at = None
                while (html_at is None or pdf_at is None) and time.perf_counter() - t0 < 30:
                    if html_at is None and token in (get(url) or b"").decode("utf-8", "replace"):
                        html_at = time.perf_counter() - t0
                    if pdf_at is None:
                        pdf = get(url + "report.pdf")
                        if pdf and pdf != old_pdf:
                            if token in pdf_text(pdf):
                                pdf_at = time.perf_counter() - t0
                            old_pdf = pdf
                    time.sleep(0.02)
                if html_at is None or pdf_at is None:
                    print(f"edit {i + 1}: not served within 30 s", file=sys.stderr)
                    return 1
                html_times.append(html_at)
                pdf_times.append(pdf_at)
                print(f"edit {i + 1:2d}: HTML {html_at:.2f} s, PDF {pdf_at:.2f} s")
                time.sleep(0.3)
        finally:
            proc.send_signal(signal.SIGINT)
            try:
                code = proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                proc.kill()
                code = "killed"
    print(f"prose save -> served HTML: median {statistics.median(html_times):.2f} s, "
          f"worst {max(html_times):.2f} s (target <= 1 s)")
    print(f"prose save -> served PDF:  median {statistics.median(pdf_times):.2f} s, "
          f"worst {max(pdf_times):.2f} s (target <= 2 s)")
    print(f"Ctrl-C: preview exited with status {code}")
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""Benchmark: generate a casework ledger of 1,000,000 rows and validate it.

Prints the wall time and the peak memory (resident set) of the validation, on
this machine. Target (issue 3): <= 10 s and <= 2 GB on 2 cores.

Usage: ``.venv/bin/python bench/validate_1m.py [ROWS]``
"""

from __future__ import annotations

import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd

from helpers.read.ledgers import validate


def make_data(folder: Path, rows: int, seed: int = 1) -> None:
    rng = np.random.default_rng(seed)
    units = [f"unit-{i:03d}" for i in range(50)]
    pd.DataFrame({"unit_id": units, "unit_name": [f"单位{i}" for i in range(50)]}).to_csv(
        folder / "units.csv", index=False)
    pd.DataFrame({"unit": units, "date": "2024-03-05", "category": "支部大会"}).to_csv(
        folder / "activities.csv", index=False)
    received = pd.Timestamp("2023-01-01") + pd.to_timedelta(rng.integers(0, 700, rows), unit="D")
    replied = received + pd.to_timedelta(rng.integers(1, 90, rows), unit="D")
    replied_text = replied.strftime("%Y-%m-%d").to_numpy().astype(object)
    replied_text[rng.random(rows) < 0.05] = ""
    received_text = np.where(rng.random(rows) < 0.2, received.strftime("%Y年%-m月%-d日"),
                             received.strftime("%Y/%-m/%-d"))
    frame = pd.DataFrame({
        "信访编号": [f"XF{i:08d}" for i in range(rows)],
        "承办单位": rng.choice(units, rows),
        "收到日期": received_text,
        "信访形式": rng.choice(["来信", "来访", "网上信访", "电话"], rows),
        "问题类别": rng.choice(["社会救助", "养老服务", "殡葬管理"], rows),
        "姓名": "张某某",
        "联系电话": "13800000000",
        "答复日期": replied_text,
        "是否延期": rng.choice(["是", "否"], rows, p=[0.1, 0.9]),
        "越级情况": rng.choice(["无", "到市"], rows, p=[0.97, 0.03]),
        "满意度": rng.choice(["满意", "基本满意", "不满意", ""], rows),
    })
    frame.iloc[::10_000, 2] = "not a date"  # some bad rows to set aside
    frame.to_csv(folder / "casework.csv", index=False, encoding="gb18030")


def measure(folder: Path) -> None:
    """Validate ``folder`` in this (fresh) process and print time and peak memory."""
    t0 = time.perf_counter()
    ledgers = validate(folder)
    seconds = time.perf_counter() - t0
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 2**10
    print(f"validated in {seconds:.2f} s; peak RSS of the validating process {peak:.0f} MiB")
    print(f"good casework rows {len(ledgers.casework):,}; rows set aside {ledgers.rejected_rows:,}")
    print(f"target: <= 10 s and <= 2048 MiB -> {'OK' if seconds <= 10 and peak <= 2048 else 'OVER'}")


def main() -> None:
    if len(sys.argv) > 2 and sys.argv[1] == "--measure":
        return measure(Path(sys.argv[2]))
    rows = int(sys.argv[1]) if len(sys.argv) > 1 else 1_000_000
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        t0 = time.perf_counter()
        make_data(folder, rows)
        size = (folder / "casework.csv").stat().st_size / 2**20
        print(f"generated {rows:,} casework rows ({size:.0f} MiB, GB18030) in {time.perf_counter() - t0:.1f} s")
        subprocess.run([sys.executable, __file__, "--measure", str(folder)], check=True)


if __name__ == "__main__":
    main()

"""Benchmark: a casework workbook of 24 monthly sheets and 100,000 rows, validated.

Each sheet is laid out as offices keep it: a merged title row, a 填报单位 line, a
two-row header (办理情况 merged over 答复日期 / 是否延期), records with personal
columns, a 合计 row and a 填表人 footer. Prints the wall time and the peak memory
of the validation. Target (office-workbooks issue): <= 10 s on 2 cores.

Usage: ``.venv/bin/python bench/validate_workbook.py [ROWS] [--xls]``
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

MONTHS = [(2023 + m // 12, m % 12 + 1) for m in range(24)]


class _XlsSheet:
    """An xlwt sheet with openpyxl's ``append``."""

    def __init__(self, ws) -> None:
        import xlwt

        self.ws, self.row = ws, 0
        self.date = xlwt.easyxf(num_format_str="YYYY-MM-DD")

    def append(self, values) -> None:
        for c, v in enumerate(values):
            if v is None or v == "":
                continue
            if hasattr(v, "year"):
                self.ws.write(self.row, c, v, self.date)
            else:
                self.ws.write(self.row, c, v)
        self.row += 1


def make_workbook(path: Path, rows: int, seed: int = 1) -> None:
    """Write the workbook: ``.xlsx`` with openpyxl, ``.xls`` (Excel 97-2003) with xlwt."""
    rng = np.random.default_rng(seed)
    units = [f"unit-{i:03d}" for i in range(50)]
    if path.suffix == ".xls":
        import xlwt

        wb = xlwt.Workbook(encoding="utf-8")
        create = lambda name: _XlsSheet(wb.add_sheet(name))  # noqa: E731
    else:
        from openpyxl import Workbook

        wb = Workbook(write_only=True)
        create = wb.create_sheet
    per_sheet = rows // len(MONTHS)
    n = 0
    for year, month in MONTHS:
        ws = create(f"{year}年{month}月")
        ws.append([f"{year}年{month}月信访事项登记台账"])
        ws.append(["填报单位：某区信访局", "", "", "", "填报日期：", f"{year}年{month}月28日"])
        ws.append(["信访编号", "承办单位", "姓名", "联系电话", "收到日期", "信访形式",
                   "办理情况", "", "越级情况", "满意度"])
        ws.append(["", "", "", "", "", "", "答复日期", "是否延期", "", ""])
        days = rng.integers(1, 29, per_sheet)
        lags = rng.integers(1, 90, per_sheet)
        for i in range(per_sheet):
            got = pd.Timestamp(year, month, int(days[i]))
            replied = (got + pd.Timedelta(days=int(lags[i]))).to_pydatetime() if i % 20 else None
            ws.append([f"XF{n:08d}", units[n % 50], "张某某", "13800000000", got.to_pydatetime(),
                       ("来信", "来访", "网上信访", "电话")[n % 4], replied, "√" if n % 10 == 0 else "×",
                       "/" if n % 33 else "到市", ("满意", "基本满意", "不满意", "")[n % 4]])
            n += 1
        ws.append(["合计", "", "", "", f"{per_sheet}件"])
        ws.append([])
        ws.append(["填表人：李某", "", "审核人：王某", "", "联系电话：0564-1234567"])
    wb.save(str(path))


def make_folder(folder: Path, rows: int, xls: bool) -> Path:
    units = [f"unit-{i:03d}" for i in range(50)]
    pd.DataFrame({"unit_id": units, "unit_name": [f"单位{i}" for i in range(50)]}).to_csv(
        folder / "units.csv", index=False)
    pd.DataFrame({"unit": units, "date": "2024-03-05", "category": "支部大会"}).to_csv(
        folder / "activities.csv", index=False)
    make_workbook(folder / ("casework.xls" if xls else "casework.xlsx"), rows)
    return folder


def measure(folder: Path) -> None:
    """Validate ``folder`` in this (fresh) process and print time and peak memory."""
    t0 = time.perf_counter()
    ledgers = validate(folder)
    seconds = time.perf_counter() - t0
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 2**10
    sheets = len({s for s in ledgers.casework["sheet"]})
    skipped = sum(n.count for n in ledgers.notes if n.kind == "lines")
    print(f"validated in {seconds:.2f} s; peak RSS of the validating process {peak:.0f} MiB")
    print(f"casework rows {len(ledgers.casework):,} from {sheets} sheets; lines skipped {skipped}; "
          f"rows set aside {ledgers.rejected_rows:,}")
    print(f"target: <= 10 s -> {'OK' if seconds <= 10 else 'OVER'}")


def main() -> None:
    if len(sys.argv) > 2 and sys.argv[1] == "--measure":
        return measure(Path(sys.argv[2]))
    args = [a for a in sys.argv[1:] if not a.startswith("--")]
    rows = int(args[0]) if args else 100_000
    with tempfile.TemporaryDirectory() as tmp:
        t0 = time.perf_counter()
        folder = make_folder(Path(tmp), rows, "--xls" in sys.argv)
        file = next(Path(tmp).glob("casework.*"))
        print(f"generated {file.name}: {rows:,} rows in {len(MONTHS)} monthly sheets "
              f"({file.stat().st_size / 2**20:.1f} MiB) in {time.perf_counter() - t0:.1f} s")
        subprocess.run([sys.executable, __file__, "--measure", str(folder)], check=True)


if __name__ == "__main__":
    main()

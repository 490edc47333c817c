"""Benchmark: a casework workbook of 24 monthly sheets and 100,000 rows, validated.

Each sheet is laid out as offices keep it: a merged title row, a 填报单位 line, a
two-row header (办理情况 merged over 答复日期 / 是否延期), records with personal
columns, a 合计 row and a 填表人 footer. Prints the wall time and the peak memory
of the validation. Target (office-workbooks issue): <= 10 s on 2 cores.

``--stray``: a coverage workbook of a few thousand rows, validated as it is and
with a stray cell at GR1048576 (a space typed far away, as happens); prints both
and the difference. Target (read-the-rest issue): <= 2 s and <= 300 MiB more.

Usage: ``.venv/bin/python bench/validate_workbook.py [ROWS] [--xls] [--stray]``
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
    if ledgers.coverage is not None and len(ledgers.coverage) > 1:
        print(f"coverage rows {len(ledgers.coverage):,}")
    print(f"casework rows {len(ledgers.casework):,} from {sheets} sheets; lines skipped {skipped}; "
          f"rows set aside {ledgers.rejected_rows:,}")
    print(f"target: <= 10 s -> {'OK' if seconds <= 10 else 'OVER'}")


def make_coverage(folder: Path, rows: int, stray: str | None, xls: bool) -> Path:
    """A data folder whose coverage ledger has ``rows`` villages, and a stray cell at the sheet's far end."""
    make_folder(folder, 100, xls=False)
    if xls:
        import xlwt

        wb = xlwt.Workbook(encoding="utf-8")
        ws = wb.add_sheet("覆盖台账")
        for c, h in enumerate(["单位", "村（社区）", "建成日期"]):
            ws.write(0, c, h)
        for i in range(rows):
            ws.write(i + 1, 0, f"unit-{i % 50:03d}")
            ws.write(i + 1, 1, f"村{i:05d}")
        if stray is not None:
            ws.write(65535, 255, stray)  # the last cell of an .xls sheet
        wb.save(str(folder / "coverage.xls"))
        return folder
    from openpyxl import Workbook

    wb = Workbook()
    ws = wb.active
    ws.title = "覆盖台账"
    ws.append(["单位", "村（社区）", "建成日期"])
    for i in range(rows):
        ws.append([f"unit-{i % 50:03d}", f"村{i:05d}", "2024-03-05" if i % 3 else None])
    if stray is not None:
        ws.cell(row=1_048_576, column=200, value=stray)  # GR1048576
    wb.save(folder / "coverage.xlsx")
    return folder


def _measured(folder: Path) -> tuple[float, float]:
    out = subprocess.run([sys.executable, __file__, "--measure", str(folder)], check=True, capture_output=True,
                         text=True).stdout
    seconds = float(out.split("validated in ")[1].split(" s")[0])
    peak = float(out.split("peak RSS of the validating process ")[1].split(" MiB")[0])
    return seconds, peak


def stray(rows: int, xls: bool) -> None:
    """Validate the coverage workbook without and with a stray cell; print both and the difference."""
    with tempfile.TemporaryDirectory() as a, tempfile.TemporaryDirectory() as b:
        plain = _measured(make_coverage(Path(a), rows, None, xls))
        far = _measured(make_coverage(Path(b), rows, " ", xls))
    print(f"coverage workbook ({'xls' if xls else 'xlsx'}), {rows:,} villages: {plain[0]:.2f} s, {plain[1]:.0f} MiB; "
          f"with a stray cell at the sheet's last row and a far column: {far[0]:.2f} s, {far[1]:.0f} MiB")
    extra_s, extra_m = far[0] - plain[0], far[1] - plain[1]
    ok = far[0] <= 2 and extra_m <= 300
    print(f"the stray cell costs {extra_s:+.2f} s and {extra_m:+.0f} MiB; "
          f"target: <= 2 s and <= 300 MiB more -> {'OK' if ok else 'OVER'}")


def main() -> None:
    if len(sys.argv) > 2 and sys.argv[1] == "--measure":
        return measure(Path(sys.argv[2]))
    if "--stray" in sys.argv:
        args = [a for a in sys.argv[1:] if not a.startswith("--")]
        return stray(int(args[0]) if args else 5000, "--xls" in sys.argv)
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

"""What offices write beyond the usual shapes, read as a careful person reads it, or named for what it is.

Each case carries the figures counted by hand (shared/data-contract.md,
"Reading rules" and "Every row accounted for").
"""

from __future__ import annotations

import datetime as dt

import pytest

import office_workbooks as ow
from corpus import Case
from helpers.figures.indicators import compute_indicators
from helpers.read.ledgers import validate
from helpers.settings.errors import ColumnMissingError, InputError, UnreadableFileError

D = dt.date


def _count(ledgers, key="casework.total", unit="u-1", year=2024):
    return compute_indicators(ledgers, unit, year).items[key].value


# ----------------------------------------------------------------- dates


def test_dates_in_every_spelling_offices_type(tmp_path):
    rows = ["A1,u-1,20240305", "A2,u-1,24.3.5", "A3,u-1,二〇二四年三月五日", "A4,u-1,2024年3月5日下午3时",
            "A5,u-1,2024年3月5日 上午9:30", "A6,u-1,二〇二四年十二月三十一日", "A7,u-1,２０２４．３．５"]
    data = Case("dates", {"casework.csv": "信访编号,承办单位,收到日期\n" + "\n".join(rows) + "\n"}).write(tmp_path / "d")
    ledgers = validate(data)
    assert ledgers.rejected.empty, ledgers.rejected.to_dict("records")
    got = ledgers.casework.set_index("case_id")["received_date"].dt.strftime("%Y-%m-%d").to_dict()
    assert got == {"A1": "2024-03-05", "A2": "2024-03-05", "A3": "2024-03-05", "A4": "2024-03-05",
                   "A5": "2024-03-05", "A6": "2024-12-31", "A7": "2024-03-05"}


def test_an_eight_digit_number_cell_is_a_date(tmp_path):
    folder = Case("n", {"casework.csv": None}).write(tmp_path / "d")
    ow.write(folder / "casework.xlsx", [ow.Sheet("2024年", [["信访编号", "承办单位", "收到日期"],
                                                           ["A1", "u-1", 20240305], ["A2", "u-1", 20241130]])])
    ledgers = validate(folder)
    assert ledgers.casework["received_date"].dt.strftime("%m-%d").tolist() == ["03-05", "11-30"]


def test_a_date_that_reads_two_ways_is_set_aside_naming_both(tmp_path):
    data = Case("swap", {"casework.csv": "信访编号,承办单位,收到日期\nA1,u-1,05.03.24\nA2,u-1,2024-03-06\n"}
                ).write(tmp_path / "d")
    ledgers = validate(data)
    reason = ledgers.rejected.set_index("row").loc[2, "reason"]
    assert "2005年3月24日" in reason and "2024年3月5日" in reason
    assert len(ledgers.casework) == 1


# ----------------------------------------------------------------- words and headers


def test_headers_with_hints_are_read(tmp_path):
    head = ["信访编号*", "承办单位：", "收到日期（年/月/日）*", "答复日期(年/月/日)", "是否延期（是/否）", "满意度（满意/基本满意/不满意）"]
    rows = [["A1", "u-1", D(2024, 1, 5), D(2024, 1, 9), "否", "满意"],
            ["A2", "u-1", D(2024, 2, 5), D(2024, 5, 1), "已延期", "基本满意"]]
    folder = Case("h", {"casework.csv": None}).write(tmp_path / "d")
    ow.write(folder / "casework.xlsx", [ow.Sheet("2024年", [head, *rows])])
    ledgers = validate(folder)
    assert ledgers.rejected.empty, ledgers.rejected.to_dict("records")
    assert ledgers.casework["extended"].tolist() == [False, True]
    assert _count(ledgers, "casework.on_time") == 2  # 86 days, extended: on time


def test_a_header_that_nearly_names_a_required_column_is_pointed_at(tmp_path):
    folder = Case("h2", {"casework.csv": None}).write(tmp_path / "d")
    ow.write(folder / "casework.xlsx", [ow.Sheet("2024年", [["信访编号", "承办单位", "收件日期"],
                                                           ["A1", "u-1", D(2024, 1, 5)]])])
    with pytest.raises(ColumnMissingError) as err:
        validate(folder)
    assert "第C列“收件日期”可能就是“收到日期”" in str(err.value)


# ----------------------------------------------------------------- text exports


@pytest.mark.parametrize("name,sep", [("casework.txt", "\t"), ("casework.csv", "\t"), ("casework.csv", ",")])
def test_unicode_text_exports_are_read(tmp_path, name, sep):
    """Excel's and WPS's "Unicode 文本": UTF-16 with a BOM, tab-separated, a title line above."""
    lines = ["2024年信访台账", sep.join(["信访编号", "承办单位", "收到日期"]),
             sep.join(["A1", "u-1", "2024/3/5"]), sep.join(["A2", "u-1", "2024/4/5"])]
    data = Case("u16", {"casework.csv": None}).write(tmp_path / "d")
    (data / name).write_bytes("\r\n".join(lines).encode("utf-16"))
    ledgers = validate(data)
    assert len(ledgers.casework) == 2 and ledgers.rejected.empty


def test_unreadable_text_names_the_encodings_tried(tmp_path):
    data = Case("bad", {"activities.csv": b"\xff\xfe\xff\x00\x81\xff" * 20}).write(tmp_path / "d")
    with pytest.raises(UnreadableFileError) as err:
        validate(data)
    assert "UTF-16" in str(err.value) and "GBK" in str(err.value)


# ----------------------------------------------------------------- sheets and files named for what they are


def test_a_cover_sheet_with_a_date_is_skipped_and_accounted(tmp_path):
    cover = ow.Sheet("封面", [["叶集区民政局"], ["信访工作台账"], ["2025年1月6日"], [D(2025, 1, 6)]])
    sheet = ow.Sheet("2024年", [["信访编号", "承办单位", "收到日期"], ["A1", "u-1", D(2024, 3, 5)]])
    folder = Case("cover", {"casework.csv": None}).write(tmp_path / "d")
    ow.write(folder / "casework.xlsx", [cover, sheet])
    ledgers = validate(folder)
    line = ledgers.reading.set_index("sheet").loc["封面"]
    assert line["not_ledger"] == 4 and line["rows"] == 4 and len(ledgers.casework) == 1


def _encrypted() -> bytes:
    """The start of an OLE2 compound file holding an EncryptedPackage stream (an .xlsx with a password)."""
    return b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 504 + "EncryptedPackage".encode("utf-16-le") + b"\x00" * 600


@pytest.mark.parametrize("name,content,says", [
    ("casework.xlsx", _encrypted(), "有打开密码"),
    ("casework.xlsx", b"PK\x03\x04\x14\x00\x00\x00" + b"\x00" * 40, "文件不完整"),
    ("casework.xls", "<html><body><table><tr><td>信访编号</td></tr></table></body></html>".encode(), "网页（HTML）"),
    ("casework.xlsx", b"", "空文件"),
])
def test_files_are_named_for_what_they_are(tmp_path, name, content, says):
    data = Case("f", {"casework.csv": None}).write(tmp_path / "d")
    (data / name).write_bytes(content)
    with pytest.raises(InputError) as err:
        validate(data)
    assert name in str(err.value) and says in str(err.value) and "损坏" not in str(err.value)


def test_a_csv_saved_with_an_xls_name_is_read(tmp_path):
    data = Case("f", {"casework.csv": None}).write(tmp_path / "d")
    (data / "casework.xls").write_text("信访编号,承办单位,收到日期\nA1,u-1,2024-03-05\n", encoding="gbk")
    assert len(validate(data).casework) == 1


def test_a_wps_lock_file_is_named_not_read(tmp_path):
    data = Case("lock", {}).write(tmp_path / "d")
    (data / "~$casework.xlsx").write_bytes(b"\x08WPS lock")
    notes = {n.file: n.message for n in validate(data).notes}
    assert "临时文件" in notes["~$casework.xlsx"]


# ----------------------------------------------------------------- bounded reading


@pytest.mark.parametrize("suffix", [".xlsx", ".xls"])
def test_a_stray_cell_far_away_changes_nothing(tmp_path, suffix):
    """A space typed at the sheet's last row and a far column: read from the cells, same figures."""
    rows = [["单位", "村（社区）", "建成日期"]] + [["u-1", f"村{i}", D(2023, 5, 1) if i % 2 else ""] for i in range(40)]
    counts = []
    for stray in (False, True):
        folder = Case(f"s{stray}", {"coverage.csv": None}).write(tmp_path / f"d{stray}")
        sheet = ow.Sheet("覆盖", rows)
        ow.write(folder / f"coverage{suffix}", [sheet])
        if stray:
            _add_stray(folder / f"coverage{suffix}")
        ledgers = validate(folder)
        counts.append((len(ledgers.coverage), _count(ledgers, "coverage.covered")))
        assert ledgers.reading.set_index("file").loc[f"coverage{suffix}", "rows"] == 41
    assert counts[0] == counts[1] == (40, 20)


def _add_stray(path):
    if path.suffix == ".xlsx":
        from openpyxl import load_workbook

        wb = load_workbook(path)
        wb.active.cell(row=1_048_576, column=200, value=" ")
        wb.save(path)
        return
    import xlrd
    import xlwt

    book = xlrd.open_workbook(str(path))
    out = xlwt.Workbook(encoding="utf-8")
    sheet, ws = book.sheet_by_index(0), out.add_sheet(book.sheet_by_index(0).name)
    for r in range(sheet.nrows):
        for c in range(sheet.ncols):
            cell = sheet.cell(r, c)
            if cell.ctype == xlrd.XL_CELL_DATE:
                ws.write(r, c, xlrd.xldate.xldate_as_datetime(cell.value, book.datemode),
                         xlwt.easyxf(num_format_str="YYYY-MM-DD"))
            elif cell.value != "":
                ws.write(r, c, cell.value)
    ws.write(65535, 255, " ")
    out.save(str(path))


# ----------------------------------------------------------------- prose in the encodings ledgers come in


@pytest.mark.parametrize("encoding", ["gbk", "utf-16", "utf-8-sig"])
def test_prose_is_read_in_every_ledger_encoding(tmp_path, encoding):
    """Notepad's GBK, Excel's "Unicode", UTF-8 with BOM; a Word-paste space (\u00a0, a zero-width one) is a 提醒."""
    from helpers.words.narrative import check_folder, read_prose

    folder = Case("prose", {}).write(tmp_path / "d")
    (folder / "narrative").mkdir()
    prose = folder / "narrative" / "default.md"
    space = "\u200b" if encoding == "gbk" else "\u00a0"  # GBK has no NBSP; a zero-width space comes as UTF-8 bytes
    text = "## 开篇\n\n按照要求，现将有关情况报告如下：\n\n## 工作开展情况\n\n制度，{}对外宣传。\n"
    data = (text.format("").encode("gbk") if encoding == "gbk" else text.format(space).encode(encoding))
    prose.write_bytes(data)
    assert "现将有关情况报告如下" in read_prose(prose) and space not in read_prose(prose)
    if encoding == "gbk":
        return
    problems = check_folder(folder, lambda path: ({"year"}, set()))
    pasted = [p for p in problems if "特殊空格" in p.message]
    assert len(pasted) == 1 and pasted[0].line == 7 and not pasted[0].error


@pytest.mark.render
def test_an_empty_prose_file_never_builds_an_empty_report(tmp_path):
    """An empty section (or file) takes the generic prose for it, and the build says so."""
    from conftest import run_cli

    data = Case("empty", {}).write(tmp_path / "d")
    (data / "narrative" / "u-1").mkdir(parents=True)
    (data / "narrative" / "u-1" / "2024.md").write_text("## 开篇\n\n本单位自己写的开头。\n\n## 工作开展情况\n\n", encoding="utf-8")
    (data / "narrative" / "default.md").write_text("", encoding="utf-8")
    build = ["build", "--year", "2024", "--unit", "u-1", "--data", str(data), "--out", str(tmp_path / "o"),
             "--formats", "html"]
    proc = run_cli(*build)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "“工作开展情况”“存在问题和短板”“工作谋划”缺少或为空" in proc.stdout
    html = (tmp_path / "o" / "2024" / "ideology" / "u-1" / "report.html").read_text(encoding="utf-8")
    assert "本单位自己写的开头" in html and "一、工作开展情况" in html
    body = html.split("一、工作开展情况")[1].split("二、")[0]
    assert len(body) > 200  # the generic prose, not an empty section
    (data / "narrative" / "u-1" / "2024.md").unlink()  # now default.md, an empty file, is in force
    proc = run_cli(*build)
    assert proc.returncode == 0 and "整份文件是空的" in proc.stdout, proc.stdout + proc.stderr

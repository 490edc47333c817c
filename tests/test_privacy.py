"""Personal data never leaves, and hostile text stays text.

A build is run on the sample data with recognisable values planted in the
casework ledger's personal-data columns and a few bad rows; then every file
the build wrote (PDF and DOCX by their text) and everything it printed is
searched for them.
"""

from __future__ import annotations

import re
import subprocess
import time
import zipfile

import pandas as pd
import pytest

from conftest import run_cli
from helpers.settings import paths

pytestmark = pytest.mark.render

PLANTED = {
    "姓名": "鲁智深甲乙丙",
    "身份证号": "34150119990101777X",
    "联系电话": "13999887766",
    "内容摘要": "秘密摘要内容ZZQ9",
}
HOSTILE = "<script>alert(1)</script>"


def _text_of(path) -> str:
    if path.suffix == ".pdf":
        return subprocess.run(["pdftotext", str(path), "-"], capture_output=True, text=True).stdout
    if path.suffix in (".docx", ".xlsx"):  # XML parts inside a zip: read them, not the compressed bytes
        with zipfile.ZipFile(path) as z:
            return "".join(z.read(n).decode("utf-8", "replace") for n in z.namelist() if n.endswith(".xml"))
    return path.read_bytes().decode("utf-8", "replace")


@pytest.fixture(scope="module")
def planted_build(tmp_path_factory):
    started = time.time()
    data = tmp_path_factory.mktemp("data")
    import shutil

    shutil.copytree(paths.DATA_DIR, data, dirs_exist_ok=True)
    cw = pd.read_csv(data / "casework.csv", encoding="gbk", dtype=str, keep_default_na=False)
    for column, value in PLANTED.items():
        cw.loc[cw["承办单位"] == "叶集区民政局", column] = value
    bad = cw.iloc[[0]].copy()
    bad["答复日期"] = "2000-01-01"          # before the letter: set aside
    cw = pd.concat([cw, bad.assign(信访编号="XF-BAD-1")], ignore_index=True)
    cw.to_csv(data / "casework.csv", index=False, encoding="gb18030")
    pub = pd.read_excel(data / "publicity.xlsx", engine="calamine")
    pub.loc[len(pub)] = {"单位": "叶集区民政局", "刊发日期": pd.Timestamp("2024-06-01"), "媒体名称": HOSTILE,
                         "媒体级别": "区县级", "标题": HOSTILE, "链接": "https://example.cn/x"}
    pub.loc[len(pub)] = {"单位": "叶集区民政局", "刊发日期": pd.Timestamp("2024-06-02"), "媒体名称": "皖西日报",
                         "媒体级别": "市级", "标题": "好", "链接": "javascript:alert(2)"}
    pub.to_excel(data / "publicity.xlsx", index=False)
    out = tmp_path_factory.mktemp("out")
    proc = run_cli("build", "--data", str(data), "--year", "2024", "--unit", "yeji-mzj", "--out", str(out),
                   "--jobs", "1")
    validate = run_cli("validate", "--data", str(data))
    return out, proc, validate, started


def test_build_with_set_aside_rows_still_renders(planted_build):
    out, proc, _validate, _ = planted_build
    assert proc.returncode == 0, proc.stderr
    report = out / "2024" / "ideology" / "yeji-mzj"
    rejected = pd.read_csv(report / "rejected.csv", encoding="utf-8-sig")
    assert list(rejected.columns) == ["file", "sheet", "row", "column", "value", "reason"]
    assert {"replied_date", "url"} <= set(rejected["column"])
    html = (report / "report.html").read_text(encoding="utf-8")
    assert re.search(r"有\s*2\s*条记录因填写不规范未纳入统计", html)


def test_no_personal_value_in_any_file_or_message(planted_build):
    out, proc, validate, started = planted_build
    written = [p for p in out.rglob("*") if p.is_file()]
    written += [p for p in paths.CACHE_DIR.glob("*") if p.is_file() and p.stat().st_mtime >= started - 1]
    assert {"report.pdf", "evidence.csv", "evidence.xlsx"} <= {p.name for p in written}
    for path in written:
        text = _text_of(path) if path.suffix in (".pdf", ".docx", ".xlsx") else path.read_bytes().decode("utf-8", "replace")
        raw = path.read_bytes()
        for value in PLANTED.values():
            assert value not in text, (path, value)
            assert value.encode("utf-8") not in raw and value.encode("gb18030") not in raw, (path, value)
    for stream in (proc.stdout, proc.stderr, validate.stdout, validate.stderr):
        for value in PLANTED.values():
            assert value not in stream


def test_evidence_counts_the_planted_rows_but_never_their_personal_data(planted_build):
    out, *_ = planted_build
    lines = pd.read_csv(out / "2024" / "ideology" / "yeji-mzj" / "evidence.csv", encoding="utf-8-sig", dtype=str,
                        keep_default_na=False)
    assert not set(PLANTED) & set(lines.columns)
    counted = lines[(lines["indicator"] == "casework.total") & (lines["span"] == "value")]
    assert len(counted) == 33 and "XF-BAD-1" not in set(lines["case_id"])  # the set-aside row is not evidence


def test_hostile_text_stays_text(planted_build):
    out, *_ = planted_build
    html = (out / "2024" / "ideology" / "yeji-mzj" / "report.html").read_text(encoding="utf-8")
    assert "<script>alert" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert "javascript:" not in html


def test_validate_lists_problems_and_exits_1(planted_build):
    _out, _proc, validate, _ = planted_build
    assert validate.returncode == 1
    assert "答复日期早于收到日期" in validate.stdout
    assert "剔除2行" in validate.stdout

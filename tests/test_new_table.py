"""A new ledger table and a report kind on it, added as a developer would: seven files in a copy of the source tree.

The README's "How to add a ledger table" names the files; this test makes exactly those changes in a
copy of the repository (an 教育培训台账 and its 教育培训工作情况报告), counts what git sees changed, then
builds the report and compares its figures with a count by hand of the rows its generator wrote.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import ROOT

pytestmark = pytest.mark.render

# The rows the generator writes, as a careful person would count them for 2024 (yeji-mzj).
GENERATOR = '''"""Write data/training.xlsx, the sample 教育培训台账 (two years, a title row, a 合计 row)."""
from datetime import date
from pathlib import Path

from openpyxl import Workbook

ROWS = [
    ("PX-01", "叶集区民政局", date(2023, 3, 2), "业务培训", "社会救助政策培训", 30),
    ("PX-02", "叶集区民政局", date(2023, 9, 12), "干部培训", "年轻干部培训班", 12),
    ("PX-03", "叶集区民政局", date(2024, 2, 20), "业务培训（第1期）", "养老服务业务培训", 41),
    ("PX-04", "区民政局", date(2024, 4, 8), "干部教育培训", "处级干部轮训", 9),
    ("PX-05", "叶集区民政局", date(2024, 5, 16), "网络学习", "干部网络学院专题", 55),
    ("PX-06", "叶集区民政局", date(2024, 10, 9), "干部培训", "党校进修", 6),
    ("PX-07", "叶集区人力资源和社会保障局", date(2024, 6, 3), "业务培训", "就业政策培训", 22),
]

wb = Workbook()
ws = wb.active
ws.title = "培训"
ws.append(["教育培训台账"])
ws.append(["编号", "单位", "日期", "培训类别", "培训主题", "参训人数"])
for row in ROWS:
    ws.append(list(row))
ws.append(["合计", None, None, None, None, sum(r[-1] for r in ROWS)])
wb.save(Path(__file__).resolve().parents[1] / "data" / "training.xlsx")
'''
HAND = {"training.cadre_training": (2, 1), "training.business_training": (1, 1), "training.online_study": (1, 0),
        "training.total": (4, 2)}  # 2024 against 2023, yeji-mzj only (PX-04 names it by its alias 区民政局)

TABLE = '''
TRAINING = Table(
    "training",
    "教育培训台账",
    False,
    (
        Column("activity_id", ("编号",)),
        Column("unit", ("单位",), True, "unit"),
        Column("date", ("日期", "培训日期"), True, "date"),
        Column("category", ("类别", "培训类别"), True),
        Column("title", ("主题", "培训主题")),
        Column("participants", ("参训人数", "人数"), False, "int"),
    ),
    key=("activity_id",),
    prefix="training",
    date_column="date",
    sheet="教育培训",
    counted=True,
)
'''
RULES = '''
training:
  categories:
    cadre_training: {name: 干部培训, aliases: [干部教育培训]}
    business_training: {name: 业务培训}
    online_study: {name: 网络学习}
  minimums:
    business_training: {per_year: 2, rule: 每半年至少组织1次业务培训}
'''
KIND = '''
training:
  name: 教育培训
  notebook: notebooks/training.ipynb
  issuer: party_org
  title: {year: 教育培训工作情况报告, half: 教育培训工作情况报告, quarter: 教育培训工作情况报告}
  body:
    - section: 开篇
    - heading: 工作开展情况
      section: 工作开展情况
    - heading: 存在问题
      section: 存在问题
      problems: [training]
    - heading: "{next}工作打算"
      section: 工作打算
  figures: [training.*]
  headline: [training.total]
  appendix: [indicators, trend, chart.trend]
'''
PROSE = ("## 开篇\n\n{period}教育培训工作情况报告如下。\n\n## 工作开展情况\n\n{text.training}\n\n"
         "## 存在问题\n\n培训的针对性还需增强。\n\n## 工作打算\n\n继续抓好干部教育培训。\n")


def _git(tree: Path, *args: str) -> str:
    env = {**os.environ, "GIT_AUTHOR_NAME": "t", "GIT_AUTHOR_EMAIL": "t@t", "GIT_COMMITTER_NAME": "t",
           "GIT_COMMITTER_EMAIL": "t@t"}
    return subprocess.run(["git", *args], cwd=tree, check=True, capture_output=True, text=True, env=env).stdout


def test_a_new_table_and_its_kind_touch_seven_files(tmp_path):
    tree = tmp_path / "tree"
    tracked = _git(ROOT, "ls-files", "src", "config", "notebooks", "templates", "scripts", "data", "_quarto.yml")
    for name in tracked.splitlines():
        target = tree / name
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes((ROOT / name).read_bytes())
    _git(tree, "init", "-q")
    _git(tree, "add", "-A")
    _git(tree, "commit", "-qm", "copy")

    # 1. the table: its entry in the registry
    schema = tree / "src" / "helpers" / "read" / "schema.py"
    text = schema.read_text(encoding="utf-8")
    text = text.replace("\nTABLES: dict[str, Table] = ", TABLE + "\nTABLES: dict[str, Table] = ")
    text = text.replace("COVERAGE, DISCIPLINE)}", "COVERAGE, DISCIPLINE, TRAINING)}")
    schema.write_text(text, encoding="utf-8")
    # 2. its rules, 3. the kind
    with open(tree / "config" / "rules.yml", "a", encoding="utf-8") as fh:
        fh.write(RULES)
    with open(tree / "config" / "kinds.yml", "a", encoding="utf-8") as fh:
        fh.write(KIND)
    # 4. the notebook: a copy of another kind's, 5. the prose
    nb = (tree / "notebooks" / "integrity.ipynb").read_text(encoding="utf-8")
    (tree / "notebooks" / "training.ipynb").write_text(nb.replace('kind=\\"integrity\\"', 'kind=\\"training\\"'),
                                                       encoding="utf-8")
    (tree / "src" / "helpers" / "words" / "prose" / "training.md").write_text(PROSE, encoding="utf-8")
    # 6. the sample data, written by 7. its generator
    (tree / "scripts" / "make_training_data.py").write_text(GENERATOR, encoding="utf-8")
    subprocess.run([sys.executable, "scripts/make_training_data.py"], cwd=tree, check=True)

    changed = _git(tree, "status", "--porcelain", "--untracked-files=all").splitlines()
    assert len(changed) == 7, changed

    env = {**os.environ, "PYTHONPATH": str(tree / "src"), "NIANBAO_ROOT": str(tree)}
    proc = subprocess.run([sys.executable, "-m", "helpers.cli", "build", "--kind", "training", "--year", "2024",
                           "--unit", "yeji-mzj", "--formats", "html"], cwd=tree, env=env, capture_output=True,
                          text=True)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    out = tree / "output" / "2024" / "training" / "yeji-mzj"
    doc = json.loads((out / "indicators.json").read_text(encoding="utf-8"))
    got = {k: (v["value"], v["prior"]) for k, v in doc["indicators"].items()}
    assert got == HAND
    assert doc["title"].endswith("2024年度教育培训工作情况报告")
    html = (out / "report.html").read_text(encoding="utf-8")
    plain = re.sub(r"<[^>]+>", "", html)
    # the table's sentence and its problem finder came with the table
    assert "全年开展干部培训2次，业务培训1次，网络学习1次，合计4次" in plain
    assert "教育培训频次不够。全年开展业务培训1次（按“每半年至少组织1次业务培训”应不少于2次）" in plain
    from openpyxl import load_workbook

    wb = load_workbook(out / "evidence.xlsx", read_only=True)
    assert "教育培训" in wb.sheetnames

    # the ledger template of `nianbao init` has the table, its kinds as a drop-down list
    init = subprocess.run([sys.executable, "-m", "helpers.cli", "init", str(tmp_path / "blank")], cwd=tree, env=env,
                          capture_output=True, text=True)
    assert init.returncode == 0, init.stdout + init.stderr
    wb = load_workbook(tmp_path / "blank" / "training.xlsx")
    lists = [dv.formula1 for dv in wb.worksheets[0].data_validations.dataValidation]
    assert any("干部培训" in (f or "") for f in lists), lists

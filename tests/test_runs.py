"""Runs that never mislead: interrupts, two builds at once, unwritable folders, pipes, a true site."""

from __future__ import annotations

import json
import os
import re
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from conftest import NIANBAO, ROOT, run_cli
from helpers.settings import paths
from helpers.settings.errors import BusyError
from helpers.settings.outdir import OutputLock, read_holder

UNBUFFERED = {**os.environ, "PYTHONUNBUFFERED": "1"}


def start_build(*args: str, out: Path) -> subprocess.Popen:
    """``nianbao build`` in its own session (a terminal's process group), its output read line by line."""
    return subprocess.Popen([*NIANBAO, "build", "--out", str(out), *args], cwd=ROOT, env=UNBUFFERED,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, start_new_session=True)


def descendants(pid: int) -> set[int]:
    """Every live process below ``pid`` (workers and their kernels)."""
    children: dict[int, list[int]] = {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        children.setdefault(int(fields[1]), []).append(int(stat.parent.name))
    out, todo = set(), [pid]
    while todo:
        for child in children.get(todo.pop(), []):
            out.add(child)
            todo.append(child)
    return out


def alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"


def lies(out: Path) -> list[Path]:
    """Files that would mislead: error files and scratch folders."""
    return sorted([*out.rglob("*.error.txt"), *out.rglob(".*.tmp-*"), *out.rglob(".*.old-*")])


def interrupt_after_first_report(proc: subprocess.Popen, sig: int) -> tuple[str, str, set[int]]:
    first = ""
    while not first.startswith("已生成"):
        first = proc.stdout.readline()
        assert first, "the build ended before any report was built: " + proc.stderr.read()
    family = descendants(proc.pid)
    os.killpg(proc.pid, sig)
    out, err = proc.communicate(timeout=180)
    return first + out, err, family


def finished(stdout: str) -> tuple[int, int, int]:
    m = re.search(r"已生成 (\d+) 份，无变化跳过 (\d+) 份，失败 (\d+) 份", stdout)
    assert m, stdout
    return tuple(int(x) for x in m.groups())  # type: ignore[return-value]


# --------------------------------------------------------------------------- 1. interrupts


@pytest.mark.render
@pytest.mark.parametrize("jobs, sig", [("2", signal.SIGINT), ("1", signal.SIGTERM)])
def test_an_interrupted_build_stops_quietly_and_the_next_builds_exactly_what_is_missing(tmp_path, jobs, sig):
    out = tmp_path / "out"
    proc = start_build("--unit", "all", "--year", "all", "--formats", "html", "--jobs", jobs, out=out)
    stdout, stderr, family = interrupt_after_first_report(proc, sig)

    assert proc.returncode == 130, stdout + stderr
    lines = stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("nianbao：已中断：本次完成"), stderr  # one line, no traceback
    assert "未完成" in lines[0] and "再次运行" in lines[0]
    assert not lies(out)  # no error file for an interrupted report, no scratch folder
    deadline = time.monotonic() + 20
    while any(alive(p) for p in family) and time.monotonic() < deadline:
        time.sleep(0.2)
    assert not [p for p in family if alive(p)], "workers or kernels outlived the build"

    done = {p.parent for p in out.glob("*/*/*/manifest.json")}
    assert done, "the first report was moved into place"
    for folder in done:  # whatever is in place is complete
        assert (folder / "report.html").is_file() and (folder / "indicators.json").is_file()
    assert int(re.search(r"本次完成 (\d+) 份", lines[0]).group(1)) == len(done)

    again = run_cli("build", "--unit", "all", "--year", "all", "--formats", "html", "--out", str(out))
    assert again.returncode == 0, again.stdout + again.stderr
    built, skipped, failed = finished(again.stdout)
    assert (built, skipped, failed) == (15 - len(done), len(done), 0)
    assert not lies(out)


@pytest.mark.render
def test_a_good_report_loses_its_stale_error_file_and_leftover_scratch_is_removed(tmp_path):
    out = tmp_path / "out"
    assert run_cli("build", "--unit", "yeji-wjw", "--year", "2024", "--formats", "html",
                   "--out", str(out)).returncode == 0
    error = out / "2024" / "ideology" / "yeji-wjw.error.txt"
    error.write_text("2024/ideology/yeji-wjw failed: DeadKernelError: Kernel died\n", encoding="utf-8")
    (out / "2024" / "ideology" / ".yeji-wjw.tmp-0123abcd").mkdir()
    (out / "2024" / "ideology" / ".yeji-rsj.tmp-4567cdef" / "x").mkdir(parents=True)
    proc = run_cli("build", "--unit", "yeji-wjw", "--year", "2024", "--formats", "html", "--out", str(out))
    assert proc.returncode == 0 and "已生成 0 份，无变化跳过 1 份" in proc.stdout
    assert not lies(out)


# --------------------------------------------------------------------------- 2. one build at a time


def hold_lock(out: Path) -> subprocess.Popen:
    """Another process holding ``out``'s lock until its standard input closes."""
    code = ("import sys; from pathlib import Path; from helpers.settings.outdir import OutputLock\n"
            f"lock = OutputLock(Path({str(out)!r})).acquire(); print('held', flush=True); sys.stdin.read()")
    proc = subprocess.Popen([sys.executable, "-c", code], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    assert proc.stdout.readline().strip() == "held"
    return proc


def test_a_held_folder_refuses_with_exit_3_naming_the_holder(tmp_path):
    out = tmp_path / "out"
    out.mkdir()
    holder = hold_lock(out)
    try:
        assert read_holder(paths.lock_file(out))["pid"] == holder.pid
        with pytest.raises(BusyError) as info:
            OutputLock(out).acquire()
        assert info.value.exit_code == 3 and str(holder.pid) in str(info.value)
        proc = run_cli("site", "--out", str(out))
        assert proc.returncode == 3 and str(holder.pid) in proc.stderr and "--wait" in proc.stderr
    finally:
        holder.communicate("")
    assert OutputLock(out).acquire().release() is None  # free once the holder is gone


def test_the_lock_of_a_dead_process_is_taken_over(tmp_path):
    out = tmp_path / "out"
    out.mkdir()
    # a holder killed outright leaves its record behind; the lock itself died with it
    killed = hold_lock(out)
    killed.kill()
    killed.wait()
    assert read_holder(paths.lock_file(out))["pid"] == killed.pid
    messages: list[str] = []
    lock = OutputLock(out, echo=messages.append).acquire()
    try:
        assert read_holder(paths.lock_file(out))["pid"] == os.getpid()
        assert any(str(killed.pid) in m and "接管" in m for m in messages), messages
    finally:
        lock.release()


@pytest.mark.render
def test_two_concurrent_builds_into_one_folder(tmp_path):
    out = tmp_path / "out"
    first = start_build("--unit", "yeji-mzj,yeji-rsj", "--year", "2023,2024", "--formats", "html", "--jobs", "1",
                        out=out)
    deadline = time.monotonic() + 60
    while read_holder(paths.lock_file(out)).get("pid") != first.pid:
        assert time.monotonic() < deadline and first.poll() is None, "the first build never took the lock"
        time.sleep(0.05)
    second = run_cli("build", "--unit", "yeji-mzj", "--year", "2024", "--formats", "html", "--out", str(out))
    assert second.returncode == 3, second.stdout + second.stderr
    assert str(first.pid) in second.stderr and "--wait" in second.stderr
    third = start_build("--unit", "yeji-mzj", "--year", "2024", "--formats", "html", "--wait", out=out)
    out1, err1 = first.communicate(timeout=300)
    out3, err3 = third.communicate(timeout=300)
    assert first.returncode == 0, out1 + err1
    assert third.returncode == 0, out3 + err3
    assert finished(out1) == (4, 0, 0)
    assert "等待" in err3 and str(first.pid) in err3
    assert finished(out3) == (0, 1, 0)  # built by the first, found complete by the third
    assert "FileNotFoundError" not in out1 + err1 + out3 + err3
    assert not lies(out)


# --------------------------------------------------------------------------- 3. refuse early


@pytest.mark.parametrize("where", ["a-file", "a-file/reports"])
def test_an_output_folder_that_cannot_be_written_exits_2_before_any_notebook(tmp_path, where):
    (tmp_path / "a-file").write_text("not a folder", encoding="utf-8")
    start = time.monotonic()
    proc = run_cli("build", "--year", "2024", "--unit", "yeji-mzj", "--out", str(tmp_path / where))
    assert proc.returncode == 2, proc.stdout + proc.stderr
    assert "输出文件夹" in proc.stderr and "--out" in proc.stderr and "Traceback" not in proc.stderr
    assert "已生成" not in proc.stdout and "共运行" not in proc.stdout
    assert time.monotonic() - start < 60


# --------------------------------------------------------------------------- 4. pipes


def test_output_into_a_closed_pipe_ends_quietly(data_copy, tmp_path):
    path = data_copy / "activities.csv"
    text = path.read_text(encoding="utf-8-sig").rstrip("\n")
    head = text.splitlines()[0]
    bad = "\n".join(f"X{i},叶集区民政局,2024-13-{i % 28 + 1},支部大会,第{i}次,10" for i in range(4000))
    path.write_text(f"{text}\n{bad}\n", encoding="utf-8-sig")
    assert head.count(",") == 5
    err = tmp_path / "err.txt"
    cmd = " ".join([*map(str, NIANBAO), "validate", "--data", str(data_copy)])
    shell = subprocess.run(["bash", "-c", f"set -o pipefail; {cmd} 2>{err} | head -1"], cwd=ROOT,
                           capture_output=True, text=True)
    assert shell.stdout.count("\n") == 1
    assert err.read_text(encoding="utf-8") == ""  # no BrokenPipeError, no "Exception ignored"


# --------------------------------------------------------------------------- 5. the site is always true


def links(out: Path) -> list[tuple[str, str]]:
    page = (out / "index.html").read_text(encoding="utf-8")
    return re.findall(r'<a href="([^"]+)" download="([^"]+)">', page)


@pytest.mark.render
def test_every_build_refreshes_the_site_with_true_links_titles_and_the_units_order(data_copy, tmp_path):
    from helpers.run.build import build
    from helpers.run.site import write_site

    out = tmp_path / "out"
    quiet = {"echo": lambda _line: None, "jobs": 1, "formats": "html"}
    build("yeji-mzj", "2024", data_dir=data_copy, out_dir=out, **quiet)
    assert [h for h, _ in links(out)] == ["2024/ideology/yeji-mzj/report.html"]
    assert links(out)[0][1] == "中共六安市叶集区民政局党组2024年度意识形态工作专题报告.html"

    build("all", "2024", data_dir=data_copy, out_dir=out, **quiet)  # a new build, no `nianbao site`
    hrefs = [h for h, _ in links(out)]
    assert hrefs[0] == "2024/ideology/_summary/report.html"
    assert [h.split("/")[2] for h in hrefs[1:]] == ["yeji-mzj", "yeji-rsj", "yeji-wjw", "yeji-zjj"]  # units.csv
    assert all((out / h).is_file() for h in hrefs)
    assert dict(links(out))["2024/ideology/_summary/report.html"] == "2024年度各单位意识形态工作主要指标汇总.html"
    assert (out / "2024" / "ideology" / paths.SUMMARY_ID / "manifest.json").is_file()

    units = data_copy / "units.csv"
    text = units.read_text(encoding="utf-8-sig").splitlines()
    units.write_text("\n".join([text[0], *reversed(text[1:])]) + "\n", encoding="utf-8-sig")
    result = build("all", "2024", data_dir=data_copy, out_dir=out, **quiet)
    assert {r.status for r in result} == {"skipped"}  # the order of units.csv changes no report
    assert [h.split("/")[2] for h in [h for h, _ in links(out)][1:]] == ["yeji-zjj", "yeji-wjw", "yeji-rsj",
                                                                         "yeji-mzj"]

    shutil.rmtree(out / "2024" / "ideology" / "yeji-rsj")
    write_site(out)
    assert not any("yeji-rsj" in h for h, _ in links(out))  # gone from the folder, gone from the page


# --------------------------------------------------------------------------- 6. configuration


def project_copy(tmp_path: Path) -> Path:
    root = tmp_path / "project"
    shutil.copytree(ROOT / "config", root / "config")
    shutil.copy(ROOT / "_quarto.yml", root / "_quarto.yml")
    return root


@pytest.mark.parametrize("file, old, new, key", [
    ("config/rules.yml", "  reply_days: 60", "  reply_day: 60", "casework.reply_days"),
    ("config/rules.yml", "  decimals: 1", "  decimals: one", "phrasing.decimals"),
    ("config/rules.yml", "  branch_assembly:", "  branch_asembly:", "branch_asembly"),
    ("_quarto.yml", "    lines: 22 ", "    lines: 二十二 ", "nianbao.grid.lines"),
    ("_quarto.yml", "    body: [仿宋_GB2312", "    bdy: [仿宋_GB2312", "nianbao.fonts.body"),
])
def test_a_wrong_configuration_key_is_one_message_naming_file_and_key(tmp_path, file, old, new, key):
    root = project_copy(tmp_path)
    target = root / file
    text = target.read_text(encoding="utf-8")
    assert old in text
    target.write_text(text.replace(old, new, 1), encoding="utf-8")
    for command in (["validate", "--data", str(paths.DATA_DIR)], ["doctor"]):
        proc = run_cli(*command, env={"NIANBAO_ROOT": str(root)})
        assert proc.returncode == 2, proc.stdout + proc.stderr
        lines = proc.stderr.strip().splitlines()
        assert len(lines) == 1 and file in lines[0] and key in lines[0], proc.stderr
        assert "Traceback" not in proc.stderr and "KeyError" not in proc.stderr


class Tracking(dict):
    """A rules mapping that records every key read (activity codes as ``*``)."""

    def __init__(self, data: dict, seen: set[str], prefix: str = "") -> None:
        super().__init__(data)
        self.seen, self.prefix = seen, prefix

    def _path(self, key) -> str:
        return "activity_minimums.*" if self.prefix == "activity_minimums." else f"{self.prefix}{key}"

    def __getitem__(self, key):
        path = self._path(key)
        self.seen.add(path)
        value = super().__getitem__(key)
        return Tracking(value, self.seen, path + ".") if isinstance(value, dict) else value

    def get(self, key, default=None):
        return self[key] if key in self else default

    def items(self):
        return [(k, self[k]) for k in self.keys()]

    def values(self):
        return [self[k] for k in self.keys()]


def leaves(data: dict, prefix: str = "") -> set[str]:
    out = set()
    for key, value in data.items():
        path = "activity_minimums.*" if prefix == "activity_minimums." else f"{prefix}{key}"
        out |= leaves(value, path + ".") if isinstance(value, dict) else {path}
    return out


def _rule_readers() -> list:
    """Every module of helpers that reads the rules through its own ``load_rules`` name."""
    import importlib
    import pkgutil

    import helpers

    modules = [importlib.import_module(m.name) for m in pkgutil.walk_packages(helpers.__path__, "helpers.")]
    found = [m for m in modules if hasattr(m, "load_rules")]
    assert len(found) >= 5, found  # the figures and the sentences of several tables
    return found


def test_every_rule_the_file_declares_is_used(monkeypatch):
    import helpers.document.report as report
    import helpers.read.ledgers as ledgers
    import helpers.settings.config as config
    from helpers.figures.kinds import get as get_kind
    from helpers.run.summary import district, ranking_chart, summary_markdown

    declared = config.rules()
    seen: set[str] = set()
    tracked = Tracking(declared, seen)
    for module in _rule_readers():
        monkeypatch.setattr(module, "load_rules", lambda *a, **k: tracked)
    monkeypatch.setattr(config, "rules", lambda *a, **k: tracked)

    data = ledgers.load_ledgers(paths.DATA_DIR, cache=False)
    rep = report.Report.from_ledgers(data, "yeji-mzj", 2024)
    rep.body_markdown()
    rep.appendix_markdown()
    total, per_unit = district(data, 2024)
    ranking = ranking_chart(data, per_unit, "activity.total", total.period.words)
    summary_markdown(data, total, per_unit, get_kind("ideology"), ranking)
    unused = leaves(declared) - seen
    assert not unused, f"declared in config/rules.yml but never read: {sorted(unused)}"


def test_decimals_come_from_the_rules(monkeypatch):
    import helpers.settings.config as config
    from helpers.figures.base import Indicator, rate
    from helpers.words.phrasing import change_phrase, number

    two = json.loads(json.dumps(config.rules()))
    two["phrasing"]["decimals"] = 2
    monkeypatch.setattr(config, "rules", lambda *a, **k: two)
    assert rate(1, 3) == 33.33
    assert number(33.333, "rate") == "33.33%"
    assert change_phrase(Indicator(33, 28, "", "件")) == "同比增长17.86%"
    assert change_phrase(Indicator(96.45, 96.4, "", "%", "rate")) == "同比提高0.05个百分点"


def test_escalation_words_come_from_the_rules(monkeypatch, sample_ledgers):
    import helpers.document.report as report
    import helpers.settings.config as config
    from helpers.words.sentences import SENTENCES

    other = json.loads(json.dumps(config.rules()))
    other["casework"]["escalation_levels"] = ["到市", "赴省", "进京", "到区"]
    for module in _rule_readers():
        monkeypatch.setattr(module, "load_rules", lambda *a, **k: other)
    rep = report.Report.from_ledgers(sample_ledgers, "yeji-mzj", 2024)
    assert "未发生到市、赴省、进京、到区越级上访" in SENTENCES["text.casework"](rep)
    assert rep.indicators["casework.escalated"].label == "越级信访（到市、赴省、进京、到区）"


def test_no_rule_is_a_literal_in_code():
    src = ROOT / "src" / "helpers"
    for name in ("figures/indicators.py", "document/report.py", "words/phrasing.py", "run/summary.py",
                 "words/sentences.py", "document/tables.py", "figures/periods.py", "figures/base.py",
                 "figures/activity.py", "figures/casework.py", "figures/counted.py", "words/activity.py",
                 "words/casework.py", "words/counted.py"):
        code = "\n".join(line.split("#", 1)[0] for line in (src / name).read_text(encoding="utf-8").splitlines())
        for pattern in (r"到市|赴省|进京", r"\b(60|90)\b", r"\.1f", r"round\([^)]*,\s*1\)", r"100\.0%"):
            assert not re.search(pattern, code), f"{name}: {pattern}"

"""The batch engine: warm kernels, isolation, atomic outputs, incremental builds, Dask."""

from __future__ import annotations

import json
import re
import shutil

import pytest

from conftest import run_cli
from helpers.read.ledgers import load_ledgers
from helpers.run.jobs import Job
from helpers.run.kernel import RESET_CODE, Worker
from helpers.settings import paths

pytestmark = pytest.mark.render


def outputs(nb) -> list:
    return [[{k: v for k, v in o.items() if k != "execution_count"} for o in cell.get("outputs", [])]
            for cell in nb.cells]


def test_reused_kernel_gives_the_same_report_as_a_fresh_one():
    ledgers = load_ledgers()
    job = Job(2024, "yeji-mzj", None, ledgers.data_dir, paths.OUTPUT_DIR)
    other = Job(2023, "yeji-zjj", "2023-06-30", ledgers.data_dir, paths.OUTPUT_DIR)
    warm, fresh = Worker(), Worker()
    try:
        warm.execute(other)          # leaves state behind that a reset must clear
        warm.execute(job)
        reused = warm.execute(job)
        assert warm.reports == 3
        first = fresh.execute(job)
    finally:
        warm.shutdown()
        fresh.shutdown()
    assert outputs(reused) == outputs(first)
    assert any("image/png" in o.get("data", {}) for cell in first.cells for o in cell.get("outputs", []))


def test_reset_clears_the_namespace():
    import nbformat

    w = Worker()
    try:
        w._run(nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell("leftover = 1")]))
        w.reset(nbformat)
        nb = w._run(nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell("print('leftover' in dir())")]))
    finally:
        w.shutdown()
    assert nb.cells[0].outputs[0]["text"].strip() == "False"


def test_batch_kernel_runs_without_debugger_and_keeps_history_in_memory():
    import nbformat

    w = Worker()
    try:
        nb = w._run(nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(
            "import sys; print(sys.modules.get('debugpy', 'absent'), get_ipython().history_manager.hist_file)")]))
        process = w.km.provisioner.process
        assert w.km.kernel_spec.argv[1:3] == ["-m", "helpers.run.batch_kernel"]
    finally:
        w.shutdown()
    assert nb.cells[0].outputs[0]["text"].split() == ["None", ":memory:"]  # debugpy held out: no debugger
    assert process.poll() is not None  # the kernel is gone once the worker shuts down
    assert w.km is None and w.kc is None


def test_ready_client_waits_for_the_kernel_and_drains_what_it_said_while_starting():
    import asyncio

    from helpers.run.kernel import KERNEL_ARGS, kernel_env, kernel_manager, ready_client

    async def start_and_ask():
        km = kernel_manager()
        await km.start_kernel(extra_arguments=KERNEL_ARGS, env=kernel_env())
        try:
            kc = await ready_client(km, timeout=60)
            try:
                msg_id = kc.execute("1 + 1")
                reply = await kc.get_shell_msg(timeout=30)
                first = await kc.get_iopub_msg(timeout=30)  # nothing left from the start: this request's own
                return reply, first, msg_id
            finally:
                kc.stop_channels()
        finally:
            await km.shutdown_kernel(now=True)

    reply, first, msg_id = asyncio.run(start_and_ask())
    assert reply["parent_header"]["msg_id"] == msg_id and reply["content"]["status"] == "ok"
    assert first["parent_header"]["msg_id"] == msg_id


def test_ready_client_says_when_the_kernel_dies():
    import asyncio

    from helpers.run import kernel

    async def start_broken():
        km = kernel.kernel_manager()
        await km.start_kernel(extra_arguments=["--IPKernelApp.exec_lines=import os; os._exit(3)"],
                              env=kernel.kernel_env())
        try:
            await kernel.ready_client(km, timeout=60)
        finally:
            await km.shutdown_kernel(now=True)

    from helpers.settings.errors import ReportError

    with pytest.raises(ReportError, match="笔记本内核启动时意外退出"):
        asyncio.run(start_broken())


_IMPORTS_OF = """
import json, sys
import helpers.run.engine  # what a pool worker has imported before its first report
from helpers.run.kernel import preload
preload()
before = set(sys.modules)
if sys.argv[1] == "warm-up":
    from helpers.render.engines import warm_up, warmed
    warm_up()
    warmed()
else:  # a worker's first report, up to the end of its notebook
    import nbformat
    from helpers.run.kernel import worker
    nb = worker()._run(nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell("1 + 1")]))
    worker().shutdown()
print(json.dumps(sorted(set(sys.modules) - before)))
"""


def test_the_warm_up_thread_imports_nothing_the_worker_imports_meanwhile():
    """The warm-up thread and the worker's first notebook import disjoint modules (after preload): two threads
    importing one package at once can leave one with a partly initialised module, and the report fails."""
    import subprocess
    import sys

    def imports(side: str) -> set[str]:
        proc = subprocess.run([sys.executable, "-c", _IMPORTS_OF, side], capture_output=True, text=True,
                              timeout=120, cwd=paths.ROOT)
        assert proc.returncode == 0, proc.stderr
        return set(json.loads(proc.stdout.splitlines()[-1]))

    warm, run = imports("warm-up"), imports("worker")
    assert len(warm) > 100  # nbconvert and its template engine: the warm-up did import
    assert not warm & run, sorted(warm & run)


def test_a_worker_preloads_before_the_warm_up_starts(tmp_path, monkeypatch):
    from helpers.render import engines
    from helpers.run import engine

    calls: list[str] = []
    monkeypatch.setattr(engine, "preload", lambda: calls.append("preload"))
    monkeypatch.setattr(engines, "warm_up", lambda: calls.append("warm-up"))
    monkeypatch.setattr(engines, "warmed", lambda: calls.append("warmed"))

    class Stop(Worker):
        def execute(self, job):
            calls.append("notebook")
            raise RuntimeError("stop here")

    monkeypatch.setattr(engine, "worker", Stop)
    job = Job(2024, "yeji-mzj", None, paths.DATA_DIR, tmp_path, engine="builtin")
    result = engine.run_job(job, None, {})
    assert result.status == "failed"
    assert calls == ["preload", "warm-up", "notebook"]


@pytest.fixture(scope="module")
def matrix(tmp_path_factory):
    """The whole sample matrix built once, with the data in a writable copy."""
    root = tmp_path_factory.mktemp("matrix")
    data, out = root / "data", root / "out"
    shutil.copytree(paths.DATA_DIR, data)
    proc = run_cli("build", "--unit", "all", "--year", "all", "--data", str(data), "--out", str(out), "--jobs", "2")
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "已生成 15 份，无变化跳过 0 份，失败 0 份" in proc.stdout  # 12 reports and 3 district summaries
    return data, out


def test_second_run_builds_nothing(matrix):
    data, out = matrix
    before = (out / "2024" / "ideology" / "yeji-mzj" / "manifest.json").read_text(encoding="utf-8")
    proc = run_cli("build", "--unit", "all", "--year", "all", "--data", str(data), "--out", str(out))
    assert proc.returncode == 0
    assert "已生成 0 份，无变化跳过 15 份，失败 0 份" in proc.stdout  # the district summaries too
    assert (out / "2024" / "ideology" / "yeji-mzj" / "manifest.json").read_text(encoding="utf-8") == before


def test_manifest_records_provenance(matrix):
    _data, out = matrix
    manifest = json.loads((out / "2023" / "ideology" / "yeji-rsj" / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["parameters"]["year"] == 2023 and manifest["parameters"]["unit"] == "yeji-rsj"
    assert {"ledgers", "narrative", "notebook", "code", "templates", "quarto_yml", "rules", "parameters"} \
        <= set(manifest["inputs"])
    assert {"python", "pandas", "pandoc", "typst", "papermill"} <= set(manifest["tools"])
    assert manifest["timings"]["total"] > 0


def test_a_changed_narrative_rebuilds_only_its_reports(matrix):
    data, out = matrix
    p = data / "narrative" / "yeji-mzj" / "2024.md"
    p.write_text(p.read_text(encoding="utf-8").replace("现将有关情况报告如下。", "现将有关情况报告如下："),
                 encoding="utf-8")
    proc = run_cli("build", "--unit", "all", "--year", "all", "--data", str(data), "--out", str(out))
    assert "已生成 2 份，无变化跳过 13 份，失败 0 份" in proc.stdout, proc.stdout  # the report and its year's summary
    assert "现将有关情况报告如下：" in (out / "2024" / "ideology" / "yeji-mzj" / "report.html").read_text(encoding="utf-8")


def test_a_changed_ledger_row_rebuilds_only_that_unit(matrix):
    data, out = matrix
    path = data / "activities.csv"
    text = path.read_text(encoding="utf-8-sig")
    line = next(row for row in text.splitlines() if row.startswith("HD2024") and ",yeji-wjw," in row)
    head, _, participants = line.rpartition(",")
    path.write_text(text.replace(line, f"{head},{int(participants) + 1}"), encoding="utf-8-sig")
    proc = run_cli("build", "--unit", "all", "--year", "all", "--data", str(data), "--out", str(out))
    assert proc.returncode == 0
    built = [row.split()[0] for row in proc.stdout.splitlines() if re.match(r"^\d{4}/\S+\s+已生成\s", row)]
    assert built and all(name.endswith(("yeji-wjw", "_summary")) for name in built), proc.stdout
    assert sum(name.endswith("yeji-wjw") for name in built) == 3


def test_force_rebuilds_everything(matrix):
    data, out = matrix
    proc = run_cli("build", "--unit", "yeji-rsj", "--year", "all", "--data", str(data), "--out", str(out), "--force")
    assert "已生成 3 份，无变化跳过 0 份，失败 0 份" in proc.stdout


def test_a_broken_unit_fails_alone_and_keeps_its_previous_outputs(matrix):
    data, out = matrix
    good = (out / "2024" / "ideology" / "yeji-zjj" / "report.pdf").read_bytes()
    narrative = data / "narrative" / "yeji-zjj" / "2024.md"
    narrative.parent.mkdir(parents=True, exist_ok=True)
    narrative.write_text("## 开篇\n\n按照{no_such_figure}要求。\n", encoding="utf-8")
    (data / "activities.csv").write_text((data / "activities.csv").read_text(encoding="utf-8-sig") + "x", encoding="utf-8")
    proc = run_cli("build", "--unit", "all", "--year", "all", "--data", str(data), "--out", str(out))
    assert proc.returncode == 1
    assert "2024/ideology/yeji-zjj" in proc.stdout and "{no_such_figure}" in proc.stdout
    assert "已生成 11 份，无变化跳过 0 份，失败 1 份" in proc.stdout or "失败" in proc.stdout
    assert (out / "2024" / "ideology" / "yeji-zjj" / "report.pdf").read_bytes() == good
    assert "{no_such_figure}" in (out / "2024" / "ideology" / "yeji-zjj.error.txt").read_text(encoding="utf-8")
    assert not list(out.glob("*/*/.*.tmp-*"))


def test_a_report_failing_in_its_notebook_is_isolated(tmp_path, monkeypatch):
    from helpers.run.build import build

    out = tmp_path / "out"
    results = build("yeji-mzj,yeji-rsj", "2024", out_dir=out, jobs=1, formats="html", echo=lambda _l: None)
    assert [r.status for r in results] == ["built", "built"]
    before = (out / "2024" / "ideology" / "yeji-rsj" / "report.html").read_bytes()
    # a notebook that raises for one unit only
    real = Worker._notebook

    def broken(self, path):
        nb = real(self, path)
        nb.cells.insert(3, __import__("nbformat").v4.new_code_cell(
            "if unit == 'yeji-rsj':\n    raise RuntimeError('broken on purpose')", metadata={"tags": []}))
        return nb

    monkeypatch.setattr(Worker, "_notebook", broken)
    results = build("yeji-mzj,yeji-rsj", "2024", out_dir=out, jobs=1, formats="html", force=True,
                    echo=lambda _l: None)
    status = {r.job.unit: r for r in results}
    assert status["yeji-mzj"].status == "built", status["yeji-mzj"].error
    assert status["yeji-rsj"].status == "failed"
    assert "（RuntimeError）：broken on purpose" in status["yeji-rsj"].error
    assert re.search(r"笔记本第\d+个单元格", status["yeji-rsj"].error)
    assert (out / "2024" / "ideology" / "yeji-rsj" / "report.html").read_bytes() == before
    error = (out / "2024" / "ideology" / "yeji-rsj.error.txt").read_text(encoding="utf-8")
    assert "生成失败" in error and "上一次成功生成的版本" in error and "\x1b[" not in error
    from helpers.run.site import write_site

    page = write_site(out).read_text(encoding="utf-8")
    assert page.count("上次生成失败，下面是此前的版本") == 1  # yeji-rsj only


def test_dask_cluster_runs_the_same_tasks(tmp_path):
    distributed = pytest.importorskip("distributed")
    from helpers.run.build import build

    with distributed.LocalCluster(n_workers=1, threads_per_worker=1, processes=True,
                                  dashboard_address=None) as cluster:
        results = build("yeji-wjw", "2024", out_dir=tmp_path, formats="html,pdf",
                        scheduler=cluster.scheduler_address, echo=lambda _l: None)
    assert [r.status for r in results] == ["built"]
    assert (tmp_path / "2024" / "ideology" / "yeji-wjw" / "report.pdf").is_file()


def test_scheduler_without_dask_says_how_to_install_it(monkeypatch):
    import sys

    from helpers.run.distributed import run_on_dask
    from helpers.settings.errors import ParameterError

    monkeypatch.setitem(sys.modules, "distributed", None)  # as where the dask extra is not installed
    with pytest.raises(ParameterError, match=r"--scheduler 需要安装 Dask：pip install 'nianbao\[dask\]'"):
        run_on_dask("tcp://127.0.0.1:8786", [], {}, {}, lambda _r: None)


def test_chart_seconds_are_the_chart_cells_time():
    import nbformat

    from helpers.run.kernel import chart_seconds

    def cell(began: str, ended: str, png: bool):
        c = nbformat.v4.new_code_cell("")
        c.metadata["execution"] = {"iopub.execute_input": f"2026-12-07T04:22:{began}Z",
                                   "shell.execute_reply": f"2026-12-07T04:22:{ended}Z"}
        data = {"image/png": "iVBOR", "text/plain": "<图>"} if png else {"text/plain": "1"}
        c.outputs = [nbformat.v4.new_output("display_data", data=data)]
        return c

    nb = nbformat.v4.new_notebook(cells=[cell("50.000000", "51.000000", False), cell("52.034291", "52.425286", True),
                                         cell("53.000000", "53.250000", True)])
    assert chart_seconds(nb) == pytest.approx(0.641, abs=0.001)
    assert chart_seconds(nbformat.v4.new_notebook(cells=[cell("50.0", "51.0", False)])) is None
    nb.cells[1].metadata = {}
    assert chart_seconds(nb) is None


def test_an_interrupt_leaves_a_coroutine_it_kept_from_starting_unsaid():
    """An interrupt between making a coroutine and running it (the warm kernel's next cell) prints no warning."""
    import gc
    import logging
    import warnings

    from helpers.run import engine

    async def never() -> None:
        pass

    level = logging.getLogger("asyncio").level
    try:
        with warnings.catch_warnings(record=True) as seen:
            warnings.simplefilter("always")
            engine._quiet_unwinding()
            never()  # made, never awaited, collected
            gc.collect()
        assert not [w for w in seen if "never awaited" in str(w.message)]
    finally:
        logging.getLogger("asyncio").setLevel(level)


# Cells that show each kind of output a notebook can make: the one-request run must give nbclient's outputs.
PARITY_CELLS = [
    "print('一'); import sys; print('二', file=sys.stderr); print('三')",
    "from IPython.display import display, Markdown\ndisplay(Markdown('**粗体**'), metadata={'k': 1})\n1 + 1",
    "2 + 2;",
    "",
    "h = display(Markdown('先'), display_id=True)\nh.update(Markdown('后'))",
    "from IPython.display import clear_output\nprint('清除前')\nclear_output(wait=True)\nprint('清除后')",
    "%%capture c\nprint('不显示')",
    "import warnings\nwarnings.warn('注意')",
    "import matplotlib.pyplot as plt\nplt.figure(figsize=(1, 1)); plt.plot([1, 2]);",  # inline figure
    "raise ValueError('故意的')",  # tagged raises-exception: the next cells still run
    "undefined_name",
    "print('不会运行')",
]


def _parity_notebook():
    import nbformat

    cells = [nbformat.v4.new_code_cell(source) for source in PARITY_CELLS]
    cells[9].metadata["tags"] = ["raises-exception"]
    return nbformat.v4.new_notebook(cells=cells)


def test_cells_in_one_request_give_the_outputs_nbclient_gives():
    from nbclient.exceptions import CellExecutionError

    w = Worker()
    try:
        one = _parity_notebook()
        error = w.run_cells(one, then=RESET_CODE)
        each = _parity_notebook()
        with pytest.raises(CellExecutionError):
            w._run(each)
    finally:
        w.shutdown()
    def named(cells):  # a traceback names its cell by its execution count (nbclient's kernel counts on)
        return [[{**o, "traceback": [re.sub(r"In\[\d+\]", "In[n]", line) for line in o["traceback"]]}
                 if "traceback" in o else o for o in cell] for cell in outputs(cells)]

    assert named(one) == named(each)
    assert one.cells[10].execution_count == 10 and "In[10]" in one.cells[10].outputs[0]["traceback"][2]
    assert error["ename"] == "NameError" and error["cell"] is one.cells[10]
    assert not one.cells[11].outputs and one.cells[11].execution_count is None  # not run, as nbclient
    assert one.cells[3].execution_count is None  # an empty cell is not run
    assert [c.execution_count for c in one.cells[:3]] == [1, 2, 3]
    assert one.cells[1].outputs[-1]["execution_count"] == 2
    kinds = [[o["output_type"] for o in c.outputs] for c in one.cells]
    assert [o.get("text") for o in one.cells[0].outputs] == ["一\n三\n", "二\n"]  # buffered, as the kernel does
    assert kinds[1] == ["display_data", "execute_result"]
    assert kinds[2] == [] and kinds[8][-1] == "display_data" and "image/png" in one.cells[8].outputs[-1]["data"]
    assert one.cells[4].outputs[0]["data"]["text/markdown"] == "后" and one.cells[5].outputs[0]["text"] == "清除后\n"
    assert kinds[9] == ["error"] and one.cells[9].outputs[0]["evalue"] == "故意的"
    stamps = one.cells[1].metadata["execution"]
    assert stamps["iopub.execute_input"] <= stamps["shell.execute_reply"]
    assert one.metadata["language_info"]["name"] == "python"


def test_cells_in_one_request_leave_nothing_behind_in_the_kernel():
    """Running cells makes no class or publisher per cell or report (the kernel would grow report after report)."""
    import nbformat

    count = ("import gc; from IPython.core.displaypub import DisplayPublisher; gc.collect(); "
             "print(len(DisplayPublisher.__subclasses__()), "
             "sum(isinstance(o, DisplayPublisher) for o in gc.get_objects()))")
    w = Worker()
    try:
        def counted() -> str:
            nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(count)])
            w.run_cells(nb, then=RESET_CODE)
            return nb.cells[0].outputs[0]["text"]

        first = counted()
        for _ in range(3):
            w.run_cells(_parity_notebook(), then=RESET_CODE)
        assert counted() == first
    finally:
        w.shutdown()

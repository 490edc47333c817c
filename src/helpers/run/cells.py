"""A report's cells run in one request to the kernel, their outputs returned together.

nbclient sends each cell to the kernel as its own request: with its status,
input, output and reply messages, each signed, serialised and passed between
the kernel's threads, that is about 5 ms of CPU a cell (kernel and worker),
more than a report's own work in most of its cells. The worker
(:meth:`helpers.run.kernel.Worker.execute`) instead sends one cell that calls
:func:`run` with the report's cell sources. :func:`run` runs each cell in the
kernel's IPython shell as the kernel would (magics, the inline figures, the
last expression displayed, ``;`` silencing it), keeps what it displays, prints
and raises as the notebook's outputs (``display_data``, ``execute_result``,
``stream``, ``error``), stops at the first error as nbclient does (unless the
cell is tagged ``raises-exception``), and publishes them all as one output of
:data:`CELLS_MIME`, which :func:`fill_notebook` puts back into the notebook's
cells with their execution counts and times.

Not carried over from the kernel's way: ``_`` and ``Out`` do not keep a cell's
result (the reset clears them anyway), counts run from 1 in each notebook, and
what C code writes to the process's own output (not ``sys.stdout``) is not a
cell's output. nbclient's time limit of 600 s a cell now holds for a report's
cells together.
"""

from __future__ import annotations

import sys
from datetime import datetime, timezone
from typing import Any

CELLS_MIME = "application/vnd.nianbao.cells+json"
KEEP_GOING_TAG = "raises-exception"  # nbclient's: a cell whose error does not stop the notebook


def _now() -> str:
    return datetime.now(timezone.utc).isoformat().replace("+00:00", "Z")


class _Outputs:
    """One cell's outputs as nbformat dicts, in the order the kernel would send them.

    As the kernel's, printed text waits in a buffer per stream until the cell
    displays something, raises, or ends; then stdout's text comes before stderr's.
    """

    def __init__(self) -> None:
        self.items: list[dict[str, Any]] = []
        self.pending = {"stdout": "", "stderr": ""}
        self.clear_next = False  # clear_output(wait=True): clear when the next output comes
        self.display_ids: dict[str, list[dict[str, Any]]] = {}

    def _put(self, output: dict[str, Any]) -> None:
        if self.clear_next:
            self.items.clear()
            self.clear_next = False
        self.items.append(output)

    def flush(self) -> None:
        for name, text in self.pending.items():
            if text:
                self._put({"output_type": "stream", "name": name, "text": text})
                self.pending[name] = ""

    def add(self, output: dict[str, Any]) -> None:
        self.flush()
        self._put(output)

    def clear(self, wait: bool) -> None:
        self.flush()
        if wait:
            self.clear_next = True
        else:
            self.items.clear()


class _Stream:
    """``sys.stdout`` or ``sys.stderr`` while a cell runs: what it writes becomes a stream output."""

    encoding = "utf-8"
    errors = "replace"

    def __init__(self, name: str, outputs: _Outputs) -> None:
        self.name = name
        self.outputs = outputs

    def write(self, text: str) -> int:
        if text:
            self.outputs.pending[self.name] += text
        return len(text)

    def writelines(self, lines) -> None:
        for line in lines:
            self.write(line)

    def flush(self) -> None:
        pass

    def isatty(self) -> bool:
        return False

    def writable(self) -> bool:
        return True


_PUBLISHER: list = []  # the publisher, made once a process (IPython is imported in the kernel only)


def _publisher(shell):
    """``display()`` while a cell runs: a ``display_data`` output of the cell its ``outputs`` holds.

    One a process: a class made for each cell stayed alive with traitlets' bookkeeping,
    and the kernel grew report after report.
    """
    if not _PUBLISHER:
        from IPython.core.displaypub import DisplayPublisher

        class Publisher(DisplayPublisher):
            outputs: _Outputs | None = None

            def publish(self, data, metadata=None, source=None, *, transient=None, update=False,
                        **kwargs) -> None:
                output = {"output_type": "display_data", "data": data, "metadata": metadata or {}}
                display_id = (transient or {}).get("display_id")
                if update:  # an update of what it showed by its display id
                    for shown in self.outputs.display_ids.get(display_id, []):
                        shown.update(data=data, metadata=metadata or {})
                    return
                if display_id is not None:
                    self.outputs.display_ids.setdefault(display_id, []).append(output)
                self.outputs.add(output)

            def clear_output(self, wait: bool = False) -> None:
                self.outputs.clear(wait)

        _PUBLISHER.append(Publisher(shell=shell))
    return _PUBLISHER[0]


class _DisplayHook:
    """``sys.displayhook`` while a cell runs: the cell's last expression as its ``execute_result``."""

    def __init__(self, shell, outputs: _Outputs, source: str, count: int) -> None:
        self.shell, self.outputs, self.source, self.count = shell, outputs, source, count

    def __call__(self, result: Any = None) -> None:
        from IPython.core.displayhook import DisplayHook

        if result is None or DisplayHook.semicolon_at_end_of_expression(self.source):
            return
        data, metadata = self.shell.display_formatter.format(result)
        if data:
            self.outputs.add({"output_type": "execute_result", "data": data, "metadata": metadata or {},
                              "execution_count": self.count})


def run(cells: list[tuple[str, bool]]) -> None:
    """Run a report's cells in this kernel's shell and display their outputs as one :data:`CELLS_MIME` output.

    Parameters
    ----------
    cells : list of (str, bool)
        Each code cell's source, and whether its error lets the next cells run
        (the ``raises-exception`` tag). Runs stop after the first other error.
    """
    from IPython.display import display

    shell = get_ipython()  # type: ignore[name-defined]  # noqa: F821  (run in the kernel)
    saved = shell.display_pub, sys.displayhook, sys.stdout, sys.stderr, shell.execution_count
    results = []
    publisher = _publisher(shell)
    try:
        for count, (source, keep_going) in enumerate(cells, start=1):
            outputs = _Outputs()

            def traceback(etype, evalue, stb, outputs=outputs) -> None:  # the kernel's error message, kept
                outputs.add({"output_type": "error", "ename": str(etype.__name__), "evalue": str(evalue),
                             "traceback": stb})

            publisher.outputs = outputs
            shell.display_pub = publisher
            sys.displayhook = _DisplayHook(shell, outputs, source, count)
            sys.stdout, sys.stderr = _Stream("stdout", outputs), _Stream("stderr", outputs)
            shell._showtraceback = traceback
            shell.execution_count = count  # a traceback names the cell In[count], as its notebook numbers it
            began = _now()
            result = shell.run_cell(source, store_history=False)
            outputs.flush()
            results.append({"outputs": outputs.items, "count": count, "began": began, "ended": _now(),
                            "ok": bool(result.success)})
            if not result.success and not keep_going:
                break
    finally:
        shell.display_pub, sys.displayhook, sys.stdout, sys.stderr, shell.execution_count = saved
        publisher.outputs = None  # the report's outputs are not kept
        shell.__dict__.pop("_showtraceback", None)  # the kernel's own method again
    display({CELLS_MIME: results, "text/plain": f"{len(results)} cells"}, raw=True)


def cell_code(nb) -> tuple[str, list]:
    """The code that runs ``nb``'s code cells with :func:`run`, and those cells (empty ones are not run)."""
    cells = [cell for cell in nb.cells if cell.cell_type == "code" and cell.source.strip()]
    sources = [(cell.source, KEEP_GOING_TAG in cell.get("metadata", {}).get("tags", [])) for cell in cells]
    return f"import helpers.run.cells as _nianbao_cells\n_nianbao_cells.run({sources!r})\n", cells


def fill_notebook(cells: list, outputs: list[dict]) -> dict | None:
    """Put :func:`run`'s results (the ``outputs`` of the cell that called it) into the notebook's ``cells``.

    Returns
    -------
    dict or None
        The first error output of a cell whose error stopped the run (with its
        cell's index among ``cells``), or None when every cell ran.
    """
    import nbformat

    results = next((o["data"][CELLS_MIME] for o in outputs if CELLS_MIME in o.get("data", {})), None)
    if results is None:
        from ..settings.errors import ReportError

        raise ReportError("内核没有返回笔记本各单元格的输出，报告未能执行；"
                          "请重试，仍出错时运行 nianbao doctor 检查环境")
    for cell in cells:
        cell.outputs = []
        cell.execution_count = None
    for cell, result in zip(cells, results):
        cell.outputs = [nbformat.from_dict(o) for o in result["outputs"]]
        cell.execution_count = result["count"]
        cell.metadata["execution"] = {"iopub.status.busy": result["began"], "iopub.execute_input": result["began"],
                                      "shell.execute_reply": result["ended"], "iopub.status.idle": result["ended"]}
    for index, (cell, result) in enumerate(zip(cells, results)):
        if not result["ok"] and KEEP_GOING_TAG not in cell.get("metadata", {}).get("tags", []):
            errors = [o for o in cell.outputs if o.output_type == "error"]
            return {**(errors[0] if errors else {"ename": "Error", "evalue": "单元格执行出错"}), "cell": index}
    return None

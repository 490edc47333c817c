"""Run report tasks on a Dask distributed cluster (``--scheduler tcp://HOST:PORT``).

The tasks are the same :func:`helpers.run.engine.run_job` calls the local pool
runs; each Dask worker keeps its own warm kernels. Workers must have nianbao
installed and see the data and output folders at the same paths (a shared
file system). Install with ``pip install 'nianbao[dask]'``.
"""

from __future__ import annotations

from collections.abc import Callable

from ..settings.errors import ParameterError
from .engine import run_job
from .jobs import Job, Result


def run_on_dask(scheduler: str, jobs: list[Job], stamps: dict, tools: dict, done: Callable[[Result], None]) -> None:
    """Submit one task per report to the scheduler and report each result as it completes.

    Raises
    ------
    ParameterError
        When Dask is not installed or the scheduler cannot be reached.
    """
    try:
        from distributed import Client, as_completed
    except ImportError:
        raise ParameterError("--scheduler 需要安装 Dask：pip install 'nianbao[dask]'") from None
    try:
        client = Client(scheduler, timeout="10s")
    except OSError as exc:
        raise ParameterError(f"--scheduler {scheduler}：连不上 Dask 调度器（{exc}），请检查地址和端口，"
                             "以及调度器是否已启动") from None
    with client:
        futures = [client.submit(run_job, job, stamps.get(job), tools, pure=False, key=f"nianbao-{job.name}")
                   for job in jobs]
        for future in as_completed(futures):
            done(future.result())

"""The kernel a build's worker runs its notebooks on: IPython's kernel, without its debugger.

Run as ``python -m helpers.run.batch_kernel -f CONNECTION_FILE [options]`` (what
:class:`helpers.run.kernel.Worker` starts; ``ipykernel_launcher`` takes the same
arguments). ipykernel imports debugpy when the kernel starts, to offer JupyterLab's
debugger: about 0.15 s of every kernel's start, and nobody debugs a batch build's
notebook. With ``debugpy`` marked as absent, ipykernel runs as it does where debugpy
is not installed. Analysts' kernels in JupyterLab are the usual ones, debugger included.
"""

from __future__ import annotations

import sys


def main() -> None:
    """Start the kernel (ipykernel's own entry point), debugpy left out."""
    sys.modules["debugpy"] = None  # type: ignore[assignment]  # an import of it now raises ImportError
    from ipykernel.kernelapp import launch_new_instance

    launch_new_instance()


if __name__ == "__main__":
    main()

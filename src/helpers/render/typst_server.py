"""A typst process: compiles PDFs for the worker that started it, one request a line, until its input ends.

Run as ``python -m helpers.render.typst_server FONT_DIR ...``: it loads the fonts
once, then reads one JSON request a line on its standard input (``input``,
``output``, ``root``, ``options``) and answers one JSON line on its standard
output (``{"ok": true}`` or ``{"ok": false, "error": …}``). The worker
(:class:`helpers.render.servers.TypstServer`) ends it after a few PDFs: typst
memoizes what it computes for as long as its process lives, and offers no way to
let go of it. It imports nothing of nianbao's but this module.
"""

from __future__ import annotations

import json
import signal
import sys


def serve(font_dirs: list[str]) -> None:
    """Load the fonts of ``font_dirs``, then compile each request read from standard input."""
    import typst

    compiler = typst.Compiler(font_paths=font_dirs)
    sys.stdout.write(json.dumps({"ready": True}) + "\n")
    sys.stdout.flush()
    for line in sys.stdin:
        req = json.loads(line)
        try:
            compiler.compile(input=req["input"], output=req["output"], root=req["root"], **req["options"])
            reply = {"ok": True}
        except Exception as exc:  # typst's own error, handed to the worker in its words
            reply = {"ok": False, "error": str(exc)[:2000]}
        sys.stdout.write(json.dumps(reply) + "\n")  # ASCII: read the same whatever the locale
        sys.stdout.flush()


if __name__ == "__main__":
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is the worker's business: it ends this process
    serve(sys.argv[1:])

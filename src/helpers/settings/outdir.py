"""The output folder of a build: checked writable first, held by one build at a time, written atomically.

:func:`prepare_output` creates the folder and proves it can be written
before any notebook runs (exit 2 otherwise). :class:`OutputLock` is an
advisory lock on ``<out>/.nianbao.lock`` (``fcntl.flock``; ``msvcrt`` on
Windows) whose file records the holder's pid, start time and command. The
operating system drops the lock when its holder dies, so the lock of a dead
process is simply taken over; the file then still names the dead pid, and the
new holder says that it took it over.

:func:`atomic_folder` and :func:`atomic_file` are the one way anything is
written in place: into a scratch name beside the target, then moved there
with renames only, so a reader never sees half a report, a half-written
cache or a half-written page, and an interrupted write leaves only scratch
names (``.<name>.tmp-<id>``) that :func:`scratch_names` finds.
"""

from __future__ import annotations

import contextlib
import errno
import json
import os
import shutil
import sys
import time
import uuid
from collections.abc import Callable, Iterator
from datetime import datetime
from pathlib import Path

from . import paths
from .errors import BusyError, OutputError

_REASONS = {
    errno.EACCES: "没有写入权限",
    errno.EPERM: "没有写入权限",
    errno.EROFS: "所在磁盘是只读的",
    errno.ENOSPC: "磁盘空间已满",
    errno.ENOTDIR: "路径中有一段是文件而不是文件夹",
    errno.EEXIST: "同名的文件已存在，不是文件夹",
    errno.ENAMETOOLONG: "路径太长",
}


def _reason(exc: OSError) -> str:
    return _REASONS.get(exc.errno or 0, exc.strerror or type(exc).__name__)


def prepare_output(out_dir: Path) -> Path:
    """Create ``out_dir`` if needed and prove that a file can be written in it.

    Parameters
    ----------
    out_dir : Path
        The output root of a build.

    Returns
    -------
    Path
        The folder, resolved.

    Raises
    ------
    OutputError
        When the folder cannot be created or written (exit status 2).
    """
    out_dir = Path(out_dir).resolve()
    hint = "请检查权限，或用 --out 指定一个可以写入的文件夹。"
    if out_dir.exists() and not out_dir.is_dir():
        raise OutputError(f"输出文件夹 {out_dir} 无法使用：同名的文件已存在，不是文件夹。{hint}")
    try:
        out_dir.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise OutputError(f"无法创建输出文件夹 {out_dir}：{_reason(exc)}。{hint}") from None
    probe = out_dir / f".nianbao-write-test-{uuid.uuid4().hex[:8]}"
    try:
        probe.write_bytes(b"ok")
    except OSError as exc:
        raise OutputError(f"输出文件夹 {out_dir} 无法写入：{_reason(exc)}。{hint}") from None
    finally:
        try:
            probe.unlink()
        except OSError:
            pass
    return out_dir


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    except OSError:
        return False
    return True


def _try_lock(fd: int, block: bool) -> bool:
    if os.name == "nt":  # pragma: no cover - Windows
        import msvcrt

        while True:
            try:
                msvcrt.locking(fd, msvcrt.LK_NBLCK, 1)
                return True
            except OSError:
                if not block:
                    return False
                time.sleep(0.5)
    import fcntl

    try:
        fcntl.flock(fd, fcntl.LOCK_EX | (0 if block else fcntl.LOCK_NB))
        return True
    except BlockingIOError:
        return False


def _unlock(fd: int) -> None:
    if os.name == "nt":  # pragma: no cover - Windows
        import msvcrt

        os.lseek(fd, 0, os.SEEK_SET)
        msvcrt.locking(fd, msvcrt.LK_UNLCK, 1)
        return
    import fcntl

    fcntl.flock(fd, fcntl.LOCK_UN)


# The holder's record starts after the first byte, which Windows locks.
_OFFSET = 1


def read_holder(path: Path) -> dict:
    """The record of the process that holds (or last held) a lock file; empty when there is none."""
    try:
        text = Path(path).read_bytes()[_OFFSET:].decode("utf-8", "replace").strip("\0 \n")
        holder = json.loads(text) if text else {}
    except (OSError, ValueError):
        return {}
    return holder if isinstance(holder, dict) else {}


def _describe(holder: dict) -> str:
    pid = holder.get("pid", "?")
    since = holder.get("since")
    text = f"进程 {pid}"
    if since:
        text += f"（{since} 开始"
        if holder.get("command"):
            text += f"，命令：{holder['command']}"
        text += "）"
    return text


class OutputLock:
    """One build at a time per output folder.

    Parameters
    ----------
    out_dir : Path
        The output folder (it must exist).
    wait : bool
        Wait for the holder to finish (saying so once) instead of refusing.
    echo : callable
        Where the waiting and take-over messages go.

    Raises
    ------
    BusyError
        On :meth:`acquire`, when another live process holds the folder and
        ``wait`` is false (exit status 3).
    """

    def __init__(self, out_dir: Path, *, wait: bool = False, echo: Callable[[str], None] | None = None) -> None:
        self.path = paths.lock_file(Path(out_dir))
        self.wait = wait
        self.echo = echo or (lambda line: print(line, file=sys.stderr))
        self.fd: int | None = None

    def acquire(self) -> OutputLock:
        """Take the lock (see the class)."""
        try:
            fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o644)
        except OSError as exc:
            raise OutputError(f"无法在输出文件夹中建立锁文件 {self.path}：{_reason(exc)}。") from None
        try:
            if not _try_lock(fd, block=False):
                holder = read_holder(self.path)
                folder = self.path.parent
                if not self.wait:
                    raise BusyError(
                        f"输出文件夹 {folder} 正被另一次生成占用：{_describe(holder)}。"
                        "请等它结束后再运行，或加 --wait 排队等待。"
                    )
                self.echo(f"nianbao：输出文件夹 {folder} 正被{_describe(holder)}占用，等待它结束……")
                _try_lock(fd, block=True)
            previous = read_holder(self.path)
            pid = previous.get("pid")
            if isinstance(pid, int) and pid != os.getpid() and not _alive(pid):
                self.echo(f"nianbao：进程 {pid} 已不在运行，接管它留下的锁 {self.path.name}。")
            record = {"pid": os.getpid(), "since": datetime.now().isoformat(timespec="seconds"),
                      "command": " ".join([Path(sys.argv[0]).name, *sys.argv[1:]])[:200]}
            os.ftruncate(fd, 0)
            os.lseek(fd, 0, os.SEEK_SET)
            os.write(fd, b"\n" + json.dumps(record, ensure_ascii=False).encode("utf-8") + b"\n")
        except BaseException:
            os.close(fd)
            raise
        self.fd = fd
        return self

    def release(self) -> None:
        """Drop the lock; the file stays (removing it would race with a waiting build)."""
        if self.fd is None:
            return
        fd, self.fd = self.fd, None
        try:
            os.ftruncate(fd, 0)
            _unlock(fd)
        finally:
            os.close(fd)

    def __enter__(self) -> OutputLock:
        return self.acquire()

    def __exit__(self, *exc) -> None:
        self.release()


__all__ = ["OutputLock", "prepare_output", "read_holder"]


# --------------------------------------------------------------------------- atomic writes

SCRATCH_MARK = ".tmp-"  # in every scratch name: .<name>.tmp-<id>
OLD_MARK = ".old-"  # a replaced folder, removed right after the swap


def _scratch(final: Path) -> Path:
    return final.parent / f".{final.name}{SCRATCH_MARK}{uuid.uuid4().hex[:8]}"


@contextlib.contextmanager
def atomic_folder(final: Path, guard: Callable[[], contextlib.AbstractContextManager] | None = None,
                  ) -> Iterator[Path]:
    """Write a folder in one step: yield a scratch folder beside ``final``, then swap it into place.

    Parameters
    ----------
    final : Path
        The folder to (re)place.
    guard : callable, optional
        A context manager held while the folders are swapped (the engine's holds
        interrupts back).

    On an exception (or an interrupt) the scratch folder is removed and ``final`` is untouched.
    """
    final.parent.mkdir(parents=True, exist_ok=True)
    scratch = _scratch(final)
    scratch.mkdir()
    try:
        yield scratch
        with guard() if guard is not None else contextlib.nullcontext():
            old = final.parent / f".{final.name}{OLD_MARK}{uuid.uuid4().hex[:8]}"
            if final.exists():
                os.rename(final, old)
            os.rename(scratch, final)
        shutil.rmtree(old, ignore_errors=True)
    except BaseException:
        shutil.rmtree(scratch, ignore_errors=True)
        raise


@contextlib.contextmanager
def atomic_file(target: Path) -> Iterator[Path]:
    """Write a file in one step: yield a scratch path beside ``target`` (same suffix), then replace ``target``."""
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = _scratch(target)
    tmp = tmp.with_name(tmp.name + target.suffix)  # the same suffix: some writers go by it (.docx)
    try:
        yield tmp
        os.replace(tmp, target)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise


def scratch_names(out_dir: Path) -> list[Path]:
    """Scratch folders and files under ``out_dir`` left by an interrupted write (never a finished one)."""
    found = []
    for path in Path(out_dir).rglob(".*"):
        if SCRATCH_MARK in path.name or OLD_MARK in path.name or path.name.startswith(".nianbao-write-test-"):
            found.append(path)
    return sorted(found, key=lambda p: len(p.parts))

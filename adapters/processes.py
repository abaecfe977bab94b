"""Operating-system processes: whether one runs, ending some, and ending all those below us."""

import contextlib
import ctypes
import logging
import os
import signal
import sys
import time

import psutil

_log = logging.getLogger(__name__)

PR_SET_CHILD_SUBREAPER = 36  # from <linux/prctl.h>


def process_or_none(pid: int) -> psutil.Process | None:
    """The running process `pid`, or None; a zombie counts as ended."""
    try:
        proc = psutil.Process(pid)
        return proc if proc.status() != psutil.STATUS_ZOMBIE else None
    except psutil.Error:
        return None


def wait_gone(pid: int, timeout: float) -> bool:
    """Wait until `pid` has exited, reaping it if it is our own child (a zombie counts as exited:
    one that is not ours is reaped by its parent or PID 1, possibly much later). Returns False on
    timeout."""
    deadline = time.monotonic() + timeout
    while True:
        with contextlib.suppress(ChildProcessError):
            os.waitpid(pid, os.WNOHANG)
        if process_or_none(pid) is None:
            return True
        if time.monotonic() > deadline:
            return False
        time.sleep(0.02)


def end(processes: list[psutil.Process], timeout: float, first: int = signal.SIGTERM) -> None:
    """Send each `first` (SIGTERM unless told), give them `timeout` seconds in all, then SIGKILL
    those still running and wait for them to end."""
    for proc in processes:
        with contextlib.suppress(psutil.NoSuchProcess):
            proc.send_signal(first)
    deadline = time.monotonic() + timeout
    stubborn = [p for p in processes if not wait_gone(p.pid, deadline - time.monotonic())]
    for proc in stubborn:
        _log.warning("pid %s ignored signal %s, sending SIGKILL", proc.pid, first)
        with contextlib.suppress(psutil.NoSuchProcess):
            proc.kill()
    for proc in stubborn:
        wait_gone(proc.pid, 5.0)


def adopt_orphans() -> bool:
    """Become the subreaper of every process started below this one (Linux): one whose parent
    dies (Ray's HAProxy, when Ray ends the actor that ran it; the postmaster pg_ctl leaves) is
    re-parented to this process rather than to PID 1, so it is still found below us at the end."""
    if not sys.platform.startswith("linux"):
        return False
    libc = ctypes.CDLL(None, use_errno=True)
    return bool(libc.prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0) == 0)


def end_descendants(timeout: float = 10.0) -> list[str]:
    """End every process still running below this one, as `end` does, and reap them; returns
    what each was ("haproxy (pid 123)")."""
    ended: list[str] = []
    for _ in range(3):  # one that ends may leave children of its own, re-parented to us
        below = psutil.Process().children(recursive=True)
        running = [p for p in below if process_or_none(p.pid) is not None]
        ended += [_describe(p) for p in running]
        end(below, timeout)
        if not running:
            break
    return ended


def _describe(proc: psutil.Process) -> str:
    try:
        return f"{proc.name()} (pid {proc.pid})"
    except psutil.Error:
        return f"pid {proc.pid}"

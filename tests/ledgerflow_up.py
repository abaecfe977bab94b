"""`ledgerflow up` as a person runs it, from a test or the benchmark: on embedded defaults."""

import asyncio
import contextlib
import os
import signal
import sys
from collections.abc import AsyncIterator, Sequence
from pathlib import Path

import psutil

from serve import ray_environment

#: The caller's own servers, which `up` must not see: it starts (or writes files for) its own.
CONFIGURED = (
    "DATABASE_URL",
    "KAFKA_BOOTSTRAP",
    "RAY_ADDRESS",
    "LEDGERFLOW_HOME",
    "SMTP_HOST",
    "TWILIO_ACCOUNT_SID",
)
READY_WITHIN = 240.0
STOP_WITHIN = 120.0
TRACK_EVERY = 0.25


def embedded_defaults(home: Path) -> dict[str, str]:
    """This process's environment without its server settings and without the Ray settings its
    own Ray took (Serve's ports, loopback), with `home` as the home folder: `up` sets its own."""
    kept = {
        name: value
        for name, value in os.environ.items()
        if name.upper() not in CONFIGURED
        and not name.upper().startswith("RAY_SERVE_")
        and name != ray_environment.LOOPBACK_NODE[0]
    }
    return kept | {"LEDGERFLOW_HOME": str(home)}


class Up:
    """A running `ledgerflow up`: its output, read as it comes so the pipe never fills, and every
    process seen below it, tracked while it runs (by pid and start time, never reused)."""

    def __init__(self, process: asyncio.subprocess.Process) -> None:
        self.process = process
        self.lines: list[str] = []
        self.seen: dict[int, psutil.Process] = {}
        self._ready = asyncio.Event()
        loop = asyncio.get_running_loop()
        self._drain = loop.create_task(self._read())
        self._tracking = loop.create_task(self._track())

    async def _read(self) -> None:
        assert self.process.stdout
        async for raw in self.process.stdout:
            line = raw.decode(errors="replace").rstrip()
            self.lines.append(line)
            if line.startswith("Press Ctrl-C"):  # every part has started
                self._ready.set()

    async def _track(self) -> None:
        # Polled: nothing tells another process when a process starts below it.
        while self.process.returncode is None:
            self.note_descendants()
            await asyncio.sleep(TRACK_EVERY)

    def note_descendants(self) -> None:
        with contextlib.suppress(psutil.Error):
            for process in psutil.Process(self.process.pid).children(recursive=True):
                self.seen.setdefault(process.pid, process)

    async def ready(self, within: float = READY_WITHIN) -> None:
        """Until `up` says it is ready; fails with its last output if it exits or takes longer
        than `within` seconds."""
        waiter = asyncio.ensure_future(self._ready.wait())
        exited = asyncio.ensure_future(self.process.wait())
        done, _ = await asyncio.wait(
            {waiter, exited}, timeout=within, return_when="FIRST_COMPLETED"
        )
        exited.cancel()
        assert waiter in done, "ledgerflow up did not become ready:\n" + "\n".join(self.lines[-40:])

    async def stop(self, signum: int = signal.SIGINT, *, group: bool = False) -> int:
        """Send `signum` to `up`, or to its whole process group as a terminal's Ctrl-C or a
        service manager does, and wait for it to exit."""
        self.note_descendants()
        if group:
            os.killpg(self.process.pid, signum)
        else:
            self.process.send_signal(signum)
        code = await asyncio.wait_for(self.process.wait(), STOP_WITHIN)
        await self._drain
        await self._tracking
        return code

    def left_running(self) -> list[str]:
        """Every process seen below `up` that still runs."""
        return [_describe(p) for p in self.seen.values() if _running(p)]

    def kill_all(self) -> None:
        """SIGKILL `up` and every process seen below it that still runs."""
        if self.process.returncode is None:
            self.process.kill()
        for process in self.seen.values():
            if _running(process):
                with contextlib.suppress(psutil.Error):
                    process.kill()


def _running(process: psutil.Process) -> bool:
    try:
        return process.is_running() and process.status() != psutil.STATUS_ZOMBIE
    except psutil.Error:
        return False


def _describe(process: psutil.Process) -> str:
    with contextlib.suppress(psutil.Error):
        return f"{process.name()} (pid {process.pid}, parent {process.ppid()})"
    return f"pid {process.pid}"


@contextlib.asynccontextmanager
async def running(
    home: Path, port: int, *, module: Sequence[str] = ("serve.cli", "up"), **settings: str
) -> AsyncIterator[Up]:
    """`ledgerflow up --http-port port` (or another `python -m` module that passes on the output
    of an `up` it runs) with `home` as its home and the given settings, in a session and process
    group of its own as a terminal or a service manager starts it; it and everything seen below
    it are killed if still running after the block."""
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        *module,
        "--http-port",
        str(port),
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.STDOUT,
        env=embedded_defaults(home) | settings,
        start_new_session=True,
    )
    up = Up(process)
    try:
        yield up
    finally:
        up.kill_all()  # whatever a failed test leaves; nothing when `up` stopped cleanly
        await process.wait()
        await asyncio.gather(up._drain, up._tracking)

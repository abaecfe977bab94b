"""`ledgerflow up` as a person runs it, from a test or the benchmark: on embedded defaults."""

import asyncio
import contextlib
import os
import signal
import sys
from collections.abc import AsyncIterator
from pathlib import Path

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


def embedded_defaults(home: Path) -> dict[str, str]:
    """This process's environment without its server settings and without the Serve ports its
    own Ray took, with `home` as the home folder."""
    kept = {
        name: value
        for name, value in os.environ.items()
        if name.upper() not in CONFIGURED and not name.upper().startswith("RAY_SERVE_")
    }
    return kept | {"LEDGERFLOW_HOME": str(home)}


class Up:
    """A running `ledgerflow up`: its output, read as it comes so the pipe never fills."""

    def __init__(self, process: asyncio.subprocess.Process) -> None:
        self.process = process
        self.lines: list[str] = []
        self._ready = asyncio.Event()
        self._drain = asyncio.get_running_loop().create_task(self._read())

    async def _read(self) -> None:
        assert self.process.stdout
        async for raw in self.process.stdout:
            line = raw.decode(errors="replace").rstrip()
            self.lines.append(line)
            if line.startswith("Press Ctrl-C"):  # every part has started
                self._ready.set()

    async def ready(self) -> None:
        """Until `up` says it is ready; fails with its last output if it exits or takes too long."""
        waiter = asyncio.ensure_future(self._ready.wait())
        exited = asyncio.ensure_future(self.process.wait())
        done, _ = await asyncio.wait(
            {waiter, exited}, timeout=READY_WITHIN, return_when="FIRST_COMPLETED"
        )
        exited.cancel()
        assert waiter in done, "ledgerflow up did not become ready:\n" + "\n".join(self.lines[-40:])

    async def stop(self, signum: int = signal.SIGINT) -> int:
        self.process.send_signal(signum)
        code = await asyncio.wait_for(self.process.wait(), STOP_WITHIN)
        await self._drain
        return code


@contextlib.asynccontextmanager
async def running(home: Path, port: int) -> AsyncIterator[Up]:
    """`ledgerflow up --http-port port` with `home` as its home; killed if still running after."""
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "serve.cli",
        "up",
        "--http-port",
        str(port),
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.STDOUT,
        env=embedded_defaults(home),
    )
    try:
        yield Up(process)
    finally:
        if process.returncode is None:
            process.kill()
            await process.wait()

"""`ledgerflow up` on embedded defaults in a fresh home: seconds until the API answers."""

from __future__ import annotations

import asyncio
import shutil
import signal
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from adapters.embedded import free_port
from tests.bench.report import Figure
from tests.up_environment import embedded_defaults

READY_WITHIN = 240.0
STOP_WITHIN = 120.0
POLL_SECONDS = 0.1


async def _health(port: int) -> bool:
    """One GET /api/health on a fresh connection: True on 200."""
    try:
        reader, writer = await asyncio.open_connection("127.0.0.1", port)
    except OSError:
        return False
    try:
        writer.write(b"GET /api/health HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n")
        status_line = await asyncio.wait_for(reader.readline(), 5)
        return status_line.split(b" ")[1:2] == [b"200"]
    except (OSError, TimeoutError, asyncio.IncompleteReadError):
        return False
    finally:
        writer.close()


async def measure(details: dict[str, Any], say: Any) -> Figure:
    home = Path(tempfile.mkdtemp(prefix="ledgerflow-bench-up-"))
    port = free_port()
    lines: list[str] = []
    began = time.perf_counter()
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

    ready = asyncio.Event()  # `up` printed that it is ready: every part has started

    async def drain() -> None:
        assert process.stdout
        async for raw in process.stdout:
            lines.append(line := raw.decode(errors="replace").rstrip())
            if line.startswith("Press Ctrl-C"):
                ready.set()

    reading = asyncio.ensure_future(drain())
    try:
        async with asyncio.timeout(READY_WITHIN):
            # Nothing to await but the answer itself: ask until it comes, or `up` gives up.
            while not await _health(port):
                if process.returncode is not None:
                    raise RuntimeError("ledgerflow up exited:\n" + "\n".join(lines[-30:]))
                await asyncio.sleep(POLL_SECONDS)
            answered = time.perf_counter() - began
            say(f"ledgerflow up answered after {answered:.1f} s")
            await ready.wait()  # a stop in the middle of the start is another path
            ready_after = time.perf_counter() - began
        stopping = time.perf_counter()
        process.send_signal(signal.SIGINT)
        async with asyncio.timeout(STOP_WITHIN):
            await process.wait()
        stopped = time.perf_counter() - stopping
        await reading
    finally:
        if process.returncode is None:
            process.kill()
            await process.wait()
        reading.cancel()
        shutil.rmtree(home, ignore_errors=True)
    own = next((line.split("ready in")[1].strip() for line in lines if "ready in" in line), "")
    details["up"] = {
        "answered_seconds": answered,
        "ready_line_seconds": ready_after,
        "stopped_seconds": stopped,
        "exit_code": process.returncode,
        "own_ready_in": own,
    }
    return Figure(
        "`ledgerflow up` until the API answers",
        answered,
        "s",
        note=(
            f"all started (its 'Press Ctrl-C' line) after {ready_after:.1f} s, 'ready in {own}'; "
            f"stopped {stopped:.1f} s after SIGINT, exit code {process.returncode}"
        ),
    )

"""`ledgerflow up` on embedded defaults in a fresh home: seconds until the API answers."""

from __future__ import annotations

import asyncio
import shutil
import tempfile
import time
from pathlib import Path
from typing import Any

from adapters.embedded import free_port
from tests import ledgerflow_up
from tests.bench.report import Figure, Target

WITHIN = ledgerflow_up.READY_WITHIN + ledgerflow_up.STOP_WITHIN
POLL_SECONDS = 0.1
TARGET_SECONDS = 10.0  # until every part is ready


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


async def measure(details: dict[str, Any], say: Any) -> list[Figure]:
    home = Path(tempfile.mkdtemp(prefix="ledgerflow-bench-up-"))
    port = free_port()
    began = time.perf_counter()
    try:
        async with ledgerflow_up.running(home, port) as up, asyncio.timeout(WITHIN):
            # Nothing to await but the answer itself: ask until it comes, or `up` gives up.
            while not await _health(port):
                if up.process.returncode is not None:
                    raise RuntimeError("ledgerflow up exited:\n" + "\n".join(up.lines[-30:]))
                await asyncio.sleep(POLL_SECONDS)
            answered = time.perf_counter() - began
            say(f"ledgerflow up answered after {answered:.1f} s")
            await up.ready()
            ready_after = time.perf_counter() - began
            stopping = time.perf_counter()
            exit_code = await up.stop()
            stopped = time.perf_counter() - stopping
            lines = up.lines
    finally:
        shutil.rmtree(home, ignore_errors=True)
    own = next((line.split("ready in")[1].strip() for line in lines if "ready in" in line), "")
    details["up"] = {
        "answered_seconds": answered,
        "ready_line_seconds": ready_after,
        "stopped_seconds": stopped,
        "exit_code": exit_code,
        "own_ready_in": own,
    }
    return [
        Figure(
            "`ledgerflow up` until every part is ready",
            ready_after,
            "s",
            target=Target("value", "<=", TARGET_SECONDS),
            note=(
                f"its 'Press Ctrl-C' line; it says 'ready in {own}'; stopped {stopped:.1f} s"
                f" after SIGINT, exit code {exit_code}"
            ),
        ),
        Figure("`ledgerflow up` until the API answers", answered, "s"),
    ]

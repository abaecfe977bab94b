"""CPU of the whole system while idle (every part up, no request), beside a bare Ray Serve
no-op application idling on the same machine in the same run."""

from __future__ import annotations

import asyncio
import sys
from typing import Any

from adapters.embedded import free_port
from tests.bench.cpu import MACHINE, OURS, CpuMeter, Usage
from tests.bench.report import Figure, Target

SETTLE_SECONDS = 5.0  # after the start's own work (the relay's first poll, the consumers' rest)
TARGET_CORES = 0.02  # above the bare application
BARE_READY_WITHIN = 180.0
_NOT_PARTS = frozenset((OURS, MACHINE, "bench driver"))


async def measure(meter: CpuMeter, seconds: float) -> Usage:
    """Cores used by the measured processes over `seconds` of nothing asked of them."""
    await asyncio.sleep(SETTLE_SECONDS)
    meter.start()
    await asyncio.sleep(seconds)
    return meter.stop()


async def measure_bare(seconds: float) -> Usage:
    """The bare application's idle, in a process of its own (its own Ray)."""
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "tests.bench.bare_serve",
        str(free_port()),
        stdin=asyncio.subprocess.PIPE,
        stdout=asyncio.subprocess.PIPE,
    )
    assert process.stdin and process.stdout
    try:
        async with asyncio.timeout(BARE_READY_WITHIN):
            while (line := await process.stdout.readline()) != b"ready\n":
                if not line:
                    raise RuntimeError("the bare Serve application did not start")
        return await measure(CpuMeter(None), seconds)
    finally:
        process.stdin.close()
        try:
            async with asyncio.timeout(60):
                await process.wait()
        except TimeoutError:
            process.kill()
            await process.wait()


def figures(system: Usage, bare: Usage, details: dict[str, Any]) -> list[Figure]:
    details["idle"] = {"system_cores": system.cores, "bare_serve_cores": bare.cores}
    ours, theirs = system.cores[OURS], bare.cores[OURS]
    top = sorted(
        ((kind, cores) for kind, cores in system.cores.items() if kind not in _NOT_PARTS),
        key=lambda item: -item[1],
    )[:4]
    return [
        Figure(
            "CPU while idle, all parts up",
            ours,
            "cores",
            "a bare Ray Serve no-op app idling",
            theirs,
            note=", ".join(f"{kind} {cores:.3f}" for kind, cores in top),
        ),
        Figure(
            "CPU while idle above the bare app",
            ours - theirs,
            "cores",
            target=Target("value", "<=", TARGET_CORES),
        ),
    ]

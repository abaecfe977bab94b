"""CPU time of the system's processes during a measurement, by kind: where the cores went."""

from __future__ import annotations

import os
import time
from pathlib import Path

import psutil

#: (kind, a piece of the command line that names it), first match wins.
KINDS = (
    ("gateway", "ServeReplica:ledgerflow:gateway"),
    ("users+tokens", "ServeReplica:ledgerflow:"),
    ("ledger shards", "LedgerShard"),
    ("outbox relay", "OutboxRelay"),
    ("haproxy", "haproxy"),
    ("broker", "tansu"),
    ("postgres", "postgres"),
)


def _kind(process: psutil.Process) -> str:
    if process.pid == os.getpid():
        return "bench driver"
    line = " ".join(process.cmdline())
    return next((kind for kind, marker in KINDS if marker in line), "ray and serve internals")


class CpuMeter:
    """Processes started by this one (Ray, Serve, the actors, the broker) and the embedded
    PostgreSQL of `pgdata`: CPU seconds used between `start` and `stop`, as cores."""

    def __init__(self, pgdata: Path | None) -> None:
        self._pgdata = str(pgdata) if pgdata else None
        self._before: dict[int, tuple[str, float]] = {}
        self._began = 0.0

    def _processes(self) -> list[psutil.Process]:
        me = psutil.Process()
        found = [me, *me.children(recursive=True)]
        if self._pgdata:
            for process in psutil.process_iter():
                try:
                    if self._pgdata in " ".join(process.cmdline()):
                        found += [process, *process.children(recursive=True)]
                except psutil.Error:
                    continue
        return found

    def _sample(self) -> dict[int, tuple[str, float]]:
        sample = {}
        for process in self._processes():
            try:
                times = process.cpu_times()
                sample[process.pid] = (_kind(process), times.user + times.system)
            except psutil.Error:
                continue
        return sample

    def start(self) -> None:
        self._before = self._sample()
        self._began = time.perf_counter()

    def stop(self) -> dict[str, float]:
        """Cores used on average by each kind of process since `start`."""
        after = self._sample()
        seconds = time.perf_counter() - self._began
        used: dict[str, float] = {}
        for pid, (kind, spent) in after.items():
            spent -= self._before.get(pid, (kind, 0.0))[1]
            used[kind] = used.get(kind, 0.0) + spent
        return {kind: round(cpu / seconds, 3) for kind, cpu in sorted(used.items()) if cpu > 0}

"""CPU time of the system's processes during a measurement, by kind: where the cores went; and
the whole machine's busy time beside it (every process, the neighbours' too)."""

from __future__ import annotations

import os
import time
from dataclasses import dataclass, field
from pathlib import Path

import psutil

#: (kind, a piece of the command line that names it), first match wins.
KINDS = (
    ("gateway", "ServeReplica:ledgerflow:gateway"),
    ("users service", "ServeReplica:ledgerflow:users"),
    ("tokens service", "ServeReplica:ledgerflow:tokens"),
    ("serve replicas (other)", "ServeReplica:"),
    ("ledger shards", "LedgerShard"),
    ("messaging", "ray::Messaging"),
    ("couriers", "ray::Courier"),
    ("outbox relay", "OutboxRelay"),
    ("serve controller", "ServeController"),
    ("haproxy", "haproxy"),
    ("broker", "tansu"),
    ("postgres", "postgres"),
    ("load generator", "tests.bench.loadgen"),
    ("bare serve app driver", "tests.bench.bare_serve"),
)
#: Everything below a measured process that no row above names: Ray's GCS, raylet, dashboard
#: and its agents, idle workers.
RAY = "ray internals"
#: The sum of the rows: what this run's processes used.
OURS = "all measured processes"
#: /proc/stat's busy time: every process on the machine, the other engineers' jobs included.
MACHINE = "whole machine"


def _kind(process: psutil.Process) -> str:
    if process.pid == os.getpid():
        return "bench driver"
    line = " ".join(process.cmdline())
    return next((kind for kind, marker in KINDS if marker in line), RAY)


def machine_busy_seconds() -> float:
    """CPU seconds the whole machine has spent busy since boot (every core, every process)."""
    with open("/proc/stat") as stat:
        fields = stat.readline().split()[1:]
    user, nice, system, _idle, _iowait, irq, softirq, steal = (int(f) for f in fields[:8])
    return (user + nice + system + irq + softirq + steal) / os.sysconf("SC_CLK_TCK")


@dataclass
class Usage:
    """Cores used on average over `seconds`, by kind of process, plus OURS and MACHINE."""

    seconds: float
    cores: dict[str, float] = field(default_factory=dict)

    def add(self, kind: str, cpu_seconds: float) -> None:
        """CPU spent by a process the meter could not see (a child that has already exited)."""
        self.cores[kind] = round(self.cores.get(kind, 0.0) + cpu_seconds / self.seconds, 4)
        self.cores[OURS] = round(self.cores.get(OURS, 0.0) + cpu_seconds / self.seconds, 4)

    def per_request_ms(self, rate: float) -> dict[str, float]:
        return {kind: round(1000 * used / rate, 3) for kind, used in self.cores.items()}


class CpuMeter:
    """Processes started by this one (Ray, Serve, the actors, the broker) and the embedded
    PostgreSQL of `pgdata`: CPU seconds used between `start` and `stop`, as cores."""

    def __init__(self, pgdata: Path | None) -> None:
        self._pgdata = str(pgdata) if pgdata else None
        self._before: dict[int, tuple[str, float]] = {}
        self._machine_before = 0.0
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
        self._machine_before = machine_busy_seconds()
        self._began = time.perf_counter()

    def stop(self) -> Usage:
        """Cores used on average by each kind of process since `start`."""
        after = self._sample()
        machine = machine_busy_seconds() - self._machine_before
        usage = Usage(time.perf_counter() - self._began)
        used: dict[str, float] = {}
        for pid, (kind, spent) in after.items():
            spent -= self._before.get(pid, (kind, 0.0))[1]
            used[kind] = used.get(kind, 0.0) + spent
        usage.cores = {
            kind: round(cpu / usage.seconds, 4) for kind, cpu in sorted(used.items()) if cpu > 0
        }
        usage.cores[OURS] = round(sum(used.values()) / usage.seconds, 4)
        usage.cores[MACHINE] = round(machine / usage.seconds, 4)
        return usage

"""Request rate and latency of the hot routes, each against the no-op route under the same load."""

from __future__ import annotations

import math
from dataclasses import asdict
from typing import Any

from tests.bench.cpu import MACHINE, OURS, CpuMeter, Usage
from tests.bench.loadgen import Call, Summary, run_closed
from tests.bench.report import Figure, Target
from tests.e2e.identity import Account

NO_OP = "GET /api/health"
WRITE = "POST /api/transaction"
READ = "GET /api/budget"
#: The expense each write records: in a budget's category, far below its limit.
WRITE_BODY = {"amount": "1.25", "type": "expense", "category": "food"}


def calls(route: str, accounts: list[Account]) -> list[Call]:
    if route == NO_OP:
        return [Call("GET", "/api/health")]
    if route == READ:
        return [Call("GET", "/api/budget", a.access) for a in accounts]
    return [Call("POST", "/api/transaction", a.access, WRITE_BODY) for a in accounts]


async def measure(
    host: str,
    port: int,
    route: str,
    accounts: list[Account],
    *,
    concurrency: int,
    duration: float,
    warmup: float,
    target: float,
    meter: CpuMeter,
    details: dict[str, Any],
) -> list[Figure]:
    """The no-op route, then `route`, with the same generator and concurrency."""
    runs: dict[str, Summary] = {}
    usages: dict[str, Usage] = {}
    details[route] = {}
    for name in (NO_OP, route):
        meter.start()
        runs[name] = await run_closed(
            host,
            port,
            calls(name, accounts),
            concurrency=concurrency,
            duration=duration,
            warmup=warmup,
        )
        usage = meter.stop()
        # The generator has exited by now: its own count of its CPU, over the same run.
        usage.add("load generator", runs[name].generator_cpu_seconds)
        usages[name] = usage
        details[route][name] = asdict(runs[name]) | {
            "cpu_cores_by_process": usage.cores,
            "cpu_ms_per_request": usage.per_request_ms(runs[name].rate) if runs[name].rate else {},
        }
    measured, baseline = runs[route], runs[NO_OP]
    errors = measured.errors + baseline.errors
    note = f"{errors} non-2xx or failed answers: {measured.statuses} / {baseline.statuses}"
    compared = f"{NO_OP} (run just before)"
    return [
        Figure(
            f"{route} req/s",
            measured.rate,
            "req/s",
            compared,
            baseline.rate,
            Target("ratio", ">=", target),
            note if errors else "",
        ),
        Figure(f"{route} p50", measured.p50_ms, "ms", compared, baseline.p50_ms),
        Figure(f"{route} p99", measured.p99_ms, "ms", compared, baseline.p99_ms),
        *(
            Figure(
                f"{route} CPU per request, {where}",
                _ms_per_request(usages[route], where, measured.rate),
                "ms",
                f"{NO_OP}, {where}",
                _ms_per_request(usages[NO_OP], where, baseline.rate),
                note=_where_note(where, usages[route]),
            )
            for where in (OURS, MACHINE)
        ),
    ]


def _ms_per_request(usage: Usage, where: str, rate: float) -> float:
    return 1000 * usage.cores.get(where, math.nan) / rate if rate else math.nan


def _where_note(where: str, usage: Usage) -> str:
    if where == OURS:
        return "every process of the system and the load generator"
    return (
        f"/proc/stat, every process on the machine ({usage.cores[MACHINE]:.2f} cores busy, ours"
        f" {usage.cores[OURS]:.2f}): the rest is other jobs"
    )

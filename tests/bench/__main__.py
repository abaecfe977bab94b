"""`python -m tests.bench`: starts ledgerflow on embedded defaults, measures it, prints a table."""

from __future__ import annotations

import argparse
import asyncio
import shutil
import sys
import tempfile
import time
from pathlib import Path

import httpx

from adapters.config import Settings
from adapters.embedded import free_port
from serve import system as running
from tests.bench import accounts, idle, latency, report, routes, shard, up
from tests.bench.cpu import CpuMeter, Usage

HOST = "127.0.0.1"
WRITE_TARGET = 0.6  # of the no-op route's requests/s
READ_TARGET = 0.7
_BEGAN = time.perf_counter()


def say(message: str) -> None:
    # One write per line: the system's start speaks from threads of its own.
    sys.stdout.write(f"[bench {time.perf_counter() - _BEGAN:6.1f} s] {message}\n")
    sys.stdout.flush()


def parse(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m tests.bench", description=__doc__)
    parser.add_argument(
        "--duration",
        type=float,
        default=10.0,
        help="seconds measured per HTTP run and for the paced write->alert run",
    )
    parser.add_argument(
        "--warmup",
        type=float,
        default=2.0,
        help="seconds of load before each HTTP measurement starts",
    )
    parser.add_argument(
        "--concurrency", type=int, default=32, help="keep-alive connections of the load generator"
    )
    parser.add_argument(
        "--users",
        type=int,
        default=32,
        help="users signed up over HTTP; connection i acts as user i %% users",
    )
    parser.add_argument(
        "--small-users",
        type=int,
        default=1_000,
        help="users of the ledger shard for the few-users figures",
    )
    parser.add_argument(
        "--big-users",
        type=int,
        default=100_000,
        help="users of the ledger shard for the memory and restart figures",
    )
    parser.add_argument(
        "--events",
        type=int,
        default=40_000,
        help="transaction events per ledger shard throughput run",
    )
    parser.add_argument(
        "--alert-rate",
        type=float,
        help="writes/s of the paced write->alert run (default: half the write saturation rate);"
        " a fixed rate compares two runs at the same load",
    )
    parser.add_argument("--json", type=Path, help="also write the figures here as JSON")
    parser.add_argument(
        "--idle-seconds",
        type=float,
        default=30.0,
        help="seconds of idle measured, for the system and for a bare Serve app (0: none)",
    )
    parser.add_argument("--skip-http", action="store_true", help="no HTTP figures")
    parser.add_argument("--skip-up", action="store_true", help="do not time `ledgerflow up`")
    parser.add_argument("--skip-shard", action="store_true", help="no ledger shard figures")
    return parser.parse_args(argv)


async def _http_figures(
    system: running.RunningSystem, options: argparse.Namespace, run: report.Run
) -> None:
    port = int(system.api_url.rsplit(":", 1)[1])
    load = {
        "meter": _meter(system),
        "concurrency": options.concurrency,
        "duration": options.duration,
        "warmup": options.warmup,
        "details": run.details,
    }
    async with httpx.AsyncClient(base_url=system.api_url, timeout=120) as api:
        say(f"signing up and logging in {options.users} users over HTTP")
        users = await accounts.sign_up(api, options.users)
        await accounts.give_budgets(api, users)
        say("POST /api/transaction against the no-op route")
        written = await routes.measure(HOST, port, routes.WRITE, users, target=WRITE_TARGET, **load)
        run.figures += written
        await accounts.caught_up(api, users)
        say("GET /api/budget against the no-op route")
        run.figures += await routes.measure(
            HOST, port, routes.READ, users, target=READ_TARGET, **load
        )
        rate = options.alert_rate or written[0].value / 2
        say(f"write -> budget_exceeded at {rate:.0f} writes/s, half the saturation rate")
        run.figures += await latency.measure(
            api,
            HOST,
            port,
            users,
            system.settings,
            rate=rate,
            duration=options.duration,
            connections=options.concurrency,
            details=run.details,
        )


async def _on_system(
    system: running.RunningSystem, options: argparse.Namespace, run: report.Run
) -> Usage | None:
    """The figures of the running system; its idle usage, if measured (first, while fresh)."""
    usage = None
    if options.idle_seconds:
        say(f"the whole system idle for {options.idle_seconds:.0f} s")
        usage = await idle.measure(_meter(system), options.idle_seconds)
    if not options.skip_http:
        await _http_figures(system, options, run)
    if not options.skip_shard:
        run.figures += await shard.measure(
            system.settings,
            small=options.small_users,
            big=options.big_users,
            events=options.events,
            details=run.details,
            say=say,
        )
    return usage


def _meter(system: running.RunningSystem) -> CpuMeter:
    return CpuMeter(system.postgres.pgdata if system.postgres else None)


def main(argv: list[str] | None = None) -> int:
    options = parse(argv)
    run = report.Run(
        options={k: str(v) if isinstance(v, Path) else v for k, v in vars(options).items()}
    )
    home = Path(tempfile.mkdtemp(prefix="ledgerflow-bench-"))
    try:
        # Embedded defaults whatever the environment says: the bench owns what it measures.
        settings = Settings(
            LEDGERFLOW_HOME=home, database_url=None, kafka_bootstrap=None, ray_address=None
        )
        began = time.perf_counter()
        system = running.start(settings, host=HOST, port=free_port(), say=say)
        run.details["system_start_seconds"] = time.perf_counter() - began
        try:
            usage = asyncio.run(_on_system(system, options, run))
        finally:
            system.stop(say)
        if usage is not None:
            say(f"a bare Ray Serve no-op application idle for {options.idle_seconds:.0f} s")
            bare = asyncio.run(idle.measure_bare(options.idle_seconds))
            run.figures[:0] = idle.figures(usage, bare, run.details)
        if not options.skip_up:
            say("timing `ledgerflow up` in a fresh home")
            run.figures += asyncio.run(up.measure(run.details, say))
    finally:
        shutil.rmtree(home, ignore_errors=True)
        run.details["total_seconds"] = time.perf_counter() - _BEGAN
        print()
        print(report.table(run.figures), flush=True)
        if options.json:
            run.write_json(options.json)
            print(f"\nwritten to {options.json}")
    return 0


if __name__ == "__main__":
    sys.exit(main())

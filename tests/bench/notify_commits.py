"""Commits per second of one-insert transactions with and without a NOTIFY in them, from 1 and
from 16 connections at once: does PostgreSQL's notify lock serialise commits?
`DATABASE_URL=postgres://... python -m tests.bench.notify_commits` (a temporary table only)."""

from __future__ import annotations

import asyncio
import os
import time

import asyncpg

SECONDS = 5.0


async def _worker(pool: asyncpg.Pool, notify: bool, stop: float, counts: list[int]) -> None:
    async with pool.acquire() as connection:
        await connection.execute("CREATE TEMP TABLE IF NOT EXISTS notify_commits (v text)")
        done = 0
        while time.monotonic() < stop:
            async with connection.transaction():
                await connection.execute("INSERT INTO notify_commits (v) VALUES ('x')")
                if notify:
                    await connection.execute("SELECT pg_notify('notify_commits', '')")
            done += 1
        counts.append(done)


async def commits_per_second(url: str, notify: bool, connections: int) -> float:
    pool = await asyncpg.create_pool(url, min_size=connections, max_size=connections)
    counts: list[int] = []
    stop = time.monotonic() + SECONDS
    try:
        await asyncio.gather(*(_worker(pool, notify, stop, counts) for _ in range(connections)))
    finally:
        await pool.close()
    return sum(counts) / SECONDS


async def main() -> None:
    url = os.environ["DATABASE_URL"]
    for connections in (1, 16):
        for notify in (False, True, False, True):
            rate = await commits_per_second(url, notify, connections)
            kind = "with NOTIFY" if notify else "plain"
            print(f"{connections:2d} connections, {kind:<11}: {rate:8,.0f} commits/s", flush=True)


if __name__ == "__main__":
    asyncio.run(main())

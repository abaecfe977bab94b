"""A scratch database for the benches that run our code in process against a real PostgreSQL
server on this machine: created with our schema, its server processes' CPU measured, dropped
after, with the users the bench writes for."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from uuid import UUID, uuid4

import asyncpg
import psutil

from adapters import database
from tests.integration.accounts import new_user


@dataclass(frozen=True)
class ScratchDatabase:
    url: str
    name: str
    admin: asyncpg.Connection  # to the server's own database, outside the measured one

    async def server_cpu(self) -> float:
        """CPU seconds of the server processes serving this database so far."""
        pids = await self.admin.fetch(
            "SELECT pid FROM pg_stat_activity WHERE datname = $1", self.name
        )
        total = 0.0
        for row in pids:
            try:
                times = psutil.Process(row["pid"]).cpu_times()
            except psutil.Error:
                continue
            total += times.user + times.system
        return total


@asynccontextmanager
async def scratch_database(server_url: str) -> AsyncIterator[ScratchDatabase]:
    """A new database on `server_url`'s server, migrated, dropped on the way out."""
    name = f"ledgerflow_bench_{uuid4().hex[:8]}"
    admin = await asyncpg.connect(server_url)
    await admin.execute(f'CREATE DATABASE "{name}"')
    url = server_url.rsplit("/", 1)[0] + f"/{name}"
    try:
        await database.migrate(url)
        yield ScratchDatabase(url, name, admin)
    finally:
        await admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        await admin.close()


async def bench_users(count: int) -> list[UUID]:
    """`count` new users (through the connected database) for a bench to write for."""
    return [await new_user("Bench") for _ in range(count)]

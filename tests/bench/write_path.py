"""CPU per transaction write, in the writing process and in its PostgreSQL backends, without
HTTP, Ray or Kafka: `adapters/transactions.create` alone, from 16 tasks at once.
`DATABASE_URL=postgres://... python -m tests.bench.write_path [--writes N] [--resting]`
(a temporary database on that server, dropped after). The writes are made as under traffic,
with the relay busy, so that the outbox trigger does not notify; `--resting` has the relay
resting, so that every write notifies (as every write did before migration 0010)."""

from __future__ import annotations

import argparse
import asyncio
import time
from decimal import Decimal
from uuid import UUID

import asyncpg

from actors.domain.ledger import EntryType
from adapters import database, transactions
from adapters.config import Settings
from tests.bench.scratch import bench_users, scratch_database

TASKS = 16


async def _writer(people: list[UUID], count: int) -> None:
    new = transactions.NewTransaction(Decimal("1.25"), EntryType.EXPENSE, "food", None, None, None)
    for index in range(count):
        await transactions.create(people[index % len(people)], new)


async def measure(server_url: str, writes: int, resting: bool) -> None:
    async with scratch_database(server_url) as scratch:
        relay = await asyncpg.connect(scratch.url)
        await relay.execute("UPDATE outbox_relay SET resting = $1", resting)
        await relay.close()
        await database.connect(scratch.url, pool_size=TASKS)
        try:
            people = await bench_users(TASKS * 2)
            await asyncio.gather(*(_writer(people, 20) for _ in range(TASKS)))  # warm up
            server_before = await scratch.server_cpu()
            client_before, began = time.process_time(), time.perf_counter()
            await asyncio.gather(*(_writer(people, writes // TASKS) for _ in range(TASKS)))
            seconds = time.perf_counter() - began
            client = time.process_time() - client_before
            server = await scratch.server_cpu() - server_before
        finally:
            await database.disconnect()
        done = writes // TASKS * TASKS
        print(
            f"{done} writes in {seconds:.2f} s ({done / seconds:,.0f}/s): CPU per write"
            f" {1000 * client / done:.3f} ms in the writer, {1000 * server / done:.3f} ms in"
            f" PostgreSQL, {1000 * (client + server) / done:.3f} ms together",
            flush=True,
        )


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m tests.bench.write_path", description=__doc__)
    parser.add_argument("--writes", type=int, default=4_000)
    parser.add_argument("--resting", action="store_true", help="every write notifies the relay")
    options = parser.parse_args()
    url = Settings().database_url
    assert url, "set DATABASE_URL to a PostgreSQL server on this machine"
    asyncio.run(measure(url, options.writes, resting=options.resting))


if __name__ == "__main__":
    main()

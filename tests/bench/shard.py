"""One ledger shard driven straight through Kafka: events applied per second against a plain
consumer, memory per user, restart to ready, and the cost per event at 1,000 and 100,000 users."""

from __future__ import annotations

import asyncio
import random
import statistics
import time
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any
from uuid import UUID

import asyncpg
import psutil
import ray
from aiokafka import AIOKafkaProducer, TopicPartition
from ray.exceptions import RayActorError, RayTaskError

from actors import ledger_shard, naming
from actors.domain import snapshots
from actors.domain.errors import LedgerBehind
from actors.domain.events import Event
from actors.domain.ledger import LEDGER_TOPICS
from actors.domain.signatures import EventKey
from actors.ownership import Ownership
from adapters import database, kafka
from adapters.config import Settings
from adapters.database import credentials
from adapters.models import LedgerSnapshot
from tests.bench import memory
from tests.bench.report import Figure, Target
from tests.bench.seed import Population, SnapshotTemplate

INDEX = 0  # the shard under test; its users are those whose partition it owns
MEMORY_TARGET = 1024  # bytes per user (three budgets, one goal)
RESTART_TARGET = 5.0  # seconds
APPLY_TARGET = 0.5  # of the raw consume rate
GROWTH_TARGET = 0.8  # throughput at many users over throughput at few
PYTHON_SIZE_SAMPLE = 20_000  # ledgers loaded here to count Python's bytes per user
COPY_ROWS = 10_000
RAW_READS = 3

Marks = dict[tuple[str, int], tuple[UUID, int]]  # (topic, partition): (user, sequence)


@dataclass(frozen=True)
class Drain:
    """A backlog applied by a fresh shard, and the same backlog read by a plain consumer."""

    events: int
    users: int
    applied_per_second: float
    consumed_per_second: float
    produced_per_second: float
    ready_seconds: float
    # The shard process's CPU (user and system) from ready to the last batch saved, per event:
    # less noisy than the rate on a shared machine.
    shard_cpu_us_per_event: float


def _is_behind(error: BaseException) -> bool:
    return isinstance(error, LedgerBehind) or isinstance(
        getattr(error, "cause", None), LedgerBehind
    )


class ShardBench:
    def __init__(self, settings: Settings, day: date) -> None:
        assert settings.database_url and settings.kafka_bootstrap
        # What start_actors gives the shards: everything but the token signing key.
        self.settings = settings.model_copy(update={"jwt_private_key": None})
        assert settings.event_key
        self.event_key = EventKey(settings.event_key)
        self.database_url = settings.database_url
        self.day = day
        ownership = Ownership.of(settings)
        self.population = Population(ownership, INDEX)
        self.partitions = ownership.partitions_of(INDEX)
        self.rng = random.Random(20261124)
        self._producer: AIOKafkaProducer | None = None
        # A shard made here lives as long as a handle to it does: keep the one in use.
        self.shard: Any = ray.get_actor(naming.ledger_shard(INDEX), namespace=naming.NAMESPACE)

    # -- the actor

    async def restart(self) -> tuple[float, dict[str, int]]:
        """ray.kill with restart, as a crash would; seconds until `ready` answers again."""
        shard = self.shard
        old = await shard.ready.remote()
        process = psutil.Process(old["pid"])
        began = time.perf_counter()
        ray.kill(shard, no_restart=False)
        await asyncio.to_thread(process.wait)  # so that `ready` cannot reach the old process
        info = await shard.ready.remote()
        elapsed = time.perf_counter() - began
        assert info["pid"] != old["pid"]
        return elapsed, info

    async def stop(self) -> None:
        """Kill the shard for good, so that a backlog builds up for the next one."""
        shard = self.shard
        pid = (await shard.ready.remote())["pid"]
        ray.kill(shard, no_restart=True)
        await asyncio.to_thread(psutil.Process(pid).wait)
        try:  # fails once Ray has it dead, which frees its name
            await shard.ready.remote()
        except RayActorError:
            return
        raise RuntimeError("the ledger shard outlived ray.kill")

    async def start(self) -> Any:
        """A new shard actor in place of the stopped one, as start_actors creates it."""
        self.shard = ledger_shard.start(self.settings)[INDEX]
        return self.shard

    async def until_applied(self, shard: Any, marks: Marks) -> None:
        """Until the shard has applied the last event produced to each topic partition: then
        every event before it has been read, so no user waits for a missing one. A read for
        that user's sequence waits for it (and says LedgerBehind after a bounded wait)."""
        for user, sequence in marks.values():
            while True:
                try:
                    await shard.budgets.remote(user, sequence, self.day)
                    break
                except (LedgerBehind, RayTaskError) as error:
                    if not _is_behind(error):
                        raise

    # -- Kafka

    async def produce(self, events: Iterable[Event]) -> tuple[int, float, Marks]:
        """Send events keyed by user; return how many, their rate, and per topic partition the
        user and sequence of the last one."""
        if self._producer is None:
            self._producer = kafka.producer(self.settings)
            await self._producer.start()
        marks: Marks = {}
        pending = []
        began = time.perf_counter()
        for event in events:
            topic, value = event.type.value, event.to_json()
            partition = self.population.partition(event.user_id)
            headers = self.event_key.headers(topic, partition, event.key, value)  # as the relay
            pending.append(
                await self._producer.send(
                    topic, value, key=event.key, partition=partition, headers=headers
                )
            )
            marks[(event.type.value, partition)] = (
                event.user_id,
                int(event.payload["sequence"]),
            )
        await asyncio.gather(*pending)
        return len(pending), len(pending) / (time.perf_counter() - began), marks

    async def stored_offsets(self) -> dict[tuple[str, int], int]:
        connection = await asyncpg.connect(**credentials(self.database_url))
        try:
            rows = await connection.fetch(
                'SELECT topic, partition, "offset" FROM consumer_offsets WHERE consumer = $1',
                ledger_shard.CONSUMER,
            )
        finally:
            await connection.close()
        return {(row["topic"], row["partition"]): row["offset"] for row in rows}

    async def consume(self, count: int) -> float:
        """A plain aiokafka consumer with the shard's settings, reading what the shard will read
        (its partitions, from its stored offsets) and doing nothing with it: records/s."""
        stored = await self.stored_offsets()
        consumer = kafka.consumer(self.settings)
        await consumer.start()
        try:
            owned = [TopicPartition(t.value, p) for t in LEDGER_TOPICS for p in self.partitions]
            consumer.assign(owned)
            for tp in owned:
                if (offset := stored.get((tp.topic, tp.partition))) is None:
                    await consumer.seek_to_beginning(tp)
                else:
                    consumer.seek(tp, offset)
            read = 0
            began = time.perf_counter()
            while read < count:
                batches = await consumer.getmany(
                    timeout_ms=500, max_records=ledger_shard.WINDOW_RECORDS
                )
                read += sum(len(records) for records in batches.values())
            return read / (time.perf_counter() - began)
        finally:
            await consumer.stop()

    async def load_here(self) -> dict[str, float]:
        """A restart's two steps, timed in this process: the snapshot query and the parsing."""
        await database.connect(self.database_url, pool_size=1)
        try:
            began = time.perf_counter()
            rows = [
                (UUID(str(user)), bytes(state))
                for user, state in await LedgerSnapshot.filter(
                    partition__in=self.partitions
                ).values_list("user_id", "state")
            ]
            queried = time.perf_counter()
            ledgers = {user: snapshots.load(user, state) for user, state in rows}
            parsed = time.perf_counter()
        finally:
            await database.disconnect()
        return {
            "users": len(ledgers),
            "query_seconds": queried - began,
            "parse_seconds": parsed - queried,
        }

    async def close(self) -> None:
        if self._producer is not None:
            await self._producer.stop()

    # -- the steps

    async def add_users_through_kafka(self, count: int) -> list[UUID]:
        """Users with three budgets, a goal and an expense in each budget, sent as events."""
        users = self.population.new_users(count)
        events = [event for user in users for event in self.population.setup_events(user, self.day)]
        _count, _rate, marks = await self.produce(events)
        await self.until_applied(self.shard, marks)
        return users

    async def add_users_as_snapshots(self, count: int, template: SnapshotTemplate) -> None:
        """Users in the same state, written straight into the shard's snapshot table: the state
        a shard holds after applying their events, in the form it reloads it after a restart.
        The running shard does not see them until it restarts."""
        users = self.population.new_users(count)
        now = datetime.now(UTC)
        records = []
        for user in users:
            state, goal = template.for_user()
            self.population.goal[user] = goal
            self.population.sequence[user] = template.sequence
            records.append((user, self.population.partition(user), state, now))
        connection = await asyncpg.connect(**credentials(self.database_url))
        try:
            for start in range(0, len(records), COPY_ROWS):
                await connection.copy_records_to_table(
                    "ledger_snapshots",
                    records=records[start : start + COPY_ROWS],
                    columns=["user_id", "partition", "state", "updated_at"],
                )
        finally:
            await connection.close()

    async def drain(self, users: list[UUID], count: int) -> Drain:
        """`count` transactions of users picked at random from `users`, produced while the
        shard is down; then a plain consumer reads them (median of RAW_READS reads), then a
        new shard applies them."""
        await self.stop()
        events = (
            self.population.transaction(self.rng.choice(users), self.day, rng=self.rng)
            for _ in range(count)
        )
        produced, produce_rate, marks = await self.produce(events)
        # Reading is quick and so the noisiest figure here: the median of a few reads.
        consume_rate = statistics.median([await self.consume(produced) for _ in range(RAW_READS)])
        began = time.perf_counter()
        shard = await self.start()
        shard_process = psutil.Process((await shard.ready.remote())["pid"])
        ready, cpu_before = time.perf_counter(), shard_process.cpu_times()
        await self.until_applied(shard, marks)
        # The last batch counts once it is saved; the shard offers nothing that awaits that
        # moment (a read returns as soon as memory has the sequence), so ask until it does.
        while (await shard.ready.remote())["events_applied"] < produced:  # noqa: ASYNC110
            await asyncio.sleep(0.005)
        applied = time.perf_counter() - ready
        cpu_after = shard_process.cpu_times()
        cpu = cpu_after.user + cpu_after.system - cpu_before.user - cpu_before.system
        return Drain(
            events=produced,
            users=len(users),
            applied_per_second=produced / applied,
            consumed_per_second=consume_rate,
            produced_per_second=produce_rate,
            ready_seconds=ready - began,
            shard_cpu_us_per_event=cpu / produced * 1e6,
        )


async def measure(
    settings: Settings,
    *,
    small: int,
    big: int,
    events: int,
    details: dict[str, Any],
    say: Any,
) -> list[Figure]:
    day = datetime.now(UTC).date()
    bench = ShardBench(settings, day)
    template = SnapshotTemplate.build(day)
    try:
        say(f"shard: {small:,} users through Kafka")
        small_users = await bench.add_users_through_kafka(small)
        small_restart, small_info = await bench.restart()
        small_rss = memory.rss(small_info["pid"])
        say(f"shard: {events:,} events over {small:,} users")
        few = await bench.drain(small_users, events)
        # The same drain's working set (its windows, the consumer's buffers) with few users:
        # what more users add beyond it is their memory.
        worked_info = await bench.shard.ready.remote()
        worked_rss = memory.rss(worked_info["pid"])

        say(f"shard: {big - small:,} more users as snapshots")
        await bench.add_users_as_snapshots(big - small, template)
        big_restart, big_info = await bench.restart()
        big_rss = memory.rss(big_info["pid"])
        say(f"shard: {events:,} events over {big:,} users")
        many = await bench.drain(bench.population.users, events)
        # A shard loads a ledger when first used: memory is what the users it now holds cost.
        loaded_info = await bench.shard.ready.remote()
        loaded_rss = memory.rss(loaded_info["pid"])
        say("shard: a restart's steps, in this process")
        steps = await bench.load_here()
    finally:
        await bench.close()

    per_user = (loaded_rss - worked_rss) / max(loaded_info["users"] - worked_info["users"], 1)
    # The figure of earlier rounds: all the growth since the restart, the drain's working set
    # counted as if it were the users'.
    growth_per_user = (loaded_rss - big_rss) / max(loaded_info["users"] - big_info["users"], 1)
    python_per_user = memory.python_bytes_per_user(template, PYTHON_SIZE_SAMPLE)
    details["shard"] = {
        "partitions_owned": bench.partitions,
        "small": {"restart_seconds": small_restart, "info": small_info, "rss": small_rss}
        | {"drain": few.__dict__},
        "worked": {"info": worked_info, "rss": worked_rss},
        "loaded": {"info": loaded_info, "rss": loaded_rss},
        "growth_since_restart_per_user": growth_per_user,
        "big": {"restart_seconds": big_restart, "info": big_info, "rss": big_rss}
        | {"drain": many.__dict__},
        "restart_steps_in_bench_process": steps,
        "python_bytes_per_user": python_per_user,
        "one_user": memory.breakdown(template),
    }
    return [
        Figure(
            f"shard events/s applied, {small:,} users",
            few.applied_per_second,
            "ev/s",
            "aiokafka consumer, no work",
            few.consumed_per_second,
            Target("ratio", ">=", APPLY_TARGET),
            f"{few.events:,} transaction_created, snapshots and offsets saved per batch; "
            f"shard CPU {few.shard_cpu_us_per_event:.0f} us an event",
        ),
        Figure(
            f"shard events/s applied, {big:,} users",
            many.applied_per_second,
            "ev/s",
            "aiokafka consumer, no work",
            many.consumed_per_second,
            Target("ratio", ">=", APPLY_TARGET),
            f"shard CPU {many.shard_cpu_us_per_event:.0f} us an event",
        ),
        Figure(
            f"shard events/s, {big:,} vs {small:,} users",
            many.applied_per_second,
            "ev/s",
            f"the same at {small:,} users",
            few.applied_per_second,
            Target("ratio", ">=", GROWTH_TARGET),
            f"shard CPU an event, {small:,} vs {big:,} users: "
            f"{few.shard_cpu_us_per_event / many.shard_cpu_us_per_event:.2f}",
        ),
        Figure(
            f"shard memory per user held, of {big:,} users (RSS)",
            per_user,
            "B",
            target=Target("value", "<=", MEMORY_TARGET),
            note=(
                f"RSS after the same drain {worked_rss / 2**20:.0f} MiB holding "
                f"{worked_info['users']:,} ledgers and {loaded_rss / 2**20:.0f} MiB holding "
                f"{loaded_info['users']:,} (loaded when first used; {settings.awake_ledgers:,} "
                f"awake as objects, the rest as snapshots); {big_rss / 2**20:.0f} MiB just after "
                f"a restart, {growth_per_user:,.0f} B a user counting all the growth since; "
                f"Python heap per awake ledger (tracemalloc): {python_per_user:,.0f} B"
            ),
        ),
        Figure(
            f"shard restart to ready, {big:,} users",
            big_restart,
            "s",
            target=Target("value", "<=", RESTART_TARGET),
            note=(
                f"{small_restart:.2f} s with {small_info['users']:,} users; ledgers load when "
                f"first used; loading all at once in the bench process would take: query "
                f"{steps['query_seconds']:.1f} s, snapshots.load {steps['parse_seconds']:.1f} s"
            ),
        ),
    ]

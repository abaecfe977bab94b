"""A ledger shard: owns a fixed set of partitions and the ledger of every user on them.
Next: actors/domain/ledger.py applies each event to its user's ledger."""

import asyncio
import contextlib
import logging
import os
from datetime import date
from uuid import UUID

import ray
from aiokafka import AIOKafkaConsumer, ConsumerRecord, TopicPartition

from actors import naming
from actors.domain import ledger as rules
from actors.domain import snapshots
from actors.domain.dead_letter import DeadLetter
from actors.domain.errors import LedgerBehind, NotFound
from actors.domain.events import Event, MalformedEvent, read_event
from actors.domain.ledger import BudgetPosition, GoalPosition, Ledger
from actors.domain.signatures import EventKey
from actors.ledger_memory import LedgerMemory
from actors.ownership import Ownership
from adapters import database, kafka, ledger_store, offsets
from adapters.config import Settings
from adapters.ledger_store import Checkpoint

log = logging.getLogger(__name__)

CONSUMER = "ledger"
READ_WAIT_SECONDS = 5.0
BATCH_RECORDS = 2000
WINDOW_SECONDS = 0.05
WINDOW_RECORDS = 10_000


@ray.remote(num_cpus=0, max_restarts=-1, max_task_retries=-1)
class LedgerShard:
    def __init__(self, settings: Settings, index: int) -> None:
        assert settings.event_key
        self._settings = settings
        self._event_key = EventKey(settings.event_key)
        self._index = index
        self._partitions = Ownership.of(settings).partitions_of(index)
        self._ledgers = LedgerMemory(awake=settings.awake_ledgers)
        self._loading: dict[UUID, asyncio.Future[None]] = {}
        self._applied = asyncio.Condition()
        self._ready = asyncio.Event()
        self._events_applied = 0
        # Ray runs an async actor's constructor on its event loop: the consumer loop starts here,
        # and starts again, from the stored snapshots and offsets, when Ray restarts the actor.
        self._task = asyncio.get_running_loop().create_task(self._run())

    # -- reads

    async def ready(self) -> dict[str, int]:
        await self._ready.wait()
        return {
            "pid": os.getpid(),
            "users": len(self._ledgers),
            "events_applied": self._events_applied,
        }

    async def budgets(self, user_id: UUID, sequence: int, day: date) -> list[BudgetPosition]:
        ledger = await self._caught_up(user_id, sequence)
        return [ledger.budget_position(b, day) for b in ledger.budgets.values()]

    async def budget(
        self, user_id: UUID, sequence: int, budget_id: UUID, day: date
    ) -> BudgetPosition:
        ledger = await self._caught_up(user_id, sequence)
        if budget_id not in ledger.budgets:
            raise NotFound("budget")
        return ledger.budget_position(ledger.budgets[budget_id], day)

    async def goals(self, user_id: UUID, sequence: int, today: date) -> list[GoalPosition]:
        ledger = await self._caught_up(user_id, sequence)
        return [ledger.goal_position(g, today) for g in ledger.goals.values()]

    async def goal(self, user_id: UUID, sequence: int, goal_id: UUID, today: date) -> GoalPosition:
        ledger = await self._caught_up(user_id, sequence)
        if goal_id not in ledger.goals:
            raise NotFound("goal")
        return ledger.goal_position(ledger.goals[goal_id], today)

    async def _caught_up(self, user_id: UUID, sequence: int) -> Ledger:
        """The user's ledger once it has applied `sequence`; waits a bounded time for it."""
        await self._ready.wait()
        await self._load({user_id})
        if self._ledgers.sequence(user_id) < sequence:
            try:
                async with self._applied:
                    await asyncio.wait_for(
                        self._applied.wait_for(lambda: self._ledgers.sequence(user_id) >= sequence),
                        READ_WAIT_SECONDS,
                    )
            except TimeoutError as error:
                raise LedgerBehind() from error
        return self._ledgers.get(user_id)

    # -- the consumer loop

    async def _run(self) -> None:
        settings = self._settings
        assert settings.database_url and settings.kafka_bootstrap
        await database.connect(settings.database_url, pool_size=2)
        consumer = kafka.consumer(settings)
        await consumer.start()
        try:
            await self._seek_to_stored_offsets(consumer)
            self._ready.set()
            log.info("%s ready", naming.ledger_shard(self._index))
            while True:
                if window := await self._next_window(consumer):
                    await self._apply(window)
        finally:
            with contextlib.suppress(Exception):
                await consumer.stop()

    @staticmethod
    async def _next_window(
        consumer: AIOKafkaConsumer,
    ) -> dict[TopicPartition, list[ConsumerRecord]]:
        """The records to apply and commit together: what is at hand within WINDOW_SECONDS of
        the first, up to WINDOW_RECORDS. Under load windows grow, and a user's snapshot is
        written once per window however many of their events it holds."""
        window: dict[TopicPartition, list[ConsumerRecord]] = {}
        batches = await consumer.getmany(timeout_ms=500, max_records=BATCH_RECORDS)
        deadline = asyncio.get_running_loop().time() + WINDOW_SECONDS
        count = 0
        while batches:
            for tp, records in batches.items():
                window.setdefault(tp, []).extend(records)
                count += len(records)
            if count >= WINDOW_RECORDS or asyncio.get_running_loop().time() >= deadline:
                break
            batches = await consumer.getmany(timeout_ms=0, max_records=BATCH_RECORDS)
        return window

    async def _seek_to_stored_offsets(self, consumer: AIOKafkaConsumer) -> None:
        owned = [TopicPartition(t.value, p) for t in rules.LEDGER_TOPICS for p in self._partitions]
        await kafka.resume(consumer, owned, await offsets.load(CONSUMER))

    async def _apply(self, window: dict[TopicPartition, list[ConsumerRecord]]) -> None:
        checkpoint = Checkpoint()
        arrived: list[tuple[int, Event]] = []  # (partition, event)
        for tp, records in window.items():
            for record in records:
                if (event := self._read(tp, record, checkpoint)) is not None:
                    arrived.append((tp.partition, event))
            checkpoint.offsets[(tp.topic, tp.partition)] = records[-1].offset + 1
        await self._load({event.user_id for _, event in arrived})
        changed: dict[UUID, int] = {}  # user: partition
        for partition, event in arrived:
            checkpoint.events += self._ledgers.get(event.user_id).accept(event)
            changed[event.user_id] = partition
        checkpoint.snapshots = {
            user_id: (partition, snapshots.dump(self._ledgers.get(user_id)))
            for user_id, partition in changed.items()
        }
        try:
            await ledger_store.save(CONSUMER, checkpoint)
        except Exception:
            # Memory is now ahead of the database: start again from what was committed.
            log.exception(
                "%s could not save a checkpoint; restarting", naming.ledger_shard(self._index)
            )
            os._exit(1)
        self._ledgers.settle(
            {user_id: state for user_id, (_, state) in checkpoint.snapshots.items()}
        )
        self._events_applied += sum(len(records) for records in window.values())
        async with self._applied:
            self._applied.notify_all()

    def _read(
        self, tp: TopicPartition, record: ConsumerRecord, checkpoint: Checkpoint
    ) -> Event | None:
        """The record's event, or None with the record sent to its dead-letter topic: so is a
        record that we did not sign, before it can touch a ledger or a user's sequence."""
        try:
            event = read_event(record, self._event_key)
            rules.check(event)
            return event
        except MalformedEvent as error:
            checkpoint.dead_letters.append(DeadLetter.of(record, str(error)))
            return None

    async def _load(self, users: set[UUID]) -> None:
        """Bring the users' ledgers into memory from their snapshots, once each.

        Ledgers are loaded when first needed rather than all at start: a restarted shard is
        ready at once, and memory holds the users that are active, not every user ever seen.
        """
        missing = [u for u in users if u not in self._ledgers and u not in self._loading]
        if missing:
            loading = asyncio.get_running_loop().create_future()
            for user_id in missing:
                self._loading[user_id] = loading
            try:
                stored = dict(await ledger_store.load_snapshots(missing))
                for user_id in missing:
                    self._ledgers.add(user_id, stored.get(user_id))
                loading.set_result(None)
            except BaseException as error:
                loading.set_exception(error)
                raise
            finally:
                for user_id in missing:
                    del self._loading[user_id]
        for waiting in {self._loading[u] for u in users if u in self._loading}:
            await waiting


def start(settings: Settings) -> list[ray.actor.ActorHandle]:
    return [
        LedgerShard.options(  # type: ignore[attr-defined]
            name=naming.ledger_shard(index), namespace=naming.NAMESPACE, get_if_exists=True
        ).remote(settings, index)
        for index in range(settings.ledger_shards)
    ]

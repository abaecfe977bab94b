"""The actor loop of a Kafka consumer (the ledger shards, the messaging actor): connect to
PostgreSQL and Kafka, check that the topics have the configured partitions, take the owned
partitions from the offsets stored with the consumer's state; then for ever, fetch a window of
records and hand it to the actor, which decodes and applies each record in its own guard and
commits what the window did together with the offsets it reached."""

import contextlib
import logging
import time
from collections.abc import Awaitable, Callable, Sequence

from aiokafka import AIOKafkaConsumer, ConsumerRecord, TopicPartition

from actors.actor_loop import ActorLoop, Part, database_part
from adapters import kafka, logs, metrics, offsets
from adapters.config import Settings

log = logging.getLogger(__name__)

Window = list[ConsumerRecord[bytes, bytes]]

# How often a consumer reports its lag (ledgerflow_consumer_lag): about Ray's export interval.
LAG_EVERY_SECONDS = 1.0


class ConsumerLoop:
    def __init__(
        self,
        name: str,
        settings: Settings,
        *,
        consumer: str,
        topics: Sequence[str],
        partitions: Sequence[int],
        handle: Callable[[Window], Awaitable[None]],
        window_records: int,
        window_seconds: float,
        before: Sequence[Part] = (),
    ) -> None:
        """`consumer` names the offsets in PostgreSQL; `handle` gets each window, and commits
        it before it returns; the `before` parts connect after the database, before Kafka."""
        assert settings.database_url and settings.kafka_bootstrap
        self._settings = settings
        self._offsets_name = consumer
        self._topics = list(topics)
        self._partitions = [TopicPartition(t, p) for t in topics for p in partitions]
        self._handle = handle
        self._window_records = window_records
        self._window_seconds = window_seconds
        self._consumer: AIOKafkaConsumer | None = None
        self._name = name
        self._lag_reported = 0.0
        self.loop = ActorLoop(
            name,
            [
                database_part(settings.database_url),
                *before,
                Part(f"Kafka at {settings.kafka_bootstrap}", self._connect_kafka),
                Part(
                    f"the topics {', '.join(self._topics)} with"
                    f" {settings.kafka_partitions} partitions each",
                    self._check_topics,
                ),
                Part("the stored offsets", self._resume),
            ],
            self._step,
        )

    async def _connect_kafka(self) -> None:
        consumer = kafka.consumer(self._settings)
        try:
            await consumer.start()
        except BaseException:
            with contextlib.suppress(Exception):
                await consumer.stop()
            raise
        self._consumer = consumer

    async def _check_topics(self) -> None:
        assert self._consumer is not None
        await kafka.check_partitions(self._consumer, self._topics, self._settings.kafka_partitions)

    async def _resume(self) -> None:
        assert self._consumer is not None
        stored = await offsets.load(self._offsets_name)
        await kafka.resume(self._consumer, self._partitions, stored)
        logs.event(
            log,
            "partitions_assigned",
            consumer=self._name,
            topics=self._topics,
            partitions=sorted({tp.partition for tp in self._partitions}),
        )

    async def _step(self) -> None:
        assert self._consumer is not None
        window = await kafka.next_window(self._consumer, self._window_records, self._window_seconds)
        if window:
            await self._handle(window)
        if time.monotonic() - self._lag_reported >= LAG_EVERY_SECONDS:
            metrics.consumer_lag(self._name, await kafka.lag(self._consumer, self._partitions))
            self._lag_reported = time.monotonic()

"""The actor loop of a Kafka consumer (the ledger shards, the messaging actor): connect to
PostgreSQL and Kafka, check that the topics have the configured partitions, take the owned
partitions from the offsets stored with the consumer's state; then for ever, fetch a window of
records and hand it to the actor, which decodes and applies each record in its own guard and
commits what the window did together with the offsets it reached. When no record comes for a
while it rests, fetching nothing, until woken (actors/domain/fetch_pace.py)."""

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable, Sequence

from aiokafka import AIOKafkaConsumer, ConsumerRecord, TopicPartition

from actors.actor_loop import ActorLoop, Part, database_part
from actors.domain.fetch_pace import FetchPace
from adapters import kafka, logs, metrics, offsets, outbox
from adapters.config import Settings
from adapters.listener import PgListener

log = logging.getLogger(__name__)

Window = list[ConsumerRecord[bytes, bytes]]

# A resting consumer fetches once this often all the same: for records put on the broker with
# no notice (by hand, or a notice lost while the listening connection was down).
REST_POLL_SECONDS = 5.0


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
        quiet: Callable[[], Awaitable[None]] | None = None,
    ) -> None:
        """`consumer` names the offsets in PostgreSQL; `handle` gets each window, and commits
        it before it returns, or later: `quiet` is called after each fetch that brought nothing
        (to commit what is left); the `before` parts connect after the database, before
        Kafka."""
        assert settings.database_url and settings.kafka_bootstrap
        self._settings = settings
        self._offsets_name = consumer
        self._topics = list(topics)
        self._partitions = [TopicPartition(t, p) for t in topics for p in partitions]
        self._handle = handle
        self._quiet = quiet
        self._window_records = window_records
        self._window_seconds = window_seconds
        self._consumer: AIOKafkaConsumer | None = None
        self._name = name
        # How often it reports its lag (ledgerflow_consumer_lag), at rest too.
        self._lag_refresh = metrics.GaugeRefresh()
        self._listener: PgListener | None = None
        self._pace = FetchPace(settings.kafka_idle_seconds, REST_POLL_SECONDS)
        self._wake = asyncio.Event()
        self._fetch_ms = 500
        self.loop = ActorLoop(
            name,
            [
                database_part(settings.database_url),
                *before,
                Part("notices of published records", self._listen),
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

    def wake(self) -> None:
        """Fetch now, if resting: records are on the broker, or a reader waits for one."""
        self._wake.set()

    async def _listen(self) -> None:
        assert self._settings.database_url

        async def connected() -> None:
            self.wake()  # a notice may have been missed while disconnected

        # Kept on self: the event loop holds its task only weakly.
        self._listener = PgListener(
            self._settings.database_url,
            outbox.PUBLISHED_CHANNEL,
            lambda _payload: self.wake(),
            on_connect=connected,
        )
        await self._listener.start()

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
        self._wake.clear()  # before fetching, so that a notice during the fetch is not missed
        window = await kafka.next_window(
            self._consumer, self._window_records, self._window_seconds, wait_ms=self._fetch_ms
        )
        self._fetch_ms = 500
        if window:
            self._pace.records()
            await self._handle(window)
        else:
            if self._quiet is not None:
                await self._quiet()
            if self._pace.rests(asyncio.get_running_loop().time()):
                await self._rest(self._consumer)
        await self._report_lag(self._consumer)

    async def _report_lag(self, consumer: AIOKafkaConsumer) -> None:
        # A resting consumer reports its lag all the same, or Ray would forget the gauge.
        if self._lag_refresh.due():
            metrics.consumer_lag(self._name, await kafka.lag(consumer, self._partitions))
            self._lag_refresh.done()

    async def _rest(self, consumer: AIOKafkaConsumer) -> None:
        """No fetch until woken or the poll is due: paused partitions are not fetched."""
        if not self._wake.is_set():
            consumer.pause(*self._partitions)
            try:
                poll_at = asyncio.get_running_loop().time() + self._pace.poll_seconds
                while not self._wake.is_set():
                    left = poll_at - asyncio.get_running_loop().time()
                    if left <= 0:
                        break
                    with contextlib.suppress(TimeoutError):
                        await asyncio.wait_for(
                            self._wake.wait(), min(left, self._lag_refresh.every)
                        )
                    await self._report_lag(consumer)
            finally:
                consumer.resume(*self._partitions)
        woken = self._wake.is_set()
        self._pace.rested(asyncio.get_running_loop().time(), woken=woken)
        if not woken:
            # The poll: one round of fetches, a few of the broker's waits.
            self._fetch_ms = 4 * self._settings.kafka_fetch_wait_ms + 20

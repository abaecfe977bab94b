"""The outbox relay actor: publishes committed events to Kafka as soon as they commit.
Next: adapters/kafka.py, whose producer keys each event by its user."""

import asyncio
import contextlib
import logging
import time
from datetime import UTC, datetime

import ray
from aiokafka import AIOKafkaProducer

from actors import naming
from actors.actor_loop import ActorLoop, Part, database_part
from actors.domain.signatures import EventKey
from adapters import kafka, logs, metrics, outbox
from adapters.config import Settings
from adapters.listener import PgListener

log = logging.getLogger(__name__)

# NOTIFY wakes a resting relay at once, and so does every (re)connection of the listening
# connection, in case a notification was missed while it was down; the poll is the safety net
# for a connection that died without a word. A relay that has published in the last
# BUSY_SECONDS does not rest: it looks for rows every LINGER_SECONDS, and writers commit
# without a NOTIFY (which would serialise their commits: see
# migrations/0010_outbox_notify_when_resting.py).
POLL_SECONDS = 5.0
LINGER_SECONDS = 0.005
BUSY_SECONDS = 0.05
CLEANUP_SECONDS = 3600.0


@ray.remote(num_cpus=0, max_restarts=-1, max_task_retries=-1)
class OutboxRelay:
    """A step publishes whatever is pending, all or nothing per batch, so a failed step (the
    broker or the database unreachable) is tried again with backoff; a row the broker refuses
    is replaced by its dead letter (outbox.publish_pending) and holds up nothing."""

    def __init__(self, settings: Settings) -> None:
        assert settings.event_key and settings.database_url and settings.kafka_bootstrap
        logs.configure(settings.log_format)
        self._settings = settings
        # How often it counts its backlog (ledgerflow_outbox_pending): one query.
        self._backlog_refresh = metrics.GaugeRefresh()
        self._event_key = EventKey(settings.event_key)
        self._wake = asyncio.Event()
        self._resting = False
        self._published_at = 0.0
        self._published = 0
        self._producer: AIOKafkaProducer | None = None
        self._listener: PgListener | None = None
        self._last_cleanup = datetime.min.replace(tzinfo=UTC)
        self._loop = ActorLoop(
            naming.OUTBOX_RELAY,
            [
                database_part(settings.database_url),
                Part(f"Kafka at {settings.kafka_bootstrap}", self._connect_kafka),
                Part("notifications from the database", self._listen),
            ],
            self._step,
            retry_steps=True,
        )

    async def ready(self) -> int:
        """Once connected; raises what the loop is waiting for, or why it failed. Returns how
        many events it has published."""
        await self._loop.ready()
        return self._published

    async def _connect_kafka(self) -> None:
        producer = kafka.producer(self._settings)
        try:
            await producer.start()
        except BaseException:
            with contextlib.suppress(Exception):
                await producer.stop()
            raise
        self._producer = producer

    async def _listen(self) -> None:
        assert self._settings.database_url

        async def connected() -> None:
            self._wake.set()  # a notification may have been missed while disconnected

        # Kept on self: the event loop holds its task only weakly, and a collected listener
        # would leave the relay to its poll.
        self._listener = PgListener(
            self._settings.database_url,
            outbox.CHANNEL,
            lambda _payload: self._wake.set(),
            on_connect=connected,
        )
        await self._listener.start()

    async def _step(self) -> None:
        assert self._producer is not None
        self._wake.clear()  # before publishing, so a commit during the send is not missed
        await self._publish_all(self._producer)
        if self._backlog_refresh.due():
            metrics.outbox_pending(await outbox.backlog())
            self._backlog_refresh.done()
        now = datetime.now(UTC)
        if (now - self._last_cleanup).total_seconds() > CLEANUP_SECONDS:
            await outbox.forget_published(now)
            self._last_cleanup = now
        await self._pause()

    async def _publish_all(self, producer: AIOKafkaProducer) -> None:
        """Batch after batch until none is pending, each claimed and sent while the one before
        waits for the broker's acknowledgements: two in flight, so that a batch's round trips
        (the broker's answer, the commit) do not hold up the rows committed meanwhile. Each
        commits after the one before and rolls back if that one failed: rows are marked
        published in order. (A record of the later batch may then reach the broker before the
        earlier batch's records are sent again: consumers order a user's ledger events by their
        sequence, and every consumer is idempotent by event id.)"""
        in_flight: list[asyncio.Task[int]] = []
        try:
            while True:
                sent = asyncio.Event()
                before = in_flight[-1] if in_flight else None
                batch = asyncio.create_task(
                    outbox.publish_pending(producer, self._event_key, sent=sent.set, after=before)
                )
                in_flight.append(batch)
                await sent.wait()
                if len(in_flight) > 1:
                    self._count(await in_flight.pop(0))
                if batch.done() and batch.result() == 0:
                    return
        except asyncio.CancelledError:
            for task in in_flight:
                task.cancel()
            raise
        finally:
            # After a failure, the batch still in flight ends (rolled back, since the one
            # before it failed) before the failure is raised.
            for outcome in await asyncio.gather(*in_flight, return_exceptions=True):
                if isinstance(outcome, int):
                    self._count(outcome)

    def _count(self, published: int) -> None:
        if published:
            self._published += published
            self._published_at = time.monotonic()
            metrics.outbox_published(published)

    async def _pause(self) -> None:
        """Until the next look for rows: a linger while busy, a rest when not."""
        if time.monotonic() - self._published_at < BUSY_SECONDS:
            if self._resting:
                await outbox.stir()
                self._resting = False
            # Linger so that the commits around go out in the same batch (one database round
            # and one Kafka request for many events).
            await asyncio.sleep(LINGER_SECONDS)
        elif not self._resting:
            await outbox.rest()
            self._resting = True  # the next step finds what was staged before the rest
        else:
            # No longer than the backlog's gauge may go unset (Ray forgets it after about two
            # export intervals): the same 5 s at Ray's default interval.
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(
                    self._wake.wait(), min(POLL_SECONDS, self._backlog_refresh.every)
                )
                await asyncio.sleep(LINGER_SECONDS)

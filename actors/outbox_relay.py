"""The outbox relay actor: publishes committed events to Kafka as soon as they commit.
Next: adapters/kafka.py, whose producer keys each event by its user."""

import asyncio
import contextlib
import logging
from datetime import UTC, datetime

import ray

from actors.domain.signatures import EventKey
from adapters import database, kafka, outbox
from adapters.config import Settings
from adapters.listener import PgListener

log = logging.getLogger(__name__)

# NOTIFY wakes the relay at once; the poll is the safety net for a notification missed while
# the listening connection was down.
POLL_SECONDS = 1.0
LINGER_SECONDS = 0.005


@ray.remote(num_cpus=0, max_restarts=-1, max_task_retries=-1)
class OutboxRelay:
    def __init__(self, settings: Settings) -> None:
        assert settings.event_key
        self._settings = settings
        self._event_key = EventKey(settings.event_key)
        self._wake = asyncio.Event()
        self._published = 0
        self._ready = asyncio.Event()
        # Ray runs an async actor's constructor on its event loop, so the loop starts here and
        # starts again by itself when Ray restarts the actor.
        self._task = asyncio.get_running_loop().create_task(self._run())

    async def ready(self) -> int:
        """Wait until the relay is connected; returns how many events it has published."""
        await self._ready.wait()
        return self._published

    async def _run(self) -> None:
        assert self._settings.database_url and self._settings.kafka_bootstrap
        await database.connect(self._settings.database_url, pool_size=2)
        producer = kafka.producer(self._settings)
        await producer.start()
        listener = PgListener(
            self._settings.database_url, outbox.CHANNEL, lambda _payload: self._wake.set()
        )
        await listener.start()
        self._ready.set()
        last_cleanup = datetime.min.replace(tzinfo=UTC)
        while True:
            self._wake.clear()  # before publishing, so a commit during the send is not missed
            try:
                while (count := await outbox.publish_pending(producer, self._event_key)) > 0:
                    self._published += count
                now = datetime.now(UTC)
                if (now - last_cleanup).total_seconds() > 3600:
                    await outbox.forget_published(now)
                    last_cleanup = now
            except Exception:
                log.exception("outbox relay: publishing failed; retrying")
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._wake.wait(), POLL_SECONDS)
                # Woken by a commit: linger a moment so that the commits around it go out in the
                # same batch (one database round and one Kafka request for many events).
                await asyncio.sleep(LINGER_SECONDS)

"""The courier actors, one per channel: send what the delivery log holds, retry, dead-letter.
Next: the channel's transport, adapters/smtp.py or adapters/sms.py (adapters/transport.py)."""

import asyncio
import contextlib
import logging
import random
from collections import Counter
from datetime import UTC, datetime, timedelta

import ray

from actors import naming
from actors.domain.delivery import GiveUp, SendFailed, after_failure
from actors.domain.preferences import Channel
from adapters import database, deliveries, transport
from adapters.config import Settings
from adapters.models import Delivery

log = logging.getLogger(__name__)

# The messaging actor wakes a courier when it claims messages; the poll is the safety net for a
# wake-up lost while the courier restarted, and the clock of scheduled retries.
POLL_SECONDS = 1.0
BATCH = 20


@ray.remote(num_cpus=0, max_restarts=-1, max_task_retries=-1)
class Courier:
    def __init__(self, channel: Channel, settings: Settings) -> None:
        self._channel = channel
        self._settings = settings
        self._wake = asyncio.Event()
        self._ready = asyncio.Event()
        self._rng = random.Random()
        self._counts: Counter[str] = Counter()
        # Sent, but the mark in the delivery log did not commit yet: never sent again from here.
        self._unrecorded: dict[int, str] = {}
        self._transport: transport.Transport | None = None
        # Ray runs an async actor's constructor on its event loop, so the loop starts here and
        # starts again by itself when Ray restarts the actor.
        self._task = asyncio.get_running_loop().create_task(self._run())

    async def ready(self) -> dict[str, int]:
        """Wait until connected; returns how many messages were sent, retried and given up."""
        await self._ready.wait()
        return dict(self._counts)

    async def wake(self) -> None:
        self._wake.set()

    async def _run(self) -> None:
        assert self._settings.database_url
        await database.connect(self._settings.database_url, pool_size=2)
        self._transport = transport.for_channel(self._channel, self._settings)
        await self._transport.start()
        if transport.configured(self._channel, self._settings):
            log.info("%s courier: %s", self._channel, self._transport.description)
        else:
            log.warning("%s courier: %s", self._channel, self._transport.description)
        self._ready.set()
        while True:
            self._wake.clear()  # before taking work, so a wake-up during the sends is not missed
            try:
                await self._record_unrecorded()
                while await self._deliver_due() > 0:
                    pass
            except Exception:
                log.exception(
                    "%s courier: the delivery log is unreachable; retrying", self._channel
                )
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._wake.wait(), POLL_SECONDS)

    async def _deliver_due(self) -> int:
        rows = await deliveries.take_due(self._channel, datetime.now(UTC), BATCH)
        await asyncio.gather(*(self._deliver(row) for row in rows))
        return len(rows)

    async def _deliver(self, row: Delivery) -> None:
        assert self._transport is not None
        if row.id in self._unrecorded:
            return
        try:
            provider_id = await self._transport.send(deliveries.as_message(row))
        except SendFailed as failure:
            await self._after_failure(row, failure)
            return
        except Exception as error:
            log.exception("%s courier: unexpected error sending delivery %s", self._channel, row.id)
            await self._after_failure(row, SendFailed(repr(error), temporary=True))
            return
        self._counts["sent"] += 1
        self._unrecorded[row.id] = provider_id
        await self._record(row.id)

    async def _record_unrecorded(self) -> None:
        for delivery_id in list(self._unrecorded):
            await self._record(delivery_id)

    async def _record(self, delivery_id: int) -> None:
        provider_id = self._unrecorded.get(delivery_id)
        if provider_id is None:
            return
        try:
            await deliveries.mark_sent(delivery_id, provider_id, datetime.now(UTC))
        except Exception:
            log.exception("%s courier: could not mark delivery %s sent", self._channel, delivery_id)
            return
        self._unrecorded.pop(delivery_id, None)

    async def _after_failure(self, row: Delivery, failure: SendFailed) -> None:
        settings = self._settings
        step = after_failure(
            failure,
            row.attempts,
            settings.delivery_attempts,
            settings.delivery_backoff_seconds,
            self._rng,
        )
        now = datetime.now(UTC)
        if isinstance(step, GiveUp):
            log.warning("%s courier: delivery %s dead: %s", self._channel, row.id, step.reason)
            self._counts["dead"] += 1
            await deliveries.give_up(row, step.reason, now)
            return
        log.info(
            "%s courier: delivery %s failed (attempt %d: %s); retrying in %.1f s",
            self._channel,
            row.id,
            row.attempts,
            failure.reason,
            step.after_seconds,
        )
        self._counts["retried"] += 1
        await deliveries.retry_at(
            row.id, now + timedelta(seconds=step.after_seconds), failure.reason
        )


def start(settings: Settings) -> list[ray.actor.ActorHandle]:
    return [
        Courier.options(  # type: ignore[attr-defined]
            name=naming.courier(channel), namespace=naming.NAMESPACE, get_if_exists=True
        ).remote(channel, settings)
        for channel in Channel
    ]

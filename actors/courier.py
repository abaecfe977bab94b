"""The courier actors, one per channel: send what the delivery log holds, retry, dead-letter.
Next: the channel's transport, adapters/smtp.py or adapters/sms.py (adapters/transport.py)."""

import asyncio
import contextlib
import logging
import random
from collections import Counter
from datetime import UTC, datetime, timedelta

import ray

from actors import naming, placement
from actors.actor_loop import ActorLoop, Part, database_part
from actors.domain.delivery import GiveUp, SendFailed, after_failure
from actors.domain.preferences import Channel
from adapters import deliveries, logs, metrics, transport
from adapters.config import Settings
from adapters.models import Delivery

log = logging.getLogger(__name__)

# The messaging actor wakes a courier when it claims messages, and a retry the courier itself
# scheduled wakes it when due; the poll is the safety net for a wake-up lost while the courier
# restarted, and for the retries that an earlier run of it scheduled.
POLL_SECONDS = 5.0
BATCH = 20


@ray.remote(num_cpus=0, max_restarts=-1, max_task_retries=-1)
class Courier:
    """A step sends what is due; a message that fails is retried or dead-lettered on its own
    (`_after_failure`), and a step that fails (the delivery log unreachable) is tried again
    with backoff, keeping in memory the marks not yet committed."""

    def __init__(self, channel: Channel, settings: Settings) -> None:
        assert settings.database_url
        logs.configure(settings.log_format)
        self._channel = channel
        self._settings = settings
        self._wake = asyncio.Event()
        self._rng = random.Random()
        self._counts: Counter[str] = Counter()
        # Sent, but the mark in the delivery log did not commit yet: never sent again from here.
        self._unrecorded: dict[int, str] = {}
        self._transport: transport.Transport | None = None
        self._loop = ActorLoop(
            naming.courier(channel),
            [
                database_part(settings.database_url),
                Part(f"the {channel} transport", self._start_transport),
            ],
            self._step,
            retry_steps=True,
        )

    async def ready(self) -> dict[str, int]:
        """Once connected; raises what the loop is waiting for, or why it failed. Returns how
        many messages were sent, retried and given up."""
        await self._loop.ready()
        return dict(self._counts)

    async def wake(self) -> None:
        self._wake.set()

    async def _start_transport(self) -> None:
        channel = transport.for_channel(self._channel, self._settings)
        await channel.start()
        self._transport = channel
        if transport.configured(self._channel, self._settings):
            log.info("%s courier: %s", self._channel, channel.description)
        else:
            log.warning("%s courier: %s", self._channel, channel.description)

    async def _step(self) -> None:
        self._wake.clear()  # before taking work, so a wake-up during the sends is not missed
        await self._record_unrecorded()
        while await self._deliver_due() > 0:
            pass
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self._wake.wait(), await self._pause_seconds())

    async def _pause_seconds(self) -> float:
        """Until the next pending message falls due (a retry, a lease run out, whoever set
        it), or the poll."""
        due = await deliveries.next_due(self._channel)
        if due is None:
            return POLL_SECONDS
        due_in = (due - datetime.now(UTC)).total_seconds()
        return min(max(due_in, 0.0), POLL_SECONDS)

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
        metrics.notifications(self._channel, "sent")
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
            logs.event(
                log,
                "delivery_given_up",
                level=logging.WARNING,
                channel=self._channel,
                delivery=row.id,
                event_type=row.event_type,
                attempts=row.attempts,
                reason=step.reason,
            )
            self._counts["dead"] += 1
            metrics.notifications(self._channel, "dead_lettered")
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
        metrics.notifications(self._channel, "retried")
        retry_at = now + timedelta(seconds=step.after_seconds)
        await deliveries.retry_at(row.id, retry_at, failure.reason)


def start(settings: Settings, home_node: str) -> list[ray.actor.ActorHandle]:
    """One courier per channel. A channel without its provider writes files under the home, so
    its courier runs on `home_node`, the node of `ledgerflow up`, whatever the cluster."""
    return [
        Courier.options(  # type: ignore[attr-defined]
            name=naming.courier(channel),
            namespace=naming.NAMESPACE,
            get_if_exists=True,
            **placement.options(
                naming.ActorKind.COURIER,
                settings,
                on_node=None if transport.configured(channel, settings) else home_node,
            ),
        ).remote(channel, settings)
        for channel in Channel
    ]

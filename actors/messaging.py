"""The messaging actor: reads the notifiable events, claims their messages in the delivery log,
and wakes the courier of each channel that has something to send.
Next: adapters/deliveries.py, where the messages are claimed."""

import asyncio
import logging
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from typing import Any

import ray
from aiokafka import AIOKafkaConsumer, ConsumerRecord, TopicPartition

from actors import naming
from actors.domain.dead_letter import DeadLetter
from actors.domain.events import Event, MalformedEvent, Topic, read_event
from actors.domain.messages import compose
from actors.domain.preferences import NOTIFIABLE, Channel
from actors.domain.signatures import EventKey
from adapters import database, deliveries, kafka, offsets, recipients
from adapters.config import Settings

log = logging.getLogger(__name__)

BATCH = 200
# A record that is not an event is dead-lettered by its topic's owner, once: the ledger shards
# own transaction_created; this actor owns the topics only it reads.
OWNED = frozenset(NOTIFIABLE) - {Topic.TRANSACTION_CREATED}
RETRY_SECONDS = 1.0

Batches = Mapping[TopicPartition, Sequence[ConsumerRecord[bytes, bytes]]]


@ray.remote(num_cpus=0, max_restarts=-1, max_task_retries=-1)
class Messaging:
    """Reads every partition of every notifiable topic: assigned by itself (no consumer group),
    and resumed from the offsets saved with its claims."""

    def __init__(self, settings: Settings) -> None:
        assert settings.event_key
        self._settings = settings
        self._event_key = EventKey(settings.event_key)
        self._couriers: dict[Channel, Any] = {}
        self._ready = asyncio.Event()
        self._handled = 0
        # Ray runs an async actor's constructor on its event loop, so the loop starts here and
        # starts again by itself when Ray restarts the actor.
        self._task = asyncio.get_running_loop().create_task(self._run())

    async def ready(self) -> int:
        """Wait until the consumer is assigned; returns how many events it has handled."""
        await self._ready.wait()
        return self._handled

    async def _run(self) -> None:
        settings = self._settings
        assert settings.database_url and settings.kafka_bootstrap
        await database.connect(settings.database_url, pool_size=2)
        # Found by name rather than passed in: handles among the constructor's arguments would
        # live in the object store, owned by the process that created this actor.
        for channel in Channel:
            self._couriers[channel] = await asyncio.to_thread(
                ray.get_actor, naming.courier(channel), naming.NAMESPACE
            )
        consumer = kafka.consumer(settings)
        await consumer.start()
        partitions = await self._partitions(consumer)
        await kafka.resume(consumer, partitions, await offsets.load(naming.MESSAGING))
        self._ready.set()
        while True:
            try:
                await self._step(consumer)
            except Exception:
                log.exception("messaging: consuming failed; retrying")
                await asyncio.sleep(RETRY_SECONDS)

    async def _partitions(self, consumer: AIOKafkaConsumer) -> list[TopicPartition]:
        while True:
            await consumer.topics()  # refreshes the metadata
            found = {topic: consumer.partitions_for_topic(topic.value) for topic in NOTIFIABLE}
            if all(found.values()):
                return [
                    TopicPartition(topic.value, p)
                    for topic, partitions in found.items()
                    for p in sorted(partitions or ())
                ]
            log.warning("messaging: waiting for the topics %s", sorted(found))
            await asyncio.sleep(RETRY_SECONDS)

    async def _step(self, consumer: AIOKafkaConsumer) -> None:
        batches = await consumer.getmany(timeout_ms=1000, max_records=BATCH)
        if not batches:
            return
        try:
            await self._handle(batches)
        except Exception:
            log.exception("messaging: handling a batch failed; reading it again")
            for partition, records in batches.items():
                consumer.seek(partition, records[0].offset)
            await asyncio.sleep(RETRY_SECONDS)
            return
        self._handled += sum(len(records) for records in batches.values())

    async def _handle(self, batches: Batches) -> None:
        claims = deliveries.Claims(
            naming.MESSAGING,
            offsets={(tp.topic, tp.partition): rs[-1].offset + 1 for tp, rs in batches.items()},
        )
        events: list[tuple[ConsumerRecord[bytes, bytes], Event]] = []
        for records in batches.values():
            for record in records:
                try:  # a record that we did not sign is refused here, before anything is read
                    events.append((record, read_event(record, self._event_key)))
                except MalformedEvent as error:
                    if Topic(record.topic) in OWNED:
                        claims.dead_letters.append(_dead_letter(record, str(error)))
        profiles = await recipients.profiles(event.user_id for _, event in events)
        for record, event in events:
            profile = profiles.get(event.user_id)
            if profile is None:
                continue  # no such account (any more): nobody to write to
            try:
                claims.messages += compose(event, profile)
            except MalformedEvent as error:
                claims.dead_letters.append(_dead_letter(record, str(error)))
        # The claims and the offsets commit together: a restart resumes right after them.
        for channel in await deliveries.claim(claims, datetime.now(UTC)):
            # Fire and forget: a courier that misses this finds the work at its next poll.
            self._couriers[channel].wake.remote()


def _dead_letter(record: ConsumerRecord[bytes, bytes], reason: str) -> DeadLetter:
    log.warning(
        "messaging: %s[%d]@%d is unreadable: %s",
        record.topic,
        record.partition,
        record.offset,
        reason,
    )
    return DeadLetter.of(record, reason)


def start(settings: Settings) -> ray.actor.ActorHandle:
    return Messaging.options(  # type: ignore[attr-defined]
        name=naming.MESSAGING, namespace=naming.NAMESPACE, get_if_exists=True
    ).remote(settings)

"""Produces records straight to Kafka: signed as the outbox relay signs them, or forged."""

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from aiokafka import AIOKafkaProducer

from actors.domain.events import Event
from actors.domain.signatures import EventKey
from adapters import kafka, outbox
from adapters.config import Settings
from adapters.listener import notify


@dataclass(frozen=True)
class RawRecord:
    """A record that need not hold an event: garbage, a value of the test's own making, or a
    copy of a real record (headers and all) on a partition of the test's choosing."""

    topic: str
    key: bytes
    value: bytes | None  # None: a record without a value, as Kafka allows
    partition: int | None = None  # None: the user's, as the producer's partitioner picks
    headers: Sequence[tuple[str, bytes]] = field(default_factory=list)


async def send_signed(settings: Settings, *records: Event | RawRecord) -> None:
    """Send each record in order and wait for it, signed with the system's event key."""
    assert settings.event_key
    await _send(settings, records, EventKey(settings.event_key))


async def send_forged(
    settings: Settings, *records: Event | RawRecord, signed_with: EventKey | None
) -> None:
    """Send each record as someone who can reach the broker but has not the system's key:
    unsigned, or with its own headers (None), or signed with a key of their own."""
    await _send(settings, records, signed_with)


async def _send(
    settings: Settings, records: Iterable[Event | RawRecord], signed_with: EventKey | None
) -> None:
    producer = kafka.producer(settings)
    await producer.start()
    try:
        for record in records:
            if isinstance(record, Event):
                record = RawRecord(record.type.value, record.key, record.to_json())
            partition = await _partition(producer, record)
            headers = list(record.headers)
            if signed_with is not None:
                headers = signed_with.headers(record.topic, partition, record.key, record.value)
            await producer.send_and_wait(
                record.topic, record.value, key=record.key, partition=partition, headers=headers
            )
    finally:
        await producer.stop()
    # As the relay does: resting consumers fetch at once rather than at their next poll.
    assert settings.database_url
    await notify(settings.database_url, outbox.PUBLISHED_CHANNEL)


async def _partition(producer: AIOKafkaProducer, record: RawRecord) -> int:
    if record.partition is not None:
        return record.partition
    return kafka.partition_for(record.key, len(await producer.partitions_for(record.topic)))

"""Produces records straight to Kafka: signed as the outbox relay signs them, or forged."""

from collections.abc import Iterable
from dataclasses import dataclass

from actors.domain.events import Event
from actors.domain.signatures import EventKey
from adapters import kafka
from adapters.config import Settings


@dataclass(frozen=True)
class RawRecord:
    """A record that need not hold an event: garbage, or a value of the test's own making."""

    topic: str
    key: bytes
    value: bytes


async def send_signed(settings: Settings, *records: Event | RawRecord) -> None:
    """Send each record in order and wait for it, signed with the system's event key."""
    assert settings.event_key
    await _send(settings, records, EventKey(settings.event_key))


async def send_forged(
    settings: Settings, *records: Event | RawRecord, signed_with: EventKey | None
) -> None:
    """Send each record as someone who can reach the broker but has not the system's key:
    unsigned (None), or signed with a key of their own."""
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
            headers = (
                signed_with.headers(record.topic, record.key, record.value) if signed_with else []
            )
            await producer.send_and_wait(
                record.topic, record.value, key=record.key, headers=headers
            )
    finally:
        await producer.stop()

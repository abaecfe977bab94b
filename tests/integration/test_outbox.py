"""The outbox: an event committed but never sent (a crash between commit and send) is
published by the relay exactly once, however many times the relay runs."""

from datetime import UTC, datetime
from uuid import uuid4

from tortoise.transactions import in_transaction

from actors.domain.events import Event, Topic
from adapters import kafka, outbox
from adapters.config import Settings
from adapters.models import OutboxEvent
from tests.kafka_reader import read_until


async def test_a_committed_unsent_event_is_published_once(db: Settings) -> None:
    assert db.kafka_bootstrap
    event = Event(Topic.USER_REGISTERED, uuid4(), datetime.now(UTC), {"email": "x@example.com"})
    async with in_transaction() as connection:
        await outbox.stage([event], connection)
    # The process that committed is gone before sending: only the row exists.
    assert await OutboxEvent.filter(event_id=event.id, published_at=None).exists()

    producer = kafka.producer(db.kafka_bootstrap)
    await producer.start()
    try:
        for _ in range(3):  # restarts of the relay do not send it again
            await outbox.publish_pending(producer)
    finally:
        await producer.stop()

    row = await OutboxEvent.get(event_id=event.id)
    assert row.published_at is not None
    events = await read_until(
        db.kafka_bootstrap, Topic.USER_REGISTERED, lambda es: any(e.id == event.id for e in es)
    )
    assert [e.id for e in events].count(event.id) == 1


async def test_a_rolled_back_transaction_stages_nothing(db: Settings) -> None:
    event = Event(Topic.USER_REGISTERED, uuid4(), datetime.now(UTC), {})
    try:
        async with in_transaction() as connection:
            await outbox.stage([event], connection)
            raise RuntimeError("the business write failed")
    except RuntimeError:
        pass
    assert not await OutboxEvent.filter(event_id=event.id).exists()

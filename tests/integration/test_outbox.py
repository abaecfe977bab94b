"""The outbox: an event committed but never sent (a crash between commit and send) is
published by the relay exactly once, however many times the relay runs, and signed."""

import asyncio
import contextlib
from datetime import UTC, datetime
from uuid import uuid4

from aiokafka import ConsumerRecord
from tortoise import connections
from tortoise.transactions import in_transaction

from actors.domain.events import Event, Topic
from actors.domain.signatures import HEADER, EventKey
from adapters import kafka, outbox
from adapters.config import Settings
from adapters.listener import PgListener
from adapters.models import OutboxEvent
from tests.eventually import eventually
from tests.kafka_reader import read_until, read_whole_records_until


async def test_a_committed_unsent_event_is_published_once(db: Settings) -> None:
    assert db.kafka_bootstrap and db.event_key
    event = Event(Topic.USER_REGISTERED, uuid4(), datetime.now(UTC), {"email": "x@example.com"})
    async with in_transaction() as connection:
        await outbox.stage([event], connection)

    # The process that committed is gone before sending: only the row exists. Relays run
    # again and again (the session's own relay actor may be one of them, taking rows first).
    def sent(events: list[Event]) -> bool:
        return any(e.id == event.id for e in events)

    producer = kafka.producer(db)
    await producer.start()
    try:
        await outbox.publish_pending(producer, EventKey(db.event_key))
        await read_until(db.kafka_bootstrap, Topic.USER_REGISTERED, sent)
        for _ in range(2):
            await outbox.publish_pending(producer, EventKey(db.event_key))
    finally:
        await producer.stop()
    events = await read_until(db.kafka_bootstrap, Topic.USER_REGISTERED, sent)
    assert [e.id for e in events].count(event.id) == 1


async def test_published_records_carry_a_signature_the_broker_hands_back_intact(
    db: Settings,
) -> None:
    assert db.kafka_bootstrap and db.event_key
    key = EventKey(db.event_key)
    event = Event(Topic.GOAL_ACHIEVED, uuid4(), datetime.now(UTC), {"name": "Bike"})
    async with in_transaction() as connection:
        await outbox.stage([event], connection)
    producer = kafka.producer(db)
    await producer.start()
    try:
        await outbox.publish_pending(producer, key)
    finally:
        await producer.stop()

    def mine(records: list[ConsumerRecord[bytes, bytes]]) -> list[ConsumerRecord[bytes, bytes]]:
        return [r for r in records if str(event.id).encode() in (r.value or b"")]

    records = await read_whole_records_until(
        db.kafka_bootstrap, Topic.GOAL_ACHIEVED, lambda rs: bool(mine(rs))
    )
    [record] = mine(records)
    assert record.key == event.key and record.value == event.to_json()
    assert record.partition == kafka.partition_of(event.user_id, db.kafka_partitions)
    assert list(record.headers) == key.headers(
        record.topic, record.partition, record.key, record.value
    )
    assert [name for name, _ in record.headers] == [HEADER]
    key.verify(record.topic, record.partition, record.key, record.value, record.headers)


async def test_a_rolled_back_transaction_stages_nothing(db: Settings) -> None:
    event = Event(Topic.USER_REGISTERED, uuid4(), datetime.now(UTC), {})
    try:
        async with in_transaction() as connection:
            await outbox.stage([event], connection)
            raise RuntimeError("the business write failed")
    except RuntimeError:
        pass
    assert not await OutboxEvent.filter(event_id=event.id).exists()


async def test_a_commit_that_stages_events_wakes_the_relay_and_a_rollback_does_not(
    db: Settings,
) -> None:
    assert db.database_url
    heard: asyncio.Queue[str] = asyncio.Queue()
    listener = PgListener(db.database_url, outbox.CHANNEL, heard.put_nowait)
    await listener.start()
    await outbox.rest()  # as the relay does when it has nothing to publish
    try:
        with contextlib.suppress(RuntimeError):
            async with in_transaction() as connection:
                await outbox.stage(
                    [Event(Topic.USER_REGISTERED, uuid4(), datetime.now(UTC), {})], connection
                )
                raise RuntimeError("rolled back")
        async with in_transaction() as connection:
            await outbox.stage(
                [Event(Topic.USER_REGISTERED, uuid4(), datetime.now(UTC), {}) for _ in "ab"],
                connection,
            )
        await asyncio.wait_for(heard.get(), 10)
        assert heard.empty()  # one notification for the commit, none for the rollback
    finally:
        await listener.stop()


async def test_the_relay_going_to_rest_waits_for_the_writers_that_staged_before(
    db: Settings,
) -> None:
    """They may have read that it was busy, and will not notify: it must find their rows."""
    await outbox.stir()
    event = Event(Topic.USER_REGISTERED, uuid4(), datetime.now(UTC), {})
    staged, commit = asyncio.Event(), asyncio.Event()

    async def write() -> None:  # a task of its own: its transaction is not the test's
        async with in_transaction() as connection:
            await outbox.stage([event], connection)
            staged.set()
            await commit.wait()

    writer = asyncio.ensure_future(write())
    await staged.wait()
    resting = asyncio.ensure_future(outbox.rest())
    await eventually(_relay_waits_for_writers)
    assert not resting.done()
    commit.set()
    await writer
    await asyncio.wait_for(resting, 10)
    assert await OutboxEvent.filter(event_id=event.id).exists()


async def _relay_waits_for_writers() -> bool:
    rows = await connections.get("default").execute_query_dict(
        "SELECT 1 FROM pg_locks WHERE locktype = 'advisory' AND NOT granted"
        " AND objsubid = 1 AND (classid::bigint << 32 | objid::bigint) = $1",
        [outbox.WRITERS_LOCK],
    )
    return bool(rows)

"""The transactional outbox: events committed with their change, then relayed to Kafka.
Next: the trigger of migrations/0010_outbox_notify_when_resting.py wakes actors/outbox_relay.py."""

import asyncio
import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from uuid import UUID, uuid4

from aiokafka import AIOKafkaProducer
from tortoise import connections
from tortoise.backends.base.client import BaseDBAsyncClient
from tortoise.transactions import in_transaction

from actors.domain.dead_letter import DeadLetter, key_text, reason_of
from actors.domain.events import Event
from actors.domain.signatures import EventKey
from adapters import dead_letters, kafka, logs
from adapters.models import OutboxEvent

log = logging.getLogger(__name__)

CHANNEL = "ledgerflow_outbox"
# Whoever puts records on the broker notifies this channel after them: resting consumers wake
# (actors/consumer_loop.py). The relay does it in the transaction that marks its rows published.
PUBLISHED_CHANNEL = "ledgerflow_published"
#: Taken shared by the outbox trigger of every writer, to its commit (migration 0010).
WRITERS_LOCK = 8301507345
KEEP_PUBLISHED = timedelta(days=7)
_TOPICS = frozenset(kafka.all_topics())


async def stage(events: Sequence[Event], connection: BaseDBAsyncClient) -> None:
    """Add events to the outbox inside the caller's transaction. While the relay rests, a
    trigger (migration 0010) notifies it, and PostgreSQL delivers that at commit, never after a
    rollback."""
    await _insert(connection, rows_of(events))


async def stage_dead_letter(connection: BaseDBAsyncClient, letter: DeadLetter) -> None:
    """Stage a record that could not be processed for its dead-letter topic, with the reason,
    and keep it in the dead-letter table, where an operator finds and replays it."""
    await dead_letters.record(connection, letter)
    await _insert(
        connection, [(uuid4(), letter.dead_letter_topic, letter.key_text, letter.to_json())]
    )


async def stage_record(
    connection: BaseDBAsyncClient, topic: str, key: bytes | None, value: bytes
) -> None:
    """Stage a record as it is rather than an event of ours: a dead letter, or one's original
    record sent again."""
    await _insert(connection, [(uuid4(), topic, key_text(key), value)])


Row = tuple[UUID, str, str, bytes]  # event id, topic, key, value


def rows_of(events: Sequence[Event]) -> list[Row]:
    return [(event.id, event.type.value, str(event.user_id), event.to_json()) for event in events]


def insert(first: int, rows: Sequence[Row]) -> tuple[str, list[object]]:
    """One statement adding the rows (its parameters numbered from `first`), to run alone or
    as a part of a larger one. An event id already staged is not staged again: an event made
    again with the same id (an alert raised again by a replay) is the same event."""
    sql = (
        "INSERT INTO outbox (event_id, topic, key, value, created_at)"
        f" SELECT *, now() FROM unnest(${first}::uuid[], ${first + 1}::text[],"
        f" ${first + 2}::text[], ${first + 3}::bytea[])"
        " ON CONFLICT (event_id) DO NOTHING"
    )
    return sql, [list(column) for column in zip(*rows, strict=True)]


async def _insert(connection: BaseDBAsyncClient, rows: list[Row]) -> None:
    # Plain SQL: this runs on every write, and the ORM's per-row objects cost more than the row.
    if rows:
        await connection.execute_query(*insert(1, rows))


@dataclass(frozen=True)
class _Row:
    seq: int
    topic: str
    key: str
    value: bytes


async def publish_pending(
    producer: AIOKafkaProducer,
    event_key: EventKey,
    batch_size: int = 500,
    sent: Callable[[], None] = lambda: None,
    after: "asyncio.Task[int] | None" = None,
) -> int:
    """Send the oldest unpublished events in order, each signed with the event key, and mark
    them published; return how many. `sent` is called once the records are handed to the
    producer (or there are none): from then on, another call may claim and send the rows after
    them while this one waits for the broker's acknowledgements (its rows stay locked).
    `after`: that earlier call, which commits first: if it fails, this one rolls back too, so
    that rows are only ever marked published in order and both are sent again, in order.

    A crash after the send and before the commit sends those events again on the next run:
    consumers are idempotent by event id, which is what makes at-least-once safe here.
    Signed here, as they leave, rather than when staged: this is the one place that publishes,
    and a broker that lost its log gets the kept events signed with the key in use.

    A row that cannot be published (too large for the broker, or any error that the same
    record would meet again) is replaced by its dead letter, so that the rows after it go out.
    An unreachable broker raises, and the transaction leaves every row as it was.
    """
    try:
        async with in_transaction() as connection:
            # Plain SQL: the relay reads every event written, and ORM objects cost more.
            _, found = await connection.execute_query(
                "SELECT seq, topic, key, value FROM outbox WHERE published_at IS NULL"
                " ORDER BY seq LIMIT $1 FOR UPDATE SKIP LOCKED",
                [batch_size],
            )
            rows = [_Row(r["seq"], r["topic"], r["key"], bytes(r["value"])) for r in found]
            if not rows:
                return 0
            answers: dict[int, asyncio.Future[object]] = {}
            refused: dict[int, Exception] = {}
            for row in rows:
                try:
                    answers[row.seq] = await _send(
                        producer, event_key, row.topic, row.key, row.value
                    )
                except kafka.RECORD_REFUSED as error:
                    refused[row.seq] = error
            sent()
            for seq, answer in answers.items():
                try:
                    await answer
                except kafka.RECORD_REFUSED as error:
                    refused[seq] = error
            for row in rows:
                if row.seq in refused:
                    letter = _dead_letter(row, refused[row.seq])
                    await dead_letters.record(connection, letter)
                    await _publish_dead_letter(producer, event_key, letter)
            if after is not None:
                await asyncio.shield(after)  # raises what ended it; our cancel is not its
            # Marked and notified in one statement; the notice is delivered at commit, once
            # the broker has acknowledged every record of the batch.
            await connection.execute_query(
                "WITH published AS (UPDATE outbox SET published_at = now()"
                " WHERE seq = ANY($1::bigint[])) SELECT pg_notify($2, '')",
                [[row.seq for row in rows], PUBLISHED_CHANNEL],
            )
        return len(rows)
    finally:
        sent()


async def _send(
    producer: AIOKafkaProducer, event_key: EventKey, topic: str, key_text: str, value: bytes
) -> "asyncio.Future[object]":
    """Hand one record to the producer; the broker's answer is the future returned."""
    if topic not in _TOPICS:
        raise kafka.NoSuchTopic(topic)
    key = key_text.encode()
    # The producer's own choice, made here so that the signature can cover it.
    partition = kafka.partition_for(key, len(await producer.partitions_for(topic)))
    headers = event_key.headers(topic, partition, key, value)
    answer: asyncio.Future[object] = await producer.send(
        topic, value, key=key, partition=partition, headers=headers
    )
    return answer


def _dead_letter(row: _Row, error: Exception) -> DeadLetter:
    letter = DeadLetter(
        row.topic, row.key.encode(), row.value, f"not published: {reason_of(error)}"
    )
    # The row cannot be published: its dead letter goes to letter.dead_letter_topic instead.
    logs.dead_lettered(log, "outbox-relay", letter, error=True, row=row.seq, size=len(row.value))
    return letter


async def _publish_dead_letter(
    producer: AIOKafkaProducer, event_key: EventKey, letter: DeadLetter
) -> None:
    try:
        answer = await _send(
            producer, event_key, letter.dead_letter_topic, letter.key_text, letter.to_json()
        )
        await answer
    except kafka.RECORD_REFUSED as again:
        # A dead letter's own dead-letter topic does not exist: the table keeps it all the same.
        log.error("outbox relay: the dead letter of %s is refused too (%s)", letter.topic, again)


async def rest() -> None:
    """Have every writer from now on notify the relay at its commit, and return once the writers
    that may have read the flag unset have committed: a look for rows after this finds what
    they staged, and what comes later is notified."""
    await connections.get("default").execute_query("UPDATE outbox_relay SET resting = true")
    async with in_transaction() as connection:
        await connection.execute_query("SELECT pg_advisory_xact_lock($1)", [WRITERS_LOCK])


async def stir() -> None:
    """The relay is looking for rows on its own: writers commit without a NOTIFY."""
    await connections.get("default").execute_query("UPDATE outbox_relay SET resting = false")


async def backlog() -> int:
    """Events committed and not yet published."""
    return await OutboxEvent.filter(published_at=None).count()


async def forget_published(now: datetime) -> int:
    """Delete published events past their keeping time."""
    return await OutboxEvent.filter(published_at__lt=now - KEEP_PUBLISHED).delete()


async def publish_again() -> int:
    """Mark every kept event unpublished, for a broker that lost its log; return how many.

    Consumers skip what they have already applied, so sending an event again is harmless.
    """
    return await OutboxEvent.exclude(published_at=None).update(published_at=None)

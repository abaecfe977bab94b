"""Consumer offsets in PostgreSQL: the next offset each consumer reads, saved in the same
transaction as what it did with the records before it."""

from collections.abc import Iterable, Mapping

from tortoise.backends.base.client import BaseDBAsyncClient

from actors.domain.events import Record
from adapters.models import ConsumerOffset

Offsets = dict[tuple[str, int], int]  # (topic, partition): the next offset to read


def after(records: Iterable[Record]) -> Offsets:
    """The next offset to read on each partition, once `records` are done with."""
    reached: Offsets = {}
    for record in records:
        where = (record.topic, record.partition)
        reached[where] = max(reached.get(where, 0), record.offset + 1)
    return reached


async def load(consumer: str) -> Offsets:
    rows = await ConsumerOffset.filter(consumer=consumer).values_list(
        "topic", "partition", "offset"
    )
    return {(topic, partition): offset for topic, partition, offset in rows}


def upsert(
    first: int, consumer: str, offsets: Mapping[tuple[str, int], int]
) -> tuple[str, list[object]]:
    """One statement saving the offsets (its parameters numbered from `first`), to run alone or
    as a part of a larger one."""
    sql = (
        'INSERT INTO consumer_offsets (consumer, topic, partition, "offset")'
        f" SELECT ${first}::text, * FROM unnest(${first + 1}::text[], ${first + 2}::int[],"
        f" ${first + 3}::bigint[])"
        ' ON CONFLICT (consumer, topic, partition) DO UPDATE SET "offset" = EXCLUDED."offset"'
    )
    where = list(offsets)
    return sql, [
        consumer,
        [topic for topic, _ in where],
        [partition for _, partition in where],
        [offsets[tp] for tp in where],
    ]


async def save(
    connection: BaseDBAsyncClient, consumer: str, offsets: Mapping[tuple[str, int], int]
) -> None:
    """Inside the caller's transaction, beside the state those offsets were reached with."""
    if offsets:
        await connection.execute_query(*upsert(1, consumer, offsets))


async def forget_all() -> None:
    """For a broker that lost its log: every consumer reads the new log from its start."""
    await ConsumerOffset.all().delete()

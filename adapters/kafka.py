"""Kafka through aiokafka: topics, producers, consumers and the partition of a user.
Next: actors/ledger_shard.py consumes the ledger topics, actors/messaging.py the notifiable ones."""

import contextlib
from collections.abc import Iterable, Mapping
from uuid import UUID

from aiokafka import AIOKafkaConsumer, AIOKafkaProducer, TopicPartition
from aiokafka.admin import AIOKafkaAdminClient, NewTopic
from aiokafka.errors import TopicAlreadyExistsError
from aiokafka.partitioner import DefaultPartitioner

from actors.domain.events import Topic

_PARTITIONER = DefaultPartitioner()
FETCH_WAIT_MS = 20


def all_topics() -> list[str]:
    return [name for topic in Topic for name in (topic.value, topic.dead_letter)]


def partition_of(user_id: UUID, partitions: int) -> int:
    """The partition the producer's own default partitioner (murmur2) picks for a user's key."""
    every = list(range(partitions))
    return int(_PARTITIONER(str(user_id).encode(), every, every))


async def ensure_topics(
    bootstrap: str, partitions: int, topics: Iterable[str] | None = None
) -> None:
    """Create the topics that do not exist yet; existing ones are left as they are."""
    admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap)
    await admin.start()
    try:
        existing = set(await admin.list_topics())
        missing = [name for name in (topics or all_topics()) if name not in existing]
        if missing:
            new = [
                NewTopic(name, num_partitions=partitions, replication_factor=1) for name in missing
            ]
            # Another process may create them between our list and create.
            with contextlib.suppress(TopicAlreadyExistsError):
                await admin.create_topics(new)
    finally:
        await admin.close()


def producer(bootstrap: str) -> AIOKafkaProducer:
    # acks="all": an event counts as published only once the broker has it durably.
    return AIOKafkaProducer(bootstrap_servers=bootstrap, acks="all", linger_ms=2)


def consumer(bootstrap: str) -> AIOKafkaConsumer:
    """A consumer outside any group: `resume` assigns its partitions and seeks its offsets."""
    return AIOKafkaConsumer(
        bootstrap_servers=bootstrap,
        enable_auto_commit=False,
        auto_offset_reset="earliest",
        # Tansu answers a fetch only when its wait runs out, not when data arrives: the wait
        # is the floor of every event's latency (aiokafka's default is 500 ms).
        fetch_max_wait_ms=FETCH_WAIT_MS,
    )


async def resume(
    consumer: AIOKafkaConsumer,
    partitions: list[TopicPartition],
    stored: Mapping[tuple[str, int], int],
) -> None:
    """Assign the partitions (no group rebalance) and seek each to the next offset stored with
    the consumer's state, or to its start when nothing is stored."""
    consumer.assign(partitions)
    for tp in partitions:
        offset = stored.get((tp.topic, tp.partition))
        if offset is None:
            await consumer.seek_to_beginning(tp)
        else:
            consumer.seek(tp, offset)

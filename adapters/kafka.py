"""Kafka through aiokafka: topics, producers, consumers and the partition of a user.
Next: actors/ledger_shard.py consumes the ledger topics, actors/messaging.py the notifiable ones."""

import contextlib
from collections.abc import Iterable, Mapping
from typing import Any
from uuid import UUID

from aiokafka import AIOKafkaConsumer, AIOKafkaProducer, TopicPartition
from aiokafka.admin import AIOKafkaAdminClient, NewTopic
from aiokafka.errors import TopicAlreadyExistsError
from aiokafka.helpers import create_ssl_context
from aiokafka.partitioner import DefaultPartitioner

from actors.domain.events import Topic
from adapters.config import Settings

_PARTITIONER = DefaultPartitioner()
FETCH_WAIT_MS = 20


def all_topics() -> list[str]:
    return [name for topic in Topic for name in (topic.value, topic.dead_letter)]


def partition_of(user_id: UUID, partitions: int) -> int:
    """The partition the producer's own default partitioner (murmur2) picks for a user's key."""
    return partition_for(str(user_id).encode(), partitions)


def partition_for(key: bytes, partitions: int) -> int:
    """The partition the producer's own default partitioner (murmur2) picks for a key."""
    every = list(range(partitions))
    return int(_PARTITIONER(key, every, every))


def client_options(settings: Settings) -> dict[str, Any]:
    """Where the brokers are and how to reach them (TLS, SASL): the same for every client."""
    assert settings.kafka_bootstrap
    protocol = settings.kafka_security_protocol
    options: dict[str, Any] = {
        "bootstrap_servers": settings.kafka_bootstrap,
        "security_protocol": protocol,
    }
    if protocol in ("SSL", "SASL_SSL"):
        # Verifies the broker's certificate and host name (aiokafka's context always does).
        options["ssl_context"] = create_ssl_context(
            cafile=settings.kafka_ssl_cafile,
            certfile=settings.kafka_ssl_certfile,
            keyfile=settings.kafka_ssl_keyfile,
        )
    if protocol in ("SASL_PLAINTEXT", "SASL_SSL"):
        # aiokafka takes the SCRAM login through the same two arguments as PLAIN's.
        options |= {
            "sasl_mechanism": settings.kafka_sasl_mechanism,
            "sasl_plain_username": settings.kafka_sasl_username,
            "sasl_plain_password": settings.kafka_sasl_password,
        }
    return options


async def ensure_topics(settings: Settings, topics: Iterable[str] | None = None) -> None:
    """Create the topics that do not exist yet, with the configured number of partitions;
    existing ones are left as they are."""
    partitions = settings.kafka_partitions
    admin = AIOKafkaAdminClient(**client_options(settings))
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


def producer(settings: Settings) -> AIOKafkaProducer:
    # acks="all": an event counts as published only once the broker has it durably.
    return AIOKafkaProducer(**client_options(settings), acks="all", linger_ms=2)


def consumer(settings: Settings) -> AIOKafkaConsumer:
    """A consumer outside any group: `resume` assigns its partitions and seeks its offsets."""
    return AIOKafkaConsumer(
        **client_options(settings),
        enable_auto_commit=False,
        auto_offset_reset="earliest",
        # Tansu answers a fetch only when its wait runs out, not when data arrives: the wait
        # is the floor of every event's latency (aiokafka's default is 500 ms).
        fetch_max_wait_ms=FETCH_WAIT_MS,
    )


async def log_bounds(
    settings: Settings, topics: Iterable[str]
) -> dict[tuple[str, int], tuple[int, int]]:
    """(first offset, end offset) of every partition of the topics, as the broker has them."""
    reader = AIOKafkaConsumer(**client_options(settings), enable_auto_commit=False)
    await reader.start()
    try:
        await reader.topics()  # the metadata of every topic, for the partition counts
        partitions = [
            TopicPartition(topic, p)
            for topic in topics
            for p in sorted(reader.partitions_for_topic(topic) or ())
        ]
        first = await reader.beginning_offsets(partitions)
        end = await reader.end_offsets(partitions)
    finally:
        await reader.stop()
    return {(tp.topic, tp.partition): (first[tp], end[tp]) for tp in partitions}


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

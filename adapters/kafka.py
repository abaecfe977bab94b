"""Kafka through aiokafka: topics, producers, consumers and the partition of a user.
Next: actors/ledger_shard.py consumes the ledger topics, actors/messaging.py the notifiable ones."""

import asyncio
import contextlib
import ssl
import tempfile
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any
from uuid import UUID

from aiokafka import AIOKafkaConsumer, AIOKafkaProducer, ConsumerRecord, TopicPartition
from aiokafka.admin import AIOKafkaAdminClient, NewTopic
from aiokafka.errors import (
    CorruptRecordException,
    InvalidTimestampError,
    InvalidTopicError,
    KafkaError,
    MessageSizeTooLargeError,
    RecordListTooLargeError,
    RecordTooLargeError,
    TopicAlreadyExistsError,
    UnsupportedForMessageFormatError,
)
from aiokafka.helpers import create_ssl_context
from aiokafka.partitioner import DefaultPartitioner

from actors.domain.events import Topic
from adapters.config import KafkaPems, Misconfigured, Settings

_PARTITIONER = DefaultPartitioner()


def all_topics() -> list[str]:
    return [name for topic in Topic for name in (topic.value, topic.dead_letter)]


class NoSuchTopic(KafkaError):
    """A record for a topic that ledgerflow does not have."""


# What refuses one record whatever the broker's state: the same record would fail again. Any
# other error (the broker unreachable, a timeout) is worth trying again.
RECORD_REFUSED = (
    NoSuchTopic,
    MessageSizeTooLargeError,
    RecordTooLargeError,
    RecordListTooLargeError,
    CorruptRecordException,
    InvalidTopicError,
    InvalidTimestampError,
    UnsupportedForMessageFormatError,
)


def partition_of(user_id: UUID, partitions: int) -> int:
    """The partition the producer's own default partitioner (murmur2) picks for a user's key."""
    return partition_for(str(user_id).encode(), partitions)


def partition_for(key: bytes, partitions: int) -> int:
    """The partition the producer's own default partitioner (murmur2) picks for a key."""
    every = list(range(partitions))
    return int(_PARTITIONER(key, every, every))


def _tls_context(pems: KafkaPems) -> ssl.SSLContext:
    """Verifies the broker's certificate and host name (aiokafka's context always does) against
    the given CA or the system's, and shows the client certificate if there is one."""
    context = create_ssl_context(cadata=pems.ca)
    if pems.certificate is not None:
        # load_cert_chain reads files only: written for a moment to a folder of our own (0700).
        with tempfile.TemporaryDirectory(prefix="ledgerflow-kafka-") as folder:
            certificate = Path(folder) / "certificate.pem"
            certificate.write_text(pems.certificate)
            key = None
            if pems.key is not None:
                key = Path(folder) / "key.pem"
                key.write_text(pems.key)
            context.load_cert_chain(certificate, key)
    return context


def client_options(settings: Settings) -> dict[str, Any]:
    """Where the brokers are and how to reach them (TLS, SASL): the same for every client."""
    assert settings.kafka_bootstrap
    protocol = settings.kafka_security_protocol
    options: dict[str, Any] = {
        "bootstrap_servers": settings.kafka_bootstrap,
        "security_protocol": protocol,
    }
    if protocol in ("SSL", "SASL_SSL"):
        options["ssl_context"] = _tls_context(settings.kafka_ssl_pems)
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


IDLE_FETCHER_MS = 5_000


def consumer(settings: Settings) -> AIOKafkaConsumer:
    """A consumer outside any group: `resume` assigns its partitions and seeks its offsets."""
    return AIOKafkaConsumer(
        **client_options(settings),
        enable_auto_commit=False,
        auto_offset_reset="earliest",
        # Tansu answers a fetch only when its wait runs out, not when data arrives: the wait
        # is the floor of every event's latency there (aiokafka's default is 500 ms).
        fetch_max_wait_ms=settings.kafka_fetch_wait_ms,
        # How long aiokafka's fetch routine sleeps with nothing to do (default 200 ms): every
        # event that gives it something (a fetch answered, records taken, a seek, a resume)
        # wakes it at once, so this only costs its wake-ups while paused (one in IDLE_FETCHER_MS).
        consumer_timeout_ms=IDLE_FETCHER_MS,
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


class TopicsMissing(Exception):
    """Topics a consumer reads do not exist yet: worth waiting for (`ledgerflow up` makes them)."""


async def check_partitions(
    consumer: AIOKafkaConsumer, topics: Iterable[str], expected: int
) -> None:
    """Raise Misconfigured unless every topic has `expected` partitions, as the broker's metadata
    says: with any other count, users are routed to partitions that no one reads, or a consumer
    reads a part of a topic. TopicsMissing while some do not exist yet."""
    await consumer.topics()  # a fresh read of the broker's metadata
    found = {topic: consumer.partitions_for_topic(topic) for topic in topics}
    if wrong := {t: len(ps) for t, ps in found.items() if ps and len(ps) != expected}:
        counts = ", ".join(f"{topic} has {count}" for topic, count in sorted(wrong.items()))
        raise Misconfigured(
            f"the topics must have {expected} partitions each (LEDGERFLOW_KAFKA_PARTITIONS), but"
            f" {counts}: set LEDGERFLOW_KAFKA_PARTITIONS to the topics' count, which is fixed"
            " once a topic is created"
        )
    if missing := sorted(topic for topic, partitions in found.items() if not partitions):
        raise TopicsMissing(f"the topics {', '.join(missing)} do not exist yet")


async def lag(
    consumer: AIOKafkaConsumer, partitions: Iterable[TopicPartition]
) -> dict[tuple[str, int], int]:
    """Records still to read on each partition: the end offset of the last fetch against the
    consumer's position (a partition not fetched from yet is left out)."""
    behind = {}
    for tp in partitions:
        end = consumer.highwater(tp)
        if end is not None:
            behind[(tp.topic, tp.partition)] = max(0, end - await consumer.position(tp))
    return behind


async def next_window(
    consumer: AIOKafkaConsumer, max_records: int, seconds: float, *, wait_ms: int = 500
) -> list[ConsumerRecord[bytes, bytes]]:
    """The records to handle and commit together: what is at hand within `seconds` of the
    first (waiting `wait_ms` for it), up to `max_records`. Under load windows grow, and what is
    written once per window (a ledger's snapshot, the offsets) is written once for many."""
    window: list[ConsumerRecord[bytes, bytes]] = []
    batches = await consumer.getmany(timeout_ms=wait_ms, max_records=max_records)
    deadline = asyncio.get_running_loop().time() + seconds
    while batches:
        for records in batches.values():
            window += records
        left = max_records - len(window)
        if left <= 0 or asyncio.get_running_loop().time() >= deadline:
            break
        batches = await consumer.getmany(timeout_ms=0, max_records=left)
    return window

"""Reads a topic from the start with a real aiokafka consumer, as an outside observer would."""

import asyncio
import contextlib
import json
from collections.abc import Callable, Collection
from typing import Any

from aiokafka import AIOKafkaConsumer, ConsumerRecord, TopicPartition

from actors.domain.events import Event, MalformedEvent

Record = ConsumerRecord[bytes, bytes]


async def read_until(
    bootstrap: str, topic: str, done: Callable[[list[Event]], bool], *, within: float = 30.0
) -> list[Event]:
    """Every event on the topic, read until `done(events)` holds and the consumer has caught up
    with the end of every partition; fails when that does not happen `within` seconds. Records
    that are not events (another test's deliberately malformed ones) are passed over."""
    values = await read_records_until(bootstrap, topic, lambda vs: done(_events(vs)), within=within)
    return _events(values)


def _events(values: list[bytes]) -> list[Event]:
    events = []
    for value in values:
        with contextlib.suppress(MalformedEvent):
            events.append(Event.from_json(value))
    return events


async def read_records_until(
    bootstrap: str, topic: str, done: Callable[[list[bytes]], bool], *, within: float = 30.0
) -> list[bytes]:
    """The same for raw record values, for topics that do not hold events (dead letters)."""
    records = await read_whole_records_until(
        bootstrap, topic, lambda rs: done(_values(rs)), within=within
    )
    return _values(records)


async def dead_letters_naming(
    bootstrap: str, topic: str, needles: Collection[str], count: int, *, within: float = 30.0
) -> list[dict[str, Any]]:
    """The dead letters on `topic` (a dead-letter topic) whose JSON names any of `needles`, read
    until there are `count` of them; other tests' dead letters are passed over, whatever they
    hold (a value or none)."""

    def naming(values: list[bytes]) -> list[dict[str, Any]]:
        wanted = [needle.encode() for needle in needles]
        return [json.loads(v) for v in values if any(needle in v for needle in wanted)]

    values = await read_records_until(
        bootstrap, topic, lambda vs: len(naming(vs)) >= count, within=within
    )
    return naming(values)


def _values(records: list[Record]) -> list[bytes]:
    return [record.value or b"" for record in records]


async def read_whole_records_until(
    bootstrap: str, topic: str, done: Callable[[list[Record]], bool], *, within: float = 30.0
) -> list[Record]:
    """The same for whole records: key, value and headers."""
    consumer = AIOKafkaConsumer(bootstrap_servers=bootstrap, enable_auto_commit=False)
    await consumer.start()
    try:
        partitions = await topic_partitions(consumer, topic)
        consumer.assign(partitions)
        await consumer.seek_to_beginning(*partitions)
        found: list[Record] = []
        async with asyncio.timeout(within):
            while True:
                batches = await consumer.getmany(timeout_ms=100)
                found += [r for rs in batches.values() for r in rs]
                if done(found) and await caught_up(consumer, partitions):
                    return found
    finally:
        await consumer.stop()


async def topic_partitions(consumer: AIOKafkaConsumer, topic: str) -> list[TopicPartition]:
    """The topic's partitions, in order, once the consumer's metadata knows them."""
    while not (partitions := consumer.partitions_for_topic(topic)):
        await consumer._client.force_metadata_update()
    return [TopicPartition(topic, p) for p in sorted(partitions)]


async def caught_up(consumer: AIOKafkaConsumer, partitions: list[TopicPartition]) -> bool:
    """Whether the consumer has read up to the end of each of `partitions`."""
    # The high watermark from the fetches themselves: Tansu's answer to end_offsets() is wrong
    # for batches of more than one record.
    for tp in partitions:
        highwater = consumer.highwater(tp)
        if highwater is None or await consumer.position(tp) < highwater:
            return False
    return True

"""Actors that cannot start say so: a consumer whose topics have another partition count than
configured fails loudly (and `ledgerflow up` with it), and one whose database does not answer
keeps trying and says what it is waiting for. Each runs beside the system, under a name of its
own."""

from uuid import uuid4

import pytest
import ray
from aiokafka.admin import AIOKafkaAdminClient, NewTopic

from actors import naming
from actors.actor_loop import ActorFailed, LoopFailed, NotReady
from actors.ledger_shard import LedgerShard
from actors.messaging import Messaging
from actors.naming import ActorKind
from adapters import kafka
from adapters.config import Misconfigured, Settings
from serve.app import wait_until_ready
from serve.system import RunningSystem, check_cluster


def _beside(actor_class: type, settings: Settings, *args: object) -> ray.actor.ActorHandle:
    return actor_class.options(  # type: ignore[attr-defined]
        name=f"test-{uuid4().hex[:8]}", namespace=naming.NAMESPACE
    ).remote(settings, *args)


async def test_a_topic_with_another_partition_count_is_refused_by_name(db: Settings) -> None:
    topic = f"test-partitions-{uuid4().hex[:8]}"
    admin = AIOKafkaAdminClient(**kafka.client_options(db))
    await admin.start()
    try:
        await admin.create_topics([NewTopic(topic, num_partitions=2, replication_factor=1)])
    finally:
        await admin.close()
    consumer = kafka.consumer(db)
    await consumer.start()
    try:
        await kafka.check_partitions(consumer, [topic], 2)
        with pytest.raises(Misconfigured, match=f"must have 3 partitions each .* {topic} has 2"):
            await kafka.check_partitions(consumer, [topic], 3)
        with pytest.raises(kafka.TopicsMissing, match="no-such-topic"):
            await kafka.check_partitions(consumer, [topic, "no-such-topic"], 2)
    finally:
        await consumer.stop()


@pytest.mark.parametrize("actor_class", [LedgerShard, Messaging])
async def test_a_consumer_configured_for_other_partitions_fails_loudly(
    system: RunningSystem, actor_class: type
) -> None:
    settings = system.settings.model_copy(
        update={"kafka_partitions": system.settings.kafka_partitions + 1, "jwt_private_key": None}
    )
    args = (0,) if actor_class is LedgerShard else ()
    actor = _beside(actor_class, settings, *args)
    try:
        real = system.settings.kafka_partitions
        with pytest.raises(LoopFailed, match=rf"partitions each .*has {real}"):
            await actor.ready.remote()
        # What `ledgerflow up` does with it: stops, saying why, instead of waiting for ever.
        with pytest.raises(ActorFailed, match="LEDGERFLOW_KAFKA_PARTITIONS"):
            wait_until_ready([actor], say=print)
    finally:
        ray.kill(actor, no_restart=True)


async def test_a_consumer_whose_database_does_not_answer_says_what_it_waits_for(
    system: RunningSystem,
) -> None:
    nowhere = "postgres://ledgerflow@127.0.0.1:9/nowhere"
    settings = system.settings.model_copy(update={"database_url": nowhere, "jwt_private_key": None})
    actor = _beside(LedgerShard, settings, 0)
    try:
        with pytest.raises(
            NotReady, match=r"waiting for the database at 127.0.0.1:9/nowhere \(last try: .+\)"
        ):
            await actor.ready.remote()
    finally:
        ray.kill(actor, no_restart=True)


def test_a_placement_that_no_node_can_host_is_refused_before_anything_starts(
    system: RunningSystem,
) -> None:
    """Ray would keep the shards pending for a node that offers `ledger_node` for ever, and `up`
    wait for them without a word: it stops at once instead, saying what is missing."""
    settings = system.settings.model_copy(
        update={"actor_resources": {ActorKind.LEDGER_SHARD: {"ledger_node": 1}}}
    )
    with pytest.raises(
        Misconfigured, match="asks for 1 ledger_node for each ledger-shard, and no node of the Ray"
    ):
        check_cluster(settings, say=print)
    check_cluster(system.settings, say=print)  # placing nothing, every kind has a node

"""A ledger shard against the real broker and PostgreSQL: events produced straight to Kafka,
out of order and twice, and the shard's answers and stored snapshot."""

import asyncio
from datetime import date
from uuid import UUID, uuid4

import pytest
import ray

from actors import naming
from actors.domain import snapshots
from actors.domain.errors import LedgerBehind
from actors.domain.events import Event
from actors.ownership import Ownership
from adapters import kafka
from adapters.config import Settings
from adapters.models import LedgerSnapshot
from serve.system import RunningSystem
from tests.unit.ledger_events import Stream

DAY = date(2026, 11, 20)


def _shard(settings: Settings, user: UUID) -> ray.actor.ActorHandle:
    index = Ownership.of(settings).shard_of(user)
    return ray.get_actor(naming.ledger_shard(index), namespace=naming.NAMESPACE)


def _events(user: UUID) -> list[Event]:
    """A monthly food budget of 50.00, then two expenses of 30.00 in it: numbered 1, 2, 3."""
    stream = Stream(user)
    return [
        stream.budget(uuid4(), "50.00", today=DAY),
        stream.expense("30.00", day=DAY),
        stream.expense("30.00", day=DAY),
    ]


async def _produce(bootstrap: str, events: list[Event]) -> None:
    producer = kafka.producer(bootstrap)
    await producer.start()
    try:
        for event in events:
            await producer.send_and_wait(event.type, event.to_json(), key=event.key)
    finally:
        await producer.stop()


async def test_out_of_order_and_replayed_events_apply_once_in_sequence(
    system: RunningSystem, db: Settings
) -> None:
    assert db.kafka_bootstrap
    user = uuid4()
    first, second, third = _events(user)
    shard = _shard(db, user)
    # The third and second arrive before the first, the second twice: held until the gap fills.
    await _produce(db.kafka_bootstrap, [third, second, second])
    waiting = asyncio.ensure_future(shard.budgets.remote(user, 3, DAY))
    await _produce(db.kafka_bootstrap, [first, first])
    [position] = await waiting
    assert (position.spent, position.status) == (60, "exceeded")

    stored = await LedgerSnapshot.get(user_id=user)
    restored = snapshots.load(user, bytes(stored.state))
    assert restored.sequence == 3 and not restored.pending
    assert stored.partition == Ownership.of(db).partition_of(user)


async def test_a_read_for_a_change_never_applied_waits_then_says_so(
    system: RunningSystem, db: Settings
) -> None:
    user = uuid4()
    with pytest.raises(LedgerBehind):  # never stale data passed off as current
        await _shard(db, user).budgets.remote(user, 1, DAY)

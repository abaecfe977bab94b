"""A ledger shard against the real broker and PostgreSQL: events produced straight to Kafka
(signed as the relay signs them), out of order and twice, and the shard's answers and stored
snapshot."""

import asyncio
from datetime import date
from functools import partial
from uuid import UUID, uuid4

import pytest
import ray

from actors import naming
from actors.domain import snapshots
from actors.domain.errors import LedgerBehind
from actors.domain.events import Event
from actors.ownership import Ownership
from adapters.config import Settings
from adapters.models import LedgerSnapshot
from serve.system import RunningSystem
from tests.eventually import eventually
from tests.kafka_writer import send_signed
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


async def test_out_of_order_and_replayed_events_apply_once_in_sequence(
    system: RunningSystem, db: Settings
) -> None:
    assert db.kafka_bootstrap
    user = uuid4()
    first, second, third = _events(user)
    shard = _shard(db, user)
    # The third and second arrive before the first, the second twice: held until the gap fills.
    await send_signed(db, third, second, second)
    waiting = asyncio.ensure_future(shard.budgets.remote(user, 3, DAY))
    await send_signed(db, first, first)
    [position] = await waiting
    assert (position.spent, position.status) == (60, "exceeded")

    # The shard answers from memory, which may be a moment ahead of the snapshot it is saving.
    await eventually(partial(_stored_sequence_is, user, 3))
    stored = await LedgerSnapshot.get(user_id=user)
    restored = snapshots.load(user, bytes(stored.state))
    assert restored.sequence == 3 and not restored.pending
    assert stored.partition == Ownership.of(db).partition_of(user)


async def _stored_sequence_is(user: UUID, sequence: int) -> bool:
    stored = await LedgerSnapshot.get_or_none(user_id=user)
    return stored is not None and snapshots.load(user, bytes(stored.state)).sequence == sequence


async def test_a_read_for_a_change_never_applied_waits_then_says_so(
    system: RunningSystem, db: Settings
) -> None:
    user = uuid4()
    with pytest.raises(LedgerBehind):  # never stale data passed off as current
        await _shard(db, user).budgets.remote(user, 1, DAY)

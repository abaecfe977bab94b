"""A shard's checkpoint in PostgreSQL: snapshots, offsets and alerts saved together, and an
alert raised again by a replay staged once."""

from datetime import UTC, datetime
from uuid import uuid4

from actors.domain.events import Event, Topic
from adapters import ledger_store, offsets
from adapters.config import Settings
from adapters.ledger_store import Checkpoint
from adapters.models import LedgerSnapshot, OutboxEvent


async def test_a_checkpoint_saved_again_stages_its_alerts_once(db: Settings) -> None:
    user = uuid4()
    alert = Event(Topic.BUDGET_EXCEEDED, user, datetime.now(UTC), {"budget_id": str(uuid4())})
    consumer = f"test-{uuid4()}"
    checkpoint = Checkpoint(
        snapshots={user: (3, b"first")}, offsets={("transaction_created", 3): 7}, events=[alert]
    )
    await ledger_store.save(consumer, checkpoint)
    # A replay from an older state raises the same alert again, with the same id.
    checkpoint.snapshots = {user: (3, b"second")}
    checkpoint.offsets = {("transaction_created", 3): 8, ("budget_changed", 3): 2}
    await ledger_store.save(consumer, checkpoint)

    assert await OutboxEvent.filter(event_id=alert.id).count() == 1
    assert bytes((await LedgerSnapshot.get(user_id=user)).state) == b"second"
    assert await offsets.load(consumer) == {
        ("transaction_created", 3): 8,
        ("budget_changed", 3): 2,
    }


async def test_snapshots_load_for_the_users_that_have_one(db: Settings) -> None:
    saved = {uuid4(): f"state {i}".encode() for i in range(3)}
    checkpoint = Checkpoint(snapshots={user: (1, state) for user, state in saved.items()})
    await ledger_store.save(f"test-{uuid4()}", checkpoint)
    never_saved = uuid4()

    loaded = await ledger_store.load_snapshots([*saved, never_saved])

    assert dict(loaded) == saved
    assert await ledger_store.load_snapshots([]) == []

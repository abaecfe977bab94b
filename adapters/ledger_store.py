"""Where a ledger shard keeps its state: snapshots, offsets and raised events, saved atomically.
Next: the relay publishes the alerts (actors/outbox_relay.py) and actors/messaging.py reads them."""

from collections.abc import Iterable
from dataclasses import dataclass, field
from uuid import UUID

from tortoise.transactions import in_transaction

from actors.domain.dead_letter import DeadLetter
from actors.domain.events import Event
from adapters import offsets, outbox
from adapters.models import LedgerSnapshot
from adapters.offsets import Offsets


@dataclass
class Checkpoint:
    """Everything one applied window of records changed, committed in one database transaction:
    restarted, the shard resumes from the last checkpoint saved."""

    # user: (partition, state)
    snapshots: dict[UUID, tuple[int, bytes]] = field(default_factory=dict)
    offsets: Offsets = field(default_factory=dict)
    events: list[Event] = field(default_factory=list)
    dead_letters: list[DeadLetter] = field(default_factory=list)


async def load_snapshots(users: Iterable[UUID]) -> list[tuple[UUID, bytes]]:
    rows = await LedgerSnapshot.filter(user_id__in=list(users)).values_list("user_id", "state")
    return [(UUID(str(user_id)), bytes(state)) for user_id, state in rows]


async def save(consumer: str, checkpoint: Checkpoint) -> None:
    async with in_transaction() as connection:
        if checkpoint.snapshots:
            await connection.execute_many(
                "INSERT INTO ledger_snapshots (user_id, partition, state, updated_at)"
                " VALUES ($1, $2, $3, now()) ON CONFLICT (user_id) DO UPDATE"
                " SET partition = EXCLUDED.partition, state = EXCLUDED.state, updated_at = now()",
                [
                    [user, partition, state]
                    for user, (partition, state) in checkpoint.snapshots.items()
                ],
            )
        await offsets.save(connection, consumer, checkpoint.offsets)
        await outbox.stage(checkpoint.events, connection)
        for letter in checkpoint.dead_letters:
            await outbox.stage_dead_letter(connection, letter)

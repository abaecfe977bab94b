"""Where a ledger shard keeps its state: snapshots, offsets and raised events, saved atomically."""

from collections.abc import Iterable
from dataclasses import dataclass, field
from uuid import UUID

from tortoise.transactions import in_transaction

from actors.domain.dead_letter import DeadLetter
from actors.domain.events import Event
from adapters import outbox
from adapters.models import ConsumerOffset, LedgerSnapshot


@dataclass
class Checkpoint:
    """Everything one applied window of records changed, committed in one database transaction:
    restarted, the shard resumes from the last checkpoint saved."""

    snapshots: dict[UUID, tuple[int, bytes]] = field(
        default_factory=dict
    )  # user: (partition, state)
    offsets: dict[tuple[str, int], int] = field(default_factory=dict)  # (topic, partition): next
    events: list[Event] = field(default_factory=list)
    dead_letters: list[DeadLetter] = field(default_factory=list)


async def load_snapshots(users: Iterable[UUID]) -> list[tuple[UUID, bytes]]:
    rows = await LedgerSnapshot.filter(user_id__in=list(users)).values_list("user_id", "state")
    return [(UUID(str(user_id)), bytes(state)) for user_id, state in rows]


async def load_offsets(consumer: str) -> dict[tuple[str, int], int]:
    rows = await ConsumerOffset.filter(consumer=consumer).values_list(
        "topic", "partition", "offset"
    )
    return {(topic, partition): offset for topic, partition, offset in rows}


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
        if checkpoint.offsets:
            await connection.execute_many(
                'INSERT INTO consumer_offsets (consumer, topic, partition, "offset")'
                " VALUES ($1, $2, $3, $4) ON CONFLICT (consumer, topic, partition) DO UPDATE"
                ' SET "offset" = EXCLUDED."offset"',
                [[consumer, t, p, offset] for (t, p), offset in checkpoint.offsets.items()],
            )
        await outbox.stage(checkpoint.events, connection)
        for letter in checkpoint.dead_letters:
            await outbox.stage_dead_letter(connection, letter)


async def forget_offsets() -> None:
    """For a broker that lost its log: every consumer reads the new log from its start."""
    await ConsumerOffset.all().delete()

"""Where a ledger shard keeps its state: snapshots and offsets saved atomically, with the events
raised or the alerts staged ahead of them.
Next: the relay publishes the alerts (actors/outbox_relay.py) and actors/messaging.py reads them."""

from collections.abc import Iterable
from dataclasses import dataclass, field
from uuid import UUID

from tortoise import connections
from tortoise.transactions import in_transaction

from actors.domain.dead_letter import DeadLetter
from actors.domain.events import Event
from adapters import offsets, outbox
from adapters.offsets import Offsets


@dataclass
class Checkpoint:
    """Everything applied windows of records changed, committed in one database transaction:
    restarted, the shard resumes from the last checkpoint saved."""

    # user: (partition, state)
    snapshots: dict[UUID, tuple[int, bytes]] = field(default_factory=dict)
    offsets: Offsets = field(default_factory=dict)
    events: list[Event] = field(default_factory=list)
    dead_letters: list[DeadLetter] = field(default_factory=list)

    def add(self, later: "Checkpoint") -> None:
        """Take in what a later window changed: its snapshots and offsets replace these."""
        self.snapshots |= later.snapshots
        self.offsets |= later.offsets
        self.events += later.events
        self.dead_letters += later.dead_letters

    def __bool__(self) -> bool:
        return bool(self.snapshots or self.offsets or self.events or self.dead_letters)


async def load_snapshots(users: Iterable[UUID]) -> list[tuple[UUID, bytes]]:
    """The saved snapshots of those users that have one. One array parameter, not the ORM's
    `IN` of a parameter per user: a shard asks for thousands at a time, and building that query
    cost it about 10 us a user."""
    _, rows = await connections.get("default").execute_query(
        "SELECT user_id, state FROM ledger_snapshots WHERE user_id = ANY($1::uuid[])", [list(users)]
    )
    # asyncpg's own UUID type, made the standard one.
    return [(UUID(bytes=row[0].bytes), row[1]) for row in rows]


async def save(consumer: str, checkpoint: Checkpoint) -> None:
    """In one statement, which is its own transaction (one round trip): the snapshots, the
    offsets and the alerts. Dead letters, rare, take a transaction around it."""
    parts: list[tuple[str, list[object]]] = []
    if checkpoint.snapshots:
        users, first = list(checkpoint.snapshots), _next(parts)
        parts.append(
            (
                "INSERT INTO ledger_snapshots (user_id, partition, state, updated_at)"
                f" SELECT *, now() FROM unnest(${first}::uuid[], ${first + 1}::int[],"
                f" ${first + 2}::bytea[])"
                " ON CONFLICT (user_id) DO UPDATE SET partition = EXCLUDED.partition,"
                " state = EXCLUDED.state, updated_at = now()",
                [
                    users,
                    [checkpoint.snapshots[user][0] for user in users],
                    [checkpoint.snapshots[user][1] for user in users],
                ],
            )
        )
    if checkpoint.offsets:
        parts.append(offsets.upsert(_next(parts), consumer, checkpoint.offsets))
    if checkpoint.events:  # only then: the outbox's trigger runs even for no row
        parts.append(outbox.insert(_next(parts), outbox.rows_of(checkpoint.events)))
    statement = " ".join(
        ["WITH", ", ".join(f"part{i} AS ({sql})" for i, (sql, _) in enumerate(parts)), "SELECT 1"]
    )
    arguments = [argument for _, part in parts for argument in part]
    if not checkpoint.dead_letters:
        if parts:
            await connections.get("default").execute_query(statement, arguments)
        return
    async with in_transaction() as connection:
        if parts:
            await connection.execute_query(statement, arguments)
        for letter in checkpoint.dead_letters:
            await outbox.stage_dead_letter(connection, letter)


async def stage_alerts(events: list[Event]) -> None:
    """Alerts committed ahead of the checkpoint that holds the ledgers which raised them: their
    ids are made of the events that raised them (actors/domain/ledger.py `_numbered`), so the
    replay that follows a crash before that checkpoint raises them again with the same ids, and
    the outbox stages each id once."""
    await outbox.stage(events, connections.get("default"))


def _next(parts: list[tuple[str, list[object]]]) -> int:
    """The number of the next statement part's first parameter."""
    return 1 + sum(len(arguments) for _, arguments in parts)

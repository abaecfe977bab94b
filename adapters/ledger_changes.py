"""Recording a change to a user's ledger: numbered in the user's sequence, staged in the outbox.
Next: adapters/outbox.py adds the event as an outbox row."""

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, TypeVar
from uuid import UUID

from tortoise.backends.base.client import BaseDBAsyncClient
from tortoise.models import Model
from tortoise.transactions import in_transaction

from actors.domain.errors import NotFound
from actors.domain.events import Event, Topic
from actors.domain.periods import local_date
from adapters import outbox


@dataclass(frozen=True)
class LedgerChange:
    user_id: UUID
    sequence: int
    timezone: str

    async def emit(
        self, connection: BaseDBAsyncClient, topic: Topic, payload: dict[str, Any], now: datetime
    ) -> Event:
        # `today`, the user's date of the change: what the forecast of the current period needs.
        today = local_date(now, self.timezone).isoformat()
        event = Event(
            topic, self.user_id, now, payload | {"sequence": self.sequence, "today": today}
        )
        await outbox.stage([event], connection)
        return event


async def begin(connection: BaseDBAsyncClient, user_id: UUID) -> LedgerChange:
    """Take the user's next sequence number inside the caller's transaction.

    The row lock this takes also orders concurrent writes of one user: their sequence numbers
    follow their commit order, with no gaps, because a rolled-back change returns its number.
    """
    rows = await connection.execute_query_dict(
        "UPDATE users SET sequence = sequence + 1 WHERE id = $1 RETURNING sequence, timezone",
        [user_id],
    )
    if not rows:
        raise NotFound("user")
    return LedgerChange(user_id, int(rows[0]["sequence"]), rows[0]["timezone"])


Row = TypeVar("Row", bound=Model)


async def locked(
    connection: BaseDBAsyncClient, model: type[Row], user_id: UUID, row_id: UUID
) -> Row:
    """The user's own row, locked for the change; anyone else's is not found."""
    row = (
        await model.select_for_update().using_db(connection).get_or_none(id=row_id, user_id=user_id)
    )
    if row is None:
        raise NotFound(model.__name__.lower())
    return row


async def edit(
    model: type[Row],
    user_id: UUID,
    row_id: UUID,
    changes: dict[str, Any] | None,
    topic: Topic,
    describe: Callable[
        [BaseDBAsyncClient, Row | None, "LedgerChange", datetime], Awaitable[dict[str, Any]]
    ],
) -> None:
    """Change (or, with `changes` None, delete) a user's definition row, and emit the ledger
    event that `describe(connection, row or None, change, now)` gives, in one transaction."""
    now = datetime.now(UTC)
    async with in_transaction() as connection:
        change = await begin(connection, user_id)
        row = await locked(connection, model, user_id, row_id)
        if changes is None:
            await row.delete(using_db=connection)
        else:
            row.update_from_dict(changes)
            await row.save(using_db=connection)
        kept = row if changes is not None else None
        await change.emit(connection, topic, await describe(connection, kept, change, now), now)


async def last_sequence(connection: BaseDBAsyncClient, user_id: UUID) -> tuple[int, str]:
    """The user's last ledger sequence number and time zone: what a read must wait for."""
    rows = await connection.execute_query_dict(
        "SELECT sequence, timezone FROM users WHERE id = $1", [user_id]
    )
    if not rows:
        raise NotFound("user")
    return int(rows[0]["sequence"]), rows[0]["timezone"]

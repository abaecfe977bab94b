"""Recording a change to a user's ledger: numbered in the user's sequence, staged in the outbox."""

from dataclasses import dataclass
from datetime import datetime
from typing import Any
from uuid import UUID

from tortoise.backends.base.client import BaseDBAsyncClient

from actors.domain.errors import NotFound
from actors.domain.events import Event, Topic
from adapters import outbox


@dataclass(frozen=True)
class LedgerChange:
    user_id: UUID
    sequence: int
    timezone: str

    async def emit(
        self, connection: BaseDBAsyncClient, topic: Topic, payload: dict[str, Any], now: datetime
    ) -> Event:
        event = Event(topic, self.user_id, now, payload | {"sequence": self.sequence})
        await outbox.stage([event], connection)
        return event


async def begin(connection: BaseDBAsyncClient, user_id: UUID) -> LedgerChange:
    """Take the user's next sequence number inside the caller's transaction.

    The row lock this takes also orders concurrent writes of one user: their sequence numbers
    follow their commit order, with no gaps, because a rolled-back change returns its number.
    """
    rows = await connection.execute_query_dict(
        "UPDATE users SET ledger_version = ledger_version + 1 WHERE id = $1"
        " RETURNING ledger_version, timezone",
        [user_id],
    )
    if not rows:
        raise NotFound("user")
    return LedgerChange(user_id, int(rows[0]["ledger_version"]), rows[0]["timezone"])


async def position(connection: BaseDBAsyncClient, user_id: UUID) -> tuple[int, str]:
    """The user's last ledger sequence number and time zone: what a read must wait for."""
    rows = await connection.execute_query_dict(
        "SELECT ledger_version, timezone FROM users WHERE id = $1", [user_id]
    )
    if not rows:
        raise NotFound("user")
    return int(rows[0]["ledger_version"]), rows[0]["timezone"]

"""Recording a change to a user's ledger: numbered in the user's sequence, staged in the outbox.
Next: adapters/outbox.py adds the event as an outbox row."""

from collections.abc import Awaitable, Callable, Collection
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Generic, TypeVar
from uuid import UUID

import asyncpg
import msgspec
from tortoise import connections
from tortoise.backends.base.client import BaseDBAsyncClient
from tortoise.models import Model
from tortoise.transactions import in_transaction

from actors.domain.errors import NotFound
from actors.domain.events import Event
from actors.domain.payloads import TOPICS, LedgerPayload
from actors.domain.periods import local_date
from adapters import outbox


@dataclass(frozen=True)
class LedgerChange:
    user_id: UUID
    sequence: int
    timezone: str

    async def emit(
        self, connection: BaseDBAsyncClient, payload: LedgerPayload, now: datetime
    ) -> Event[LedgerPayload]:
        """Stage the change's event; `payload` already holds this change's `sequence`."""
        event = ledger_event(self.user_id, self.timezone, payload, now)
        await outbox.stage([event], connection)
        return event


# The number a payload holds until a numbered statement puts the user's in (see _NUMBERED).
UNNUMBERED = 0


def ledger_event(
    user_id: UUID, timezone: str, payload: LedgerPayload, now: datetime
) -> Event[LedgerPayload]:
    """The event of a change: its topic is its payload's, and `today`, the user's date of the
    change, is what the forecast of the current period needs."""
    dated = msgspec.structs.replace(payload, today=local_date(now, timezone))
    return Event(TOPICS[type(payload)], user_id, now, dated)


Result = TypeVar("Result")


@dataclass(frozen=True)
class Staged(Generic[Result]):
    """A change as one numbered statement writes it, for a guess at the user's time zone: its
    event's payload (numbered UNNUMBERED), the statement's own arguments ($6 on) and what the
    caller makes of it."""

    payload: LedgerPayload
    arguments: list[Any]
    result: Result


# The head of a numbered statement: the user's next sequence number, taken only if the user's
# time zone is the one the change was made for (and the caller's condition holds), and the
# change's event staged in the outbox with that number in it. $1 user, $2 time zone, $3 event
# id, $4 topic, $5 the event's JSON with a placeholder number.
_NUMBERED = (
    "WITH numbered AS (UPDATE users SET sequence = sequence + 1"
    " WHERE id = $1 AND timezone = $2 AND ({condition}) RETURNING id, sequence),"
    " staged AS (INSERT INTO outbox (event_id, topic, key, value, created_at)"
    " SELECT $3, $4, numbered.id::text, convert_to(jsonb_set($5::jsonb, '{{payload,sequence}}',"
    " to_jsonb(numbered.sequence))::text, 'UTF8'), now() FROM numbered),"
    " changed AS ({change}) SELECT {returning} FROM numbered, changed"
)

#: The last time zone this process read for each user it wrote for: a guess that the numbered
#: statement checks, so a zone changed since costs a second try and never a wrong date.
_zones: dict[UUID, str] = {}
_ZONES_KEPT = 100_000


def numbered_statement(condition: str, change: str, returning: str) -> str:
    """One statement that numbers a change, stages its event and makes it: `change` is a
    data-modifying query that selects FROM numbered (which has the user's id and sequence)."""
    return _NUMBERED.format(condition=condition, change=change, returning=returning)


async def write_numbered(
    connection: BaseDBAsyncClient,
    user_id: UUID,
    statement: str,
    now: datetime,
    stage: Callable[[str], Staged[Result]],
) -> tuple[Result, asyncpg.Record] | None:
    """Run `statement` (from numbered_statement) with what `stage(time zone)` gives, inside the
    caller's transaction or as one of its own: one round trip once this process knows the
    user's time zone. None if the statement's condition does not hold; NotFound for no user."""
    timezone = _zones.get(user_id)
    while True:
        if timezone is None:
            timezone = await _timezone(connection, user_id)
        staged = stage(timezone)
        event = ledger_event(user_id, timezone, staged.payload, now)
        async with connection.acquire_connection() as raw:
            row = await raw.fetchrow(
                statement,
                user_id,
                timezone,
                event.id,
                event.type.value,
                event.to_json().decode(),
                *staged.arguments,
            )
        if row is not None:
            return staged.result, row
        found = await _timezone(connection, user_id)
        if found == timezone:
            return None
        timezone = found


async def _timezone(connection: BaseDBAsyncClient, user_id: UUID) -> str:
    _sequence, timezone = await last_sequence(connection, user_id)
    if len(_zones) >= _ZONES_KEPT:
        _zones.clear()
    _zones[user_id] = timezone
    return timezone


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
    describe: Callable[
        [BaseDBAsyncClient, Row | None, "LedgerChange", datetime], Awaitable[LedgerPayload]
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
        await change.emit(connection, await describe(connection, kept, change, now), now)


async def last_sequence(connection: BaseDBAsyncClient, user_id: UUID) -> tuple[int, str]:
    """The user's last ledger sequence number and time zone: what a read must wait for."""
    rows = await connection.execute_query_dict(
        "SELECT sequence, timezone FROM users WHERE id = $1", [user_id]
    )
    if not rows:
        raise NotFound("user")
    return int(rows[0]["sequence"]), rows[0]["timezone"]


async def last_sequences(user_ids: Collection[UUID]) -> dict[UUID, tuple[int, str]]:
    """As `last_sequence`, of many users at once (those that exist), outside any transaction.
    asyncpg's own connection from tortoise's pool: its statement cache keeps
    the statement prepared, and a read looks this up every time."""
    async with connections.get("default").acquire_connection() as connection:
        rows = await connection.fetch(
            "SELECT id, sequence, timezone FROM users WHERE id = ANY($1::uuid[])", list(user_ids)
        )
    return {row[0]: (row[1], row[2]) for row in rows}

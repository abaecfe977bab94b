"""Transactions in PostgreSQL, each write staged with its ledger event in one transaction.
Next: adapters/ledger_changes.py numbers the change and stages its event."""

from dataclasses import dataclass, replace
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any
from uuid import UUID, uuid4

from tortoise import connections
from tortoise.backends.base.client import BaseDBAsyncClient
from tortoise.transactions import in_transaction

from actors.domain import payloads
from actors.domain.errors import NotFound
from actors.domain.ledger import EntryType
from actors.domain.periods import local_date
from actors.domain.schedule import day_start
from adapters import ledger_changes, pages
from adapters.models import Goal, Transaction


@dataclass(frozen=True)
class NewTransaction:
    amount: Decimal
    type: EntryType
    category: str
    description: str | None
    occurred_at: datetime | None
    goal_id: UUID | None
    # An occurrence of a recurring series: it occurs at the start of its due date, in the
    # user's time zone as the write reads it.
    recurring_id: UUID | None = None
    due_date: date | None = None


@dataclass(frozen=True)
class Filters:
    since: date | None = None
    until: date | None = None
    category: str | None = None
    type: EntryType | None = None


@dataclass(frozen=True)
class Written:
    """A transaction as the write made it: what its route answers, without an ORM object."""

    id: UUID
    amount: Decimal
    type: str
    category: str
    description: str | None
    occurred_at: datetime
    local_date: date
    goal_id: UUID | None
    recurring_id: UUID | None
    due_date: date | None
    created_at: datetime
    updated_at: datetime


# The write, numbered and staged with its event in the same statement (see ledger_changes);
# $6 the goal, which must be the user's own.
_WRITE = ledger_changes.numbered_statement(
    condition="$6::uuid IS NULL OR EXISTS (SELECT 1 FROM goals WHERE id = $6 AND user_id = $1)",
    change="INSERT INTO transactions (id, user_id, amount, type, category, description,"
    " occurred_at, local_date, goal_id, recurring_id, due_date, created_at, updated_at)"
    " SELECT $7, numbered.id, $8, $9, $10, $11, $12, $13, $6, $14, $15, now(), now()"
    " FROM numbered RETURNING created_at",
    returning="changed.created_at",
)


def _transaction(row: Transaction | Written) -> payloads.Transaction:
    """The row as its events carry it."""
    return payloads.Transaction(**_transaction_fields(row))


def _transaction_fields(row: Transaction | Written) -> dict[str, Any]:
    return {
        "amount": payloads.DecimalText(row.amount),
        "type": EntryType(row.type),
        "category": row.category,
        "local_date": row.local_date,
        "goal_id": row.goal_id,  # type: ignore[union-attr]
        "recurring_id": row.recurring_id,
        "transaction_id": row.id,
        "description": row.description,
        "occurred_at": row.occurred_at,
    }


async def check_goal(connection: BaseDBAsyncClient, user_id: UUID, goal_id: UUID | None) -> None:
    if (
        goal_id is not None
        and not await Goal.filter(id=goal_id, user_id=user_id).using_db(connection).exists()
    ):
        raise NotFound("goal")


async def create(user_id: UUID, new: NewTransaction) -> Written:
    # One statement is a transaction of its own: no BEGIN and COMMIT round trips.
    return await write(connections.get("default"), user_id, new, datetime.now(UTC))


async def write(
    connection: BaseDBAsyncClient, user_id: UUID, new: NewTransaction, now: datetime
) -> Written:
    """The transaction and its `transaction_created` event, in one statement (inside the
    caller's transaction, if any)."""

    def stage(timezone: str) -> ledger_changes.Staged[Written]:
        occurred_at = new.occurred_at or now
        if new.due_date is not None:
            occurred_at = day_start(new.due_date, timezone)
        row = Written(
            id=uuid4(),
            amount=new.amount,
            type=new.type.value,
            category=new.category,
            description=new.description,
            occurred_at=occurred_at,
            local_date=local_date(occurred_at, timezone),
            goal_id=new.goal_id,
            recurring_id=new.recurring_id,
            due_date=new.due_date,
            created_at=now,
            updated_at=now,
        )
        arguments = [
            row.goal_id,
            row.id,
            row.amount,
            row.type,
            row.category,
            row.description,
            row.occurred_at,
            row.local_date,
            row.recurring_id,
            row.due_date,
        ]
        created = payloads.TransactionCreated(
            **_transaction_fields(row), sequence=ledger_changes.UNNUMBERED
        )
        return ledger_changes.Staged(created, arguments, row)

    done = await ledger_changes.write_numbered(connection, user_id, _WRITE, now, stage)
    if done is None:
        raise NotFound("goal")
    row, written = done
    created_at = written["created_at"]
    return replace(row, created_at=created_at, updated_at=created_at)


async def get(user_id: UUID, transaction_id: UUID) -> Transaction:
    row = await Transaction.get_or_none(id=transaction_id, user_id=user_id)
    if row is None:
        raise NotFound("transaction")
    return row


async def update(user_id: UUID, transaction_id: UUID, changes: dict[str, Any]) -> Transaction:
    now = datetime.now(UTC)
    async with in_transaction() as connection:
        change = await ledger_changes.begin(connection, user_id)
        row = await ledger_changes.locked(connection, Transaction, user_id, transaction_id)
        if "goal_id" in changes:
            await check_goal(connection, user_id, changes["goal_id"])
        old = _transaction(row)
        row.update_from_dict(changes)
        if "occurred_at" in changes:
            row.local_date = local_date(row.occurred_at, change.timezone)
        await row.save(using_db=connection)
        updated = payloads.TransactionUpdated(
            sequence=change.sequence, transaction_id=row.id, old=old, new=_transaction(row)
        )
        await change.emit(connection, updated, now)
    return row


async def delete(user_id: UUID, transaction_id: UUID) -> None:
    now = datetime.now(UTC)
    async with in_transaction() as connection:
        change = await ledger_changes.begin(connection, user_id)
        row = await ledger_changes.locked(connection, Transaction, user_id, transaction_id)
        deleted = payloads.TransactionDeleted(
            sequence=change.sequence, transaction_id=row.id, old=_transaction(row)
        )
        await row.delete(using_db=connection)
        await change.emit(connection, deleted, now)


async def page(
    user_id: UUID, filters: Filters, limit: int, cursor: str | None
) -> tuple[list[Transaction], str | None]:
    """Newest first; the cursor is the position after the last row of the previous page."""
    query = Transaction.filter(user_id=user_id)
    if filters.since:
        query = query.filter(local_date__gte=filters.since)
    if filters.until:
        query = query.filter(local_date__lte=filters.until)
    if filters.category:
        query = query.filter(category=filters.category)
    if filters.type:
        query = query.filter(type=filters.type.value)
    return await pages.newest_first(query, "occurred_at", limit, cursor)

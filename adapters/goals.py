"""Savings goals in PostgreSQL; every change goes to the ledger as `goal_changed`."""

from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any
from uuid import UUID

from tortoise.backends.base.client import BaseDBAsyncClient
from tortoise.transactions import in_transaction

from actors.domain.payloads import DecimalText, GoalChanged, GoalDefinition
from adapters import ledger_changes
from adapters.ledger_changes import LedgerChange
from adapters.models import Goal


def _changed(goal_id: UUID, row: Goal | None, change: LedgerChange) -> GoalChanged:
    """The `goal_changed` payload (`row` None: deleted)."""
    definition = (
        GoalDefinition(
            name=row.name, target_amount=DecimalText(row.target_amount), deadline=row.deadline
        )
        if row is not None
        else None
    )
    return GoalChanged(sequence=change.sequence, goal_id=goal_id, goal=definition)


async def create(user_id: UUID, name: str, target: Decimal, deadline: date | None) -> Goal:
    now = datetime.now(UTC)
    async with in_transaction() as connection:
        change = await ledger_changes.begin(connection, user_id)
        row = await Goal.create(
            user_id=user_id,
            name=name,
            target_amount=target,
            deadline=deadline,
            using_db=connection,
        )
        await change.emit(connection, _changed(row.id, row, change), now)
    return row


async def change(user_id: UUID, goal_id: UUID, changes: dict[str, Any] | None) -> None:
    """Apply `changes` to the goal, or delete it when `changes` is None."""

    async def describe(
        _connection: BaseDBAsyncClient, row: Goal | None, change: LedgerChange, _now: datetime
    ) -> GoalChanged:
        return _changed(goal_id, row, change)

    await ledger_changes.edit(Goal, user_id, goal_id, changes, describe)

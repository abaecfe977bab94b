"""Savings goals in PostgreSQL; every change goes to the ledger as `goal_changed`."""

from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any
from uuid import UUID

from tortoise.backends.base.client import BaseDBAsyncClient
from tortoise.transactions import in_transaction

from actors.domain.events import Topic
from adapters import ledger_changes
from adapters.ledger_changes import LedgerChange
from adapters.models import Goal


def _definition(row: Goal) -> dict[str, Any]:
    return {
        "name": row.name,
        "target_amount": str(row.target_amount),
        "deadline": row.deadline.isoformat() if row.deadline else None,
    }


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
        payload = {"goal_id": str(row.id), "goal": _definition(row)}
        await change.emit(connection, Topic.GOAL_CHANGED, payload, now)
    return row


async def change(user_id: UUID, goal_id: UUID, changes: dict[str, Any] | None) -> None:
    """Apply `changes` to the goal, or delete it when `changes` is None."""

    async def describe(
        _connection: BaseDBAsyncClient, row: Goal | None, _change: LedgerChange, _now: datetime
    ) -> dict[str, Any]:
        return {"goal_id": str(goal_id), "goal": _definition(row) if row else None}

    await ledger_changes.edit(Goal, user_id, goal_id, changes, Topic.GOAL_CHANGED, describe)

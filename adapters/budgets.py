"""Budget definitions in PostgreSQL; every change goes to the ledger as `budget_changed`."""

from datetime import UTC, datetime
from decimal import Decimal
from typing import Any
from uuid import UUID

from tortoise.exceptions import IntegrityError
from tortoise.transactions import in_transaction

from actors.domain.errors import Conflict
from actors.domain.events import Topic
from actors.domain.periods import Period, local_date
from adapters import ledger_changes
from adapters.ledger_changes import LedgerChange
from adapters.models import Budget


def _definition(row: Budget) -> dict[str, Any]:
    return {
        "category": row.category,
        "period": row.period,
        "limit": str(row.limit),
        "alert_thresholds": list(row.alert_thresholds),
    }


async def create(
    user_id: UUID, category: str, limit: Decimal, period: Period, thresholds: list[int]
) -> Budget:
    now = datetime.now(UTC)
    try:
        async with in_transaction() as connection:
            change = await ledger_changes.begin(connection, user_id)
            row = await Budget.create(
                user_id=user_id,
                category=category,
                limit=limit,
                period=period.value,
                alert_thresholds=thresholds,
                using_db=connection,
            )
            payload = {
                "budget_id": str(row.id),
                "local_date": local_date(now, change.timezone).isoformat(),
                "budget": _definition(row),
            }
            await change.emit(connection, Topic.BUDGET_CHANGED, payload, now)
    except IntegrityError as error:
        raise Conflict("a budget for this category and period already exists") from error
    return row


async def change(user_id: UUID, budget_id: UUID, changes: dict[str, Any] | None) -> None:
    """Apply `changes` to the budget, or delete it when `changes` is None."""

    def describe(row: Budget | None, change: LedgerChange, now: datetime) -> dict[str, Any]:
        return {
            "budget_id": str(budget_id),
            "local_date": local_date(now, change.timezone).isoformat(),
            "budget": _definition(row) if row else None,
        }

    try:
        await ledger_changes.edit(
            Budget, user_id, budget_id, changes, Topic.BUDGET_CHANGED, describe
        )
    except IntegrityError as error:
        raise Conflict("a budget for this category and period already exists") from error

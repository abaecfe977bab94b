"""Budget definitions in PostgreSQL; every change goes to the ledger as `budget_changed`."""

from datetime import UTC, datetime
from decimal import Decimal
from typing import Any
from uuid import UUID

from tortoise.exceptions import IntegrityError
from tortoise.transactions import in_transaction

from actors.domain.errors import Conflict, NotFound
from actors.domain.events import Topic
from actors.domain.periods import Period, local_date
from adapters import ledger_changes
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
    now = datetime.now(UTC)
    try:
        async with in_transaction() as connection:
            change = await ledger_changes.begin(connection, user_id)
            row = (
                await Budget.select_for_update()
                .using_db(connection)
                .get_or_none(id=budget_id, user_id=user_id)
            )
            if row is None:
                raise NotFound("budget")
            definition = None
            if changes is None:
                await row.delete(using_db=connection)
            else:
                row.update_from_dict(changes)
                await row.save(using_db=connection)
                definition = _definition(row)
            payload = {
                "budget_id": str(budget_id),
                "local_date": local_date(now, change.timezone).isoformat(),
                "budget": definition,
            }
            await change.emit(connection, Topic.BUDGET_CHANGED, payload, now)
    except IntegrityError as error:
        raise Conflict("a budget for this category and period already exists") from error

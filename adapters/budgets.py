"""Budget definitions in PostgreSQL; every change goes to the ledger as `budget_changed`."""

from datetime import UTC, datetime
from decimal import Decimal
from typing import Any
from uuid import UUID

from tortoise.backends.base.client import BaseDBAsyncClient
from tortoise.exceptions import IntegrityError
from tortoise.transactions import in_transaction

from actors.domain.errors import Conflict
from actors.domain.events import Topic
from actors.domain.ledger import spent_per_period
from actors.domain.periods import Period, local_date
from adapters import ledger_changes
from adapters.ledger_changes import LedgerChange
from adapters.models import Budget


async def _event(
    connection: BaseDBAsyncClient, row: Budget | None, change: LedgerChange, now: datetime
) -> dict[str, Any]:
    """The `budget_changed` payload. A defined budget carries the spending of its category per
    period so far, summed under the same lock that numbered the change: exactly the spending of
    the events before it in the user's sequence."""
    definition = None
    if row is not None:
        definition = {
            "category": row.category,
            "period": row.period,
            "limit": str(row.limit),
            "alert_thresholds": list(row.alert_thresholds),
            "spent": await _spent_so_far(
                connection, change.user_id, row.category, Period(row.period)
            ),
        }
    return {
        "budget_id": str(row.id if row else ""),
        "local_date": local_date(now, change.timezone).isoformat(),
        "budget": definition,
    }


async def _spent_so_far(
    connection: BaseDBAsyncClient, user_id: UUID, category: str, period: Period
) -> dict[str, str]:
    # Summed per day here and per period by the domain, so that a period has one definition.
    rows = await connection.execute_query_dict(
        "SELECT local_date, sum(amount) AS total"
        " FROM transactions WHERE user_id = $1 AND type = 'expense' AND category = $2"
        " GROUP BY local_date",
        [user_id, category],
    )
    return spent_per_period(period, ((row["local_date"], row["total"]) for row in rows))


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
            payload = await _event(connection, row, change, now)
            await change.emit(connection, Topic.BUDGET_CHANGED, payload, now)
    except IntegrityError as error:
        raise await _taken(user_id, category, period) from error
    return row


async def _taken(user_id: UUID, category: str, period: Period) -> Conflict:
    """The one budget a user may have per category and period, named so a retried create
    finds the budget its first attempt made."""
    existing = await Budget.get_or_none(user_id=user_id, category=category, period=period.value)
    where = f"/api/budget/{existing.id}" if existing else None
    return Conflict("a budget for this category and period already exists", location=where)


async def change(user_id: UUID, budget_id: UUID, changes: dict[str, Any] | None) -> None:
    """Apply `changes` to the budget, or delete it when `changes` is None."""

    async def describe(
        connection: BaseDBAsyncClient, row: Budget | None, change: LedgerChange, now: datetime
    ) -> dict[str, Any]:
        return await _event(connection, row, change, now) | {"budget_id": str(budget_id)}

    try:
        await ledger_changes.edit(
            Budget, user_id, budget_id, changes, Topic.BUDGET_CHANGED, describe
        )
    except IntegrityError as error:
        raise Conflict("a budget for this category and period already exists") from error

"""Budget definitions in PostgreSQL; every change goes to the ledger as `budget_changed`."""

from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any
from uuid import UUID

from tortoise.backends.base.client import BaseDBAsyncClient
from tortoise.exceptions import IntegrityError
from tortoise.transactions import in_transaction

from actors.domain.errors import Conflict
from actors.domain.ledger import spent_per_period
from actors.domain.payloads import BudgetChanged, BudgetDefinition, DecimalText
from actors.domain.periods import Period, local_date, period_start
from actors.domain.rollover import Rollover
from adapters import ledger_changes
from adapters.ledger_changes import LedgerChange
from adapters.models import Budget


async def _event(
    connection: BaseDBAsyncClient,
    budget_id: UUID,
    row: Budget | None,
    change: LedgerChange,
    now: datetime,
) -> BudgetChanged:
    """The `budget_changed` payload (`row` None: deleted). A defined budget carries the spending
    of its category per period so far, summed under the same lock that numbered the change:
    exactly the spending of the events before it in the user's sequence."""
    definition = None
    today = local_date(now, change.timezone)
    if row is not None:
        period = Period(row.period)
        if row.starts_on is None:  # a row from before rollover: it starts now
            row.starts_on = period_start(period, today)
            await row.save(using_db=connection, update_fields=["starts_on"])
        spent, recurring = await _spent_so_far(connection, change.user_id, row.category, period)
        definition = BudgetDefinition(
            category=row.category,
            period=period,
            limit=DecimalText(row.limit),
            alert_thresholds=list(row.alert_thresholds),
            spent=spent,
            recurring=recurring,
            rollover=Rollover(row.rollover),
            starts_on=row.starts_on,
        )
    return BudgetChanged(
        sequence=change.sequence, budget_id=budget_id, local_date=today, budget=definition
    )


async def _spent_so_far(
    connection: BaseDBAsyncClient, user_id: UUID, category: str, period: Period
) -> tuple[dict[date, DecimalText], dict[date, DecimalText]]:
    """The category's spending per period, and the part of it that recurring series wrote."""
    # Summed per day here and per period by the domain, so that a period has one definition.
    rows = await connection.execute_query_dict(
        "SELECT local_date, sum(amount) AS total,"
        " sum(amount) FILTER (WHERE recurring_id IS NOT NULL) AS recurring"
        " FROM transactions WHERE user_id = $1 AND type = 'expense' AND category = $2"
        " GROUP BY local_date",
        [user_id, category],
    )
    recurring = [(row["local_date"], row["recurring"]) for row in rows if row["recurring"]]
    spent = spent_per_period(period, ((row["local_date"], row["total"]) for row in rows))
    return _as_text(spent), _as_text(spent_per_period(period, recurring))


def _as_text(totals: dict[date, Decimal]) -> dict[date, DecimalText]:
    return {start: DecimalText(total) for start, total in totals.items()}


async def create(
    user_id: UUID,
    category: str,
    limit: Decimal,
    period: Period,
    thresholds: list[int],
    rollover: Rollover = Rollover.NONE,
    starts_on: date | None = None,
) -> Budget:
    """`starts_on` None: the budget starts with the current period of the user's time zone."""
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
                rollover=rollover.value,
                starts_on=starts_on,
                using_db=connection,
            )
            await change.emit(connection, await _event(connection, row.id, row, change, now), now)
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
    ) -> BudgetChanged:
        return await _event(connection, budget_id, row, change, now)

    try:
        await ledger_changes.edit(Budget, user_id, budget_id, changes, describe)
    except IntegrityError as error:
        raise Conflict("a budget for this category and period already exists") from error

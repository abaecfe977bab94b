"""Budget routes: definitions written to PostgreSQL, live positions read from the ledger shard."""

from datetime import date
from decimal import Decimal
from typing import Annotated, Literal
from uuid import UUID

from fastapi import APIRouter, Query, Response
from pydantic import AfterValidator, BaseModel, ConfigDict, Field

from actors.domain.ledger import DEFAULT_THRESHOLDS, BudgetPosition
from actors.domain.periods import Period
from adapters import budgets
from serve.auth import CurrentUser
from serve.decimal_json import DecimalJSONRoute
from serve.ledger_reader import LedgerReads
from serve.transactions import Amount, Category, Money


def _thresholds(values: list[int]) -> list[int]:
    if len(set(values)) != len(values):
        raise ValueError("thresholds must be distinct")
    return sorted(values)


Thresholds = Annotated[
    list[Annotated[int, Field(ge=1, le=1000)]],
    Field(min_length=1, max_length=10),
    AfterValidator(_thresholds),
]

router = APIRouter(prefix="/api/budget", tags=["budget"], route_class=DecimalJSONRoute)


class BudgetIn(BaseModel):
    category: Category
    limit: Amount
    period: Literal["weekly", "monthly", "yearly"]
    alert_thresholds: Thresholds = Field(default_factory=lambda: list(DEFAULT_THRESHOLDS))


class BudgetChanges(BaseModel):
    model_config = ConfigDict(extra="forbid")

    category: Category | None = None
    limit: Amount | None = None
    period: Literal["weekly", "monthly", "yearly"] | None = None
    alert_thresholds: Thresholds | None = None


class BudgetOut(BaseModel):
    id: UUID
    category: str
    period: str
    limit: Money
    alert_thresholds: list[int]
    period_start: date
    period_end: date
    spent: Money
    remaining: Money
    percent: Decimal = Field(description="of the limit spent, two places")
    status: Literal["ok", "warning", "exceeded"]


def out(position: BudgetPosition) -> BudgetOut:
    return BudgetOut.model_validate(position, from_attributes=True)


@router.post("", status_code=201)
async def create(user: CurrentUser, body: BudgetIn, ledger: LedgerReads) -> BudgetOut:
    row = await budgets.create(
        user.user_id, body.category, body.limit, Period(body.period), body.alert_thresholds
    )
    return await read(user, row.id, ledger)


@router.get("")
async def listing(user: CurrentUser, ledger: LedgerReads) -> list[BudgetOut]:
    """Every budget with its position in the current period of your time zone."""
    version, today = await ledger.position(user.user_id)
    positions = await ledger.budgets(user.user_id, version, today)
    return sorted((out(p) for p in positions), key=lambda b: (b.category, b.period))


@router.get("/{budget_id}")
async def read(
    user: CurrentUser,
    budget_id: UUID,
    ledger: LedgerReads,
    period: Annotated[date | None, Query(description="a day of the period to show")] = None,
) -> BudgetOut:
    version, today = await ledger.position(user.user_id)
    return out(await ledger.budget(user.user_id, version, budget_id, period or today))


@router.patch("/{budget_id}")
async def update(
    user: CurrentUser, budget_id: UUID, changes: BudgetChanges, ledger: LedgerReads
) -> BudgetOut:
    given = {k: v for k, v in changes.model_dump(exclude_unset=True).items() if v is not None}
    await budgets.change(user.user_id, budget_id, given)
    return await read(user, budget_id, ledger)


@router.delete("/{budget_id}", status_code=204)
async def delete(user: CurrentUser, budget_id: UUID) -> Response:
    await budgets.change(user.user_id, budget_id, None)
    return Response(status_code=204)

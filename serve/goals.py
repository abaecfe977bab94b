"""Savings goal routes: definitions in PostgreSQL, progress read from the ledger shard."""

from datetime import date, datetime
from decimal import Decimal
from typing import Annotated
from uuid import UUID

from fastapi import APIRouter, Response
from pydantic import BaseModel, ConfigDict, Field, StringConstraints

from actors.domain.ledger import EntryType, GoalPosition
from adapters import goals, transactions
from serve.auth import CurrentUser
from serve.decimal_json import DecimalJSONRoute
from serve.ledger_reader import LedgerReads
from serve.transactions import Amount, Money, TransactionOut
from serve.transactions import out as transaction_out

Name = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=100)]
SAVINGS_CATEGORY = "savings"

router = APIRouter(prefix="/api/goal", tags=["goal"], route_class=DecimalJSONRoute)


class GoalIn(BaseModel):
    name: Name
    target_amount: Amount
    deadline: date | None = None


class GoalChanges(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: Name | None = None
    target_amount: Amount | None = None
    deadline: date | None = None


class Contribution(BaseModel):
    amount: Amount


class GoalOut(BaseModel):
    id: UUID
    name: str
    target_amount: Money
    deadline: date | None
    saved: Money
    remaining: Money
    percent: Decimal = Field(description="of the target saved, two places")
    achieved_at: datetime | None
    monthly_needed: Money | None = Field(description="to save each month to meet the deadline")


def out(position: GoalPosition) -> GoalOut:
    return GoalOut.model_validate(position, from_attributes=True)


@router.post("", status_code=201)
async def create(user: CurrentUser, body: GoalIn, ledger: LedgerReads) -> GoalOut:
    row = await goals.create(user.user_id, body.name, body.target_amount, body.deadline)
    return await read(user, row.id, ledger)


@router.get("")
async def listing(user: CurrentUser, ledger: LedgerReads) -> list[GoalOut]:
    version, today = await ledger.position(user.user_id)
    positions = await ledger.goals(user.user_id, version, today)
    return sorted((out(p) for p in positions), key=lambda g: g.name)


@router.get("/{goal_id}")
async def read(user: CurrentUser, goal_id: UUID, ledger: LedgerReads) -> GoalOut:
    version, today = await ledger.position(user.user_id)
    return out(await ledger.goal(user.user_id, version, goal_id, today))


@router.patch("/{goal_id}")
async def update(
    user: CurrentUser, goal_id: UUID, changes: GoalChanges, ledger: LedgerReads
) -> GoalOut:
    given = changes.model_dump(exclude_unset=True)
    given = {k: v for k, v in given.items() if v is not None or k == "deadline"}
    await goals.change(user.user_id, goal_id, given)
    return await read(user, goal_id, ledger)


@router.delete("/{goal_id}", status_code=204)
async def delete(user: CurrentUser, goal_id: UUID) -> Response:
    await goals.change(user.user_id, goal_id, None)
    return Response(status_code=204)


@router.post("/{goal_id}/contribution", status_code=201)
async def contribute(user: CurrentUser, goal_id: UUID, body: Contribution) -> TransactionOut:
    """Shorthand for an income transaction in `savings` toward the goal."""
    new = transactions.NewTransaction(
        amount=body.amount,
        type=EntryType.INCOME,
        category=SAVINGS_CATEGORY,
        description=None,
        occurred_at=None,
        goal_id=goal_id,
    )
    return transaction_out(await transactions.create(user.user_id, new))

"""Budget routes: definitions written to PostgreSQL, live positions read from the ledger shard."""

from typing import Annotated
from uuid import UUID

from fastapi import APIRouter, Query, Request, Response
from fastapi.responses import JSONResponse

from actors.domain.ledger import BudgetPosition
from actors.domain.tokens import AccessClaims
from adapters import budgets
from serve import answers
from serve.decimal_json import DecimalJSONRoute
from serve.deps import CurrentUser, LedgerReads, ledger_of
from serve.errors import saved
from serve.fields import Day
from serve.ledger_reader import LedgerReader
from serve.schemas import BudgetChanges, BudgetIn, BudgetOut

router = APIRouter(prefix="/api/budget", tags=["budget"], route_class=DecimalJSONRoute)


def out(position: BudgetPosition) -> BudgetOut:
    return BudgetOut.model_validate(position, from_attributes=True)


async def shown(user: AccessClaims, budget_id: UUID, ledger: LedgerReader) -> BudgetOut:
    """The budget's position today, as a create or a change answers it."""
    return out(await position(user, budget_id, ledger))


@router.post(
    "",
    status_code=201,
    response_model=BudgetOut,
    responses={202: {"description": "saved; its position is not available yet (Location)"}},
)
async def create(
    user: CurrentUser, body: BudgetIn, ledger: LedgerReads
) -> BudgetOut | JSONResponse:
    row = await budgets.create(
        user.user_id,
        body.category,
        body.limit,
        body.period,
        body.alert_thresholds,
        body.rollover,
        body.starts_on,
    )
    return await saved(shown(user, row.id, ledger), f"/api/budget/{row.id}")


@router.get("", response_model=list[BudgetOut])
async def listing(user: CurrentUser, request: Request) -> Response:
    """Every budget with its position in the current period of your time zone."""
    ordered = await ledger_of(request).listing(
        user.user_id, "budgets", lambda p: (p.category, p.period), BudgetOut
    )
    return answers.encoded(ordered)


@router.get("/{budget_id}", response_model=BudgetOut)
async def read(
    user: CurrentUser,
    budget_id: UUID,
    request: Request,
    period: Annotated[Day | None, Query(description="a day of the period to show")] = None,
) -> Response:
    return answers.one(await position(user, budget_id, ledger_of(request), period), BudgetOut)


async def position(
    user: AccessClaims, budget_id: UUID, ledger: LedgerReader, day: Day | None = None
) -> BudgetPosition:
    """The budget's position in the period of `day` (default: today in the user's zone)."""
    sequence, today = await ledger.last_sequence(user.user_id)
    return await ledger.budget(user.user_id, sequence, budget_id, day or today)


@router.patch("/{budget_id}")
async def update(
    user: CurrentUser, budget_id: UUID, changes: BudgetChanges, ledger: LedgerReads
) -> BudgetOut:
    given = {k: v for k, v in changes.model_dump(exclude_unset=True).items() if v is not None}
    await budgets.change(user.user_id, budget_id, given)
    return await shown(user, budget_id, ledger)


@router.delete("/{budget_id}", status_code=204)
async def delete(user: CurrentUser, budget_id: UUID) -> Response:
    await budgets.change(user.user_id, budget_id, None)
    return Response(status_code=204)

"""Savings goal routes: definitions in PostgreSQL, progress read from the ledger shard."""

from uuid import UUID

from fastapi import APIRouter, Request, Response
from fastapi.responses import JSONResponse

from actors.domain.ledger import EntryType, GoalPosition
from actors.domain.tokens import AccessClaims
from adapters import goals, transactions
from serve import answers
from serve.decimal_json import DecimalJSONRoute
from serve.deps import CurrentUser, LedgerReads, ledger_of
from serve.errors import saved
from serve.ledger_reader import LedgerReader
from serve.schemas import ContributionIn, GoalChanges, GoalIn, GoalOut, TransactionOut

SAVINGS_CATEGORY = "savings"

router = APIRouter(prefix="/api/goal", tags=["goal"], route_class=DecimalJSONRoute)


def out(position: GoalPosition) -> GoalOut:
    return GoalOut.model_validate(position, from_attributes=True)


@router.post(
    "",
    status_code=201,
    response_model=GoalOut,
    responses={202: {"description": "saved; its position is not available yet (Location)"}},
)
async def create(user: CurrentUser, body: GoalIn, ledger: LedgerReads) -> GoalOut | JSONResponse:
    row = await goals.create(user.user_id, body.name, body.target_amount, body.deadline)
    return await saved(shown(user, row.id, ledger), f"/api/goal/{row.id}")


@router.get("", response_model=list[GoalOut])
async def listing(user: CurrentUser, request: Request) -> Response:
    ordered = await ledger_of(request).listing(user.user_id, "goals", lambda g: g.name, GoalOut)
    return answers.encoded(ordered)


@router.get("/{goal_id}", response_model=GoalOut)
async def read(user: CurrentUser, goal_id: UUID, request: Request) -> Response:
    return answers.one(await position(user, goal_id, ledger_of(request)), GoalOut)


async def position(user: AccessClaims, goal_id: UUID, ledger: LedgerReader) -> GoalPosition:
    sequence, today = await ledger.last_sequence(user.user_id)
    return await ledger.goal(user.user_id, sequence, goal_id, today)


async def shown(user: AccessClaims, goal_id: UUID, ledger: LedgerReader) -> GoalOut:
    """The goal's position, as a create or a change answers it."""
    return out(await position(user, goal_id, ledger))


@router.patch("/{goal_id}")
async def update(
    user: CurrentUser, goal_id: UUID, changes: GoalChanges, ledger: LedgerReads
) -> GoalOut:
    given = changes.model_dump(exclude_unset=True)
    given = {k: v for k, v in given.items() if v is not None or k == "deadline"}
    await goals.change(user.user_id, goal_id, given)
    return await shown(user, goal_id, ledger)


@router.delete("/{goal_id}", status_code=204)
async def delete(user: CurrentUser, goal_id: UUID) -> Response:
    await goals.change(user.user_id, goal_id, None)
    return Response(status_code=204)


@router.post("/{goal_id}/contribution", status_code=201)
async def contribute(user: CurrentUser, goal_id: UUID, body: ContributionIn) -> TransactionOut:
    """Shorthand for an income transaction in `savings` toward the goal."""
    new = transactions.NewTransaction(
        amount=body.amount,
        type=EntryType.INCOME,
        category=SAVINGS_CATEGORY,
        description=None,
        occurred_at=None,
        goal_id=goal_id,
    )
    row = await transactions.create(user.user_id, new)
    return TransactionOut.model_validate(row, from_attributes=True)

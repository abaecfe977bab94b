"""Transaction routes, served by the gateway itself: the write path takes one hop.
Next on a write's path (README, "Follow a write"): adapters/transactions.py."""

from typing import Annotated
from uuid import UUID

from fastapi import APIRouter, Query, Response

from actors.domain.errors import Forbidden
from actors.domain.ledger import EntryType
from adapters import transactions
from adapters.models import Transaction
from serve import answers
from serve.decimal_json import DecimalJSONRoute
from serve.deps import CurrentUser
from serve.fields import Category, Day
from serve.schemas import TransactionChanges, TransactionIn, TransactionOut, TransactionPageOut

router = APIRouter(prefix="/api/transaction", tags=["transaction"], route_class=DecimalJSONRoute)


def out(row: Transaction | transactions.Written) -> TransactionOut:
    return TransactionOut.model_validate(row, from_attributes=True)


def own(user: CurrentUser, claimed: UUID | None) -> UUID:
    """The user always comes from the token; a body that names someone else is refused."""
    if claimed is not None and claimed != user.user_id:
        raise Forbidden("userId is not the user of the access token")
    return user.user_id


@router.post("", status_code=201, response_model=TransactionOut)
async def create(user: CurrentUser, body: TransactionIn) -> Response:
    new = transactions.NewTransaction(
        amount=body.amount,
        type=body.type,
        category=body.category,
        description=body.description,
        occurred_at=body.occurred_at,
        goal_id=body.goal_id,
    )
    written = await transactions.create(own(user, body.user_id), new)
    return answers.one(written, TransactionOut, status_code=201)


@router.get("")
async def listing(
    user: CurrentUser,
    since: Annotated[Day | None, Query(alias="from")] = None,
    until: Annotated[Day | None, Query(alias="to")] = None,
    category: Category | None = None,
    type: EntryType | None = None,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
    cursor: Annotated[str | None, Query(max_length=200)] = None,
) -> TransactionPageOut:
    """Newest first; `from` and `to` are days (inclusive) in your time zone."""
    filters = transactions.Filters(
        since=since,
        until=until,
        category=category,
        type=type,
    )
    rows, next_cursor = await transactions.page(user.user_id, filters, limit, cursor)
    return TransactionPageOut(items=[out(row) for row in rows], next_cursor=next_cursor)


@router.get("/{transaction_id}")
async def read(user: CurrentUser, transaction_id: UUID) -> TransactionOut:
    return out(await transactions.get(user.user_id, transaction_id))


@router.patch("/{transaction_id}")
async def update(
    user: CurrentUser, transaction_id: UUID, changes: TransactionChanges
) -> TransactionOut:
    given = changes.model_dump(exclude_unset=True)
    # Only description and goal_id may be cleared; the others keep their value when null.
    given = {k: v for k, v in given.items() if v is not None or k in ("description", "goal_id")}
    return out(await transactions.update(user.user_id, transaction_id, given))


@router.delete("/{transaction_id}", status_code=204)
async def delete(user: CurrentUser, transaction_id: UUID) -> Response:
    await transactions.delete(user.user_id, transaction_id)
    return Response(status_code=204)

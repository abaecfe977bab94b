"""Recurring transaction routes: series stored in PostgreSQL, carried out by the ledger shard
that owns the user (actors/due_dates.py)."""

import logging
from uuid import UUID

from fastapi import APIRouter, Response

from actors.domain.errors import LedgerBehind, LedgerUnavailable
from actors.domain.ledger import EntryType
from actors.domain.schedule import Cadence
from adapters import recurring
from adapters.models import RecurringSeries
from serve.decimal_json import DecimalJSONRoute
from serve.deps import CurrentUser, LedgerReads
from serve.schemas import RecurringChanges, RecurringIn, RecurringOut

log = logging.getLogger(__name__)

router = APIRouter(prefix="/api/recurring", tags=["recurring"], route_class=DecimalJSONRoute)

# The API's names of the fields stored under other names.
_COLUMNS = {"start": "starts_on", "end": "ends_on"}


def out(row: RecurringSeries) -> RecurringOut:
    return RecurringOut(
        id=row.id,
        amount=row.amount,
        type=EntryType(row.type),
        category=row.category,
        description=row.description,
        cadence=Cadence(row.cadence),
        start=row.starts_on,
        end=row.ends_on,
        goal_id=row.goal_id,  # type: ignore[attr-defined]
        next_due=row.next_due,
        created_at=row.created_at,
        updated_at=row.updated_at,
    )


async def _carry_out(user: CurrentUser, ledger: LedgerReads) -> None:
    """What is due now is written at once by the owning shard; a shard that is restarting does
    it when it is back (its first round), so the answer does not wait for it."""
    try:
        await ledger.carry_out_recurring(user.user_id)
    except (LedgerBehind, LedgerUnavailable):
        log.info("recurring: the shard of %s is not ready; it catches up when it is", user.user_id)


@router.post("", status_code=201)
async def create(user: CurrentUser, body: RecurringIn, ledger: LedgerReads) -> RecurringOut:
    definition = recurring.Definition(
        amount=body.amount,
        type=body.type,
        category=body.category,
        description=body.description,
        goal_id=body.goal_id,
        cadence=body.cadence,
        starts_on=body.start,
        ends_on=body.end,
    )
    row = await recurring.create(user.user_id, ledger.partition_of(user.user_id), definition)
    await _carry_out(user, ledger)
    return out(await recurring.get(user.user_id, row.id))


@router.get("")
async def listing(user: CurrentUser) -> list[RecurringOut]:
    return [out(row) for row in await recurring.listing(user.user_id)]


@router.get("/{series_id}")
async def read(user: CurrentUser, series_id: UUID) -> RecurringOut:
    return out(await recurring.get(user.user_id, series_id))


@router.patch("/{series_id}")
async def update(
    user: CurrentUser, series_id: UUID, changes: RecurringChanges, ledger: LedgerReads
) -> RecurringOut:
    given = changes.model_dump(exclude_unset=True)
    # Only description, end and goal_id may be cleared; the others keep their value when null.
    given = {
        _COLUMNS.get(k, k): v
        for k, v in given.items()
        if v is not None or k in ("description", "end", "goal_id")
    }
    await recurring.change(user.user_id, series_id, given)
    await _carry_out(user, ledger)
    return out(await recurring.get(user.user_id, series_id))


@router.delete("/{series_id}", status_code=204)
async def delete(user: CurrentUser, series_id: UUID) -> Response:
    await recurring.delete(user.user_id, series_id)
    return Response(status_code=204)

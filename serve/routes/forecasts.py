"""Forecast routes: each budget's expected spending for its current period, from its shard."""

from uuid import UUID

from fastapi import APIRouter

from actors.domain.ledger import BudgetForecast
from serve.decimal_json import DecimalJSONRoute
from serve.deps import CurrentUser, LedgerReads
from serve.schemas import ForecastOut

router = APIRouter(tags=["forecast"], route_class=DecimalJSONRoute)


def out(outlook: BudgetForecast) -> ForecastOut:
    return ForecastOut.model_validate(outlook, from_attributes=True)


@router.get("/api/forecast")
async def listing(user: CurrentUser, ledger: LedgerReads) -> list[ForecastOut]:
    """The forecast of every budget for its current period in your time zone."""
    sequence, today = await ledger.last_sequence(user.user_id)
    outlooks = await ledger.forecasts(user.user_id, sequence, today)
    return sorted((out(o) for o in outlooks), key=lambda f: (f.category, f.period))


@router.get("/api/budget/{budget_id}/forecast")
async def read(user: CurrentUser, budget_id: UUID, ledger: LedgerReads) -> ForecastOut:
    """The spending expected by the end of the current period, with a likely range (`low` to
    `high`, about 80% of outcomes), its status against what is available, and the method."""
    sequence, today = await ledger.last_sequence(user.user_id)
    return out(await ledger.forecast(user.user_id, sequence, budget_id, today))

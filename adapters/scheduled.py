"""The recurring expenses of users, as their forecasts read them: per category, the series that
still have due dates, and how far each has been written."""

from collections.abc import Collection
from uuid import UUID

from tortoise import connections

from actors.domain.forecast import Scheduled
from actors.domain.periods import Period

Schedules = dict[UUID, dict[str, list[Scheduled]]]


async def of_users(user_ids: Collection[UUID]) -> Schedules:
    """Each user's live expense series per category; users without any are left out."""
    if not user_ids:
        return {}
    rows = await connections.get("default").execute_query_dict(
        "SELECT user_id, category, amount, cadence, starts_on, ends_on, done_through"
        " FROM recurring_series"
        " WHERE user_id = ANY($1::uuid[]) AND type = 'expense' AND next_due IS NOT NULL",
        [list(user_ids)],
    )
    schedules: Schedules = {}
    for row in rows:
        series = Scheduled(
            amount=row["amount"],
            cadence=Period(row["cadence"]),
            starts_on=row["starts_on"],
            ends_on=row["ends_on"],
            done_through=row["done_through"],
        )
        schedules.setdefault(row["user_id"], {}).setdefault(row["category"], []).append(series)
    return schedules

"""Listings paged newest first with an opaque cursor: the position after a page's last row."""

import base64
from datetime import datetime
from typing import Any, TypeVar

from tortoise.expressions import Q
from tortoise.models import Model
from tortoise.queryset import QuerySet

from actors.domain.errors import InvalidInput
from actors.domain.periods import FIRST_DAY, LAST_DAY

M = TypeVar("M", bound=Model)


async def newest_first(
    query: QuerySet[M], at: str, limit: int, cursor: str | None
) -> tuple[list[M], str | None]:
    """One page of `query` ordered by the field `at`, newest first, then by id; and the cursor
    of the next page, or None after the last. Ties on `at` are broken by id, so no row is
    skipped or repeated between pages."""
    if cursor:
        when, last_id = _read(cursor, query.model)
        before: dict[str, Any] = {f"{at}__lt": when}
        tied: dict[str, Any] = {at: when, "id__lt": last_id}
        query = query.filter(Q(**before) | Q(**tied))
    rows = await query.order_by(f"-{at}", "-id").limit(limit + 1)
    if len(rows) <= limit:
        return rows, None
    rows = rows[:limit]
    last = rows[-1]
    return rows, _write(getattr(last, at), last.pk)


def _write(when: datetime, last_id: Any) -> str:
    raw = f"{when.isoformat()}|{last_id}".encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def _read(cursor: str, model: type[Model]) -> tuple[datetime, Any]:
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode()
        text, last_id = raw.split("|")
        when = datetime.fromisoformat(text)
        # A made-up cursor must not take the query past what the database can hold.
        if when.tzinfo is None or not FIRST_DAY <= when.date() <= LAST_DAY:
            raise ValueError(text)
        return when, model._meta.pk.to_python_value(last_id)
    except ValueError as error:
        raise InvalidInput("cursor", "is not a cursor this API returned") from error

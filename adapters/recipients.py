"""The people messages go to, read from the users table when each batch of events is handled,
so that a change of address or of notification choices applies to the next event."""

import json
from collections.abc import Collection, Mapping
from typing import Any
from uuid import UUID

from tortoise import connections

from actors.domain.messages import Profile
from actors.domain.preferences import QUIET_BY_DEFAULT

# Users with an event that sends by default, and users whose events send nothing unless they
# asked for one of those kinds (a receipt for each transaction): most are not read at all.
_SQL = """
SELECT id, name, email, phone, timezone, notifications FROM users
WHERE id = ANY($1::uuid[]) OR (id = ANY($2::uuid[]) AND notifications ?| $3::text[])
"""


async def profiles(kinds: Mapping[UUID, Collection[str]]) -> dict[UUID, Profile]:
    """The profiles of the users that exist and may be sent something for the given kinds of
    event; an unknown id, or a user who asked for none of their quiet kinds, is absent."""
    if not kinds:
        return {}
    quiet = [user for user, of_user in kinds.items() if QUIET_BY_DEFAULT.issuperset(of_user)]
    loud = list(kinds.keys() - set(quiet))
    rows = await connections.get("default").execute_query_dict(
        _SQL, [loud, quiet, sorted(QUIET_BY_DEFAULT)]
    )
    return {
        row["id"]: Profile(
            name=row["name"],
            email=row["email"],
            phone=row["phone"],
            timezone=row["timezone"],
            notifications=_choices(row["notifications"]),
        )
        for row in rows
    }


def _choices(stored: Any) -> dict[str, list[str]]:
    """The stored notification choices, as the driver hands the JSON column back."""
    if isinstance(stored, str | bytes):
        stored = json.loads(stored)
    return dict(stored or {})

"""The people messages go to, read from the users table when each batch of events is handled,
so that a change of address or of notification choices applies to the next event."""

from collections.abc import Iterable
from uuid import UUID

from actors.domain.messages import Profile
from adapters.models import User


async def profiles(user_ids: Iterable[UUID]) -> dict[UUID, Profile]:
    """The profiles of the users that exist; an unknown id is simply absent."""
    ids = set(user_ids)
    if not ids:
        return {}
    users = await User.filter(id__in=ids).only(
        "id", "name", "email", "phone", "timezone", "notifications"
    )
    return {
        user.id: Profile(
            name=user.name,
            email=user.email,
            phone=user.phone,
            timezone=user.timezone,
            notifications=user.notifications or {},
        )
        for user in users
    }

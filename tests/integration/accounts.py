"""Users made straight through the users adapter, for tests that need an account row and no
API."""

from datetime import UTC, datetime
from uuid import UUID, uuid4

from adapters import users


async def new_user(name: str, timezone: str | None = None) -> UUID:
    """A user of its own (a fresh e-mail address), in `timezone` if given."""
    user = await users.create(
        name=name,
        email=f"{uuid4().hex}@example.com",
        phone=None,
        password_hash="unused",
        now=datetime.now(UTC),
    )
    if timezone is not None:
        await users.update(user.id, {"timezone": timezone})
    return user.id

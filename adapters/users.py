"""Accounts in PostgreSQL: users and their registration event."""

from datetime import datetime
from typing import Any
from uuid import UUID

from tortoise.exceptions import IntegrityError
from tortoise.transactions import in_transaction

from actors.domain import preferences
from actors.domain.errors import EmailTaken, NotFound
from actors.domain.events import Event, Topic
from adapters import outbox
from adapters.models import User


def email_key(email: str) -> str:
    return email.strip().lower()


async def create(
    *, name: str, email: str, phone: str | None, password_hash: str, now: datetime
) -> User:
    """Insert the user and its `user_registered` event in one transaction."""
    try:
        async with in_transaction() as connection:
            user = await User.create(
                name=name,
                email=email,
                email_key=email_key(email),
                phone=phone,
                password_hash=password_hash,
                notifications=preferences.with_changes({}, {}),
                using_db=connection,
            )
            registered = Event(
                type=Topic.USER_REGISTERED,
                user_id=user.id,
                occurred_at=now,
                payload={"name": name, "email": email, "phone": phone, "timezone": user.timezone},
            )
            await outbox.stage([registered], connection)
    except IntegrityError as error:
        raise EmailTaken() from error
    return user


async def by_email(email: str) -> User | None:
    return await User.get_or_none(email_key=email_key(email))


async def by_id(user_id: UUID) -> User:
    user = await User.get_or_none(id=user_id)
    if user is None:
        raise NotFound("user")
    return user


async def update(user_id: UUID, changes: dict[str, Any]) -> User:
    async with in_transaction() as connection:
        user = await User.select_for_update().using_db(connection).get_or_none(id=user_id)
        if user is None:
            raise NotFound("user")
        if "notifications" in changes:
            changes["notifications"] = preferences.with_changes(
                user.notifications, changes["notifications"]
            )
        user.update_from_dict(changes)
        await user.save(using_db=connection)
    return user


async def set_password_hash(user_id: UUID, password_hash: str) -> None:
    await User.filter(id=user_id).update(password_hash=password_hash)

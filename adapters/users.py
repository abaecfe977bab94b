"""Accounts in PostgreSQL: users and their registration event, and what an admin changes:
roles and locks, each recorded in the audit log."""

from datetime import datetime
from typing import Any
from uuid import UUID

from tortoise.exceptions import IntegrityError
from tortoise.transactions import in_transaction

from actors.domain import preferences
from actors.domain.errors import EmailTaken, Forbidden, NotFound
from actors.domain.events import Event, Topic
from actors.domain.payloads import UserRegistered
from actors.domain.roles import Role
from adapters import audit, outbox, pages, sessions
from adapters.audit import Action, Actor
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
                payload=UserRegistered(name=name, email=email, phone=phone, timezone=user.timezone),
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


async def page(email: str | None, limit: int, cursor: str | None) -> tuple[list[User], str | None]:
    """Newest first; `email` finds the one account with that e-mail, in any case."""
    query = User.all() if email is None else User.filter(email_key=email_key(email))
    return await pages.newest_first(query, "created_at", limit, cursor)


async def set_role(email: str, role: Role, actor: Actor) -> User:
    """Give the account a role; its access tokens carry it from the next login or refresh."""
    async with in_transaction() as connection:
        user = await (
            User.select_for_update(no_key=True)
            .using_db(connection)
            .get_or_none(email_key=email_key(email))
        )
        if user is None:
            raise NotFound(f"user with the e-mail {email}")
        await User.filter(id=user.id).using_db(connection).update(role=role.value)
        action = Action.GRANT if role is Role.ADMIN else Action.REVOKE
        await audit.record(connection, actor, action, user.email)
    user.role = role.value
    return user


async def lock(user_id: UUID, actor: Actor, now: datetime) -> tuple[User, list[UUID]]:
    """Lock the account and revoke every session of it at once; returns the account and the
    sessions revoked (every gateway replica hears of them at commit)."""
    if actor.user_id == user_id:
        raise Forbidden("an admin cannot lock their own account")
    async with in_transaction() as connection:
        # The row lock a login takes to open a session: a session opened meanwhile is revoked.
        user = (
            await User.select_for_update(no_key=True).using_db(connection).get_or_none(id=user_id)
        )
        if user is None:
            raise NotFound("user")
        if user.locked_at is None:
            user.locked_at = now
            await User.filter(id=user_id).using_db(connection).update(locked_at=now)
        revoked = await sessions.revoke_all(user_id, "locked", now, connection)
        await audit.record(connection, actor, Action.LOCK, user.email)
    return user, revoked


async def unlock(user_id: UUID, actor: Actor) -> User:
    """Let the account log in again; the sessions the lock revoked stay revoked."""
    async with in_transaction() as connection:
        user = (
            await User.select_for_update(no_key=True).using_db(connection).get_or_none(id=user_id)
        )
        if user is None:
            raise NotFound("user")
        user.locked_at = None
        await User.filter(id=user_id).using_db(connection).update(locked_at=None)
        await audit.record(connection, actor, Action.UNLOCK, user.email)
    return user

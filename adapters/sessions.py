"""Login sessions and their refresh tokens in PostgreSQL, stored only as hashes."""

from datetime import datetime, timedelta
from uuid import UUID

from tortoise.backends.base.client import BaseDBAsyncClient
from tortoise.transactions import in_transaction

from actors.domain.errors import AccountLocked, InvalidToken, TokenExpired, TokenReused
from actors.domain.roles import Role
from actors.domain.tokens import RefreshVerdict, judge_refresh
from adapters.models import RefreshToken, Session, User

REVOKED_CHANNEL = "ledgerflow_session_revoked"


async def open_session(user_id: UUID, token_hash: str, expires_at: datetime) -> tuple[UUID, Role]:
    """A new session of an account that is not locked; returns it with the user's role."""
    async with in_transaction() as connection:
        # The row lock that locking the account also takes: a login racing a lock either commits
        # its session first, which the lock then revokes, or waits and sees the lock.
        user = await User.select_for_update(no_key=True).using_db(connection).get(id=user_id)
        if user.locked_at is not None:
            raise AccountLocked()
        session = await Session.create(user_id=user_id, using_db=connection)
        await RefreshToken.create(
            session=session, token_hash=token_hash, expires_at=expires_at, using_db=connection
        )
    return session.id, Role(user.role)


async def rotate(
    token_hash: str, next_hash: str, now: datetime, ttl: timedelta
) -> tuple[UUID, UUID, Role]:
    """Spend a refresh token for its successor; return (user id, session id, the user's role
    now).

    A token presented a second time revokes its whole session, successors included.
    """
    async with in_transaction() as connection:
        token = (
            await RefreshToken.select_for_update()
            .using_db(connection)
            .get_or_none(token_hash=token_hash)
            .prefetch_related("session__user")
        )
        if token is None:
            raise InvalidToken("refresh token is invalid")
        session: Session = token.session
        user: User = session.user
        verdict = judge_refresh(
            used=token.used_at is not None,
            # A lock revokes every session; this covers one opened while the lock committed.
            session_revoked=session.revoked_at is not None or user.locked_at is not None,
            expires_at=token.expires_at,
            now=now,
        )
        if verdict is RefreshVerdict.ROTATE:
            token.used_at = now
            await token.save(using_db=connection, update_fields=["used_at"])
            await RefreshToken.create(
                session_id=session.id,
                token_hash=next_hash,
                expires_at=now + ttl,
                using_db=connection,
            )
        elif verdict is RefreshVerdict.REUSED:
            await revoke([session.id], "refresh_reused", now, connection)
    # Raised after the transaction so that the revocation above is committed.
    if verdict is RefreshVerdict.REUSED:
        raise TokenReused()
    if verdict is RefreshVerdict.EXPIRED:
        raise TokenExpired()
    if verdict is RefreshVerdict.REVOKED:
        raise InvalidToken("refresh token is revoked")
    return user.id, session.id, Role(user.role)


async def close(user_id: UUID, session_id: UUID, token_hash: str, now: datetime) -> None:
    """Log out: revoke the access token's session and the refresh token's, if it is the user's."""
    async with in_transaction() as connection:
        token = await RefreshToken.filter(token_hash=token_hash).using_db(connection).first()
        sessions = {session_id}
        if token is not None:
            sessions.add(token.session_id)  # type: ignore[attr-defined]
        owned = await Session.filter(id__in=sessions, user_id=user_id).using_db(connection)
        await revoke([session.id for session in owned], "logout", now, connection)


async def revoke(
    session_ids: list[UUID], reason: str, now: datetime, connection: BaseDBAsyncClient
) -> None:
    if not session_ids:
        return
    await (
        Session.filter(id__in=session_ids, revoked_at=None)
        .using_db(connection)
        .update(revoked_at=now, revoked_reason=reason)
    )
    for session_id in session_ids:
        # Delivered on commit: every gateway replica stops accepting the session's access tokens.
        await connection.execute_query(
            "SELECT pg_notify($1, $2)", [REVOKED_CHANNEL, str(session_id)]
        )


async def revoke_all(
    user_id: UUID, reason: str, now: datetime, connection: BaseDBAsyncClient
) -> list[UUID]:
    """Revoke every open session of the user; return their ids."""
    open_ids = await (
        Session.filter(user_id=user_id, revoked_at=None)
        .using_db(connection)
        .values_list("id", flat=True)
    )
    revoked = [UUID(str(session_id)) for session_id in open_ids]
    await revoke(revoked, reason, now, connection)
    return revoked


async def revoked_since(since: datetime) -> list[UUID]:
    ids = await Session.filter(revoked_at__gte=since).values_list("id", flat=True)
    return [UUID(str(session_id)) for session_id in ids]

"""Admin routes: accounts (find, lock, unlock), dead letters (list, replay), the state of the
system and the audit log. Every route needs an access token with the admin role."""

import logging
from datetime import UTC, datetime
from typing import Annotated
from uuid import UUID

from fastapi import APIRouter, Path, Query

from adapters import audit, dead_letters, logs, replays, users
from adapters.models import DeadLetterRecord, User
from serve.deps import AdminActor, CurrentAdmin, RevokedSessionsDep, SettingsDep
from serve.schemas import (
    AccountOut,
    AccountPageOut,
    AuditEntryOut,
    AuditPageOut,
    DeadLetterOut,
    DeadLetterPageOut,
    SystemOut,
)
from serve.system_state import survey

log = logging.getLogger(__name__)

router = APIRouter(prefix="/api/admin", tags=["admin"])

Limit = Annotated[int, Query(ge=1, le=200)]
Cursor = Annotated[str | None, Query(max_length=200)]
DeadLetterId = Annotated[int, Path(ge=1, le=2**63 - 1)]


def account(user: User) -> AccountOut:
    return AccountOut.model_validate(user, from_attributes=True)


def dead_letter(record: DeadLetterRecord) -> DeadLetterOut:
    return DeadLetterOut(
        id=record.id,
        topic=record.topic,
        kind="unreadable" if record.delivery_id is None else "undeliverable",
        reason=record.reason,
        key=bytes(record.key).decode(errors="replace") if record.key is not None else None,
        value=bytes(record.value).decode(errors="replace"),
        delivery_id=record.delivery_id,
        created_at=record.created_at,
        replayed_at=record.replayed_at,
    )


@router.get("/users")
async def accounts(
    _admin: CurrentAdmin,
    email: Annotated[str | None, Query(max_length=254, description="exact, any case")] = None,
    limit: Limit = 50,
    cursor: Cursor = None,
) -> AccountPageOut:
    """Newest first."""
    rows, next_cursor = await users.page(email, limit, cursor)
    return AccountPageOut(items=[account(row) for row in rows], next_cursor=next_cursor)


@router.post("/users/{user_id}/lock")
async def lock(user_id: UUID, actor: AdminActor, revoked: RevokedSessionsDep) -> AccountOut:
    """No more login or refresh; every session of the account is revoked at once."""
    user, sessions = await users.lock(user_id, actor, datetime.now(UTC))
    # The NOTIFY reaches every replica; this one refuses the sessions from this moment on.
    for session_id in sessions:
        revoked.add(session_id)
    logs.event(
        log, "account_locked", user=user_id, by=actor.user_id, sessions_revoked=len(sessions)
    )
    return account(user)


@router.post("/users/{user_id}/unlock")
async def unlock(user_id: UUID, actor: AdminActor) -> AccountOut:
    """The account may log in again (its revoked sessions stay revoked)."""
    user = await users.unlock(user_id, actor)
    logs.event(log, "account_unlocked", user=user_id, by=actor.user_id)
    return account(user)


@router.get("/dead-letters")
async def dead_letter_page(
    _admin: CurrentAdmin, limit: Limit = 50, cursor: Cursor = None
) -> DeadLetterPageOut:
    """What the consumers and couriers gave up on, newest first."""
    rows, next_cursor = await dead_letters.page(limit, cursor)
    return DeadLetterPageOut(items=[dead_letter(row) for row in rows], next_cursor=next_cursor)


@router.post("/dead-letters/{dead_letter_id}/replay")
async def replay(dead_letter_id: DeadLetterId, actor: AdminActor) -> DeadLetterOut:
    """An undeliverable message goes back to its courier; an unreadable record is published
    again to its topic. Once each: 409 for a dead letter replayed before."""
    record = await replays.replay(dead_letter_id, actor, datetime.now(UTC))
    logs.event(log, "dead_letter_replayed", dead_letter=dead_letter_id, by=actor.user_id)
    return dead_letter(record)


@router.get("/system")
async def system(_admin: CurrentAdmin, settings: SettingsDep) -> SystemOut:
    return await survey(settings)


@router.get("/audit")
async def audit_log(_admin: CurrentAdmin, limit: Limit = 50, cursor: Cursor = None) -> AuditPageOut:
    """Every admin action, newest first."""
    rows, next_cursor = await audit.page(limit, cursor)
    return AuditPageOut(
        items=[AuditEntryOut.model_validate(row, from_attributes=True) for row in rows],
        next_cursor=next_cursor,
    )

"""The audit log: every admin action, recorded in the transaction that makes the change."""

import getpass
import socket
from dataclasses import dataclass
from enum import StrEnum
from uuid import UUID

from tortoise.backends.base.client import BaseDBAsyncClient

from adapters import pages
from adapters.models import AuditEntry


class Action(StrEnum):
    LOCK = "lock"
    UNLOCK = "unlock"
    REPLAY = "replay"
    GRANT = "grant"
    REVOKE = "revoke"


@dataclass(frozen=True)
class Actor:
    """Who acts: an admin through the API (their e-mail and id), or an operator at a shell."""

    name: str
    user_id: UUID | None = None

    @classmethod
    def command_line(cls) -> "Actor":
        try:
            login = getpass.getuser()
        except OSError:  # no name for this uid (a container's user, say)
            login = "unknown"
        return cls(f"cli:{login}@{socket.gethostname()}")


async def record(
    connection: BaseDBAsyncClient, actor: Actor, action: Action, target: str
) -> AuditEntry:
    return await AuditEntry.create(
        actor=actor.name[:254],
        actor_id=actor.user_id,
        action=action.value,
        target=target[:254],
        using_db=connection,
    )


async def page(limit: int, cursor: str | None) -> tuple[list[AuditEntry], str | None]:
    return await pages.newest_first(AuditEntry.all(), "created_at", limit, cursor)

"""The set of revoked sessions a gateway replica refuses, kept live by LISTEN/NOTIFY."""

from datetime import UTC, datetime, timedelta
from uuid import UUID

from adapters import sessions
from adapters.listener import PgListener


class RevokedSessions:
    """A session revoked longer ago than the access-token lifetime needs no memory: every
    access token of it has expired, and it can issue no more."""

    def __init__(self, database_url: str, access_ttl: timedelta) -> None:
        self._memory = access_ttl + timedelta(minutes=1)
        self._revoked: dict[UUID, datetime] = {}
        self._listener = PgListener(
            database_url, sessions.REVOKED_CHANNEL, self._on_notify, on_connect=self._reload
        )

    async def start(self) -> None:
        await self._listener.start()

    async def stop(self) -> None:
        await self._listener.stop()

    def add(self, session_id: UUID) -> None:
        now = datetime.now(UTC)
        self._revoked[session_id] = now
        if len(self._revoked) % 1024 == 0:
            self._forget_before(now - self._memory)

    def __contains__(self, session_id: UUID) -> bool:
        return session_id in self._revoked

    def _on_notify(self, payload: str) -> None:
        self.add(UUID(payload))

    async def _reload(self) -> None:
        # Runs after LISTEN is in place, so nothing revoked meanwhile can be missed.
        now = datetime.now(UTC)
        for session_id in await sessions.revoked_since(now - self._memory):
            self._revoked[session_id] = now

    def _forget_before(self, cutoff: datetime) -> None:
        self._revoked = {sid: at for sid, at in self._revoked.items() if at >= cutoff}

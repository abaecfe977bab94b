"""The token service: the only holder of the signing key; opens, rotates and closes sessions."""

from datetime import UTC, datetime
from uuid import UUID

from ray import serve

from actors.domain import throttle
from actors.domain.roles import Role
from actors.domain.tokens import AccessTokenIssuer, hash_refresh_token, new_refresh_token
from adapters import database, logs, sessions, throttle_buckets
from adapters.config import Settings
from serve.schemas import TokenPairOut


@serve.deployment(name="tokens", max_ongoing_requests=64, ray_actor_options={"num_cpus": 0})
class TokenService:
    async def __init__(  # type: ignore[misc]  # Serve awaits an async constructor
        self, settings: Settings
    ) -> None:
        assert settings.database_url and settings.jwt_private_key
        self._policy = settings.token_policy
        self._issuer = AccessTokenIssuer(settings.jwt_private_key, self._policy)
        logs.configure(settings.log_format)
        await database.connect(settings.database_url)

    async def open_session(self, user_id: UUID) -> TokenPairOut:
        now = datetime.now(UTC)
        refresh = new_refresh_token()
        session_id, role = await sessions.open_session(
            user_id, hash_refresh_token(refresh), now + self._policy.refresh_ttl
        )
        return self._pair(user_id, session_id, role, refresh, now)

    async def refresh(self, refresh_token: str, client: str) -> TokenPairOut:
        """A new pair for a live refresh token. Every attempt is counted against the client's
        address first; one that succeeds gives its count back, so only refusals add up."""
        now = datetime.now(UTC)
        bucket = (throttle.REFRESH_FROM_ADDRESS, (client,))
        await throttle_buckets.reserve(*bucket, now)
        successor = new_refresh_token()
        user_id, session_id, role = await sessions.rotate(
            hash_refresh_token(refresh_token),
            hash_refresh_token(successor),
            now,
            self._policy.refresh_ttl,
        )
        await throttle_buckets.release(*bucket)
        return self._pair(user_id, session_id, role, successor, now)

    async def close_session(self, user_id: UUID, session_id: UUID, refresh_token: str) -> None:
        await sessions.close(
            user_id, session_id, hash_refresh_token(refresh_token), datetime.now(UTC)
        )

    def _pair(
        self, user_id: UUID, session_id: UUID, role: Role, refresh: str, now: datetime
    ) -> TokenPairOut:
        access, expires_in = self._issuer.issue(user_id, session_id, now, role)
        return TokenPairOut(access_token=access, refresh_token=refresh, expires_in=expires_in)

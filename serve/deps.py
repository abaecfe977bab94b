"""The typed dependencies routes take: the caller (an admin, for the admin routes) and its
address, the services, the ledger reader and the settings, all read from the request or the app
state that the gateway fills when it starts."""

from typing import Annotated

from fastapi import Depends, Request
from fastapi.security import HTTPBearer
from fastapi.security.utils import get_authorization_scheme_param
from ray.serve.handle import DeploymentHandle

from actors.domain.errors import Forbidden, InvalidToken
from actors.domain.roles import Role
from actors.domain.tokens import AccessClaims
from adapters import users
from adapters.audit import Actor
from adapters.config import Settings
from adapters.revocations import RevokedSessions
from serve.auth import Authenticator
from serve.ledger_reader import LedgerReader


class _BearerClaims(HTTPBearer):
    """The caller's claims, from the access token in `Authorization: Bearer`. One dependency
    that is both the security scheme the docs list (as HTTPBearer) and the check: each
    dependency FastAPI solves costs every request that uses it."""

    # Each dependency is async: a plain def would cost a thread-pool hop per request.
    async def __call__(self, request: Request) -> AccessClaims:  # type: ignore[override]
        scheme, token = get_authorization_scheme_param(request.headers.get("Authorization"))
        if not token or scheme.lower() != "bearer":
            raise InvalidToken("missing bearer token")
        authenticator: Authenticator = request.app.state.authenticator
        return authenticator.claims(token)


_current_claims = _BearerClaims(
    scheme_name="HTTPBearer", description="The access token from /api/user/login"
)


async def _current_admin(
    claims: Annotated[AccessClaims, Depends(_current_claims)],
) -> AccessClaims:
    if claims.role is not Role.ADMIN:
        raise Forbidden("this needs the admin role")
    return claims


async def _admin_actor(
    claims: Annotated[AccessClaims, Depends(_current_admin)],
) -> Actor:
    """The admin as the audit log names them: by their e-mail as it is now."""
    return Actor((await users.by_id(claims.user_id)).email, claims.user_id)


async def _settings(request: Request) -> Settings:
    return request.app.state.settings  # type: ignore[no-any-return]


async def _client_address(request: Request) -> str:
    # Ray's HTTP servers (uvicorn) have already put the real address here: they take it from
    # X-Forwarded-For only on a connection from a trusted proxy (FORWARDED_ALLOW_IPS), and our
    # HAProxy writes that header itself (serve/haproxy.py). README: "The client's address".
    return request.client.host if request.client else "unknown"


async def _revoked(request: Request) -> RevokedSessions:
    return request.app.state.revoked  # type: ignore[no-any-return]


async def _ledger(request: Request) -> LedgerReader:
    return ledger_of(request)


def ledger_of(request: Request) -> LedgerReader:
    """The ledger reader, for the hot reads that take the request instead of a dependency:
    each dependency is solved for every request, in a call of FastAPI's of its own."""
    return request.app.state.ledger  # type: ignore[no-any-return]


async def _users(request: Request) -> DeploymentHandle:
    return request.app.state.users  # type: ignore[no-any-return]


async def _tokens(request: Request) -> DeploymentHandle:
    return request.app.state.tokens  # type: ignore[no-any-return]


CurrentUser = Annotated[AccessClaims, Depends(_current_claims)]
# 401 without a valid token (as CurrentUser), 403 with a token whose role is not admin.
CurrentAdmin = Annotated[AccessClaims, Depends(_current_admin)]
AdminActor = Annotated[Actor, Depends(_admin_actor)]
SettingsDep = Annotated[Settings, Depends(_settings)]
ClientAddress = Annotated[str, Depends(_client_address)]
RevokedSessionsDep = Annotated[RevokedSessions, Depends(_revoked)]
LedgerReads = Annotated[LedgerReader, Depends(_ledger)]
UserServiceDep = Annotated[DeploymentHandle, Depends(_users)]
TokenServiceDep = Annotated[DeploymentHandle, Depends(_tokens)]

"""Who is calling: the bearer access token, verified locally, checked against revocations."""

from typing import Annotated

from fastapi import Depends, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from actors.domain.errors import InvalidToken
from actors.domain.tokens import AccessClaims, AccessTokenVerifier
from adapters.revocations import RevokedSessions

_bearer = HTTPBearer(auto_error=False, description="The access token from /api/user/login")


class Authenticator:
    def __init__(self, verifier: AccessTokenVerifier, revoked: RevokedSessions) -> None:
        self._verifier = verifier
        self.revoked = revoked

    def claims(self, token: str) -> AccessClaims:
        claims = self._verifier.verify(token)
        if claims.session_id in self.revoked:
            raise InvalidToken("token is revoked")
        return claims


async def _current_claims(  # async: a plain def would cost a thread-pool hop per request
    request: Request,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
) -> AccessClaims:
    if credentials is None:
        raise InvalidToken("missing bearer token")
    authenticator: Authenticator = request.app.state.authenticator
    return authenticator.claims(credentials.credentials)


CurrentUser = Annotated[AccessClaims, Depends(_current_claims)]

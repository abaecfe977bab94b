"""Who is calling: the bearer access token, verified locally, checked against revocations."""

from actors.domain.errors import InvalidToken
from actors.domain.tokens import AccessClaims, AccessTokenVerifier
from adapters.revocations import RevokedSessions


class Authenticator:
    def __init__(self, verifier: AccessTokenVerifier, revoked: RevokedSessions) -> None:
        self._verifier = verifier
        self._revoked = revoked

    def claims(self, token: str) -> AccessClaims:
        claims = self._verifier.verify(token)
        if claims.session_id in self._revoked:
            raise InvalidToken("token is revoked")
        return claims

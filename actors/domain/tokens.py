"""Access tokens (EdDSA-signed JWT) and the rules of refresh-token rotation."""

import hashlib
import secrets
import time
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import Enum
from uuid import UUID, uuid4

import jwt
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from actors.domain.errors import InvalidToken, TokenExpired
from actors.domain.roles import Role

ALGORITHM = "EdDSA"
REQUIRED_CLAIMS = ["exp", "iat", "iss", "aud", "sub", "jti", "sid", "role"]
#: Tokens a verifier remembers having verified: a client sends the same token with every request
#: for its lifetime, and its Ed25519 check was a sixth of the gateway's CPU per request.
VERIFIED_KEPT = 10_000


@dataclass(frozen=True)
class AccessClaims:
    user_id: UUID
    session_id: UUID
    role: Role


@dataclass(frozen=True)
class TokenPolicy:
    issuer: str = "ledgerflow"
    audience: str = "ledgerflow-api"
    access_ttl: timedelta = timedelta(minutes=15)
    refresh_ttl: timedelta = timedelta(days=30)


def generate_signing_key() -> str:
    """A new Ed25519 private key as PKCS#8 PEM."""
    return (
        Ed25519PrivateKey.generate()
        .private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
        .decode()
    )


def public_key_pem(private_key_pem: str) -> str:
    key = _load_private_key(private_key_pem)
    return (
        key.public_key()
        .public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
        .decode()
    )


def _load_private_key(pem: str) -> Ed25519PrivateKey:
    key = serialization.load_pem_private_key(pem.encode(), password=None)
    if not isinstance(key, Ed25519PrivateKey):
        raise ValueError("the JWT signing key must be an Ed25519 private key")
    return key


class AccessTokenIssuer:
    """Signs access tokens; only the token service holds the private key."""

    def __init__(self, private_key_pem: str, policy: TokenPolicy) -> None:
        self._key = _load_private_key(private_key_pem)
        self._policy = policy

    def issue(
        self, user_id: UUID, session_id: UUID, now: datetime, role: Role = Role.USER
    ) -> tuple[str, int]:
        """Return the signed token and its lifetime in seconds. The role is the user's as the
        token service read it at login or refresh: a change applies from the next of those."""
        expires_at = now + self._policy.access_ttl
        claims = {
            "iss": self._policy.issuer,
            "aud": self._policy.audience,
            "sub": str(user_id),
            "sid": str(session_id),
            "role": role.value,
            "jti": uuid4().hex,
            "iat": int(now.timestamp()),
            "exp": int(expires_at.timestamp()),
        }
        token = jwt.encode(claims, self._key, algorithm=ALGORITHM)
        return token, int(self._policy.access_ttl.total_seconds())


class AccessTokenVerifier:
    """Verifies access tokens locally with the public key: no call per request."""

    def __init__(self, public_key_pem: str, policy: TokenPolicy) -> None:
        key = serialization.load_pem_public_key(public_key_pem.encode())
        if not isinstance(key, Ed25519PublicKey):
            raise ValueError("the JWT verification key must be an Ed25519 public key")
        self._key = key
        self._policy = policy
        # The exact token text, verified once, with its claims and expiry (seconds since epoch).
        self._verified: dict[str, tuple[AccessClaims, float]] = {}

    def verify(self, token: str, now: float | None = None) -> AccessClaims:
        """The token's claims; TokenExpired once its `exp` is past (`now`, default the clock),
        InvalidToken for anything else wrong. A token verified before is not verified again:
        only the very same text finds its entry, and its expiry is checked every time."""
        known = self._verified.get(token)
        if known is None:
            known = self._verify_signed(token)
            if len(self._verified) >= VERIFIED_KEPT:
                del self._verified[next(iter(self._verified))]  # the longest kept
            self._verified[token] = known
        claims, expires = known
        if expires <= (time.time() if now is None else now):
            self._verified.pop(token, None)
            raise TokenExpired()
        return claims

    def _verify_signed(self, token: str) -> tuple[AccessClaims, float]:
        try:
            claims = jwt.decode(
                token,
                self._key,
                algorithms=[ALGORITHM],  # pinned: "none" and HS* confusion are refused
                audience=self._policy.audience,
                issuer=self._policy.issuer,
                # The expiry is checked by `verify`, for remembered tokens as well.
                options={"require": REQUIRED_CLAIMS, "verify_exp": False},
            )
            expires = claims["exp"]
            if isinstance(expires, bool) or not isinstance(expires, int | float):
                raise TypeError("exp is not a number")
            return (
                AccessClaims(
                    user_id=UUID(claims["sub"]),
                    session_id=UUID(claims["sid"]),
                    role=Role(claims["role"]),
                ),
                float(expires),
            )
        except (jwt.InvalidTokenError, ValueError, TypeError) as error:
            raise InvalidToken() from error


def new_refresh_token() -> str:
    """256 random bits, URL-safe; only its hash is ever stored."""
    return secrets.token_urlsafe(32)


def hash_refresh_token(token: str) -> str:
    # A fast hash is right here: the token has 256 bits of entropy, so it cannot be guessed.
    return hashlib.sha256(token.encode()).hexdigest()


class RefreshVerdict(Enum):
    ROTATE = "rotate"
    REUSED = "reused"
    EXPIRED = "expired"
    REVOKED = "revoked"


def judge_refresh(
    *, used: bool, session_revoked: bool, expires_at: datetime, now: datetime
) -> RefreshVerdict:
    """Decide what presenting a known refresh token means."""
    if session_revoked:
        return RefreshVerdict.REVOKED
    if used:
        # A used token shown again means two parties hold it: revoke the whole session.
        return RefreshVerdict.REUSED
    if expires_at <= now:
        return RefreshVerdict.EXPIRED
    return RefreshVerdict.ROTATE
